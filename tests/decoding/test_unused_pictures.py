"""Leaving unused non-reference H.264 pictures undecoded changes no sample (decoding/media.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import videoaffect.decoding.synthetic_media as mf
from helpers import SHARED
from videoaffect.decoding import media

BUNNY = SHARED / "media" / "bigbuckbunny.mp4"


def moving_texture(index: int, time_s: float, size: tuple[int, int]) -> np.ndarray:
    # Texture that pans: x264 then codes B-frames, most of them non-reference.
    width, height = size
    base = np.random.default_rng(0).integers(0, 255, (height + 40, width + 40, 3), dtype=np.uint8)
    dx = int(time_s * 10) % 40
    return np.ascontiguousarray(base[:height, dx : dx + width])


@pytest.fixture
def selectors(monkeypatch):
    """Every _PacketSelector the decoder builds, to count what it skipped."""
    made: list = []
    original = media._PacketSelector.for_stream

    def recording(*args):
        selector = original(*args)
        made.append(selector)
        return selector

    monkeypatch.setattr(media._PacketSelector, "for_stream", staticmethod(recording))
    return made


def assert_same_samples(path, motion_fps: int) -> None:
    every = list(media.iter_seconds(path, motion_fps=motion_fps, motion_width=48, skip_unused=False))
    skipping = list(media.iter_seconds(path, motion_fps=motion_fps, motion_width=48))
    assert len(every) == len(skipping) == media.probe(path).seconds
    for a, b in zip(every, skipping):
        np.testing.assert_array_equal(a.frame, b.frame)
        assert len(a.motion_frames) == len(b.motion_frames) == motion_fps
        for x, y in zip(a.motion_frames, b.motion_frames):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(a.audio, b.audio)


@pytest.mark.parametrize(
    "name, timing",
    [("24fps", {"fps": 24}), ("ntsc", {"fps": Fraction(30000, 1001)}), ("vfr", {"vfr": True}), ("10fps", {"fps": 10})],
)
@pytest.mark.parametrize("motion_fps", [0, 6])
def test_skipping_changes_no_sample(tmp_path, selectors, name, timing, motion_fps):
    path = mf.make_video(tmp_path / f"{name}.mp4", 6.3, size=(96, 64), pattern=moving_texture, **timing)
    assert_same_samples(path, motion_fps)
    skipping = selectors[-1]
    assert skipping is not None and skipping.skipped > 0  # the test would be empty otherwise


def test_annex_b_streams_are_parsed_too(tmp_path, selectors):
    # MPEG-TS carries H.264 with start codes instead of length prefixes.
    path = mf.make_video(tmp_path / "broadcast.ts", 5.3, fps=25, size=(96, 64), pattern=moving_texture)
    assert_same_samples(path, 6)
    assert selectors[-1].length_size == 0 and selectors[-1].skipped > 0


def test_other_codecs_decode_every_frame(tmp_path, selectors, monkeypatch):
    monkeypatch.setattr(mf, "video_codec", lambda: "mpeg4")
    path = mf.make_video(tmp_path / "part2.mp4", 3.3, fps=25, size=(96, 64), pattern=moving_texture)
    assert_same_samples(path, 6)
    assert selectors[-1] is None


def test_nal_headers_are_read_from_both_framings():
    slice_ref, slice_nonref, sei = 0x65, 0x01, 0x06  # IDR slice (ref_idc 3), slice (ref_idc 0), SEI
    annexb = b"\x00\x00\x00\x01" + bytes([sei, 9, 9]) + b"\x00\x00\x01" + bytes([slice_nonref, 7, 7, 7])
    assert list(media._annexb_nal_headers(annexb)) == [sei, slice_nonref]
    prefixed = (3).to_bytes(4, "big") + bytes([sei, 1, 2]) + (2).to_bytes(4, "big") + bytes([slice_ref, 5])
    assert list(media._length_prefixed_nal_headers(prefixed, 4)) == [sei, slice_ref]
    assert list(media._length_prefixed_nal_headers((0).to_bytes(4, "big") + b"\x01", 4)) == []


def test_a_truncated_tail_is_still_reported(tmp_path):
    # The pictures skipped after the last instant still count as decoded for the truncation
    # check, and a file whose stream stops early is still an error.
    path = mf.make_video(tmp_path / "short.mp4", 4.0, fps=24, size=(96, 64), pattern=moving_texture)
    assert len(list(media.iter_seconds(path, motion_fps=6))) == 4
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(media.DecodeError):
        list(media.iter_seconds(cut, motion_fps=6))


@pytest.mark.skipif(not BUNNY.exists(), reason=f"shared media clip absent ({BUNNY})")
def test_real_clip_samples_unchanged():
    assert_same_samples(BUNNY, 6)


class _ScalerPerFrame:
    """What ``VideoFrame.to_ndarray(width=, height=, format=, interpolation=)`` does: a new
    FFmpeg scaler for every frame (the decoder's behaviour before it reused one per movie)."""

    def reformat(self, frame, *, width, height, format, interpolation):
        assert interpolation == "AREA"  # the documented shrink (module doc of decoding/media.py)
        return frame.reformat(width=width, height=height, format=format, interpolation="AREA")


def fresh_scalers_per_frame(monkeypatch) -> None:
    class PerFrame:
        def __init__(self) -> None:
            self.rgb, self.gray = _ScalerPerFrame(), _ScalerPerFrame()

    monkeypatch.setattr(media, "_Converters", PerFrame)


def assert_same_as_fresh_scalers(monkeypatch, path, **options) -> int:
    reused = list(media.iter_seconds(path, **options))
    with monkeypatch.context() as patch:
        fresh_scalers_per_frame(patch)
        fresh = list(media.iter_seconds(path, **options))
    assert len(reused) == len(fresh) == media.probe(path).seconds
    for a, b in zip(reused, fresh):
        np.testing.assert_array_equal(a.frame, b.frame)
        assert a.frame.flags.owndata and a.frame.flags.c_contiguous
        assert len(a.motion_frames) == len(b.motion_frames)
        for x, y in zip(a.motion_frames, b.motion_frames):
            np.testing.assert_array_equal(x, y)
    return len(reused)


@pytest.mark.parametrize("size, max_side, motion_width", [((96, 64), None, 48), ((97, 63), 50, 31), ((64, 96), 64, 160)])
def test_one_scaler_per_movie_gives_the_same_pixels(tmp_path, monkeypatch, size, max_side, motion_width):
    # Reusing one FFmpeg scaler per output kind is a speed change only (0.78 -> 0.30 ms per grey
    # motion frame at 720p): every sample must equal the per-frame conversion, odd sizes,
    # downscaling and upscaling included.
    path = mf.make_video(tmp_path / "texture.mp4", 4.3, size=size, pattern=moving_texture)
    assert assert_same_as_fresh_scalers(monkeypatch, path, motion_fps=6, motion_width=motion_width,
                                        max_side=max_side) == 4


@pytest.mark.skipif(not BUNNY.exists(), reason=f"needs the shared clip {BUNNY} (../shared absent)")
def test_one_scaler_per_movie_gives_the_same_pixels_on_the_shared_clip(monkeypatch):
    assert assert_same_as_fresh_scalers(monkeypatch, BUNNY, motion_fps=6, max_side=1280) > 0


def test_a_reused_scaler_follows_a_change_of_frame_size():
    # Some broadcast recordings change resolution mid-stream; the scaler kept for the movie must
    # then convert each frame as a fresh one would, not with the previous frame's geometry.
    import av

    convert = media._Converters()
    rng = np.random.default_rng(0)
    for width, height in [(320, 180), (640, 360), (320, 180), (97, 63)]:
        picture = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        held = media._Held(frame, Fraction(0), convert)
        gray_height = round(height * 160 / width)
        np.testing.assert_array_equal(
            held.gray(160), frame.to_ndarray(format="gray", width=160, height=gray_height, interpolation="AREA"))
        rgb_width, rgb_height = (200, round(height * 200 / width)) if width > 200 else (width, height)
        np.testing.assert_array_equal(
            held.rgb(200), frame.to_ndarray(format="rgb24", width=rgb_width, height=rgb_height, interpolation="AREA"))
