"""The one reader of CSV manifests, for every command that takes one (``extract``, ``predict``,
``train --dataset list.csv``), so a file that works for one works for all.

* UTF-8, with or without a byte-order mark (spreadsheets write one); comma-separated; the first
  non-blank line is the header.
* Header names are matched case-insensitively, surrounding spaces ignored.
* The video column is ``video`` or ``path`` (the same thing; ``video`` wins when both are there).
* Paths are relative to the manifest's folder unless absolute.
* Blank lines are skipped; every error names the file, the line and the fix.
"""

from __future__ import annotations

import csv
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


def read_manifest(path: str | Path, required: Sequence[str] = (), usage: str = "video[,movie_id]") -> list[ManifestRow]:
    """The rows of ``path``; ``required`` names columns (besides the video) that must exist and be
    non-empty.  Video files must exist; other files are the caller's to check."""
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
    if missing:
        raise ManifestError(f"{path}, line {header_line}: no column {', '.join(missing)} in the header {header}; "
                            f"a manifest needs columns {usage}")
    assert video_col is not None
    rows = []
    for number, row in lines[1:]:
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in cols.items()}
        for name in (video_col, *required):
            if not cells[name]:
                raise ManifestError(f"{path}, line {number}: empty {name!r} cell; give the file's path")
        video = resolve(path, cells[video_col])
        if not video.is_file():
            raise ManifestError(f"{path}, line {number}: video file {video} does not exist (paths are relative to "
                                "the manifest's folder)")
        rows.append(ManifestRow(number, video, cells))
    if not rows:
        raise ManifestError(f"{path}: the manifest lists no movie; add one row per video")
    return rows


def movie_id_of(row: ManifestRow, path: Path) -> str:
    """The row's ``movie_id`` cell, else the video's file stem; never a path."""
    movie_id = row.get("movie_id") or row.video.stem
    if movie_id in (".", "..") or "/" in movie_id or "\\" in movie_id:
        raise ManifestError(f"{path}, line {row.line}: movie_id {movie_id!r} cannot be a file name; choose another")
    return movie_id


__all__ = ["ManifestError", "ManifestRow", "movie_id_of", "read_manifest", "resolve"]
