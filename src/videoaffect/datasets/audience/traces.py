"""Read one rater's continuous trace: our ``videoaffect-trace/1`` files (what the `annotate` page
saves) and the GTrace files of the LIRIS-ACCEDE continuous release (``raw/idN/<Film>_<Task>_idN.txt``).

Both become a `Trace`: the rater, the task, the video it rates, and samples (time in seconds of
the video, value on [-1, 1]) with strictly increasing times.  Every problem is an error naming
the file, the line and the fix; nothing is silently skipped, since a skipped sample would shift
that rater's per-second mean without anyone knowing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.formats.errors import DatasetError

TRACE_FORMAT = "videoaffect-trace/1"
GTRACE_HEADER_LINES = 8  # date, annotator id, video path, image path, dimension, range, colours, 0
_GTRACE_NAME = re.compile(r"^(?P<film>.+)_(?P<task>[A-Za-z]+)_(?P<rater>id\d+)$")


class TraceError(DatasetError):
    """A trace file that cannot be read; the message names the file (and line) and the fix."""


@dataclass(frozen=True)
class Trace:
    path: Path
    rater: str
    task: str  # one of core.vocabulary.TASKS
    video: str  # the video's file name (ours) or the film's name (GTrace)
    video_sha256: str | None
    times: np.ndarray  # seconds of the video, strictly increasing
    values: np.ndarray  # on [-1, 1]
    source: str  # "videoaffect-trace/1" or "gtrace"

    @property
    def video_stem(self) -> str:
        return Path(self.video).stem


def read_trace(path: str | Path) -> Trace:
    """Read a trace file of either format, told apart by its first line."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"{path}: no such trace file; give the path of a file the annotate page saved "
                         "(or a LIRIS-ACCEDE raw/idN/<Film>_<Task>_idN.txt)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TraceError(f"{path}: not UTF-8 text (byte {exc.start}); give the trace file as saved, "
                         "not a spreadsheet export") from None
    lines = text.splitlines()
    if lines and lines[0].strip().lstrip("#").strip() == TRACE_FORMAT:
        return _read_ours(path, lines)
    if raw.startswith(b"\xef\xbb\xbf") or _GTRACE_NAME.match(path.stem):
        return _read_gtrace(path, lines)
    raise TraceError(f"{path}: neither a videoaffect trace (first line '# {TRACE_FORMAT}') nor a LIRIS-ACCEDE "
                     "GTrace file (<Film>_<Task>_idN.txt); give a trace saved by the annotate page")


def _task(path: Path, word: str, where: str) -> str:
    task = word.strip().lower()
    if task not in TASKS:
        raise TraceError(f"{path}: {where} names the task {word.strip()!r}; it must be one of "
                         f"{', '.join(TASKS)}")
    return task


def _read_ours(path: Path, lines: list[str]) -> Trace:
    meta: dict[str, str] = {}
    body = 1
    for body in range(1, len(lines) + 1):
        if body == len(lines) or not lines[body].startswith("#"):
            break
        key, sep, value = lines[body][1:].partition(":")
        if not sep:
            raise TraceError(f"{path}:{body + 1}: a comment line must read '# key: value'; fix or remove it")
        meta[key.strip()] = value.strip()
    for key in ("rater", "task", "video"):
        if not meta.get(key):
            raise TraceError(f"{path}: the header lacks '# {key}: ...'; add it (the annotate page writes it) "
                             "or save the trace again")
    if body >= len(lines) or lines[body].strip().split("\t") != ["time_s", "value"]:
        raise TraceError(f"{path}:{body + 1}: expected the column header 'time_s<TAB>value' after the comment "
                         "lines; save the trace again from the annotate page")
    times, values = _samples(path, lines, body + 1, decimal_comma=False)
    return Trace(path, meta["rater"], _task(path, meta["task"], "'# task:'"), meta["video"],
                 meta.get("video_sha256") or None, times, values, TRACE_FORMAT)


