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
    def to_text(self, all_results: bool = False) -> str:
        """Results grouped by the shape (and constraint) that reported them: per group its
        severity, name, count and the first `EXAMPLES` results, or every one with
        `all_results`. A missing date on 10^5 segments is one group, not 10^5 lines."""
        counts = self.counts()
        lines = [
            f"cryonto validate — profile {self.profile}, engine {self.engine}: "
            f"{len(self.files)} file(s), {self.segments} segment(s) checked",
        ]
        if not self.results:
            lines.append("OK: the data conforms (0 violations, 0 warnings).")
            return "\n".join(lines) + "\n"
        groups = self.groups()
        nodes: set[str] = set()
        for (severity, shape, constraint, _component), items in groups.items():
            located = sorted(((self.location(r), r) for r in items), key=_by_place)
            nodes.update(loc.node for loc, _ in located)
            messages = {r.message for r in items}
            lines.append("")
            lines.append(f"{SEVERITY_NAMES.get(severity, severity):9} "
                         f"{_shape_name(constraint or shape)} — {_plural(len(items), 'result')}")
            if len(messages) == 1:
                lines.append(f"  {items[0].message}")
            shown = located if all_results else located[:EXAMPLES]
            for loc, r in shown:
                lines.append(f"  - {loc.describe()}{_detail(r, loc)}")
                if len(messages) > 1:  # the message names this result's own numbers
                    lines.append(f"      {r.message}")
            if len(located) > len(shown):
                lines.append(f"  ({len(located) - len(shown)} more; --all shows every one)")
        lines.append("")
        lines.append(
            f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), "
            f"{counts['Info']} info(s) from {_plural(len(groups), 'shape')} in "
            f"{len(nodes)} segment(s)/resource(s)"
        )
        return "\n".join(lines) + "\n"

    def groups(self) -> dict[tuple[str, str, str | None, str], list[Result]]:
        """Results by (severity, source shape, source constraint, constraint component):
        violations first, then warnings and infos, each by shape name."""
        groups: dict[tuple[str, str, str | None, str], list[Result]] = defaultdict(list)
        for r in self.results:
            groups[(r.severity, r.shape, r.constraint, r.component)].append(r)
        order = {VIOLATION: 0, WARNING: 1, INFO: 2}
        return dict(sorted(groups.items(), key=lambda item: (
            order.get(item[0][0], 3), _shape_name(item[0][2] or item[0][1]), item[0][3])))

    def to_json(self) -> str:
        """Every result, in the text report's order (by shape, then by place), so two runs
        over the same data give the same file whatever order the engine answered in."""
        rows = []
        for items in self.groups().values():
            for loc, r in sorted(((self.location(r), r) for r in items), key=_by_place_exactly):
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

    def render(self, fmt: str, all_results: bool = False) -> str:
        """The report in `fmt`; only text groups results (json and turtle hold every one)."""
        if fmt == "text":
            return self.to_text(all_results)
        if fmt == "json":
            return self.to_json()
        if fmt == "turtle":
            return self.to_turtle()
        raise CryontoError(f"unknown report format {fmt!r}; expected text, json or turtle")


#: examples shown per group of results in the text report (unless --all)
EXAMPLES = 3
_CRYSH = "https://w3id.org/cryonto/shapes/"


def _shape_name(node: str) -> str:
    if node.startswith(_CRYSH):
        return "crysh:" + node[len(_CRYSH):]
    return short(term_from_text(node)) if not node.startswith("_:") else node


def _detail(r: Result, loc: Location) -> str:
    """Path, value and focus node of one result, where they add to its location."""
    detail = []
    if r.path:
        detail.append(short_path(r.path))
    if r.value is not None and plain(r.value) not in (plain(r.focus), loc.node):
        detail.append(f"value {short(r.value)}")
    if plain(r.focus) != loc.node:
        detail.append(f"at {short(r.focus)}")
    return f"  [{'; '.join(detail)}]" if detail else ""


def _by_place(item: tuple[Location, Result]) -> tuple:
    loc, r = item
    return ({"segment": 0}.get(loc.kind, 1), loc.source_file or "",
            _natural(loc.source_locator or ""), _natural(loc.label), r.path or "", r.message)


def _by_place_exactly(item: tuple[Location, Result]) -> tuple:
    """`_by_place`, ties broken by every field a result has, for a stable order."""
    loc, r = item
    return (*_by_place(item), plain(r.focus), "" if r.value is None else plain(r.value),
            r.component, r.constraint or "", loc.graph or "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))
