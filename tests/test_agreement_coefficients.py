"""Every coefficient against independent implementations (to 1e-9) and published examples."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from irrCAC.raw import CAC
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from cryonto.reliability.bootstrap import figures
from cryonto.reliability.coefficients import compress, compute, patterns
from cryonto.reliability.units import Table

TOL = 1e-9


def ours(values: np.ndarray, q: int | None = None) -> dict[str, float]:
    unique, weights, _ = compress(values)
    return {k: float(v) for k, v in compute(patterns(unique, q), weights).items()}


def irr(values: np.ndarray, q: int) -> CAC:
    frame = pd.DataFrame(np.where(values >= 0, values, np.nan))
    return CAC(frame, categories=list(range(q)), digits=15)


def close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOL


def reliability(coders: int, missing: bool):
    value = st.integers(0, 3) if not missing else st.integers(-1, 3)
    return st.lists(st.lists(value, min_size=coders, max_size=coders), min_size=2, max_size=60)


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(reliability(2, missing=False))
def test_two_coders_against_sklearn_irrcac_krippendorff(rows) -> None:
    values = np.array(rows)
    q = 4
    got = ours(values, q)
    assert close(got["agreement"], float(np.mean(values[:, 0] == values[:, 1])))
    if len(set(values.ravel())) > 1:
        with np.errstate(all="ignore"):
            expected = cohen_kappa_score(values[:, 0], values[:, 1])
        assert close(got["cohen_kappa"], float(expected))
        assert close(got["krippendorff_alpha"], krippendorff.alpha(
            values.T.astype(float), level_of_measurement="nominal"))
    cac = irr(values, q)
    assert close(got["brennan_prediger"], cac.bp()["est"]["coefficient_value"])
    assert close(got["gwet_ac1"], cac.gwet()["est"]["coefficient_value"])


@SETTINGS
@given(reliability(3, missing=False))
def test_three_coders_against_statsmodels_and_irrcac(rows) -> None:
    values = np.array(rows)
    q = 4
    got = ours(values, q)
    table, _ = aggregate_raters(values, n_cat=q)
    with np.errstate(all="ignore"):
        fleiss = fleiss_kappa(table, method="fleiss")
    if np.isfinite(fleiss):
        assert close(got["fleiss_kappa"], float(fleiss))
    assert close(got["brennan_prediger"], float(fleiss_kappa(table, method="randolph")))
    cac = irr(values, q)
    assert close(got["gwet_ac1"], cac.gwet()["est"]["coefficient_value"])
    assert close(got["agreement"], cac.gwet()["est"]["pa"])
    if len(set(values.ravel())) > 1:
        assert close(got["krippendorff_alpha"], krippendorff.alpha(
            values.T.astype(float), level_of_measurement="nominal"))
    assert "cohen_kappa" not in got


@SETTINGS
@given(reliability(3, missing=True))
def test_missing_values_against_krippendorff_and_irrcac(rows) -> None:
    values = np.array(rows)
    rated = (values >= 0).sum(axis=1)
    values = values[rated >= 1]
    if (rated >= 2).sum() == 0 or len(set(values[values >= 0].ravel())) < 2:
        return
    got = ours(values, 4)
    data = np.where(values >= 0, values, np.nan).T.astype(float)
    assert close(got["krippendorff_alpha"], krippendorff.alpha(
        data, level_of_measurement="nominal"))
    if len(values) < 2:  # irrCAC's variance divides by n(n-1): one unit crashes it
        return
    cac = irr(values, 4)
    for name, method in (("fleiss_kappa", cac.fleiss), ("gwet_ac1", cac.gwet),
                         ("brennan_prediger", cac.bp)):
        expected = method()["est"]["coefficient_value"]
        if np.isfinite(expected) and np.isfinite(got[name]):
            assert close(got[name], expected), name


@SETTINGS
@given(reliability(2, missing=False), st.lists(st.integers(1, 5), min_size=60, max_size=60))
def test_weights_equal_repeated_units(rows, repeats) -> None:
    """A pattern weight of n is the same as n identical units (how characters are counted)."""
    values = np.array(rows)
    weights = np.array(repeats[: len(values)], dtype=float)
    expanded = np.repeat(values, repeats[: len(values)], axis=0)
    a = compute(patterns(values, 4), weights)
    b = ours(expanded, 4)
    for name, value in a.items():
        assert close(float(value), b[name]), name


# -- published worked examples ---------------------------------------------------------

#: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: nominal data,
#: 4 observers, 12 units, missing values (None); published nominal alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_krippendorff_2011_nominal_example() -> None:
    values = np.array([[-1 if v is None else v - 1 for v in row]
                       for row in KRIPPENDORFF_2011]).T
    assert round(ours(values)["krippendorff_alpha"], 3) == 0.743


def _from_contingency(table: list[list[int]]) -> np.ndarray:
    return np.array([[i, j] for i, row in enumerate(table) for j, n in enumerate(row)
                     for _ in range(n)])


#: Gwet's irrCAC README (https://github.com/kgwet/irrCAC/blob/master/README.md, also the CRAN
#: vignette https://cran.r-project.org/web/packages/irrCAC/vignettes/overview.html), section
#: "Computing agreement Coefficients from Contingency tables": 100 pregnancies classified by two
#: abstractors (Ectopic, AIU, NIU). Published: kappa2.table 0.7964094, bp2.table 0.835,
#: pa2.table 0.89, gwet.ac1.table 0.8493305, krippen2.table 0.7972585.
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]


def test_gwet_abstractors_example_published_values() -> None:
    """Published in Gwet's irrCAC README, https://github.com/kgwet/irrCAC/blob/master/README.md
    (and the CRAN vignette), section "Computing agreement Coefficients from Contingency tables":
    bp2.table(cont3x3abstractors) = 0.835, kappa2.table 0.7964094, pa2.table 0.89."""
    got = ours(_from_contingency(ABSTRACTORS), 3)
    assert abs(got["cohen_kappa"] - 0.7964094) < 5e-8
    assert abs(got["agreement"] - 0.89) < TOL
    assert abs(got["brennan_prediger"] - 0.835) < TOL
    assert abs(got["gwet_ac1"] - 0.8493305) < 5e-8
    assert abs(got["krippendorff_alpha"] - 0.7972585) < 5e-8


#: Same README, section "Computing agreement coefficients from raw ratings": the dataset
#: cac.raw4raters (4 raters, 12 subjects, ratings 1-5, NA = not rated), printed there verbatim.
#: Published bp.coeff.raw: pa 0.8181818, pe 0.2, Brennan-Prediger 0.77273 (5 decimals);
#: fleiss.kappa.raw 0.76117, gwet.ac1.raw 0.77544, krippen.alpha.raw 0.74342.
CAC_RAW4RATERS = [  # rows = subjects, columns = Rater1..Rater4
    [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1],
    [None, None, 3, None]]


def test_irrcac_raw4raters_published_brennan_prediger() -> None:
    """Published in Gwet's irrCAC README, https://github.com/kgwet/irrCAC/blob/master/README.md,
    section "Computing agreement coefficients from raw ratings": bp.coeff.raw(cac.raw4raters)
    prints pa 0.8181818, pe 0.2, coeff.val 0.77273."""
    values = np.array([[-1 if v is None else v - 1 for v in row] for row in CAC_RAW4RATERS])
    got = ours(values, 5)
    assert abs(got["agreement"] - 0.8181818) < 5e-8
    assert round(got["brennan_prediger"], 5) == 0.77273
    assert round(got["fleiss_kappa"], 5) == 0.76117
    assert round(got["gwet_ac1"], 5) == 0.77544
    assert round(got["krippendorff_alpha"], 5) == 0.74342
    # the installed reference package, on its own copy of the dataset, agrees
    from irrCAC.datasets import raw_4raters

    reference = CAC(raw_4raters(), digits=15).bp()["est"]
    assert abs(reference["coefficient_value"] - got["brennan_prediger"]) < TOL
    assert reference["pe"] == 0.2


#: Same README, section "Computing agreement coefficients from the distribution of raters by
#: subject & category": distrib.6raters (Fleiss 1971: 6 psychiatrists, 15 patients, 5
#: diagnoses), counts of raters per category. Published bp.coeff.dist: pa 0.5511111, pe 0.2,
#: Brennan-Prediger 0.4388889; fleiss.kappa.dist 0.4139265; gwet.ac1.dist 0.4448007;
#: krippen.alpha.dist 0.4204384.
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1]]


def test_irrcac_distrib_6raters_published_brennan_prediger() -> None:
    """Published in Gwet's irrCAC README, https://github.com/kgwet/irrCAC/blob/master/README.md,
    section "Computing agreement coefficients from the distribution of raters by subject &
    category": bp.coeff.dist(distrib.6raters) prints coeff 0.4388889, pa 0.5511111, pe 0.2."""
    values = np.array([[k for k, n in enumerate(row) for _ in range(n)]
                       for row in DISTRIB_6RATERS])
    got = ours(values, 5)
    assert abs(got["agreement"] - 0.5511111) < 5e-8
    assert abs(got["brennan_prediger"] - 0.4388889) < 5e-8
    assert abs(got["fleiss_kappa"] - 0.4139265) < 5e-8
    assert abs(got["gwet_ac1"] - 0.4448007) < 5e-8
    assert abs(got["krippendorff_alpha"] - 0.4204384) < 5e-8
    table, _ = aggregate_raters(values, n_cat=5)
    assert abs(float(fleiss_kappa(table, method="randolph")) - got["brennan_prediger"]) < TOL


