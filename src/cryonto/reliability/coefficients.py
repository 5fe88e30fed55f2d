"""Agreement coefficients as pure numpy functions over compressed reliability data.

Reliability data are a table of units × coders with integer values (``-1`` =
the coder gave no value). Identical rows are compressed into *patterns* with a
weight (how many units, or how many characters, show that pattern), so a
coefficient costs the same for 10 units as for 10^7 characters, and a bootstrap
replicate is just another weight vector: every function here accepts weights of
shape ``[P]`` or ``[B, P]`` and returns a float or an array of ``B`` values.
An undefined value is ``nan``; `reason` says why in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: JSON names of the coefficients, in report order
NAMES = ("agreement", "cohen_kappa", "brennan_prediger", "krippendorff_alpha", "fleiss_kappa",
         "gwet_ac1", "unitized_alpha")


@dataclass(frozen=True)
class Patterns:
    """Distinct rows of reliability data with per-value counts, ready for weighting."""

    values: np.ndarray  # [P, C] int, -1 missing
    counts: np.ndarray  # [P, K] how many coders gave value k
    q: int  # number of possible values (K)

    @property
    def raters(self) -> np.ndarray:
        return self.counts.sum(axis=1)


def patterns(values: np.ndarray, q: int | None = None) -> Patterns:
    """Per-value counts of each row; `q` is the number of possible values (default: observed)."""
    values = np.asarray(values, dtype=np.int64)
    if values.ndim != 2:
        raise ValueError("reliability data must be units × coders")
    k = int(values.max()) + 1 if values.size and values.max() >= 0 else 0
    q = max(q if q is not None else k, k)
    counts = np.zeros((values.shape[0], q), dtype=np.float64)
    for column in values.T:
        present = column >= 0
        counts[np.nonzero(present)[0], column[present]] += 1
    return Patterns(values, counts, q)


def compress(values: np.ndarray, weights: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique rows, their summed weights and each input row's pattern index."""
    values = np.asarray(values, dtype=np.int64)
    weights = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(values) == 0:
        return values.reshape(0, values.shape[1] if values.ndim == 2 else 0), np.zeros(0), \
            np.zeros(0, dtype=np.int64)
    unique, inverse = np.unique(values, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return unique, np.bincount(inverse, weights=weights, minlength=len(unique)), inverse


def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _kappa(pa, pe):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(pe, 1.0, rtol=0, atol=1e-12) | np.isnan(pe), np.nan,
                        (pa - pe) / np.where(np.isclose(pe, 1.0, rtol=0, atol=1e-12), 1, 1 - pe))


def _pair_agreement(p: Patterns) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern: share of agreeing coder pairs, and whether two or more coders rated it."""
    m = p.raters
    rated = m >= 2
    agree = (p.counts * (p.counts - 1)).sum(axis=1)
    return np.where(rated, agree / np.where(rated, m * (m - 1), 1), 0.0), rated


def percent_agreement(p: Patterns, w) -> np.ndarray:
    """Share of agreeing coder pairs over units rated by two or more (two coders: equal values)."""
    share, rated = _pair_agreement(p)
    w = np.asarray(w, dtype=np.float64)
    return _ratio(w @ (share * rated), w @ rated.astype(float))


def _pi(p: Patterns, w) -> np.ndarray:
    """Fleiss/Gwet category propensities: mean over rated units of each unit's value shares."""
    m = p.raters
    rated = m >= 1
    shares = np.where(rated[:, None], p.counts / np.where(rated, m, 1)[:, None], 0.0)
    w = np.asarray(w, dtype=np.float64)
    return _ratio(w @ shares, (w @ rated.astype(float))[..., None])


def fleiss_kappa(p: Patterns, w) -> np.ndarray:
    """Fleiss' κ (Gwet's form for unequal numbers of raters per unit)."""
    pi = _pi(p, w)
    return _kappa(percent_agreement(p, w), (pi ** 2).sum(axis=-1))


def gwet_ac1(p: Patterns, w) -> np.ndarray:
    """Gwet's AC1: chance agreement from how often values are hard to tell apart."""
    if p.q < 2:
        return np.full(np.shape(np.asarray(w))[:-1], np.nan)
    pi = _pi(p, w)
    pe = (pi * (1 - pi)).sum(axis=-1) / (p.q - 1)
    return _kappa(percent_agreement(p, w), pe)


def brennan_prediger(p: Patterns, w, q: int | None = None) -> np.ndarray:
    """Brennan & Prediger's κn: chance agreement 1/q for q equally likely values."""
    q = p.q if q is None else q
    pa = percent_agreement(p, w)
    if q < 2:
        return np.full(np.shape(pa), np.nan)
    return (pa - 1 / q) / (1 - 1 / q)


