"""Differential: every library query on a store (reading its derived graph) answers exactly
what it answers on the same files (reading every segment).

Data: two generated studies, the query fixture (mapped codebook, unmapped codes, orientations)
and extra mappings, so that codes reach categories by every SKOS mapping predicate, some by a
counted and an uncounted one at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cryonto.derived import DERIVED_GRAPH, derive, has_derived
from cryonto.generate import generate_study, write_study
from cryonto.queries import derived_variant, library_dir, list_queries, load_query, run_query
from cryonto.rdf.persistent import DiskStore
from cryonto.storage import load, open_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "queries" / "mapped-study.ttl"
EXTRA = """\
@prefix cry: <https://w3id.org/cryonto/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix code: <https://w3id.org/cryonto/data/alpha/code/> .
code:Therapist-s-own-crying-6dc173b8 skos:narrowMatch cry:PromotesProcess .
code:Comforting skos:relatedMatch cry:Pause .
code:Resistance skos:broadMatch cry:ProtestCrying .
"""
WIDE = "exactMatch closeMatch narrowMatch broadMatch relatedMatch"
PARAMS = [{}, {"mappingPredicates": WIDE}, {"mappingPredicates": "exactMatch, broadMatch"},
          {"category": "A3"}, {"category": "I2.1"}, {"min": 0}, {"min": 3},
          {"min_studies": 1}, {"orientation": "cry:CBT"}, {"coder": "https://w3id.org/cryonto/data/alpha/coder/C2"}]
VARIANTS = sorted(p.stem for p in (library_dir() / "store" / "derived").glob("*.rq"))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("derived")
    alpha, beta, extra = folder / "alpha.ttl", folder / "beta.ttl", folder / "extra.ttl"
    write_study(generate_study(700, seed=1, study="alpha"), alpha)
    write_study(generate_study(400, seed=2, study="beta", documents=5), beta)
    extra.write_text(EXTRA, encoding="utf-8")
    return [alpha, beta, extra, FIXTURE]


@pytest.fixture(scope="module")
def store(files, tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "store"
    load(files, db)
    with open_store(db) as opened:
        yield opened


def _rows(result) -> list[tuple]:
    """Rows in a canonical order; leftOutBy as a set (its word order is the engine's)."""
    out = []
    for row in result.dicts():
        out.append(tuple(sorted(
            (k, frozenset(str(v).split()) if k == "leftOutBy" else v) for k, v in row.items())))
    return sorted(out, key=repr)


def test_every_counting_query_has_a_variant() -> None:
    names = {q.name for q in list_queries()}
    assert set(VARIANTS) <= names
    assert {"segments-per-category", "categories-by-orientation", "coder-coverage",
            "cooccurrence-in-segments", "cooccurrence-in-documents", "category-across-studies",
            "study-comparison"} <= set(VARIANTS)


@pytest.mark.parametrize("name", VARIANTS)
def test_store_answers_as_the_files_do(name: str, files, store) -> None:
    assert has_derived(store)
    query = load_query(name)
    assert derived_variant(query, store).text != query.text  # the store variant is what runs
    tried = 0
    for params in PARAMS:
        params = {k: v for k, v in params.items() if query.info.param(k)}
        if params == {} and tried:
            continue
        expected = run_query(name, files, params=params)
        got = run_query(name, store=store, params=params)
        assert got.variables == expected.variables, params
        assert _rows(got) == _rows(expected), (name, params)
        tried += 1
    assert len(expected) or name == "cooccurrence-in-segments"


def test_answers_are_not_trivial(store) -> None:
    rows = {r["notation"]: r for r in run_query("segments-per-category", store=store).dicts()}
    assert rows["I2.1"]["leftOut"] > 0 and set(rows["I2.1"]["leftOutBy"].split()) == {
        "broadMatch", "relatedMatch"}
    compared = run_query("study-comparison", store=store).dicts()
    assert {r["study"] for r in compared} >= {"https://w3id.org/cryonto/data/alpha/",
                                              "https://w3id.org/cryonto/data/beta/"}
    anchors = {r["notation"]: r for r in run_query("anchor-examples", store=store).dicts()}
    assert anchors["A1.1"]["leftOut"] > 0  # Resistance → ProtestCrying by broadMatch (EXTRA)
    coverage = run_query("coder-coverage", store=store).dicts()
    assert any(r["leftOut"] > 0 and r["leftOutBy"] for r in coverage)


def test_without_derived_graph_the_library_text_runs(files, tmp_path: Path) -> None:
    db = tmp_path / "db"
    load(files[:1], db)
    with DiskStore.open(db, write=True) as writable:
        writable.clear_graph(DERIVED_GRAPH)
    with open_store(db) as opened:
        assert not has_derived(opened)
        query = load_query("segments-per-category")
        assert derived_variant(query, opened) is query
        plain = run_query("segments-per-category", store=opened)
    assert _rows(plain) == _rows(run_query("segments-per-category", files[:1]))
    again = load(files[:1], db)  # nothing changed, but the missing derived graph is rebuilt
    assert [f.action for f in again.files] == ["unchanged"]
    with open_store(db) as opened:
        assert has_derived(opened)


def test_replacing_a_file_recomputes_the_counts(tmp_path: Path) -> None:
    data, db = tmp_path / "study.ttl", tmp_path / "db"
    write_study(generate_study(200, seed=3, study="gamma"), data)
    load([data], db)
    with open_store(db) as opened:
        before = run_query("segments-per-category", store=opened, params={"category": "A"})
    write_study(generate_study(300, seed=4, study="gamma"), data)
    load([data], db, replace=True)
    with open_store(db) as opened:
        after = run_query("segments-per-category", store=opened, params={"category": "A"})
    assert _rows(after) == _rows(run_query("segments-per-category", [data],
                                           params={"category": "A"}))
    assert _rows(after) != _rows(before)


def test_derive_is_repeatable(files, tmp_path: Path) -> None:
    db = tmp_path / "db"
    load(files[:2], db)
    with DiskStore.open(db, write=True) as writable:
        first = sorted(map(str, writable.quads(graph=DERIVED_GRAPH)))
        count = derive(writable)
        assert count > 0
        assert len(sorted(map(str, writable.quads(graph=DERIVED_GRAPH)))) == len(first)


def test_cli_query_on_a_store_prints_what_it_prints_on_the_files(files, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cryonto.cli import main

    runner = CliRunner()
    db = tmp_path / "db"
    loaded = runner.invoke(main, ["load", *map(str, files), "--store", str(db)])
    assert loaded.exit_code == 0, loaded.output
    assert "derived counts" in loaded.stderr
    for name in ("cooccurrence-in-documents", "study-comparison"):
        on_store = runner.invoke(main, ["query", name, "--store", str(db), "-f", "csv"])
        data = [arg for f in files for arg in ("--data", str(f))]
        on_files = runner.invoke(main, ["query", name, *data, "-f", "csv"])
        assert on_store.exit_code == on_files.exit_code == 0, on_store.output + on_files.output
        assert on_store.stdout == on_files.stdout
        assert len(on_store.stdout.splitlines()) > 2
