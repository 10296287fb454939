"""The one reader of CSV manifests, for every command that takes one (``extract``, ``predict``,
``train --dataset list.csv``), so a file that works for one works for all.

* UTF-8, with or without a byte-order mark (spreadsheets write one); comma-separated; the first
  non-blank line is the header.
* Header names are matched case-insensitively, surrounding spaces ignored.
* The video column is ``video`` or ``path`` (the same thing; ``video`` wins when both are there).
* Paths are relative to the manifest's folder unless absolute.
* Blank lines are skipped; every error names the file, the line and the fix.
* ``extract`` and ``predict`` read with ``check_videos=False``: a row naming a missing or
  unreadable video is one failed video of the batch (``video_problem`` says why), not an error
  that stops the others; training needs every row and keeps the check.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from videoaffect.core.errors import DataError

VIDEO_COLUMNS = ("video", "path")


class ManifestError(DataError):
    """A manifest that cannot be read; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class ManifestRow:
    line: int
    video: Path
    cells: dict[str, str]  # lower-case column name -> stripped cell

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def path(self, column: str, manifest: Path) -> Path | None:
        """The file named in ``column`` (relative to the manifest's folder), or None when empty."""
        return resolve(manifest, self.get(column)) if self.get(column) else None


def resolve(manifest: Path, text: str) -> Path:
    p = Path(text)
    return p if p.is_absolute() else manifest.parent / p


def video_problem(video: Path) -> str | None:
    """Why ``video`` cannot be read as a video file (a few words), or None when it can."""
    if video.is_dir():
        return "is a folder, not a video file"
    if not video.exists():
        return "does not exist"
    if not os.access(video, os.R_OK):
        return "cannot be read (permission denied)"
    return None


def row_video_problem(manifest: Path, row: ManifestRow) -> str | None:
    """The full reason a row's video cannot be read (the manifest, the line, the file and the
    fix), or None when it can."""
    problem = video_problem(row.video)
    if problem is None:
        return None
    return (f"{manifest}, line {row.line}: video file {row.video} {problem} (paths are relative to the manifest's "
            "folder); correct the path in that row or remove the row")


def read_manifest(path: str | Path, required: Sequence[str] = (), usage: str = "video[,movie_id]",
                  check_videos: bool = True, required_any: Sequence[str] = ()) -> list[ManifestRow]:
    """The rows of ``path``; ``required`` names columns (besides the video) that must exist and be
    non-empty; of ``required_any`` at least one column must exist (the caller checks the cells).
    Video files must be readable unless ``check_videos`` is False (then the caller checks each
    row with ``row_video_problem``); other files are the caller's to check."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found; write a CSV with columns {usage}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = list(enumerate(csv.reader(fh), start=1))
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path} is not UTF-8 text ({exc}); save it as UTF-8 CSV") from None
    lines = [(n, row) for n, row in lines if any(cell.strip() for cell in row)]
    if not lines:
        raise ManifestError(f"{path}: empty manifest; it needs a header line {usage}")
    header_line, header = lines[0]
    cols = {h.strip().lower(): i for i, h in enumerate(header)}
    video_col = next((c for c in VIDEO_COLUMNS if c in cols), None)
    missing = ([] if video_col else ["'video' (or 'path')"]) + [repr(c) for c in required if c not in cols]
    if required_any and not any(c in cols for c in required_any):
        missing.append(f"{required_any[0]!r} (or {', '.join(repr(c) for c in required_any[1:])})")
    if missing:
        raise ManifestError(f"{path}, line {header_line}: no column {', '.join(missing)} in the header {header}; "
                            f"a manifest needs columns {usage}")
    assert video_col is not None
    rows: list[ManifestRow] = []
    for number, row in lines[1:]:
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in cols.items()}
        for name in (video_col, *required):
            if not cells[name]:
                raise ManifestError(f"{path}, line {number}: empty {name!r} cell; give the file's path")
        entry = ManifestRow(number, resolve(path, cells[video_col]), cells)
        problem = row_video_problem(path, entry) if check_videos else None
        if problem is not None:
            raise ManifestError(problem)
        rows.append(entry)
    if not rows:
        raise ManifestError(f"{path}: the manifest lists no movie; add one row per video")
    return rows


def movie_id_of(row: ManifestRow, path: Path) -> str:
    """The row's ``movie_id`` cell, else the video's file stem; never a path."""
    movie_id = row.get("movie_id") or row.video.stem
    if movie_id in (".", "..") or "/" in movie_id or "\\" in movie_id:
        raise ManifestError(f"{path}, line {row.line}: movie_id {movie_id!r} cannot be a file name; choose another")
    return movie_id


__all__ = ["ManifestError", "ManifestRow", "movie_id_of", "read_manifest", "resolve", "row_video_problem",
           "video_problem"]
