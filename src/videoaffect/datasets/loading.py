"""From what a user names (``--dataset ROOT``, ``--corpus DIR``, ``--synthetic PRESET``) to a
corpus and a typed description of the data set (`DatasetInfo`).

``--dataset ROOT`` recognises the layout:

* LIRIS-ACCEDE discrete (``ACCEDEranking.txt`` below ROOT): the provided TAC2015 features, one
  clip per excerpt; official protocol when set 0 is present (train 1+2, test 0), else the
  development protocol (train 1, test 2).
* LIRIS-ACCEDE continuous (``ROOT/continuous-annotations/<Film>_Valence.txt``, films in
  ``ROOT/movies/``): features extracted from the films; the split by film of
  :mod:`videoaffect.datasets.liris_accede.continuous` (or ``ROOT/splits.csv``).
* MediaEval 2018 (``MEDIAEVAL18_XX`` files below ROOT): with videos, features are extracted
  into the store of the `ExtractionJob` (resumable) with its feature set and read back;
  without videos, the provided features are used.  The `dev` movies 00-53 train, the test
  movies 54-65 test.
* A CSV manifest (``video``, ``labels``, optional ``split``, ``movie_id``): like MediaEval 2018
  videos, splits from the manifest.
* A corpus directory (``corpus.json``) given as ``--dataset``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from videoaffect.core.errors import ConfigError
from videoaffect.datasets.corpus import ClassLabels, Corpus, CorpusError
from videoaffect.datasets.generated import GENERATED_MARKER, generated_marker, write_generated_marker
from videoaffect.features.job import ExtractionJob

__all__ = ["GENERATED_MARKER", "DatasetInfo", "LoadedDataset", "SourceChoices", "extract_into_store",
           "generated_marker", "load_dataset", "load_source", "training_data_card", "write_generated_marker"]

Split = str | tuple[str, ...]


@dataclass
class DatasetInfo:
    """What a loader knows about its data set beyond the corpus.  All but ``name`` optional."""

    name: str
    root: str | None = None
    # Split name(s) to train / test on.
    train_split: Split = "train"
    test_split: Split = "test"
    # ModelConfig / TrainConfig fields every model on this data set needs, e.g. LIRIS-ACCEDE's
    # one-second excerpts: {"clip_seconds": 1, "context": "none"}.
    model_overrides: dict[str, Any] = field(default_factory=dict)
    train_overrides: dict[str, Any] = field(default_factory=dict)
    # ModelConfig fields of the classification variant (table 5), for every task or per task.
    classification: dict[str, Any] | None = None
    classification_by_task: dict[str, dict[str, Any]] | None = None
    class_source: str | None = None
    # Paper modality -> corpus modality defaults, e.g. {"action": "motion"}.
    modality_map: dict[str, str | None] = field(default_factory=dict)
    # Where the features come from: {"feature_set", "options", "provenance", "description"}
    # (feature_set None for features distributed with a data set); `train` stores it.
    features: dict[str, Any] | None = None
    # What the data are, for the model card (`training_data_card`): kind, root_name,
    # label_source, generated, generated_by, and kind-specific counts (excerpts, films).
    card: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("train_split", "test_split"):
            value = getattr(self, name)
            if not isinstance(value, str):
                setattr(self, name, tuple(value))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for name in ("train_split", "test_split"):
            if isinstance(d[name], tuple):
                d[name] = list(d[name])
        return d

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> DatasetInfo:
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            known = sorted(f.name for f in fields(cls))
            raise ConfigError(f"unknown dataset info keys {sorted(unknown)}; known: {known}")
        return cls(**dict(d))


FEATURE_SOURCES = ("auto", "videos", "provided", "tac2015")


@dataclass(frozen=True)
class SourceChoices:
    """Which of a data set's features to use and which of its videos: the options of
    ``--dataset`` beyond the extraction job (ignored for data sets of features)."""

    # "auto": a data set's videos win over the features distributed with it; "videos" or
    # "provided" (the TAC2015 files of LIRIS-ACCEDE, MediaEval 2018's feature files) force one.
    features: str = "auto"
    # LIRIS-ACCEDE: train on the excerpts whose video is there when some are missing.
    skip_missing_excerpts: bool = False
    # LIRIS-ACCEDE continuous: train on the films that match their annotations when some do not.
    skip_unmatched_films: bool = False

    def __post_init__(self) -> None:
        if self.features not in FEATURE_SOURCES:
            raise ConfigError(f"--features {self.features!r}: choose one of {', '.join(FEATURE_SOURCES)}")


@dataclass
class LoadedDataset:
    corpus: Corpus
    info: DatasetInfo
    # A data set's official class labels with their own cut points, for the classification
    # variant; None when classes are cut from the corpus's own labels.
    class_labels: ClassLabels | None = None
    # LIRIS-ACCEDE from videos: each corpus movie's excerpts and their seconds (excerpt scores).
    excerpts: dict[str, list[Any]] | None = None


# ---------------------------------------------------------------------- the model card's data part
def _base_card(kind: str, root: str | Path | None, label_source: str, **extra: Any) -> dict[str, Any]:
    marker = generated_marker(root)
    return {
        "kind": kind,
        "root_name": Path(root).name if root is not None else None,
        "label_source": label_source,
        "generated": marker is not None,
        "generated_by": (marker or {}).get("generator"),
        **extra,
    }


def training_data_card(loaded: LoadedDataset, movies, split: Split) -> dict[str, Any]:
    """What a model was trained on, for ``model.json`` and every prediction output: the data
    set (name, kind, root folder name), where labels and features came from, the label scale,
    the split and how much of it (movies, seconds, hours; excerpts and films for LIRIS-ACCEDE),
    and whether the data were generated by videoaffect (then no curve is a prediction of real
    audience response)."""
    corpus, info = loaded.corpus, loaded.info
    movies = list(movies)
    seconds = int(sum(corpus.seconds(m) for m in movies))
    card = {
        "dataset": info.name,
        "kind": "unknown",
        "root_name": Path(info.root).name if info.root else None,
        "label_source": None,
        "generated": False,
        "generated_by": None,
        **info.card,
    }
    card["features"] = (info.features or {}).get("description")
    card["label_scale"] = corpus.label_scale.describe()
    card["split"] = split if isinstance(split, str) else "+".join(split)
    card["movies"] = len(movies)
    card["seconds"] = seconds
    card["hours"] = round(seconds / 3600.0, 3)
    per_movie = card.pop("units_per_movie", None)
    if per_movie is not None:  # e.g. LIRIS-ACCEDE excerpts per film-movie of the corpus
        card["excerpts"] = int(sum(per_movie[corpus.movie_ids[m]] for m in movies))
    if card.pop("one_item_per_excerpt", False):
        # one feature vector per excerpt: the corpus's "seconds" are excerpts of 8-12 s
        card["seconds"], card["hours"] = None, None
        card["approx_hours"] = round(card["excerpts"] * 10 / 3600.0, 2)
    films = card.pop("films_per_movie", None)
    if films is not None:
        card["films"] = int(sum(films[corpus.movie_ids[m]] for m in movies))
    return card


def load_source(
    *,
    dataset: Path | None = None,
    corpus: Path | None = None,
    synthetic: str | None = None,
    synthetic_seed: int = 0,
    extraction: ExtractionJob | None = None,
    choices: SourceChoices | None = None,
) -> LoadedDataset:
    """Exactly one of ``dataset``, ``corpus`` or ``synthetic``; a ``dataset``'s videos are
    extracted by ``extraction`` (its store is where they are kept), ``choices`` says which of its
    features and videos to use."""
    given = [n for n, v in (("--dataset", dataset), ("--corpus", corpus), ("--synthetic", synthetic)) if v is not None]
    if len(given) != 1:
        raise ConfigError(
            f"give exactly one of --dataset ROOT, --corpus DIR or --synthetic PRESET (got {given or 'none'})"
        )
    if dataset is not None and (Path(dataset) / "corpus.json").is_file():
        corpus, dataset = Path(dataset), None  # a corpus directory given as --dataset
    if dataset is not None:
        if extraction is None or extraction.store is None:
            raise ConfigError("--dataset with videos needs a feature store; pass an ExtractionJob with a store")
        loaded = load_dataset(Path(dataset), extraction, choices)
        loaded.info.root = str(dataset)
        return _without_absent_modalities(loaded)
    if corpus is not None:
        return LoadedDataset(
            Corpus.load(corpus),
            DatasetInfo(name=f"corpus {corpus}", root=str(corpus),
                        features={"feature_set": None, "description": f"features of the corpus {corpus}"},
                        card=_base_card("corpus", corpus, f"the labels stored in the corpus {Path(corpus).name}")),
        )
    from videoaffect.datasets.synthetic.features import generate, preset

    assert synthetic is not None  # exactly one of the three was given, and not the other two
    return LoadedDataset(
        generate(preset(synthetic, seed=synthetic_seed)),
        DatasetInfo(name=f"synthetic preset {synthetic!r}",
                    features={"feature_set": None, "description": "synthetic features"},
                    card={"kind": "synthetic", "root_name": None, "generated": True,
                          "generated_by": f"videoaffect --synthetic {synthetic} (seed {synthetic_seed})",
                          "label_source": "latent trajectories planted by the generator"}),
    )


OWN_DATA = ("the folder of a data set (MediaEval 2018, LIRIS-ACCEDE discrete or continuous) or the CSV manifest of "
            "your own labelled videos (README, 'Getting a model of real audiences')")


def _without_absent_modalities(loaded: LoadedDataset) -> LoadedDataset:
    """A data set's modality with no present second in any film is left out, with a warning and
    in the model card: e.g. ``default-deep``'s text modality where no film has subtitles (a
    second without a text source is missing, not "no words").  Kept, it would stop training
    (nothing to normalise or learn from); the others still make a model."""
    absent = loaded.corpus.absent_modalities()
    if not absent or len(absent) == len(loaded.corpus.specs):
        return loaded  # nothing absent, or nothing left: the trainer's own error says so
    logging.getLogger("videoaffect").warning(
        "modality %s is absent from every second of %s (e.g. no subtitles for the text modality): left out of "
        "this data set's features", ", ".join(repr(n) for n in absent), loaded.info.name)
    loaded.info.card["modalities_left_out"] = {n: "absent from every second of the data set" for n in absent}
    return replace(loaded, corpus=loaded.corpus.without_modalities(absent))


def _refuse_unlabelled_videos(root: Path) -> None:
    """A folder of videos without any data set's files: the user's own films.  The error says how
    to label them (a manifest), and that `predict` needs no labels."""
    from videoaffect.features.extract import VIDEO_SUFFIXES

    files = [p for p in sorted(root.rglob("*")) if p.is_file()]
    if not files:
        raise CorpusError(f"{root} is an empty folder; give --dataset {OWN_DATA}")
    if any(p.name.upper().startswith("MEDIAEVAL18") for p in files):
        return  # a MediaEval 2018 folder with something missing: its own message says what
    videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
    if not videos:
        # nothing of any data set: MediaEval's layout hint would send a user with other data astray
        named = ", ".join(p.relative_to(root).as_posix() for p in files[:3]) + (", ..." if len(files) > 3 else "")
        raise CorpusError(f"{root} holds no videos and no data set videoaffect recognises ({len(files)} other "
                          f"file{'s' if len(files) > 1 else ''}: {named}); give --dataset {OWN_DATA}")
    first = videos[0].relative_to(root).as_posix()
    named = ", ".join(p.relative_to(root).as_posix() for p in videos[:3]) + (", ..." if len(videos) > 3 else "")
    manifests = [p for p in files if p.suffix.lower() == ".csv"]
    tried = f"if {manifests[0]} is your manifest, pass it: --dataset {manifests[0]}; " if manifests else ""
    raise CorpusError(
        f"{root} holds {len(videos)} video{'s' if len(videos) > 1 else ''} without labels ({named}) and no data set "
        f"(MediaEval 2018, LIRIS-ACCEDE); {tried}to train on your own videos, write a per-second label file for "
        "each (a header `Time,Valence,Arousal`, then one row per second, values in [-1, 1]; `videoaffect annotate` "
        "lets raters make them: README, 'Collect audience labels for your film') and list them in a CSV "
        f"manifest with the columns video,labels[,split,movie_id], e.g. {root / 'films.csv'} holding the two lines "
        f"`video,labels` and `{first},{Path(first).with_suffix('.txt').as_posix()}`, then run `videoaffect train "
        f"--dataset {root / 'films.csv'} --out MODEL` (README, 'Getting a model of real audiences'); for curves "
        f"from a model you have, no labels are needed: `videoaffect predict {root} --model MODEL --out curves/`"
    )


def _provided(description: str) -> dict:
    return {"feature_set": None, "options": {}, "provenance": {}, "description": description}


def extract_into_store(videos: list[tuple[str, Path]], job: ExtractionJob) -> Path:
    """Extract the features of ``videos`` ((movie id, video path) pairs) as ``job`` says,
    returning its store; a failed video raises a ``CorpusError`` naming it after the others are
    stored (a rerun extracts only what is missing)."""
    failed = [r for r in job.run(videos) if r.status == "failed"]
    store = job.store
    assert store is not None  # the job ran: it has its store
    if failed:
        detail = "; ".join(f"{r.movie_id}: {r.reason.splitlines()[0]}" for r in failed[:5])
        raise CorpusError(f"feature extraction failed for {len(failed)} movie(s): {detail} (the others are kept in "
                          f"{store}: a rerun extracts only what is missing)")
    return store


def load_dataset(root: Path, extraction: ExtractionJob, choices: SourceChoices | None = None) -> LoadedDataset:
    root = Path(root)
    choices = choices or SourceChoices()
    if root.is_file() and root.suffix.lower() == ".csv":
        from videoaffect.datasets.manifest import GenericDataset, manifest_corpus_from_store

        manifest = GenericDataset(root)
        store = extract_into_store([(m, manifest.video(m)) for m in manifest.movie_ids], extraction)
        fs = extraction.feature_set
        return LoadedDataset(
            manifest_corpus_from_store(root, store, fs),
            DatasetInfo(name=f"manifest {root.name} ({fs} features)", root=str(root),
                        features=extraction.record(manifest.movie_ids[0]),
                        card=_base_card("manifest", root, f"per-second label files listed in {root.name}")),
        )
    if not root.exists():
        raise CorpusError(f"{root} does not exist; give --dataset {OWN_DATA}")
    if not root.is_dir():
        raise CorpusError(f"{root} is a file but not a CSV manifest (.csv); give --dataset {OWN_DATA}")
    from videoaffect.datasets.liris_accede.continuous import is_continuous_root

    if is_continuous_root(root):
        if is_liris_root(root):
            raise CorpusError(
                f"{root} holds both LIRIS-ACCEDE continuous (continuous-annotations/) and discrete "
                f"({next(root.rglob('ACCEDEranking.txt'))}); give --dataset the folder of one of them"
            )
        return _liris_continuous(root, extraction, choices)
    if is_liris_root(root):
        return _liris(root, extraction, choices)
    from videoaffect.datasets.formats.errors import DatasetError
    from videoaffect.datasets.mediaeval2018 import (
        MediaEval2018,
        load_provided_features,
        mediaeval2018_corpus_from_store,
    )

    try:
        ds = MediaEval2018(root)
    except DatasetError:
        _refuse_unlabelled_videos(root)  # the user's own videos: say how to label them, not MediaEval's layout
        raise
    use_videos = choices.features in ("auto", "videos")
    # the folder named as a folder (0.6 wrote "MediaEval 2018 at data", which read as a place)
    named = f'MediaEval 2018 (folder "{root.name}"'
    info = DatasetInfo(name=f"{named})", root=str(root), train_split="dev", test_split="test",
                       card=_base_card("mediaeval2018", root,
                                       "per-second MEDIAEVAL18_XX_Valence-Arousal.txt annotations"))
    if choices.features == "videos" and not ds.has_videos():
        raise CorpusError(f"{root}: --features videos, but no MEDIAEVAL18_XX video was found below it")
    if use_videos and ds.has_videos():
        videos = [(m, video) for m in ds.movie_ids if (video := ds.video(m)) is not None]
        store = extract_into_store(videos, extraction)
        corpus = mediaeval2018_corpus_from_store(root, store, extraction.feature_set)
        info.name = f"{named}; {extraction.feature_set} features extracted from the videos)"
        info.features = extraction.record(videos[0][1].stem)
        return LoadedDataset(corpus, info)
    if ds.has_provided_features():
        corpus = load_provided_features(root)
        info.name = f"{named}; features provided with the data)"
        # The provided visual descriptors are not the paper's networks: fc6 (VGG16 on ImageNet)
        # is the closest to the scene modality; there is no expression or action.
        info.modality_map = {"scene": "fc6", "expression": None, "action": None}
        info.features = _provided(f"features distributed with MediaEval 2018, in the folder {root}")
        return LoadedDataset(corpus, info)
    raise CorpusError(f"{root}: MediaEval 2018 layout without videos or provided features")


def is_liris_root(root: str | Path) -> bool:
    """Whether ``root`` is a LIRIS-ACCEDE discrete root (an ACCEDEranking.txt below it)."""
    root = Path(root)
    return root.is_dir() and next(root.rglob("ACCEDEranking.txt"), None) is not None


def _liris_root(root: Path) -> Path:
    """The folder holding the ranking file directly or in its annotations/ or features/ folder."""
    found = next(root.rglob("ACCEDEranking.txt"))
    folder = found.parent
    return folder.parent if folder.name in ("annotations", "features") else folder


LIRIS_LABELS = ("ACCEDEranking.txt valenceValue / arousalValue: 1-5 ratings regressed from crowdsourced pairwise "
                "comparisons (one per excerpt)")


def _liris_film_order(described: bool, unknown_excerpts: int, blocks: int) -> str:
    """The model card's plain account of how excerpts were grouped into films."""
    from videoaffect.datasets.liris_accede.id_blocks import FILM_BLOCK

    proxy = (f"films unknown for {unknown_excerpts} excerpts, grouped into {blocks} blocks of about {FILM_BLOCK} "
             "consecutive ids as film proxies")
    if not described:
        return f"none (no ACCEDEdescription.xml): {proxy}"
    return "ACCEDEdescription.xml" + (f"; {proxy} (not named in it)" if unknown_excerpts else "")


