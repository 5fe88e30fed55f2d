"""The wall around the RDF engine: the only package that imports pyoxigraph or rdflib.

Everything else asks here for a store, query results and RDF terms. If the engine
changes, only this package changes. See docs/architecture.md.
"""

from __future__ import annotations

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Triple,
)

from cryonto.rdf.guard import MAX_QUERY_LENGTH, check_query
from cryonto.rdf.store import (
    GraphStore,
    SelectResult,
    bind_values,
    graph_iri_for,
    is_iri,
    rdf_format_for,
    to_python,
    to_term,
)

#: an RDF term as the engine hands it out
Term = NamedNode | BlankNode | Literal

__all__ = [
    "MAX_QUERY_LENGTH",
    "BlankNode",
    "DefaultGraph",
    "GraphStore",
    "Literal",
    "NamedNode",
    "Quad",
    "QueryResultsFormat",
    "RdfFormat",
    "SelectResult",
    "Term",
    "Triple",
    "bind_values",
    "check_query",
    "graph_iri_for",
    "is_iri",
    "rdf_format_for",
    "to_python",
    "to_term",
]
