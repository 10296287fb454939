"""Where the MediaEval 2018 files are: discovery of videos, annotations and provided-feature
files below a root, and the official split (``dev``: the training movies, ``test``).  The layout itself is described
in :mod:`videoaffect.datasets.mediaeval2018`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from videoaffect.datasets.formats.annotations import AnnotationError, DatasetError, SecondLabels, read_second_labels
from videoaffect.features.extract import VIDEO_SUFFIXES

DEV_NUMBERS = range(0, 54)
TEST_NUMBERS = range(54, 66)
VISUAL_DESCRIPTORS = ("acc", "cedd", "cl", "eh", "fcth", "gabor", "jcd", "sc", "tamura", "lbp", "fc6")
ALL_DESCRIPTORS = ("audio", *VISUAL_DESCRIPTORS)
AUDIO_DIM = 1582
PROVIDED_VERSION = 1

MOVIE_PATTERN = r"(MEDIAEVAL18_\d{2})"
_VIDEO_RE = re.compile(rf"^{MOVIE_PATTERN}(\.[A-Za-z0-9]+)$", re.IGNORECASE)
_ANNOTATION_RE = re.compile(rf"^{MOVIE_PATTERN}_Valence[-_]Arousal\.txt$", re.IGNORECASE)
_AUDIO_RE = re.compile(rf"^{MOVIE_PATTERN}[-_](\d+)\.(?:csv|arff)$", re.IGNORECASE)
_VISUAL_RE = re.compile(rf"^{MOVIE_PATTERN}[-_](\d+)_({'|'.join(VISUAL_DESCRIPTORS)})\.txt$", re.IGNORECASE)

LAYOUT_HINT = (
    "expected MEDIAEVAL18_XX.mp4 videos and/or the provided features (MEDIAEVAL18_XX_NNNNN.csv audio, "
    "MEDIAEVAL18_XX-NNNNN_<descriptor>.txt visual) with MEDIAEVAL18_XX_Valence-Arousal.txt annotations "
    "anywhere below the root — e.g. the official archives MEDIAEVAL18-DevSet-Part1-Data, "
    "-Valence_Arousal-annotations, -Audio_features, -Visual_features unpacked into it"
)


def canonical_id(movie: str) -> str:
    """``MEDIAEVAL18_XX`` for a movie name matched case-insensitively (e.g. ``mediaeval18_07``)."""
    return "MEDIAEVAL18_" + movie[-2:]


def official_split(movie_id: str) -> str:
    """``"dev"`` for MEDIAEVAL18_00–53, ``"test"`` for 54–65."""
    m = re.fullmatch(r"MEDIAEVAL18_(\d{2})", movie_id)
    number = int(m.group(1)) if m else -1
    if number in DEV_NUMBERS:
        return "dev"
    if number in TEST_NUMBERS:
        return "test"
    raise DatasetError(
        f"{movie_id!r} is not a MediaEval 2018 movie id: ids are MEDIAEVAL18_00 to MEDIAEVAL18_65 "
        "(00–53 the `dev` training movies, 54–65 `test`)"
    )


# ----------------------------------------------------------------------------- discovery
class MediaEval2018:
    """Index of a MediaEval 2018 root: videos, annotations and provided features per movie."""

    def __init__(self, root: str | os.PathLike, require_annotations: bool = True) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise DatasetError(f"{self.root} is not a folder; {LAYOUT_HINT}")
        self._videos: dict[str, Path] = {}
        self._annotations: dict[str, Path] = {}
        self._audio: dict[str, dict[int, str]] = {}
        self._loose_visual: dict[str, dict[str, dict[int, str]]] = {}
        self._descriptor_dirs: dict[str, list[Path]] = {}
        self._labels: dict[str, SecondLabels] = {}
        self._scan()
        if not self._videos and not self._audio and not self._descriptor_dirs and not self._loose_visual:
            found = f" (it has {len(self._annotations)} annotation files)" if self._annotations else ""
            raise DatasetError(f"{self.root}: found neither videos nor provided features{found}; {LAYOUT_HINT}")
        if require_annotations:
            missing = [m for m in self.movie_ids if m not in self._annotations]
            if missing:
                raise DatasetError(
                    f"{self.root}: no annotation file for {len(missing)} movies ({', '.join(missing)}); put "
                    f"{missing[0]}_Valence-Arousal.txt (etc.) below the root, or leave those movies out"
                )

    # ------------------------------------------------------------------ scanning
    def _scan(self) -> None:
        for dirpath, files in _walk(self.root, self._descriptor_dirs):
            for name in files:
                self._classify(dirpath / name, name)

    def _classify(self, path: Path, name: str) -> None:
        m = _ANNOTATION_RE.match(name)
        if m:
            return self._register(self._annotations, canonical_id(m.group(1)), path, "annotation")
        m = _VIDEO_RE.match(name)
        if m and m.group(2).lower() in VIDEO_SUFFIXES:
            return self._register(self._videos, canonical_id(m.group(1)), path, "video")
        m = _AUDIO_RE.match(name)
        if m:
            movie = self._checked_movie(m.group(1), path)
            _add_second(self._audio.setdefault(movie, {}), int(m.group(2)), path)
            return None
        m = _VISUAL_RE.match(name)
        if m:
            movie = self._checked_movie(m.group(1), path)
            per_movie = self._loose_visual.setdefault(m.group(3).lower(), {}).setdefault(movie, {})
            _add_second(per_movie, int(m.group(2)), path)
        return None

    def _checked_movie(self, raw: str, path: Path) -> str:
        movie = canonical_id(raw)
        _official_or_error(movie, path)
        return movie

    def _register(self, table: dict[str, Path], movie: str, path: Path, what: str) -> None:
        _official_or_error(movie, path)
        if movie in table:
            raise DatasetError(f"two {what} files for {movie}: {table[movie]} and {path}; keep one")
        table[movie] = path

    # ------------------------------------------------------------------ queries
    @property
    def movie_ids(self) -> list[str]:
        """Movies with a video, an annotation or provided audio / loose visual features."""
        ids = set(self._videos) | set(self._annotations) | set(self._audio)
        for per_movie in self._loose_visual.values():
            ids |= set(per_movie)
        return sorted(ids)

    def split(self, movie_id: str) -> str:
        return official_split(movie_id)

    def video(self, movie_id: str) -> Path | None:
        return self._videos.get(movie_id)

    def annotation_path(self, movie_id: str) -> Path | None:
        return self._annotations.get(movie_id)

    def annotation(self, movie_id: str) -> SecondLabels:
        if movie_id not in self._labels:
            path = self._annotations.get(movie_id)
            if path is None:
                raise AnnotationError(
                    f"{self.root}: no annotation for {movie_id}; put {movie_id}_Valence-Arousal.txt below the root "
                    "(from the MEDIAEVAL18-*-Valence_Arousal-annotations archive)"
                )
            self._labels[movie_id] = read_second_labels(path)
        return self._labels[movie_id]

    def has_videos(self) -> bool:
        return bool(self._videos)

    def has_provided_features(self) -> bool:
        return bool(self._audio or self._descriptor_dirs or self._loose_visual)

    def provided_descriptors(self) -> list[str]:
        """Descriptors with files (or a descriptor folder) below the root, in the official order."""
        found = set(self._descriptor_dirs) | set(self._loose_visual)
        if self._audio:
            found.add("audio")
        return [d for d in ALL_DESCRIPTORS if d in found]

    def feature_files(self, descriptor: str) -> dict[str, dict[int, str]]:
        """``{movie: {file number: path}}`` of one provided descriptor (lists its folders now)."""
        if descriptor == "audio":
            return self._audio
        if descriptor not in VISUAL_DESCRIPTORS:
            raise DatasetError(f"unknown descriptor {descriptor!r}; choose from {', '.join(ALL_DESCRIPTORS)}")
        table = {m: dict(s) for m, s in self._loose_visual.get(descriptor, {}).items()}
        for folder in self._descriptor_dirs.get(descriptor, []):
            for dirpath, files in _walk(folder, None):
                for name in files:
                    m = _VISUAL_RE.match(name)
                    if m and m.group(3).lower() == descriptor:
                        movie = self._checked_movie(m.group(1), dirpath / name)
                        _add_second(table.setdefault(movie, {}), int(m.group(2)), dirpath / name)
        return table


def _official_or_error(movie: str, path: Path) -> str:
    try:
        return official_split(movie)
    except DatasetError:
        raise DatasetError(
            f"{path}: movie number {movie[-2:]} is outside the MediaEval 2018 release (00–65); move the file "
            "out of the dataset root or rename it"
        ) from None


def _add_second(table: dict[int, str], number: int, path: Path) -> None:
    if number in table:
        raise DatasetError(f"two feature files for the same second: {table[number]} and {path}; keep one")
    table[number] = str(path)


def _walk(root: Path, prune: dict[str, list[Path]] | None) -> Iterable[tuple[Path, list[str]]]:
    """Yield (folder, file names) below ``root``, following links once.

    With ``prune`` given, folders named after a visual descriptor are recorded there and not
    entered: they hold one file per second (about a million for the release) and are listed
    only when that descriptor is loaded.
    """
    seen: set[str] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        files: list[str] = []
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise DatasetError(f"{folder}: cannot list the folder ({exc.strerror}); fix its permissions") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                path = Path(entry.path)
                if prune is not None and entry.name.lower() in VISUAL_DESCRIPTORS:
                    prune.setdefault(entry.name.lower(), []).append(path)
                else:
                    stack.append(path)
            elif entry.is_file():
                files.append(entry.name)
        yield folder, files


__all__ = [
    "ALL_DESCRIPTORS",
    "AUDIO_DIM",
    "DEV_NUMBERS",
    "LAYOUT_HINT",
    "MOVIE_PATTERN",
    "PROVIDED_VERSION",
    "TEST_NUMBERS",
    "VISUAL_DESCRIPTORS",
    "MediaEval2018",
    "canonical_id",
    "official_split",
]
