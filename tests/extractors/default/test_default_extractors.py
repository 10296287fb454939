"""Known-output tests for the offline default audio, scene and motion extractors."""

from __future__ import annotations

import pickle
import warnings

import cv2
import numpy as np
import pytest

from videoaffect.decoding.samples import AUDIO_RATE, AUDIO_WINDOW_SAMPLES, SecondSample
from videoaffect.extractors.base import ExtractorError
from videoaffect.extractors.default.audio import DefaultAudio
from videoaffect.extractors.default.motion import FEATURE_NAMES as MOTION_NAMES
from videoaffect.extractors.default.motion import DefaultMotion
from videoaffect.extractors.default.scene import FEATURE_NAMES as SCENE_NAMES
from videoaffect.extractors.default.scene import DefaultScene
from videoaffect.extractors.logmel import FMAX, FMIN, N_MELS, hz_to_mel

cv2.setNumThreads(1)

S = {name: i for i, name in enumerate(SCENE_NAMES)}
M = {name: i for i, name in enumerate(MOTION_NAMES)}


def frame_sample(frame, index=0):
    return SecondSample(index, frame, None)


def audio_sample(audio, index=0):
    return SecondSample(index, None, audio)


def motion_sample(frames, index=0):
    return SecondSample(index, None, None, list(frames))


def solid(rgb, h=24, w=40):
    frame = np.zeros((h, w, 3), dtype=np.uint8)
    frame[...] = rgb
    return frame


def scene_of(frame):
    features, present = DefaultScene().extract([frame_sample(frame)])
    assert present.tolist() == [True]
    return features[0]


# --------------------------------------------------------------------------- scene


def test_scene_pure_red_known_values():
    f = scene_of(solid((255, 0, 0)))
    assert np.degrees(np.arctan2(f[S["hue_sin"]], f[S["hue_cos"]])) == pytest.approx(0.0, abs=1e-3)
    assert f[S["hue_cos"]] == pytest.approx(1.0, abs=1e-5)
    assert f[S["hue_circ_std"]] == pytest.approx(0.0, abs=1e-3)
    assert f[S["sat_mean"]] == pytest.approx(1.0) and f[S["sat_std"]] == pytest.approx(0.0, abs=1e-6)
    assert f[S["val_mean"]] == pytest.approx(1.0)
    # Hasler-Suesstrunk on [0, 1]: rg = 1, yb = 0.5, no spread -> 0.3 * sqrt(1 + 0.25)
    assert f[S["colourfulness"]] == pytest.approx(0.3 * np.sqrt(1.25), rel=1e-5)
    assert f[S["brightness"]] == pytest.approx(0.299, abs=1e-3)
    assert f[S["hue_hist_0"]] == pytest.approx(1.0)
    assert f[S["hue_hist_1"] : S["hue_hist_11"] + 1].sum() == pytest.approx(0.0)
    assert f[S["edge_density"]] == 0.0 and f[S["entropy"]] == 0.0


def test_scene_green_and_blue_hue_angles():
    green, blue = scene_of(solid((0, 255, 0))), scene_of(solid((0, 0, 255)))
    assert np.degrees(np.arctan2(green[S["hue_sin"]], green[S["hue_cos"]])) == pytest.approx(120.0, abs=0.1)
    assert np.degrees(np.arctan2(blue[S["hue_sin"]], blue[S["hue_cos"]])) % 360 == pytest.approx(240.0, abs=0.1)
    assert green[S["hue_hist_4"]] == pytest.approx(1.0) and blue[S["hue_hist_8"]] == pytest.approx(1.0)


def test_scene_black_and_grey_frames():
    black = scene_of(solid((0, 0, 0)))
    assert black[S["brightness"]] == 0.0 and black[S["rms_contrast"]] == 0.0
    assert black[S["dark_fraction"]] == 1.0 and black[S["bright_fraction"]] == 0.0
    assert black[S["colourfulness"]] == 0.0
    grey = scene_of(solid((128, 128, 128)))
    # no saturated pixel: no hue, maximal (capped) circular spread
    assert grey[S["hue_cos"]] == 0.0 and grey[S["hue_sin"]] == 0.0 and grey[S["hue_circ_std"]] == 4.0
    assert np.isfinite(grey).all()


def test_scene_balance_signs():
    frame = np.zeros((240, 320, 3), dtype=np.uint8)  # already 320 px: no resampling blur
    frame[:, 160:] = 255  # right half white
    f = scene_of(frame)
    assert f[S["balance_lr"]] == pytest.approx(-1.0, abs=1e-3)
    assert f[S["balance_tb"]] == pytest.approx(0.0, abs=1e-3)
    assert f[S["symmetry_lr"]] == pytest.approx(1.0, abs=1e-2)
    assert scene_of(frame[:, ::-1].copy())[S["balance_lr"]] == pytest.approx(1.0, abs=1e-3)
    top = scene_of(np.ascontiguousarray(frame.transpose(1, 0, 2)))  # white bottom half
    assert top[S["balance_tb"]] == pytest.approx(-1.0, abs=1e-3)
    centre = np.zeros((90, 90, 3), dtype=np.uint8)
    centre[30:60, 30:60] = 255
    assert scene_of(centre)[S["centre_border"]] > 0.9


