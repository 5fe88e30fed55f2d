"""The validation report: results, where each belongs, and its text/JSON/Turtle forms."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from cryonto.errors import CryontoError
from cryonto.rdf import BlankNode, DefaultGraph, GraphStore, Literal, NamedNode, Quad, RdfFormat
from cryonto.shacl.paths import path_to_rdf, term_from_text
from cryonto.shacl.terms import (
    INFO,
    RDF_TYPE,
    SEVERITY_NAMES,
    SH,
    VIOLATION,
    WARNING,
    XSD,
    Term,
    plain,
    short,
    short_path,
)


@dataclass(frozen=True)
class Result:
    """One sh:ValidationResult."""

    focus: Term
    path: str | None  # the result path in SPARQL property-path syntax (<iri>, <a>/<b>, …)
    value: Term | None
    shape: str  # source shape: IRI, or "_:label" for a blank node
    component: str  # sh:…ConstraintComponent IRI
    severity: str  # sh:Violation / sh:Warning / sh:Info IRI
    message: str
    constraint: str | None = None  # sh:sourceConstraint (SPARQL constraints)

    def key(self) -> tuple[str, str | None, str | None, str, str]:
        """What two engines must agree on: (focus, path, value, component, severity)."""
        return (str(self.focus), self.path, None if self.value is None else str(self.value),
                self.component, self.severity)


@dataclass
class Location:
    """Where a result's focus node belongs: a segment (with its source row) or itself."""

    kind: str  # "segment", "transcript", "code", "study", "resource"
    node: str  # IRI (or _:label) of the segment / resource the result is grouped under
    label: str  # what a person calls it: the segment id, the code's label, …
    source_file: str | None = None
    source_locator: str | None = None
    graph: str | None = None  # the RDF file it was loaded from

    def describe(self) -> str:
        where = ", ".join(p for p in (self.source_file, self.source_locator) if p)
        text = f"{self.kind} {self.label}"
        if where:
            text += f" ({where})"
        if self.graph:
            text += f" in {self.graph}"
        return text