def _read_gtrace(path: Path, lines: list[str]) -> Trace:
    name = _GTRACE_NAME.match(path.stem)
    if not name:
        raise TraceError(f"{path}: a GTrace file must be named <Film>_<Task>_idN.txt (the rater's id last), as in "
                         "the LIRIS-ACCEDE release; rename it")
    if len(lines) <= GTRACE_HEADER_LINES:
        raise TraceError(f"{path}: a GTrace file has {GTRACE_HEADER_LINES} header lines and then samples; this one "
                         f"has {len(lines)} lines; give the whole file from the release")
    task = _task(path, name["task"], "the file name")
    dimension = lines[4].strip()
    if dimension.lower() != task:
        raise TraceError(f"{path}:5: the header rates {dimension!r} but the file name says {name['task']!r}; "
                         "rename the file to match its header")
    times, values = _samples(path, lines, GTRACE_HEADER_LINES, decimal_comma=True)
    return Trace(path, name["rater"], task, name["film"], None, times, values, "gtrace")


def _samples(path: Path, lines: list[str], start: int, *, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    # A GTrace file holds ~100 samples a second (~50,000 lines a film): parse the whole body at once
    # and check it vectorised; only a file that fails goes through the line-by-line reader, which
    # finds the first bad line for the error message.
    body = [ln for ln in lines[start:] if ln.strip()]
    text = "\n".join(body)
    if decimal_comma:
        text = text.replace(",", ".")
    try:
        if not body or any(ln.count("\t") != 1 for ln in body):
            raise ValueError
        table = np.array(text.split(), dtype=np.float64).reshape(-1, 2)
    except ValueError:
        return _samples_by_line(path, lines, start, decimal_comma=decimal_comma)
    t, v = table[:, 0], table[:, 1]
    if (np.isfinite(table).all() and (v >= -1).all() and (v <= 1).all() and (t >= 0).all()
            and (np.diff(t) > 0).all()):
        return t, v
    return _samples_by_line(path, lines, start, decimal_comma=decimal_comma)


def _samples_by_line(path: Path, lines: list[str], start: int, *,
                     decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    times: list[float] = []
    values: list[float] = []
    fix = "the file must hold one 'time<TAB>value' sample per line"
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if not line:
            continue
        where = f"{path}:{i + 1}"
        cells = line.split("\t")
        if len(cells) != 2:
            raise TraceError(f"{where}: {line[:40]!r} is not 'time<TAB>value'; {fix}")
        try:
            t, v = (float(c.replace(",", ".") if decimal_comma else c) for c in cells)
        except ValueError:
            raise TraceError(f"{where}: {line[:40]!r} holds something other than two numbers; {fix}"
                             + (" (decimal commas, as GTrace writes them)" if decimal_comma else "")) from None
        if not (math.isfinite(t) and math.isfinite(v)):
            raise TraceError(f"{where}: {line[:40]!r} is not a finite number; remove the line or record the "
                             "trace again")
        if not -1.0 <= v <= 1.0:
            raise TraceError(f"{where}: value {v} lies outside [-1, 1]; ratings must be on [-1, 1] "
                             "(rescale the trace first)")
        if t < 0:
            raise TraceError(f"{where}: time {t} is negative; times are seconds of the video from 0")
        if times and t <= times[-1]:
            raise TraceError(f"{where}: time {t} does not follow {times[-1]} (line {i}); times must increase "
                             "(a trace records one viewing forward; keep one viewing per file)")
        times.append(t)
        values.append(v)
    if not times:
        raise TraceError(f"{path}: holds no samples; record the trace again (the page samples while the video plays)")
    return np.asarray(times, dtype=np.float64), np.asarray(values, dtype=np.float64)


def check_same_video_and_task(traces: list[Trace]) -> None:
    """All traces must rate one video on one task, and each rater appear once."""
    first = traces[0]
    seen: dict[str, Path] = {}
    for tr in traces:
        if tr.task != first.task:
            raise TraceError(f"{first.path} rates {first.task} but {tr.path} rates {tr.task}; merge one task at a "
                             "time (one merged file per task)")
        if first.video_sha256 and tr.video_sha256:
            same = first.video_sha256 == tr.video_sha256
            what = f"video sha256 {first.video_sha256[:12]}... vs {tr.video_sha256[:12]}..."
        else:
            same = first.video_stem == tr.video_stem
            what = f"video {first.video!r} vs {tr.video!r}"
        if not same:
            raise TraceError(f"{first.path} and {tr.path} rate different videos ({what}); merge the traces of "
                             "one video at a time")
        if tr.rater in seen:
            raise TraceError(f"{seen[tr.rater]} and {tr.path} are both by rater {tr.rater!r}; give each rater's "
                             "trace once (rename the rater in one file if they are two people)")
        seen[tr.rater] = tr.path
