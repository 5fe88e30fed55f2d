"""Agreement counts codings toward categories under the same rule as the query library."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cryonto.generate import generate_study, write_study
from cryonto.queries import run_query
from cryonto.reliability.units import categories_of, load


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("agreement-units") / "generated.ttl"
    write_study(generate_study(600, coders=3, seed=3), path)
    return path


def test_direct_codings_match_segments_per_category(generated: Path) -> None:
    data = load([generated])
    got = Counter(c.category for c in data.codings)
    rows = run_query("segments-per-category", data=[generated]).dicts()
    assert got == {r["category"]: r["direct"] for r in rows if r["direct"]}


def test_rollup_matches_the_querys_sub_category_counts(generated: Path) -> None:
    data = load([generated])
    segments: dict[str, set[str]] = {}
    for c in data.codings:
        for k in categories_of(data, c.category, rollup=True):
            segments.setdefault(k, set()).add(c.segment)
    rows = run_query("segments-per-category", data=[generated]).dicts()
    assert {k: len(v) for k, v in segments.items()} == {
        r["category"]: r["segments"] for r in rows if r["segments"]}


def test_broad_and_unmapped_study_codes_do_not_count(generated: Path) -> None:
    """'Holding silence' is a broadMatch of I2.1 in the generator's codebook: it does not count."""
    from cryonto.coded import from_store
    from cryonto.rdf import GraphStore

    data = load([generated])
    pause = "https://w3id.org/cryonto/Pause"
    counted = {c.segment for c in data.codings if c.category == pause}
    (dataset,) = from_store(GraphStore.with_ontology([generated]))
    broad = {key for key, code in dataset.codes.items() if ("broadMatch", pause) in code.mappings}
    broad_only = {s.iri for s in dataset.segments
                  if broad & set(s.codes) and pause not in s.codes}
    assert broad_only, "the generated study should use the broadMatch code"
    assert not broad_only & counted
    unmapped = {key for key, code in dataset.codes.items()
                if code.category is None and not code.mappings}
    only_unmapped = {s.iri for s in dataset.segments if set(s.codes) <= unmapped}
    assert not only_unmapped & {c.segment for c in data.codings}
