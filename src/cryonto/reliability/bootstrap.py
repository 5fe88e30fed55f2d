"""Point estimates and seeded percentile-bootstrap intervals for one `Table`.

Units are resampled with replacement (document and segment levels); at the
unitized level, where neighbouring characters are not independent, whole
transcripts are resampled instead. Replicates are weight vectors over the
table's distinct patterns, so B replicates cost one matrix product per
coefficient rather than B passes over the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cryonto.reliability.coefficients import compress, compute, patterns, reason
from cryonto.reliability.units import Table

CONFIDENCE = 0.95


@dataclass
class Figures:
    """The coefficients for one category (or overall): value, why undefined, 95 % interval."""

    units: int
    values: dict[str, float | None]
    reasons: dict[str, str] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float] | None] = field(default_factory=dict)


def _replicate_weights(table: Table, inverse: np.ndarray, n_patterns: int, replicates: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """Pattern weights [B, P] of each replicate and, at the unitized level, its sum of l²."""
    if table.clusters is None:
        total = int(np.rint(table.weights.sum()))
        share = np.bincount(inverse, weights=table.weights, minlength=n_patterns) / total
        drawn = rng.multinomial(total, share / share.sum(), size=replicates)
        return drawn.astype(np.float64), None
    groups, cluster = np.unique(table.clusters, return_inverse=True)
    by_cluster = np.zeros((len(groups), n_patterns))
    np.add.at(by_cluster, (cluster.reshape(-1), inverse), table.weights)
    drawn = rng.multinomial(len(groups), np.full(len(groups), 1 / len(groups)),
                            size=replicates).astype(np.float64)
    squares = None if table.unit_squares is None else drawn @ table.unit_squares[groups]
    return drawn @ by_cluster, squares


def figures(table: Table, replicates: int = 0, rng: np.random.Generator | None = None
            ) -> Figures:
    """Every coefficient for a table, with reasons for undefined ones and, if asked, intervals."""
    unique, weights, inverse = compress(table.values, table.weights)
    p = patterns(unique, table.q)
    squares = None if table.unit_squares is None else float(table.unit_squares.sum())
    point = compute(p, weights, table.chance_q, squares)
    values: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for name, value in point.items():
        number = float(value)
        values[name] = number if np.isfinite(number) else None
        if values[name] is None:
            reasons[name] = reason(name, p, weights, table.chance_q)
    result = Figures(round(float(weights.sum())), values, reasons)
    if replicates > 0 and len(unique):
        rng = rng or np.random.default_rng(0)
        w, replicate_squares = _replicate_weights(table, inverse, len(unique), replicates, rng)
        tail = (1 - CONFIDENCE) / 2 * 100
        for name, draws in compute(p, w, table.chance_q, replicate_squares).items():
            finite = np.asarray(draws)[np.isfinite(draws)]
            if values[name] is None or len(finite) == 0:
                result.intervals[name] = None
                continue
            low, high = np.percentile(finite, [tail, 100 - tail])
            result.intervals[name] = (float(low), float(high))
    return result
