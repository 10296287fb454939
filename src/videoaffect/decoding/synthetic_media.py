"""Tiny media files with known content, encoded with PyAV, for tests, benchmarks and demos.

Frames encode their own index (see :func:`index_pattern` / :func:`read_index`) so a test can
tell exactly which frame a decoder picked; audio is a tone whose frequency changes every second
(see :func:`tone_frequency`) so a test can tell which second an audio window came from.

Everything is deterministic. Typical use::

    path = make_video(tmp_path / "clip.mp4", seconds=4)
    for sample in iter_seconds(path): ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

FramePattern = Callable[[int, float, tuple[int, int]], np.ndarray]
ToneFunction = Callable[[np.ndarray], np.ndarray]

# Steps of 8 grey levels survive YUV 4:2:0 round trips and H.264 quantisation of flat frames.
_INDEX_STEP = 8
_INDEX_BASE = 256 // _INDEX_STEP  # 32 values per channel -> 32**2 = 1024 distinct frames


def video_codec() -> str:
    """H.264 where this PyAV build has libx264, else MPEG-4 part 2 (always built in)."""
    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


def index_pattern(index: int, time_s: float, size: tuple[int, int]) -> np.ndarray:
    """Flat RGB frame whose red and green levels spell ``index`` (0..1023) in base 32."""
    width, height = size
    red = (index % _INDEX_BASE) * _INDEX_STEP + _INDEX_STEP // 2
    green = ((index // _INDEX_BASE) % _INDEX_BASE) * _INDEX_STEP + _INDEX_STEP // 2
    frame = np.empty((height, width, 3), np.uint8)
    frame[..., 0] = red
    frame[..., 1] = green
    frame[..., 2] = 128
    return frame


def read_index(frame: np.ndarray) -> int:
    """Inverse of :func:`index_pattern` for a decoded RGB (H, W, 3) or its centre pixel."""
    height, width = frame.shape[:2]
    centre = frame[height // 4 : max(height * 3 // 4, 1), width // 4 : max(width * 3 // 4, 1)]
    red, green = (float(np.median(centre[..., c])) for c in (0, 1))
    return int(red // _INDEX_STEP) + _INDEX_BASE * int(green // _INDEX_STEP)


def tone_frequency(second: int) -> float:
    """Frequency (Hz) of the default test tone during ``second``: 400, 600, 800, ... Hz."""
    return 400.0 + 200.0 * (second % 16)


def stepped_tone(t: np.ndarray) -> np.ndarray:
    """Default audio: a sine at :func:`tone_frequency` of the current second, amplitude 0.5.

    Phase is accumulated so the signal is continuous across second boundaries.
    """
    seconds = np.floor(t).astype(np.int64)
    top = int(seconds.max()) + 1 if seconds.size else 1
    freqs = np.array([tone_frequency(s) for s in range(top)])
    cycles_before = np.concatenate([[0.0], np.cumsum(freqs)[:-1]])
    phase = cycles_before[seconds] + freqs[seconds] * (t - seconds)
    return (0.5 * np.sin(2 * np.pi * phase)).astype(np.float32)


def irregular_times(seconds: float, seed: int = 0) -> list[float]:
    """Deterministic variable-frame-rate timestamps: gaps of 10 to 190 ms, first frame at 0."""
    rng = np.random.default_rng(seed)
    times, t = [], 0.0
    while t < seconds:
        times.append(round(t, 3))
        t += float(rng.uniform(0.01, 0.19))
    return times


def make_video(
    path: str | Path,
    seconds: float,
    *,
    fps: float | Fraction = 25,
    size: tuple[int, int] = (64, 48),
    audio: bool = True,
    audio_rate: int = 44100,
    channels: int = 2,
    audio_seconds: float | None = None,
    vfr: bool = False,
    frame_times: Sequence[float] | None = None,
    pattern: FramePattern | None = None,
    tone: ToneFunction | None = None,
    faststart: bool = False,
) -> Path:
    """Encode a small video (H.264 or MPEG-4, plus AAC audio) and return its path.

    ``size`` is (width, height); odd sizes use 4:4:4 chroma so they encode losslessly in shape.
    ``fps`` may be fractional (``Fraction(24000, 1001)``). ``vfr=True`` uses
    :func:`irregular_times`; ``frame_times`` (seconds, increasing) overrides both.
    ``pattern(index, time_s, size)`` draws frame ``index`` (default :func:`index_pattern`);
    ``tone(t)`` gives mono samples in [-1, 1] at times ``t`` (default :func:`stepped_tone`),
    copied to every channel. ``audio_seconds`` defaults to ``seconds``. ``faststart`` moves the
    MP4 index to the front (so a file cut short still opens).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pattern = pattern or index_pattern
    times = _frame_times(seconds, fps, vfr, frame_times)
    options = {"movflags": "faststart"} if faststart and path.suffix.lower() in {".mp4", ".mov", ".m4a"} else {}
    with av.open(str(path), "w", options=options) as container:
        vstream, time_base = _add_video_stream(container, fps, size, variable=vfr or frame_times is not None)
        astream = _add_audio_stream(container, audio_rate, channels) if audio else None
        for index, t in enumerate(times):
            image = pattern(index, t, size)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = int(round(t / time_base))
            frame.time_base = time_base
            container.mux(vstream.encode(frame))
        container.mux(vstream.encode(None))
        if astream is not None:
            _encode_audio(container, astream, audio_seconds if audio_seconds is not None else seconds, tone)
    return path


