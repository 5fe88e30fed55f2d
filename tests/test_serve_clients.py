"""SPARQLWrapper, the Python SPARQL client, against a running `cryonto serve` endpoint.

Every query of the library (and a few more) must come back exactly as the
embedded engine answers it, in JSON, XML and as RDF graphs, by GET and POST.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, N3, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from support.serve import (
    ThreadServer,
    embedded_solutions,
    example_store,
    json_results_key,
    library_cases,
    solutions_key,
    triples_key,
)

from cryonto import queries

pytestmark = pytest.mark.integration

#: the library's query names; their texts and embedded answers are computed when a test
#: runs (`cases`), not while pytest collects (that would cost every run, even the fast loop)
NAMES = [info.name for info in queries.list_queries()]

EXTRA = {
    "concepts": """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?n ?l WHERE { ?c skos:notation ?n ; skos:prefLabel ?l }""",
    "segments": """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?s ?b ?start ?end WHERE { ?s oa:hasBody ?b ; oa:hasTarget/oa:hasSelector ?sel .
  OPTIONAL { ?sel oa:start ?start ; oa:end ?end } }""",
    "per-graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
}


@pytest.fixture(scope="module")
def store():
    return example_store()


@pytest.fixture(scope="module")
def cases(store) -> dict[str, tuple[str, str, str, object]]:
    return {case[0]: case for case in library_cases(store)}


@pytest.fixture(scope="module")
def endpoint(store):
    with ThreadServer(store) as server:
        yield server.endpoint


def wrapper(endpoint: str, query: str, fmt, method=None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    client.setTimeout(60)
    return client


def test_library_is_covered(cases):
    assert len(cases) >= 10 and sorted(cases) == sorted(NAMES)
    assert {form for _, _, form, _ in cases.values()} >= {"SELECT", "ASK", "CONSTRUCT"}


@pytest.mark.parametrize("method", [None, POST], ids=["GET", "POST"])
@pytest.mark.parametrize("name", NAMES)
def test_library_query_via_sparqlwrapper(endpoint, cases, name, method):
    name, text, form, expected = cases[name]
    if form in ("SELECT", "ASK"):
        got = json_results_key(wrapper(endpoint, text, JSON, method).queryAndConvert())
    else:
        graph = wrapper(endpoint, text, TURTLE, method).queryAndConvert()
        got = triples_key(ox.parse(graph, format=ox.RdfFormat.TURTLE))
    assert got == expected, name


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_select_as_xml_via_sparqlwrapper(endpoint, store, name):
    query = EXTRA[name]
    document = wrapper(endpoint, query, XML).query().response.read()
    result = ox.parse_query_results(document, format=ox.QueryResultsFormat.XML)
    variables = [v.value for v in result.variables]
    got = solutions_key(variables, ([s[v] for v in variables] for s in result))
    assert got == embedded_solutions(store, query)
    assert len(got[1]) > 0


def test_construct_as_rdflib_graph(endpoint, store, cases):
    query = next(text for name, text, form, _ in cases.values() if form == "CONSTRUCT")
    graph = wrapper(endpoint, query, N3).queryAndConvert()
    if isinstance(graph, bytes):
        parsed = triples_key(ox.parse(graph, format=ox.RdfFormat.TURTLE))
    else:
        parsed = triples_key(ox.parse(graph.serialize(format="nt").encode(),
                                      format=ox.RdfFormat.N_TRIPLES))
    assert parsed == triples_key(store.construct(query))


def test_refused_query_is_a_client_error_for_sparqlwrapper(endpoint):
    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }",
                JSON).query()
