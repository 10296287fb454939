"""What a media file holds, read from its header before any decoding: :func:`probe` checks the
file and gives its :class:`MediaInfo` (video size, duration and number of seconds, audio), and
the helpers that open a file and pick its streams for the decoders (``media.py`` for the
pictures, ``audio_windows.py`` for the sound).  The timing rules are in ``media.py``'s doc."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from videoaffect.core.errors import DataError

_HALF = Fraction(1, 2)
_IMAGE_FORMATS = {"image2", "image2pipe"}
REENCODE_ADVICE = "re-encode it to H.264/AAC MP4 (e.g. with HandBrake or ffmpeg) or re-download it"


class DecodeError(DataError, RuntimeError):
    """A media file cannot be decoded; the message names the file, the problem and the fix."""


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` learns from a file's header (see the module doc for ``seconds``)."""

    path: Path
    duration_s: float
    seconds: int
    has_video: bool
    has_audio: bool
    width: int
    height: int
    fps: float | None
    audio_rate: int | None
    audio_channels: int | None
    video_codec: str
    audio_codec: str | None
    video_start_s: float = 0.0


# --------------------------------------------------------------------------- probing


def probe(path: str | Path) -> MediaInfo:
    """Read the header of ``path``; raise :class:`DecodeError` if it cannot be used."""
    path = _check_file(path)
    with open_container(path) as container:
        return _media_info(path, container)


def _check_file(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DecodeError(f"{path}: file not found; check the path (and its quoting if it has spaces).")
    if path.is_dir():
        raise DecodeError(f"{path}: is a directory, not a video file; pass the video files inside it.")
    if path.stat().st_size == 0:
        raise DecodeError(f"{path}: file is empty (0 bytes); copy or download it again.")
    return path


def open_container(path: Path):
    try:
        return av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        raise DecodeError(
            f"{path}: cannot be read as a media file ({ffmpeg_reason(exc)}); it is not a video, or its "
            f"header is corrupt or missing (e.g. an interrupted download or copy); {REENCODE_ADVICE}."
        ) from exc
    except OSError as exc:
        raise DecodeError(f"{path}: cannot be opened ({exc}); check the file's permissions.") from exc


def ffmpeg_reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def _media_info(path: Path, container) -> MediaInfo:
    if container.format.name in _IMAGE_FORMATS or container.format.name.endswith("_pipe"):
        raise DecodeError(
            f"{path}: is a still image ({container.format.name.removesuffix('_pipe')}), not a video, "
            "whatever its file extension; remove it from the inputs or convert it to a video."
        )
    video = main_video_stream(container)
    if video is None:
        kind = "audio-only file" if container.streams.audio else "file without a video stream"
        raise DecodeError(f"{path}: {kind}: videoaffect needs a video stream; pass the movie's video file instead.")
    context = video.codec_context
    if context is None or not context.width or not context.height:
        raise DecodeError(
            f"{path}: the video stream's codec or frame size is unknown to the bundled FFmpeg "
            f"(codec {getattr(context, 'name', None)!r}); {REENCODE_ADVICE}."
        )
    duration = _video_duration(path, container, video)
    seconds = _count_seconds(duration)
    if seconds == 0:
        raise DecodeError(
            f"{path}: the video lasts {float(duration):.2f} s, not more than half a second, so no second has a frame "
            "at its midpoint; use clips longer than 0.5 s."
        )
    audio = container.streams.best("audio")
    rate = video.average_rate or video.guessed_rate
    return MediaInfo(
        path=path,
        duration_s=float(duration),
        seconds=seconds,
        has_video=True,
        has_audio=audio is not None,
        width=int(context.width),
        height=int(context.height),
        fps=float(rate) if rate else None,
        audio_rate=int(audio.codec_context.sample_rate) if audio is not None else None,
        audio_channels=int(audio.codec_context.channels) if audio is not None else None,
        video_codec=context.name,
        audio_codec=audio.codec_context.name if audio is not None else None,
        video_start_s=float(start_time(video)),
    )


def main_video_stream(container):
    """The main video stream; cover art (``attached_pic``) in music files is not a video."""
    candidates = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    if not candidates:
        return None
    best = container.streams.best("video")
    return best if best in candidates else candidates[0]



def audio_stream(container):
    return container.streams.best("audio")


def start_time(stream) -> Fraction:
    return Fraction(stream.start_time or 0) * stream.time_base


def _count_seconds(duration: Fraction) -> int:
    """Seconds whose midpoint lies inside the video: #{t >= 0 : t + 1/2 < duration}."""
    return max(0, math.ceil(duration - _HALF))


def _video_duration(path: Path, container, stream) -> Fraction:
    """Duration of the video stream itself: its header, else its Matroska ``DURATION`` tag,
    else a scan of its packet times. The container's duration is not used: it spans all
    streams, so a longer audio track would inflate it."""
    if stream.duration and stream.duration > 0:
        return Fraction(stream.duration) * stream.time_base
    tagged = _duration_tag(stream.metadata.get("DURATION") or stream.metadata.get("duration"))
    if tagged:
        return tagged
    return _scan_duration(path, container, stream)


def _duration_tag(text: str | None) -> Fraction | None:
    """Parse Matroska's per-track 'HH:MM:SS.fffffffff' tag."""
    try:
        hours, minutes, secs = (text or "").strip().split(":")
        value = int(hours) * 3600 + int(minutes) * 60 + Fraction(secs)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _scan_duration(path: Path, container, stream) -> Fraction:
    """Headerless streams (raw H.264, some live-recorded MKV): read packet times, no decoding."""
    discard_others(container, stream)
    start, end = None, None
    try:
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            start = packet.pts if start is None else min(start, packet.pts)
            finish = packet.pts + (packet.duration or 0)
            end = finish if end is None else max(end, finish)
    except av.error.FFmpegError as exc:
        raise DecodeError(f"{path}: cannot read the video packets ({ffmpeg_reason(exc)}); {REENCODE_ADVICE}.") from exc
    if end is None:
        raise DecodeError(
            f"{path}: the video stream has no timestamps (a raw elementary stream?); put it in a container "
            "(MP4/MKV) with its frame rate, or re-encode it."
        )
    return Fraction(end - start) * stream.time_base


def discard_others(container, keep) -> None:
    # The demuxer then skips the other streams' packets instead of handing them over.
    for stream in container.streams:
        if stream.index != keep.index:
            stream.discard = av.stream.Discard.all


__all__ = [
    "REENCODE_ADVICE",
    "DecodeError",
    "MediaInfo",
    "audio_stream",
    "discard_others",
    "ffmpeg_reason",
    "main_video_stream",
    "open_container",
    "probe",
    "start_time",
]