def make_audio(path: str | Path, seconds: float, *, audio_rate: int = 44100, channels: int = 2,
               tone: ToneFunction | None = None) -> Path:
    """Encode an audio-only file (AAC; use a ``.m4a`` suffix) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        astream = _add_audio_stream(container, audio_rate, channels)
        _encode_audio(container, astream, seconds, tone)
    return path


def make_png(path: str | Path, size: tuple[int, int] = (64, 48)) -> Path:
    """A real PNG image (whatever suffix ``path`` has), for 'image renamed .mp4' tests."""
    path = Path(path)
    with av.open(str(path), "w", format="image2", options={"update": "1"}) as container:
        stream = container.add_stream("png", rate=1)
        stream.width, stream.height = size
        stream.pix_fmt = "rgb24"
        frame = av.VideoFrame.from_ndarray(index_pattern(3, 0.0, size), format="rgb24")
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _frame_times(seconds: float, fps: float | Fraction, vfr: bool, frame_times: Sequence[float] | None) -> list[float]:
    if frame_times is not None:
        return [float(t) for t in frame_times]
    if vfr:
        return irregular_times(seconds)
    rate = Fraction(fps).limit_denominator(100000)
    count = int(np.ceil(float(seconds * rate) - 1e-9))
    return [float(i / rate) for i in range(count)]


def _add_video_stream(container, fps: float | Fraction, size: tuple[int, int], variable: bool):
    rate = Fraction(fps).limit_denominator(100000)
    codec = video_codec()
    width, height = size
    odd = width % 2 or height % 2
    # one encoder thread, so that generated corpora repeat as closely as they can (files made on
    # a heavily loaded machine were still seen to differ in a few frames)
    options = {"crf": "12", "threads": "1"} if codec == "libx264" else {"qscale": "2", "threads": "1"}
    stream = container.add_stream(codec, rate=rate, options=options)
    stream.codec_context.thread_count = 1
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv444p" if odd and codec == "libx264" else "yuv420p"
    # Millisecond ticks let variable-rate files place frames at arbitrary instants.
    time_base = Fraction(1, 1000) if variable else 1 / rate
    stream.time_base = time_base
    stream.codec_context.time_base = time_base
    return stream, time_base


def _add_audio_stream(container, rate: int, channels: int):
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    stream = container.add_stream("aac", rate=rate, layout=layout)
    stream.bit_rate = 96000 * max(1, channels // 2)
    return stream


def _encode_audio(container, stream, seconds: float, tone: ToneFunction | None) -> None:
    tone = tone or stepped_tone
    rate = stream.codec_context.sample_rate
    channels = stream.codec_context.layout.nb_channels
    total = int(round(seconds * rate))
    chunk = 1024
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        t = (start + np.arange(n)) / rate
        mono = np.clip(tone(t), -1.0, 1.0).astype(np.float32)
        planar = np.ascontiguousarray(np.repeat(mono[None, :], channels, axis=0))
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=stream.codec_context.layout.name)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
