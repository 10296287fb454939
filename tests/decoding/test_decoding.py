"""Streaming decoder: which frame and which audio each second gets, and clear errors on bad files."""

from __future__ import annotations

import inspect
import math
import tracemalloc
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import videoaffect.decoding.synthetic_media as mf  # noqa: E402
from helpers import SHARED
from videoaffect.decoding import media  # noqa: E402
from videoaffect.decoding.media import DecodeError, iter_seconds, probe  # noqa: E402
from videoaffect.decoding.samples import AUDIO_RATE, AUDIO_WINDOW_SAMPLES, VGGISH_WINDOW_SAMPLES  # noqa: E402

BUNNY = SHARED / "media" / "bigbuckbunny.mp4"


def expected_cfr(second: int, fps: Fraction) -> int:
    """Index of the last frame i with i / fps <= second + 1/2."""
    return math.floor((second + Fraction(1, 2)) * fps)


def expected_at(times: list[float], instant: float) -> int:
    return max(i for i, t in enumerate(times) if t <= instant + 1e-9)


def dominant_hz(window: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
    return float(np.fft.rfftfreq(len(window), 1 / AUDIO_RATE)[np.argmax(spectrum)])


def gray_pattern(index: int, time_s: float, size: tuple[int, int]) -> np.ndarray:
    """Frame whose grey level is 4 * index + 2 (distinct for 64 frames, survives gray conversion)."""
    width, height = size
    return np.full((height, width, 3), (4 * index + 2) % 256, np.uint8)


def gray_index(frame: np.ndarray) -> int:
    return int(round((float(np.median(frame)) - 2) / 4))


# --------------------------------------------------------------------------- frame selection


def test_constant_fps_takes_the_frame_on_screen_at_mid_second(tmp_path):
    path = mf.make_video(tmp_path / "cfr.mp4", 4, fps=25, audio=False)
    samples = list(iter_seconds(path))
    assert [s.index for s in samples] == [0, 1, 2, 3]
    assert [mf.read_index(s.frame) for s in samples] == [12, 37, 62, 87]
    assert all(s.frame.dtype == np.uint8 and s.frame.shape == (48, 64, 3) for s in samples)
    assert samples[0].motion_frames == []


@pytest.mark.parametrize("fps", [Fraction(24000, 1001), Fraction(30000, 1001)], ids=["23.976", "29.97"])
def test_non_integer_fps_selects_by_timestamp(tmp_path, fps):
    path = mf.make_video(tmp_path / "ntsc.mp4", 3, fps=fps, audio=False)
    info = probe(path)
    assert info.fps == pytest.approx(float(fps), rel=1e-6)
    assert info.seconds == 3
    got = [mf.read_index(s.frame) for s in iter_seconds(path)]
    # 23.976: 11, 35, 59 (naive 24 fps rounding would give 12, 36, 60); 29.97: 14, 44, 74.
    assert got == [expected_cfr(t, fps) for t in range(3)]


def test_variable_frame_rate_selects_by_timestamp(tmp_path):
    times = mf.irregular_times(5, seed=3)
    path = mf.make_video(tmp_path / "vfr.mp4", 5, frame_times=times, audio=False)
    info = probe(path)
    got = [mf.read_index(s.frame) for s in iter_seconds(path)]
    assert len(got) == info.seconds >= 4
    assert got == [expected_at(times, t + 0.5) for t in range(info.seconds)]


def test_frame_is_held_across_a_long_gap(tmp_path):
    times = [0.0, 0.1, 0.2, 2.3, 2.4, 2.6, 3.0, 3.4, 3.9]
    # Matroska: its per-track duration is the presentation span. (MP4 derives duration from
    # decode stamps, which B-frames pull short of the last frame when timing is this irregular.)
    path = mf.make_video(tmp_path / "gap.mkv", 4, frame_times=times, audio=False)
    got = [mf.read_index(s.frame) for s in iter_seconds(path)]
    # Second 1 (instant 1.5 s) still shows the frame shown from 0.2 s.
    assert got == [2, 2, 4, 7]


def test_motion_frames_are_sampled_evenly_within_each_second(tmp_path):
    path = mf.make_video(tmp_path / "motion.mp4", 2, fps=25, size=(64, 48), audio=False, pattern=gray_pattern)
    samples = list(iter_seconds(path, motion_fps=4, motion_width=32))
    for s in samples:
        instants = [s.index + (k + 0.5) / 4 for k in range(4)]
        assert [gray_index(m) for m in s.motion_frames] == [math.floor(x * 25) for x in instants]
        assert all(m.shape == (24, 32) and m.dtype == np.uint8 for m in s.motion_frames)
        assert gray_index(s.frame) == math.floor((s.index + 0.5) * 25)


def test_odd_frame_size_and_max_side(tmp_path):
    path = mf.make_video(tmp_path / "odd.mp4", 2, size=(65, 47), audio=False)
    info = probe(path)
    assert (info.width, info.height) == (65, 47)
    samples = list(iter_seconds(path))
    assert [s.frame.shape for s in samples] == [(47, 65, 3)] * 2
    assert [mf.read_index(s.frame) for s in samples] == [12, 37]
    small = next(iter_seconds(path, max_side=32))
    assert small.frame.shape == (23, 32, 3)
    assert mf.read_index(small.frame) == 12


# --------------------------------------------------------------------------- audio


@pytest.mark.parametrize(
    "rate,channels", [(44100, 2), (48000, 6), (22050, 1)], ids=["stereo-44k1", "5.1-48k", "mono-22k05"]
)
def test_audio_window_holds_that_seconds_tone(tmp_path, rate, channels):
    path = mf.make_video(tmp_path / "tone.mp4", 3, audio_rate=rate, channels=channels)
    info = probe(path)
    assert (info.has_audio, info.audio_rate, info.audio_channels) == (True, rate, channels)
    samples = list(iter_seconds(path))
    for s in samples:
        assert s.audio.dtype == np.float32 and s.audio.shape == (AUDIO_WINDOW_SAMPLES,)
        assert dominant_hz(s.audio) == pytest.approx(mf.tone_frequency(s.index), abs=3)
        # The downmix keeps the level of a signal common to all channels: amplitude 0.5 -> RMS 0.354.
        assert np.sqrt(np.mean(s.audio**2)) == pytest.approx(0.5 / np.sqrt(2), abs=0.02)


def test_audio_is_aligned_on_the_video_clock(tmp_path):
    def onset(t):  # silence, then a tone from 1.25 s on
        return np.where(t >= 1.25, 0.5 * np.sin(2 * np.pi * 1000 * t), 0.0)

    path = mf.make_video(tmp_path / "onset.mp4", 3, tone=onset)
    second_1 = list(iter_seconds(path))[1].audio
    first_loud = int(np.argmax(np.abs(second_1) > 0.1))
    assert abs(first_loud - int(0.25 * AUDIO_RATE)) < 0.004 * AUDIO_RATE  # within 4 ms


def test_audio_tail_is_the_real_audio_after_the_window(tmp_path):
    """``audio_tail`` holds [t + 0.960, t + 0.975) of the file (VGGish's patch reaches there):
    a tone starting at 1.965 s is absent from second 1's window and present in its tail."""
    def onset(t):
        return np.where(t >= 1.965, 0.5 * np.sin(2 * np.pi * 1000 * t), 0.0)

    path = mf.make_video(tmp_path / "late.mp4", 3, tone=onset)
    second_1 = list(iter_seconds(path))[1]
    assert second_1.audio_tail.dtype == np.float32
    assert second_1.audio_tail.shape == (VGGISH_WINDOW_SAMPLES - AUDIO_WINDOW_SAMPLES,)
    assert np.abs(second_1.audio[: -int(0.01 * AUDIO_RATE)]).max() < 0.02
    assert np.abs(second_1.audio_tail[:60]).max() < 0.1  # 1.960-1.964 s: before the onset
    assert np.sqrt(np.mean(second_1.audio_tail[100:] ** 2)) == pytest.approx(0.5 / np.sqrt(2), abs=0.05)


def test_no_audio_track_marks_audio_missing(tmp_path):
    path = mf.make_video(tmp_path / "silent.mp4", 3, audio=False)
    assert probe(path).has_audio is False
    assert [(s.audio, s.audio_tail) for s in iter_seconds(path)] == [(None, None)] * 3


def test_audio_shorter_than_video(tmp_path):
    path = mf.make_video(tmp_path / "short_audio.mp4", 4, audio_seconds=2.6)
    audio = [s.audio for s in iter_seconds(path)]
    assert audio[0] is not None and audio[1] is not None
    # Second 2 has 0.6 of its 0.96 s: padded with zeros after 2.6 s. Second 3 has none: missing.
    tail = audio[2]
    assert tail is not None and tail.shape == (AUDIO_WINDOW_SAMPLES,)
    cut = int(0.6 * AUDIO_RATE)
    assert np.abs(tail[: cut - 400]).mean() > 0.1
    assert np.abs(tail[cut + 400 :]).max() < 1e-3
    assert audio[3] is None
    tails = [s.audio_tail for s in iter_seconds(path)]
    assert not tails[2].any() and tails[3] is None  # past the audio's end: zeros, then nothing


def test_audio_less_than_half_the_window_is_missing(tmp_path):
    path = mf.make_video(tmp_path / "shorter_audio.mp4", 3, audio_seconds=1.3)
    assert [s.audio is not None for s in iter_seconds(path)] == [True, False, False]


def test_audio_longer_than_video_is_cut_at_the_last_video_second(tmp_path):
    path = mf.make_video(tmp_path / "long_audio.mp4", 3, audio_seconds=6)
    info = probe(path)
    samples = list(iter_seconds(path))
    assert info.seconds == len(samples) == 3
    assert dominant_hz(samples[2].audio) == pytest.approx(mf.tone_frequency(2), abs=3)


# --------------------------------------------------------------------------- counting seconds


@pytest.mark.parametrize("duration,count", [(2.0, 2), (2.4, 2), (2.6, 3)])
def test_last_partial_second_counts_when_its_midpoint_is_in_the_video(tmp_path, duration, count):
    path = mf.make_video(tmp_path / "partial.mp4", duration, fps=25, audio=False)
    info = probe(path)
    assert info.duration_s == pytest.approx(duration)
    assert info.seconds == count == len(list(iter_seconds(path)))


def test_probe_reports_stream_facts(tmp_path):
    path = mf.make_video(tmp_path / "facts.mp4", 2, fps=25, size=(64, 48), audio_rate=44100, channels=2)
    info = probe(path)
    assert info.path == path and info.has_video and info.has_audio
    assert (info.width, info.height, info.fps, info.seconds) == (64, 48, 25.0, 2)
    assert info.video_codec in {"h264", "mpeg4"} and info.audio_codec == "aac"


# --------------------------------------------------------------------------- bad input


def _zero_length(tmp_path: Path) -> Path:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    return path


def _random_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 40000, dtype=np.uint8).tobytes())
    return path


