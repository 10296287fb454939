"""The raters' agreement (datasets/audience/agreement.py) against published and hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from videoaffect.datasets.audience.agreement import agreement, flags, icc2, pearson

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges; their Table 4 gives
# ICC(2,1) = .29 and ICC(2,4) = .62 (and ICC(3,1) = .71, ICC(1,1) = .17, which other forms give).
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
                         dtype=float)


def test_icc2_matches_shrout_and_fleiss_table_4():
    single, mean_of_k = icc2(SHROUT_FLEISS)
    assert single == pytest.approx(0.29, abs=0.005) and mean_of_k == pytest.approx(0.62, abs=0.005)
    # worked by hand: sum of x^2 841, total 127, so SS total 841 - 127^2/24 = 168.958; SS between
    # targets 4 x 14.0521 = 56.2083, between judges 6 x 16.2431 = 97.4583, residual 15.2917
    msr, msc, mse = 56.2083 / 5, 97.4583 / 3, 15.2917 / 15
    assert single == pytest.approx((msr - mse) / (msr + 3 * mse + 4 * (msc - mse) / 6), rel=1e-4)


def test_icc2_is_one_for_identical_raters_and_absolute_agreement_penalises_an_offset():
    x = np.linspace(-1, 1, 30)[:, None]
    same = icc2(np.hstack([x, x, x]))
    assert same == pytest.approx((1.0, 1.0))
    shifted = icc2(np.hstack([x, x + 0.5]))
    assert shifted[0] < 0.9  # absolute agreement: a rater 0.5 higher on every second disagrees
    assert icc2(np.ones((5, 3))) is None and icc2(x) is None  # no variance; one rater


def test_pearson_and_undefined_for_a_constant_rater():
    a = np.array([0.0, 0.5, 1.0, 0.2])
    assert pearson(a, 2 * a + 1) == pytest.approx(1.0) and pearson(a, -a) == pytest.approx(-1.0)
    assert pearson(a, np.full(4, 0.3)) is None


def test_flag_rule_robust_cut_and_negative_r():
    # median 0.55, MAD 0.05 -> spread max(0.074, 0.1) = 0.1, cut 0.35: 0.3 is flagged, 0.5 is not
    assert flags([0.6, 0.65, 0.55, 0.5, 0.3]) == [False, False, False, False, True]
    # near-identical raters: the spread's floor keeps 0.76 unflagged beside 0.95-0.96 (cut 0.7525)
    assert flags([0.95, 0.96, 0.955, 0.76]) == [False, False, False, False]
    # a wide spread widens the cut: median 0.4, MAD 0.3 -> spread 0.445, cut -0.49; only r < 0 flags
    assert flags([0.3, 0.5, 0.7, 0.9, 0.1, -0.05]) == [False, False, False, False, False, True]
    assert flags([0.4, -0.1]) == [False, True]  # two raters: only r below 0 flags
    assert flags([None, 0.5, 0.5]) == [False, False, False]


def test_agreement_report_on_the_seconds_every_rater_covered():
    rng = np.random.default_rng(0)
    signal = np.sin(np.linspace(0, 6, 60))
    x = np.vstack([signal + 0.1 * rng.standard_normal(60) for _ in range(3)] + [rng.standard_normal(60)])
    x[0, :5] = np.nan  # the first rater started 5 s late
    rep = agreement(["a", "b", "c", "noise"], x)
    assert rep["seconds_compared"] == 55 and len(rep["pairwise_r"]) == 6
    assert [r["flagged"] for r in rep["per_rater"]] == [False, False, False, True]
    assert rep["icc"]["form"] == "ICC(2,1)" and 0 < rep["icc"]["value"] < rep["icc"]["mean_of_raters_value"] < 1
    assert rep["notes"] == []
    # most raters against the rest: said in a note, not only flagged one by one
    other = np.cos(np.linspace(0, 6, 60))  # each rater's rest is the opposite of that rater: r -1 for all
    crowd = agreement(["a", "b", "c", "d"], np.vstack([signal, other, -signal, -other]))
    assert all(r["flagged"] for r in crowd["per_rater"]) and "4 of 4 raters are flagged" in crowd["notes"][0]
    single = agreement(["a"], x[1:2])
    assert single["mean_pairwise_r"] is None and single["icc"]["value"] is None and single["notes"]
