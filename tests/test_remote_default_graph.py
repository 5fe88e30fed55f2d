"""Integration: a store whose default graph is not the union of its named graphs says so.

Oxigraph served without ``--union-default-graph`` answers every query that names no graph
with empty rows; `query --endpoint` and `push` then print one hint line on stderr (the probe
is queries/remote/default-graph-probe.rq). With ``--union-default-graph`` they print nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support.peers import OXIGRAPH
from support.servers import oxigraph_server

from cryonto.cli import main
from cryonto.remote import DEFAULT_DATA_GRAPH, RemoteEndpoint
from cryonto.vocab import ONTOLOGY_GRAPH

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "paper-quotes.ttl"

pytestmark = [pytest.mark.integration, OXIGRAPH]


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_without_union_default_graph_query_and_push_say_what_to_do(tmp_path) -> None:
    with oxigraph_server(tmp_path, union_default_graph=False) as server:
        # an empty store: nothing in any graph, so nothing to hint at
        empty = _cli("query", "segments-per-category", "--endpoint", server.query_url)
        assert empty.exit_code == 0, empty.output
        assert "(0 rows)" in empty.stdout and "hint" not in empty.stderr

        pushed = _cli("push", "--endpoint", server.query_url, str(EXAMPLE))
        assert pushed.exit_code == 0, pushed.output
        assert "count check passed" in pushed.stdout
        hint = pushed.stderr.strip().splitlines()[-1]
        assert hint.startswith("hint: the endpoint's default graph does not see the triples "
                               f"of its named graph <{DEFAULT_DATA_GRAPH}>")
        assert "--union-default-graph" in hint
        assert f"--default-graph {ONTOLOGY_GRAPH} --default-graph {DEFAULT_DATA_GRAPH}" in hint

        blind = _cli("query", "segments-per-category", "--endpoint", server.query_url)
        assert blind.exit_code == 0, blind.output
        assert "(0 rows)" in blind.stdout
        assert blind.stderr.count("\n") == 1 and blind.stderr.startswith("hint: ")
        assert "--union-default-graph" in blind.stderr

        # ASK false gets the hint too (and still exits 1)
        ask = _cli("query", "category-is-coded", "-p", "category=A1.1",
                   "--endpoint", server.query_url)
        assert ask.exit_code == 1 and ask.stdout.strip() == "false"
        assert ask.stderr.startswith("hint: ")

        # doing what the hint says: the rows are there, and no hint
        named = _cli("query", "segments-per-category", "--endpoint", server.query_url,
                     "--default-graph", str(ONTOLOGY_GRAPH), "--default-graph",
                     DEFAULT_DATA_GRAPH)
        assert named.exit_code == 0, named.output
        assert "(0 rows)" not in named.stdout and "A1.1" in named.stdout
        assert named.stderr == ""


def test_with_union_default_graph_no_hint(tmp_path) -> None:
    with oxigraph_server(tmp_path, union_default_graph=True) as server:
        pushed = _cli("push", "--endpoint", server.query_url, str(EXAMPLE))
        assert pushed.exit_code == 0, pushed.output
        assert "hint" not in pushed.stderr
        full = _cli("query", "segments-per-category", "--endpoint", server.query_url)
        assert full.exit_code == 0, full.output
        assert "A1.1" in full.stdout and full.stderr == ""
        # an empty answer on a union store is the data's answer: the probe stays silent
        none = _cli("query", "segments-for-category", "-p", "category=A1.1", "-p",
                    "study=https://example.org/no-such-study/", "--endpoint", server.query_url)
        assert none.exit_code == 0, none.output
        assert "(0 rows)" in none.stdout and none.stderr == ""
        assert RemoteEndpoint(server.query_url).default_graph_hint() is None


def test_probe_names_the_graph_push_wrote(tmp_path) -> None:
    """Bound to one graph, the probe samples that graph, not whichever comes first."""
    graph = "https://example.org/study-graph"
    with oxigraph_server(tmp_path, union_default_graph=False) as server:
        pushed = _cli("push", "--endpoint", server.query_url, "--graph", graph, str(EXAMPLE))
        assert pushed.exit_code == 0, pushed.output
        assert f"named graph <{graph}>" in pushed.stderr
        endpoint = RemoteEndpoint(server.query_url)
        hint = endpoint.default_graph_hint(str(ONTOLOGY_GRAPH))
        assert hint is not None and f"named graph <{ONTOLOGY_GRAPH}>" in hint
        assert f"--default-graph {ONTOLOGY_GRAPH}" in hint
        assert endpoint.default_graph_hint("https://example.org/empty-graph") is None
