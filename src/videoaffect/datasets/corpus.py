"""In-memory corpus of movies: per-second modality features, masks and labels.

All movies of a modality live in one contiguous array (total seconds x feature shape) so
that a MediaEval-sized corpus (35 h, ~3.7k dims) is held once, without per-movie copies;
a movie is a slice of it.  Training code addresses clips by row offsets into these arrays.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from videoaffect.core.errors import DataError
from videoaffect.core.files import atomic_save_npz, atomic_write_text
from videoaffect.core.labels import LabelScale
from videoaffect.core.modality import ModalitySpec
from videoaffect.core.vocabulary import TASKS

LABEL_NAMES = TASKS  # 0.1 name, kept for user code
CORPUS_FORMAT = "videoaffect-corpus/1"


class CorpusError(DataError):
    """Bad input data: the message names the movie/file and says how to fix it."""


@dataclass(frozen=True, eq=False)
class ClassLabels:
    """A data set's own class labels (e.g. LIRIS-ACCEDE's official MediaEval 2015 classes) for
    the classification variant: one value per corpus second on the internal scale, with the
    ModelConfig fields that cut exactly these values into the classes.  The two travel together
    so that the cut points can never be applied to other labels."""

    labels: dict[str, np.ndarray]  # task -> (corpus seconds,) internal-scale class encoding
    classification: dict  # ModelConfig fields, e.g. {"num_classes": 3, "class_thresholds": [...]}
    source: str  # where the classes come from, for tables and config.json

    def digest(self) -> str:
        """sha256 (16 hex) of the labels, for run fingerprints."""
        import hashlib

        h = hashlib.sha256()
        for task in sorted(self.labels):
            h.update(task.encode())
            h.update(np.ascontiguousarray(self.labels[task], dtype=np.float32).tobytes())
        return h.hexdigest()[:16]


@dataclass
class Movie:
    """One movie given by a user: arrays per modality, optional masks, per-second labels.

    ``features[m]`` has shape (seconds, *spec.shape).  ``masks[m]`` (seconds,) is True where
    the modality is present; absent seconds may hold anything (NaN included).  A modality
    missing from ``features`` altogether is absent for the whole movie.
    Labels are on the corpus label scale; ``None`` when the movie is unlabelled.
    """

    movie_id: str
    features: dict[str, np.ndarray]
    valence: np.ndarray | None = None
    arousal: np.ndarray | None = None
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    split: str = "train"

    @property
    def seconds(self) -> int:
        for arr in self.features.values():
            return int(arr.shape[0])
        for lab in (self.valence, self.arousal):
            if lab is not None:
                return int(len(lab))
        return 0

    @classmethod
    def from_stored(cls, stored, valence=None, arousal=None, split: str = "train") -> Movie:
        """A movie from a feature-store read (`features.store.StoredMovie`)."""
        return cls(
            stored.movie_id,
            {k: v.astype(np.float32) for k, v in stored.features.items()},
            valence=valence,
            arousal=arousal,
            masks=dict(stored.present),
            split=split,
        )


class Corpus:
    """Movies concatenated along time, one array per modality.

    Labels are stored on the internal scale [-1, 1] (MediaEval 2018); ``label_scale`` records
    the scale the data came in so predictions can be mapped back.
    """

    def __init__(
        self,
        specs: Sequence[ModalitySpec],
        movie_ids: Sequence[str],
        offsets: np.ndarray,
        features: dict[str, np.ndarray],
        masks: dict[str, np.ndarray],
        labels: dict[str, np.ndarray],
        splits: Sequence[str],
        label_scale: LabelScale,
    ) -> None:
        self.specs = {s.name: s for s in specs}
        self.movie_ids = list(movie_ids)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.features = features
        self.masks = masks
        self.labels = labels
        self.splits = list(splits)
        self.label_scale = label_scale
        self.validate()

    # ----------------------------------------------------------------- construction
    @classmethod
    def allocate(
        cls,
        specs: Sequence[ModalitySpec],
        movie_ids: Sequence[str],
        seconds: Sequence[int] | np.ndarray,
        label_scale: LabelScale | None = None,
        splits: Sequence[str] | None = None,
        dtype=np.float32,
    ) -> Corpus:
        """An all-present, zero-filled corpus to be written in place (generators, loaders)."""
        seconds = [int(s) for s in seconds]
        offsets = np.concatenate([[0], np.cumsum(seconds)]).astype(np.int64)
        total = int(offsets[-1])
        feats = {s.name: np.zeros((total, *s.shape), dtype=dtype) for s in specs}
        masks = {s.name: np.ones(total, dtype=bool) for s in specs}
        labels: dict[str, np.ndarray] = {k: np.zeros(total, dtype=np.float32) for k in LABEL_NAMES}
        obj = cls.__new__(cls)
        obj.specs = {s.name: s for s in specs}
        obj.movie_ids = list(movie_ids)
        obj.offsets = offsets
        obj.features, obj.masks, obj.labels = feats, masks, labels
        obj.splits = list(splits) if splits is not None else ["train"] * len(movie_ids)
        obj.label_scale = label_scale or LabelScale.mediaeval()
        return obj

    @classmethod
    def from_movies(
        cls,
        movies: Iterable[Movie],
        specs: Sequence[ModalitySpec],
        label_scale: LabelScale | None = None,
    ) -> Corpus:
        """Validate user movies and pack them; every error names the movie and the fix."""
        scale = label_scale or LabelScale.mediaeval()
        movies = list(movies)
        if not movies:
            raise CorpusError("no movies given: a corpus needs at least one movie")
        spec_by_name = {s.name: s for s in specs}
        seen: set[str] = set()
        lengths = []
        for mv in movies:
            if mv.movie_id in seen:
                raise CorpusError(f"movie id {mv.movie_id!r} appears twice; movie ids must be unique")
            seen.add(mv.movie_id)
            unknown = set(mv.features) - set(spec_by_name)
            if unknown:
                raise CorpusError(
                    f"movie {mv.movie_id!r}: modalities {sorted(unknown)} are not in the corpus "
                    f"specs {sorted(spec_by_name)}; add a ModalitySpec for them or drop them"
                )
            n = _movie_length(mv, spec_by_name)
            lengths.append(n)
        corpus = cls.allocate(specs, [m.movie_id for m in movies], lengths, scale, [m.split for m in movies])
        for i, mv in enumerate(movies):
            a, b = corpus.offsets[i], corpus.offsets[i + 1]
            for name, spec in spec_by_name.items():
                if name not in mv.features:
                    corpus.masks[name][a:b] = False
                    continue
                arr = np.asarray(mv.features[name])
                mask = np.asarray(mv.masks.get(name, np.ones(b - a, dtype=bool)), dtype=bool)
                if mask.shape != (b - a,):
                    raise CorpusError(
                        f"movie {mv.movie_id!r}, modality {name!r}: mask has shape {mask.shape}, "
                        f"expected ({b - a},) — one flag per second"
                    )
                corpus.masks[name][a:b] = mask
                filled = np.where(mask.reshape(-1, *([1] * len(spec.shape))), arr, 0.0)
                corpus.features[name][a:b] = filled
            for lab in LABEL_NAMES:
                values = getattr(mv, lab)
                if values is None:
                    corpus.labels[lab][a:b] = np.nan
                else:
                    corpus.labels[lab][a:b] = scale.to_internal(
                        np.asarray(values, dtype=np.float64), where=f"movie {mv.movie_id!r} {lab}"
                    )
        corpus.validate()
        return corpus

    def relabelled(self, labels: dict[str, np.ndarray]) -> Corpus:
        """The same movies and features (shared, not copied) with other labels on the internal
        scale, e.g. a data set's official class labels for a classification variant."""
        missing = [lab for lab in LABEL_NAMES if lab not in labels]
        if missing:
            raise CorpusError(f"relabelled corpus: labels for {missing} are missing")
        return Corpus(list(self.specs.values()), self.movie_ids, self.offsets, self.features, self.masks,
                      {lab: np.asarray(labels[lab], dtype=np.float32) for lab in LABEL_NAMES}, self.splits,
                      self.label_scale)

    def without_modalities(self, names: Iterable[str]) -> Corpus:
        """The same movies, labels and other modalities (shared, not copied) without ``names``."""
        drop = set(names)
        keep = [s for n, s in self.specs.items() if n not in drop]
        return Corpus(keep, self.movie_ids, self.offsets, {s.name: self.features[s.name] for s in keep},
                      {s.name: self.masks[s.name] for s in keep}, self.labels, self.splits, self.label_scale)

    def absent_modalities(self) -> list[str]:
        """Modalities with no present second in any movie (e.g. the text modality of films
        without subtitles): nothing to learn from, and a normaliser cannot be fitted on them."""
        return [n for n in self.specs if not self.masks[n].any()]

    # ----------------------------------------------------------------- access
    @property
    def n_movies(self) -> int:
        return len(self.movie_ids)

    @property
    def total_seconds(self) -> int:
        return int(self.offsets[-1])

    def seconds(self, movie: int) -> int:
        return int(self.offsets[movie + 1] - self.offsets[movie])

    def movie_index(self, movie_id: str) -> int:
        try:
            return self.movie_ids.index(movie_id)
        except ValueError:
            raise CorpusError(f"movie {movie_id!r} is not in this corpus") from None

    def movies_in_split(self, split: str) -> list[int]:
        idx = [i for i, s in enumerate(self.splits) if s == split]
        if not idx:
            raise CorpusError(
                f"no movie has split {split!r}; splits present: {sorted(set(self.splits))}"
            )
        return idx

    def has_labels(self, label: str, movies: Iterable[int]) -> bool:
        return all(
            not np.isnan(self.labels[label][self.offsets[m] : self.offsets[m + 1]]).any() for m in movies
        )

    # ----------------------------------------------------------------- checks
    def validate(self) -> None:
        """Check the offsets, features, masks and labels agree (loaders that fill an allocated
        corpus in place call it when done); raises ``CorpusError`` naming what is wrong."""
        total = self.total_seconds
        if len(self.movie_ids) + 1 != len(self.offsets):
            raise CorpusError("offsets must have one entry more than movie ids")
        for i, mid in enumerate(self.movie_ids):
            if self.seconds(i) <= 0:
                raise CorpusError(
                    f"movie {mid!r} has no seconds; remove it or re-extract its features"
                )
        for name, spec in self.specs.items():
            arr, mask = self.features[name], self.masks[name]
            if arr.shape != (total, *spec.shape) or mask.shape != (total,):
                raise CorpusError(
                    f"modality {name!r}: array {arr.shape} / mask {mask.shape} do not match "
                    f"{total} seconds x {spec.shape}"
                )
            # Check finiteness in chunks: a full isfinite on a 2 GB array doubles peak memory.
            step = max(1, 2**22 // max(spec.size, 1))
            for a in range(0, total, step):
                block = arr[a : a + step].reshape(min(step, total - a), -1)
                bad = ~np.isfinite(block).all(axis=1) & mask[a : a + step]
                if bad.any():
                    row = a + int(np.argmax(bad))
                    m = int(np.searchsorted(self.offsets, row, side="right") - 1)
                    raise CorpusError(
                        f"movie {self.movie_ids[m]!r}, modality {name!r}, second "
                        f"{row - self.offsets[m]}: feature is NaN or infinite; fix the extractor "
                        "output or mark that second missing in the modality's mask"
                    )
        for lab in LABEL_NAMES:
            values = self.labels[lab]
            if values.shape != (total,):
                raise CorpusError(f"{lab} labels must have one value per second ({total})")
            finite = values[~np.isnan(values)]
            if np.isinf(finite).any():
                raise CorpusError(f"{lab} labels contain infinite values")
            if finite.size and (finite.min() < -1.0 - 1e-6 or finite.max() > 1.0 + 1e-6):
                raise CorpusError(f"internal {lab} labels must lie in [-1, 1]")
            for i, mid in enumerate(self.movie_ids):
                seg = values[self.offsets[i] : self.offsets[i + 1]]
                nan = np.isnan(seg)
                if nan.any() and not nan.all():
                    raise CorpusError(
                        f"movie {mid!r}: {lab} label is NaN at second {int(np.argmax(nan))} "
                        "but present elsewhere; give every second a label or none at all"
                    )

    # ----------------------------------------------------------------- disk format
    def save(self, directory: str | os.PathLike) -> Path:
        """Write ``corpus.json`` and one ``movies/<id>.npz`` per movie, each atomically."""
        root = Path(directory)
        (root / "movies").mkdir(parents=True, exist_ok=True)
        for i, mid in enumerate(self.movie_ids):
            a, b = self.offsets[i], self.offsets[i + 1]
            arrays = {}
            for name in self.specs:
                arrays[f"feature__{name}"] = self.features[name][a:b]
                arrays[f"mask__{name}"] = self.masks[name][a:b]
            for lab in LABEL_NAMES:
                arrays[f"label__{lab}"] = self.labels[lab][a:b]
            atomic_save_npz(root / "movies" / f"{mid}.npz", arrays)
        meta = {
            "format": CORPUS_FORMAT,
            "label_scale": asdict(self.label_scale),
            "modalities": [s.to_dict() for s in self.specs.values()],
            "movies": [
                {"id": mid, "seconds": self.seconds(i), "split": self.splits[i]}
                for i, mid in enumerate(self.movie_ids)
            ],
        }
        atomic_write_text(root / "corpus.json", json.dumps(meta, indent=2))
        return root

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Corpus:
        root = Path(directory)
        meta_path = root / "corpus.json"
        if not meta_path.is_file():
            raise CorpusError(
                f"{meta_path} not found: a corpus directory holds corpus.json and movies/*.npz "
                "(write one with `videoaffect synth` or Corpus.save)"
            )
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{meta_path} is not valid JSON: {exc}") from None
        if meta.get("format") != CORPUS_FORMAT:
            raise CorpusError(f"{meta_path}: format {meta.get('format')!r}, expected {CORPUS_FORMAT!r}")
        specs = [ModalitySpec.from_dict(d) for d in meta["modalities"]]
        movies = meta["movies"]
        corpus = cls.allocate(
            specs,
            [m["id"] for m in movies],
            [m["seconds"] for m in movies],
            LabelScale(**meta["label_scale"]),
            [m.get("split", "train") for m in movies],
        )
        for i, m in enumerate(movies):
            path = root / "movies" / f"{m['id']}.npz"
            a, b = corpus.offsets[i], corpus.offsets[i + 1]
            try:
                with np.load(path) as npz:
                    for s in specs:
                        _copy_checked(npz, f"feature__{s.name}", corpus.features[s.name], a, b, path)
                        _copy_checked(npz, f"mask__{s.name}", corpus.masks[s.name], a, b, path)
                    for lab in LABEL_NAMES:
                        _copy_checked(npz, f"label__{lab}", corpus.labels[lab], a, b, path)
            except FileNotFoundError:
                raise CorpusError(f"{path} is missing; corpus.json lists movie {m['id']!r}") from None
        corpus.validate()
        return corpus


def _movie_length(mv: Movie, specs: Mapping[str, ModalitySpec]) -> int:
    lengths = {}
    for name, arr in mv.features.items():
        arr = np.asarray(arr)
        spec = specs[name]
        if arr.ndim != 1 + len(spec.shape) or tuple(arr.shape[1:]) != spec.shape:
            raise CorpusError(
                f"movie {mv.movie_id!r}, modality {name!r}: array shape {arr.shape} does not match "
                f"(seconds, {', '.join(map(str, spec.shape))}); was it made by another extractor?"
            )
        lengths[f"modality {name!r}"] = arr.shape[0]
    for lab in LABEL_NAMES:
        values = getattr(mv, lab)
        if values is not None:
            values = np.asarray(values)
            if values.ndim != 1:
                raise CorpusError(f"movie {mv.movie_id!r}: {lab} labels must be 1-D, one per second")
            lengths[f"{lab} labels"] = len(values)
    if not lengths:
        raise CorpusError(f"movie {mv.movie_id!r} has neither features nor labels")
    distinct = set(lengths.values())
    if len(distinct) > 1:
        detail = ", ".join(f"{k}: {v} s" for k, v in lengths.items())
        raise CorpusError(
            f"movie {mv.movie_id!r}: lengths differ ({detail}); features and labels must cover the "
            "same seconds — trim or pad them to the video's duration before building the corpus"
        )
    n = distinct.pop()
    if n == 0:
        raise CorpusError(f"movie {mv.movie_id!r} is empty (0 seconds); remove it from the corpus")
    return int(n)


def _copy_checked(npz, key: str, dest: np.ndarray, a: int, b: int, path: Path) -> None:
    if key not in npz:
        raise CorpusError(f"{path}: array {key!r} is missing; re-save the corpus")
    arr = npz[key]
    if arr.shape != dest[a:b].shape:
        raise CorpusError(f"{path}: {key!r} has shape {arr.shape}, corpus.json implies {dest[a:b].shape}")
    dest[a:b] = arr