def _png_renamed(tmp_path: Path) -> Path:
    return mf.make_png(tmp_path / "picture.mp4")


def _index_lost(tmp_path: Path) -> Path:
    """MP4 cut in half with its index (moov) at the end: the header itself is gone."""
    full = mf.make_video(tmp_path / "whole.mp4", 4)
    path = tmp_path / "cut_header.mp4"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    return path


def _audio_only(tmp_path: Path) -> Path:
    return mf.make_audio(tmp_path / "song.m4a", 2)


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere.mp4"


@pytest.mark.parametrize(
    "build,words",
    [
        (_zero_length, "empty"),
        (_random_bytes, "cannot be read"),
        (_png_renamed, "still image"),
        (_index_lost, "cannot be read"),
        (_audio_only, "audio-only file: videoaffect needs a video stream"),
        (_missing, "not found"),
    ],
    ids=["zero-length", "random-bytes", "png-renamed", "truncated-header", "audio-only", "missing"],
)
def test_unusable_files_raise_a_clear_error_at_probe_and_call(tmp_path, build, words):
    path = build(tmp_path)
    for call in (probe, iter_seconds):
        with pytest.raises(DecodeError) as caught:
            call(path)
        assert path.name in str(caught.value) and words in str(caught.value)


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_truncated_file_raises_with_the_second_reached(tmp_path, suffix):
    full = mf.make_video(tmp_path / f"whole{suffix}", 6, faststart=True)
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    samples = iter_seconds(path)
    got = []
    with pytest.raises(DecodeError) as caught:
        for sample in samples:
            got.append(sample.index)
    message = str(caught.value)
    assert path.name in message and "second" in message and "truncated" in message
    assert len(got) < 6


