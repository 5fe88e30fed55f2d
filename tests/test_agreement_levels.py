"""The unitized level against direct, unoptimised computations on the same spans.

The level builds run-length weighted tables; here the same spans are expanded to one unit per
character (α via the `krippendorff` package) and Krippendorff's uα is computed section by
section from its definition (Krippendorff, Mathet, Bouvry & Widlöcher 2016).
"""

from __future__ import annotations

import krippendorff
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryonto.reliability.bootstrap import figures
from cryonto.reliability.levels import unitized_level
from cryonto.reliability.units import Coding, Codings, Selection

LENGTH = 60
K = "https://w3id.org/cryonto/ProtestCrying"

spans = st.lists(st.tuples(st.integers(0, LENGTH - 1), st.integers(1, 25)), max_size=4)


def _build(per_coder: list[list[tuple[int, int]]]):
    coders = [f"c{i}" for i in range(len(per_coder))]
    codings = [Coding("d", f"s{i}-{n}", coders[i], start, min(start + size, LENGTH), K)
               for i, spans_ in enumerate(per_coder) for n, (start, size) in enumerate(spans_)]
    data = Codings(["study"], codings, {"d": {"title": "d", "length": LENGTH, "text": None}},
                   {c: c for c in coders}, {K: ("A1.1", "Protest crying")}, {K: {K}})
    return Selection(coders, ["d"], [K], codings), data


def _units(spans_: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A coder's units: overlapping spans merged, touching ones kept apart."""
    merged: list[list[int]] = []
    for start, size in sorted(spans_):
        end = min(start + size, LENGTH)
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _sections(spans_):
    units = _units(spans_)
    covered = np.zeros(LENGTH, dtype=bool)
    for s, e in units:
        covered[s:e] = True
    gaps, start = [], None
    for i in range(LENGTH + 1):
        inside = i < LENGTH and not covered[i]
        if inside and start is None:
            start = i
        if not inside and start is not None:
            gaps.append((start, i))
            start = None
    return [(s, e, 1) for s, e in units] + [(s, e, 0) for s, e in gaps]


def direct_u_alpha(per_coder) -> float:
    sections = [_sections(s) for s in per_coder]
    m = len(sections)
    o = np.zeros((2, 2))
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            for s1, e1, c in sections[i]:
                for s2, e2, k in sections[j]:
                    o[c, k] += max(0, min(e1, e2) - max(s1, s2)) / (m - 1)
    total = o.sum()
    marginal = o.sum(axis=1)
    self_pairs = np.zeros(2)
    for sec in sections:
        for s, e, c in sec:
            self_pairs[c] += (e - s) ** 2 if c == 1 else (e - s)
    denominator = total ** 2 - self_pairs.sum()
    expected = total * (marginal ** 2 - self_pairs) / denominator
    return 1 - (total - np.trace(o)) / (total - expected.sum())


def per_character(per_coder) -> np.ndarray:
    rows = np.zeros((len(per_coder), LENGTH))
    for i, spans_ in enumerate(per_coder):
        for start, size in spans_:
            rows[i, start:min(start + size, LENGTH)] = 1
    return rows


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(spans, min_size=2, max_size=3))
def test_unitized_level_matches_direct_computation(per_coder) -> None:
    if not any(per_coder):
        return
    selection, data = _build(per_coder)
    level = unitized_level(selection, data)
    result = figures(level.categories[K])
    assert result.units == LENGTH
    rows = per_character(per_coder)
    assert result.values["agreement"] is not None
    if len(np.unique(rows)) > 1:
        expected_alpha = krippendorff.alpha(rows, level_of_measurement="nominal")
        assert abs(result.values["krippendorff_alpha"] - expected_alpha) < 1e-9
        assert abs(result.values["unitized_alpha"] - direct_u_alpha(per_coder)) < 1e-9
    else:
        assert result.values["unitized_alpha"] is None
    # every disagreeing character lies in exactly one reported stretch
    differing = int((rows.min(axis=0) != rows.max(axis=0)).sum())
    assert sum(d.end - d.start for d in level.disagreements) == differing


def test_units_of_length_one_make_u_alpha_the_per_character_alpha() -> None:
    per_coder = [[(0, 1), (5, 1), (9, 1)], [(0, 1), (6, 1), (9, 1)]]
    selection, data = _build(per_coder)
    values = figures(unitized_level(selection, data).categories[K]).values
    assert abs(values["unitized_alpha"] - values["krippendorff_alpha"]) < 1e-12