def cohen_kappa(p: Patterns, w) -> np.ndarray:
    """Cohen's κ for two coders, over the units both coded."""
    if p.values.shape[1] != 2:
        return np.full(np.shape(np.asarray(w))[:-1], np.nan)
    a, b = p.values[:, 0], p.values[:, 1]
    both = (a >= 0) & (b >= 0)
    w = np.asarray(w, dtype=np.float64)
    n = w @ both.astype(float)
    pa = _ratio(w @ (both & (a == b)).astype(float), n)
    onehot_a = np.zeros((len(a), p.q))
    onehot_b = np.zeros((len(b), p.q))
    onehot_a[np.nonzero(both)[0], a[both]] = 1
    onehot_b[np.nonzero(both)[0], b[both]] = 1
    pe = (_ratio(w @ onehot_a, n[..., None]) * _ratio(w @ onehot_b, n[..., None])).sum(axis=-1)
    return _kappa(pa, pe)


def _observed(p: Patterns, w) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairable values, values per category and observed disagreement, as α needs them."""
    m = p.raters
    pairable = m >= 2
    w = np.asarray(w, dtype=np.float64) * pairable
    disagree = np.where(pairable, (m ** 2 - (p.counts ** 2).sum(axis=1))
                        / np.where(pairable, m - 1, 1), 0.0)
    n_total = w @ m
    return n_total, w @ p.counts, _ratio(w @ disagree, n_total)


def krippendorff_alpha(p: Patterns, w) -> np.ndarray:
    """Krippendorff's α, nominal metric, any number of coders, missing values allowed."""
    n_total, n_k, d_o = _observed(p, w)
    d_e = _ratio(n_total ** 2 - (n_k ** 2).sum(axis=-1), n_total * (n_total - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d_e > 0, 1 - d_o / np.where(d_e > 0, d_e, 1), np.nan)


def unitized_alpha(p: Patterns, w, unit_squares) -> np.ndarray:
    """Krippendorff's uα for a binary continuum (value 0 = gap, 1 = inside a coded unit).

    Krippendorff, Mathet, Bouvry & Widlöcher (2016): observed coincidences are the lengths of
    intersecting sections (the per-character ones); in the expected coincidences a coded unit
    of length l cannot pair with itself, which removes l² (a gap, being divisible, removes l).
    `unit_squares` is the sum of l² over every coder's units (scalar, or one per replicate).
    """
    n_total, n_k, d_o = _observed(p, w)
    self_pairs = n_k[..., 0] + np.asarray(unit_squares, dtype=np.float64)
    d_e = _ratio(n_total ** 2 - (n_k ** 2).sum(axis=-1), n_total ** 2 - self_pairs)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d_e > 0, 1 - d_o / np.where(d_e > 0, d_e, 1), np.nan)


def compute(p: Patterns, w, chance_q: int | None = None,
            unit_squares=None) -> dict[str, np.ndarray]:
    """Every coefficient that applies to these data (Cohen's for two coders, Fleiss' for more;
    uα when the data are a binary continuum and `unit_squares` is given)."""
    out = {"agreement": percent_agreement(p, w)}
    if p.values.shape[1] == 2:
        out["cohen_kappa"] = cohen_kappa(p, w)
    out["brennan_prediger"] = brennan_prediger(p, w, chance_q)
    out["krippendorff_alpha"] = krippendorff_alpha(p, w)
    if p.values.shape[1] > 2:
        out["fleiss_kappa"] = fleiss_kappa(p, w)
    out["gwet_ac1"] = gwet_ac1(p, w)
    if unit_squares is not None:
        out["unitized_alpha"] = unitized_alpha(p, w, unit_squares)
    return out


def reason(name: str, p: Patterns, w, chance_q: int | None = None) -> str:
    """Why a coefficient is undefined on these data, in one phrase."""
    w = np.asarray(w, dtype=np.float64)
    m = p.raters
    if w.sum() == 0:
        return "no units"
    if w @ (m >= 2) == 0:
        return "no unit was coded by two or more coders"
    if name == "brennan_prediger" and (chance_q if chance_q is not None else p.q) < 2:
        return "fewer than two possible values"
    if name == "gwet_ac1" and p.q < 2:
        return "fewer than two possible values"
    observed = (w @ p.counts) > 0
    if observed.sum() < 2:
        return "every unit got the same value from every coder (chance agreement is 1)"
    return "chance agreement is 1 (each coder used a single value throughout)"