def test_scene_checkerboard_has_more_edges_and_texture():
    yy, xx = np.mgrid[0:120, 0:160]
    board = (((yy // 10) + (xx // 10)) % 2 * 255).astype(np.uint8)
    checker = scene_of(np.repeat(board[..., None], 3, axis=2))
    flat = scene_of(solid((128, 128, 128), 120, 160))
    assert checker[S["edge_density"]] > 0.05 > flat[S["edge_density"]] == 0.0
    assert checker[S["gradient_mean"]] > flat[S["gradient_mean"]]
    assert checker[S["laplacian_var"]] > flat[S["laplacian_var"]]
    assert checker[S["entropy"]] > 0.9  # two equal grey levels: 1 bit, plus resampling blur


def test_scene_shape_presence_batch_invariance_and_params():
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in [(37, 53), (480, 641), (90, 160)]]
    ex = DefaultScene()
    samples = [frame_sample(frames[0], 0), frame_sample(None, 1)]
    samples += [frame_sample(frames[1], 2), frame_sample(frames[2], 3)]
    features, present = ex.extract(samples)
    assert features.shape == (4, 33) == (4, *ex.shape) and features.dtype == np.float32
    assert present.tolist() == [True, False, True, True]
    assert not features[1].any() and np.isfinite(features).all()
    one_by_one = np.concatenate([ex.extract([s])[0] for s in samples])
    np.testing.assert_array_equal(features, one_by_one)
    prov = ex.provenance()
    assert prov["extractor"] == "default.scene.colour" and prov["modality"] == "scene"
    assert prov["shape"] == [33] and prov["params"]["side"] == 320 and prov["params"]["features"] == list(SCENE_NAMES)


def test_scene_rejects_non_rgb_frames():
    with pytest.raises(ExtractorError, match="RGB uint8"):
        DefaultScene().extract([frame_sample(np.zeros((10, 10), dtype=np.uint8))])


# --------------------------------------------------------------------------- audio


def tone(hz):
    t = np.arange(AUDIO_WINDOW_SAMPLES) / AUDIO_RATE
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def nearest_band(hz):
    centres = np.linspace(hz_to_mel(FMIN), hz_to_mel(FMAX), N_MELS + 2)[1:-1]
    return int(np.argmin(np.abs(centres - hz_to_mel(hz))))


def test_audio_tones_peak_in_their_mel_bands():
    features, present = DefaultAudio().extract([audio_sample(tone(300)), audio_sample(tone(1000), 1)])
    assert present.all() and features.shape == (2, 216)
    means = features[:, 88 : 88 + N_MELS]
    assert means[0].argmax() == nearest_band(300)
    assert means[1].argmax() == nearest_band(1000)
    assert means[1].argmax() > means[0].argmax()
    # a steady tone: its spectrum does not change over the window's frames
    assert features[1, 88 + N_MELS + nearest_band(1000)] < 0.1


def test_audio_silence_is_finite_and_deterministic():
    silence = np.zeros(AUDIO_WINDOW_SAMPLES, dtype=np.float32)
    a, _ = DefaultAudio().extract([audio_sample(silence)])
    b, _ = DefaultAudio().extract([audio_sample(silence)])
    assert np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a[0, 88 : 88 + N_MELS], np.log(0.01), rtol=1e-6)
    assert not a[0, 88 + N_MELS :].any()


def test_audio_missing_short_and_batch_invariance():
    rng = np.random.default_rng(1)
    noise = (0.1 * rng.standard_normal(AUDIO_WINDOW_SAMPLES)).astype(np.float32)
    samples = [
        audio_sample(noise, 0),
        audio_sample(None, 1),
        audio_sample(np.zeros(0, dtype=np.float32), 2),
        audio_sample(noise[:200], 3),  # the audio ends just after the second starts
        audio_sample(tone(440), 4),
    ]
    ex = DefaultAudio()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        features, present = ex.extract(samples)
    assert present.tolist() == [True, False, False, True, True]
    assert np.isfinite(features).all() and not features[1].any() and not features[2].any()
    one_by_one = np.concatenate([ex.extract([s])[0] for s in samples])
    np.testing.assert_array_equal(features, one_by_one)
    # the openSMILE handle is rebuilt after pickling (process workers)
    again = pickle.loads(pickle.dumps(ex)).extract(samples[:1])[0]
    np.testing.assert_array_equal(again, features[:1])


def _smile_call(smile, audio):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Segment too short")
        return np.asarray(smile(audio, AUDIO_RATE), dtype=np.float32).reshape(-1)


@pytest.mark.parametrize("feature_set", ["eGeMAPSv02", "ComParE_2016"])
def test_smile_runner_matches_opensmile_call(feature_set, monkeypatch):
    """One openSMILE instance reset between windows gives exactly what a fresh ``Smile`` call
    gives, window after window, across a rebuild, on real audio when ../shared has the clip."""
    from helpers import SHARED
    from videoaffect.decoding.media import iter_seconds
    from videoaffect.extractors.default.audio import SmileRunner, _smile

    rng = np.random.default_rng(3)
    windows = [
        np.zeros(AUDIO_WINDOW_SAMPLES, dtype=np.float32),
        rng.uniform(-1, 1, AUDIO_WINDOW_SAMPLES).astype(np.float32),
        tone(440),
        np.ones(AUDIO_WINDOW_SAMPLES, dtype=np.float32),  # full scale: the 16-bit conversion's edge
        (0.1 * rng.standard_normal(300)).astype(np.float32),  # too short: all NaN
        tone(1000)[:5000],
    ]
    clip = SHARED / "media" / "bigbuckbunny.mp4"
    if clip.exists():
        windows += [s.audio for s in iter_seconds(clip, motion_fps=0)]
    smile = _smile(feature_set)
    monkeypatch.setattr(SmileRunner, "REBUILD_EVERY", 4)
    runner = SmileRunner(smile)
    for i, w in enumerate(windows):
        np.testing.assert_array_equal(runner(w), _smile_call(smile, w), err_msg=f"window {i}")
    assert np.isnan(runner(windows[4])).all()
    runner.close()


def test_audio_compare_option_changes_shape_and_provenance():
    plain, compare = DefaultAudio(), DefaultAudio(compare=True)
    assert plain.shape == (216,) and compare.shape == (216 + 6373,)
    assert plain.params()["compare"] is None and compare.params()["compare"]
    assert compare.provenance()["shape"] == [6589] and plain.provenance()["extractor"] == "default.audio.egemaps-logmel"
    x = tone(440)
    a, _ = plain.extract([audio_sample(x)])
    c, _ = compare.extract([audio_sample(x)])
    assert c.shape == (1, 6589) and np.isfinite(c).all()
    np.testing.assert_array_equal(c[:, :216], a)


def test_audio_rejects_stereo():
    with pytest.raises(ExtractorError, match="mono"):
        DefaultAudio().extract([audio_sample(np.zeros((2, 100), dtype=np.float32))])


# --------------------------------------------------------------------------- motion


def texture(seed, h=240, w=400, sigma=3.0):
    noise = np.random.default_rng(seed).integers(0, 256, (h, w)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), sigma)
    smooth = (smooth - smooth.mean()) / smooth.std() * 40 + 128
    return np.clip(smooth, 0, 255).astype(np.uint8)