def test_too_short_video_is_rejected(tmp_path):
    path = mf.make_video(tmp_path / "blink.mp4", 0.4, audio=False)
    with pytest.raises(DecodeError, match="half a second"):
        probe(path)


def test_path_with_spaces_and_non_ascii(tmp_path):
    path = mf.make_video(tmp_path / "dossier à espaces" / "film été 1.mp4", 2)
    assert probe(path).seconds == 2
    assert [mf.read_index(s.frame) for s in iter_seconds(path)] == [12, 37]


def test_bad_options_are_rejected(tmp_path):
    path = mf.make_video(tmp_path / "ok.mp4", 1, audio=False)
    with pytest.raises(ValueError, match="motion_fps"):
        iter_seconds(path, motion_fps=-1)


# --------------------------------------------------------------------------- streaming


def test_iter_seconds_streams_lazily_with_flat_memory(tmp_path, monkeypatch):
    path = mf.make_video(tmp_path / "minute.mp4", 60, fps=10, size=(32, 24), audio_rate=16000, channels=1)
    decoded = [0]
    original = media._decoded_frames

    def counting(*args):
        for frame in original(*args):
            decoded[0] += 1
            yield frame

    monkeypatch.setattr(media, "_decoded_frames", counting)
    samples = iter_seconds(path)
    assert inspect.isgenerator(samples)
    assert decoded[0] == 0  # nothing decoded before the first sample is asked for

    first = next(samples)
    assert first.index == 0 and decoded[0] < 3 * 10  # about one second of frames, not 600

    tracemalloc.start()
    count = 1
    try:
        for sample in samples:
            assert sample.index == count
            assert decoded[0] <= (count + 3) * 10
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60
    # 60 s of 16 kHz float audio alone would be 3.8 MB; the decoder holds ~2 s of it.
    assert peak < 1_000_000


