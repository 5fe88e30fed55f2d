"""The whole import (file + references -> Turtle) and reading findings graphs back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryonto.atomic import write_text
from cryonto.errors import CryontoError
from cryonto.findings.build import build_graph
from cryonto.findings.read import STANCES, opt_text, read_findings, read_references, slug
from cryonto.rdf import BlankNode, GraphStore, Literal, NamedNode, RdfFormat, rdf_format_for
from cryonto.vocab import BIBO, CRY, DCTERMS, RDF, RDFS


@dataclass
class ImportResult:
    source: Path
    output: Path
    findings: int
    records: int
    categories: int
    reused_records: list[str] = field(default_factory=list)
    stances: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"source": str(self.source), "output": str(self.output),
                "findings": self.findings, "records": self.records,
                "categories": self.categories, "reused_records": self.reused_records,
                "stances": self.stances}


def import_findings(path: Path | str, output: Path | str | None = None,
                    references: Path | str | None = None, base: str | None = None,
                    ontology: Iterable[Path] | None = None) -> ImportResult:
    """Read FILE (+ references), build the findings graph and write it as Turtle."""
    from cryonto.category import load_category_system

    path = Path(path)
    if not path.is_file():
        raise CryontoError("no such file", str(path))
    out = Path(output) if output else path.with_name(f"{path.stem}.findings.ttl")
    refs = read_references(Path(references)) if references else {}
    rows = read_findings(path)
    system = load_category_system(list(ontology) if ontology else None)
    base = base or f"https://w3id.org/cryonto/user/{slug(path.stem)}/"
    if not base.endswith(("/", "#")):
        raise CryontoError(f"base IRI {base!r} must end with / or #")
    graph = build_graph(rows, refs, path, base, system)
    text = (f"# Findings imported by cryonto from {path.name}"
            + (f" with references from {Path(references).name}" if references else "")
            + ".\n# Load beside ontology/literature.ttl; validate with "
              "`cryonto validate --profile findings`.\n"
            + graph.turtle().decode("utf-8"))
    write_text(out, text)
    stances: dict[str, int] = {}
    for name, prop in STANCES.items():
        n = sum(1 for f in graph.findings if f.stance == prop and f.categories)
        if n:
            stances["disagreesWith" if name == "disagreeswith" else name] = n
    sources = {f.source for f in graph.findings}
    reused = sorted(s for s in sources if s.startswith(CRY) and not s.startswith(base))
    return ImportResult(path, out, len(graph.findings), len(sources),
                        len({c for f in graph.findings for c in f.categories}), reused, stances)


def load_user_findings(paths: Sequence[Path | str]) -> list[dict]:
    """Every finding in the given findings graphs, as plain data (one dict per category)."""
    out: list[dict] = []
    for path in paths:
        graph = _index(_load(Path(path)))

        def value(subject: Node | None, predicate: str,
                  graph: dict[Node, dict[str, list[Node]]] = graph) -> Node | None:
            found = graph.get(subject, {}).get(predicate) if subject is not None else None
            return found[0] if found else None

        def text(subject: Node | None, predicate: str) -> str | None:
            found = value(subject, predicate)
            return found.value if found is not None else None

        findings = [s for s, props in graph.items()
                    if NamedNode(CRY.Finding) in props.get(RDF.type, ())]
        for f in sorted(findings, key=lambda t: t.value):
            for prop in STANCES.values():
                for category in sorted(set(graph[f].get(prop, ())), key=lambda t: t.value):
                    record = value(f, DCTERMS.source)
                    citation = text(record, DCTERMS.bibliographicCitation)
                    out.append({
                        "iri": f.value, "category": category.value,
                        "stance": prop.rsplit("/", 1)[-1],
                        "label": opt_text(text(f, RDFS.label)),
                        "claim": opt_text(text(f, CRY.claim)),
                        "evidence": opt_text(text(f, CRY.evidenceText)),
                        "location": opt_text(text(f, BIBO.locator)),
                        "source": {"iri": record.value if record is not None else None,
                                   "citation": citation or None},
                        "file": str(path), "user": True})
    return out


Node = NamedNode | BlankNode | Literal


def _index(store: GraphStore) -> dict[Node, dict[str, list[Node]]]:
    """Subject -> predicate IRI -> objects, over every triple of the store."""
    graph: dict[Node, dict[str, list[Node]]] = {}
    for quad in store.quads():
        s, o = quad.subject, quad.object
        if isinstance(s, NamedNode | BlankNode) and isinstance(o, NamedNode | BlankNode | Literal):
            graph.setdefault(s, {}).setdefault(quad.predicate.value, []).append(o)
    return graph


def _load(path: Path) -> GraphStore:
    """A findings graph in a store; any file type RDF has (Turtle if the suffix says none)."""
    try:
        fmt = rdf_format_for(path)
    except CryontoError:
        fmt = RdfFormat.TURTLE
    store = GraphStore()
    try:
        store.load_file(path, graph="urn:cryonto:findings", fmt=fmt)
    except CryontoError as error:
        if error.reason == "no such file":
            raise
        raise CryontoError(f"cannot read findings: {error.reason}", str(path)) from None
    return store


__all__ = ["ImportResult", "import_findings", "load_user_findings"]
