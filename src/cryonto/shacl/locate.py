"""Which segment (and source file and row) each result belongs to.

Results are placed by direct index look-ups (`GraphStore.quads`), a few microseconds
each, rather than by SPARQL with the nodes in a VALUES block: pyoxigraph evaluated
``VALUES ?node {…} ?node a oa:Annotation`` at about half a millisecond per node, so
locating grew with results × chunk and dominated `validate` when every segment drew a
result (12.7 of 16.4 CPU seconds at 2.4×10^4 segments; see docs/validation.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cryonto import resources
from cryonto.rdf import BlankNode, GraphStore, Literal, NamedNode, Quad, Triple
from cryonto.shacl.table import NONE, Location, Places, ResultTable
from cryonto.shacl.terms import Term, short
from cryonto.vocab import OA

#: rows per query (VALUES blocks of this many nodes) for the few results that are no segment
_CHUNK = 2000

#: from this many result nodes on, a store on disk reads every segment's location in one query
#: first (7.1 against 11.1 s CPU at 1.2x10^5 results); in memory, look-ups stay cheaper (2.5 s
#: against 4.2 s): there a term costs nothing to hand out, on disk each one is a read
BULK = 5000

_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_ANNOTATION = NamedNode(OA.Annotation)
_HAS_TARGET = NamedNode(OA.hasTarget)
_HAS_SELECTOR = NamedNode(OA.hasSelector)
_IDENTIFIER = NamedNode("http://purl.org/dc/terms/identifier")
_SOURCE_FILE = NamedNode("https://w3id.org/cryonto/sourceFile")
_SOURCE_LOCATOR = NamedNode("https://w3id.org/cryonto/sourceLocator")
_ONTOLOGY_GRAPH = "https://w3id.org/cryonto/graph/ontology"

_KINDS = {"https://w3id.org/cryonto/Transcript": "transcript",
          "https://w3id.org/cryonto/Study": "study",
          "http://www.w3.org/2004/02/skos/core#Concept": "code"}


def locate(store: GraphStore, focus_nodes: Iterable[Term]) -> dict[str, Location]:
    """Each named node's location, by its IRI (a few nodes; a run uses `place`)."""
    table = ResultTable()
    nodes = sorted({table.terms.id(n) for n in focus_nodes if isinstance(n, NamedNode)})
    return place(store, table, nodes).as_dict(nodes)


def place(store: GraphStore, table: ResultTable, nodes: list[int] | None = None) -> Places:
    """Where each named focus node and value of `table` belongs.

    On disk with many nodes, every segment's location comes from one scan, streamed, and
    only the result nodes' are kept (a second scan for segments reached through a target
    or selector whose own IRI drew no result)."""
    # blank nodes cannot be named in VALUES: their results are grouped under themselves
    terms = table.terms
    nodes = table.nodes() if nodes is None else nodes
    places = Places(table)
    bulk = store.on_disk and len(nodes) >= BULK
    if bulk:
        _scan_segments(store, places, None)
    rest: list[int] = []
    later: dict[int, list[int]] = {}  # segment -> nodes waiting for its row of the scan
    for term in nodes:
        if places.place_of(term) != NONE:
            continue
        node = terms[term]
        assert isinstance(node, NamedNode)
        typed = list(store.quads(node, _TYPE, _ANNOTATION))  # most results are on a segment
        segment = node if typed else _segment_of(store, node)
        if segment is None:
            rest.append(term)
            continue
        key = terms.id(segment)
        found = places.place_of(key)
        if found != NONE:
            places.assign(term, found)
        elif bulk and not typed:
            later.setdefault(key, []).append(term)
        else:
            found = _add_segment(places, key, _segment_location(store, segment, typed or None))
            places.assign(term, found)
    if later:
        _scan_segments(store, places, set(later))
        for key, waiting in later.items():
            found = places.place_of(key)
            if found == NONE:  # typed in no data graph: looked up as before
                waited = terms[key]
                assert isinstance(waited, NamedNode)
                found = _add_segment(places, key, _segment_location(store, waited))
            for term in waiting:
                places.assign(term, found)
    for i in range(0, len(rest), _CHUNK):
        chunk = [terms[t] for t in rest[i:i + _CHUNK]]
        for row in store.select(resources.sparql("shacl/describe-nodes"), {"node": chunk}
                                ).records():
            described = row["node"]
            if described is None:
                continue
            kind = _KINDS.get(row["type"].value, "resource") if row["type"] else "resource"
            label = short(described)
            if row["label"] is not None:
                label += f" “{row['label'].value}”"
            key = terms.id(described)
            places.assign(key, places.add(key, kind, label, None, None,
                                          _graph_name(row["graph"])))
    return places


