"""SHACL validation of coded datasets, fast: shapes compiled to SPARQL on pyoxigraph.

The shapes in ``shapes/`` (profile ``core``; ``shareable`` = core + shareable.ttl) are
read from the shapes graph and compiled, generically, into one SPARQL SELECT per
constraint (sh:minCount, sh:maxCount, sh:datatype, sh:class, sh:in, sh:pattern,
sh:min/maxInclusive/Exclusive, sh:min/maxLength, sh:lessThan(OrEquals), sh:hasValue,
sh:nodeKind, sh:sparql) that returns exactly the focus nodes and value nodes that
violate it. The queries run on the pyoxigraph store holding ontology + data and the
rows become the same validation results pySHACL would produce (focus node, path,
value, source shape, constraint component, severity, message). A shape that uses a
component the compiler does not know is handed to pySHACL (on the same store), so
results stay correct whatever the shapes say. ``engine="pyshacl"`` runs plain pySHACL
on an rdflib graph instead, for comparison.

The report groups results by coded segment and names the file and row each segment
came from (cry:sourceFile, cry:sourceLocator), and renders as text, JSON or a
standard sh:ValidationReport in Turtle.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.store import GraphStore, _where_brace, to_term

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
VIOLATION, WARNING, INFO = SH + "Violation", SH + "Warning", SH + "Info"
SEVERITY_NAMES = {VIOLATION: "Violation", WARNING: "Warning", INFO: "Info"}

PROFILES: dict[str, tuple[str, ...]] = {
    "core": ("core.ttl",),
    "shareable": ("core.ttl", "shareable.ttl"),
    "findings": ("findings.ttl",),
}
ENGINES = ("fast", "pyshacl")

_sh = rdflib.Namespace(SH)
_RDF = rdflib.RDF
_RDFS = rdflib.RDFS

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def profile_files(profile: str) -> list[Path]:
    try:
        names = PROFILES[profile]
    except KeyError:
        raise CryontoError(
            f"unknown validation profile {profile!r}; expected one of {', '.join(PROFILES)}"
        ) from None
    return [resources.shapes_dir() / name for name in names]


def load_shapes(files: Iterable[Path | str]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files:
        try:
            graph.parse(str(path), format="turtle")
        except Exception as error:  # a broken shapes file is bad input too
            raise CryontoError(f"cannot read shapes: {error}", str(path)) from None
    return graph


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
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
        loc = self.locations.get(_plain(result.focus))
        if (loc is None or loc.kind != "segment") and isinstance(result.value, ox.NamedNode):
            by_value = self.locations.get(result.value.value)
            if by_value is not None and by_value.kind == "segment":
                return by_value
        return loc or Location("resource", _plain(result.focus), _short(result.focus))

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
                    detail.append(_short_path(r.path))
                if r.value is not None and _plain(r.value) not in (_plain(r.focus), loc.node):
                    detail.append(f"value {_short(r.value)}")
                if _plain(r.focus) != loc.node:
                    detail.append(f"at {_short(r.focus)}")
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
                "focusNode": _plain(r.focus),
                "resultPath": r.path,
                "value": None if r.value is None else _plain(r.value),
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

    def to_graph(self, shapes: rdflib.Graph | None = None) -> ox.Store:
        """The report as a standard sh:ValidationReport (result paths copied from the shapes)."""
        out = ox.Store()
        quads: list[ox.Quad] = []
        g = ox.DefaultGraph()

        def add(s, p, o):
            quads.append(ox.Quad(s, ox.NamedNode(p), o, g))

        report = ox.BlankNode()
        add(report, RDF_TYPE, ox.NamedNode(SH + "ValidationReport"))
        add(report, SH + "conforms", ox.Literal("true" if self.conforms else "false",
                                                datatype=ox.NamedNode(XSD + "boolean")))
        path_nodes: dict[str, Term] = {}
        for r in self.results:
            node = ox.BlankNode()
            add(report, SH + "result", node)
            add(node, RDF_TYPE, ox.NamedNode(SH + "ValidationResult"))
            add(node, SH + "focusNode", r.focus)
            if r.path:
                if r.path not in path_nodes:
                    path_nodes[r.path] = _path_to_rdf(r.path, add)
                add(node, SH + "resultPath", path_nodes[r.path])
            if r.value is not None:
                add(node, SH + "value", r.value)
            add(node, SH + "sourceShape", _term_from_text(r.shape))
            add(node, SH + "sourceConstraintComponent", ox.NamedNode(r.component))
            if r.constraint:
                add(node, SH + "sourceConstraint", _term_from_text(r.constraint))
            add(node, SH + "resultSeverity", ox.NamedNode(r.severity))
            add(node, SH + "resultMessage", ox.Literal(r.message))
        out.extend(quads)
        return out

    def to_turtle(self) -> str:
        prefixes = {"sh": SH, "xsd": XSD, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                    "crysh": "https://w3id.org/cryonto/shapes/", "oa": "http://www.w3.org/ns/oa#",
                    "dcterms": "http://purl.org/dc/terms/"}
        data = self.to_graph().dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
                                    prefixes=prefixes)
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


def _plain(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


_SHORT_PREFIXES = [
    ("oa:", "http://www.w3.org/ns/oa#"), ("dcterms:", "http://purl.org/dc/terms/"),
    ("cry:", "https://w3id.org/cryonto/"), ("skos:", "http://www.w3.org/2004/02/skos/core#"),
    ("prov:", "http://www.w3.org/ns/prov#"), ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd:", XSD),
]


def _short(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if "/data/" in iri:
            return "<" + iri.split("/data/", 1)[1] + ">"
        for prefix, ns in _SHORT_PREFIXES:
            if iri.startswith(ns) and "/" not in iri[len(ns):]:
                return prefix + iri[len(ns):]
        return f"<{iri}>"
    if isinstance(term, ox.Literal):
        text = term.value if len(term.value) <= 60 else term.value[:57] + "…"
        return json.dumps(text, ensure_ascii=False)
    return "_:" + term.value


def _short_path(path: str) -> str:
    def repl(match: re.Match) -> str:
        iri = match.group(1)
        for prefix, ns in _SHORT_PREFIXES:
            if iri.startswith(ns):
                return prefix + iri[len(ns):]
        return match.group(0)

    return re.sub(r"<([^>]*)>", repl, path)


def _term_from_text(text: str) -> ox.NamedNode | ox.BlankNode:
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text)


_PATH_TOKEN = re.compile(r"\s*(<[^>]*>|[()/|^*+?])")


def _path_to_rdf(path: str, add) -> Term:
    """A SPARQL property path (as compiled) back to SHACL path RDF nodes."""
    tokens = [m.group(1) for m in _PATH_TOKEN.finditer(path)]
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def rdf_list(items: list[Term]) -> Term:
        head: Term = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")
        for item in reversed(items):
            cell = ox.BlankNode()
            add(cell, "http://www.w3.org/1999/02/22-rdf-syntax-ns#first", item)
            add(cell, "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest", head)
            head = cell
        return head

    def alternative() -> Term:
        items = [sequence()]
        while peek() == "|":
            take()
            items.append(sequence())
        if len(items) == 1:
            return items[0]
        node = ox.BlankNode()
        add(node, SH + "alternativePath", rdf_list(items))
        return node

    def sequence() -> Term:
        items = [unary()]
        while peek() == "/":
            take()
            items.append(unary())
        return items[0] if len(items) == 1 else rdf_list(items)

    def unary() -> Term:
        if peek() == "^":
            take()
            node = ox.BlankNode()
            add(node, SH + "inversePath", unary())
            return node
        token = take()
        if token == "(":
            inner = alternative()
            take()  # ")"
        else:
            inner = ox.NamedNode(token[1:-1])
        mods = {"*": "zeroOrMorePath", "+": "oneOrMorePath", "?": "zeroOrOnePath"}
        while peek() in mods:
            node = ox.BlankNode()
            add(node, SH + mods[take()], inner)
            inner = node
        return inner

    return alternative()


# ---------------------------------------------------------------------------------------
# compiling shapes to SPARQL
# ---------------------------------------------------------------------------------------
class Unsupported(Exception):
    """A shape uses something the SPARQL compiler does not handle (pySHACL takes it)."""


#: shape parameters the compiler understands (anything else -> fallback to pySHACL)
_PARAMETERS = {
    "path", "property", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "severity", "message", "deactivated", "name", "description", "order", "group",
    "minCount", "maxCount", "datatype", "class", "in", "pattern", "flags", "minInclusive",
    "maxInclusive", "minExclusive", "maxExclusive", "minLength", "maxLength", "lessThan",
    "lessThanOrEquals", "hasValue", "nodeKind", "sparql", "defaultValue", "or", "and", "not",
    "xone",
}
_SH_TERMS_NOT_PARAMETERS = {"NodeShape", "PropertyShape"}

_INTEGER_SUBTYPES = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1), "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}
_CASTABLE = {"integer", "decimal", "double", "float", "boolean", "dateTime", "date", "time",
             "string"}


@dataclass
class CompiledConstraint:
    shape: rdflib.term.Node
    component: str
    severity: str
    messages: list[str]
    path: str | None
    sparql: str
    is_property: bool
    constraint: rdflib.term.Node | None = None  # the sh:sparql node
    sparql_messages: list[str] = field(default_factory=list)


@dataclass
class CompiledShapes:
    constraints: list[CompiledConstraint]
    fallback: list[rdflib.term.Node]  # top-level shapes handed to pySHACL
    shapes: rdflib.Graph


def _n3(term: rdflib.term.Node) -> str:
    """A term as SPARQL/N-Triples text (pyoxigraph does the escaping)."""
    if isinstance(term, rdflib.BNode):
        raise Unsupported("blank node as a constraint value")
    return str(to_term(term))


def _node_id(term: rdflib.term.Node) -> str:
    return "_:" + str(term) if isinstance(term, rdflib.BNode) else str(term)


def sparql_path(g: rdflib.Graph, path: rdflib.term.Node) -> str:
    """A SHACL path as a SPARQL property path."""
    if isinstance(path, rdflib.URIRef):
        return f"<{path}>"
    if (path, _RDF.first, None) in g:
        items = list(Collection(g, path))
        return "(" + "/".join(sparql_path(g, p) for p in items) + ")"
    for kind, fmt in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"),
                      ("oneOrMorePath", "{}+"), ("zeroOrOnePath", "{}?")):
        inner = g.value(path, _sh[kind])
        if inner is not None:
            text = sparql_path(g, inner)
            if not text.startswith(("<", "(")):
                text = f"({text})"
            return fmt.format(text)
    alternatives = g.value(path, _sh.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(g, p) for p in Collection(g, alternatives)) + ")"
    raise Unsupported(f"unknown path form {path!r}")


def path_pattern(g: rdflib.Graph, path: rdflib.term.Node, subject: str, obj: str,
                 counter: list[int] | None = None) -> str:
    """A SHACL path as a graph pattern from `subject` to `obj` (sequences as joins, which
    pyoxigraph evaluates much faster than sequence property paths)."""
    counter = counter if counter is not None else [0]

    def fresh() -> str:
        counter[0] += 1
        return f"?_p{counter[0]}"

    if isinstance(path, rdflib.URIRef):
        return f"{subject} <{path}> {obj} ."
    if (path, _RDF.first, None) in g:
        items = list(Collection(g, path))
        parts, current = [], subject
        for i, item in enumerate(items):
            nxt = obj if i == len(items) - 1 else fresh()
            parts.append(path_pattern(g, item, current, nxt, counter))
            current = nxt
        return " ".join(parts)
    inverse = g.value(path, _sh.inversePath)
    if isinstance(inverse, rdflib.URIRef):
        return f"{obj} <{inverse}> {subject} ."
    alternatives = g.value(path, _sh.alternativePath)
    if alternatives is not None:
        return " UNION ".join("{ " + path_pattern(g, p, subject, obj, counter) + " }"
                              for p in Collection(g, alternatives))
    return f"{subject} {sparql_path(g, path)} {obj} ."


def _simplify_path(text: str) -> str:
    """Drop the outer parentheses of a sequence/alternative so keys are stable."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, c in enumerate(text):
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        return text[1:-1]
    return text


