"""The unitized level against direct, unoptimised computations on the same spans.

The level builds run-length weighted tables with numpy; here the same spans are expanded to one
unit per character (α via the `krippendorff` package), Krippendorff's uα is computed section by
section and pair by pair from its definition (Krippendorff, Mathet, Bouvry & Widlöcher 2016),
and the segment level is compared with plain loops over every pair of codings.
"""

from __future__ import annotations

import krippendorff
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryonto.reliability.bootstrap import figures
from cryonto.reliability.levels import segment_level, unitized_level
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


def brute_force_u_alpha(per_coder) -> float:
    """uα from its definition, pair by pair (Krippendorff et al. 2016): D_o over pairs of
    different coders' values on one character, D_e over all pairs of values on the continuum
    except a value with itself and two characters of one coder's unit (units are indivisible).
    """
    m = len(per_coder)
    rows = per_character(per_coder)
    unit_of = np.full((m, LENGTH), -1)
    for i, spans_ in enumerate(per_coder):
        for n, (s, e) in enumerate(_units(spans_)):
            unit_of[i, s:e] = n
    values = [(i, x, rows[i, x]) for i in range(m) for x in range(LENGTH)]
    n = len(values)
    observed = sum(
        sum(rows[i, x] != rows[j, x] for i in range(m) for j in range(m) if i != j) / (m - 1)
        for x in range(LENGTH)) / n
    pairs = disagree = 0
    for i, x, v in values:
        for j, y, w in values:
            if (i, x) == (j, y) or (i == j and unit_of[i, x] >= 0 and unit_of[i, x]
                                    == unit_of[j, y]):
                continue
            pairs += 1
            disagree += v != w
    return 1 - observed / (disagree / pairs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(spans, min_size=2, max_size=3))
def test_u_alpha_against_pair_by_pair_definition(per_coder) -> None:
    rows = per_character(per_coder)
    if len(np.unique(rows)) < 2:
        return
    selection, data = _build(per_coder)
    got = figures(unitized_level(selection, data).categories[K]).values["unitized_alpha"]
    assert abs(got - brute_force_u_alpha(per_coder)) < 1e-9


# -- segment level against per-coding loops ---------------------------------------------

CATEGORIES = ["https://w3id.org/cryonto/ProtestCrying", "https://w3id.org/cryonto/Pause",
              "https://w3id.org/cryonto/GriefCrying"]
coding = st.tuples(st.integers(0, 1), st.integers(0, 2), st.integers(0, 2),
                   st.integers(0, 80), st.sampled_from([0, 1, 3, 10, 30, 60]))


def _segment_data(rows, coders: int):
    names = [f"c{i}" for i in range(coders)]
    codings = [Coding(f"d{d}", f"s{n}", names[j % coders], start, start + size, CATEGORIES[k])
               for n, (d, j, k, start, size) in enumerate(rows)]
    data = Codings(["study"], codings, {f"d{d}": {"title": f"d{d}", "length": None,
                                                  "text": None} for d in (0, 1)},
                   {c: c for c in names}, {k: (k, k) for k in CATEGORIES},
                   {k: {k} for k in CATEGORIES}, {c.segment: c.segment for c in codings})
    documents = sorted({c.document for c in codings})
    categories = sorted({c.category for c in codings})
    return Selection(names, documents, categories, codings), data


def _covers(c, o, overlap: float) -> bool:
    length = c.end - c.start
    if length == 0:
        return o.start <= c.start <= o.end
    shared = min(c.end, o.end) - max(c.start, o.start)
    return shared > 0 and shared >= overlap * length


def _touches(c, o) -> bool:
    if c.end == c.start:
        return o.start <= c.start <= o.end
    return min(c.end, o.end) > max(c.start, o.start)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(coding, min_size=1, max_size=30), st.integers(2, 3),
       st.sampled_from([0.5, 0.9, 1.0]))
def test_segment_level_matches_per_coding_loops(rows, coders, overlap) -> None:
    """The sort-and-sweep join gives the same units, values and disagreements as comparing
    every coding with every other one."""
    selection, data = _segment_data(rows, coders)
    level = segment_level(selection, data, overlap)
    expected_rows: dict[str, list[tuple[int, ...]]] = {k: [] for k in selection.categories}
    expected_disagreements = []
    for c in selection.codings:
        row = tuple(1 if j == c.coder else int(any(
            _covers(c, o, overlap) for o in selection.codings
            if o.coder == j and o.document == c.document and o.category == c.category))
            for j in selection.coders)
        expected_rows[c.category].append(row)
        if not all(row):
            seen = {j: sorted({o.category for o in selection.codings if o.coder == j
                               and o.document == c.document and _touches(c, o)},
                              key=selection.categories.index) for j in selection.coders}
            expected_disagreements.append((c.document, c.category, c.start, c.end, seen))
    for k, expected in expected_rows.items():
        assert sorted(map(tuple, level.categories[k].values.tolist())) == sorted(expected)
    index = {k: i for i, k in enumerate(selection.categories)}
    none = len(selection.categories)
    nominal = sorted(tuple(index[k] if v else none for v in row)
                     for k, rows_ in expected_rows.items() for row in rows_)
    assert sorted(map(tuple, level.overall.values.tolist())) == nominal
    assert [(d.document, d.category, d.start, d.end, d.coders)
            for d in level.disagreements] == expected_disagreements
