"""The audience's per-second labels beside a prediction (``view --labels``, ``predict --labels``).

A labels file gives, per second of one film, the raters' mean (and, where the file has them, their
standard deviation ``Std`` and their number ``Raters``), on MediaEval 2018 / LIRIS-ACCEDE
continuous's scale [-1, 1].  Two forms are read (``datasets/formats/annotations.py``):

* a one-task file ``Time  Mean  Std  Raters`` (what ``annotations merge`` writes; the official
  ``continuous-annotations/<Film>_<Task>.txt`` is ``Time  Mean  Std``).  The task is not in the
  file: a name ending in ``_Valence`` / ``_Arousal`` (the official names) says it, else
  ``--labels-task`` gives it; otherwise the file is refused, never guessed;
* a two-task file ``Time  Valence  Arousal`` (no spread): every task it labels, or only
  ``--labels-task``'s where that is given.

The comparison, per task, is over the seconds both the prediction and the labels have (label row
``i`` is second ``i``, the prediction's row of ``time_s == i``): Pearson's r and the mean squared
error, with the number of seconds.  Labels and prediction whose lengths differ by more than
``TOLERANCE_S`` seconds belong to different films (or cuts) and are refused naming both files.

Scale: the labels are on [-1, 1].  A prediction on another scale (a model trained on
LIRIS-ACCEDE discrete's 1-5 ratings) is refused rather than converted: those ratings rank whole
excerpts against each other, so a linear map onto [-1, 1] would put numbers side by side that do
not measure the same thing, and an MSE between them would mean nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoaffect.core.errors import ConfigError, DataError
from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.formats.annotations import (
    DEFAULT_TOLERANCE_S,
    SecondLabels,
    read_second_labels,
    read_task_labels,
)
from videoaffect.reports.facts import get, label_scale, number

TOLERANCE_S = DEFAULT_TOLERANCE_S
"""Seconds by which labels and prediction may differ in length (as training's alignment allows)."""
LABELS_SCALE = (-1.0, 1.0)
# the official continuous files' names: <Film>_Valence.txt, <Film>_Arousal.txt
_TASK_ENDING = re.compile(r"_(valence|arousal)$", re.I)


@dataclass(frozen=True)
class AudienceLabels:
    """One task's per-second audience labels: row i is second i."""

    task: str
    path: Path
    mean: np.ndarray
    std: np.ndarray | None = None  # the raters' spread per second (NaN where unknown)
    raters: np.ndarray | None = None  # the number of raters per second (NaN where unknown)


# --------------------------------------------------------------------------- reading
def task_from_name(path: Path) -> str | None:
    """``valence`` for ``<Film>_Valence.txt`` (any case), ``arousal`` likewise, else None."""
    found = _TASK_ENDING.search(Path(path).stem)
    return found.group(1).lower() if found else None


def read_audience(paths: Sequence[Path], task: str | None = None) -> list[AudienceLabels]:
    """The labels of each task the files give, valence first; a `DataError` naming the file and
    the fix for a file whose task is unknown, and for two files of one task."""
    if task is not None and task not in TASKS:
        raise ConfigError(f"--labels-task {task!r}: choose one of {', '.join(TASKS)}")
    paths = [Path(p) for p in paths]
    named = {task_from_name(p) for p in paths}
    if task is not None and None not in named and task not in named:
        raise DataError(f"--labels-task {task}, but {', '.join(map(str, paths))} "
                        f"{'is' if len(paths) == 1 else 'are'} named as {' and '.join(sorted(map(str, named)))} "
                        "labels (<Film>_Valence / <Film>_Arousal); give the file of that task, or rename it")
    found: dict[str, AudienceLabels] = {}
    for path in paths:
        for labels in _read_one(path, task):
            if labels.task in found:
                raise DataError(f"{found[labels.task].path} and {path} both give {labels.task} labels; "
                                f"give one {labels.task} file (--labels once per task)")
            found[labels.task] = labels
    return [found[t] for t in TASKS if t in found]


def _read_one(path: Path, task: str | None) -> list[AudienceLabels]:
    # a name ending in _Valence / _Arousal says the task; --labels-task is for the files whose name does not
    task = task_from_name(path) or task
    if task is not None:
        return [_of(read_task_labels(path, task), task, path)]
    if not _names_a_task(path):
        raise DataError(f"{path}: the file does not say which task it labels (a one-task file such as "
                        "'Time, Mean, Std, Raters'); pass --labels-task valence or --labels-task arousal "
                        "(or name the file <Film>_Valence.txt / <Film>_Arousal.txt)")
    labels = read_second_labels(path)
    return [_of(labels, t, path) for t in TASKS if np.isfinite(getattr(labels, t)).any()]


def _names_a_task(path: Path) -> bool:
    """Whether the header names a task's column (a two-task file): its first line that is not
    blank or a comment.  A missing or unreadable file is left to the reader's own error."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            header = next((ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")), "")
    except (OSError, UnicodeDecodeError):
        return True
    return any(t in re.sub(r"[^a-z]", "", header.lower()) for t in TASKS)


def _of(labels: SecondLabels, task: str, path: Path) -> AudienceLabels:
    std = labels.task_std(task)
    return AudienceLabels(task=task, path=path, mean=np.asarray(getattr(labels, task), dtype=np.float64),
                          std=None if std is None else np.asarray(std, dtype=np.float64),
                          raters=None if labels.raters is None else np.asarray(labels.raters, dtype=np.float64))


# --------------------------------------------------------------------------- checks
def check_scale(low: float | None, high: float | None, prediction: str, labels: Sequence[AudienceLabels]) -> None:
    """The prediction must be on the labels' scale [-1, 1] (see the module's docstring)."""
    if (low, high) == LABELS_SCALE:
        return
    files = ", ".join(str(a.path) for a in labels)
    if low is None or high is None:
        raise DataError(f"{prediction} records no label scale (predicted by an older videoaffect); predict again "
                        f"to compare it with {files}")
    raise DataError(f"{prediction} is on the scale {low:g} to {high:g} (a model trained on LIRIS-ACCEDE discrete "
                    f"ratings?), {files} on [-1, 1] (per-second audience labels): they are not compared, nor "
                    "converted (excerpt ratings do not measure what per-second traces do); use a model trained on "
                    "[-1, 1] labels (MediaEval 2018, LIRIS-ACCEDE continuous, or merged audience traces)")


def check_length(labels: AudienceLabels, seconds: int, prediction: str) -> None:
    """Labels more than ``TOLERANCE_S`` seconds longer or shorter than the prediction's ``seconds``
    are of another film (or cut): a `DataError` naming both."""
    m = len(labels.mean)
    if abs(seconds - m) > TOLERANCE_S:
        relation = "shorter" if m < seconds else "longer"
        raise DataError(f"{labels.path} covers {m} s but {prediction} has {seconds} s ({relation} by "
                        f"{abs(seconds - m)} s, more than the {TOLERANCE_S} s tolerance); give the labels of the film "
                        "that was predicted (same film, same cut)")


# --------------------------------------------------------------------------- comparing
def audience_block(doc: Mapping, labels: Sequence[AudienceLabels], prediction: str) -> dict:
    """``{task: {...}}``, the prediction document's ``"audience"``: per task the labels (time_s,
    mean, std, raters), the seconds compared and Pearson's r and MSE over them.  ``prediction``
    names the prediction (a file) in errors."""
    low, high = label_scale(doc)
    check_scale(low, high, prediction, labels)
    curve = doc["curve"]
    times = [number(t) for t in curve["time_s"]]
    block = {}
    for lab in labels:
        if lab.task not in curve:
            have = ", ".join(t for t in TASKS if t in curve) or "none"
            raise DataError(f"{lab.path} gives {lab.task} labels but {prediction} has no {lab.task} curve "
                            f"(predicted: {have}); predict {lab.task} too, or give labels of a predicted task")
        n, m = len(times), len(lab.mean)
        check_length(lab, n, prediction)
        predicted = np.array([np.nan if v is None else v for v in map(number, curve[lab.task])])
        # second t of the prediction beside label row t, where both have a value
        seconds = [(int(t), p) for t, p in zip(times, predicted) if t is not None and t == int(t) and 0 <= t < m]
        pairs = [(p, lab.mean[t]) for t, p in seconds if math.isfinite(p) and math.isfinite(lab.mean[t])]
        r, mse = compare([p for p, _ in pairs], [a for _, a in pairs])
        block[lab.task] = {
            "labels": str(lab.path),
            "time_s": list(range(m)),
            "mean": _listed(lab.mean),
            "std": None if lab.std is None else _listed(lab.std),
            "raters": _raters(lab.raters),
            "seconds_compared": len(pairs),
            "prediction_seconds": n,
            "label_seconds": m,
            "pearson_r": r,
            "mse": mse,
        }
    return block


def compare(predicted: Sequence[float], audience: Sequence[float]) -> tuple[float | None, float | None]:
    """Pearson's r (None below 2 seconds or where either side is constant) and the MSE (None
    without a second)."""
    p, a = np.asarray(predicted, dtype=np.float64), np.asarray(audience, dtype=np.float64)
    if p.size == 0:
        return None, None
    mse = float(np.mean((p - a) ** 2))
    if p.size < 2 or np.ptp(p) == 0 or np.ptp(a) == 0:
        return None, mse
    return float(np.corrcoef(p, a)[0, 1]), mse


def _listed(values: np.ndarray) -> list[float | None]:
    # JSON knows no NaN: an unknown second travels as null
    return [float(v) if math.isfinite(v) else None for v in values]


def _raters(raters: np.ndarray | None) -> list[int] | None:
    """``[fewest, most]`` raters over the film's seconds, or None where the file does not say."""
    if raters is None or not np.isfinite(raters).any():
        return None
    return [int(np.nanmin(raters)), int(np.nanmax(raters))]


