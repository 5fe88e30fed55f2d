"""Which segment (and source file and row) each result belongs to."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from cryonto.shacl.report import Location
from cryonto.shacl.terms import Term, plain, short

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
                segment_of.setdefault(plain(row["node"]), row["segment"])
        segments = list({str(s): s for s in segment_of.values()}.values())
        details = {}
        for j in range(0, len(segments), 2000):
            for row in query(_SEGMENT_DETAILS, segments[j:j + 2000]):
                details[plain(row["segment"])] = row
        for node, segment in segment_of.items():
            row = details[plain(segment)]
            out[node] = Location(
                "segment", plain(segment),
                row["sid"].value if row["sid"] is not None else short(segment),
                row["sfile"].value if row["sfile"] is not None else None,
                row["sloc"].value if row["sloc"] is not None else None,
                _graph_name(row["graph"]))
        rest = [n for n in chunk if plain(n) not in out]
        if rest:
            for row in query(_DESCRIBE, rest):
                node = row["node"]
                kind = _KINDS.get(row["type"].value, "resource") if row["type"] else "resource"
                label = short(node)
                if row["label"] is not None:
                    label += f" “{row['label'].value}”"
                out[plain(node)] = Location(kind, plain(node), label, None, None,
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
