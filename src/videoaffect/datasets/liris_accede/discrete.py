"""LIRIS-ACCEDE discrete (the MediaEval 2015 "affective impact of movies" data): the data set of
excerpts, its protocols and the corpora built from it.  Its files are read by
``release_files.py`` (names, table format, cross-checks), ``readers.py`` (each file into
per-excerpt arrays) and ``description.py`` (ACCEDEdescription.xml).

On-disk layout (the official release, files tab-separated with a header line; columns are
found by header name, so their order does not matter)::

    ROOT/ACCEDEranking.txt                    id, name, valenceValue, arousalValue (1-5), ...
    ROOT/ACCEDEsets.txt                       id, name, set (1 learning, 2 validation, 0 test)
    ROOT/ACCEDEfeaturesValence_TAC2015.txt    id, name, one column per feature
    ROOT/ACCEDEfeaturesArousal_TAC2015.txt    id, name, one column per feature
    ROOT/ACCEDEaffect.txt        (optional)   id, name, valenceClass, arousalClass (-1/0/1)
    ROOT/MEDIAEVALaffect.txt     (optional)   same columns, for the 1100 extra MediaEval 2015
                                              test clips (not ACCEDE excerpts: see below)
    ROOT/data/ACCEDE00000.mp4 ... (optional)  the excerpt videos

The files may sit directly in ROOT or in ROOT/annotations and ROOT/features (the folders of
the official zips).  ``ACCEDEsets.txt`` lists the excerpts; every other file must describe
exactly the same excerpt ids (matched by id, never by line order).

Features.  The two TAC2015 files are merged (union of their columns; a column present in
both must agree excerpt by excerpt) and grouped into three modalities following the feature
descriptions of the official readme: ``audio`` (16 values), ``scene`` (colour, composition,
lighting; 14) and ``motion`` (activity and editing: cuts, fades, white frames; 5).  ``slope``
(arousal file) has no description in the readme and is left out.

Every feature goes through a signed log, sign(x)·log1p(|x|), in the loader: several columns
span many orders of magnitude (wtf_max2stdratio_12 is about 1e15), which a linear
standardisation cannot tame.  The models standardise afterwards on their training data.
``wtf_max2stdratio_11`` is about 1.41 on every learning excerpt but reaches 1e16 on some
validation excerpts; ``bounds()`` / ``to_corpus(clip_to_sets=...)`` clip features into the
range seen on the training sets (a transform fitted on training data only) so such values
cannot blow up a model.

Each excerpt (8-12 s) has a single feature vector per modality, so ``to_corpus`` gives each
excerpt ONE second: one clip of ``clip_seconds=1`` (use ``context="none"``).  By default each
excerpt is its own one-second movie; ``group="id-blocks"`` makes runs of ~60 consecutive ids
(never crossing a change of set) one movie of one second per excerpt: a stand-in for the film
(``id_blocks.py`` says why), so a validation part carved "by movie" holds other films than the
fitted part — as the evaluated set does.  Split names:
"learning" (set 1), "validation" (set 2), "test" (set 0).

Classes (paper table 5).  ``ACCEDEaffect.txt`` gives the official 3-class labels of the
9800 excerpts; when it is absent, classes are derived from the 1-5 scores by the tertiles of
the protocol's training excerpts (the exact conversion of the MediaEval 2015 organisers is not
in the readme).  ``MEDIAEVALaffect.txt`` describes 1100 other clips that have no TAC2015
features and no ``ACCEDEsets.txt`` entry; it is parsed and kept in ``mediaeval_classes`` but
not used for training.  Classes reach ``ModelConfig(output="classification")`` through an
encoding: class c in {-1, 0, 1} is stored as the rating 3 + 2c (1, 3 or 5), i.e. the internal
value c, which ``CLASS_THRESHOLDS`` (-1/3, 1/3) cut back into classes 0, 1, 2 (= c + 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from videoaffect.core.labels import LabelScale
from videoaffect.core.modality import ModalitySpec
from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.corpus import ClassLabels, Corpus
from videoaffect.datasets.liris_accede.description import ExcerptPlace, read_description
from videoaffect.datasets.liris_accede.id_blocks import FILM_BLOCK, block_names, id_blocks
from videoaffect.datasets.liris_accede.readers import (
    MODALITY_COLUMNS,
    VALUE_COLUMNS,
    find_videos,
    read_affect,
    read_features,
    read_mediaeval_affect,
    read_sets,
    read_values,
)
from videoaffect.datasets.liris_accede.release_files import FEATURE_FILES, SETS_FILE, LirisError, find_file

EXTRACTOR = "liris-accede-tac2015/signed-log"

SET_NAMES = {1: "learning", 2: "validation", 0: "test"}
# Internal-scale cut points that turn the class encoding (internal value = class in -1/0/1)
# back into classes 0/1/2; pass them as ModelConfig.class_thresholds.
CLASS_THRESHOLDS = (-1.0 / 3.0, 1.0 / 3.0)


# ---------------------------------------------------------------------- protocol
@dataclass(frozen=True)
class Protocol:
    """Which sets train and which are evaluated.  ``train``/``evaluate`` index the movies of
    ``to_corpus()`` (all sets, excerpts in id order) of the loader that made it."""

    name: str  # "official" (train 1+2, test 0) | "development" (train 1, evaluate 2)
    train_sets: tuple[int, ...]
    eval_sets: tuple[int, ...]
    train: list[int]
    evaluate: list[int]

    @property
    def eval_split(self) -> str:
        return SET_NAMES[self.eval_sets[0]]

    def movies(self, corpus: Corpus) -> tuple[list[int], list[int]]:
        """Train / evaluation movie indices of any corpus built by ``to_corpus``."""
        train = sorted(i for s in self.train_sets for i in corpus.movies_in_split(SET_NAMES[s]))
        test = sorted(i for s in self.eval_sets for i in corpus.movies_in_split(SET_NAMES[s]))
        return train, test


# ---------------------------------------------------------------------- the data set
# eq=False: the fields are numpy arrays, whose == is element-wise.
@dataclass(repr=False, eq=False)
class LirisDiscrete:
    """The excerpts of a LIRIS-ACCEDE discrete root, in id order; read one with :meth:`load`.

    Row i of every per-excerpt field describes the same excerpt.
    """

    root: Path
    ids: np.ndarray  # (n,) int64 excerpt ids, ascending
    names: list[str]  # excerpt file names, e.g. ACCEDE00042.mp4
    sets: np.ndarray  # (n,) int64: 1 learning, 2 validation, 0 test
    values: dict[str, np.ndarray]  # task -> (n,) rating on 1-5
    features: dict[str, np.ndarray]  # modality -> (n, dim), signed-log compressed when `compressed`
    columns: dict[str, tuple[str, ...]]  # modality -> its feature column names
    compressed: bool = True
    # task -> (n,) variance of the rating from ACCEDEranking.txt's regression (None when the
    # file has no variance columns): how uncertain each excerpt's rating is.
    variances: dict[str, np.ndarray] | None = None
    affect: dict[str, np.ndarray] | None = None  # task -> (n,) class -1/0/1 from ACCEDEaffect.txt
    affect_source: str | None = None  # file the classes came from, None when derived
    # name -> (valence, arousal) class of the extra MediaEval 2015 clips (MEDIAEVALaffect.txt)
    mediaeval_classes: dict[str, tuple[int, int]] | None = None
    videos: dict[str, Path] = field(default_factory=dict)  # name -> excerpt video found in ROOT/data
    # name -> where the excerpt lies in its source film (ACCEDEdescription.xml), for excerpts it describes
    description: dict[str, ExcerptPlace] = field(default_factory=dict)

    @property
    def has_tac2015(self) -> bool:
        """Whether the TAC2015 feature files were read (they are optional beside the videos)."""
        return bool(self.features)

    @classmethod
    def load(
        cls, root: str | Path, *, signed_log_features: bool = True, require_features: bool = True
    ) -> LirisDiscrete:
        """Read and cross-check every file of a LIRIS-ACCEDE discrete root (see the module docstring);
        ``signed_log_features=False`` keeps the raw feature values.  ``require_features=False``
        accepts a root without the two TAC2015 files (features are then extracted from the
        excerpt videos); one of the two without the other is still an error."""
        root = Path(root)
        if not root.is_dir():
            raise LirisError(f"{root} is not a folder; give the LIRIS-ACCEDE discrete root")
        ids, names, sets, sets_path = read_sets(root)
        values, variances = read_values(root, ids, names, sets_path)
        present = [f for f in FEATURE_FILES if find_file(root, f, required=False) is not None]
        if present or require_features:
            features, columns = read_features(root, ids, names, sets_path, signed_log_features)
        else:
            features, columns = {}, {}
        affect, affect_source = read_affect(root, ids, names, sets_path)
        return cls(
            root=root,
            ids=ids,
            names=names,
            sets=sets,
            values=values,
            features=features,
            columns=columns,
            compressed=signed_log_features,
            variances=variances,
            affect=affect,
            affect_source=affect_source,
            mediaeval_classes=read_mediaeval_affect(root),
            videos=find_videos(root, names),
            description=read_description(root, ids, names),
        )

    def __repr__(self) -> str:
        counts = {SET_NAMES[s]: int((self.sets == s).sum()) for s in self.available_sets()}
        return f"LirisDiscrete({str(self.root)!r}, excerpts={counts}, classes={self.class_source!r})"

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.ids)

    @property
    def modalities(self) -> tuple[str, ...]:
        self.require_tac2015()
        return tuple(MODALITY_COLUMNS)

    def require_tac2015(self) -> None:
        if not self.has_tac2015:
            raise LirisError(
                f"{self.root} has no {FEATURE_FILES[0]} / {FEATURE_FILES[1]}: the TAC2015 features are not "
                "there; copy them from LIRIS-ACCEDE-features.zip, or train on the excerpt videos "
                "(ROOT/data/ACCEDE*.mp4) with --features videos"
            )

    def specs(self) -> list[ModalitySpec]:
        return [ModalitySpec(m, (len(self.columns[m]),), EXTRACTOR) for m in self.modalities]

    def available_sets(self) -> tuple[int, ...]:
        return tuple(sorted(int(s) for s in np.unique(self.sets)))

    def indices(self, sets: Iterable[int]) -> np.ndarray:
        wanted = set(int(s) for s in sets)
        return np.flatnonzero(np.isin(self.sets, list(wanted)))

    def video_path(self, index: int) -> Path | None:
        return self.videos.get(self.names[index])

    # ------------------------------------------------------------------ subsets
    def subset(self, rows: Sequence[int] | np.ndarray) -> LirisDiscrete:
        rows = np.sort(np.asarray(rows, dtype=np.int64))
        pick = lambda d: None if d is None else {k: v[rows] for k, v in d.items()}  # noqa: E731
        return replace(
            self,
            ids=self.ids[rows],
            names=[self.names[i] for i in rows],
            sets=self.sets[rows],
            values={k: v[rows] for k, v in self.values.items()},
            features={k: v[rows] for k, v in self.features.items()},
            columns=dict(self.columns),
            variances=pick(self.variances),
            affect=pick(self.affect),
            videos={self.names[i]: self.videos[self.names[i]] for i in rows if self.names[i] in self.videos},
            description={self.names[i]: self.description[self.names[i]] for i in rows
                         if self.names[i] in self.description},
        )

    def subsample(self, per_set: int, seed: int = 0) -> LirisDiscrete:
        """At most ``per_set`` random excerpts of each set (quick runs, tests)."""
        rng = np.random.default_rng(seed)
        rows = []
        for s in self.available_sets():
            idx = self.indices([s])
            rows.extend(rng.choice(idx, size=min(per_set, len(idx)), replace=False).tolist())
        return self.subset(rows)

    # ------------------------------------------------------------------ protocol
    def protocol(self) -> Protocol:
        """Official (train on sets 1+2, test on set 0) when set 0 is present, else development
        (train on set 1, evaluate on set 2)."""
        present = set(self.available_sets())
        if 0 in present:
            name, train_sets, eval_sets = "official", tuple(s for s in (1, 2) if s in present), (0,)
        else:
            name, train_sets, eval_sets = "development", (1,), (2,)
        for s in (*train_sets, *eval_sets):
            if s not in present:
                raise LirisError(
                    f"{self.root}: the {name} protocol needs set {s} ({SET_NAMES[s]}) but "
                    f"{SETS_FILE} has only sets {sorted(present)}"
                )
        if not train_sets:
            raise LirisError(f"{self.root}: {SETS_FILE} has a test set but no learning or validation excerpts")
        return Protocol(
            name, train_sets, eval_sets, self.indices(train_sets).tolist(), self.indices(eval_sets).tolist()
        )

    # ------------------------------------------------------------------ features
    def matrix(
        self, rows: Sequence[int] | np.ndarray | None = None, modalities: Sequence[str] | None = None
    ) -> np.ndarray:
        """Flat features (modalities concatenated) of the given excerpt rows."""
        rows = np.arange(len(self)) if rows is None else np.asarray(rows, dtype=np.int64)
        return np.concatenate([self.features[m][rows] for m in (modalities or self.modalities)], axis=1)

    def bounds(self, sets: Iterable[int]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per-column (min, max) of each modality over the excerpts of ``sets``."""
        rows = self.indices(sets)
        if not len(rows):
            raise LirisError(f"no excerpt in sets {sorted(sets)}; cannot compute feature bounds")
        return {m: (self.features[m][rows].min(0), self.features[m][rows].max(0)) for m in self.modalities}

    def clipped(self, sets: Iterable[int]) -> LirisDiscrete:
        """A copy whose features are clipped into the range seen on ``sets`` (the training sets)."""
        b = self.bounds(sets)
        out = self.subset(np.arange(len(self)))
        return replace(out, features={m: np.clip(self.features[m], *b[m]) for m in self.modalities})

    # ------------------------------------------------------------------ classes
    @property
    def class_source(self) -> str:
        return self.affect_source or "tertiles of the training excerpts' 1-5 scores"

    def tertiles(self, task: str, sets: Iterable[int]) -> tuple[float, float]:
        rows = self.indices(sets)
        if len(rows) < 3:
            raise LirisError(f"need at least 3 excerpts in sets {sorted(sets)} to derive classes")
        lo, hi = np.quantile(self.values[task][rows], [1.0 / 3.0, 2.0 / 3.0])
        return float(lo), float(hi)

    def classes(self, task: str, train_sets: Iterable[int] | None = None) -> np.ndarray:
        """(n,) class -1/0/1 per excerpt: ACCEDEaffect.txt when present, else the 1-5 score cut
        at the tertiles of ``train_sets`` (default: the protocol's training sets); a score equal
        to a cut point goes to the upper class."""
        _check_task(task)
        if self.affect is not None:
            return self.affect[task].copy()
        sets = tuple(train_sets) if train_sets is not None else self.protocol().train_sets
        cuts = self.tertiles(task, sets)
        return (np.searchsorted(np.asarray(cuts), self.values[task], side="right") - 1).astype(np.int64)

    # ------------------------------------------------------------------ corpus
    def to_corpus(
        self,
        task_sets: Iterable[int] | None = None,
        labels: str = "values",
        clip_to_sets: Iterable[int] | None = None,
        class_train_sets: Iterable[int] | None = None,
        group: str = "excerpt",
        block_size: int = FILM_BLOCK,
    ) -> Corpus:
        """A corpus of the excerpts of ``task_sets`` (default all sets), one second each, in id order.

        ``group="excerpt"``: every excerpt is its own one-second movie.  ``group="id-blocks"``:
        runs of about ``block_size`` consecutive ids (never crossing a change of set) form one
        movie of that many seconds, one second per excerpt — a stand-in for the film, so that
        anything carving validation "by movie" keeps excerpts of one film together.  Either way
        each excerpt is one clip of ``clip_seconds=1``; use ``context="none"``.
        ``labels="values"``: the 1-5 ratings on ``LabelScale.liris_discrete()``.
        ``labels="classes"``: the 3-class labels encoded as ratings 1/3/5 (internal -1/0/1), to be
        cut by ``CLASS_THRESHOLDS``.  ``clip_to_sets``: clip features into their range on these
        sets (pass the training sets).
        """
        if labels not in ("values", "classes"):
            raise LirisError(f"labels must be 'values' or 'classes', got {labels!r}")
        if group not in ("excerpt", "id-blocks"):
            raise LirisError(f"group must be 'excerpt' or 'id-blocks', got {group!r}")
        self.require_tac2015()
        data = self.clipped(clip_to_sets) if clip_to_sets is not None else self
        rows = np.arange(len(self)) if task_sets is None else self.indices(task_sets)
        if not len(rows):
            raise LirisError(f"no excerpt in sets {sorted(task_sets or [])}; sets present: {self.available_sets()}")
        scale = LabelScale.liris_discrete()
        n = len(rows)
        label_arrays: dict[str, np.ndarray] = {}
        for task in TASKS:
            if labels == "values":
                rating = self.values[task][rows]
            else:
                rating = 3.0 + 2.0 * self.classes(task, class_train_sets)[rows]
            label_arrays[task] = scale.to_internal(rating, where=f"{self.root} {task}")
        specs = self.specs()
        features = {s.name: data.features[s.name][rows].astype(np.float32) for s in specs}
        masks = {s.name: np.ones(n, dtype=bool) for s in specs}
        bounds = np.arange(n + 1, dtype=np.int64) if group == "excerpt" else id_blocks(self.sets[rows], block_size)
        return Corpus(
            specs,
            block_names([Path(self.names[r]).stem for r in rows], bounds),
            bounds,
            features,
            masks,
            label_arrays,
            [SET_NAMES[int(self.sets[rows[a]])] for a in bounds[:-1]],
            scale,
        )


