"""LIRIS-ACCEDE as used by the MediaEval 2018 "Emotional Impact of Movies" task.

On-disk layout
--------------
The release is a set of archives, one per part and kind; unpacked side by side under ROOT they
give (Part1 = movies 00–13, Part2 = 14–43, Part3 = 44–53, TestSet = 54–65)::

    ROOT/MEDIAEVAL18-DevSet-Part1-Data/data/MEDIAEVAL18_00.mp4
    ROOT/MEDIAEVAL18-DevSet-Part1-Valence_Arousal-annotations/annotations/MEDIAEVAL18_00_Valence-Arousal.txt
    ROOT/MEDIAEVAL18-DevSet-Part1-Audio_features/audio_features/MEDIAEVAL18_00/MEDIAEVAL18_00_00001.csv
    ROOT/MEDIAEVAL18-DevSet-Part1-Visual_features/visual_features/MEDIAEVAL18_00/fc6/MEDIAEVAL18_00-00001_fc6.txt
    ROOT/MEDIAEVAL18-TestSet-.../...                                                     (movies 54–65)

Files are found by name anywhere below ROOT, so any folder arrangement works, flat included:

* videos ``MEDIAEVAL18_XX.<ext>`` (mp4, mkv, avi, ...);
* annotations ``MEDIAEVAL18_XX_Valence-Arousal.txt`` (format: :mod:`videoaffect.datasets.formats.annotations`);
* provided audio features ``MEDIAEVAL18_XX_NNNNN.csv`` (or ``.arff``): one file per second, the
  openSMILE emobase2010 (INTERSPEECH 2010 paralinguistic) functionals, 1582 values, computed on
  a 5-s window centred on that second.  ARFF content (``@attribute`` lines, ``@data``, a leading
  instance name and a trailing ``class``) and openSMILE CSV (``;``-separated, ``name``/
  ``frameTime`` columns) are both read; string, ``name``, ``frameTime`` and ``class`` fields are
  dropped.
* provided visual features ``MEDIAEVAL18_XX-NNNNN_<d>.txt`` (``_`` in place of ``-`` accepted),
  one file per second and descriptor ``<d>`` in acc, cedd, cl, eh, fcth, gabor, jcd, sc, tamura,
  lbp, fc6, holding that second's frame descriptor as comma-separated numbers.
  Folders named after a descriptor are listed only when that descriptor is loaded.

Names are matched case-insensitively.  Movie numbers must be 00–65.

Time bases: an annotation's first row is second 0 (its ``Time`` may start at 0 or 1).  Feature
files of the release are numbered from 00001, so file ``NNNNN`` holds second ``NNNNN - 1``; if a
movie's files of one descriptor include number 00000, that descriptor is numbered from 0 instead.

Known gaps in the provided features (a second with no file, an empty file, or one holding
NaN/inf) are masked and reported: :func:`read_provided_features` returns them as
:class:`FeatureGap` records and :func:`load_provided_features` logs one warning per movie.
Feature files past the end of the annotation are ignored when within the alignment tolerance and
an error otherwise (the annotation is then truncated or belongs to another cut).

Official split: development movies 00–53 (``"dev"``), test movies 54–65 (``"test"``).

Sources for the layout: the release's archive and file names, the Part1/2/3/TestSet movie
ranges, the 00001-based per-second numbering, the 5-s audio window and the comma-separated
visual files are as described in the KongHag/emotion_project README (GitHub), which also lists
known gaps of the release that this loader masks and reports: no audio file for second 5588 of
movie 06, an empty ``MEDIAEVAL18_27-00006_cl.txt``, and incomplete fc6/jcd files for movie 18.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from videoaffect.datasets.formats.annotations import (
    DEFAULT_TOLERANCE_S,
    AnnotationError,
    DatasetError,
    SecondLabels,
    is_number,
    read_second_labels,
)
from videoaffect.datasets.corpus import LABEL_NAMES, Corpus
from videoaffect.core.modality import ModalitySpec
from videoaffect.datasets.manifest import StoreItem, corpus_from_store_items
from videoaffect.core.labels import LabelScale
from videoaffect.features.extract import VIDEO_SUFFIXES

log = logging.getLogger(__name__)

DEV_NUMBERS = range(0, 54)
TEST_NUMBERS = range(54, 66)
VISUAL_DESCRIPTORS = ("acc", "cedd", "cl", "eh", "fcth", "gabor", "jcd", "sc", "tamura", "lbp", "fc6")
ALL_DESCRIPTORS = ("audio", *VISUAL_DESCRIPTORS)
AUDIO_DIM = 1582
PROVIDED_VERSION = 1

_MOVIE = r"(MEDIAEVAL18_\d{2})"
_VIDEO_RE = re.compile(rf"^{_MOVIE}(\.[A-Za-z0-9]+)$", re.IGNORECASE)
_ANNOTATION_RE = re.compile(rf"^{_MOVIE}_Valence[-_]Arousal\.txt$", re.IGNORECASE)
_AUDIO_RE = re.compile(rf"^{_MOVIE}[-_](\d+)\.(?:csv|arff)$", re.IGNORECASE)
_VISUAL_RE = re.compile(rf"^{_MOVIE}[-_](\d+)_({'|'.join(VISUAL_DESCRIPTORS)})\.txt$", re.IGNORECASE)
_DROP_AUDIO_FIELDS = {"name", "frametime", "frameindex", "class", "filename", "file", "instancename"}

LAYOUT_HINT = (
    "expected MEDIAEVAL18_XX.mp4 videos and/or the provided features (MEDIAEVAL18_XX_NNNNN.csv audio, "
    "MEDIAEVAL18_XX-NNNNN_<descriptor>.txt visual) with MEDIAEVAL18_XX_Valence-Arousal.txt annotations "
    "anywhere below the root — e.g. the official archives MEDIAEVAL18-DevSet-Part1-Data, "
    "-Valence_Arousal-annotations, -Audio_features, -Visual_features unpacked into it"
)


def _canonical(movie: str) -> str:
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
        "(00–53 development, 54–65 test)"
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
            return self._register(self._annotations, _canonical(m.group(1)), path, "annotation")
        m = _VIDEO_RE.match(name)
        if m and m.group(2).lower() in VIDEO_SUFFIXES:
            return self._register(self._videos, _canonical(m.group(1)), path, "video")
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
        movie = _canonical(raw)
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


# ----------------------------------------------------------------------------- per-second files
# The release has ~1.5 million of these files, so the common case goes through numpy's C
# parser; anything it rejects is re-read token by token to name the bad value.
def _fast_floats(text: str, sep: str) -> np.ndarray | None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return np.fromstring(text, dtype=np.float64, sep=sep)
        except (ValueError, DeprecationWarning):
            return None


def _floats(tokens: Sequence[str], path: str) -> np.ndarray:
    cleaned = ["nan" if t == "?" else t for t in tokens]
    bad = next((t for t in cleaned if not is_number(t)), None)
    if bad is not None:
        raise DatasetError(
            f"{path}: {bad!r} is not a number; the file is corrupt — restore it from the release archive"
        )
    return np.array([float(t) for t in cleaned], dtype=np.float64)


def _parse_numbers(text: str, path: str) -> np.ndarray:
    """Numbers separated by commas, semicolons and/or whitespace."""
    body = text.strip().rstrip(",;")
    sep = "," if "," in body else (";" if ";" in body else " ")
    fast = _fast_floats(body, sep) if not (sep == "," and ";" in body) else None
    if fast is not None and fast.size:
        return fast
    return _floats([t for t in re.split(r"[,;\s]+", body) if t], path)


def read_visual_file(path: str) -> np.ndarray | None:
    """One visual descriptor vector; ``None`` for an empty file."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        return None
    return _parse_numbers(text, path)


