"""Helpers the endpoint tests share: real servers on free loopback ports.

`ThreadServer` runs uvicorn with `create_app` in a thread of the test process
(so a test can inspect the store it serves); `cli_server` starts
``cryonto serve`` as a subprocess, exactly as a user would. A test that uses
either is an integration test (``pytest.mark.integration``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import uvicorn

from cryonto.rdf import GraphStore
from cryonto.serve.app import create_app
from cryonto.serve.w3c import add_w3c_test_graphs
from support.paths import EXAMPLES, ROOT
from support.servers import free_port

EXAMPLE_DATA = EXAMPLES / "paper-quotes.ttl"
CRYONTO = Path(sys.executable).parent / "cryonto"


def example_store(w3c: bool = True) -> GraphStore:
    """The packaged ontology, the example study, and (by default) the W3C test graphs."""
    store = GraphStore.with_ontology([EXAMPLE_DATA])
    if w3c:
        add_w3c_test_graphs(store)
    return store


class ThreadServer:
    """uvicorn serving `create_app(store, **options)` in a background thread."""

    def __init__(self, store: GraphStore, **options) -> None:
        self.store = store
        self.app = create_app(store, **options)
        self.port = free_port()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.url}/sparql"

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextlib.contextmanager
def cli_server(*args: str, startup: float = 60) -> Iterator[str]:
    """`cryonto serve --port P ARGS…` in a subprocess; yields its base URL."""
    port = free_port()
    cmd = [str(CRYONTO), "serve", "--port", str(port), "--log-level", "warning", *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, startup)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_up(url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            if httpx.get(f"{url}/sparql", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout} s")


# -- comparing answers ---------------------------------------------------------------

def term_key(term: object) -> str:
    """A comparable form of a term: N-Triples syntax, every blank node the same."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Triple):
        return f"<< {term_key(term.subject)} {term_key(term.predicate)} {term_key(term.object)} >>"
    return str(term)


def solutions_key(variables: list[str], rows) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(variables, sorted rows) of a SELECT answer, each term via `term_key`."""
    return tuple(variables), sorted(tuple(term_key(t) for t in row) for row in rows)


def parsed_solutions(body: bytes, fmt: ox.QueryResultsFormat):
    """A SELECT answer read back with pyoxigraph's own parser, as `solutions_key`."""
    result = ox.parse_query_results(body, format=fmt)
    variables = [v.value for v in result.variables]
    return solutions_key(variables, ([s[v] for v in variables] for s in result))


def embedded_solutions(store: GraphStore, sparql: str):
    result = store.select(sparql)
    return solutions_key(result.variables, result.rows)


def triples_key(triples) -> list[str]:
    return sorted(f"{term_key(t.subject)} {term_key(t.predicate)} {term_key(t.object)}"
                  for t in triples)


def parse_triples(body: bytes, fmt: ox.RdfFormat) -> list[ox.Triple]:
    """An RDF document read back with pyoxigraph, as triples (its parser yields quads)."""
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]


def json_term(value: dict | None) -> object:
    """A SPARQL results JSON term as a pyoxigraph term (for clients that give raw JSON)."""
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri":
        return ox.NamedNode(value["value"])
    if kind == "bnode":
        return ox.BlankNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return ox.Literal(value["value"], language=value["xml:lang"])
        if "datatype" in value:
            return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(value["value"])
    if kind == "triple":
        inner = value["value"]
        return ox.Triple(json_term(inner["subject"]), json_term(inner["predicate"]),
                         json_term(inner["object"]))
    raise ValueError(f"unknown term type {kind!r}")


def json_results_key(doc: dict):
    """SPARQL results JSON (as parsed by json) as `solutions_key`, or the ASK boolean."""
    if "boolean" in doc:
        return bool(doc["boolean"])
    variables = doc["head"]["vars"]
    rows = ([json_term(b.get(v)) for v in variables] for b in doc["results"]["bindings"])
    return solutions_key(variables, rows)


def library_cases(store: GraphStore) -> list[tuple[str, str, str, object]]:
    """Every query of the library, defaults bound: (name, text, form, embedded answer key)."""
    from cryonto import queries

    cases = []
    for info in queries.list_queries():
        _, text, form = queries.prepare(info.name)
        result = queries.run_on_store(store, text, form)
        if result.kind == "select":
            expected = solutions_key(result.variables, result.rows)
        elif result.kind == "ask":
            expected = bool(result.boolean)
        else:
            expected = triples_key(result.triples)
        cases.append((info.name, text, form, expected))
    return cases
