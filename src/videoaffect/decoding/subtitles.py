"""What a video's subtitles say and when: timed text cues from a sidecar file next to the video, a
file the user names, or a text subtitle stream inside the video.

* **Where from**, in this order: the file named with ``--subtitles``; else a sidecar next to the
  video with its name (``film.mp4`` -> ``film.srt``, ``film.en.srt``, ``film.eng.srt``,
  ``film.vtt``, ``film.en.vtt``, the first that exists); else the first text subtitle stream inside
  the video whose language tag is English or absent (streams tagged with another language are
  passed over, named in a warning; picture subtitles such as DVD/PGS bitmaps carry no text and are
  passed over too); else none.
* **Formats**: SubRip (``.srt``, parsed by ``srt``) and WebVTT (``.vtt``, parsed by
  ``webvtt-py``), UTF-8 (a byte-order mark is fine).  A file that does not parse is refused naming
  the file, the line and the fix; so is a cue-timing line webvtt-py would skip without a word.
* **Text**: markup is removed (``<i>``, ``<v Bob>``, ``{\\an8}`` ASS overrides), line breaks become
  spaces, empty cues are dropped.
* **Times**: seconds on the decoder's clock (``media.py``: second 0 starts at the video stream's
  first frame).  A stream's cue times are shifted by the video stream's start time; a file's cue
  times are taken as counted from the start of the video, as players show them.

``Subtitles.provenance()`` is what a movie's stored features record about their source (the file's
name and sha256, or the stream), so that features extracted from changed subtitles are redone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from videoaffect.core.errors import DataError
from videoaffect.core.files import sha256_of

log = logging.getLogger(__name__)

SIDECAR_SUFFIXES = (".srt", ".en.srt", ".eng.srt", ".vtt", ".en.vtt")
FILE_SUFFIXES = (".srt", ".vtt")
ENGLISH_TAGS = ("", "en", "eng", "und")
ENCODING_FIX = "save it as UTF-8 (e.g. iconv -f cp1252 -t utf-8 FILE > NEW)"

_MARKUP = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_SPACE = re.compile(r"\s+")
_TIMESTAMP_START = re.compile(r"^\s*(\d+:)?\d{2}:\d{2}[.,]\d")
_VTT_TIMING = re.compile(r"^\s*(\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(\d+:)?\d{2}:\d{2}\.\d{3}(\s.*)?$")


class SubtitleError(DataError):
    """A subtitle file or stream cannot be read; the message names it, the problem and the fix."""


@dataclass(frozen=True)
class Cue:
    """Text on screen from ``start`` to ``end`` seconds (decoder clock)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Subtitles:
    """A video's cues and where they come from: ``source`` is 'file' (named with --subtitles),
    'sidecar', 'embedded stream', 'speech-to-text' or 'none'; ``origin`` the file or stream."""

    source: str
    cues: tuple[Cue, ...] = ()
    origin: str = ""
    sha256: str = ""
    details: dict = field(default_factory=dict)

    def provenance(self) -> dict:
        out = {"source": self.source}
        if self.origin:
            out["origin"] = self.origin
        if self.sha256:
            out["sha256"] = self.sha256
        out.update(self.details)
        return out


def clean_text(text: str) -> str:
    """Cue text without markup, on one line."""
    return _SPACE.sub(" ", _MARKUP.sub("", text.replace("\\N", " "))).strip()


