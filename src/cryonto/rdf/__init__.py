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

from cryonto.rdf.formats import ntriples_bytes, parse_rdf, parse_results
from cryonto.rdf.guard import MAX_QUERY_LENGTH, check_query
from cryonto.rdf.results import QueryResult, SelectResult, Term, Value, to_python
from cryonto.rdf.store import (
    GraphStore,
    bind_values,
    graph_iri_for,
    is_iri,
    rdf_format_for,
    to_term,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "BlankNode",
    "DefaultGraph",
    "GraphStore",
    "Literal",
    "NamedNode",
    "Quad",
    "QueryResult",
    "QueryResultsFormat",
    "RdfFormat",
    "SelectResult",
    "Term",
    "Triple",
    "Value",
    "bind_values",
    "check_query",
    "graph_iri_for",
    "is_iri",
    "ntriples_bytes",
    "parse_rdf",
    "parse_results",
    "rdf_format_for",
    "to_python",
    "to_term",
]