def _liris(root: Path, extraction: ExtractionJob, choices: SourceChoices) -> LoadedDataset:
    """LIRIS-ACCEDE discrete: from the excerpt videos (the default when ROOT/data holds them, or
    ``features="videos"``) or from the TAC2015 feature files (``features="provided"``/``"tac2015"``,
    or no videos)."""
    from videoaffect.datasets.liris_accede.discrete import (
        SET_NAMES,
        LirisDiscrete,
        LirisError,
        liris_reproduction_input,
    )

    base = _liris_root(root)
    data = LirisDiscrete.load(base, require_features=False)
    use_videos = choices.features == "videos" or (choices.features == "auto" and bool(data.videos))
    log = logging.getLogger("videoaffect")
    if not use_videos:
        if not data.has_tac2015:
            data.require_tac2015()  # the error names the files and --features videos
        corpus, described, class_labels = liris_reproduction_input(base)
        features = _provided(f"TAC2015 features distributed with LIRIS-ACCEDE, in the folder {root}")
        why = "asked for with --features" if choices.features != "auto" else "no excerpt videos in ROOT/data"
        log.info("LIRIS-ACCEDE %s: features from the TAC2015 files (%s)", root, why)
        card = _base_card("liris-accede-discrete", base, LIRIS_LABELS, excerpts_listed=len(data),
                          feature_source="tac2015", one_item_per_excerpt=True,
                          units_per_movie={m: corpus.seconds(k) for k, m in enumerate(corpus.movie_ids)})
        info = DatasetInfo.from_mapping({**described, "root": str(root), "features": features, "card": card})
        return LoadedDataset(corpus, info, class_labels)
    if not data.videos:
        raise LirisError(f"{base / 'data'} holds no excerpt video (ACCEDE*.mp4) listed in the sets file; copy "
                         "LIRIS-ACCEDE-data.zip's data/ folder there, or use --features tac2015")
    from videoaffect.datasets.liris_accede.videos import corpus_from_excerpts, excerpts_with_videos, film_sequences

    protocol = data.protocol()
    rows = excerpts_with_videos(data, np.arange(len(data)), choices.skip_missing_excerpts)
    sequences = film_sequences(data, rows)
    unknown = [s for s in sequences if s.film is None]  # id blocks: film_sequences warned about them
    log.info("LIRIS-ACCEDE %s: features %r extracted from %d excerpt videos (%s), %d films in order from %s "
             "and %d blocks of consecutive ids (excerpts of unknown film)", root, extraction.feature_set, len(rows),
             "the videos win over the TAC2015 files" if data.has_tac2015 else "no TAC2015 files",
             len(sequences) - len(unknown), "ACCEDEdescription.xml" if data.description else "-", len(unknown))
    store = extract_into_store([(Path(data.names[r]).stem, data.videos[data.names[r]]) for r in rows], extraction)
    corpus, spans = corpus_from_excerpts(data, sequences, store, extraction.feature_set)
    fs = extraction.feature_set
    info = DatasetInfo(
        name=f'LIRIS-ACCEDE discrete (folder "{root.name}"; {fs} features extracted from the excerpt videos, '
             f"{protocol.name} protocol)",
        root=str(root),
        train_split=tuple(SET_NAMES[s] for s in protocol.train_sets),
        test_split=tuple(SET_NAMES[s] for s in protocol.eval_sets),
        modality_map={"action": "motion"},
        features=extraction.record(Path(data.names[rows[0]]).stem),
        card=_base_card(
            "liris-accede-discrete", base, LIRIS_LABELS, excerpts_listed=len(data),
            excerpts_missing=len(data) - len(rows), feature_source="videos",
            film_order=_liris_film_order(bool(data.description), sum(len(s.rows) for s in unknown), len(unknown)),
            units_per_movie={seq.movie_id: len(seq.rows) for seq in sequences},
            films_per_movie={seq.movie_id: int(seq.film is not None) for seq in sequences},
        ),
    )
    return LoadedDataset(corpus, info, None, excerpts=spans)