@dataclass
class ValidationReport:
    profile: str
    engine: str
    files: list[str]
    results: list[Result]
    segments: int = 0
    locations: dict[str, Location] = field(default_factory=dict)
    fallback_shapes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    # -- verdict ----------------------------------------------------------
    def counts(self) -> dict[str, int]:
        counter = Counter(r.severity for r in self.results)
        return {name: counter.get(iri, 0) for iri, name in SEVERITY_NAMES.items()}

    @property
    def conforms(self) -> bool:
        """SHACL's sh:conforms: true only when there are no results at all."""
        return not self.results

    def failed(self, strict: bool = False) -> bool:
        """Violations fail; with `strict`, warnings fail too (infos never do)."""
        counts = self.counts()
        return counts["Violation"] > 0 or (strict and counts["Warning"] > 0)

    def keys(self) -> set[tuple]:
        return {r.key() for r in self.results}

    def location(self, result: Result) -> Location:
        """The segment a result belongs to: its focus node's, or its value's when the focus is
        a transcript and the value a segment (checks run per transcript, e.g. offsets)."""
        loc = self.locations.get(plain(result.focus))
        if (loc is None or loc.kind != "segment") and isinstance(result.value, NamedNode):
            by_value = self.locations.get(result.value.value)
            if by_value is not None and by_value.kind == "segment":
                return by_value
        return loc or Location("resource", plain(result.focus), short(result.focus))

    # -- rendering --------------------------------------------------------
    def to_text(self) -> str:
        counts = self.counts()
        lines = [
            f"cryonto validate — profile {self.profile}, engine {self.engine}: "
            f"{len(self.files)} file(s), {self.segments} segment(s) checked",
        ]
        if not self.results:
            lines.append("OK: the data conforms (0 violations, 0 warnings).")
            return "\n".join(lines) + "\n"
        groups: dict[str, list[Result]] = defaultdict(list)
        for result in self.results:
            groups[self.location(result).node].append(result)
        order = {VIOLATION: 0, WARNING: 1, INFO: 2}

        def group_key(node: str) -> tuple:
            loc = self.locations.get(node) or self.location(groups[node][0])
            kind_rank = {"segment": 0}.get(loc.kind, 1)
            return (kind_rank, loc.source_file or "", _natural(loc.source_locator or ""),
                    _natural(loc.label))

        for node in sorted(groups, key=group_key):
            items = sorted(groups[node], key=lambda r: (order.get(r.severity, 3), r.path or "",
                                                        r.message))
            loc = self.location(items[0])
            lines.append("")
            lines.append(loc.describe())
            for r in items:
                detail = []
                if r.path:
                    detail.append(short_path(r.path))
                if r.value is not None and plain(r.value) not in (plain(r.focus), loc.node):
                    detail.append(f"value {short(r.value)}")
                if plain(r.focus) != loc.node:
                    detail.append(f"at {short(r.focus)}")
                suffix = f"  [{'; '.join(detail)}]" if detail else ""
                severity = SEVERITY_NAMES.get(r.severity, r.severity)
                lines.append(f"  {severity:9} {r.message}{suffix}")
        lines.append("")
        lines.append(
            f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), "
            f"{counts['Info']} info(s) in {len(groups)} segment(s)/resource(s)"
        )
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        rows = []
        for r in self.results:
            loc = self.location(r)
            rows.append({
                "severity": SEVERITY_NAMES.get(r.severity, r.severity),
                "message": r.message,
                "focusNode": plain(r.focus),
                "resultPath": r.path,
                "value": None if r.value is None else plain(r.value),
                "sourceShape": r.shape,
                "sourceConstraintComponent": r.component,
                "sourceConstraint": r.constraint,
                "group": loc.kind,
                "groupNode": loc.node,
                "segment": loc.label if loc.kind == "segment" else None,
                "sourceFile": loc.source_file,
                "sourceLocator": loc.source_locator,
                "graph": loc.graph,
            })
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"

    def to_graph(self) -> GraphStore:
        """The report as a standard sh:ValidationReport (result paths copied from the shapes)."""
        out = GraphStore()
        quads: list[Quad] = []
        g = DefaultGraph()

        def add(s, p, o):
            quads.append(Quad(s, NamedNode(p), o, g))

        report = BlankNode()
        add(report, RDF_TYPE, NamedNode(SH + "ValidationReport"))
        add(report, SH + "conforms", Literal("true" if self.conforms else "false",
                                                datatype=NamedNode(XSD + "boolean")))
        path_nodes: dict[str, Term] = {}
        for r in self.results:
            node = BlankNode()
            add(report, SH + "result", node)
            add(node, RDF_TYPE, NamedNode(SH + "ValidationResult"))
            add(node, SH + "focusNode", r.focus)
            if r.path:
                if r.path not in path_nodes:
                    path_nodes[r.path] = path_to_rdf(r.path, add)
                add(node, SH + "resultPath", path_nodes[r.path])
            if r.value is not None:
                add(node, SH + "value", r.value)
            add(node, SH + "sourceShape", term_from_text(r.shape))
            add(node, SH + "sourceConstraintComponent", NamedNode(r.component))
            if r.constraint:
                add(node, SH + "sourceConstraint", term_from_text(r.constraint))
            add(node, SH + "resultSeverity", NamedNode(r.severity))
            add(node, SH + "resultMessage", Literal(r.message))
        out.add(quads)
        return out

    def to_turtle(self) -> str:
        prefixes = {"sh": SH, "xsd": XSD, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                    "crysh": "https://w3id.org/cryonto/shapes/", "oa": "http://www.w3.org/ns/oa#",
                    "dcterms": "http://purl.org/dc/terms/"}
        data = self.to_graph().dump(RdfFormat.TURTLE, graph="", prefixes=prefixes)
        return data.decode("utf-8")

    def render(self, fmt: str) -> str:
        if fmt == "text":
            return self.to_text()
        if fmt == "json":
            return self.to_json()
        if fmt == "turtle":
            return self.to_turtle()
        raise CryontoError(f"unknown report format {fmt!r}; expected text, json or turtle")


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))