def _targets(g: rdflib.Graph, shape: rdflib.term.Node, subclasses=None) -> list[str]:
    """One graph pattern binding ?this per target declaration.

    With `subclasses` (class IRI -> its proper subclasses in the data), a class target
    becomes a plain rdf:type pattern, much faster than rdf:type/rdfs:subClassOf*.
    """
    parts = []
    classes = list(g.objects(shape, _sh.targetClass))
    if (shape, _RDF.type, _RDFS.Class) in g or (shape, _RDF.type, rdflib.OWL.Class) in g:
        classes.append(shape)
    for cls in classes:
        if subclasses is None:
            parts.append(f"?this <{RDF_TYPE}>/<{_RDFS.subClassOf}>* {_n3(cls)} .")
            continue
        subs = subclasses(str(cls))
        if subs:
            values = " ".join(f"<{c}>" for c in [str(cls), *subs])
            parts.append(f"VALUES ?_target_class {{ {values} }} "
                         f"?this <{RDF_TYPE}> ?_target_class .")
        else:
            parts.append(f"?this <{RDF_TYPE}> {_n3(cls)} .")
    nodes = list(g.objects(shape, _sh.targetNode))
    if nodes:
        parts.append("VALUES ?this { " + " ".join(_n3(n) for n in nodes) + " }")
    for prop in g.objects(shape, _sh.targetSubjectsOf):
        parts.append(f"?this {_n3(prop)} ?_target_o .")
    for prop in g.objects(shape, _sh.targetObjectsOf):
        parts.append(f"?_target_s {_n3(prop)} ?this .")
    return parts


