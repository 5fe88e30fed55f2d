"""The endpoint over real HTTP: uvicorn serving `create_app`, httpx as the client.

Every answer is compared with what the embedded engine (`GraphStore`) says
for the same query, read back with an independent parser.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import re
import time

import httpx
import pyoxigraph as ox
import pytest
from support.serve import (
    ThreadServer,
    cli_server,
    embedded_solutions,
    example_store,
    parse_triples,
    parsed_solutions,
    triples_key,
)

from cryonto.category import load_category_system
from cryonto.queries import list_queries
from cryonto.vocab import ONTOLOGY_GRAPH

pytestmark = pytest.mark.integration

CONCEPTS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cry: <https://w3id.org/cryonto/>
SELECT ?c ?notation ?label ?def WHERE {
  ?c skos:inScheme cry:CategorySystem ; skos:notation ?notation ; skos:prefLabel ?label .
  OPTIONAL { ?c skos:definition ?def FILTER(lang(?def) = "en") }
}"""
SEGMENTS = """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?segment ?body ?text WHERE {
  ?segment a oa:Annotation ; oa:hasBody ?body ; oa:hasTarget ?t .
  OPTIONAL { ?t oa:hasSelector/oa:exact ?text }
}"""
GRAPH_QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cry: <https://w3id.org/cryonto/>
CONSTRUCT { ?c skos:prefLabel ?l ; skos:broader ?b } WHERE {
  ?c skos:inScheme cry:CategorySystem ; skos:prefLabel ?l . OPTIONAL { ?c skos:broader ?b }
}"""
SERVICE_QUERY = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def store():
    return example_store()


@pytest.fixture(scope="module")
def server(store):
    with ThreadServer(store) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def q(client, query, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return client.get("/sparql", params={"query": query, **params}, headers=headers)


# -- SELECT in every results format -------------------------------------------------

@pytest.mark.parametrize("query", [CONCEPTS, SEGMENTS])
@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_select_formats_match_the_embedded_engine(client, store, query, accept, fmt):
    response = q(client, query, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    expected = embedded_solutions(store, query)
    assert len(expected[1]) > 5
    assert parsed_solutions(response.content, fmt) == expected


def test_select_csv_has_plain_values(client, store):
    response = q(client, CONCEPTS, "text/csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.count(b"\r\n") == len(store.select(CONCEPTS)) + 1
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["c", "notation", "label", "def"]
    expected = sorted(tuple("" if v is None else str(v) for v in row)
                      for row in store.select(CONCEPTS).values())
    assert sorted(tuple(r) for r in rows[1:]) == expected


def test_post_form_and_post_direct_answer_like_get(client, store):
    expected = embedded_solutions(store, CONCEPTS)
    form = client.post("/sparql", data={"query": CONCEPTS})
    direct = client.post("/sparql", content=CONCEPTS.encode(),
                         headers={"Content-Type": "application/sparql-query"})
    alias = client.post("/query", content=CONCEPTS.encode(),
                        headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    for response in (form, direct, alias):
        assert response.status_code == 200, response.text
        assert parsed_solutions(response.content, ox.QueryResultsFormat.JSON) == expected


@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.2, text/tab-separated-values;q=0.9",
     "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     "application/sparql-results+xml"),
    ("application/json", "application/sparql-results+json"),
    ("text/*", "text/csv"),
])
def test_content_negotiation_with_q_values(client, accept, expected):
    response = q(client, "SELECT (1 AS ?one) {}", accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert response.headers["vary"] == "Accept"


def test_nothing_acceptable_is_406(client):
    response = q(client, "SELECT (1 AS ?one) {}", "image/png")
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    assert q(client, "ASK {}", "text/csv").status_code == 406
    assert q(client, GRAPH_QUERY, "application/sparql-results+json").status_code == 406


def test_format_parameter_overrides_accept(client):
    response = q(client, "SELECT (1 AS ?one) {}", "application/sparql-results+json",
                 format="tsv")
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    assert response.text.splitlines()[0] == "?one"
    # a value naming no format is ignored: the Accept header decides (SPARQLWrapper
    # sends format=/output=/results= with its own names, hoping one is understood)
    ignored = q(client, "SELECT (1 AS ?one) {}", "text/csv", format="pdf", output="n3")
    assert ignored.headers["content-type"].startswith("text/csv")
    graph = q(client, GRAPH_QUERY, "application/n-triples", format="n3")
    assert graph.headers["content-type"].startswith("text/turtle")


# -- ASK, CONSTRUCT, DESCRIBE ---------------------------------------------------------

@pytest.mark.parametrize("query,value", [
    ("ASK { <https://w3id.org/cryonto/ProtestCrying> ?p ?o }", True),
    ("ASK { <https://w3id.org/cryonto/NoSuchThing> ?p ?o }", False),
])
def test_ask_in_json_and_xml(client, query, value):
    as_json = q(client, query, "application/sparql-results+json")
    assert as_json.json()["boolean"] is value
    as_xml = q(client, query, "application/sparql-results+xml")
    assert as_xml.headers["content-type"].startswith("application/sparql-results+xml")
    assert bool(ox.parse_query_results(as_xml.content, format=ox.QueryResultsFormat.XML)) is value


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_in_every_graph_format(client, store, accept, fmt):
    response = q(client, GRAPH_QUERY, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    got = triples_key(ox.parse(response.content, format=fmt))
    expected = triples_key(store.construct(GRAPH_QUERY))
    assert len(expected) > 60
    assert got == expected


def test_describe(client, store):
    query = "DESCRIBE <https://w3id.org/cryonto/ProtestCrying>"
    response = q(client, query, "application/n-triples")
    got = triples_key(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    assert got == triples_key(store.construct(query))
    assert any("Protest crying" in t for t in got)


# -- read-only, guard, errors -------------------------------------------------------------

def test_updates_are_refused_and_change_nothing(client, store):
    before = len(store)
    update = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"
    answers = [
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", content=update,
                    headers={"Content-Type": "application/sparql-update"}),
        client.get("/sparql", params={"update": update}),
        client.post("/sparql", content=update,
                    headers={"Content-Type": "application/sparql-query"}),
        q(client, "CLEAR ALL"),
        q(client, f"DROP GRAPH <{ONTOLOGY_GRAPH}>"),
    ]
    assert [a.status_code for a in answers[:3]] == [403, 403, 403]
    assert "read-only" in answers[0].text
    assert [a.status_code for a in answers[3:]] == [400, 400, 400]
    assert "update" in answers[3].text.lower()
    assert len(store) == before
    assert q(client, "ASK { <http://example.org/s> ?p ?o }").json()["boolean"] is False


def test_guard_refuses_service_and_foreign_from(client):
    service = q(client, SERVICE_QUERY)
    assert service.status_code == 400
    assert "SERVICE" in service.text
    foreign = q(client, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    assert foreign.status_code == 400
    assert "FROM" in foreign.text and "/etc/passwd" in foreign.text


def test_from_a_loaded_graph_is_allowed_and_restricts_the_default_graph(client, store):
    query = (f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> "
             "WHERE { ?s a <http://www.w3.org/ns/oa#Annotation> }")
    assert q(client, query).json()["results"]["bindings"][0]["n"]["value"] == "0"
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/ns/oa#Annotation> }"
    assert int(q(client, everything).json()["results"]["bindings"][0]["n"]["value"]) > 5


def test_malformed_query_is_400_with_a_message(client):
    response = q(client, "SELEC ?x WHERE { ?x ?y }")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.strip()


def test_protocol_errors(client):
    assert client.put("/sparql", params={"query": "ASK {}"}).status_code == 405
    assert client.get("/sparql", params=[("query", "ASK {}"),
                                          ("query", "ASK {}")]).status_code == 400
    assert client.post("/sparql", content="ASK {}",
                       headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/sparql", content="ASK {}".encode("utf-16"), headers={
        "Content-Type": "application/sparql-query; charset=UTF-16"}).status_code == 415
    assert client.post("/sparql", content=b"ASK {} \xff",
                       headers={"Content-Type": "application/sparql-query"}).status_code == 400
    too_big = client.post("/sparql", content=b"#" * 1_100_000 + b"\nASK {}",
                          headers={"Content-Type": "application/sparql-query"})
    assert too_big.status_code == 413


# -- dataset parameters ---------------------------------------------------------------

def test_default_and_named_graph_uri(client, store):
    data_graph = next(g for g in store.graphs() if g.startswith("file:"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_data = q(client, count, **{"default-graph-uri": data_graph})
    n_data = int(only_data.json()["results"]["bindings"][0]["n"]["value"])
    assert n_data == len(store.select(f"SELECT * WHERE {{ GRAPH <{data_graph}> {{ ?s ?p ?o }} }}"))
    unknown = q(client, count, **{"default-graph-uri": "http://example.org/not-loaded"})
    assert unknown.json()["results"]["bindings"][0]["n"]["value"] == "0"
    graphs = q(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
               **{"named-graph-uri": str(ONTOLOGY_GRAPH)})
    assert [b["g"]["value"] for b in graphs.json()["results"]["bindings"]] == [
        str(ONTOLOGY_GRAPH)]
    # named graphs only: the default graph is empty
    assert q(client, count, **{"named-graph-uri": str(ONTOLOGY_GRAPH)}).json()[
        "results"]["bindings"][0]["n"]["value"] == "0"


# -- service description ----------------------------------------------------------------

def test_service_description(client, server, store):
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    triples = parse_triples(response.content, ox.RdfFormat.TURTLE)
    endpoint = ox.NamedNode(server.endpoint)
    assert ox.Triple(endpoint, ox.NamedNode(sd + "endpoint"), endpoint) in triples
    names = {t.object.value for t in triples if t.predicate.value == sd + "name"}
    assert names == set(store.graphs())
    formats = {t.object.value for t in triples if t.predicate.value == sd + "resultFormat"}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    as_jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["content-type"].startswith("application/ld+json")
    assert len(parse_triples(as_jsonld.content, ox.RdfFormat.JSON_LD)) == len(triples)
    browser = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"] == "/"


# -- limits ---------------------------------------------------------------------------

def test_result_limit_truncates_and_says_so(store):
    with ThreadServer(store, max_results=5) as small, \
            httpx.Client(base_url=small.url, timeout=30) as c:
        full = len(store.select(CONCEPTS))
        cut = q(c, CONCEPTS)
        assert len(cut.json()["results"]["bindings"]) == 5
        assert cut.headers["x-cryonto-truncated"] == "true"
        assert cut.headers["x-cryonto-result-limit"] == "5"
        assert full > 5
        fits = q(c, "SELECT ?n WHERE { VALUES ?n { 1 2 3 4 5 } }")
        assert len(fits.json()["results"]["bindings"]) == 5
        assert "x-cryonto-truncated" not in fits.headers
        graph = q(c, GRAPH_QUERY, "application/n-triples")
        assert len(graph.text.strip().splitlines()) == 5
        assert graph.headers["x-cryonto-truncated"] == "true"
        tsv = q(c, CONCEPTS, "text/tab-separated-values")
        assert len(tsv.text.strip().splitlines()) == 6


SLOW = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 10^10 rows, streamed
#: (the tests below lift the row and byte caps, so that only the timeout can stop it: on a
#: fast machine 16 MiB of rows, the default byte cap, came in under the timeout)


def test_timeout_answers_503_and_frees_the_worker(store):
    with ThreadServer(store, timeout=1, workers=1, max_results=10**12,
                      max_bytes=1 << 40) as s, \
            httpx.Client(base_url=s.url, timeout=30) as c:
        started = time.monotonic()
        slow = q(c, SLOW)
        elapsed = time.monotonic() - started
        assert slow.status_code == 503
        assert "timed out" in slow.text
        assert elapsed < 5
        # the only worker stops at the next result row, so the next query runs at once
        started = time.monotonic()
        assert q(c, "ASK {}").json()["boolean"] is True
        assert time.monotonic() - started < 2


def test_a_slow_query_does_not_block_other_requests(store):
    with ThreadServer(store, timeout=3, workers=2, max_results=10**12,
                      max_bytes=1 << 40) as s, \
            httpx.Client(base_url=s.url, timeout=30) as c, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(q, c, SLOW)
        time.sleep(0.3)
        started = time.monotonic()
        for _ in range(5):
            assert q(c, "ASK {}").status_code == 200
        assert c.get("/ProtestCrying", headers={"Accept": "text/turtle"}).status_code == 200
        assert time.monotonic() - started < 2
        assert not slow.done()
        assert slow.result().status_code == 503


AGGREGATE = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . "
             "FILTER(STR(?c) < STR(?f)) }")  # ~2 s in one step before the first row


def test_an_aggregate_step_does_not_stall_the_event_loop(store):
    """pyoxigraph releases the GIL while it evaluates: the 503 comes on time, pages still load."""
    with ThreadServer(store, timeout=0.5, workers=1) as s, \
            httpx.Client(base_url=s.url, timeout=30) as c, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        heavy = pool.submit(q, c, AGGREGATE)
        time.sleep(0.1)
        page = c.get("/ProtestCrying", headers={"Accept": "text/turtle"})
        assert page.status_code == 200
        assert time.monotonic() - started < 1.0  # the step alone takes ~2 s
        assert heavy.result().status_code == 503
        assert time.monotonic() - started < 1.6


def test_concurrent_clients_get_correct_answers(server, store):
    expected = embedded_solutions(store, CONCEPTS)

    def one(_):
        with httpx.Client(base_url=server.url, timeout=60) as c:
            return parsed_solutions(q(c, CONCEPTS).content, ox.QueryResultsFormat.JSON)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(48)))
    assert all(a == expected for a in answers)


# -- CORS -----------------------------------------------------------------------------

def test_cors_is_off_by_default(client):
    response = client.get("/sparql", params={"query": "ASK {}"},
                          headers={"Origin": "http://example.org"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options("/sparql", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_the_configured_origin_only(store):
    with ThreadServer(store, cors_origins=["http://allowed.example"]) as s, \
            httpx.Client(base_url=s.url, timeout=30) as c:
        ok = c.get("/sparql", params={"query": "SELECT (1 AS ?x) {}"},
                   headers={"Origin": "http://allowed.example"})
        assert ok.headers["access-control-allow-origin"] == "http://allowed.example"
        assert "X-Cryonto-Truncated" in ok.headers["access-control-expose-headers"]
        preflight = c.options("/sparql", headers={
            "Origin": "http://allowed.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]
        other = c.get("/sparql", params={"query": "ASK {}"},
                      headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# -- linked data ---------------------------------------------------------------------

TURTLE = {"Accept": "text/turtle"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CRY = "https://w3id.org/cryonto/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def test_concept_as_turtle_is_its_description_plus_linked_labels(client, store):
    response = client.get("/ProtestCrying", headers=TURTLE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    triples = parse_triples(response.content, ox.RdfFormat.TURTLE)
    subject = ox.NamedNode(CRY + "ProtestCrying")
    own = {t for t in triples if t.subject == subject}
    expected = {ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads(subject)}
    assert own == expected
    # the broader concept is named, not just pointed at
    broader = ox.NamedNode(CRY + "FormsOfCrying")
    assert ox.Triple(broader, ox.NamedNode(SKOS + "prefLabel"),
                     ox.Literal("Forms of crying", language="en")) in triples
    assert response.headers["link"] == f'<{CRY}ProtestCrying>; rel="canonical"'


@pytest.mark.parametrize("accept,fmt", [
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_concept_in_other_rdf_formats(client, accept, fmt):
    as_turtle = client.get("/ProtestCrying", headers=TURTLE)
    other = client.get("/ProtestCrying", headers={"Accept": accept})
    assert other.headers["content-type"].startswith(accept)
    assert triples_key(ox.parse(other.content, format=fmt)) == triples_key(
        ox.parse(as_turtle.content, format=ox.RdfFormat.TURTLE))


def test_format_override_and_suffix(client):
    forced = client.get("/ProtestCrying", params={"format": "ttl"}, headers=BROWSER)
    assert forced.headers["content-type"].startswith("text/turtle")
    suffixed = client.get("/ProtestCrying.nt", headers=BROWSER)
    assert suffixed.headers["content-type"].startswith("application/n-triples")
    assert client.get("/ProtestCrying", headers={"Accept": "image/png"}).status_code == 406


def test_unknown_iri_is_404(client):
    assert client.get("/NoSuchCategory", headers=TURTLE).status_code == 404
    page = client.get("/NoSuchCategory", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert client.get("/data/paper-quotes/segment/nope", headers=TURTLE).status_code == 404


def test_concept_page_for_a_browser(client):
    system = load_category_system()
    concept = system.find("A1.1")
    page = client.get("/ProtestCrying", headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert concept.label("en") in html and concept.labels["de"] in html
    assert _escaped(concept.definition) in html
    for example in concept.examples:
        assert _escaped(example) in html
    for iri in concept.broader:
        assert f'href="/{iri[len(CRY):]}"' in html
    for link in concept.links:
        assert f'href="/{link.other[len(CRY):]}"' in html
    for finding in concept.findings:
        assert f'href="/{finding.iri[len(CRY):]}"' in html
    if concept.form.feelings:
        assert concept.form.feelings[0].label("en") in html


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&#34;").replace("'", "&#39;")


def test_every_concept_page_and_every_local_link_resolves(client):
    system = load_category_system()
    assert len(system) == 33
    seen: set[str] = set()
    links: set[str] = set()
    for concept in system:
        path = "/" + concept.iri[len(CRY):]
        page = client.get(path, headers=BROWSER)
        assert page.status_code == 200, path
        assert concept.notation in page.text
        seen.add(path)
        links |= {h for h in re.findall(r'href="(/[^"?#]*)', page.text)
                  if not h.startswith("/_static")}
    for path in sorted(links - seen):
        assert client.get(path, headers=BROWSER).status_code == 200, path


def test_data_iri_dereferences(client, store):
    segment = store.select("SELECT ?s WHERE { ?s a <http://www.w3.org/ns/oa#Annotation> } "
                           "LIMIT 1").rows[0][0].value
    path = segment[len(CRY) - 1:]
    assert path.startswith("/data/")
    rdf = client.get(path, headers=TURTLE)
    assert rdf.status_code == 200
    triples = parse_triples(rdf.content, ox.RdfFormat.TURTLE)
    assert ox.Triple(ox.NamedNode(segment), ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("http://www.w3.org/ns/oa#Annotation")) in triples
    page = client.get(path, headers=BROWSER)
    assert page.status_code == 200
    assert "oa:hasBody" in page.text


def test_index_page_lists_the_query_library(client):
    page = client.get("/", headers=BROWSER)
    assert page.status_code == 200
    assert '<textarea id="query"' in page.text
    names = re.findall(r'<option value="([^"]+)" data-query=', page.text)
    assert names == [info.name for info in list_queries()]
    assert client.get("/_static/query.js").status_code == 200


# -- the command line -------------------------------------------------------------------

def test_cryonto_serve_command(tmp_path):
    with cli_server("--data", "examples/paper-quotes.ttl", "--max-results", "3") as url:
        response = httpx.get(f"{url}/sparql", params={"query": SEGMENTS})
        assert response.status_code == 200
        assert len(response.json()["results"]["bindings"]) == 3
        assert response.headers["x-cryonto-truncated"] == "true"
        described = httpx.get(f"{url}/sparql").text
        assert "paper-quotes.ttl" in described
        assert json.loads(httpx.get(f"{url}/sparql", params={"query": "ASK {}"}).text)["boolean"]