#: Brennan & Prediger (1981), "Coefficient kappa: some uses, misuses, and alternatives",
#: Educational and Psychological Measurement 41(3), 687-699: the two 3x3 tables of proportions
#: on p. 689 and p. 691 (scaled to 100 units), as transcribed with their published values in
#: DKPro Statistics' BrennanPrediger1981Test (https://github.com/dkpro/dkpro-statistics/blob/
#: master/dkpro-statistics-agreement/src/test/java/org/dkpro/statistics/agreement/coding/
#: BrennanPrediger1981Test.java). Rows: first rater's value, columns: the second's.
BRENNAN_PREDIGER_1981 = {
    "p. 689": ([[50, 0, 0], [10, 10, 10], [20, 0, 0]], 0.60, 0.27, 0.40),
    "p. 691": ([[50, 0, 10], [0, 10, 10], [10, 10, 0]], 0.60, 0.29, 0.40),
}


@pytest.mark.parametrize("page", sorted(BRENNAN_PREDIGER_1981))
def test_brennan_prediger_1981_published_examples(page: str) -> None:
    """Brennan & Prediger's own examples (1981, pp. 689 and 691): observed agreement .60,
    Cohen's kappa .27 and .29, their kappa-n with q = 3 categories .40 (two decimals, as
    published); irrCAC gives the same kappa-n."""
    table, observed, kappa, kappa_n = BRENNAN_PREDIGER_1981[page]
    values = _from_contingency(table)
    got = ours(values, 3)
    assert round(got["agreement"], 2) == observed
    assert round(got["cohen_kappa"], 2) == kappa
    assert round(got["brennan_prediger"], 2) == kappa_n
    reference = irr(values, 3).bp()["est"]["coefficient_value"]
    assert abs(reference - got["brennan_prediger"]) < TOL


