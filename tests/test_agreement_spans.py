"""The array span helpers of the levels against brute force over every pair or character."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryonto.reliability import spans

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

span = st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(-3, 60),
                 st.sampled_from([0, 1, 2, 7, 30, 80]))


def _columns(rows):
    group, coder, start, size = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    return group, coder, start, start + size


def _pairs_by_brute_force(q, t) -> list[tuple[int, int]]:
    out = []
    for i, (g, s, e) in enumerate(zip(*q, strict=True)):
        for j, (h, u, v) in enumerate(zip(*t, strict=True)):
            if g != h:
                continue
            if min(e, v) - max(s, u) > 0 or (e <= s and u <= s <= v):
                out.append((i, j))
    return out


@SETTINGS
@given(st.lists(span, min_size=1, max_size=25), st.lists(span, min_size=1, max_size=25),
       st.sampled_from([1, 3, 2_000_000]))
def test_touching_pairs_is_every_overlapping_pair(queries, targets, batch) -> None:
    qg, _, qs, qe = _columns(queries)
    tg, _, ts, te = _columns(targets)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spans, "CANDIDATES", batch)
        qi, ti = spans.touching_pairs(qg, qs, qe, tg, ts, te)
    assert sorted(zip(qi.tolist(), ti.tolist(), strict=True)) == _pairs_by_brute_force(
        (qg, qs, qe), (tg, ts, te))


@SETTINGS
@given(st.lists(span, min_size=1, max_size=25))
def test_coverage_and_runs_match_characters(rows) -> None:
    group, coder, start, end = _columns(rows)
    lengths = np.array([40, 55, 1, 70], dtype=np.int64)
    piece_group, piece_start, piece_end, cover = spans.coverage(group, coder, start, end,
                                                                lengths, 3)
    expected = {g: np.zeros((int(lengths[g]), 3), dtype=np.int64) for g in set(group.tolist())}
    for g, j, s, e in zip(group.tolist(), coder.tolist(), start.tolist(), end.tolist(),
                          strict=True):
        expected[g][max(s, 0):max(min(e, int(lengths[g])), 0), j] = 1
    got = {g: np.zeros_like(v) for g, v in expected.items()}
    for g, s, e, row in zip(piece_group.tolist(), piece_start.tolist(), piece_end.tolist(),
                            cover.tolist(), strict=True):
        assert s < e
        got[g][s:e] = row
    for g in expected:
        assert (got[g] == expected[g]).all()
        assert sum(e - s for pg, s, e in zip(piece_group, piece_start, piece_end,
                                             strict=True) if pg == g) == lengths[g]
    # runs: maximal stretches of one mixed row, character by character
    run_group, run_start, run_end, run_rows = spans.runs(piece_group, piece_start, piece_end,
                                                         cover)
    expected_runs = []
    for g in sorted(expected):
        chars = expected[g]
        x = 0
        while x < len(chars):
            row = chars[x]
            if row.min() == row.max():
                x += 1
                continue
            y = x
            while y + 1 < len(chars) and (chars[y + 1] == row).all():
                y += 1
            expected_runs.append((g, x, y + 1, tuple(row.tolist())))
            x = y + 1
    assert list(zip(run_group.tolist(), run_start.tolist(), run_end.tolist(),
                    map(tuple, run_rows.tolist()), strict=True)) == expected_runs


@SETTINGS
@given(st.lists(span, min_size=1, max_size=25))
def test_merged_unit_squares_merges_overlaps_not_touches(rows) -> None:
    group, _, start, end = _columns(rows)
    start = np.maximum(start, 0)
    got = spans.merged_unit_squares(group, start, end, 4)
    expected = np.zeros(4)
    for g in range(4):
        merged: list[list[int]] = []
        for s, e in sorted((s, e) for h, s, e in zip(group.tolist(), start.tolist(),
                                                      end.tolist(), strict=True)
                           if h == g and e > s):
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        expected[g] = sum((e - s) ** 2 for s, e in merged)
    assert got.tolist() == expected.tolist()
