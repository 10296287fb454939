"""The features distributed with MediaEval 2018 (openSMILE audio functionals and eleven visual
descriptors, one file per second) read into a corpus, with every gap masked and reported.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videoaffect.core.labels import LabelScale
from videoaffect.core.modality import ModalitySpec
from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.corpus import Corpus
from videoaffect.datasets.formats.annotations import DEFAULT_TOLERANCE_S, AnnotationError, DatasetError, SecondLabels
from videoaffect.datasets.formats.numbers import read_number_file
from videoaffect.datasets.formats.opensmile_csv import read_functionals_file
from videoaffect.datasets.mediaeval2018.layout import (
    ALL_DESCRIPTORS,
    LAYOUT_HINT,
    PROVIDED_VERSION,
    MediaEval2018,
    official_split,
)

log = logging.getLogger(__name__)


def read_audio_file(path: str | os.PathLike) -> np.ndarray | None:
    """One second's provided openSMILE functionals (ARFF or CSV text); None for an empty file."""
    return read_functionals_file(path)


def read_visual_file(path: str | os.PathLike) -> np.ndarray | None:
    """One second's provided visual descriptor (comma-separated numbers); None for an empty file."""
    return read_number_file(path)


def _reader(descriptor: str) -> Callable[[str], np.ndarray | None]:
    return read_audio_file if descriptor == "audio" else read_visual_file


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
        raise DatasetError(
            f"{ds.root}: no annotated movie has provided features of {', '.join(descriptors)}; {LAYOUT_HINT}"
        )
    labels = {m: ds.annotation(m) for m in chosen}
    specs = [
        ModalitySpec(n, (dims[d],), f"mediaeval2018.provided.{d}/{PROVIDED_VERSION}")
        for d, n in zip(descriptors, names)
    ]
    corpus = Corpus.allocate(
        specs, chosen, [labels[m].seconds for m in chosen], LabelScale.mediaeval(), [ds.split(m) for m in chosen]
    )
    for i, m in enumerate(chosen):
        a, b = int(corpus.offsets[i]), int(corpus.offsets[i + 1])
        for lab in TASKS:
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
    corpus.validate()
    _log_gaps(gaps)
    return ProvidedFeatures(corpus, gaps, skipped)


def load_provided_features(root: str | os.PathLike | MediaEval2018, *args: Any, **options: Any) -> Corpus:
    """:func:`read_provided_features` (the same arguments) without the report (gaps are logged
    as warnings)."""
    return read_provided_features(root, *args, **options).corpus


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
            "Unpack the MEDIAEVAL18-*-Audio_features / -Visual_features archives below the root "
            "or ask for fewer descriptors"
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


__all__ = [
    "FeatureGap",
    "ProvidedFeatures",
    "load_provided_features",
    "read_audio_file",
    "read_provided_features",
    "read_visual_file",
]