def sidecar_of(video: str | Path) -> Path | None:
    """The first subtitle file next to ``video`` with its name (see the module doc), or None."""
    video = Path(video)
    for suffix in SIDECAR_SUFFIXES:
        candidate = video.with_name(video.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def find_subtitles(video: str | Path, named: str | Path | None = None) -> Subtitles:
    """The subtitles of ``video``: the ``named`` file, a sidecar, a text stream, or none."""
    if named:
        path = Path(named)
        return Subtitles("file", tuple(read_subtitle_file(path)), path.name, sha256_of(path))
    sidecar = sidecar_of(video)
    if sidecar is not None:
        return Subtitles("sidecar", tuple(read_subtitle_file(sidecar)), sidecar.name, sha256_of(sidecar))
    return read_subtitle_stream(video)


# ---------------------------------------------------------------------- files
def read_subtitle_file(path: str | Path) -> list[Cue]:
    """The cues of a .srt or .vtt file, in time order."""
    path = Path(path)
    if not path.is_file():
        raise SubtitleError(f"subtitle file {path} does not exist; give an existing .srt or .vtt file")
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise SubtitleError(f"subtitle file {path}: {path.suffix or 'no suffix'} is not a format read here; "
                            "give a SubRip (.srt) or WebVTT (.vtt) file (convert others, e.g. ffmpeg -i IN OUT.srt)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise SubtitleError(f"subtitle file {path}, line {line}: not UTF-8 text; {ENCODING_FIX}") from None
    cues = _srt_cues(path, text) if path.suffix.lower() == ".srt" else _vtt_cues(path, text)
    return sorted((c for c in cues if c.text), key=lambda c: (c.start, c.end))


def _srt_cues(path: Path, text: str) -> list[Cue]:
    import srt

    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text.count("\n", 0, exc.expected_start) + 1
        raise SubtitleError(f"subtitle file {path}, line {line}: not a SubRip cue (a number, a line "
                            "'00:00:01,000 --> 00:00:02,500', the text, a blank line); correct that cue") from None
    return [_cue(path, s.start.total_seconds(), s.end.total_seconds(), s.content) for s in subs]


def _vtt_cues(path: Path, text: str) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    # webvtt-py passes over a cue whose timing line it cannot read: such a line (one starting with a
    # time, or holding an arrow) is refused here.
    for number, line in enumerate(text.splitlines(), 1):
        if ("-->" in line or _TIMESTAMP_START.match(line)) and not _VTT_TIMING.match(line):
            raise SubtitleError(f"subtitle file {path}, line {number}: {line.strip()!r} is not a WebVTT cue "
                                "timing ('00:00:01.000 --> 00:00:02.500'); correct it")
    try:
        captions = webvtt.WebVTT.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise SubtitleError(f"subtitle file {path}: not a WebVTT file ({exc}); it must start with a "
                            "'WEBVTT' line, then cues separated by blank lines") from None
    return [_cue(path, _vtt_seconds(c.start), _vtt_seconds(c.end), c.text) for c in captions]


def _vtt_seconds(stamp: str) -> float:
    parts = [float(p) for p in stamp.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


def _cue(path: Path, start: float, end: float, text: str) -> Cue:
    if end < start:
        raise SubtitleError(f"subtitle file {path}: the cue {text[:40]!r} ends ({end:.3f} s) before it starts "
                            f"({start:.3f} s); correct its timing")
    return Cue(float(start), float(end), clean_text(text))


# ---------------------------------------------------------------------- streams
def read_subtitle_stream(video: str | Path) -> Subtitles:
    """The cues of the first English (or untagged) text subtitle stream inside ``video``."""
    import av

    from videoaffect.decoding.probe import discard_others, main_video_stream, open_container, start_time

    video = Path(video)
    with open_container(video) as container:
        chosen = None
        for stream in container.streams.subtitles:
            language = (stream.metadata.get("language") or "").lower()
            if language not in ENGLISH_TAGS:
                log.warning("%s: subtitle stream %d is tagged %r, not English: not read (the text modality "
                            "scores English only)", video, stream.index, language)
                continue
            if stream.codec_context.name in ("dvd_subtitle", "hdmv_pgs_subtitle", "dvb_subtitle", "xsub"):
                log.warning("%s: subtitle stream %d holds pictures (%s), not text: not read", video, stream.index,
                            stream.codec_context.name)
                continue
            chosen = stream
            break
        if chosen is None:
            return Subtitles("none")
        index, codec = chosen.index, chosen.codec_context.name
        language = chosen.metadata.get("language") or "untagged"
        video_stream = main_video_stream(container)
        origin = start_time(video_stream) if video_stream is not None else Fraction(0)
        discard_others(container, chosen)
        cues = []
        try:
            for packet in container.demux(chosen):
                if packet.pts is None:
                    continue
                start = Fraction(packet.pts) * packet.time_base - origin
                end = start + Fraction(packet.duration or 0) * packet.time_base
                for sub in packet.decode():
                    raw = getattr(sub, "dialogue", None) or getattr(sub, "text", None) or b""
                    text = clean_text(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))
                    if text:
                        cues.append(Cue(float(start), float(end), text))
        except av.FFmpegError as exc:
            raise SubtitleError(f"{video}: subtitle stream {index} cannot be decoded ({exc}); extract it to a "
                                "file (ffmpeg -i VIDEO -map 0:s:0 SUBS.srt) and give it with --subtitles") from None
    cues.sort(key=lambda c: (c.start, c.end))
    return Subtitles("embedded stream", tuple(cues), f"stream {index} ({codec})", details={"language": language})
