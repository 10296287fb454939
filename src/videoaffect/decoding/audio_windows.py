"""The audio of each second: mono float32 windows at 16 kHz, resampled from the file's audio
stream and placed on the video's clock (the rules are in ``media.py``'s doc, "Audio of second t")."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from fractions import Fraction

import av
import numpy as np

from videoaffect.decoding.probe import (
    REENCODE_ADVICE,
    DecodeError,
    MediaInfo,
    audio_stream,
    discard_others,
    ffmpeg_reason,
    open_container,
)
from videoaffect.decoding.samples import AUDIO_RATE, AUDIO_WINDOW_SAMPLES, VGGISH_WINDOW_SAMPLES

# A window with less than this share of real samples is reported missing rather than padded.
MIN_AUDIO_FRACTION = 0.5
_MAX_AUDIO_JITTER = Fraction(1, 50)


class _AudioBuffer:
    """16 kHz mono samples on the movie clock, with a mask of which came from the stream."""

    def __init__(self) -> None:
        self.base = 0  # absolute sample index of data[0]
        self.data = np.zeros(0, np.float32)
        self.valid = np.zeros(0, bool)

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def write(self, position: int, chunk: np.ndarray) -> None:
        if position < self.base:  # audio before the origin (or before a dropped window)
            chunk, position = chunk[self.base - position :], self.base
        if not len(chunk):
            return
        stop = position + len(chunk) - self.base
        if stop > len(self.data):
            grow = stop - len(self.data)
            self.data = np.concatenate([self.data, np.zeros(grow, np.float32)])
            self.valid = np.concatenate([self.valid, np.zeros(grow, bool)])
        self.data[position - self.base : stop] = chunk
        self.valid[position - self.base : stop] = True

    def window(self, start: int, length: int) -> tuple[np.ndarray, int]:
        """Samples [start, start + length) zero-filled where absent, and how many are real."""
        out = np.zeros(length, np.float32)
        lo, hi = max(start, self.base), min(start + length, self.end)
        if hi <= lo:
            return out, 0
        mask = self.valid[lo - self.base : hi - self.base]
        out[lo - start : hi - start] = np.where(mask, self.data[lo - self.base : hi - self.base], 0.0)
        return out, int(mask.sum())

    def drop_before(self, index: int) -> None:
        cut = min(max(0, index - self.base), len(self.data))
        self.data, self.valid = self.data[cut:], self.valid[cut:]
        self.base += cut


def audio_windows(info: MediaInfo) -> Generator[tuple[np.ndarray | None, np.ndarray | None], None, None]:
    """Endless: the 960 ms window of second 0, 1, 2, ... and the 15 ms that follow it (VGGish's
    patch reaches there); (None, None) once the audio is over."""
    path = info.path
    buffer = _AudioBuffer()
    ended = False
    with open_container(path) as container:
        stream = audio_stream(container)
        discard_others(container, stream)
        origin = Fraction(info.video_start_s).limit_denominator(10**9)
        chunks = _resampled(container, stream, origin)
        second = 0
        while True:
            start = second * AUDIO_RATE
            try:
                while not ended and buffer.end < start + VGGISH_WINDOW_SAMPLES:
                    item = next(chunks, None)
                    if item is None:
                        ended = True
                    else:
                        buffer.write(*item)
            except av.error.FFmpegError as exc:
                raise DecodeError(
                    f"{path}: decoding the audio failed at second {second} ({ffmpeg_reason(exc)}); "
                    f"the file seems truncated or corrupt; {REENCODE_ADVICE}."
                ) from exc
            window, real = buffer.window(start, AUDIO_WINDOW_SAMPLES)
            if real >= MIN_AUDIO_FRACTION * AUDIO_WINDOW_SAMPLES:
                tail, _ = buffer.window(start + AUDIO_WINDOW_SAMPLES, VGGISH_WINDOW_SAMPLES - AUDIO_WINDOW_SAMPLES)
                yield window, tail
            else:
                yield None, None
            second += 1
            buffer.drop_before(second * AUDIO_RATE)


def _resampled(container, stream, origin: Fraction) -> Iterator[tuple[int, np.ndarray]]:
    """(absolute 16 kHz sample index, mono float32 chunk) on the video clock.

    The running sample count follows the stream's own timestamps: a jump of more than 20 ms
    (a gap in the recording) moves the write position, leaving the gap as missing samples.
    """
    resampler, setup = None, None
    position: int | None = None
    expected = Fraction(0)  # where the next input frame should start, in seconds
    for frame in container.decode(stream):
        if (frame.format.name, frame.layout.name, frame.sample_rate) != setup:
            # A layout or rate change mid-stream (TV recordings) needs a fresh resampler.
            for chunk in _drain(resampler, None):
                assert position is not None  # set by the frame that created the resampler
                yield position, chunk
                position += len(chunk)
            resampler, setup = _mono_resampler(), (frame.format.name, frame.layout.name, frame.sample_rate)
        if frame.pts is not None:
            start = Fraction(frame.pts) * stream.time_base - origin
            if position is None:
                position = round(start * AUDIO_RATE)
            elif start - expected > _MAX_AUDIO_JITTER:
                position += round((start - expected) * AUDIO_RATE)
            expected = start + Fraction(frame.samples, frame.sample_rate)
        elif position is None:
            position = 0
        for chunk in _drain(resampler, frame):
            assert position is not None  # set just above for every frame
            yield position, chunk
            position += len(chunk)
    for chunk in _drain(resampler, None):
        assert position is not None  # a resampler exists only once a frame set the position
        yield position, chunk
        position += len(chunk)


def _mono_resampler() -> av.AudioResampler:
    # FFmpeg's standard downmix (LFE dropped), scaled so the gains sum to at most 1: stereo
    # becomes (L + R) / 2 and a signal common to all channels keeps its level, whatever the
    # layout (the unscaled matrix would make stereo 3 dB and 5.1 10 dB louder than mono).
    return av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE, options={"rematrix_maxval": "1.0"})


def _drain(resampler: av.AudioResampler | None, frame: av.AudioFrame | None) -> Iterator[np.ndarray]:
    if resampler is None:
        return
    for out in resampler.resample(frame):
        yield np.ascontiguousarray(out.to_ndarray().reshape(-1), dtype=np.float32)


__all__ = ["MIN_AUDIO_FRACTION", "audio_windows"]
