"""`cryonto generate`: realistic synthetic studies; injected errors are reported exactly."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations

import pytest
from click.testing import CliRunner

from cryonto.category import load_category_system
from cryonto.cli import main
from cryonto.generate import (
    CATEGORIES,
    CO_OCCURRENCES,
    ERROR_KINDS,
    FREQUENCIES,
    category_iri,
    generate_study,
    manifest_path,
    write_study,
)
from cryonto.shacl import validate


def reported(report) -> dict[str, set[str]]:
    """Segment (or code) IRI -> the shapes/constraints that reported something about it."""
    out: dict[str, set[str]] = {}
    for r in report.results:
        out.setdefault(report.location(r).node, set()).add(r.constraint or r.shape)
    return out


def expected(manifest: dict) -> dict[str, set[str]]:
    out = {e["segment"]: set(e["shapes"]) for e in manifest["errors"]}
    for w in manifest["expected_warnings"]:
        out[w["focus"]] = set(w["shapes"])
    return out


@pytest.mark.parametrize("full_text", [False, True])
def test_injected_errors_are_reported_exactly(tmp_path, full_text):
    study = generate_study(3000, documents=20, errors=60, seed=11, full_text=full_text)
    out = tmp_path / "g.ttl"
    write_study(study, out, manifest_path(out))
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert len(manifest["errors"]) == 60
    assert {e["kind"] for e in manifest["errors"]} == set(ERROR_KINDS)  # every kind injected
    assert len({e["segment"] for e in manifest["errors"]}) == 60  # one per segment
    report = validate([out])
    assert reported(report) == expected(manifest)


def test_categories_are_the_ontologys() -> None:
    system = load_category_system()
    assert len(CATEGORIES) == len(system) == 33
    assert {category_iri(n) for n in CATEGORIES} == {c.iri for c in system}
    for concept in system:
        assert CATEGORIES[concept.notation][1] == concept.label("en")
    assert set(FREQUENCIES) <= set(CATEGORIES)
    assert {n for pair in CO_OCCURRENCES for n in pair[:2]} <= set(CATEGORIES)
    study = generate_study(200, seed=1)
    used = {code.category for code in study.dataset.codes.values() if code.category}
    assert used == {c.iri for c in system}


def test_clean_generated_study_has_only_the_unmapped_code_warnings(tmp_path):
    study = generate_study(2000, seed=4)
    out = tmp_path / "g.ttl"
    write_study(study, out)
    report = validate([out])
    assert report.counts()["Violation"] == 0
    assert {r.constraint for r in report.results} <= {
        "https://w3id.org/cryonto/shapes/CodeMappedConstraint"}
    assert {str(r.focus.value) for r in report.results} == set(study.unmapped_codes)
    assert len(study.unmapped_codes) == 2
    assert not report.failed() and report.failed(strict=True)


@pytest.mark.slow
def test_fast_engine_equals_pyshacl_on_generated_data_with_errors(tmp_path):
    study = generate_study(600, documents=12, errors=40, seed=5, full_text=True)
    out = tmp_path / "g.ttl"
    write_study(study, out)
    fast = validate([out])
    plain = validate([out], engine="pyshacl")
    assert len(fast.results) >= 40
    assert fast.keys() == plain.keys()
    assert Counter(r.key() for r in fast.results) == Counter(r.key() for r in plain.results)


def test_counts_orientations_and_cooccurrences():
    study = generate_study(20000, documents=330, seed=1)
    ds = study.dataset
    counts = ds.counts()
    assert counts.segments == 20000 and counts.documents == 330 and counts.coders == 3
    assert counts.codings > counts.segments  # multiple coding happens
    orientations = Counter(d.orientation for d in ds.documents.values())
    assert orientations == {"PDT": 150, "CBT": 110, "ST": 70}  # the paper's 15/11/7
    # the paper's associations co-occur far more often than chance
    categories = [{ds.codes[k].category or dict(ds.codes[k].mappings).get("exactMatch")
                   for k in s.codes} for s in ds.segments]
    single = Counter(c for cats in categories for c in cats)
    pairs = Counter(frozenset(p) for cats in categories for p in combinations(sorted(
        c for c in cats if c), 2))
    n = len(categories)
    for a, b, _p in CO_OCCURRENCES:
        ia, ib = category_iri(a), category_iri(b)
        observed = pairs[frozenset((ia, ib))]
        chance = single[ia] * single[ib] / n
        assert observed > 3 * chance, (a, b, observed, chance)
    # crying as manipulation is rarer than crying as resistance (the paper's observation)
    assert single[category_iri("A3.3.1")] < single[category_iri("A3.3.2")] / 2
    # some study codes are mapped onto categories, some are not
    study_codes = [c for c in ds.codes.values() if c.category is None]
    assert any(c.mappings for c in study_codes) and any(not c.mappings for c in study_codes)


def test_same_seed_same_study_different_seed_different_study(tmp_path):
    a, b, c = (tmp_path / n for n in ("a.ttl", "b.ttl", "c.ttl"))
    write_study(generate_study(500, errors=10, seed=3), a)
    write_study(generate_study(500, errors=10, seed=3), b)
    write_study(generate_study(500, errors=10, seed=4), c)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_generate_cli_writes_turtle_manifest_and_csv(tmp_path):
    out, csv_out = tmp_path / "study.ttl", tmp_path / "study.csv"
    result = CliRunner().invoke(main, ["generate", "--segments", "300", "--documents", "4",
                                       "--errors", "5", "--seed", "2", "-o", str(out),
                                       "--csv", str(csv_out)])
    assert result.exit_code == 0, result.output
    assert "300 segments" in result.output
    manifest = json.loads((tmp_path / "study.errors.json").read_text(encoding="utf-8"))
    assert len(manifest["errors"]) == 5 and manifest["counts"]["segments"] == 300
    header = csv_out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "document,code,start,end,coder,text,segment_id,participant,orientation," \
                     "memo,created"
    check = CliRunner().invoke(main, ["validate", str(out)])
    assert check.exit_code == 1


@pytest.mark.parametrize("args", [["--segments", "0"], ["--segments", "5", "--errors", "6"]])
def test_generate_cli_refuses_bad_sizes(tmp_path, args):
    result = CliRunner().invoke(main, ["generate", *args, "-o", str(tmp_path / "x.ttl")])
    assert result.exit_code == 2
    assert not (tmp_path / "x.ttl").exists()


@pytest.mark.slow
def test_generate_100k_segments_in_seconds(tmp_path):
    import time

    start = time.perf_counter()
    write_study(generate_study(100_000, seed=1), tmp_path / "big.ttl")
    assert time.perf_counter() - start < 30


def test_turtle_writer_keeps_every_triple(tmp_path):
    import pyoxigraph as ox

    study = generate_study(800, documents=12, errors=30, seed=9, full_text=True)
    write_study(study, tmp_path / "c.ttl")
    written = ox.Store()
    written.load(path=str(tmp_path / "c.ttl"), format=ox.RdfFormat.TURTLE)
    direct = ox.Store()
    direct.extend(study.quads())
    assert {str(q) for q in written} == {str(q) for q in direct}
    assert len(written) > 14000