def _add_segment(places: Places, node: int, loc: Location) -> int:
    """A segment's place; the segment belongs to it (so later nodes of it find it)."""
    found = places.add(node, loc.kind, loc.label, loc.source_file, loc.source_locator,
                       loc.graph)
    places.assign(node, found)
    return found


def _scan_segments(store: GraphStore, places: Places, only: set[int] | None) -> None:
    """Every segment typed in a data graph, in one streamed scan (rather than a look-up per
    result): the place of each that is a result node (or in `only`), from its first row."""
    terms = places.table.terms
    for segment, sid, source, row, graph in store.stream(
            resources.sparql("shacl/segment-locations")).items:
        if not isinstance(segment, NamedNode):
            continue
        key = terms.find(segment)
        if key is None or (only is not None and key not in only) \
                or places.place_of(key) != NONE:
            continue  # a segment with two identifiers (a finding itself): the first one
        label = _text(sid)
        places.assign(key, places.add(key, "segment",
                                      label if label is not None else short(segment),
                                      _text(source), _text(row), _graph_name(graph)))


def _text(term: Term | None) -> str | None:
    return None if term is None or isinstance(term, Triple) else term.value


def _first(store: GraphStore, subject: Term | None, predicate: NamedNode,
           obj: Term | None = None) -> Quad | None:
    if isinstance(subject, Literal):  # a literal is never a subject
        return None
    return next(iter(store.quads(subject, predicate, obj)), None)


def _segment_of(store: GraphStore, node: NamedNode) -> NamedNode | None:
    """The segment itself, the segment whose target it is, or whose target's selector."""
    if _first(store, node, _TYPE, _ANNOTATION) is not None:
        return node
    quad = _first(store, None, _HAS_TARGET, node)
    if quad is None:
        selected = _first(store, None, _HAS_SELECTOR, node)
        if selected is None:
            return None
        target = selected.subject
        quad = (_first(store, None, _HAS_TARGET, target)
                if isinstance(target, NamedNode | BlankNode) else None)
    if quad is None or not isinstance(quad.subject, NamedNode):
        return None
    return quad.subject


def _segment_location(store: GraphStore, segment: NamedNode,
                      typed: list[Quad] | None = None) -> Location:
    def value(predicate: NamedNode) -> str | None:
        quad = _first(store, segment, predicate)
        if quad is None or isinstance(quad.object, Triple):
            return None
        return quad.object.value

    graph = None
    for quad in typed if typed is not None else store.quads(segment, _TYPE, _ANNOTATION):
        if isinstance(quad.graph_name, NamedNode) and quad.graph_name.value != _ONTOLOGY_GRAPH:
            graph = quad.graph_name
            break
    sid = value(_IDENTIFIER)
    return Location("segment", segment.value, sid if sid is not None else short(segment),
                    value(_SOURCE_FILE), value(_SOURCE_LOCATOR), _graph_name(graph))


def _graph_name(term: Term | None) -> str | None:
    if term is None or not isinstance(term, NamedNode):
        return None
    value = term.value
    if value.startswith("file://"):
        try:
            return str(Path(value[len("file://"):]).relative_to(Path.cwd()))
        except ValueError:
            return value[len("file://"):]
    return value