# -- undefined values and intervals ----------------------------------------------------

def test_undefined_is_none_with_a_reason() -> None:
    table = Table(np.array([[0, 0], [0, 0], [0, 0]]), np.ones(3), None, 2)
    result = figures(table)
    assert result.values["cohen_kappa"] is None
    assert result.values["krippendorff_alpha"] is None
    assert "same value" in result.reasons["cohen_kappa"]
    assert result.values["agreement"] == 1.0
    assert result.values["brennan_prediger"] == 1.0


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 2, size=(200, 2))
    values[:150, 1] = values[:150, 0]
    table = Table(values, np.ones(200), None, 2)
    one = figures(table, 500, np.random.default_rng(3))
    two = figures(table, 500, np.random.default_rng(3))
    other = figures(table, 500, np.random.default_rng(4))
    assert one.intervals == two.intervals
    assert one.intervals != other.intervals
    for name, value in one.values.items():
        low, high = one.intervals[name]
        assert low <= value <= high, name
        assert high - low < 0.3, name


def test_cluster_bootstrap_resamples_whole_transcripts() -> None:
    """With one transcript per cluster, every replicate is the whole table or a copy of it."""
    values = np.array([[1, 1], [0, 1], [0, 0]])
    table = Table(values, np.array([10.0, 5.0, 85.0]), np.zeros(3, dtype=int), 2)
    result = figures(table, 50, np.random.default_rng(0))
    for name, value in result.values.items():
        assert result.intervals[name] == pytest.approx((value, value)), name
