"""What the PNG plot, the HTML report and the viewer page all say about one predicted curve, in
one place so that the three say it the same way: time and duration text, the tasks, modalities and
missing seconds of a curve, the label scale in words, and the key moments with titles that are
true of the film (a "most positive moment" only where some second is above neutral).

Needs only numpy and pandas (no matplotlib, no torch).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from videoaffect.core.vocabulary import TASKS

# The words of each end of the label scale, as ``LabelScale.describe`` (core/labels.py) says them.
SCALE_WORDS = {"valence": ("negative", "positive"), "arousal": ("calm", "excited")}

_MISSING_LABEL = {"expression": "no face", "audio": "no audio"}

# (key, task, which end): the moments a report shows, with a thumbnail each
_MOMENTS = (("valence_max", "valence", "max"), ("valence_min", "valence", "min"), ("arousal_max", "arousal", "max"))
# titles by (key, where the film's values lie): "some" = some second on that side of neutral, "none" =
# no second there (every value on the other side: the moment is the least extreme of that side),
# "unknown" = no label scale, so no neutral to compare with
_TITLES = {
    "valence_max": {"some": "Most positive moment", "none": "Least negative moment", "unknown": "Highest valence"},
    "valence_min": {"some": "Most negative moment", "none": "Least positive moment", "unknown": "Lowest valence"},
    "arousal_max": {"some": "Most intense moment", "none": "Least calm moment", "unknown": "Highest arousal"},
}


# --------------------------------------------------------------------------- meta fields
def get(mapping, key):
    """``mapping[key]`` when ``mapping`` is a mapping holding it, else None (meta may lack anything)."""
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def number(value) -> float | None:
    """A finite float, or None (bools, missing values and text are not numbers here)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


# --------------------------------------------------------------------------- time
def format_time(seconds: float) -> str:
    """``m:ss`` below one hour, ``h:mm:ss`` from one hour on (negative clamps to 0)."""
    total = max(int(math.floor(seconds)), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def video_duration(meta: Mapping | None) -> float | None:
    """The video's decoded duration in seconds (``video.duration_s``), or None where not recorded
    (features of a corpus, predictions of videoaffect before 0.7)."""
    duration = number(get(get(meta, "video"), "duration_s"))
    return duration if duration is not None and duration > 0 else None


def duration_text(meta: Mapping | None) -> str:
    """"5.3 s (0:05)": the duration to the tenth of a second; the whole seconds predicted when the
    duration was not recorded; "n/a" when neither is."""
    duration = video_duration(meta)
    if duration is not None:
        return f"{duration:.1f} s ({format_time(duration)})"
    seconds = number(get(get(meta, "video"), "seconds"))
    return f"{seconds:g} s ({format_time(seconds)})" if seconds is not None else "n/a"


# --------------------------------------------------------------------------- curve columns
def tasks_of(curve) -> list[str]:
    """The tasks whose final prediction column exists, valence first (a DataFrame or a mapping)."""
    return [t for t in TASKS if t in curve]


def modalities_of(curve) -> list[str]:
    """Modality names from ``<m>_present`` and ``<task>_contrib_<m>`` columns, first seen first
    (``curve``: a DataFrame, or a mapping / list of column names such as the JSON's "curve")."""
    names: list[str] = []
    for col in map(str, curve.columns if isinstance(curve, pd.DataFrame) else curve):
        name = None
        if col.endswith("_present") and len(col) > len("_present"):
            name = col[: -len("_present")]
        else:
            for task in TASKS:
                prefix = f"{task}_contrib_"
                if col.startswith(prefix) and len(col) > len(prefix):
                    name = col[len(prefix):]
        if name is not None and name not in names:
            names.append(name)
    return names


def contribution_columns(curve: pd.DataFrame, task: str) -> dict[str, str]:
    """``{modality: column}`` of the contribution columns of ``task``."""
    prefix = f"{task}_contrib_"
    return {str(c)[len(prefix):]: str(c) for c in curve.columns if str(c).startswith(prefix)}


def intra_drawn(curve, task: str) -> bool:
    """Whether ``<task>_intra`` (the curve before temporal context) is worth a line and a legend
    entry: it exists and differs from the final curve somewhere.  A model without temporal context
    (or one whose context changed nothing) has the two equal, and the second line would hide behind
    the first."""
    intra = f"{task}_intra"
    if intra not in curve or task not in curve:
        return False
    a = np.asarray(pd.to_numeric(pd.Series(list(curve[intra])), errors="coerce"), dtype=float)
    b = np.asarray(pd.to_numeric(pd.Series(list(curve[task])), errors="coerce"), dtype=float)
    return not np.array_equal(a, b, equal_nan=True)


def missing_label(modality: str) -> str:
    """Short legend text for seconds without ``modality`` ("no audio", "no face", ...)."""
    return _MISSING_LABEL.get(modality, f"no {modality}")


def false_runs(present) -> list[tuple[int, int]]:
    """Runs of False in a boolean sequence as ``(start, stop)`` index pairs, stop exclusive."""
    mask = ~np.asarray(present, dtype=bool)
    if mask.size == 0:
        return []
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]


