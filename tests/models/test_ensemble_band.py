"""The confidence band's definition: calibration covers the stated share of the calibration
seconds by construction, the interval holds the mean, K = 1 falls back to a constant width."""

import numpy as np
import pytest

from videoaffect.models.card import GENERATED_WARNING, NOT_RECORDED, card_summary, csv_header
from videoaffect.models.ensemble import BandCalibration, calibrate_band, member_spread


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
    cal = calibrate_band(finals, truth, level=level, validation_movies=4, clip_stride=1)
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
    cal = calibrate_band(finals, truth, level=0.8, validation_movies=2, clip_stride=1)
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
    cal = calibrate_band(finals, truth, validation_movies=3, clip_stride=1)
    again = BandCalibration.from_dict(cal.to_dict())
    assert again == cal
    text = cal.describe()
    assert "80 %" in text and "3 ensemble members" in text and "300 seconds of the 3 validation movies" in text
    with pytest.raises(ValueError, match="level"):
        calibrate_band(finals, truth, level=1.0, validation_movies=3, clip_stride=1)


def test_csv_header_names_the_training_data_and_warns_when_generated():
    card = {"dataset": "manifest m.csv", "kind": "manifest", "split": "train", "movies": 9, "hours": 0.1,
            "label_source": "the manifest's label files", "features": "default", "generated": True,
            "generated_by": "write_manifest_dataset"}
    lines = csv_header({"training_data": card}, {"valence": {"description": "central 80 % interval: ..."}})
    assert all(line.startswith("# ") for line in lines)
    assert lines[0].startswith("# videoaffect model card: trained on manifest m.csv (manifest), split train: 9 movies")
    assert f"# WARNING: {GENERATED_WARNING}" in lines
    assert any(line.startswith("# valence_low, valence_high: central 80 %") for line in lines)
    real = csv_header({"training_data": {**card, "generated": False}})
    assert not any("WARNING" in line for line in real)
    assert card_summary(None) == NOT_RECORDED