def test_stopping_early_closes_cleanly(tmp_path):
    path = mf.make_video(tmp_path / "early.mp4", 4)
    samples = iter_seconds(path)
    assert next(samples).index == 0
    samples.close()
    with pytest.raises(StopIteration):
        next(samples)


# --------------------------------------------------------------------------- real clip


@pytest.mark.skipif(not BUNNY.exists(), reason=f"shared media clip absent ({BUNNY})")
def test_big_buck_bunny_clip():
    info = probe(BUNNY)
    assert (info.width, info.height, info.fps) == (1280, 720, 25.0)
    assert (info.audio_rate, info.audio_channels) == (48000, 6)
    assert info.duration_s == pytest.approx(5.28, abs=0.01)
    samples = list(iter_seconds(BUNNY, motion_fps=2))
    # 5.28 s: the midpoint of second 5 (5.5 s) is past the end, so 5 seconds.
    assert info.seconds == len(samples) == 5
    assert all(s.frame.shape == (720, 1280, 3) for s in samples)
    assert all(m.shape == (90, 160) for s in samples for m in s.motion_frames)
    assert all(s.audio is not None and np.sqrt(np.mean(s.audio**2)) > 1e-3 for s in samples)
    assert len({s.frame.tobytes() for s in samples}) == 5
