"""Per-second valence/arousal annotation files (MediaEval 2018 and the generic layout).

Format (what :func:`read_second_labels` accepts)::

    Time	Valence	Arousal
    0	0.0512	-0.2231
    1	0.0498	-0.2207
    ...

* One header line, then one row per second.  Columns are found by header name, case-insensitively
  and ignoring spaces, ``_`` and ``-``: time = ``Time`` / ``Second(s)`` / ``Timestamp``;
  valence = ``Valence`` / ``MeanValence`` / ``ValenceMean`` / ``ValenceValue``; arousal likewise.
  Any other column (a leading ``Id``, a standard deviation, ...) is ignored.  Sources for the
  official header: the MEDIAEVAL18_XX_Valence-Arousal.txt files are tab-separated with a header
  line whose columns are, in order, time, valence and arousal (the data description in the
  KongHag/emotion_project README on GitHub; its reader splits on tabs and skips the header).
  A public preprocessing script for the 2018 release keys that header as ``'Time'``,
  ``'Valence'`` and ``'Arousal'`` and others read column 0 with ``pd.read_csv(sep='\t')`` as
  integer timestamps.  The 2017 edition's files of the same task had a leading id column, hence
  the tolerance for one; ``MeanValence``-style names are accepted for such older/derived files.
* The separator is the header's: a tab if the header has one, else ``,``, else ``;``, else any
  whitespace.  Every data row must split into as many fields as the header; a decimal comma
  (``0,5`` in a tab file) is reported as a non-numeric value rather than guessed at.
* Times are whole seconds, one row per second, increasing by exactly 1, and the first row is
  second 0 or second 1 (both numberings are in circulation).  The first row always becomes
  second index 0: index = time - first time.
* Values are finite and lie in ``value_range`` ([-1, 1], MediaEval 2018's scale, by default).

:func:`read_task_labels` reads a one-task file (the official LIRIS-ACCEDE continuous
``<Film>_Valence.txt`` / ``<Film>_Arousal.txt``, or what ``videoaffect annotations merge`` writes)::

    Time	Mean	Std	Raters
    0	0.0432	0.0486	5
    1	0.0509	0.0572	5

* The task is not in the file; the caller says which (``valence`` or ``arousal``).  The value
  column is ``Mean`` (also ``Average``/``Value``) or the task's own name as above; ``Std``
  (also ``SD``/``StdDev``), when present, is the raters' spread, kept for display (a cell
  ``nan`` or empty means unknown); ``Raters`` is the number of raters, kept for display.  Other
  columns are ignored.  Separator, times and the value range follow the rules above.

:func:`align_labels` fits the labels to a video's length in seconds (see its docstring).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np

from videoaffect.datasets.formats.errors import DatasetError
from videoaffect.datasets.formats.numbers import is_number

DEFAULT_TOLERANCE_S = 2
"""Seconds by which an annotation may be shorter or longer than its video and still be aligned."""

_TIME_NAMES = ("time", "times", "second", "seconds", "sec", "timestamp", "timesec")
_LABEL_NAMES = {
    "valence": ("valence", "meanvalence", "valencemean", "valencevalue", "avgvalence"),
    "arousal": ("arousal", "meanarousal", "arousalmean", "arousalvalue", "avgarousal"),
}
_MEAN_NAMES = ("mean", "average", "avg", "value")
_STD_NAMES = ("std", "sd", "stddev", "stdev", "standarddeviation")
_RATER_NAMES = ("raters", "nraters", "numraters", "ratercount", "n")


class AnnotationError(DatasetError):
    """A per-second annotation file is malformed or does not fit its video."""


@dataclass(frozen=True)
class SecondLabels:
    """One movie's per-second labels.  ``times`` are the file's own time values; row i is second i."""

    times: np.ndarray
    valence: np.ndarray
    arousal: np.ndarray
    source: Path | None = None
    # One-task files (read_task_labels) may carry the raters' spread and count per second, for
    # display beside a prediction; training uses only the means.  None when the file has none.
    valence_std: np.ndarray | None = None
    arousal_std: np.ndarray | None = None
    raters: np.ndarray | None = None

    @property
    def seconds(self) -> int:
        return int(len(self.valence))

    def task_std(self, task: str) -> np.ndarray | None:
        """The raters' per-second standard deviation of ``task``, or None when not known."""
        return self.valence_std if task == "valence" else self.arousal_std


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.strip().strip("\"'").lower())


def _split(line: str, sep: str | None) -> list[str]:
    parts = line.split() if sep is None else line.split(sep)
    return [p.strip().strip("\"'") for p in parts]