def _target_block(parts: list[str], inline: bool = True) -> str:
    if inline and len(parts) == 1 and parts[0].startswith("?this <" + RDF_TYPE + "> "):
        return parts[0]  # one class, no subclasses: no duplicates to remove (outer DISTINCT)
    union = " UNION ".join("{ " + p + " }" for p in parts)
    return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"


def _check_parameters(g: rdflib.Graph, shape: rdflib.term.Node, nested: bool) -> None:
    for p in set(g.predicates(shape, None)):
        if isinstance(p, rdflib.URIRef) and str(p).startswith(SH):
            name = str(p)[len(SH):]
            if name not in _PARAMETERS:
                raise Unsupported(f"sh:{name}")
            if nested and name == "property":
                raise Unsupported("sh:property inside a property shape")


def _is_deactivated(g: rdflib.Graph, shape: rdflib.term.Node) -> bool:
    return any(bool(v.toPython()) if isinstance(v, rdflib.Literal) else False
               for v in g.objects(shape, _sh.deactivated))


def _severity(g: rdflib.Graph, shape: rdflib.term.Node) -> str:
    value = g.value(shape, _sh.severity)
    return str(value) if value is not None else VIOLATION


def _messages(g: rdflib.Graph, node: rdflib.term.Node) -> list[str]:
    return sorted(str(m) for m in g.objects(node, _sh.message))


