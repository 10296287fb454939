"""LIRIS-ACCEDE discrete's release files: their names and folders, the tab-separated table format
they share, and the checks that two files describe the same excerpts (matched by id, never by
line order)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

import numpy as np

from videoaffect.datasets.corpus import CorpusError

RANKING_FILE = "ACCEDEranking.txt"
SETS_FILE = "ACCEDEsets.txt"
FEATURE_FILES = ("ACCEDEfeaturesValence_TAC2015.txt", "ACCEDEfeaturesArousal_TAC2015.txt")
AFFECT_FILE = "ACCEDEaffect.txt"
DESCRIPTION_FILE = "ACCEDEdescription.xml"
MEDIAEVAL_AFFECT_FILE = "MEDIAEVALaffect.txt"
SUBDIRS = ("", "annotations", "features")


class LirisError(CorpusError):
    """A LIRIS-ACCEDE file is missing or malformed; the message names the file and line."""


@dataclass
class ReleaseTable:
    """One tab-separated release file: its header and its non-blank lines, split into cells."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # 1-based line number of each row

    def column(self, name: str, purpose: str = "") -> int:
        try:
            return self.header.index(name)
        except ValueError:
            why = f" ({purpose})" if purpose else ""
            raise LirisError(
                f"{self.path}: no column {name!r}{why}; the header has {self.header}. Use the "
                "official LIRIS-ACCEDE file, whose first line names the columns"
            ) from None

    def numbers(self, col: int) -> np.ndarray:
        out = np.empty(len(self.rows), dtype=np.float64)
        for i, row in enumerate(self.rows):
            text = row[col].strip()
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise LirisError(
                    f"{self.path}, line {self.lines[i]}, column {self.header[col]!r}: {text!r} is "
                    "not a finite number; fix or restore that line from the official release"
                )
            out[i] = value
        return out

    def ids(self) -> np.ndarray:
        col = self.column("id", "excerpt identifier")
        values = self.numbers(col)
        for i, v in enumerate(values):
            if v != int(v) or v < 0:
                raise LirisError(
                    f"{self.path}, line {self.lines[i]}: id {self.rows[i][col]!r} is not a "
                    "non-negative integer"
                )
        ids = values.astype(np.int64)
        seen: dict[int, int] = {}
        for i, v in enumerate(ids):
            if int(v) in seen:
                raise LirisError(
                    f"{self.path}: id {int(v)} appears on lines {seen[int(v)]} and {self.lines[i]}; "
                    "each excerpt must appear once — remove the duplicate line"
                )
            seen[int(v)] = self.lines[i]
        return ids

    def names(self) -> list[str] | None:
        if "name" not in self.header:
            return None
        col = self.header.index("name")
        return [row[col].strip() for row in self.rows]


def read_table(path: Path) -> ReleaseTable:
    """A tab-separated file with a header line; blank lines are skipped, ragged rows refused."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LirisError(f"{path} is missing; copy it from the official LIRIS-ACCEDE release") from None
    except UnicodeDecodeError as exc:
        raise LirisError(f"{path} is not a UTF-8 text file ({exc})") from None
    header: list[str] | None = None
    rows, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = line.rstrip("\r").split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            continue
        if len(cells) != len(header):
            raise LirisError(
                f"{path}, line {number}: {len(cells)} tab-separated fields, the header has "
                f"{len(header)}; the files must be tab-separated with one value per column"
            )
        rows.append(cells)
        lines.append(number)
    if header is None or not rows:
        raise LirisError(f"{path} is empty: expected a header line and one line per excerpt")
    return ReleaseTable(path, header, rows, lines)


@overload
def find_file(root: Path, name: str, required: Literal[True] = ...) -> Path: ...
@overload
def find_file(root: Path, name: str, required: bool) -> Path | None: ...
def find_file(root: Path, name: str, required: bool = True) -> Path | None:
    for sub in SUBDIRS:
        candidate = root / sub / name if sub else root / name
        if candidate.is_file():
            return candidate
    if required:
        raise LirisError(
            f"{name} not found in {root} (nor in its annotations/ or features/ folders); "
            "a LIRIS-ACCEDE discrete root needs ACCEDEranking.txt, ACCEDEsets.txt and the two "
            "ACCEDEfeatures*_TAC2015.txt files"
        )
    return None


def row_order(table: ReleaseTable, ids: np.ndarray, reference: np.ndarray, ref_path: Path) -> np.ndarray:
    """Row of ``table`` for each id of ``reference``; any id on one side only is an error."""
    where = {int(v): i for i, v in enumerate(ids)}
    order = np.empty(len(reference), dtype=np.int64)
    for k, v in enumerate(reference):
        i = where.get(int(v))
        if i is None:
            raise LirisError(
                f"{table.path}: excerpt id {int(v)} (listed in {ref_path.name}) is missing; every "
                "file must describe the same excerpts"
            )
        order[k] = i
    if len(ids) != len(reference):
        ref = set(int(v) for v in reference)
        extra = next(i for i, v in enumerate(ids) if int(v) not in ref)
        raise LirisError(
            f"{table.path}, line {table.lines[extra]}: excerpt id {int(ids[extra])} is not listed in "
            f"{ref_path.name}; every file must describe the same excerpts"
        )
    return order


def check_names(table: ReleaseTable, order: np.ndarray, names: list[str], ref_path: Path) -> None:
    theirs = table.names()
    if theirs is None:
        return
    for k, i in enumerate(order):
        if theirs[i] != names[k]:
            raise LirisError(
                f"{table.path}, line {table.lines[i]}: excerpt name {theirs[i]!r} differs from "
                f"{names[k]!r} given for the same id in {ref_path.name}; the files do not belong together"
            )


__all__ = [
    "AFFECT_FILE",
    "DESCRIPTION_FILE",
    "FEATURE_FILES",
    "MEDIAEVAL_AFFECT_FILE",
    "RANKING_FILE",
    "SETS_FILE",
    "SUBDIRS",
    "LirisError",
    "ReleaseTable",
    "check_names",
    "find_file",
    "read_table",
    "row_order",
]