def _detect_separator(header: str) -> str | None:
    for sep in ("\t", ",", ";"):
        if sep in header:
            return sep
    return None


@overload
def _find_column(names: list[str], accepted: tuple[str, ...], what: str, path: Path,
                 required: Literal[True] = ...) -> int: ...
@overload
def _find_column(names: list[str], accepted: tuple[str, ...], what: str, path: Path,
                 required: bool) -> int | None: ...
def _find_column(names: list[str], accepted: tuple[str, ...], what: str, path: Path,
                 required: bool = True) -> int | None:
    normed = [_norm(n) for n in names]
    for candidate in accepted:
        hits = [i for i, n in enumerate(normed) if n == candidate]
        if len(hits) > 1:
            raise AnnotationError(
                f"{path}, line 1: {len(hits)} columns are named like {what!r} "
                f"({', '.join(names[i] for i in hits)}); keep one"
            )
        if hits:
            return hits[0]
    if not required:
        return None
    raise AnnotationError(
        f"{path}, line 1: no {what} column in the header {names}; name it one of "
        f"{', '.join(repr(a) for a in accepted[:3])} (case-insensitive), e.g. a header "
        "'Time<TAB>Valence<TAB>Arousal'"
    )


def _parse_float(text: str, path: Path, line_no: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        hint = " (use '.' as the decimal separator)" if re.fullmatch(r"[-+]?\d+,\d+", text) else ""
        raise AnnotationError(
            f"{path}, line {line_no}: {column} value {text!r} is not a number{hint}; fix or remove that row"
        ) from None
    if math.isnan(value) or math.isinf(value):
        raise AnnotationError(
            f"{path}, line {line_no}: {column} is {text!r}; every second needs a finite value — "
            "fill the gap (e.g. with the neighbouring seconds' value) or cut the file there"
        )
    return value


def _read_table(path: Path) -> tuple[int, list[str], str | None, list[tuple[int, str]]]:
    """The header's line number, its column names, the separator and the data rows (line, text)."""
    if not path.is_file():
        raise AnnotationError(f"{path}: annotation file not found; put the movie's per-second label file there")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnnotationError(f"{path}: not UTF-8/ASCII text ({exc}); save it as plain text") from None
    rows = [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), start=1)]
    rows = [(i, ln) for i, ln in rows if ln and not ln.startswith("#")]
    if not rows:
        raise AnnotationError(f"{path}: the file is empty; it needs a header line and one row per second")
    header_no, header = rows[0]
    sep = _detect_separator(header)
    names = _split(header, sep)
    if all(is_number(n) for n in names):
        raise AnnotationError(
            f"{path}, line {header_no}: the first line holds numbers, not column names; add a header line "
            "such as 'Time<TAB>Valence<TAB>Arousal'"
        )
    return header_no, names, sep, rows[1:]


def _require_rows(data: list[tuple[int, str]], path: Path) -> None:
    # checked after the header's columns, so a wrong header is named first
    if not data:
        raise AnnotationError(f"{path}: only a header line; add one row per second")


def _split_row(line_no: int, line: str, sep: str | None, names: list[str], path: Path) -> list[str]:
    fields = _split(line, sep)
    if len(fields) != len(names):
        shown = "tab" if sep == "\t" else ("whitespace" if sep is None else repr(sep))
        raise AnnotationError(
            f"{path}, line {line_no}: {len(fields)} {shown}-separated fields, but the header has "
            f"{len(names)} ({', '.join(names)}); every row needs one value per column"
        )
    return fields


def _check_range(values: np.ndarray, label: str, line_nos: list[int], path: Path,
                 value_range: tuple[float, float]) -> None:
    low, high = value_range
    bad = np.flatnonzero((values < low - 1e-6) | (values > high + 1e-6))
    if bad.size:
        i = int(bad[0])
        raise AnnotationError(
            f"{path}, line {line_nos[i]}: {label} {values[i]:g} lies outside [{low:g}, {high:g}] "
            f"({bad.size} rows do); rescale the file to [{low:g}, {high:g}] or declare its scale"
        )


