"""JPEG thumbnails of single seconds of a video, decoded with PyAV by seeking (never the whole
film): the frame shown at ``t + 0.5 s``, the same instant the frame extractors look at."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import av
import cv2
import numpy as np

JPEG_QUALITY = 85
# How far past the target instant we keep decoding when frames have no usable timestamps
# before giving up on that second.
_MAX_FRAMES_PER_SEEK = 2000


def grab_frames(video_path, seconds: Iterable[int], *, max_width: int = 320) -> dict[int, bytes]:
    """JPEG bytes of the frame displayed at ``t + 0.5`` s for each requested second ``t``.

    Frames wider than ``max_width`` are scaled down keeping their aspect ratio. A second that
    cannot be decoded (past the end, no frame, broken data) is left out of the result; a file
    that cannot be opened raises ``OSError`` naming it.
    """
    path = Path(video_path)
    wanted = sorted({int(s) for s in seconds})
    try:
        container = av.open(str(path))
    except Exception as exc:  # av raises FileNotFoundError, InvalidDataError, ...
        raise OSError(f"cannot open video {str(path)!r}: {exc}") from exc
    out: dict[int, bytes] = {}
    with container:
        stream = _video_stream(container)
        if stream is None or not stream.time_base:
            return out
        stream.thread_type = "AUTO"
        duration = _duration(container, stream)
        for second in wanted:
            if second < 0:
                continue
            try:
                image = _frame_at(container, stream, second + 0.5, duration)
            except (av.FFmpegError, ValueError, OSError):
                image = None
            if image is None:
                continue
            jpeg = _encode_jpeg(image, max_width)
            if jpeg is not None:
                out[second] = jpeg
    return out


def _frame_at(container, stream, target: float, duration: float | None) -> np.ndarray | None:
    """RGB array of the frame displayed at ``target`` seconds after the stream's first frame:
    seek to the key frame before it, then decode forward to the last frame at or before it."""
    base = stream.time_base
    origin = stream.start_time or 0
    container.seek(origin + int(math.floor(target / base)), stream=stream, backward=True, any_frame=False)
    best, best_time = None, None
    for count, frame in enumerate(container.decode(stream), start=1):
        pts = frame.pts if frame.pts is not None else frame.dts
        if pts is None:  # no timestamp at all: the first frame after the seek is the best guess
            if best is None:
                best, best_time = frame, None
            if count >= _MAX_FRAMES_PER_SEEK:
                break
            continue
        t = float((pts - origin) * base)
        if t <= target + 1e-6:
            best, best_time = frame, t
            if t >= target - 1e-6 or count >= _MAX_FRAMES_PER_SEEK:
                break
            continue
        if best is None and t - target < 1.0:
            # Nothing before the instant (the first frame starts late): like the decoder of
            # the pipeline, show the first frame.
            best, best_time = frame, t
        break
    else:
        # End of stream: the last frame is shown at ``target`` only while the video lasts.
        if best is not None and best_time is not None:
            end = duration if duration is not None else best_time + 1.0
            if target >= end:
                best = None
    if best is None:
        return None
    return best.to_ndarray(format="rgb24")


def _video_stream(container):
    from videoaffect.decoding.media import main_video_stream

    return main_video_stream(container)


def _duration(container, stream) -> float | None:
    """Seconds from the stream's first frame to the end of the video, None if unknown."""
    if stream.duration:
        return float(stream.duration * stream.time_base)
    if container.duration:
        start = float((stream.start_time or 0) * stream.time_base)
        container_start = (container.start_time or 0) / av.time_base
        return container.duration / av.time_base - (start - container_start)
    return None


def _encode_jpeg(rgb: np.ndarray, max_width: int) -> bytes | None:
    height, width = rgb.shape[:2]
    if width <= 0 or height <= 0:
        return None
    if max_width and width > max_width:
        new_h = max(1, int(round(height * max_width / width)))
        rgb = cv2.resize(rgb, (int(max_width), new_h), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [int(cv2.IMWRITE_JPEG_QUALITY), JPEG_QUALITY])
    return buf.tobytes() if ok else None