def read_audio_file(path: str) -> np.ndarray | None:
    """One second's openSMILE functionals from ARFF or CSV text; ``None`` for an empty file."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        return None
    m = re.search(r"^[ \t]*@data[ \t]*$", text, re.IGNORECASE | re.MULTILINE)
    if m:
        return _read_arff(text[: m.start()], text[m.end():], path)
    return _read_smile_csv(text, path)


@functools.lru_cache(maxsize=8)
def _arff_columns(head: str) -> tuple[int, tuple[int, ...]]:
    """(number of attributes, indices of the numeric feature attributes) of an ARFF header."""
    keep = []
    n = 0
    for line in head.splitlines():
        m = re.match(r"\s*@attribute\s+('[^']*'|\"[^\"]*\"|\S+)\s+(\S+)", line, re.IGNORECASE)
        if m:
            name = m.group(1).strip("'\"").lower()
            if m.group(2).lower() in ("numeric", "real", "integer") and name not in _DROP_AUDIO_FIELDS:
                keep.append(n)
            n += 1
    return n, tuple(keep)


def _select_fields(values: list[str], keep: Sequence[int], path: str) -> np.ndarray:
    if keep and keep[-1] - keep[0] + 1 == len(keep):  # contiguous: hand one slice to the C parser
        chosen = values[keep[0] : keep[-1] + 1]
        fast = _fast_floats(",".join(chosen), ",")
        if fast is not None and fast.size == len(chosen):
            return fast
    else:
        chosen = [values[i] for i in keep]
    return _floats([v.strip() for v in chosen], path)


def _read_arff(head: str, body: str, path: str) -> np.ndarray | None:
    n_attr, keep = _arff_columns(head)
    rows = [ln.strip() for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("%")]
    if not rows:
        return None
    if len(rows) > 1:
        raise DatasetError(f"{path}: {len(rows)} data rows; a per-second ARFF file holds one — restore it from the release")
    values = rows[0].split(",")
    if len(values) != n_attr:
        raise DatasetError(
            f"{path}: the data row has {len(values)} values for {n_attr} @attribute lines; the file is "
            "truncated or corrupt — restore it from the release archive"
        )
    return _select_fields(values, keep, path)


def _read_smile_csv(text: str, path: str) -> np.ndarray | None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    sep = next((s for s in (";", ",", "\t") if s in lines[0]), None)

    def split(line: str) -> list[str]:
        return [t.strip() for t in (line.split(sep) if sep else line.split())]

    first = split(lines[0])
    has_header = any(not is_number(t) and not t.startswith(("'", '"')) and t != "?" for t in first)
    if not has_header:
        if len(lines) > 1:
            raise DatasetError(f"{path}: {len(lines)} rows; a per-second file holds one — restore it from the release")
        # Headerless: a leading quoted instance name is dropped, every other field must be a number.
        start = 1 if first and first[0].startswith(("'", '"')) else 0
        return _select_fields(first, tuple(range(start, len(first))), path)
    keep = tuple(i for i, t in enumerate(first) if t.strip("'\"").lower() not in _DROP_AUDIO_FIELDS)
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
    return _select_fields(values, keep, path)


_READERS = {"audio": read_audio_file}


def _reader(descriptor: str):
    return _READERS.get(descriptor, read_visual_file)


# ----------------------------------------------------------------------------- provided features
@dataclass(frozen=True)
class FeatureGap:
    """Seconds of one movie and modality without a usable provided-feature file (all masked)."""

    movie_id: str
    modality: str
    seconds: int
    missing: tuple[int, ...] = ()
    empty: tuple[int, ...] = ()
    invalid: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.empty) + len(self.invalid)

    def describe(self) -> str:
        parts = []
        for kind, secs in (("missing", self.missing), ("empty", self.empty), ("NaN/inf", self.invalid)):
            if secs:
                shown = ", ".join(map(str, secs[:5])) + (", ..." if len(secs) > 5 else "")
                parts.append(f"{len(secs)} {kind} (seconds {shown})")
        return f"{self.modality}: {'; '.join(parts)} of {self.seconds} s"


@dataclass
class ProvidedFeatures:
    corpus: Corpus
    gaps: list[FeatureGap] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # annotated movies without any provided feature file

    def gap_summary(self) -> dict[str, dict[str, int]]:
        """``{movie: {modality: masked seconds}}``."""
        out: dict[str, dict[str, int]] = {}
        for g in self.gaps:
            out.setdefault(g.movie_id, {})[g.modality] = g.count
        return out


def read_provided_features(
    root: str | os.PathLike | MediaEval2018,
    descriptors: Sequence[str] | None = None,
    movies: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    tolerance: int = DEFAULT_TOLERANCE_S,
    rename: Mapping[str, str] | None = None,
) -> ProvidedFeatures:
    """The features distributed with MediaEval 2018, as a corpus, plus every gap found.

    ``descriptors``: which to load, from ``ALL_DESCRIPTORS`` (``None``: every one with files below
    the root; a descriptor asked for by name must have files).  Each becomes a
    modality named after it (or ``rename[descriptor]``), extractor ``mediaeval2018.provided.<d>/1``,
    with the dimension read from the files.  ``movies`` / ``exclude`` select movies; a movie is
    loaded when it has an annotation and at least one file of a selected descriptor.
    """
    ds = root if isinstance(root, MediaEval2018) else MediaEval2018(root, require_annotations=False)
    descriptors = list(ds.provided_descriptors() if descriptors is None else descriptors)
    _check_descriptors(ds, descriptors)
    rename = dict(rename or {})
    names = [rename.get(d, d) for d in descriptors]
    if len(set(names)) != len(names):
        raise DatasetError(f"modality names {names} repeat; give each descriptor its own name in rename")

    # Visual descriptors are listed twice (here and when read) so that only one descriptor's
    # file table, ~126k paths for the release, is held at a time.
    with_files: dict[str, set[str]] = {}
    dims: dict[str, int] = {}
    for d in descriptors:
        table = ds.feature_files(d)
        with_files[d] = {m for m, files in table.items() if files}
        dims[d] = _first_dim(d, table, ds.root)
        del table
    wanted = _select(ds, movies, exclude, with_files)
    skipped = [m for m in wanted if not any(m in s for s in with_files.values())]
    if skipped:
        log.warning(
            "%s: %d annotated movies have no provided feature file of %s and are left out: %s",
            ds.root, len(skipped), ", ".join(descriptors), ", ".join(skipped),
        )
    chosen = [m for m in wanted if m not in skipped]
    if not chosen:
        raise DatasetError(f"{ds.root}: no annotated movie has provided features of {', '.join(descriptors)}; {LAYOUT_HINT}")
    labels = {m: ds.annotation(m) for m in chosen}
    specs = [
        ModalitySpec(n, (dims[d],), f"mediaeval2018.provided.{d}/{PROVIDED_VERSION}") for d, n in zip(descriptors, names)
    ]
    corpus = Corpus.allocate(
        specs, chosen, [labels[m].seconds for m in chosen], LabelScale.mediaeval(), [ds.split(m) for m in chosen]
    )
    for i, m in enumerate(chosen):
        a, b = int(corpus.offsets[i]), int(corpus.offsets[i + 1])
        for lab in LABEL_NAMES:
            corpus.labels[lab][a:b] = getattr(labels[m], lab)
    gaps: list[FeatureGap] = []
    for d, name in zip(descriptors, names):
        table = ds.feature_files(d)
        log.info("reading provided %s features of %d movies", d, len(chosen))
        for i, m in enumerate(chosen):
            gap = _fill_movie(corpus, i, name, d, m, table.get(m, {}), dims[d], tolerance, labels[m])
            if gap is not None:
                gaps.append(gap)
        del table
    corpus._validate()
    _log_gaps(gaps)
    return ProvidedFeatures(corpus, gaps, skipped)


def load_provided_features(
    root: str | os.PathLike | MediaEval2018,
    descriptors: Sequence[str] | None = None,
    movies: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    tolerance: int = DEFAULT_TOLERANCE_S,
    rename: Mapping[str, str] | None = None,
) -> Corpus:
    """:func:`read_provided_features` without the report (gaps are logged as warnings)."""
    return read_provided_features(root, descriptors, movies, exclude, tolerance, rename).corpus


def _check_descriptors(ds: MediaEval2018, descriptors: list[str]) -> None:
    if not descriptors:
        raise DatasetError(f"{ds.root}: no provided features found; {LAYOUT_HINT}")
    unknown = [d for d in descriptors if d not in ALL_DESCRIPTORS]
    if unknown:
        raise DatasetError(f"unknown descriptors {unknown}; choose from {', '.join(ALL_DESCRIPTORS)}")
    present = set(ds.provided_descriptors())
    absent = [d for d in descriptors if d not in present]
    if absent:
        raise DatasetError(
            f"{ds.root}: no provided {', '.join(absent)} feature files; found {', '.join(sorted(present)) or 'none'}. "
            "Unpack the MEDIAEVAL18-*-Audio_features / -Visual_features archives below the root or ask for fewer descriptors"
        )


def _select(ds: MediaEval2018, movies, exclude, with_files: dict[str, set[str]]) -> list[str]:
    """Annotated movies to load; a movie with features but no annotation is an error."""
    exclude = set(exclude)
    if movies is not None:
        for m in movies:
            official_split(m)
        wanted = [m for m in movies if m not in exclude]
        missing = [m for m in wanted if ds.annotation_path(m) is None]
    else:
        featured = set().union(*with_files.values())
        candidates = [m for m in ds.movie_ids if m not in exclude]
        missing = [m for m in candidates if m in featured and ds.annotation_path(m) is None]
        wanted = [m for m in candidates if ds.annotation_path(m) is not None]
    if missing:
        raise DatasetError(
            f"{ds.root}: no annotation file for {', '.join(missing)}, which have provided features; put "
            f"{missing[0]}_Valence-Arousal.txt below the root or leave the movies out (exclude=...)"
        )
    return wanted


def _first_dim(descriptor: str, table: dict[str, dict[int, str]], root: Path) -> int:
    if not any(table.values()):
        raise DatasetError(
            f"{root}: a folder named {descriptor!r} holds no MEDIAEVAL18_XX-NNNNN_{descriptor}.txt file; unpack the "
            "visual features archive again or ask for fewer descriptors"
        )
    read = _reader(descriptor)
    for movie in sorted(table):
        for number in sorted(table[movie]):
            vec = read(table[movie][number])
            if vec is not None:
                return int(vec.size)
    raise DatasetError(f"{root}: every provided {descriptor} file is empty; restore them from the release archive")


def _fill_movie(
    corpus: Corpus,
    index: int,
    name: str,
    descriptor: str,
    movie: str,
    files: dict[int, str],
    dim: int,
    tolerance: int,
    labels: SecondLabels,
) -> FeatureGap | None:
    a, b = int(corpus.offsets[index]), int(corpus.offsets[index + 1])
    n = b - a
    base = 0 if 0 in files else 1
    beyond = [k - base for k in files if k - base >= n]
    if beyond and max(beyond) + 1 - n > tolerance:
        raise AnnotationError(
            f"movie {movie}: {labels.source} covers {n} s but the provided {descriptor} files run to second "
            f"{max(beyond)} ({max(beyond) + 1} s, more than the {tolerance} s tolerance); the annotation is "
            f"truncated or belongs to another cut — fix it, or leave the movie out (exclude=['{movie}'])"
        )
    read = _reader(descriptor)
    feats = corpus.features[name]
    mask = corpus.masks[name]
    mask[a:b] = False
    empty, invalid = [], []
    for number, path in files.items():
        s = number - base
        if s >= n:
            continue
        vec = read(path)
        if vec is None:
            empty.append(s)
            continue
        if vec.size != dim:
            raise DatasetError(
                f"{path}: {vec.size} values, but the other {descriptor} files have {dim}; the file is corrupt "
                "or from another descriptor — restore it from the release archive"
            )
        if not np.isfinite(vec).all():
            invalid.append(s)
            continue
        feats[a + s] = vec
        mask[a + s] = True
    have = _seconds(files, base, n)
    missing = [s for s in range(n) if s not in have]
    if not (missing or empty or invalid):
        return None
    return FeatureGap(movie, name, n, tuple(missing), tuple(sorted(empty)), tuple(sorted(invalid)))


def _seconds(files: dict[int, str], base: int, n: int) -> set[int]:
    return {k - base for k in files if 0 <= k - base < n}


def _log_gaps(gaps: list[FeatureGap]) -> None:
    by_movie: dict[str, list[FeatureGap]] = {}
    for g in gaps:
        by_movie.setdefault(g.movie_id, []).append(g)
    for movie, items in by_movie.items():
        log.warning(
            "%s: provided-feature gaps, masked: %s", movie, " | ".join(g.describe() for g in items)
        )


# ----------------------------------------------------------------------------- our features
def corpus_from_store(
    root: str | os.PathLike | MediaEval2018,
    store_root: str | os.PathLike,
    feature_set: str,
    movies: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    modalities: Sequence[str] | None = None,
    tolerance: int = DEFAULT_TOLERANCE_S,
) -> Corpus:
    """Features extracted by ``videoaffect extract`` (one store file per movie) with the annotations.

    By default every movie with a video below ``root`` is used (each must be in the store), plus
    annotated movies without a video that the store nevertheless holds.  Labels are aligned to
    each movie's stored length with :func:`~videoaffect.datasets.formats.annotations.align_labels`.
    """
    ds = root if isinstance(root, MediaEval2018) else MediaEval2018(root, require_annotations=False)
    store_dir = Path(store_root)
    exclude = set(exclude)
    # Store files are named after the video's stem, whose case may differ from the canonical id.
    held = {
        _canonical(p.stem): p.stem
        for p in (store_dir / feature_set).glob("*.h5")
        if re.fullmatch(_MOVIE, p.stem, re.IGNORECASE)
    }
    if movies is None:
        chosen = [m for m in ds.movie_ids if m not in exclude and (ds.video(m) is not None or m in held)]
        left = [m for m in ds.movie_ids if m not in exclude and m not in chosen]
        if left:
            log.warning(
                "%s: %d movies have neither a video nor %r features in %s and are left out: %s",
                ds.root, len(left), feature_set, store_dir, ", ".join(left),
            )
        if not chosen:
            raise DatasetError(
                f"{ds.root}: no video and no movie of feature set {feature_set!r} in {store_dir}; run "
                f"`videoaffect extract <folder of MEDIAEVAL18_XX.mp4> --set {feature_set} --out {store_dir}`"
            )
    else:
        for m in movies:
            official_split(m)
        chosen = [m for m in movies if m not in exclude]
    items = []
    for m in chosen:
        if ds.annotation_path(m) is None:
            raise AnnotationError(
                f"{ds.root}: no annotation for {m}; put {m}_Valence-Arousal.txt below the root or leave the "
                f"movie out (exclude=['{m}'])"
            )
        video = ds.video(m)
        source = str(video) if video is not None else f"<{m}.mp4>"
        hint = f"videoaffect extract {source} --set {feature_set} --out {store_dir}"
        store_id = held.get(m) or (video.stem if video is not None else m)
        items.append(StoreItem(m, ds.split(m), (lambda mid=m: ds.annotation(mid)), hint, store_id=store_id))
    return corpus_from_store_items(items, store_dir, feature_set, LabelScale.mediaeval(), modalities, tolerance)


__all__ = [
    "ALL_DESCRIPTORS",
    "AUDIO_DIM",
    "VISUAL_DESCRIPTORS",
    "FeatureGap",
    "MediaEval2018",
    "ProvidedFeatures",
    "corpus_from_store",
    "load_provided_features",
    "official_split",
    "read_audio_file",
    "read_provided_features",
    "read_visual_file",
]