def read_second_labels(path: str | os.PathLike, value_range: tuple[float, float] = (-1.0, 1.0)) -> SecondLabels:
    """Read a per-second annotation file; every problem raises :class:`AnnotationError`."""
    path = Path(path)
    _, names, sep, data = _read_table(path)
    cols = {"time": _find_column(names, _TIME_NAMES, "time", path)}
    for label, accepted in _LABEL_NAMES.items():
        column = _find_column(names, accepted, label, path, required=False)
        if column is not None:
            cols[label] = column
    # A file may carry one task only (e.g. valence annotations); the other is then unlabelled
    # (NaN) and training or evaluating that task says so.  Neither column is an error.
    if not any(label in cols for label in _LABEL_NAMES):
        _find_column(names, _LABEL_NAMES["valence"], "valence", path)  # raises, naming the fix
    _require_rows(data, path)
    values = {k: np.empty(len(data), dtype=np.float64) for k in cols}
    for r, (line_no, line) in enumerate(data):
        fields = _split_row(line_no, line, sep, names, path)
        for key, col in cols.items():
            values[key][r] = _parse_float(fields[col], path, line_no, names[col])
    line_nos = [n for n, _ in data]
    _check_times(values["time"], line_nos, path)
    for label in _LABEL_NAMES:
        if label not in values:
            values[label] = np.full(len(data), np.nan)
    for label in _LABEL_NAMES:
        _check_range(values[label], label, line_nos, path, value_range)
    return SecondLabels(
        times=values["time"],
        valence=values["valence"].astype(np.float32),
        arousal=values["arousal"].astype(np.float32),
        source=path,
    )


def read_task_labels(path: str | os.PathLike, task: str,
                     value_range: tuple[float, float] = (-1.0, 1.0)) -> SecondLabels:
    """Read a one-task per-second file (header ``Time`` + ``Mean`` or the task's name, optional
    ``Std`` and ``Raters``) as the labels of ``task``; the other task is unlabelled (NaN).
    Every problem raises :class:`AnnotationError` naming the file, the line and the fix."""
    if task not in _LABEL_NAMES:
        raise ValueError(f"task {task!r}: choose one of {', '.join(_LABEL_NAMES)}")
    path = Path(path)
    header_no, names, sep, data = _read_table(path)
    time_col = _find_column(names, _TIME_NAMES, "time", path)
    value_col = _find_column(names, _LABEL_NAMES[task], task, path, required=False)
    if value_col is None:
        value_col = _find_column(names, _MEAN_NAMES, "mean", path, required=False)
    if value_col is None:
        other = next(t for t in _LABEL_NAMES if t != task)
        if _find_column(names, _LABEL_NAMES[other], other, path, required=False) is not None:
            raise AnnotationError(
                f"{path}, line {header_no}: the header {names} names {other}, but the file is used as the {task} "
                f"labels; give it as the {other} file (or give the {task} file here)"
            )
        raise AnnotationError(
            f"{path}, line {header_no}: no value column in the header {names}; a one-task label file needs a column "
            f"'Mean' (or {task.capitalize()!r}), e.g. the header 'Time<TAB>Mean<TAB>Std'"
        )
    std_col = _find_column(names, _STD_NAMES, "std", path, required=False)
    raters_col = _find_column(names, _RATER_NAMES, "raters", path, required=False)
    _require_rows(data, path)
    n = len(data)
    times, mean = np.empty(n), np.empty(n)
    std = np.full(n, np.nan) if std_col is not None else None
    raters = np.full(n, np.nan) if raters_col is not None else None
    for r, (line_no, line) in enumerate(data):
        fields = _split_row(line_no, line, sep, names, path)
        times[r] = _parse_float(fields[time_col], path, line_no, names[time_col])
        mean[r] = _parse_float(fields[value_col], path, line_no, names[value_col])
        # spread and count are for display: an unknown cell (empty or nan, e.g. one rater) stays NaN
        for column, out in ((std_col, std), (raters_col, raters)):
            if column is not None and out is not None and fields[column].lower() not in ("", "nan", "na"):
                out[r] = _parse_float(fields[column], path, line_no, names[column])
    line_nos = [ln for ln, _ in data]
    _check_times(times, line_nos, path)
    _check_range(mean, task, line_nos, path, value_range)
    if std is not None and std_col is not None and (bad := np.flatnonzero(std < 0)).size:
        raise AnnotationError(
            f"{path}, line {line_nos[int(bad[0])]}: {names[std_col]} {std[bad[0]]:g} is negative; a standard "
            "deviation is at least 0 — fix that row"
        )
    unlabelled = np.full(n, np.nan, dtype=np.float32)
    values = {label: unlabelled for label in _LABEL_NAMES} | {task: mean.astype(np.float32)}
    return SecondLabels(
        times=times,
        valence=values["valence"],
        arousal=values["arousal"],
        source=path,
        valence_std=std.astype(np.float32) if std is not None and task == "valence" else None,
        arousal_std=std.astype(np.float32) if std is not None and task == "arousal" else None,
        raters=raters,
    )


