"""cryonto.remote: one-line errors from bad endpoints, Graph Store Protocol push, batching."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from support.servers import free_port

from cryonto.errors import CryontoError, RemoteError
from cryonto.queries import run_query
from cryonto.remote import (
    GraphStoreClient,
    RemoteEndpoint,
    batches,
    check_url,
    derive_gsp_url,
    push,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "paper-quotes.ttl"
HEADER_NAMES_UPDATES = ROOT / "tests" / "fixtures" / "queries" / "header-says-load-add.rq"
CLI = str(Path(sys.executable).parent / "cryonto")


class Fake:
    """A scripted HTTP server on 127.0.0.1: `answer(handler)` decides each response."""

    def __init__(self, answer) -> None:
        self.requests: list[tuple[str, str, dict, bytes]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append((self.command, self.path, dict(self.headers), body))
                status, content_type, payload = answer(self, body)
                if status is None:
                    return
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Fake:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _json(payload: dict) -> tuple[int, str, bytes]:
    return 200, "application/sparql-results+json", json.dumps(payload).encode()


def test_unreachable() -> None:
    port = free_port()
    with pytest.raises(RemoteError, match=r"cannot reach .*connection refused"):
        run_query("forms-of-crying", endpoint=f"http://127.0.0.1:{port}/query", timeout=5)


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_http_error_with_status(status: int) -> None:
    def answer(handler, body):
        return status, "text/plain", b"Parser error: something went wrong\nsecond line"

    with Fake(answer) as fake, pytest.raises(RemoteError) as caught:
        run_query("forms-of-crying", endpoint=fake.url + "/query", timeout=5)
    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert "Parser error: something went wrong" in message
    assert "\n" not in message


@pytest.mark.parametrize("answer", [
    (200, "application/sparql-results+json", b"{not json"),
    (200, "text/html", b"<html>login page</html>"),
    _json({"head": {}, "boolean": True}),  # a boolean for a SELECT
])
def test_malformed_results(answer) -> None:
    with Fake(lambda h, b: answer) as fake, pytest.raises(RemoteError, match="malformed results"):
        run_query("forms-of-crying", endpoint=fake.url + "/query", timeout=5)


def test_timeout() -> None:
    def answer(handler, body):
        time.sleep(3)
        return _json({"head": {"vars": []}, "results": {"bindings": []}})

    with Fake(answer) as fake:
        started = time.monotonic()
        with pytest.raises(RemoteError, match="did not answer within 1 s"):
            run_query("forms-of-crying", endpoint=fake.url + "/query", timeout=1)
        assert time.monotonic() - started < 3


def test_results_are_parsed_like_embedded_ones() -> None:
    payload = {"head": {"vars": ["n", "x"]}, "results": {"bindings": [
        {"n": {"type": "literal", "value": "3",
               "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
         "x": {"type": "uri", "value": "https://w3id.org/cryonto/ProtestCrying"}}]}}
    with Fake(lambda h, b: _json(payload)) as fake:
        result = run_query("forms-of-crying", endpoint=fake.url + "/query")
        sent = fake.requests[0]
    assert result.values() == [(3, "https://w3id.org/cryonto/ProtestCrying")]
    assert sent[0] == "POST"
    assert b"query=" in sent[3]


def test_bound_params_go_as_values_block() -> None:
    payload = {"head": {"vars": []}, "results": {"bindings": []}}
    with Fake(lambda h, b: _json(payload)) as fake:
        run_query("segments-per-category", endpoint=fake.url + "/query",
                  params={"category": "A1.1"})
        body = fake.requests[0][3].decode()
    from urllib.parse import parse_qs

    text = parse_qs(body)["query"][0]
    assert ("VALUES (?category ?mappingPredicates) { (<https://w3id.org/cryonto/ProtestCrying> "
            '"exactMatch closeMatch narrowMatch") }') in text


def test_the_form_is_the_guards_not_sparqlwrappers_guess() -> None:
    payload = {"head": {"vars": ["category"]}, "results": {"bindings": [
        {"category": {"type": "uri", "value": "https://w3id.org/cryonto/Assumptions"}}]}}
    with Fake(lambda h, b: _json(payload)) as fake:
        result = run_query(HEADER_NAMES_UPDATES, endpoint=fake.url + "/query")
        method, _, headers, body = fake.requests[0]
    assert result.values() == [("https://w3id.org/cryonto/Assumptions",)]
    assert method == "POST" and body.startswith(b"query=")  # not update=, not POSTed directly
    assert "sparql-results+json" in headers["Accept"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "localhost:7878",
                                 "http://"])
def test_only_http_urls(url: str) -> None:
    with pytest.raises(RemoteError, match="http"):
        check_url(url)
    with pytest.raises(RemoteError):
        RemoteEndpoint(url)


def test_derive_gsp_url() -> None:
    assert derive_gsp_url("http://h:7878/query") == "http://h:7878/store"
    assert derive_gsp_url("http://h/ds/query") == "http://h/ds/data"
    assert derive_gsp_url("http://h:8890/sparql", auth=True) == \
        "http://h:8890/sparql-graph-crud-auth"
    assert derive_gsp_url("http://h/anything") is None
    assert GraphStoreClient("http://h/store").graph_url("https://g/x") == \
        "http://h/store?graph=https%3A%2F%2Fg%2Fx"
    assert GraphStoreClient("http://h/sparql-graph-crud-auth").graph_url("https://g/x") == \
        "http://h/sparql-graph-crud-auth?graph-uri=https%3A%2F%2Fg%2Fx"


def test_batches_keep_blank_node_structures_whole() -> None:
    ex = "https://example.org/"
    triples = [ox.Triple(ox.NamedNode(f"{ex}s{i}"), ox.NamedNode(f"{ex}p"), ox.Literal(str(i)))
               for i in range(10)]
    b1, b2, b3 = ox.BlankNode("a"), ox.BlankNode("b"), ox.BlankNode("c")
    chain = [ox.Triple(ox.NamedNode(f"{ex}list"), ox.NamedNode(f"{ex}first"), b1),
             ox.Triple(b1, ox.NamedNode(f"{ex}rest"), b2),
             ox.Triple(b2, ox.NamedNode(f"{ex}rest"), b3),
             ox.Triple(b3, ox.NamedNode(f"{ex}value"), ox.Literal("end"))]
    chunks = list(batches(triples + chain[::-1], 3))
    assert sum(len(c) for c in chunks) == 14
    holding = [c for c in chunks if any(isinstance(t.object, ox.BlankNode)
                                        or isinstance(t.subject, ox.BlankNode) for t in c)]
    assert len(holding) == 1 and len(holding[0]) >= 4
    assert all(len(c) <= 3 for c in chunks if c is not holding[0])


class GspFake:
    """A fake store: GSP PUT/POST into graphs, COUNT answered from what it holds."""

    def __init__(self, lie: int = 0) -> None:
        self.graphs: dict[str, set] = {}
        self.lie = lie

    def __call__(self, handler, body):
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        if parts.path == "/store":
            graph = query["graph"][0]
            triples = {(q.subject, q.predicate, q.object)
                       for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
            if handler.command == "PUT":
                self.graphs[graph] = set()
            self.graphs.setdefault(graph, set()).update(triples)
            return 204, "text/plain", b""
        text = parse_qs(body.decode())["query"][0]
        graph = text.split("VALUES (?g) { (<", 1)[1].split(">", 1)[0]
        count = len(self.graphs.get(graph, ())) + self.lie
        return _json({"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {
            "type": "literal", "value": str(count),
            "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}})


def test_push_graph_store_protocol() -> None:
    store = GspFake()
    with Fake(store) as fake:
        seen = []
        report = push([EXAMPLE], endpoint=fake.url + "/query", batch_size=100,
                      on_start=lambda m, t, n: seen.append((m, t, n)))
        methods = [(r[0], r[1].split("?")[0]) for r in fake.requests if r[1].startswith("/store")]
    assert seen[0][:2] == ("graph store protocol", fake.url + "/store")
    assert methods[0] == ("PUT", "/store")  # the ontology graph is replaced
    assert all(m == "POST" for m, _ in methods[1 + report.uploads[0].batches - 1:])
    ontology, data = report.uploads
    assert data.sent == data.after == 354 and data.batches == 4
    assert ontology.sent == ontology.after == seen[0][2] - data.sent


@pytest.mark.parametrize("graph", ["https://e.org/g> } ; DROP ALL ; #", "https://e.org/a b",
                                   "https://e.org/{graph}", "no-colon"])
def test_push_graph_must_be_an_iri(graph: str) -> None:
    with pytest.raises(CryontoError, match="absolute IRI"):
        push([EXAMPLE], endpoint="http://127.0.0.1:9/query",
             update_endpoint="http://127.0.0.1:9/update", graph=graph)


def test_update_texts_take_the_graph_as_a_checked_term() -> None:
    from cryonto.remote.upload import _update_text

    drop = _update_text("remote/drop-graph", graph="https://e.org/g")
    assert drop.splitlines()[-1] == "DROP SILENT GRAPH <https://e.org/g>"
    body = '<https://e.org/s> <https://e.org/p> "{graph} {triples}" .\n'
    insert = _update_text("remote/insert-data", graph="https://e.org/g", triples=body)
    assert insert.endswith('INSERT DATA { GRAPH <https://e.org/g> {\n' + body + "} }\n")
    with pytest.raises(ValueError):
        _update_text("remote/drop-graph", graph="https://e.org/g> } ; DROP ALL ; #")


def test_push_count_check_fails_loudly() -> None:
    with Fake(GspFake(lie=-1)) as fake, pytest.raises(RemoteError, match="count check failed"):
        push([EXAMPLE], endpoint=fake.url + "/query")


def test_push_cli_needs_endpoint_and_says_where(tmp_path) -> None:
    done = subprocess.run([CLI, "push", str(EXAMPLE)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "--endpoint" in done.stderr
    with Fake(GspFake()) as fake:
        done = subprocess.run([CLI, "push", "--endpoint", fake.url + "/query", str(EXAMPLE)],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"to {fake.url}/store" in done.stderr
    assert "count check passed" in done.stdout
    assert "Uploading" not in done.stderr  # no progress bar when stderr is not a terminal


def test_push_cli_unreachable_is_one_line() -> None:
    port = free_port()
    done = subprocess.run([CLI, "push", "--endpoint", f"http://127.0.0.1:{port}/query",
                           str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "connection refused" in errors[0]
    assert "Traceback" not in done.stderr


def test_remote_endpoint_checks_every_text_itself() -> None:
    from cryonto.errors import QueryRefused

    with Fake(lambda h, b: _json({"head": {}, "boolean": True})) as fake:
        endpoint = RemoteEndpoint(fake.url + "/query")
        with pytest.raises(QueryRefused):
            endpoint.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
        with pytest.raises(QueryRefused):
            endpoint.query("DROP ALL")
        assert endpoint.query("ASK {}").boolean is True
        assert len(fake.requests) == 1


def test_default_graph_probe_is_advice_never_an_error() -> None:
    """A store that refuses or garbles the probe gives no hint, not a failure."""
    with Fake(lambda handler, body: (400, "text/plain", b"Parser error")) as fake:
        assert RemoteEndpoint(fake.url + "/query").default_graph_hint() is None
    rows = {"head": {"vars": ["graph", "inDefault"]}, "results": {"bindings": [{
        "graph": {"type": "uri", "value": "https://e.org/g"},
        "inDefault": {"type": "literal", "value": "false",
                      "datatype": "http://www.w3.org/2001/XMLSchema#boolean"}}]}}
    with Fake(lambda handler, body: _json(rows)) as fake:
        hint = RemoteEndpoint(fake.url + "/query").default_graph_hint()
    assert hint is not None and hint.startswith("hint: ") and "<https://e.org/g>" in hint
    assert "\n" not in hint
    # Virtuoso answers EXISTS as an integer: 1 sees the graph, 0 does not
    for value, hinted in (("1", False), ("0", True)):
        binding = {"graph": rows["results"]["bindings"][0]["graph"], "inDefault": {
            "type": "literal", "value": value,
            "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
        answer = {**rows, "results": {"bindings": [binding]}}
        with Fake(lambda handler, body, answer=answer: _json(answer)) as fake:
            hint = RemoteEndpoint(fake.url + "/query").default_graph_hint()
        assert (hint is not None) is hinted, value


def test_answers_nothing() -> None:
    from cryonto.rdf import QueryResult, parse_results
    from cryonto.remote import answers_nothing

    def select(bindings: list[dict]) -> QueryResult:
        body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": bindings}})
        return parse_results(body.encode(), "application/sparql-results+json", "SELECT")

    zero = {"x": {"type": "literal", "value": "0",
                  "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
    label = {"x": {"type": "literal", "value": "Pause"}}
    assert answers_nothing(select([]))
    assert answers_nothing(select([zero, {}]))  # a COUNT over nothing, an unbound row
    assert not answers_nothing(select([zero, label]))
    assert answers_nothing(QueryResult("ask", boolean=False))
    assert not answers_nothing(QueryResult("ask", boolean=True))
    assert answers_nothing(QueryResult("construct", triples=[]))
