"""`cryonto query` and `cryonto queries`: formats, parameters, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cryonto.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "paper-quotes.ttl")


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_queries_lists_the_library() -> None:
    done = cli("queries")
    assert done.exit_code == 0
    assert "segments-per-category" in done.output
    assert "Segments per category" in done.output
    listed = json.loads(cli("queries", "--json").output)
    names = {q["name"] for q in listed}
    assert {"cooccurrence-in-segments", "unmapped-study-codes"} <= names
    one = next(q for q in listed if q["name"] == "cooccurrence-in-segments")
    assert {"name": "min", "type": "integer", "default": "1"}.items() <= one["params"][1].items()
    assert one["question"].endswith("?")


def test_table_is_the_default() -> None:
    done = cli("query", "segments-per-category", "--data", EXAMPLE, "-p", "category=A1")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].split() == ["notation", "category", "label", "direct", "segments",
                                "documents", "leftOut", "leftOutBy"]
    assert "cry:FormsOfCrying" in lines[2]  # IRIs shortened for the terminal
    assert lines[3] == "(1 row)"


def test_table_legend_from_the_query_header(tmp_path: Path) -> None:
    """Under the table, what its columns mean: the header's `# columns:` paragraph."""
    done = cli("query", "segments-per-category", "--data", EXAMPLE, "-p", "category=A1")
    legend = " ".join(done.output.split("(1 row)\n")[1].split())
    assert legend.startswith("Columns: direct = segments coded with the category itself")
    for column in ("direct =", "segments =", "documents =", "leftOut =", "leftOutBy ="):
        assert column in legend
    assert legend.endswith("Categories never coded show 0.")
    # machine formats stay plain; a query without the paragraph prints no legend
    assert "Columns:" not in cli("query", "segments-per-category", "--data", EXAMPLE,
                                 "-f", "csv").output
    plain = tmp_path / "plain.rq"
    plain.write_text("# title: Count\nSELECT (1 AS ?n) WHERE {}\n", encoding="utf-8")
    assert cli("query", str(plain)).output.splitlines()[-1] == "(1 row)"
    own = tmp_path / "own.rq"
    own.write_text("# title: Count\n# columns: n = one,\n# always\n#\n# not this\n"
                   "SELECT (1 AS ?n) WHERE {}\n", encoding="utf-8")
    assert cli("query", str(own)).output.splitlines()[-1] == "Columns: n = one, always"
    listed = json.loads(cli("queries", "--json").output)
    by_name = {q["name"]: q for q in listed}
    assert "leftOutBy" in by_name["categories-by-orientation"]["columns"]
    assert "unmappedSegments" in by_name["study-comparison"]["columns"]


@pytest.mark.parametrize("fmt,delimiter", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv(fmt: str, delimiter: str) -> None:
    done = cli("query", "segments-per-category", "--data", EXAMPLE, "--format", fmt)
    rows = list(csv.DictReader(io.StringIO(done.output), delimiter=delimiter))
    assert len(rows) == 33
    a = next(r for r in rows if r["notation"] == "A")
    assert a["category"] == "https://w3id.org/cryonto/Assumptions"
    assert a["segments"] == "16"


def test_json() -> None:
    done = cli("query", "segments-per-category", "--data", EXAMPLE, "-f", "json", "-p",
               "category=cry:ProtestCrying")
    assert json.loads(done.output) == [{
        "notation": "A1.1", "category": "https://w3id.org/cryonto/ProtestCrying",
        "label": "Protest crying", "direct": 1, "segments": 1, "documents": 1, "leftOut": 0,
        "leftOutBy": ""}]


def test_construct_as_turtle() -> None:
    done = cli("query", "category-subtree", "-p", "category=A3.3", "--format", "turtle")
    assert done.exit_code == 0
    assert "cry:CryingAsManipulation" in done.output
    assert cli("query", "category-subtree", "--format", "csv").exit_code == 2
    assert cli("query", "segments-per-category", "--format", "turtle").exit_code == 2


def test_ask_sets_the_exit_code() -> None:
    yes = cli("query", "category-is-coded", "--data", EXAMPLE, "-p", "category=A1.1")
    assert (yes.exit_code, yes.output.strip()) == (0, "true")
    no = cli("query", "category-is-coded", "--data", EXAMPLE, "-p", "category=A3.3.1")
    assert (no.exit_code, no.output.strip()) == (1, "false")
    as_json = cli("query", "category-is-coded", "--data", EXAMPLE, "-f", "json")
    assert json.loads(as_json.output) == {"boolean": False}


@pytest.mark.parametrize("args,message", [
    (["segments-per-category", "-p", "nope=1"], "unknown parameter 'nope'"),
    (["segments-per-category", "-p", "category"], "NAME=VALUE"),
    (["segments-per-category", "-p", "category=A1", "-p", "category=A2"], "given twice"),
    (["cooccurrence-in-segments", "-p", "min=lots"], "must be an integer"),
    (["segments-per-category", "-p", "category=Protest cryin"], "did you mean"),
    (["no-such-query"], "unknown query"),
    (["segments-per-category", "--data", "missing.ttl"], "no such file"),
    (["segments-per-category", "--data", EXAMPLE, "--endpoint", "http://127.0.0.1:9/q"],
     "exclude each other"),
    (["segments-per-category", "--endpoint", "file:///etc/passwd"], "http"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = CliRunner().invoke(main, ["query", *args])
    assert done.exit_code == 2, done.output
    assert message in done.output
    assert "Traceback" not in done.output


def test_query_file(tmp_path) -> None:
    path = tmp_path / "count.rq"
    path.write_text("# title: Count segments\n# question: How many segments are there?\n"
                    "PREFIX oa: <http://www.w3.org/ns/oa#>\n"
                    "SELECT (COUNT(*) AS ?n) WHERE { ?s a oa:Annotation }", encoding="utf-8")
    done = cli("query", str(path), "--data", EXAMPLE, "-f", "csv")
    assert done.output.split() == ["n", "17"]


def test_refused_query_file(tmp_path) -> None:
    path = tmp_path / "drop.rq"
    path.write_text("DROP ALL", encoding="utf-8")
    done = CliRunner().invoke(main, ["query", str(path)])
    assert done.exit_code == 2
    assert "refused" in done.output and "update" in done.output
