"""Span arithmetic for the levels in numpy: overlap joins by sort and sweep, coverage runs.

At 10^5 codings the levels' per-coding Python loops took tens of seconds; these functions do
the same work as array operations (docs/agreement.md, "Speed").
"""

from __future__ import annotations

import numpy as np

#: candidate pairs looked at per batch in `touching_pairs` (bounds its memory)
CANDIDATES = 2_000_000


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [lo, hi): the range number and the position of every member, flattened."""
    counts = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(lo, counts) + offsets


def touching_pairs(q_group: np.ndarray, q_start: np.ndarray, q_end: np.ndarray,
                   t_group: np.ndarray, t_start: np.ndarray, t_end: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (query, target) of the same group whose spans share a character; a query of
    zero length pairs with every target that contains its position, ends included.

    Targets are sorted by (group, start); a query's candidates start no earlier than its start
    minus the group's longest target and no later than its end, so the work is the number of
    candidates, not queries × targets (unless one target spans a whole transcript).
    """
    if len(q_group) == 0 or len(t_group) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    low = int(min(q_start.min(), t_start.min(), q_end.min(), t_end.min()))
    width = int(max(q_start.max(), t_start.max(), q_end.max(), t_end.max())) - low + 1
    groups = int(max(q_group.max(), t_group.max())) + 1
    longest = np.zeros(groups, dtype=np.int64)
    np.maximum.at(longest, t_group, np.maximum(t_end - t_start, 0))
    key = t_group * width + (t_start - low)
    order = np.argsort(key, kind="stable")
    keys = key[order]
    base = q_group * width
    first = np.searchsorted(keys, base + np.maximum(q_start - low - longest[q_group], 0), "left")
    last = np.searchsorted(keys, base + (np.maximum(q_start, q_end) - low), "right")
    # candidates in bounded batches: one span covering a whole transcript makes every unit of
    # that transcript a candidate of every other, which must not all be in memory at once
    total = np.cumsum(last - first)
    cuts = np.searchsorted(total, np.arange(CANDIDATES, int(total[-1]), CANDIDATES), "right")
    found_q, found_t = [], []
    for lo, hi in zip([0, *cuts.tolist()], [*cuts.tolist(), len(first)], strict=True):
        owner, at = expand_ranges(first[lo:hi], last[lo:hi])
        qi, ti = owner + lo, order[at]
        qs, qe, ts, te = q_start[qi], q_end[qi], t_start[ti], t_end[ti]
        shared = np.minimum(qe, te) - np.maximum(qs, ts) > 0
        point = (qe <= qs) & (ts <= qs) & (qs <= te)
        keep = shared | point
        found_q.append(qi[keep])
        found_t.append(ti[keep])
    return np.concatenate(found_q), np.concatenate(found_t)


def merged_unit_squares(group: np.ndarray, start: np.ndarray, end: np.ndarray,
                        groups: int) -> np.ndarray:
    """Per group, the sum of l² over its units: spans that overlap merge into one unit, spans
    that only touch stay two (one coder's unitization of one continuum has no overlaps)."""
    keep = end > start
    group, start, end = group[keep], start[keep], end[keep]
    out = np.zeros(groups)
    if len(group) == 0:
        return out
    order = np.lexsort((start, group))
    group, start, end = group[order], start[order], end[order]
    span = int(end.max()) + 1
    reach = np.maximum.accumulate(group * span + end) - group * span  # running end in group
    new = np.ones(len(group), dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (start[1:] >= reach[:-1])
    unit_start = start[new]
    unit_end = np.maximum.reduceat(end, np.nonzero(new)[0])
    np.add.at(out, group[new], (unit_end - unit_start).astype(np.float64) ** 2)
    return out


def coverage(group: np.ndarray, coder: np.ndarray, start: np.ndarray, end: np.ndarray,
             lengths: np.ndarray, coders: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                        np.ndarray]:
    """Cut each group's continuum [0, length) at every span end and say, per piece and coder,
    whether one of that coder's spans covers it.

    Returns the pieces' group, start and end and a [pieces, coders] 0/1 array; groups in
    `lengths` order, pieces in text order (spans are clipped to their group's length).
    """
    length = lengths[group]
    start = np.clip(start, 0, length)
    end = np.clip(end, 0, length)
    present = np.unique(group)
    width = int(lengths.max()) + 1 if len(lengths) else 1
    points = np.unique(np.concatenate([
        present * width, present * width + lengths[present],
        group * width + start, group * width + end]))
    delta = np.zeros((len(points), coders), dtype=np.int64)
    real = end > start
    np.add.at(delta, (np.searchsorted(points, (group * width + start)[real]), coder[real]), 1)
    np.add.at(delta, (np.searchsorted(points, (group * width + end)[real]), coder[real]), -1)
    depth = np.cumsum(delta, axis=0)[:-1]
    piece_group = points[:-1] // width
    same = piece_group == points[1:] // width
    return (piece_group[same], (points[:-1] % width)[same], (points[1:] % width)[same],
            (depth[same] > 0).astype(np.int64))


def runs(group: np.ndarray, start: np.ndarray, end: np.ndarray, values: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Maximal stretches of adjacent pieces of one group with the same mixed row (coders
    differ): group, start, end and the row of each."""
    mixed = values.min(axis=1) != values.max(axis=1)
    if not mixed.any():
        return (np.zeros(0, dtype=np.int64),) * 3 + (np.zeros((0, values.shape[1]),
                                                                dtype=np.int64),)
    same_as_previous = np.zeros(len(group), dtype=bool)
    same_as_previous[1:] = ((group[1:] == group[:-1]) & (start[1:] == end[:-1])
                            & (values[1:] == values[:-1]).all(axis=1) & mixed[:-1])
    begins = mixed & ~same_as_previous
    run = np.cumsum(begins) - 1
    first = np.nonzero(begins)[0]
    last_end = np.zeros(len(first), dtype=np.int64)
    np.maximum.at(last_end, run[mixed], end[mixed])
    return group[first], start[first], last_end, values[first]
