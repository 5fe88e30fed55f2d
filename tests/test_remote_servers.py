"""Integration: push to a real server, run the whole query library remotely, compare with embedded.

Oxigraph (`oxigraph serve`, from PyPI) always runs; Debian's Virtuoso runs where `virtuoso-t` is
installed (the CI script installs it) and is skipped with the reason otherwise (in CI, where
CI=true, a missing peer fails instead: tests/support/peers.py). Rows are compared
order-insensitively; numbers numerically (booleans as 0/1, which is how Virtuoso answers them);
GROUP_CONCAT columns as sets of their parts.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from support.peers import OXIGRAPH, VIRTUOSO
from support.servers import oxigraph_server, sparql_json, virtuoso_server

from cryonto import resources
from cryonto.queries import list_queries, run_query
from cryonto.rdf import GraphStore, NamedNode, bind_values
from cryonto.remote import DEFAULT_DATA_GRAPH, RemoteEndpoint, push
from cryonto.vocab import ONTOLOGY_GRAPH

ROOT = Path(__file__).resolve().parent.parent
DATA = [ROOT / "examples" / "paper-quotes.ttl",
        ROOT / "tests" / "fixtures" / "queries" / "mapped-study.ttl"]
CLI = [str(Path(sys.executable).parent / "cryonto")]
#: a SELECT whose header comment names LOAD and ADD (SPARQLWrapper's guess: an update)
HEADER_NAMES_UPDATES = ROOT / "tests" / "fixtures" / "queries" / "header-says-load-add.rq"
#: extra parameter sets run on both sides besides the defaults
PARAM_CASES = [
    ("segments-per-category", {"category": "A3.2"}),
    ("segments-for-category", {"category": "A1", "study":
                               "https://w3id.org/cryonto/data/mapped-study/"}),
    ("cooccurrence-in-segments", {"category": "A1.1"}),
    ("cooccurrence-in-documents", {"min": "2"}),
    ("categories-by-orientation", {"orientation": "cry:PDT"}),
    ("assumptions-and-interventions", {"link": "cry:correspondsTo", "assumption": "A3.2"}),
    ("forms-of-crying", {"function": "cry:StrongInteractiveFunction"}),
    ("literature-per-category", {"stance": "qualifying"}),
    ("category-is-coded", {"category": "A1.1"}),
    ("category-links", {"category": "A3.2.3"}),
    ("coder-coverage", {"category": "A1.1"}),
]
SET_COLUMNS = {"sources", "supportingStudies", "disagreeingStudies"}  # GROUP_CONCAT: no order

pytestmark = pytest.mark.integration


def _norm_value(name: str, value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return round(float(value), 4)
    if name in SET_COLUMNS and isinstance(value, str):
        return tuple(sorted(value.split(" | ")))
    return value


def normalize(result) -> object:
    if result.kind == "ask":
        return bool(result.boolean)
    if result.kind == "construct":
        return {(str(t.subject), str(t.predicate), str(t.object)) for t in result.triples}
    return Counter(tuple(_norm_value(name, v) for name, v in zip(result.variables, row,
                                                                 strict=True))
                   for row in result.values())


@pytest.fixture(scope="module")
def embedded() -> GraphStore:
    return GraphStore.with_ontology(DATA)


def _cases():
    cases = [(info.name, {}) for info in list_queries()]
    return cases + PARAM_CASES


def _compare_all(embedded: GraphStore, endpoint: str) -> None:
    failures = []
    for name, params in _cases():
        local = run_query(name, params=params, store=embedded)
        remote = run_query(name, params=params, endpoint=endpoint, timeout=60)
        assert remote.kind == local.kind, name
        if local.kind == "select":
            assert remote.variables == local.variables, name
        if normalize(local) != normalize(remote):
            failures.append((name, params, normalize(local), normalize(remote)))
    assert not failures, "\n\n".join(f"{n} {p}:\nembedded {a}\nremote   {b}"
                                     for n, p, a, b in failures)


def _push_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "push", *args], capture_output=True, text=True, timeout=300)


@OXIGRAPH
def test_oxigraph_push_and_whole_library(tmp_path, embedded) -> None:
    with oxigraph_server(tmp_path) as server:
        done = _push_cli(["--endpoint", server.query_url, "--batch-size", "200",
                          *map(str, DATA)])
        assert done.returncode == 0, done.stderr
        assert server.gsp_url in done.stderr  # it says where the data goes
        assert "count check passed" in done.stdout
        assert "hint:" not in done.stderr  # --union-default-graph: the default graph sees it
        # the counts, asked without cryonto
        counts = {}
        for graph in (str(ONTOLOGY_GRAPH), DEFAULT_DATA_GRAPH):
            answer = sparql_json(server.query_url,
                                 f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
            counts[graph] = int(answer["results"]["bindings"][0]["n"]["value"])
        onto = GraphStore.with_ontology([])
        assert counts[str(ONTOLOGY_GRAPH)] == len(onto)
        assert counts[DEFAULT_DATA_GRAPH] == len(embedded) - len(onto)
        _compare_all(embedded, server.query_url)

        # pushing again adds nothing new; --replace rebuilds the graph with the same count
        again = _push_cli(["--endpoint", server.query_url, "--replace", *map(str, DATA)])
        assert again.returncode == 0, again.stderr
        assert "(replaced)" in again.stderr
        # SPARQL Update instead of the Graph Store Protocol
        update = _push_cli(["--endpoint", server.query_url, "--update-endpoint",
                            server.update_url, "--graph", "https://example.org/g2",
                            "--no-ontology", "--batch-size", "100", str(DATA[0])])
        assert update.returncode == 0, update.stderr
        assert "sparql update" in update.stderr


@VIRTUOSO
def test_virtuoso_push_and_whole_library(tmp_path, embedded) -> None:
    with virtuoso_server(tmp_path) as server:
        done = _push_cli(["--endpoint", server.query_url, "--user", server.user,
                          "--password", server.password, "--batch-size", "300",
                          *map(str, DATA)])
        assert done.returncode == 0, done.stderr + done.stdout
        assert "sparql-graph-crud-auth" in done.stderr
        assert "hint:" not in done.stderr  # Virtuoso's default graph is the union of its graphs
        # ... and the probe behind the hint did answer, and said so (Virtuoso: 1, not true)
        probe = bind_values(resources.sparql("remote/default-graph-probe"),
                            {"graph": NamedNode(DEFAULT_DATA_GRAPH)})
        assert RemoteEndpoint(server.query_url).query(probe).values() == [
            (DEFAULT_DATA_GRAPH, 1)]
        _compare_all(embedded, server.query_url)
        wrong = _push_cli(["--endpoint", server.query_url, "--user", "dba", "--password",
                           "wrong", str(DATA[0])])
        assert wrong.returncode == 2
        assert "HTTP 401" in wrong.stderr
        assert len(wrong.stderr.strip().splitlines()) <= 2


@OXIGRAPH
def test_header_comment_naming_updates_is_still_a_query(tmp_path) -> None:
    """SPARQLWrapper strips every other comment line and would send this SELECT as a LOAD."""
    local = run_query(HEADER_NAMES_UPDATES)
    assert local.kind == "select" and len(local) > 0
    with oxigraph_server(tmp_path) as server:
        push([], endpoint=server.query_url)  # the ontology only
        remote = run_query(HEADER_NAMES_UPDATES, endpoint=server.query_url, timeout=60)
    assert remote.kind == "select"
    assert remote.values() == local.values()


@OXIGRAPH
def test_sparql_update_push_replaces_a_graph(tmp_path) -> None:
    """queries/remote/drop-graph.rq and insert-data.rq, with their header comments, on a store."""
    graph = "https://example.org/replaced"
    with oxigraph_server(tmp_path) as server:
        first = push(DATA, endpoint=server.query_url, update_endpoint=server.update_url,
                     graph=graph, ontology=False, batch_size=100)
        again = push(DATA[:1], endpoint=server.query_url, update_endpoint=server.update_url,
                     graph=graph, ontology=False, replace=True, batch_size=100)
    assert first.method == again.method == "sparql update"
    (before,), (after,) = first.uploads, again.uploads
    assert before.after == before.sent > after.sent == after.after > 0