CANVAS = texture(1)


def view(dx=0, dy=0, h=90, w=160):
    """A 160x90 window onto CANVAS whose content has moved by (dx, dy) pixels."""
    y0, x0 = 60 - dy, 100 - dx
    return np.ascontiguousarray(CANVAS[y0 : y0 + h, x0 : x0 + w])


def moving(step_x, step_y, start, n=6):
    return [view(step_x * (start + k), step_y * (start + k)) for k in range(n)]


def test_motion_translation_gives_known_flow_and_direction():
    ex = DefaultMotion()
    right, _ = ex.extract([motion_sample(moving(3, 0, 0))])
    f = right[0]
    assert f[M["pan_x"]] == pytest.approx(3.0, abs=0.3) and abs(f[M["pan_y"]]) < 0.3
    assert f[M["flow_p50"]] == pytest.approx(3.0, abs=0.3)
    assert f[M["moving_fraction"]] > 0.9 and f[M["dir_0"]] > 0.9
    assert f[M["cut_count"]] == 0 and f[M["pairs_used"]] == 1.0
    ex.start_movie()
    down = ex.extract([motion_sample(moving(0, 2, 0))])[0][0]
    assert down[M["pan_y"]] == pytest.approx(2.0, abs=0.3) and down[M["dir_2"]] > 0.9
    ex.start_movie()
    up_left = ex.extract([motion_sample(moving(-2, -2, 0))])[0][0]
    assert up_left[M["pan_x"]] == pytest.approx(-2.0, abs=0.3) and up_left[M["pan_y"]] == pytest.approx(-2.0, abs=0.3)
    assert up_left[M["dir_5"]] > 0.8  # 225 degrees in image coordinates: left and up