def liris_reproduction_input(root: str | Path) -> tuple[Corpus, dict, ClassLabels | None]:
    """Corpus, dataset info and official classes for ``videoaffect reproduce --dataset ROOT``
    (see ``DatasetInfo``): the 1-5 values, excerpts grouped into id-block "films" (validation
    carved by film proxy), features clipped to the training sets' range, one clip per excerpt.

    Classes (the classification variant, table 5).  ``classification_by_task`` holds per-task
    thresholds on the internal scale that cut the values into classes at the training tertiles
    (one corpus cannot carry classes that need different cut points for valence and arousal under
    a single ``class_thresholds``).  With ``ACCEDEaffect.txt`` under ROOT the third item holds its
    official classes (encoded as internal -1/0/1) with their own cut points
    (``CLASS_THRESHOLDS``): ``reproduce`` then trains and evaluates the variant on them."""
    data = LirisDiscrete.load(root)
    protocol = data.protocol()
    corpus = data.to_corpus(clip_to_sets=protocol.train_sets, group="id-blocks")
    scale = corpus.label_scale
    official = None
    if data.affect is not None:
        official = ClassLabels(
            {task: data.classes(task).astype(np.float32) for task in TASKS},
            {"num_classes": 3, "class_thresholds": list(CLASS_THRESHOLDS)},
            f"the official MediaEval 2015 classes of {data.affect_source}",
        )
    info = {
        "name": f'LIRIS-ACCEDE discrete (folder "{Path(root).name}"; TAC2015 features, {protocol.name} protocol)',
        "train_split": [SET_NAMES[s] for s in protocol.train_sets],
        "test_split": [SET_NAMES[s] for s in protocol.eval_sets],
        "model_overrides": {"clip_seconds": 1, "context": "none"},
        "modality_map": {"action": "motion", "expression": None},
        "classification_by_task": {
            task: {"num_classes": 3,
                   "class_thresholds": [float(v) for v in scale.to_internal(data.tertiles(task, protocol.train_sets))]}
            for task in TASKS
        },
        "class_source": "tertiles of the training excerpts' 1-5 ratings",
    }
    return corpus, info, official


def _check_task(task: str) -> None:
    if task not in VALUE_COLUMNS:
        raise LirisError(f"task must be one of {sorted(VALUE_COLUMNS)}, got {task!r}")


__all__ = [
    "CLASS_THRESHOLDS",
    "EXTRACTOR",
    "SET_NAMES",
    "LirisDiscrete",
    "LirisError",
    "Protocol",
    "liris_reproduction_input",
]
