"""The confidence band's rules: calibration covers the stated share of the calibration seconds by
construction (pooled rules), the conformal rule weighs movies equally with its finite-sample
correction (hand-computed), the interval holds the prediction, and the warnings fire when they must."""

import numpy as np
import pytest

from videoaffect.models.band import MIN_CALIBRATION_MOVIES, BandCalibration, member_spread
from videoaffect.models.band import calibrate_band as calibrate_mean
from videoaffect.models.card import NOT_RECORDED, card_summary


def calibrate_band(finals, truth, **kwargs):
    """The band of members' curves: their mean and spread, as ``TaskEnsemble`` gives them."""
    return calibrate_mean(*member_spread(finals), truth, members=len(finals), **kwargs)


def _members(rng, n=2000, k=3):
    truth = np.tanh(np.cumsum(rng.normal(0, 0.1, n)))
    shared_error = rng.normal(0, 0.3, n)  # members share most of their error, as real ones do
    finals = [np.clip(truth + shared_error + rng.normal(0, 0.05, n), -1, 1) for _ in range(k)]
    return truth, finals


def test_mean_and_spread_are_the_members_per_second_mean_and_std():
    mean, spread = member_spread([np.array([0.0, 0.2]), np.array([0.4, 0.2]), np.array([0.2, 0.2])])
    np.testing.assert_allclose(mean, [0.2, 0.2])
    np.testing.assert_allclose(spread, [np.sqrt(0.08 / 3), 0.0], atol=1e-12)


@pytest.mark.parametrize("level", [0.5, 0.8, 0.95])
def test_calibrated_interval_covers_the_stated_share_of_calibration_seconds(level):
    rng = np.random.default_rng(0)
    truth, finals = _members(rng)
    cal = calibrate_band(finals, truth, level=level, movie_lengths=[500] * 4, clip_stride=1, rule="member-spread")
    mean, spread = member_spread(finals)
    low, high = cal.interval(mean, spread)
    covered = np.mean((truth >= low) & (truth <= high))
    assert covered == pytest.approx(level, abs=1.0 / len(truth) + 1e-12)
    assert cal.calibrated_coverage == pytest.approx(covered)
    # raw member spread covers far too few labels: that is why c is calibrated
    assert cal.raw_spread_coverage is not None and cal.raw_spread_coverage < level / 2
    assert cal.rule == "member-spread" and cal.scale > 1.0
    assert np.all(low <= mean) and np.all(mean <= high)
    assert np.all(low >= -1) and np.all(high <= 1)


def test_interval_width_follows_the_member_spread():
    cal = BandCalibration(0.8, "member-spread", 2.0, 3, 1, 10, 0.8, 1)
    low, high = cal.interval(np.zeros(3), np.array([0.0, 0.1, 0.3]))
    # the floor keeps a band where members agree exactly
    np.testing.assert_allclose(high - low, [2 * 2.0 * 0.01, 2 * 2.0 * 0.1, 2 * 2.0 * 0.3])


def test_one_member_gets_a_constant_width_from_the_validation_residuals():
    rng = np.random.default_rng(1)
    truth, finals = _members(rng, k=1)
    cal = calibrate_band(finals, truth, level=0.8, movie_lengths=[1000, 1000], clip_stride=1)
    assert cal.rule == "residual-quantile" and cal.raw_spread_coverage is None
    expected = np.quantile(np.abs(truth - finals[0]), 0.8, method="inverted_cdf")
    assert cal.scale == pytest.approx(expected, rel=1e-6)
    low, high = cal.interval(finals[0], np.zeros_like(truth))
    unclipped = (low > -1) & (high < 1)
    np.testing.assert_allclose((high - low)[unclipped], 2 * cal.scale)
    assert cal.calibrated_coverage == pytest.approx(0.8, abs=1.0 / len(truth))


