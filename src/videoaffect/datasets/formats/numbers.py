"""Vectors of numbers in small text files (comma-, semicolon- or whitespace-separated).

Data sets distribute features as very many tiny text files (MediaEval 2018: about 1.5 million
per-second files), so the common case goes through numpy's C parser; anything it rejects is
re-read token by token, so that the error names the bad value and the file.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videoaffect.datasets.formats.errors import DatasetError

MISSING = "?"  # ARFF / openSMILE spelling of a missing value; read as NaN


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def fast_floats(text: str, sep: str) -> np.ndarray | None:
    """``text`` split on ``sep`` as float64 by numpy's C parser, or None when it rejects any token."""
    with warnings.catch_warnings():
        # np.fromstring reports a bad token only by a DeprecationWarning and a short result.
        warnings.simplefilter("error")
        try:
            return np.fromstring(text, dtype=np.float64, sep=sep)
        except (ValueError, DeprecationWarning):
            return None


def parse_floats(tokens: Sequence[str], path: str | os.PathLike) -> np.ndarray:
    """Tokens as float64 (``?`` is NaN); a token that is no number is a `DatasetError` naming ``path``."""
    cleaned = ["nan" if t == MISSING else t for t in tokens]
    bad = next((t for t in cleaned if not is_number(t)), None)
    if bad is not None:
        raise DatasetError(
            f"{path}: {bad!r} is not a number; the file is corrupt — restore it from the release archive"
        )
    return np.array([float(t) for t in cleaned], dtype=np.float64)


def parse_numbers(text: str, path: str | os.PathLike) -> np.ndarray:
    """Numbers separated by commas, semicolons and/or whitespace (a trailing separator is allowed)."""
    body = text.strip().rstrip(",;")
    sep = "," if "," in body else (";" if ";" in body else " ")
    # The C parser takes one separator; a mix of "," and ";" goes the slow way.
    fast = fast_floats(body, sep) if not (sep == "," and ";" in body) else None
    if fast is not None and fast.size:
        return fast
    return parse_floats([t for t in re.split(r"[,;\s]+", body) if t], path)


def select_fields(values: Sequence[str], keep: Sequence[int], path: str | os.PathLike) -> np.ndarray:
    """The fields of a split row at indices ``keep`` (ascending), as float64."""
    if keep and keep[-1] - keep[0] + 1 == len(keep):  # contiguous: hand one slice to the C parser
        chosen = list(values[keep[0] : keep[-1] + 1])
        fast = fast_floats(",".join(chosen), ",")
        if fast is not None and fast.size == len(chosen):
            return fast
    else:
        chosen = [values[i] for i in keep]
    return parse_floats([v.strip() for v in chosen], path)


def read_number_file(path: str | os.PathLike) -> np.ndarray | None:
    """The one vector of numbers a text file holds; None for an empty file."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        return None
    return parse_numbers(text, path)


__all__ = ["MISSING", "fast_floats", "is_number", "parse_floats", "parse_numbers", "read_number_file", "select_fields"]
