"""A generic dataset: a CSV manifest of videos with per-second label files, for any user data.

Manifest (UTF-8 CSV, comma-separated, one header line)::

    video,labels,split,movie_id
    clips/holiday.mp4,labels/holiday.txt,train,
    clips/match.mkv,labels/match.txt,test,match-2019

or, with one file per task (what ``videoaffect annotations merge`` writes, and the official
LIRIS-ACCEDE continuous ``<Film>_Valence.txt`` / ``<Film>_Arousal.txt``)::

    video,valence,arousal,split
    clips/holiday.mp4,labels/holiday_Valence.tsv,labels/holiday_Arousal.tsv,train

* ``video`` (required): the video file, relative to the manifest's folder (or absolute).
* ``labels``: its per-second label file holding both tasks, same format as MediaEval 2018's
  (see :mod:`videoaffect.datasets.formats.annotations`: header ``Time, Valence, Arousal``, one row per
  second), relative to the manifest's folder (or absolute).
* ``valence`` / ``arousal``: instead of ``labels``, one file per task (header ``Time`` and
  ``Mean`` or the task's name, optional ``Std`` and ``Raters``; see
  :func:`~videoaffect.datasets.formats.annotations.read_task_labels`).  A row may give one of
  them: the other task is then unlabelled for that movie, as with a ``labels`` file holding one
  task (only the labelled task trains and is evaluated).  A row gives either ``labels`` or the
  per-task files, not both.
* ``split`` (optional): any name made of letters, digits, ``_`` and ``-``; empty or absent
  means ``train``.
* ``movie_id`` (optional): the movie's id in the feature store; empty or absent means the video's
  file stem, which is also the id ``videoaffect extract VIDEO`` gives it.

Header names are matched case-insensitively; other columns are ignored.  Every row must name
an existing video and at least one existing label file; ids must be unique.

Features come from our pipeline: :func:`manifest_corpus_from_store` reads each movie's features from a
feature store (``videoaffect extract``) and aligns the labels to the stored length with
:func:`~videoaffect.datasets.formats.annotations.align_labels`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from videoaffect.core.labels import LabelScale
from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.corpus import Corpus
from videoaffect.datasets.formats.annotations import (
    DEFAULT_TOLERANCE_S,
    DatasetError,
    SecondLabels,
    align_labels,
    combine_tasks,
    read_second_labels,
    read_task_labels,
)
from videoaffect.features.store import FeatureStore, StoreError

log = logging.getLogger(__name__)

_SPLIT_RE = re.compile(r"^[A-Za-z0-9_-]+$")
LABEL_COLUMNS = ("labels", *TASKS)
USAGE = "video,labels[,split,movie_id] or video,valence,arousal[,split,movie_id]"


# ----------------------------------------------------------------------------- store -> corpus
@dataclass(frozen=True)
class StoreItem:
    """One movie to take from a feature store: where its labels come from and how to extract it."""

    movie_id: str
    split: str
    labels: Callable[[], SecondLabels]
    extract_hint: str
    hint_note: str = ""
    store_id: str | None = None  # the id in the store when it differs from the corpus id
    # Labels fitted to the stored length (seconds, tolerance) when they come from one file per task:
    # each file is held to the video on its own (``labels`` and ``align_labels`` otherwise).
    fitted: Callable[[int, int], SecondLabels] | None = None

    @property
    def key(self) -> str:
        return self.store_id or self.movie_id

    def fix(self, force: bool = False) -> str:
        return f"`{self.extract_hint}{' --force' if force else ''}`{self.hint_note}"


def corpus_from_store_items(
    items: Sequence[StoreItem],
    store_root: str | os.PathLike,
    feature_set: str,
    label_scale: LabelScale | None = None,
    modalities: Sequence[str] | None = None,
    tolerance: int = DEFAULT_TOLERANCE_S,
) -> Corpus:
    """Build a corpus from stored features and per-second labels, one movie at a time.

    The corpus is allocated once and filled in place, so peak memory is the corpus plus one
    movie.  Every movie must hold the same modalities, shapes and extractor versions as the
    first; labels are aligned to each movie's stored length.
    """
    if not items:
        raise DatasetError("no movies to read from the feature store")
    scale = label_scale or LabelScale.mediaeval()
    try:
        store = FeatureStore(Path(store_root), create=False)
    except StoreError as exc:
        raise DatasetError(f"{exc}, e.g. {items[0].fix()}") from None
    seconds = []
    for item in items:
        if not store.path(feature_set, item.key).is_file():
            raise DatasetError(
                f"movie {item.movie_id!r} has no {feature_set!r} features in {store.root} "
                f"(no {store.path(feature_set, item.key)}); run {item.fix()}"
            )
        seconds.append(store.read(feature_set, item.key, modalities=[]).seconds)
    first = _read_stored(store, feature_set, items[0], modalities)
    specs = first.specs()
    if not specs:
        raise DatasetError(
            f"{store.path(feature_set, items[0].key)} holds no modality; re-extract it with {items[0].fix(True)}"
        )
    corpus = Corpus.allocate(specs, [i.movie_id for i in items], seconds, scale, [i.split for i in items])
    names = [s.name for s in specs]
    for k, item in enumerate(items):
        stored = first if k == 0 else _read_stored(store, feature_set, item, names)
        _check_specs(stored.specs(), specs, item, items[0].movie_id, store, feature_set)
        a, b = int(corpus.offsets[k]), int(corpus.offsets[k + 1])
        for name in names:
            present = np.asarray(stored.present[name], dtype=bool)
            corpus.masks[name][a:b] = present
            block = corpus.features[name][a:b]
            block[...] = stored.features[name]
            block[~present] = 0.0  # absent seconds may hold anything; keep them finite
        labels = (item.fitted(b - a, tolerance) if item.fitted is not None
                  else align_labels(item.labels(), b - a, tolerance=tolerance, movie_id=item.movie_id))
        for lab in TASKS:
            corpus.labels[lab][a:b] = scale.to_internal(getattr(labels, lab), where=f"movie {item.movie_id!r} {lab}")
    corpus.validate()
    return corpus


def _read_stored(store: FeatureStore, feature_set: str, item: StoreItem, modalities):
    try:
        return store.read(feature_set, item.key, modalities=modalities)
    except StoreError as exc:
        raise DatasetError(
            f"movie {item.movie_id!r}: {exc}; extract every movie with the same feature set "
            f"({item.fix(True)} redoes this one)"
        ) from None


def _check_specs(got, want, item: StoreItem, first_id: str, store: FeatureStore, feature_set: str) -> None:
    got_by = {s.name: s for s in got}
    for spec in want:
        other = got_by[spec.name]
        if other.shape != spec.shape or other.extractor != spec.extractor:
            raise DatasetError(
                f"movie {item.movie_id!r}, modality {spec.name!r}: stored by {other.extractor} with shape "
                f"{other.shape}, but movie {first_id!r} has {spec.extractor} with shape {spec.shape} "
                f"(store {store.root}, set {feature_set!r}); re-extract the stale one with "
                f"{item.fix(True)}"
            )


# ----------------------------------------------------------------------------- manifest
@dataclass(frozen=True)
class ManifestEntry:
    movie_id: str
    video: Path
    labels: Path | None  # a two-task file, or None when the row gives per-task files
    split: str
    line: int
    valence: Path | None = None
    arousal: Path | None = None

    @property
    def label_files(self) -> list[Path]:
        return [p for p in (self.labels, self.valence, self.arousal) if p is not None]


class GenericDataset:
    """Movies listed in a CSV manifest (see the module docstring for the columns)."""

    def __init__(self, manifest: str | os.PathLike, label_scale: LabelScale | None = None) -> None:
        self.manifest = Path(manifest)
        self.label_scale = label_scale or LabelScale.mediaeval()
        self._entries = _read_manifest(self.manifest)
        self._by_id = {e.movie_id: e for e in self._entries}

    @property
    def movie_ids(self) -> list[str]:
        return [e.movie_id for e in self._entries]

    def entry(self, movie_id: str) -> ManifestEntry:
        try:
            return self._by_id[movie_id]
        except KeyError:
            raise DatasetError(
                f"movie {movie_id!r} is not in {self.manifest}; it lists {len(self._entries)} movies"
            ) from None

    def split(self, movie_id: str) -> str:
        return self.entry(movie_id).split

    def video(self, movie_id: str) -> Path:
        return self.entry(movie_id).video

    def annotation(self, movie_id: str) -> SecondLabels:
        e = self.entry(movie_id)
        value_range = (self.label_scale.low, self.label_scale.high)
        if e.labels is not None:
            return read_second_labels(e.labels, value_range=value_range)
        per_task = {task: read_task_labels(f, task, value_range) if (f := getattr(e, task)) is not None else None
                    for task in TASKS}
        return combine_tasks(per_task["valence"], per_task["arousal"])

    def fitted_annotation(self, movie_id: str, n_seconds: int, tolerance: int = DEFAULT_TOLERANCE_S) -> SecondLabels:
        """The labels fitted to a video of ``n_seconds``; a row's per-task files are each held to
        the video on their own (two files of one film may differ in length, e.g. by 7 s in the
        LIRIS-ACCEDE continuous release), so an error names the file that does not fit."""
        e = self.entry(movie_id)
        if e.labels is not None:
            return align_labels(self.annotation(movie_id), n_seconds, tolerance=tolerance, movie_id=movie_id)
        value_range = (self.label_scale.low, self.label_scale.high)
        per_task = {task: align_labels(read_task_labels(f, task, value_range), n_seconds, tolerance=tolerance,
                                       movie_id=movie_id) if (f := getattr(e, task)) is not None else None
                    for task in TASKS}
        return combine_tasks(per_task["valence"], per_task["arousal"])

    def extract_hint(self, movie_id: str, feature_set: str, store_root) -> tuple[str, str]:
        """The command that extracts this movie into the store, and a note when it needs more."""
        e = self.entry(movie_id)
        if e.video.stem == movie_id:
            return f"videoaffect extract {e.video} --set {feature_set} --out {store_root}", ""
        return (
            f"videoaffect extract IDS.csv --set {feature_set} --out {store_root}",
            f" (IDS.csv: a CSV with columns path,movie_id and the row {e.video},{movie_id} — the id differs "
            "from the file stem)",
        )


def _read_manifest(path: Path) -> list[ManifestEntry]:
    from videoaffect.core.manifest import ManifestError, movie_id_of, read_manifest

    try:
        rows = read_manifest(path, usage=USAGE, required_any=LABEL_COLUMNS)
        entries: list[ManifestEntry] = []
        seen: dict[str, int] = {}
        for row in rows:
            entry = _entry(path, row, movie_id_of(row, path))
            if entry.movie_id in seen:
                raise DatasetError(
                    f"{path}, lines {seen[entry.movie_id]} and {row.line}: movie id {entry.movie_id!r} is used "
                    "twice; give one of them a distinct movie_id"
                )
            seen[entry.movie_id] = row.line
            entries.append(entry)
    except ManifestError as exc:
        raise DatasetError(str(exc)) from None
    return entries


def _entry(path: Path, row, movie_id: str) -> ManifestEntry:
    files = {column: row.path(column, path) for column in LABEL_COLUMNS}
    if files["labels"] is not None and (both := [t for t in TASKS if files[t] is not None]):
        raise DatasetError(
            f"{path}, line {row.line}: the row gives a labels file and a {' and an '.join(both)} file; give either "
            "labels (a file with both tasks) or the per-task files valence/arousal, and empty the other cell"
        )
    if not any(files.values()):
        raise DatasetError(
            f"{path}, line {row.line}: no label file in this row; give its labels file (or its valence and/or "
            "arousal file), or remove the row"
        )
    for column, file in files.items():
        if file is not None and not file.is_file():
            raise DatasetError(
                f"{path}, line {row.line}: {column} file {file} does not exist (paths are relative to the manifest's "
                "folder); correct the path in that row"
            )
    split = row.get("split") or "train"
    if not _SPLIT_RE.match(split):
        raise DatasetError(f"{path}, line {row.line}: split {split!r} must be letters, digits, '_' or '-'")
    return ManifestEntry(movie_id, row.video, files["labels"], split, row.line, files["valence"], files["arousal"])


def manifest_corpus_from_store(
    manifest: str | os.PathLike,
    store_root: str | os.PathLike,
    feature_set: str,
    label_scale: LabelScale | None = None,
    modalities: Sequence[str] | None = None,
    tolerance: int = DEFAULT_TOLERANCE_S,
) -> Corpus:
    """Corpus of every manifest movie: stored features plus labels aligned to the stored length."""
    ds = GenericDataset(manifest, label_scale)
    items = []
    for mid in ds.movie_ids:
        hint, note = ds.extract_hint(mid, feature_set, store_root)
        items.append(StoreItem(mid, ds.split(mid), partial(ds.annotation, mid), hint, note,
                               fitted=partial(ds.fitted_annotation, mid)))
    return corpus_from_store_items(items, store_root, feature_set, ds.label_scale, modalities, tolerance)
