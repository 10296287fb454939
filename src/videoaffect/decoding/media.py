"""Streaming decoder: a video file becomes one :class:`SecondSample` per second, with PyAV.

Timing rules (all computed from presentation timestamps, ``pts * stream.time_base``, so they
hold for variable frame rate and for 23.976 / 29.97 fps):

* **Time origin.** Second 0 starts at the video stream's start time (its first frame). Audio is
  placed on the same clock from its own timestamps; audio before the origin is dropped.
* **Number of seconds.** Second ``t`` covers ``[t, t + 1)`` and exists when its midpoint is
  inside the video: ``t + 0.5 < D``, where ``D`` is the video stream's own duration from the
  header (MP4/MOV/AVI track duration, else Matroska's per-track ``DURATION`` tag, else a scan
  of packet times; never the container's duration, which a longer audio track inflates).
  So ``seconds = ceil(D - 0.5)``: a final partial second is kept when it lasts more than half
  a second (a 5.28 s clip has 5 seconds, a 5.6 s clip 6). Videos of 0.5 s or less are
  rejected. Frames after the last counted second are ignored, as is audio beyond it.
* **Frame of second t.** The frame on screen at ``t + 0.5`` s: the last frame with
  ``pts <= t + 0.5`` (exact rational arithmetic). RGB uint8 (H, W, 3), full size unless
  ``max_side`` asks for a downscale (keep aspect; use it for 4K/8K sources, whose full-size RGB
  frames cost 25-100 MB each for extractors that resize to ~224 px anyway).
* **Motion frames** (``motion_fps > 0``): the frames on screen at ``t + (k + 0.5) / motion_fps``
  for ``k = 0 .. motion_fps - 1``, grayscale uint8, ``motion_width`` wide, aspect kept.
* **Audio of second t.** Mono float32 at 16 kHz (PyAV's resampler; FFmpeg's standard
  downmix scaled so its gains sum to 1, e.g. stereo -> (L + R) / 2), samples
  ``[t, t + 0.96)`` s = 15360 samples. If the audio stream covers only part of that window
  (it starts late, ends early, or has a timestamp gap) the window is zero-padded when at least
  half of it (7680 samples) comes from the stream, otherwise it is ``None``. A movie without an
  audio track gives ``audio=None`` for every second; silence is never invented.
* **Truncated files.** If the video stream stops more than ``TRUNCATION_TOLERANCE_S`` before
  the duration its header announces, :class:`DecodeError` says at which second and what the
  header claimed; a shortfall within the tolerance holds the last decoded frame (as a player
  does). FFmpeg decode errors mid-stream raise :class:`DecodeError` with the second reached.

Pictures nothing samples are not decoded when they can be left out without changing any
sample: H.264 non-reference pictures off every sampling instant (see ``_PacketSelector``).

Memory is flat in movie length: video and audio are read by two independent demuxers on the
same file (each discarding the other stream's packets), so neither has to buffer the other's
data however the file is interleaved; at most one second of frames and ~2 s of 16 kHz audio
are held. Only the frames that are kept are converted to RGB / grayscale.

The header is read by ``probe.py`` and the audio windows made by ``audio_windows.py``; this
module decodes the pictures of each second and pairs them with its audio.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from videoaffect.decoding.audio_windows import audio_windows
from videoaffect.decoding.probe import (
    REENCODE_ADVICE,
    DecodeError,
    MediaInfo,
    discard_others,
    ffmpeg_reason,
    main_video_stream,
    open_container,
    probe,
)
from videoaffect.decoding.samples import SecondSample

__all__ = ["DecodeError", "MediaInfo", "probe", "iter_seconds", "main_video_stream", "TRUNCATION_TOLERANCE_S"]

TRUNCATION_TOLERANCE_S = 0.5
_HALF = Fraction(1, 2)


# --------------------------------------------------------------------------- streaming


def iter_seconds(
    path: str | Path,
    *,
    motion_fps: int = 0,
    motion_width: int = 160,
    max_side: int | None = None,
    threads: int = 0,
    skip_unused: bool = True,
) -> Iterator[SecondSample]:
    """Stream ``probe(path).seconds`` samples, one per second (timing rules in the module doc).

    The file is probed now, so an unusable file raises :class:`DecodeError` at the call; errors
    found while decoding raise from the iterator with the second reached. ``threads`` is the
    FFmpeg decoding thread count (0 lets FFmpeg choose; use 1-2 per worker process).
    ``skip_unused`` leaves undecoded the H.264 pictures that nothing samples and nothing
    references (see ``_PacketSelector``); the samples are the same either way.
    """
    if motion_fps < 0 or motion_width < 1 or (max_side is not None and max_side < 1) or threads < 0:
        raise ValueError(
            f"need motion_fps >= 0, motion_width >= 1, max_side >= 1 or None, threads >= 0; got "
            f"{motion_fps=}, {motion_width=}, {max_side=}, {threads=}"
        )
    info = probe(path)
    return _samples(info, motion_fps, motion_width, max_side, threads, skip_unused)


def _samples(info: MediaInfo, motion_fps: int, motion_width: int, max_side: int | None,
             threads: int, skip_unused: bool) -> Iterator[SecondSample]:
    video = _video_seconds(info, motion_fps, motion_width, max_side, threads, skip_unused)
    audio = audio_windows(info) if info.has_audio else None
    try:
        for index in range(info.seconds):
            frame, motion = next(video)
            window, tail = next(audio) if audio else (None, None)
            yield SecondSample(index=index, frame=frame, audio=window, motion_frames=motion, audio_tail=tail)
    finally:
        video.close()
        if audio is not None:
            audio.close()


def _decoded_frames(container, stream, selector: _PacketSelector | None = None) -> Iterator[av.VideoFrame]:
    """Decoded frames in presentation order (a seam for tests that count decoding progress).
    With a ``selector``, packets it rules unused are never handed to the decoder."""
    if selector is None:
        yield from container.decode(stream)
        return
    for packet in selector.filter(container.demux(stream)):
        yield from packet.decode()


# --------------------------------------------------------------------------- unused pictures
#
# Most of the decoding time of a film goes to pictures no extractor looks at: at 24 fps with
# 6 motion frames per second, 17 of every 24 frames are never shown to anyone.  Reference
# pictures must still be decoded (later pictures are predicted from them), but an H.264 picture
# whose NAL units have nal_ref_idc = 0 is used by no other picture, so leaving it undecoded
# changes no other frame.  Such a packet is dropped when no sampling instant falls inside the
# time it is on screen, [its time, the next frame's time): the frame the decoder picks for every
# instant is then exactly the one it picks when every frame is decoded.  On x264-encoded films
# (B-frames, the default) this skips about a quarter of the frames.  Other codecs, packets
# without timestamps and anything the parser does not recognise are decoded as before.

_H264_VCL = (1, 5)  # coded slice of a non-IDR / IDR picture
_REORDER_WINDOW = 32  # packets each side; H.264 reorders within its 16-picture buffer


def _annexb_nal_headers(data: bytes) -> Iterator[int]:
    start = data.find(b"\x00\x00\x01")
    while start >= 0 and start + 3 < len(data):
        yield data[start + 3]
        start = data.find(b"\x00\x00\x01", start + 3)


def _length_prefixed_nal_headers(data: bytes, size: int) -> Iterator[int]:
    at = 0
    while at + size < len(data):
        length = int.from_bytes(data[at : at + size], "big")
        if length <= 0:
            return
        yield data[at + size]
        at += size + length


class _PacketSelector:
    """Drops the H.264 packets of non-reference pictures that no sampling instant shows."""

    def __init__(self, stream, seconds: int, motion_fps: int) -> None:
        extradata = bytes(stream.codec_context.extradata or b"")
        # avcC extradata (MP4, MKV) starts with version 1; its NAL units are length-prefixed
        self.length_size = (extradata[4] & 3) + 1 if len(extradata) > 4 and extradata[0] == 1 else 0
        self.base, self.origin = stream.time_base, stream.start_time
        self.seconds, self.motion_fps = seconds, motion_fps
        self.skipped = 0
        self.seen_end: Fraction | None = None  # end of the last packet read, decoded or not

    @staticmethod
    def for_stream(stream, seconds: int, motion_fps: int) -> _PacketSelector | None:
        if stream.codec_context.name != "h264" or stream.start_time is None:
            return None
        return _PacketSelector(stream, seconds, motion_fps)

    def _is_reference(self, packet) -> bool:
        data = bytes(packet)
        headers = (_length_prefixed_nal_headers(data, self.length_size) if self.length_size
                   else _annexb_nal_headers(data))
        for header in headers:
            if header & 0x1F in _H264_VCL:
                return bool(header & 0x60)
        return True  # no slice found: let the decoder see it

    def _time(self, pts: int) -> Fraction:
        return Fraction(pts - self.origin) * self.base

    def _shown(self, start: Fraction, end: Fraction) -> bool:
        """Whether a sampling instant lies in [start, end)."""
        if start <= 1 or end <= start:
            return True  # around the first frame the decoder's hold rule needs every picture
        first, last = max(0, math.floor(start)), min(self.seconds - 1, math.floor(end))
        for second in range(first, last + 1):
            if any(start <= instant < end for instant, _ in _targets(second, self.motion_fps)):
                return True
        return False

    def filter(self, packets: Iterator) -> Iterator:
        window: list = []
        done_pts: list[int] = []
        for packet in packets:
            if packet.pts is not None and packet.duration:
                end = self._time(packet.pts + packet.duration)
                self.seen_end = end if self.seen_end is None else max(self.seen_end, end)
            window.append(packet)
            if len(window) > _REORDER_WINDOW:
                yield from self._decide(window.pop(0), window, done_pts)
        while window:
            yield from self._decide(window.pop(0), window, done_pts)

    def _decide(self, packet, ahead: list, done_pts: list[int]) -> Iterator:
        pts = packet.pts
        if pts is None or not packet.size or self._is_reference(packet):
            keep = True
        else:
            later = [p.pts for p in ahead if p.pts is not None and p.pts > pts]
            later += [p for p in done_pts if p > pts]
            keep = not later or self._shown(self._time(pts), self._time(min(later)))
        if pts is not None:
            done_pts.append(pts)
            del done_pts[:-_REORDER_WINDOW]
        if keep:
            yield packet
        else:
            self.skipped += 1


class _Converters:
    """One FFmpeg scaler per output kind, reused for every frame of the movie.

    ``VideoFrame.to_ndarray`` builds a new scaler for each frame, and setting up an area filter
    for a large shrink (1280x720 -> 160x90 grey, six motion frames a second) is a good part of
    the conversion's cost (docs/benchmarks/extraction.md, 0.3.3: 17.8 -> 20.2x real time on 720p).  The output
    is byte-identical, also when the frame size changes mid-stream
    (tests/decoding/test_unused_pictures.py)."""

    __slots__ = ("rgb", "gray")

    def __init__(self) -> None:
        self.rgb = VideoReformatter()
        self.gray = VideoReformatter()


class _Held:
    """A decoded frame and its time; converts to RGB / gray at most once, only if used."""

    __slots__ = ("frame", "time", "_rgb", "_gray", "_convert")

    def __init__(self, frame: av.VideoFrame, time: Fraction, convert: _Converters) -> None:
        self.frame, self.time, self._convert = frame, time, convert
        self._rgb: np.ndarray | None = None
        self._gray: np.ndarray | None = None

    def rgb(self, max_side: int | None) -> np.ndarray:
        if self._rgb is None:
            width, height = _fit(self.frame.width, self.frame.height, max_side)
            self._rgb = _owned(self._convert.rgb.reformat(self.frame, width=width, height=height, format="rgb24",
                                                          interpolation="AREA").to_ndarray())
        return self._rgb

    def gray(self, width: int) -> np.ndarray:
        if self._gray is None:
            height = max(1, round(self.frame.height * width / self.frame.width))
            self._gray = _owned(self._convert.gray.reformat(self.frame, width=width, height=height, format="gray",
                                                            interpolation="AREA").to_ndarray())
        return self._gray


def _fit(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _owned(array: np.ndarray) -> np.ndarray:
    # PyAV may hand back a view on the frame's buffer; a copy outlives the frame safely.
    return array if array.flags.owndata and array.flags.c_contiguous else np.array(array, order="C")


def _targets(second: int, motion_fps: int) -> list[tuple[Fraction, int]]:
    """Instants to sample in ``second``, sorted: (t + 1/2, -1) for the frame, then motion k."""
    points = [(second + _HALF, -1)]
    points += [(second + Fraction(2 * k + 1, 2 * motion_fps), k) for k in range(motion_fps)]
    return sorted(points)


def _video_seconds(info: MediaInfo, motion_fps: int, motion_width: int, max_side: int | None,
                   threads: int, skip_unused: bool) -> Generator[tuple[np.ndarray, list[np.ndarray]], None, None]:
    path = info.path
    with open_container(path) as container:
        stream = main_video_stream(container)
        discard_others(container, stream)
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = threads
        selector = _PacketSelector.for_stream(stream, info.seconds, motion_fps) if skip_unused else None
        base, origin = stream.time_base, stream.start_time
        step = Fraction(1) / Fraction(stream.average_rate or stream.guessed_rate or 25)
        second, targets = 0, _targets(0, motion_fps)
        picked: list[_Held] = []
        held: _Held | None = None
        last_frame_duration = step
        convert = _Converters()

        def emit(now: Fraction | None, candidate: _Held) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
            """Resolve every pending instant before ``now`` (None = end of stream)."""
            nonlocal second, targets, picked
            while second < info.seconds and (now is None or targets[len(picked)][0] < now):
                picked.append(held or candidate)  # before the first frame: show the first frame
                if len(picked) == len(targets):
                    by_kind = {kind: chosen for (_, kind), chosen in zip(targets, picked)}
                    motion = [by_kind[k].gray(motion_width) for k in range(motion_fps)]
                    yield by_kind[-1].rgb(max_side), motion
                    second, targets, picked = second + 1, _targets(second + 1, motion_fps), []

        try:
            for frame in _decoded_frames(container, stream, selector):
                pts = frame.pts if frame.pts is not None else frame.dts
                if origin is None:
                    origin = pts if pts is not None else 0
                current = _Held(frame, _frame_time(pts, origin, base, held, step), convert)
                yield from emit(current.time, current)
                if second >= info.seconds:
                    return
                held = current
                last_frame_duration = Fraction(frame.duration) * base if frame.duration else step
        except av.error.FFmpegError as exc:
            raise DecodeError(
                f"{path}: decoding the video failed at second {second} of {info.seconds} ({ffmpeg_reason(exc)}); "
                f"the file seems truncated or corrupt; {REENCODE_ADVICE}."
            ) from exc
        if second < info.seconds:
            _check_complete(info, held, last_frame_duration, second, selector.seen_end if selector else None)
            assert held is not None  # _check_complete raises when no frame was decoded
            yield from emit(None, held)


def _frame_time(pts: int | None, origin: int, base: Fraction, held: _Held | None, step: Fraction) -> Fraction:
    """Seconds since the origin; a missing or backward stamp continues from the held frame."""
    if pts is None:
        return held.time + step if held else Fraction(0)
    time = Fraction(pts - origin) * base
    return max(time, held.time) if held is not None else time


def _check_complete(info: MediaInfo, held: _Held | None, frame_duration: Fraction, second: int,
                    skipped_end: Fraction | None = None) -> None:
    if held is None:
        raise DecodeError(f"{info.path}: no video frame could be decoded; the file seems corrupt; {REENCODE_ADVICE}.")
    # pictures left undecoded on purpose (they came after every sampling instant) still count
    decoded_end = float(max(held.time + frame_duration, skipped_end or 0))
    if info.duration_s - decoded_end > TRUNCATION_TOLERANCE_S:
        raise DecodeError(
            f"{info.path}: the video stops at {decoded_end:.2f} s (second {second}) but the header says it lasts "
            f"{info.duration_s:.2f} s: the file seems truncated (an interrupted download or copy?); "
            "copy or download it again."
        )
