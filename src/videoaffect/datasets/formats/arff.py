"""ARFF files of one instance (Weka's format, as openSMILE writes per-instance functionals).

What is read::

    @relation 'openSMILE_features'
    @attribute name string
    @attribute pcm_fftMag_mfcc_sma[0]_amean numeric
    ...
    @attribute class numeric
    @data
    'unknown',-3.1e+00,...,?

Numeric attributes (``numeric``, ``real``, ``integer``) become the vector, in header order;
string, nominal and date attributes, and numeric ones whose name is in ``drop`` (e.g. openSMILE's
``class`` placeholder), are skipped.  ``?`` (missing) is NaN.  ``%`` comment lines are ignored.
Sparse rows (``{...}``) and quoted values containing commas are not supported.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import numpy as np

from videoaffect.datasets.formats.errors import DatasetError
from videoaffect.datasets.formats.numbers import select_fields

_DATA_RE = re.compile(r"^[ \t]*@data[ \t]*$", re.IGNORECASE | re.MULTILINE)
_ATTRIBUTE_RE = re.compile(r"\s*@attribute\s+('[^']*'|\"[^\"]*\"|\S+)\s+(\S+)", re.IGNORECASE)
NUMERIC_TYPES = ("numeric", "real", "integer")


def split_arff(text: str) -> tuple[str, str] | None:
    """(header, data section) of ARFF text, or None when it has no ``@data`` line (not ARFF)."""
    m = _DATA_RE.search(text)
    if m is None:
        return None
    return text[: m.start()], text[m.end() :]


# Cached: every file of a release repeats the same header, and parsing 1582 attribute lines
# per file would dominate reading it.
@functools.lru_cache(maxsize=8)
def arff_columns(head: str, drop: frozenset[str] = frozenset()) -> tuple[int, tuple[int, ...]]:
    """(number of attributes, indices of the numeric attributes not named in ``drop``) of an
    ARFF header; names in ``drop`` are lower case and compared case-insensitively."""
    keep = []
    n = 0
    for line in head.splitlines():
        m = _ATTRIBUTE_RE.match(line)
        if m:
            name = m.group(1).strip("'\"").lower()
            if m.group(2).lower() in NUMERIC_TYPES and name not in drop:
                keep.append(n)
            n += 1
    return n, tuple(keep)


def read_arff_instance(
    head: str, body: str, path: str | os.PathLike, drop: frozenset[str] = frozenset()
) -> np.ndarray | None:
    """The numeric fields of the single data row of a split ARFF file; None when it has no row."""
    n_attr, keep = arff_columns(head, drop)
    rows = [ln.strip() for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("%")]
    if not rows:
        return None
    if len(rows) > 1:
        raise DatasetError(
            f"{path}: {len(rows)} data rows; a per-second ARFF file holds one — restore it from the release"
        )
    values = rows[0].split(",")
    if len(values) != n_attr:
        raise DatasetError(
            f"{path}: the data row has {len(values)} values for {n_attr} @attribute lines; the file is "
            "truncated or corrupt — restore it from the release archive"
        )
    return select_fields(values, keep, path)


def read_arff_file(path: str | os.PathLike, drop: frozenset[str] = frozenset()) -> np.ndarray | None:
    """The numeric fields of a one-instance ARFF file; None for an empty file or one without a row."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        return None
    parts = split_arff(text)
    if parts is None:
        raise DatasetError(f"{path}: no @data line, so not an ARFF file; restore it from the release archive")
    return read_arff_instance(*parts, path, drop)


__all__ = ["NUMERIC_TYPES", "arff_columns", "read_arff_file", "read_arff_instance", "split_arff"]