def top_level_shapes(g: rdflib.Graph) -> list[rdflib.term.Node]:
    """Shapes that have targets (pySHACL validates exactly these, recursively)."""
    found = set()
    for p in (_sh.targetClass, _sh.targetNode, _sh.targetSubjectsOf, _sh.targetObjectsOf):
        found.update(g.subjects(p, None))
    for cls in (_sh.NodeShape, _sh.PropertyShape):
        for shape in g.subjects(_RDF.type, cls):
            if (shape, _RDF.type, _RDFS.Class) in g or (shape, _RDF.type, rdflib.OWL.Class) in g:
                found.add(shape)
    return sorted(found, key=str)


def store_subclasses(store: ox.Store):
    """A resolver of proper subclasses (rdfs:subClassOf+) in a store, for `compile_shapes`."""
    cache: dict[str, list[str]] = {}

    def resolve(cls: str) -> list[str]:
        if cls not in cache:
            query = (f"SELECT DISTINCT ?c WHERE {{ ?c <{_RDFS.subClassOf}>+ <{cls}> "
                     f"FILTER (?c != <{cls}>) }}")
            found = [row["c"] for row in store.query(query, use_default_graph_as_union=True)]
            if any(not isinstance(c, ox.NamedNode) for c in found):
                raise Unsupported("blank-node subclass")
            cache[cls] = sorted(c.value for c in found)
        return cache[cls]

    return resolve


def compile_shapes(g: rdflib.Graph, subclasses=None) -> CompiledShapes:
    constraints: list[CompiledConstraint] = []
    fallback: list[rdflib.term.Node] = []
    for shape in top_level_shapes(g):
        if _is_deactivated(g, shape):
            continue
        try:
            constraints.extend(_compile_top(g, shape, subclasses))
        except Unsupported:
            fallback.append(shape)
    return CompiledShapes(constraints, fallback, g)


def _compile_top(g: rdflib.Graph, shape: rdflib.term.Node,
                 subclasses=None) -> list[CompiledConstraint]:
    targets = _targets(g, shape, subclasses)
    block = _target_block(targets)
    # SPARQL constraints are joined with the targets as a sub-select: pyoxigraph's join
    # order for an inlined rdf:type pattern plus a hand-written body can be very poor
    sub_block = _target_block(targets, inline=False)
    out: list[CompiledConstraint] = []
    is_property = g.value(shape, _sh.path) is not None
    _check_parameters(g, shape, nested=False)
    out.extend(_compile_shape(g, shape, block, is_property, sub_block, subclasses))
    if not is_property:
        for prop in g.objects(shape, _sh.property):
            if _is_deactivated(g, prop):
                continue
            if g.value(prop, _sh.path) is None:
                raise Unsupported("sh:property without sh:path")
            _check_parameters(g, prop, nested=True)
            out.extend(_compile_shape(g, prop, block, True, sub_block, subclasses))
    return out


def _compile_shape(g: rdflib.Graph, shape: rdflib.term.Node, block: str,
                   is_property: bool, sub_block: str | None = None,
                   subclasses=None) -> list[CompiledConstraint]:
    severity = _severity(g, shape)
    messages = _messages(g, shape)
    path_node = g.value(shape, _sh.path)
    path = sparql_path(g, path_node) if is_property else None
    if is_property:
        values = "{ " + path_pattern(g, path_node, "?this", "?value") + " }"
    else:
        values = "BIND (?this AS ?value)"
    out: list[CompiledConstraint] = []

    def emit(component: str, where: str, select: str = "DISTINCT ?this ?value",
             tail: str = "") -> None:
        sparql = f"SELECT {select} WHERE {{ {block} {where} }} {tail}"
        out.append(CompiledConstraint(shape, SH + component, severity, messages,
                                      _simplify_path(path) if path else None, sparql,
                                      is_property))

    one = lambda p: list(g.objects(shape, _sh[p]))  # noqa: E731

    for v in one("minCount"):
        n = int(v)
        if not is_property:
            raise Unsupported("sh:minCount on a node shape")
        if n == 1:
            emit("MinCountConstraintComponent", f"MINUS {values}",
                 "DISTINCT ?this")
        elif n > 1:
            emit("MinCountConstraintComponent", f"OPTIONAL {values}", "?this",
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")
    for v in one("maxCount"):
        n = int(v)
        if not is_property:
            raise Unsupported("sh:maxCount on a node shape")
        if n == 1:  # two different values: faster than grouping
            second = "{ " + path_pattern(g, path_node, "?this", "?_value2", [100]) + " }"
            emit("MaxCountConstraintComponent",
                 f"{values} {second} FILTER (!sameTerm(?value, ?_value2))", "DISTINCT ?this")
        else:
            emit("MaxCountConstraintComponent", values, "?this",
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})")
    for component, test in _value_tests(g, shape):
        if component == "ClassConstraintComponent" and subclasses is not None:
            continue  # below, as MINUS (faster than FILTER NOT EXISTS in pyoxigraph)
        emit(component, f"{values} FILTER (!COALESCE({test}, false))")
    if subclasses is not None:
        for cls in one("class"):
            classes = [str(cls), *subclasses(str(cls))]
            typed = (f"?value <{RDF_TYPE}> <{classes[0]}>" if len(classes) == 1 else
                     "VALUES ?_class { " + " ".join(f"<{c}>" for c in classes) +
                     f" }} ?value <{RDF_TYPE}> ?_class")
            emit("ClassConstraintComponent", f"{values} MINUS {{ {typed} }}")
    for name in ("or", "and", "xone"):
        for v in one(name):
            tests = [_member_test(g, m) for m in Collection(g, v)]
            if name == "or":
                test = " || ".join(tests) or "false"
            elif name == "and":
                test = " && ".join(tests) or "true"
            else:
                test = "(" + " + ".join(f"IF({t}, 1, 0)" for t in tests) + ") = 1" if tests \
                    else "false"
            emit(name.capitalize() + "ConstraintComponent",
                 f"{values} FILTER (!COALESCE({test}, false))")
    for v in one("not"):
        emit("NotConstraintComponent", f"{values} FILTER (COALESCE({_member_test(g, v)}, true))")
    for name, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
        for v in one(name):
            if not isinstance(v, rdflib.URIRef):
                raise Unsupported(f"sh:{name} with a non-IRI")
            emit(name[0].upper() + name[1:] + "ConstraintComponent",
                 f"{values} ?this {_n3(v)} ?_other . "
                 f"FILTER (!COALESCE(?value {op} ?_other, false))",
                 "DISTINCT ?this ?value ?_other")
    for v in one("hasValue"):
        if is_property:
            emit("HasValueConstraintComponent",
                 "MINUS { " + path_pattern(g, path_node, "?this", _n3(v)) + " }",
                 "DISTINCT ?this")
        else:
            emit("HasValueConstraintComponent", f"FILTER (!sameTerm(?this, {_n3(v)}))",
                 "DISTINCT ?this")
    for node in one("sparql"):
        compiled = _compile_sparql(g, shape, node, sub_block or block, severity, messages, path,
                                   is_property)
        if compiled is not None:
            out.append(compiled)
    return out


