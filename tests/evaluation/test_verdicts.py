"""The project's one verdict rule (evaluation/verdicts.py), on hand-computed cases: ours -
reference paired by seed, averaged over seeds, a 95 % percentile interval from resampling films,
"beats" / "loses to" only when it excludes 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from videoaffect.evaluation.metrics import mse, pearson
from videoaffect.evaluation.verdicts import MIN_GROUPS, compare, judge, metric_by_weights, signed

PER_FILM = 10


def _films(per_film_predictions: list[float], n_films: int = 6) -> tuple[np.ndarray, list[str]]:
    """One constant prediction per film of PER_FILM excerpts."""
    pred = np.repeat(np.asarray(per_film_predictions, dtype=np.float64), PER_FILM)
    return pred, [f"film{g}" for g in range(n_films) for _ in range(PER_FILM)]


def test_the_rule_reads_the_interval():
    assert judge(-0.3, -0.1, lower_is_better=True) == "beats"  # MSE lower on every resample
    assert judge(0.1, 0.3, lower_is_better=True) == "loses to"
    assert judge(0.1, 0.3, lower_is_better=False) == "beats"  # r higher on every resample
    assert judge(-0.3, -0.1, lower_is_better=False) == "loses to"
    for low, high in ((-0.1, 0.1), (-0.2, 0.0), (0.0, 0.2)):  # 0 inside or on the edge: not excluded
        assert judge(low, high, lower_is_better=True) == judge(low, high, lower_is_better=False) == "level with"
    # a bound that excludes 0 is never printed as 0.000
    assert (signed(0.0213), signed(0.00042), signed(-0.00042), signed(0.0)) == ("+0.021", "+4.2e-04", "-4.2e-04",
                                                                               "+0.000")


def test_better_on_every_film_beats_with_a_degenerate_interval():
    truth = np.zeros(6 * PER_FILM)
    ours, films = _films([0.0] * 6)  # MSE 0 in every film
    ref, _ = _films([1.0] * 6)  # MSE 1 in every film
    c = compare(ours, ref, truth, films, "mse")
    # every resample of films gives 0 - 1
    assert (c.difference, c.low, c.high, c.verdict) == (-1.0, -1.0, -1.0, "beats")
    assert (c.seeds, c.groups, c.resamples) == (1, 6, 2000)
    assert c.text() == "MSE beats it (-1.000, 95 % interval -1.000 to -1.000)"
    assert compare(ref, ours, truth, films, "mse").verdict == "loses to"


def test_an_interval_that_excludes_zero_beats():
    # Film MSE differences: -2 in five films, +1 in one.  A resample draws 6 films; with k copies of
    # the sixth (k ~ Binomial(6, 1/6)) the difference is (k - 2 (6 - k)) / 6 = (3k - 12) / 6.
    # P(k <= 2) = 0.938, P(k <= 3) = 0.991, so the 97.5th percentile is at k = 3: -0.5 < 0;
    # P(k = 0) = 0.335, so the 2.5th is at k = 0: -2.
    truth = np.zeros(6 * PER_FILM)
    ours, films = _films([0.0] * 5 + [1.0])
    ref, _ = _films([math.sqrt(2.0)] * 5 + [0.0])
    c = compare(ours, ref, truth, films, "mse")
    assert c.difference == pytest.approx((5 * -2.0 + 1.0) / 6)
    assert (c.low, c.high) == pytest.approx((-2.0, -0.5))
    assert c.verdict == "beats"


def test_an_interval_that_includes_zero_is_level_even_when_every_seed_favours_ours():
    # Film MSE differences: -1 in five films, +1 in one: (2k - 6) / 6 per resample, 97.5th
    # percentile at k = 3: exactly 0, so the interval [-1, 0] does not exclude 0.  The three seeds
    # agree (std 0): the rule of 0.5.x (mean difference beyond its std over seeds) said "beats".
    truth = np.zeros(6 * PER_FILM)
    one, films = _films([0.0] * 5 + [1.0])
    ours = np.stack([one, one, one])
    ref = np.stack([_films([1.0] * 5 + [0.0])[0]] * 3)
    c = compare(ours, ref, truth, films, "mse")
    assert c.difference == pytest.approx(-4.0 / 6)
    assert (c.low, c.high) == pytest.approx((-1.0, 0.0))
    assert c.verdict == "level with" and c.seeds == 3


def test_a_reference_with_no_spread_over_seeds_does_not_lose_automatically():
    # The training mean: one constant prediction (0), paired with each of ours' three seeds; truth 1
    # everywhere, so its MSE is 1 in every film.  Ours' film MSE differences: +0.5 in three films,
    # -0.6 in three: a mean advantage of 0.05, identical for every seed (std 0: the old rule said
    # "beats").  With j draws from the +0.5 films (j ~ Binomial(6, 1/2)) a resample's difference is
    # (0.5 j - 0.6 (6 - j)) / 6: 2.5th percentile at j = 1 (P(j = 0) = 1/64), -0.41667; 97.5th at
    # j = 5 (P(j <= 4) = 57/64, P(j <= 5) = 63/64), +0.31667.
    truth = np.ones(6 * PER_FILM)
    worse, better = 1.0 - math.sqrt(1.5), 1.0 - math.sqrt(0.4)  # film MSE 1.5 and 0.4
    one, films = _films([worse, better] * 3)
    mean_row = np.zeros((1, truth.size))
    c = compare(np.stack([one] * 3), mean_row, truth, films, "mse")
    assert c.difference == pytest.approx(-0.05)
    assert (c.low, c.high) == pytest.approx((-2.5 / 6, 1.9 / 6))
    assert c.verdict == "level with"
    # the mean's r is undefined: no r comparison at all rather than a made-up one
    assert compare(np.stack([one] * 3), mean_row, np.arange(truth.size, dtype=float), films, "pearson") is None


def test_seeds_are_paired_and_averaged():
    truth = np.zeros(6 * PER_FILM)
    ours = np.stack([_films([0.0] * 6)[0], _films([0.5] * 6)[0]])  # MSE 0 and 0.25
    ref = np.stack([_films([1.0] * 6)[0], _films([0.5 ** 0.5] * 6)[0]])  # MSE 1 and 0.5
    films = _films([0.0] * 6)[1]
    c = compare(ours, ref, truth, films, "mse")
    assert c.difference == pytest.approx(((0.0 - 1.0) + (0.25 - 0.5)) / 2)  # seed by seed, then the mean
    one_ref = compare(ours, ref[:1], truth, films, "mse")  # one reference row: paired with both seeds
    assert one_ref.difference == pytest.approx(((0.0 - 1.0) + (0.25 - 1.0)) / 2)
    with pytest.raises(ValueError, match="paired row by row"):
        compare(np.stack([ours[0]] * 3), ref, truth, films, "mse")


def test_pearson_r_better_on_every_film_beats_and_too_few_films_give_no_verdict():
    rng = np.random.default_rng(3)
    truth = rng.normal(size=6 * PER_FILM)
    ours = truth + 0.1 * rng.normal(size=truth.size)
    ref = rng.normal(size=truth.size)
    films = _films([0.0] * 6)[1]
    c = compare(ours, ref, truth, films, "pearson")
    assert c.difference == pytest.approx(pearson(ours, truth) - pearson(ref, truth))
    assert c.verdict == "beats" and c.low > 0
    few = [f"film{i % (MIN_GROUPS - 1)}" for i in range(truth.size)]
    c = compare(ours, ref, truth, few, "pearson")
    assert c.verdict == "no verdict" and math.isnan(c.low)
    assert "too few to resample" in c.text()


def test_film_weights_equal_the_metric_on_the_resample_written_out():
    rng = np.random.default_rng(0)
    sizes = [3, 5, 2, 4]
    codes = np.repeat(np.arange(4), sizes)
    truth, pred = rng.normal(size=codes.size), rng.normal(size=codes.size)
    weights = np.array([[1, 1, 1, 1], [2, 0, 1, 1], [0, 3, 0, 1]], dtype=float)
    for metric, fn in (("mse", mse), ("pearson", pearson)):
        got = metric_by_weights(pred, truth, codes, 4, weights, metric)
        for row, w in zip(got, weights):
            take = np.concatenate([np.flatnonzero(codes == g) for g in range(4) for _ in range(int(w[g]))])
            assert row == pytest.approx(fn(pred[take], truth[take]), rel=1e-12)