CONTINUOUS_LABELS = ("continuous-annotations/<Film>_Valence.txt / _Arousal.txt 'Mean': the post-processed per-second "
                     "mean of the raters' continuous ratings (Baveye et al., ACII 2015), on [-1, 1]")


def _liris_continuous(root: Path, extraction: ExtractionJob, choices: SourceChoices) -> LoadedDataset:
    """LIRIS-ACCEDE continuous: features extracted from the films, labels from the per-second files."""
    from videoaffect.datasets.liris_accede.continuous import SKIP_FLAG, SPLIT_FILE, read_layout
    from videoaffect.datasets.manifest import StoreItem, corpus_from_store_items

    if choices.features in ("provided", "tac2015"):
        raise CorpusError(f"{root}: --features {choices.features}, but LIRIS-ACCEDE continuous comes without "
                          "features; leave --features out (the films' features are extracted)")
    layout = read_layout(root, skip_unmatched=choices.skip_unmatched_films)
    store = extract_into_store([(f.name, f.video) for f in layout.films], extraction)
    fs = extraction.feature_set
    items = []
    for film in layout.films:
        # the store holds each film under its annotation name, which `extract VIDEO` gives only when the stems agree
        same = film.video.stem == film.name
        hint = f"videoaffect extract {film.video if same else 'IDS.csv'} --set {fs} --out {store}"
        note = "" if same else f" (IDS.csv: a CSV with columns path,movie_id and the row {film.video},{film.name})"
        items.append(StoreItem(film.name, film.split, film.labels, hint, note, fitted=film.fitted))
    corpus = corpus_from_store_items(items, store, fs)
    skipped = f"; {len(layout.skipped)} film(s) left out by {SKIP_FLAG}" if layout.skipped else ""
    info = DatasetInfo(
        name=f'LIRIS-ACCEDE continuous (folder "{root.name}"; {fs} features extracted from the films, split by film: '
             f"{'splits.csv' if layout.split_source == SPLIT_FILE else 'the fixed split'}{skipped})",
        root=str(root),
        train_split="train",
        test_split="test",
        features=extraction.record(layout.films[0].name),
        card=_base_card("liris-accede-continuous", root, CONTINUOUS_LABELS, films_annotated=layout.annotated,
                        films_left_out=len(layout.skipped), split_source=layout.split_source,
                        films_per_movie={f.name: 1 for f in layout.films}),
    )
    return LoadedDataset(corpus, info)