#: value-level components: each is a boolean SPARQL expression on ?value
_VALUE_COMPONENTS = ("datatype", "class", "in", "pattern", "minInclusive", "maxInclusive",
                     "minExclusive", "maxExclusive", "minLength", "maxLength", "nodeKind")
_NODE_KINDS = {
    "IRI": "isIRI(?value)", "BlankNode": "isBlank(?value)", "Literal": "isLiteral(?value)",
    "BlankNodeOrIRI": "(isBlank(?value) || isIRI(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}
_LOGICAL_MEMBER_OK = {"severity", "message", "name", "description", "flags", "deactivated",
                      "hasValue", *_VALUE_COMPONENTS}


def _value_tests(g: rdflib.Graph, shape: rdflib.term.Node) -> list[tuple[str, str]]:
    """(component, expression true when ?value conforms) for the shape's value-level constraints."""
    out = []

    def comp(name: str) -> str:
        return name[0].upper() + name[1:] + "ConstraintComponent"

    for v in g.objects(shape, _sh.datatype):
        out.append((comp("datatype"), f"({_datatype_test(str(v))})"))
    for v in g.objects(shape, _sh["class"]):
        out.append((comp("class"),
                    f"EXISTS {{ ?value <{RDF_TYPE}>/<{_RDFS.subClassOf}>* {_n3(v)} }}"))
    for v in g.objects(shape, _sh["in"]):
        members = list(Collection(g, v))
        out.append((comp("in"),
                    "(" + (" || ".join(f"sameTerm(?value, {_n3(m)})" for m in members)
                           or "false") + ")"))
    flags = g.value(shape, _sh.flags)
    for v in g.objects(shape, _sh.pattern):
        flag_text = f", {_n3(rdflib.Literal(str(flags)))}" if flags is not None else ""
        out.append((comp("pattern"), f"(!isBlank(?value) && "
                    f"REGEX(STR(?value), {_n3(rdflib.Literal(str(v)))}{flag_text}))"))
    for name, op in (("minInclusive", ">="), ("maxInclusive", "<="), ("minExclusive", ">"),
                     ("maxExclusive", "<")):
        for v in g.objects(shape, _sh[name]):
            out.append((comp(name), f"(?value {op} {_n3(v)})"))
    for name, op in (("minLength", ">="), ("maxLength", "<=")):
        for v in g.objects(shape, _sh[name]):
            out.append((comp(name), f"(!isBlank(?value) && STRLEN(STR(?value)) {op} {int(v)})"))
    for v in g.objects(shape, _sh.nodeKind):
        test = _NODE_KINDS.get(str(v)[len(SH):]) if str(v).startswith(SH) else None
        if test is None:
            raise Unsupported(f"sh:nodeKind {v}")
        out.append((comp("nodeKind"), test))
    return out


def _member_test(g: rdflib.Graph, member: rdflib.term.Node) -> str:
    """A member shape of sh:or/and/not/xone as one expression (value-level constraints only)."""
    for p in set(g.predicates(member, None)):
        if p == _RDF.type:
            continue
        name = str(p)[len(SH):] if str(p).startswith(SH) else None
        if name not in _LOGICAL_MEMBER_OK:
            raise Unsupported(f"{p} in a logical member shape")
    if _is_deactivated(g, member):
        raise Unsupported("deactivated logical member shape")
    tests = [f"COALESCE({t}, false)" for _, t in _value_tests(g, member)]
    tests += [f"sameTerm(?value, {_n3(v)})" for v in g.objects(member, _sh.hasValue)]
    return "(" + (" && ".join(tests) or "true") + ")"


def _datatype_test(datatype: str) -> str:
    dt = f"<{datatype}>"
    if datatype == "http://www.w3.org/2000/01/rdf-schema#Literal":
        return "isLiteral(?value)"
    if datatype == "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString":
        return "isLiteral(?value) && LANG(?value) != \"\""
    if datatype.startswith(XSD):
        local = datatype[len(XSD):]
        if local in _INTEGER_SUBTYPES:
            # pyoxigraph stores every integer subtype as xsd:integer: check value and range
            low, high = _INTEGER_SUBTYPES[local]
            cast = f"<{XSD}integer>(STR(?value))"
            tests = [f"(DATATYPE(?value) = {dt} || DATATYPE(?value) = <{XSD}integer>)",
                     f"COALESCE(isLiteral({cast}), false)"]
            if low is not None:
                tests.append(f"COALESCE({cast} >= {low}, false)")
            if high is not None:
                tests.append(f"COALESCE({cast} <= {high}, false)")
            return "isLiteral(?value) && " + " && ".join(tests)
        if local in _CASTABLE:
            return (f"isLiteral(?value) && DATATYPE(?value) = {dt} && "
                    f"COALESCE(isLiteral({dt}(STR(?value))), false)")
    return f"isLiteral(?value) && DATATYPE(?value) = {dt}"


_SELECT = re.compile(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?", re.IGNORECASE)


def _compile_sparql(g, shape, node, block, severity, messages, path, is_property
                    ) -> CompiledConstraint | None:
    if _is_deactivated(g, node):
        return None  # a deactivated SPARQL constraint reports nothing
    select = g.value(node, _sh.select)
    if select is None:
        raise Unsupported("SPARQL constraint without sh:select")
    text = str(select)
    if re.search(r"[?$](shapesGraph|currentShape)\b", text):
        raise Unsupported("$shapesGraph / $currentShape")
    if re.search(r"\bVALUES\b|\bMINUS\b|\bSERVICE\b", text, re.IGNORECASE):
        raise Unsupported("VALUES/MINUS/SERVICE in a SPARQL constraint")
    if "$PATH" in text:
        if not is_property:
            raise Unsupported("$PATH in a node shape")
        text = text.replace("$PATH", path)
    prefixes = []
    for prefixes_node in g.objects(node, _sh.prefixes):
        for decl in g.objects(prefixes_node, _sh.declare):
            prefix, namespace = g.value(decl, _sh.prefix), g.value(decl, _sh.namespace)
            if prefix is not None and namespace is not None:
                prefixes.append(f"PREFIX {prefix}: <{namespace}>")
    query = "\n".join(prefixes) + "\n" + text
    brace = _where_brace(query)
    if brace is None:
        raise Unsupported("cannot find the WHERE clause")
    head = query[:brace]
    match = _SELECT.search(head)
    if match is None:
        raise Unsupported("not a SELECT")
    projection = head[match.end():]
    if "*" not in projection.split("WHERE")[0] and not re.search(r"[?$]this\b", projection):
        head = head[: match.end()] + "?this " + head[match.end():]
    query = head + "{ " + block + " " + query[brace + 1:]
    sparql_messages = _messages(g, node)
    return CompiledConstraint(shape, SH + "SPARQLConstraintComponent", severity, messages,
                              _simplify_path(path) if path else None, query, is_property,
                              constraint=node, sparql_messages=sparql_messages)


# ---------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------
_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _format_message(template: str, bindings: dict[str, Term]) -> str:
    def repl(match: re.Match) -> str:
        term = bindings.get(match.group(1))
        return match.group(0) if term is None else _plain(term)

    return _TEMPLATE.sub(repl, template)


def run_compiled(store: ox.Store, compiled: Sequence[CompiledConstraint]) -> list[Result]:
    results: list[Result] = []
    for c in compiled:
        solutions = store.query(c.sparql, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        shape_id = _node_id(c.shape)
        if c.component != SH + "SPARQLConstraintComponent":
            message = c.messages[0] if c.messages else _generic_message(c)
            has_value = "value" in names
            for row in solutions:
                value = row["value"] if has_value else None
                results.append(Result(row["this"], c.path, value, shape_id, c.component,
                                      c.severity, message))
            continue
        templates = c.sparql_messages or c.messages or ["SPARQL constraint failed"]
        seen = set()
        constraint_id = _node_id(c.constraint) if c.constraint is not None else None
        for row in solutions:
            bindings = {n: row[n] for n in names if row[n] is not None}
            if "failure" in bindings:
                continue
            focus = bindings.get("this")
            if focus is None:
                continue
            dedup = tuple(sorted((k, str(v)) for k, v in bindings.items()))
            if dedup in seen:
                continue
            seen.add(dedup)
            value = bindings.get("value")
            if value is None and not c.is_property:
                value = focus
            path_term = bindings.get("path")
            path = (_simplify_path(str(path_term)) if isinstance(path_term, ox.NamedNode)
                    else c.path)
            message = _format_message(templates[0], bindings)
            results.append(Result(focus, path, value, shape_id, c.component, c.severity, message,
                                  constraint_id))
    return results


def _generic_message(c: CompiledConstraint) -> str:
    name = c.component[len(SH):].replace("ConstraintComponent", "")
    return f"{name} constraint not met" + (f" on {c.path}" if c.path else "")


def _fallback_shapes_graph(g: rdflib.Graph, keep: Sequence[rdflib.term.Node]) -> rdflib.Graph:
    """A copy of the shapes with every top-level shape but `keep` deactivated."""
    copy = rdflib.Graph()
    for triple in g:
        copy.add(triple)
    keep_set = set(keep)
    for shape in top_level_shapes(g):
        if shape not in keep_set:
            copy.add((shape, _sh.deactivated, rdflib.Literal(True)))
    return copy


def run_pyshacl(data: rdflib.Graph | ox.Store, shapes: rdflib.Graph) -> list[Result]:
    """Plain pySHACL on `data`; its report graph read back as Results."""
    import pyshacl

    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True)
    return results_from_report_graph(report)


def results_from_report_graph(report: rdflib.Graph) -> list[Result]:
    results = []
    for node in report.subjects(_RDF.type, _sh.ValidationResult):
        focus = _ox(report.value(node, _sh.focusNode))
        path_node = report.value(node, _sh.resultPath)
        value = report.value(node, _sh.value)
        messages = sorted(str(m) for m in report.objects(node, _sh.resultMessage))
        constraint = report.value(node, _sh.sourceConstraint)
        results.append(Result(
            focus=focus,
            path=_simplify_path(sparql_path(report, path_node)) if path_node is not None else None,
            value=_ox(value) if value is not None else None,
            shape=_node_id(report.value(node, _sh.sourceShape)),
            component=str(report.value(node, _sh.sourceConstraintComponent)),
            severity=str(report.value(node, _sh.resultSeverity)),
            message=messages[0] if messages else "",
            constraint=_node_id(constraint) if constraint is not None else None,
        ))
    return results


def _ox(term: rdflib.term.Node) -> Term:
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    return to_term(term)


# ---------------------------------------------------------------------------------------
# locating results (segment, source file and row)
# ---------------------------------------------------------------------------------------
_PREFIXES = """PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX cry: <https://w3id.org/cryonto/>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
#: focus node -> its segment: the segment itself, its target, or one of the target's selectors
#: (three plain joins: pyoxigraph evaluates a UNION of them, or a path, over every segment)
_SEGMENT_OF = (
    _PREFIXES + "SELECT ?node ?segment WHERE { VALUES ?node { %s } ?node a oa:Annotation "
    "BIND (?node AS ?segment) }",
    _PREFIXES + "SELECT ?node ?segment WHERE { VALUES ?node { %s } ?segment oa:hasTarget ?node }",
    _PREFIXES + "SELECT ?node ?segment WHERE { VALUES ?node { %s } "
    "?target oa:hasSelector ?node . ?segment oa:hasTarget ?target }",
)
_SEGMENT_DETAILS = _PREFIXES + """
SELECT ?segment (SAMPLE(?id) AS ?sid) (SAMPLE(?file) AS ?sfile)
       (SAMPLE(?locator) AS ?sloc) (SAMPLE(?g) AS ?graph) WHERE {
  VALUES ?segment { %s }
  OPTIONAL { ?segment dcterms:identifier ?id }
  OPTIONAL { ?segment cry:sourceFile ?file }
  OPTIONAL { ?segment cry:sourceLocator ?locator }
  OPTIONAL { GRAPH ?g { ?segment a oa:Annotation } }
} GROUP BY ?segment
"""
_DESCRIBE = """
PREFIX cry: <https://w3id.org/cryonto/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?node (SAMPLE(?t) AS ?type) (SAMPLE(?l) AS ?label) (SAMPLE(?g) AS ?graph) WHERE {
  VALUES ?node { %s }
  OPTIONAL { ?node a ?t FILTER (?t IN (cry:Transcript, cry:Study, skos:Concept)) }
  OPTIONAL { ?node skos:prefLabel|dcterms:title|rdfs:label ?l }
  OPTIONAL { GRAPH ?g { ?node ?p ?o } FILTER (?g != <https://w3id.org/cryonto/graph/ontology>) }
} GROUP BY ?node
"""
_KINDS = {"https://w3id.org/cryonto/Transcript": "transcript",
          "https://w3id.org/cryonto/Study": "study",
          "http://www.w3.org/2004/02/skos/core#Concept": "code"}


def locate(store: ox.Store, focus_nodes: Iterable[Term]) -> dict[str, Location]:
    # blank nodes cannot be named in VALUES: their results are grouped under themselves
    nodes = [n for n in {str(n): n for n in focus_nodes}.values() if isinstance(n, ox.NamedNode)]
    out: dict[str, Location] = {}

    def query(template: str, chunk: list) -> ox.QuerySolutions:
        return store.query(template % " ".join(str(n) for n in chunk),
                           use_default_graph_as_union=True)

    for i in range(0, len(nodes), 2000):
        chunk = nodes[i:i + 2000]
        segment_of: dict[str, ox.NamedNode] = {}
        for template in _SEGMENT_OF:
            for row in query(template, chunk):
                segment_of.setdefault(_plain(row["node"]), row["segment"])
        segments = list({str(s): s for s in segment_of.values()}.values())
        details = {}
        for j in range(0, len(segments), 2000):
            for row in query(_SEGMENT_DETAILS, segments[j:j + 2000]):
                details[_plain(row["segment"])] = row
        for node, segment in segment_of.items():
            row = details[_plain(segment)]
            out[node] = Location(
                "segment", _plain(segment),
                row["sid"].value if row["sid"] is not None else _short(segment),
                row["sfile"].value if row["sfile"] is not None else None,
                row["sloc"].value if row["sloc"] is not None else None,
                _graph_name(row["graph"]))
        rest = [n for n in chunk if _plain(n) not in out]
        if rest:
            for row in query(_DESCRIBE, rest):
                node = row["node"]
                kind = _KINDS.get(row["type"].value, "resource") if row["type"] else "resource"
                label = _short(node)
                if row["label"] is not None:
                    label += f" “{row['label'].value}”"
                out[_plain(node)] = Location(kind, _plain(node), label, None, None,
                                             _graph_name(row["graph"]))
    return out


def _graph_name(term: Term | None) -> str | None:
    if term is None or not isinstance(term, ox.NamedNode):
        return None
    value = term.value
    if value.startswith("file://"):
        try:
            return str(Path(value[len("file://"):]).relative_to(Path.cwd()))
        except ValueError:
            return value[len("file://"):]
    return value


# ---------------------------------------------------------------------------------------
# the API
# ---------------------------------------------------------------------------------------
_COUNT_SEGMENTS = ("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { "
                   "?s a <http://www.w3.org/ns/oa#Annotation> }")


def validate_store(store: GraphStore, profile: str = "core", *, shapes_files=None,
                   files: Sequence[str] = ()) -> ValidationReport:
    """Validate everything in `store` (ontology + data) with the fast engine."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    shapes = load_shapes(shapes_files or profile_files(profile))
    compiled = compile_shapes(shapes, store_subclasses(store.store))
    timings["compile"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = run_compiled(store.store, compiled.constraints)
    if compiled.fallback:
        # pySHACL 0.40 accepts a pyoxigraph.Store, but walks it triple by triple through
        # Python: more than 15 minutes at 10^4 segments against 44 s on an rdflib copy
        results.extend(run_pyshacl(store.to_rdflib(),
                                   _fallback_shapes_graph(shapes, compiled.fallback)))
    timings["validate"] = time.perf_counter() - t0
    return _finish(store, profile, "fast", files, results, timings,
                   [_node_id(s) for s in compiled.fallback])


def _finish(store: GraphStore, profile: str, engine: str, files: Sequence[str],
            results: list[Result], timings: dict[str, float],
            fallback: list[str]) -> ValidationReport:
    t0 = time.perf_counter()
    segments = int(next(iter(store.store.query(_COUNT_SEGMENTS,
                                               use_default_graph_as_union=True)))["n"].value)
    nodes = [r.focus for r in results]
    nodes += [r.value for r in results if isinstance(r.value, ox.NamedNode)]
    locations = locate(store.store, nodes)
    timings["locate"] = time.perf_counter() - t0
    return ValidationReport(profile, engine, list(files), results, segments, locations, fallback,
                            timings)


def validate(data_files: Sequence[Path | str], profile: str = "core", *, engine: str = "fast",
             ontology_files: Sequence[Path | str] | None = None,
             shapes_files: Sequence[Path | str] | None = None) -> ValidationReport:
    """Load ontology + data files and validate them (profile ``core`` or ``shareable``)."""
    if engine not in ENGINES:
        raise CryontoError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    shapes_list = list(shapes_files) if shapes_files else profile_files(profile)
    ontology = list(ontology_files) if ontology_files is not None else resources.ontology_files()
    t0 = time.perf_counter()
    store = GraphStore()
    for path in ontology:
        store.load_file(path, graph="https://w3id.org/cryonto/graph/ontology")
    for path in data_files:
        store.load_file(path)
    load = time.perf_counter() - t0
    files = [str(p) for p in data_files]
    if engine == "fast":
        report = validate_store(store, profile, shapes_files=shapes_list, files=files)
        report.timings["load"] = load
        return report
    # plain pySHACL on an rdflib graph (parsed by rdflib, as pySHACL users do)
    t0 = time.perf_counter()
    graph = rdflib.Graph()
    quiet = logging.getLogger("rdflib.term")  # an ill-typed literal is a finding, not a log line
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for path in [*ontology, *data_files]:
            try:
                graph.parse(str(path), format=_rdflib_format(path))
            except Exception as error:
                raise CryontoError(f"cannot read: {error}", str(path)) from None
    finally:
        quiet.setLevel(level)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = run_pyshacl(graph, load_shapes(shapes_list))
    timings = {"load": load, "validate": time.perf_counter() - t0}
    return _finish(store, profile, "pyshacl", files, results, timings, [])


def _rdflib_format(path: Path | str) -> str:
    suffix = Path(path).suffix.lower()
    return {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml",
            ".owl": "xml", ".xml": "xml", ".n3": "n3", ".jsonld": "json-ld"}.get(suffix, "turtle")