def test_motion_flow_is_in_pixels_of_a_160_px_frame():
    wide = cv2.resize(CANVAS, (800, 480), interpolation=cv2.INTER_LINEAR)
    # 320 px wide frames moving 4 px per frame: 2 px at the 160 px reference width
    frames = [np.ascontiguousarray(wide[120:300, 200 - 4 * k : 520 - 4 * k]) for k in range(6)]
    f = DefaultMotion().extract([motion_sample(frames)])[0][0]
    assert f[M["pan_x"]] == pytest.approx(2.0, abs=0.3)


def test_motion_static_frames_have_no_flow_and_no_cuts():
    frames = [view()] * 6
    f, present = DefaultMotion().extract([motion_sample(frames), motion_sample(frames, 1)])
    assert present.all()
    assert np.abs(f[:, M["flow_mean"]]).max() < 0.05 and f[:, M["moving_fraction"]].max() == 0.0
    assert f[:, M["cut_count"]].tolist() == [0, 0] and f[:, M["frame_diff"]].max() == 0.0


def test_motion_abrupt_change_is_one_cut_and_not_flow():
    other = texture(7)[60:150, 100:260].copy()
    frames = [view()] * 3 + [other] * 3
    f = DefaultMotion().extract([motion_sample(frames)])[0][0]
    assert f[M["cut_count"]] == 1
    assert f[M["cut_rate"]] == pytest.approx(6 / 5)  # 5 pairs cover 5/6 s
    assert f[M["pairs_used"]] == pytest.approx(4 / 5)
    assert f[M["flow_mean"]] < 0.05  # the cut pair's "flow" is left out


def test_motion_cut_between_seconds_and_dark_to_bright_cut():
    ex = DefaultMotion()
    other = texture(7)[60:150, 100:260].copy()
    f, _ = ex.extract([motion_sample([view()] * 6), motion_sample([other] * 6, 1)])
    assert f[:, M["cut_count"]].tolist() == [0, 1]
    assert f[1, M["pairs_used"]] == pytest.approx(5 / 6)
    ex.start_movie()
    black = np.zeros((90, 160), dtype=np.uint8)
    f, _ = ex.extract([motion_sample([black] * 3 + [view()] * 3)])
    assert f[0, M["cut_count"]] == 1


def test_motion_fast_pan_is_followed_and_not_a_cut():
    # 20 px per pair is beyond DIS ULTRAFAST from zero; the phase-correlation start recovers it
    f = DefaultMotion().extract([motion_sample(moving(20, 0, 0))])[0][0]
    assert f[M["cut_count"]] == 0 and f[M["pairs_used"]] == 1.0
    assert f[M["pan_x"]] == pytest.approx(20.0, abs=1.0) and f[M["dir_0"]] > 0.9


def test_motion_state_carries_across_calls_and_resets():
    seconds = [motion_sample(moving(2, 1, 6 * i), i) for i in range(3)]
    ex = DefaultMotion()
    whole, present = ex.extract(seconds)
    assert present.all() and whole.shape == (3, 20) and whole.dtype == np.float32
    ex.start_movie()
    pieces = np.concatenate([ex.extract(seconds[:1])[0], ex.extract(seconds[1:])[0]])
    np.testing.assert_array_equal(whole, pieces)
    assert whole[1, M["pairs_used"]] == 1.0  # 6 pairs: the previous second's last frame joins
    ex.start_movie()
    fresh = ex.extract(seconds[1:2])[0]
    np.testing.assert_array_equal(fresh, DefaultMotion().extract(seconds[1:2])[0])
    # after a reset the first second has 5 pairs, not 6: the flow pool differs
    assert not np.array_equal(fresh[0], whole[1])


def test_motion_missing_second_breaks_the_chain():
    ex = DefaultMotion()
    other = texture(7)[60:150, 100:260].copy()
    f, present = ex.extract([motion_sample([view()] * 6), motion_sample([], 1), motion_sample([other] * 6, 2)])
    assert present.tolist() == [True, False, True]
    assert not f[1].any()
    assert f[2, M["cut_count"]] == 0  # no pair spans the gap


def test_motion_single_frame_second_and_provenance():
    ex = DefaultMotion()
    f, present = ex.extract([motion_sample([view()])])
    assert present.tolist() == [True] and not f.any()
    assert DefaultMotion.motion_fps == 6 and ex.needs == "motion_frames"
    prov = ex.provenance()
    assert prov["extractor"] == "default.motion.dis-cuts" and prov["shape"] == [20]
    assert prov["params"]["cut"] == {"mad_min": 0.03, "chi2": 0.5, "ncc": 0.5, "hist_bins": 32, "flat_std": 1.0}
    assert pickle.loads(pickle.dumps(ex)).extract([motion_sample([view()] * 2)])[1].all()


def test_motion_rejects_colour_frames():
    with pytest.raises(ExtractorError, match="grayscale uint8"):
        DefaultMotion().extract([motion_sample([np.zeros((90, 160, 3), dtype=np.uint8)])])