# --------------------------------------------------------------------------- words
def raters_text(entry: Mapping) -> str:
    """"3 raters", "2-3 raters" (fewer on some seconds), or "" where the file does not say."""
    raters = get(entry, "raters")
    if not isinstance(raters, list) or len(raters) != 2:
        return ""
    low, high = raters
    return f"{high} rater{'s' if high != 1 else ''}" if low == high else f"{low}-{high} raters"


def audience_lines(block: Mapping | None) -> list[str]:
    """One line per task: r and MSE, over how many seconds, and the labels file."""
    lines = []
    for task in TASKS:
        entry = get(block, task)
        if not isinstance(entry, Mapping):
            continue
        r, mse = number(get(entry, "pearson_r")), number(get(entry, "mse"))
        k, n, m = (get(entry, key) for key in ("seconds_compared", "prediction_seconds", "label_seconds"))
        who = raters_text(entry)
        r_text = f"r {r:.3f}" if r is not None else "r n/a (a constant curve or under 2 seconds)"
        mse_text = f"MSE {mse:.4f}" if mse is not None else "MSE n/a"
        over = f"over the {k} seconds both have" + ("" if n == m else f" (prediction {n} s, labels {m} s)")
        lines.append(f"audience {task}: {r_text}, {mse_text} {over}; labels {get(entry, 'labels')}"
                     + (f" ({who})" if who else ""))
    return lines
