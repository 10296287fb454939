"""openSMILE output of one instance per file: its CSV sink, or ARFF (see :mod:`.arff`).

CSV as openSMILE writes it: ``;``-separated (``,`` and tab accepted), a header line naming the
columns, then one data row; ``name`` / ``frameTime`` and the other fields of
``OPENSMILE_META_FIELDS`` are bookkeeping, not features, and are dropped.  A headerless row is
accepted too: a leading quoted instance name is dropped and every other field must be a number.
``?`` is NaN.

:func:`read_functionals_file` tells the two apart by content (an ``@data`` line means ARFF), not
by the file name, so either kind may carry either extension.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from videoaffect.datasets.formats.arff import read_arff_instance, split_arff
from videoaffect.datasets.formats.errors import DatasetError
from videoaffect.datasets.formats.numbers import MISSING, is_number, select_fields

# Lower-case names of the columns / attributes openSMILE and Weka use for bookkeeping.
OPENSMILE_META_FIELDS = frozenset({"name", "frametime", "frameindex", "class", "filename", "file", "instancename"})


def read_smile_csv(
    text: str, path: str | os.PathLike, drop: frozenset[str] = OPENSMILE_META_FIELDS
) -> np.ndarray | None:
    """The feature fields of one instance of openSMILE CSV text; None for a header without a row."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    sep = next((s for s in (";", ",", "\t") if s in lines[0]), None)

    def split(line: str) -> list[str]:
        return [t.strip() for t in (line.split(sep) if sep else line.split())]

    first = split(lines[0])
    has_header = any(not is_number(t) and not t.startswith(("'", '"')) and t != MISSING for t in first)
    if not has_header:
        if len(lines) > 1:
            raise DatasetError(f"{path}: {len(lines)} rows; a per-second file holds one — restore it from the release")
        start = 1 if first and first[0].startswith(("'", '"')) else 0
        return select_fields(first, tuple(range(start, len(first))), path)
    keep = tuple(i for i, t in enumerate(first) if t.strip("'\"").lower() not in drop)
    rows = lines[1:]
    if not rows:
        return None
    if len(rows) > 1:
        raise DatasetError(f"{path}: {len(rows)} data rows; a per-second file holds one — restore it from the release")
    values = split(rows[0])
    if len(values) != len(first):
        raise DatasetError(
            f"{path}: {len(values)} values under a header of {len(first)} columns; the file is corrupt — "
            "restore it from the release archive"
        )
    return select_fields(values, keep, path)


def read_functionals_file(path: str | os.PathLike, drop: frozenset[str] = OPENSMILE_META_FIELDS) -> np.ndarray | None:
    """One instance of openSMILE functionals from ARFF or CSV text; None for an empty file."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        return None
    arff = split_arff(text)
    if arff is not None:
        return read_arff_instance(*arff, path, drop)
    return read_smile_csv(text, path, drop)


__all__ = ["OPENSMILE_META_FIELDS", "read_functionals_file", "read_smile_csv"]