def test_calibration_round_trips_and_is_described_in_words():
    rng = np.random.default_rng(2)
    truth, finals = _members(rng, n=300)
    cal = calibrate_band(finals, truth, movie_lengths=[100, 100, 100], clip_stride=1, rule="member-spread")
    again = BandCalibration.from_dict(cal.to_dict())
    assert again == cal
    text = cal.describe()
    assert "80 %" in text and "3 ensemble members" in text and "300 seconds of 3 validation movies" in text
    assert len(cal.validation_movie_coverage) == 3
    with pytest.raises(ValueError, match="level"):
        calibrate_band(finals, truth, level=1.0, movie_lengths=[300], clip_stride=1)
    with pytest.raises(ValueError, match="300 seconds"):
        calibrate_band(finals, truth, movie_lengths=[100, 100], clip_stride=1)
    with pytest.raises(ValueError, match="at least 2 members"):
        calibrate_band(finals[:1], truth, movie_lengths=[300], clip_stride=1, rule="member-spread")


def test_conformal_by_movie_weighs_movies_equally_with_the_finite_sample_correction():
    # residuals |0 - prediction|: movie A (4 s) 0.1..0.4, movie B (2 s) 0.5, 0.6
    pred = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    truth = np.zeros(6)
    # level 0.5, m = 2 movies -> 0.5 * (1 + 1/2) = 0.75; movie-weighted CDF: A's seconds 1/8 each, B's
    # 1/4 each -> 0.125, 0.25, 0.375, 0.5, 0.75, 1.0: the smallest residual reaching 0.75 is 0.5
    cal = calibrate_band([pred], truth, level=0.5, movie_lengths=[4, 2], clip_stride=1, rule="conformal-by-movie")
    assert cal.scale == pytest.approx(0.5, rel=1e-6)
    # the pooled rule on the same seconds: the 3rd of 6 sorted residuals
    pooled = calibrate_band([pred], truth, level=0.5, movie_lengths=[4, 2], clip_stride=1, rule="residual-quantile")
    assert pooled.scale == pytest.approx(0.3, rel=1e-6)
    assert pooled.validation_movie_coverage == [0.75, 0.0] and cal.validation_movie_coverage == [1.0, 0.5]
    # level 0.8 with 2 movies: 0.8 * 1.5 >= 1, so the largest residual seen
    wide = calibrate_band([pred], truth, level=0.8, movie_lengths=[4, 2], clip_stride=1, rule="conformal-by-movie")
    assert wide.scale == pytest.approx(0.6, rel=1e-6)
    # the correction fades with more movies: at level 0.45, 2 movies -> 0.675 -> 0.5, but 80 movies (40 of
    # each) -> 0.45 * 81/80 = 0.456, which the CDF's 0.5 at residual 0.4 already reaches
    few = calibrate_band([pred], truth, level=0.45, movie_lengths=[4, 2], clip_stride=1, rule="conformal-by-movie")
    assert few.scale == pytest.approx(0.5, rel=1e-6)
    many = calibrate_band([np.tile(pred, 40)], np.zeros(240), level=0.45, movie_lengths=[4, 2] * 40, clip_stride=1,
                          rule="conformal-by-movie")
    assert many.scale == pytest.approx(0.4, rel=1e-6)
    assert "conformal" in many.describe()


def test_warnings_name_few_calibration_movies_and_another_stride():
    cal = BandCalibration(0.8, "residual-quantile", 0.2, 1, MIN_CALIBRATION_MOVIES - 1, 90, 0.8, 1)
    (few,) = cal.warnings(clip_stride=1)
    assert f"only {MIN_CALIBRATION_MOVIES - 1} validation movies" in few
    stride = cal.warnings(clip_stride=5)[1]
    assert "clip stride 1" in stride and "clip stride 5" in stride and "not recalibrated" in stride
    enough = BandCalibration(0.8, "residual-quantile", 0.2, 1, MIN_CALIBRATION_MOVIES, 90, 0.8, 1)
    assert enough.warnings(clip_stride=1) == []


def test_card_summary_without_a_card():
    assert card_summary(None) == NOT_RECORDED
