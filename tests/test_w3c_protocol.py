"""The W3C SPARQL 1.1 Protocol test suite (query side) against `cryonto serve`.

The manifest (``tests/fixtures/serve/w3c/manifest.ttl``, a copy of the W3C
rdf-tests ``sparql/sparql11/protocol`` manifest) is read with rdflib; each
``mf:ProtocolTest`` becomes one pytest case whose HTTP requests go, in order,
to a real ``cryonto serve --w3c-test-graphs`` subprocess on a free loopback
port, with ``/sparql/`` rewritten to the endpoint's ``/sparql``.

Checks: the status class (``mf:expectedStatus``), the result kind
(``mf:expectedFormat``: "boolean" = SPARQL results JSON/XML with a boolean,
"tabular" = a SPARQL results format, "RDF" = an RDF syntax that parses) and
``mf:expectedBoolean``.

The endpoint is read-only, so it must refuse every update request with a
4xx (README of the suite). In the update tests, an update request is
therefore expected to get 4xx whatever the manifest says, and the follow-up
ASK that would verify the update's effect must answer ``false`` (nothing
changed). No test is skipped.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from support.serve import cli_server

pytestmark = pytest.mark.integration

W3C = Path(__file__).resolve().parent / "fixtures" / "serve" / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def _list(graph: Graph, head) -> list:
    return list(Collection(graph, head)) if head is not None else []


def load_manifest() -> list[dict]:
    graph = Graph()
    graph.parse(W3C / "manifest.ttl", format="turtle",
                publicID="http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _list(graph, graph.value(manifest, MF.entries)):
        if (entry, RDF.type, MF.ProtocolTest) not in graph:
            continue
        action = graph.value(entry, MF.action)
        requests = []
        for req in _list(graph, graph.value(action, HT.requests)):
            headers = {}
            for header in _list(graph, graph.value(req, HT.headers)):
                headers[str(graph.value(header, HT.fieldName))] = str(
                    graph.value(header, HT.fieldValue))
            body = graph.value(req, HT.body)
            resp = graph.value(req, HT.resp)
            expected_boolean = graph.value(resp, MF.expectedBoolean)
            expected_format = graph.value(resp, MF.expectedFormat)
            requests.append({
                "method": str(graph.value(req, HT.methodName)),
                "path": str(graph.value(req, HT.absolutePath)),
                "headers": headers,
                "body": str(graph.value(body, CNT.chars)) if body is not None else None,
                "status": sorted(str(s).rsplit("StatusCode", 1)[1]
                                 for s in graph.objects(resp, MF.expectedStatus)),
                "boolean": expected_boolean.toPython() if expected_boolean is not None
                else None,
                "format": str(expected_format) if expected_format is not None else None,
            })
        tests.append({
            "id": str(entry).rsplit("#", 1)[1],
            "name": str(graph.value(entry, MF.name)),
            "graphs": sorted(str(graph.value(d, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
                             for d in graph.objects(entry, UT.graphData)),
            "requests": requests,
        })
    return tests


TESTS = load_manifest()


def is_update(request: dict) -> bool:
    content_type = request["headers"].get("content-type", "").split(";")[0].strip()
    body = request["body"] or ""
    return (content_type == "application/sparql-update" or body.startswith("update=")
            or "update=" in request["path"] or "using-graph-uri" in request["path"]
            or "using-named-graph-uri" in request["path"])


def test_manifest_is_complete():
    assert len(TESTS) == 34
    assert sum(1 for t in TESTS if not any(is_update(r) for r in t["requests"])) == 21


def test_preloaded_graphs_are_the_suite_data():
    """`--w3c-test-graphs` holds exactly data1.nt–data3.nt under the IRIs the tests use."""
    from cryonto.rdf import GraphStore
    from cryonto.serve.w3c import add_w3c_test_graphs

    store = GraphStore()
    add_w3c_test_graphs(store)
    named = {g for t in TESTS for g in t["graphs"]}
    assert named == set(store.graphs())
    for n in (1, 2, 3):
        graph = f"http://kasei.us/2009/09/sparql/data/data{n}.rdf"
        expected = {(q.subject, q.predicate, q.object) for q in ox.parse(
            (W3C / f"data{n}.nt").read_bytes(), format=ox.RdfFormat.N_TRIPLES)}
        held = {(q.subject, q.predicate, q.object) for q in store.quads(graph=graph)}
        assert held == expected


@pytest.fixture(scope="module")
def endpoint():
    with cli_server("--w3c-test-graphs") as url:
        yield f"{url}/sparql"


def status_class(code: int) -> str:
    return f"{code // 100}xx"


@pytest.mark.parametrize("test", TESTS, ids=[t["id"] for t in TESTS])
def test_protocol(endpoint, test):
    updates_seen = False
    with httpx.Client(timeout=30) as client:
        for request in test["requests"]:
            assert request["path"].startswith("/sparql/")
            url = endpoint + request["path"][len("/sparql/"):]  # /sparql/?q… -> /sparql?q…
            body = request["body"].encode("utf-8") if request["body"] is not None else None
            response = client.request(request["method"], url, headers=request["headers"],
                                      content=body)
            where = f"{test['id']}: {request['method']} {request['path'][:80]}"
            if is_update(request):
                updates_seen = True
                assert 400 <= response.status_code < 500, f"{where}: update not refused"
                continue
            assert status_class(response.status_code) in request["status"], (
                f"{where}: {response.status_code} {response.text[:200]}")
            if not response.is_success:
                continue
            media = response.headers.get("content-type", "").split(";")[0].strip()
            check_format(where, request["format"], media, response.content)
            if request["boolean"] is not None:
                value = boolean_of(media, response.content)
                # after a refused update, the ASK that would see its effect finds nothing
                expected = False if updates_seen else request["boolean"]
                assert value is expected, f"{where}: boolean {value}, expected {expected}"


def check_format(where: str, expected: str | None, media: str, content: bytes) -> None:
    if expected is None:
        return
    if expected == "boolean":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml"), (
            f"{where}: {media} for a boolean")
        boolean_of(media, content)
    elif expected == "tabular":
        assert media in RESULT_TYPES, f"{where}: {media} is not a results format"
        if media != "text/csv":
            result = ox.parse_query_results(content, format=RESULT_TYPES[media])
            assert isinstance(result, ox.QuerySolutions)
            list(result)
    elif expected == "RDF":
        assert media in RDF_TYPES, f"{where}: {media} is not an RDF format"
        list(ox.parse(content, format=RDF_TYPES[media]))
    else:  # pragma: no cover - the manifest uses only the three
        raise AssertionError(f"unknown expected format {expected!r}")


def boolean_of(media: str, content: bytes) -> bool:
    result = ox.parse_query_results(content, format=RESULT_TYPES[media])
    assert isinstance(result, ox.QueryBoolean), "not a boolean result"
    return bool(result)