def combine_tasks(valence: SecondLabels | None, arousal: SecondLabels | None,
                  tolerance: int = DEFAULT_TOLERANCE_S) -> SecondLabels:
    """One movie's labels from its valence file and its arousal file (either may be None).

    The two files of one film normally have the same length; within ``tolerance`` seconds the
    shorter is extended with its last value (``align_labels``' rule), beyond it they cannot be
    of the same cut and the error names both files."""
    given = [x for x in (valence, arousal) if x is not None]
    if not given:
        raise ValueError("combine_tasks needs a valence or an arousal file")
    if len(given) == 1:
        return given[0]
    assert valence is not None and arousal is not None
    if abs(valence.seconds - arousal.seconds) > tolerance:
        raise AnnotationError(
            f"{valence.source} covers {valence.seconds} s but {arousal.source} covers {arousal.seconds} s (more than "
            f"the {tolerance} s tolerance apart); give the valence and arousal files of the same video"
        )
    n = max(valence.seconds, arousal.seconds)
    v = align_labels(valence, n, tolerance=tolerance)
    a = align_labels(arousal, n, tolerance=tolerance)
    return SecondLabels(times=v.times, valence=v.valence, arousal=a.arousal, source=v.source,
                        valence_std=v.valence_std, arousal_std=a.arousal_std, raters=v.raters)


def _check_times(times: np.ndarray, line_nos: list[int], path: Path) -> None:
    frac = np.abs(times - np.round(times))
    if (frac > 1e-6).any():
        i = int(np.argmax(frac > 1e-6))
        raise AnnotationError(
            f"{path}, line {line_nos[i]}: time {times[i]:g} is not a whole second; the file needs one row "
            "per second with integer times"
        )
    first = times[0]
    if first not in (0.0, 1.0):
        raise AnnotationError(
            f"{path}, line {line_nos[0]}: the first time is {first:g}; times must start at second 0 "
            "(or 1) — add the missing leading seconds"
        )
    steps = np.diff(times)
    for i in np.flatnonzero(steps != 1.0).tolist():
        a, b = line_nos[i], line_nos[i + 1]
        if steps[i] == 0:
            raise AnnotationError(
                f"{path}, lines {a} and {b}: time {times[i]:g} appears twice; keep one row per second"
            )
        if steps[i] < 0:
            raise AnnotationError(
                f"{path}, line {b}: time {times[i + 1]:g} follows {times[i]:g}; times must increase — "
                "sort the rows by time"
            )
        raise AnnotationError(
            f"{path}, line {b}: time jumps from {times[i]:g} to {times[i + 1]:g}; one row per second is "
            "required — add the missing seconds"
        )


def align_labels(
    labels: SecondLabels,
    n_seconds: int,
    path: str | os.PathLike | None = None,
    tolerance: int = DEFAULT_TOLERANCE_S,
    movie_id: str | None = None,
) -> SecondLabels:
    """Fit ``labels`` to a video of ``n_seconds`` seconds.

    Video and annotation lengths routinely differ by a second (rounding of the last partial
    second, or a trailing frame).  Within ``tolerance`` seconds the labels are cut to the video
    when longer, and the last labelled second is repeated when shorter, so every second of the
    video has a label.  A larger difference means the file belongs to another cut of the movie
    (or to another movie) and raises :class:`AnnotationError` naming both lengths.
    """
    n_seconds = int(n_seconds)
    have = labels.seconds
    where = Path(path) if path is not None else labels.source
    who = f"movie {movie_id!r}: " if movie_id else ""
    if abs(have - n_seconds) > tolerance:
        relation = "shorter" if have < n_seconds else "longer"
        raise AnnotationError(
            f"{who}{where}: the annotation covers {have} s but the video has {n_seconds} s "
            f"({relation} by {abs(have - n_seconds)} s, more than the {tolerance} s tolerance); check that "
            "the annotation file belongs to this video (same movie, same cut)"
        )
    per_second = ("valence", "arousal", "valence_std", "arousal_std", "raters")
    if have >= n_seconds:
        cut: dict[str, Any] = {name: v[:n_seconds] for name in per_second if (v := getattr(labels, name)) is not None}
        return replace(labels, times=labels.times[:n_seconds], **cut)
    extra = n_seconds - have
    step = labels.times[-1] + np.arange(1, extra + 1, dtype=np.float64)
    padded: dict[str, Any] = {name: np.concatenate([v, np.repeat(v[-1:], extra)])
              for name in per_second if (v := getattr(labels, name)) is not None}
    return replace(labels, times=np.concatenate([labels.times, step]), **padded)
