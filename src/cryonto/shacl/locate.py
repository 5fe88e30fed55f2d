"""Which segment (and source file and row) each result belongs to."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from cryonto import resources
from cryonto.rdf import GraphStore, NamedNode
from cryonto.shacl.report import Location
from cryonto.shacl.terms import Term, need, plain, short

#: focus node -> its segment: the segment itself, its target, or one of the target's selectors
_SEGMENT_OF = ("shacl/segment-is-node", "shacl/segment-of-target", "shacl/segment-of-selector")
#: rows per query (VALUES blocks of this many nodes)
_CHUNK = 2000


_KINDS = {"https://w3id.org/cryonto/Transcript": "transcript",
          "https://w3id.org/cryonto/Study": "study",
          "http://www.w3.org/2004/02/skos/core#Concept": "code"}


def locate(store: GraphStore, focus_nodes: Iterable[Term]) -> dict[str, Location]:
    # blank nodes cannot be named in VALUES: their results are grouped under themselves
    nodes = [n for n in {str(n): n for n in focus_nodes}.values() if isinstance(n, NamedNode)]
    out: dict[str, Location] = {}

    def query(name: str, variable: str, chunk: list) -> Iterator[dict[str, Term | None]]:
        return store.select(resources.sparql(name), {variable: chunk}).records()

    for i in range(0, len(nodes), _CHUNK):
        chunk = nodes[i:i + _CHUNK]
        segment_of: dict[str, Term] = {}
        for name in _SEGMENT_OF:
            for row in query(name, "node", chunk):
                segment_of.setdefault(plain(need(row, "node")), need(row, "segment"))
        segments = list({str(s): s for s in segment_of.values()}.values())
        details = {}
        for j in range(0, len(segments), _CHUNK):
            for row in query("shacl/segment-details", "segment", segments[j:j + _CHUNK]):
                details[plain(need(row, "segment"))] = row
        for node, segment in segment_of.items():
            row = details[plain(segment)]
            out[node] = Location(
                "segment", plain(segment),
                _text(row["sid"]) or short(segment), _text(row["sfile"]), _text(row["sloc"]),
                _graph_name(row["graph"]))
        rest = [n for n in chunk if plain(n) not in out]
        if rest:
            for row in query("shacl/describe-nodes", "node", rest):
                described = need(row, "node")
                kind = _KINDS.get(_text(row["type"]) or "", "resource")
                label = short(described)
                if row["label"] is not None:
                    label += f" “{_text(row['label'])}”"
                out[plain(described)] = Location(kind, plain(described), label, None, None,
                                             _graph_name(row["graph"]))
    return out


def _text(term: Term | None) -> str | None:
    return None if term is None else term.value


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