def presence(curve: pd.DataFrame, modality: str) -> np.ndarray | None:
    """Boolean presence of ``modality`` per row, or None if the curve has no such column."""
    col = f"{modality}_present"
    if col not in curve.columns:
        return None
    return curve[col].fillna(False).astype(bool).to_numpy()


def row_seconds(curve: pd.DataFrame) -> np.ndarray:
    """Start second of every row (the index, or 0..n-1 if the index is not numeric)."""
    try:
        return np.asarray(curve.index, dtype=float)
    except (TypeError, ValueError):
        return np.arange(len(curve), dtype=float)


# --------------------------------------------------------------------------- band and scale
def band_of(meta: Mapping | None) -> dict[str, Mapping]:
    """``{task: {"level", "columns", "description"}}`` of the confidence bands in the metadata."""
    bands = get(meta, "band")
    return {str(t): b for t, b in bands.items() if isinstance(b, Mapping)} if isinstance(bands, Mapping) else {}


def label_scale(meta: Mapping | None) -> tuple[float | None, float | None]:
    """``(low, high)`` of the label scale; both None unless both ends are numbers and low < high."""
    scale = get(meta, "label_scale")
    low, high = number(get(scale, "low")), number(get(scale, "high"))
    if low is None or high is None or high <= low:
        return None, None
    return low, high


def neutral_of(meta: Mapping | None) -> float | None:
    """The middle of the label scale (neutral), or None without a scale."""
    low, high = label_scale(meta)
    return None if low is None or high is None else (low + high) / 2


def scale_origin(meta: Mapping | None) -> str:
    """The scale's name in words: "MediaEval 2018 / LIRIS-ACCEDE continuous scale" (from its
    recorded description, before the colon), else its short name, else ""."""
    scale = get(meta, "label_scale")
    description = get(scale, "description")
    if isinstance(description, str) and ":" in description:
        origin = description.split(":", 1)[0].strip()
        return origin.removeprefix("the ").strip()
    name = get(scale, "name")
    return str(name) if name else ""


def scale_words(meta: Mapping | None, tasks: list[str]) -> str:
    """"-1 negative / calm … 1 positive / excited": each end of the label scale with what it means
    for ``tasks``; "" without a scale."""
    low, high = label_scale(meta)
    if low is None or high is None:
        return ""
    ends = [SCALE_WORDS[t] for t in tasks if t in SCALE_WORDS]
    if not ends:
        return f"{low:g} … {high:g}"
    return f"{low:g} {' / '.join(e[0] for e in ends)} … {high:g} {' / '.join(e[1] for e in ends)}"


# --------------------------------------------------------------------------- moments
def select_moments(curve: pd.DataFrame, neutral: float | None = None) -> list[dict]:
    """The seconds of highest valence, lowest valence and highest arousal, each titled as it is
    true of the film given the scale's ``neutral`` middle: "Most positive moment" where some
    second is above neutral, "Least negative moment" where none is (and so on; "Highest valence"
    without a scale). A moment whose task column is absent (or all NaN) is skipped; moments may
    coincide. Each is ``{"key", "title", "note", "second", "value", "task"}``; ``note`` says why a
    relative title was chosen ("" otherwise)."""
    seconds = row_seconds(curve)
    moments = []
    for key, task, how in _MOMENTS:
        if task not in curve.columns:
            continue
        values = pd.to_numeric(curve[task], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).any():
            continue
        pos = int(np.nanargmax(values) if how == "max" else np.nanargmin(values))
        value = float(values[pos])
        note = ""
        if neutral is None:
            side = "unknown"
        elif (value > neutral) if how == "max" else (value < neutral):
            side = "some"
        else:
            side = "none"
            where = "at or below" if how == "max" else "at or above"
            note = f"every second is {where} neutral ({neutral:g})"
        moments.append({"key": key, "title": _TITLES[key][side], "note": note, "second": int(seconds[pos]),
                        "value": value, "task": task})
    return moments
