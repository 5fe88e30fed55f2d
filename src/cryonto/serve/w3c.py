"""The graphs the W3C SPARQL 1.1 Protocol tests expect a server to hold.

The test manifest names ``http://kasei.us/2009/09/sparql/data/data1.rdf`` …
``data3.rdf`` in ``default-graph-uri``, ``named-graph-uri`` and FROM; its
``data1.nt`` … ``data3.nt`` each hold one triple: the graph's IRI typed
``foaf:Document``. `cryonto serve --w3c-test-graphs` loads exactly those, so
the endpoint can be run against the suite without fetching anything.
"""

from __future__ import annotations

from cryonto.rdf import GraphStore, NamedNode, Quad

W3C_DATA = "http://kasei.us/2009/09/sparql/data/"
W3C_GRAPHS = tuple(f"{W3C_DATA}data{n}.rdf" for n in (1, 2, 3))

_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_FOAF_DOCUMENT = NamedNode("http://xmlns.com/foaf/0.1/Document")


def add_w3c_test_graphs(store: GraphStore) -> list[str]:
    """Add data1–data3 as named graphs (content of the suite's data1.nt–data3.nt)."""
    for iri in W3C_GRAPHS:
        node = NamedNode(iri)
        store.add([Quad(node, _RDF_TYPE, _FOAF_DOCUMENT, node)])
    return list(W3C_GRAPHS)
