"""``--dataset ROOT`` for ``videoaffect reproduce``: recognise the layout, load a corpus.

* LIRIS-ACCEDE discrete (``ACCEDEranking.txt`` below ROOT): the provided TAC2015 features, one
  clip per excerpt; official protocol when set 0 is present (train 1+2, test 0), else the
  development protocol (train 1, test 2).
* MediaEval 2018 (``MEDIAEVAL18_XX`` files below ROOT): with videos, features are extracted
  into ``--store`` (default ``OUT/features``, resumable) with ``--feature-set`` (default: the
  offline default set) and read back; without videos, the provided features are used.
  Development movies 00–53 train, test movies 54–65 test.
* A CSV manifest (``video``, ``labels``, optional ``split``, ``movie_id``): like MediaEval 2018
  videos, splits from the manifest.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from videoaffect.core.device import resolve_device
from videoaffect.datasets.corpus import Corpus, CorpusError


def _feature_record(store: Path, feature_set: str, movie_id: str) -> dict:
    """The extraction job's provenance as stored with the features (a model records it, so
    `predict` extracts exactly the same features from a new video)."""
    from videoaffect.features.store import FeatureStore

    stored = FeatureStore(store, create=False).stored_provenance(feature_set, movie_id)
    return {
        "feature_set": feature_set,
        "options": {},
        "provenance": stored[0] if stored else {},
        "description": f"{feature_set!r} feature set extracted from the videos",
    }


def _provided(description: str) -> dict:
    return {"feature_set": None, "options": {}, "provenance": {}, "description": description}


def _extract(videos: list[tuple[str, Path]], args: argparse.Namespace) -> Path:
    from videoaffect.features.extract import VideoInput, run_extraction

    store = args.store or (Path(args.out) / "features")
    results = run_extraction(
        [VideoInput(str(p), m) for m, p in videos],
        args.feature_set,
        store,
        workers=args.workers,
        device=str(resolve_device(args.device)),
        progress=not getattr(args, "no_progress", False),
    )
    failed = [r for r in results if r.status == "failed"]
    if failed:
        detail = "; ".join(f"{r.movie_id}: {r.error.splitlines()[0]}" for r in failed[:5])
        raise CorpusError(f"feature extraction failed for {len(failed)} movie(s): {detail}")
    return store


def load_dataset(root: Path, args: argparse.Namespace) -> tuple[Corpus, dict]:
    root = Path(root)
    if root.is_file() and root.suffix.lower() == ".csv":
        from videoaffect.datasets.manifest import GenericDataset, corpus_from_store

        ds = GenericDataset(root)
        store = _extract([(m, ds.video(m)) for m in ds.movie_ids], args)
        corpus = corpus_from_store(root, store, args.feature_set)
        return corpus, {
            "name": f"manifest {root.name} ({args.feature_set} features)",
            "train_split": "train",
            "test_split": "test",
            "features": _feature_record(store, args.feature_set, ds.movie_ids[0]),
        }
    if not root.is_dir():
        raise CorpusError(f"{root} is neither a dataset folder nor a CSV manifest")
    if next(root.rglob("ACCEDEranking.txt"), None) is not None:
        return _liris(root)
    from videoaffect.datasets.mediaeval2018.dataset import MediaEval2018, corpus_from_store, load_provided_features

    ds = MediaEval2018(root)
    info = {"name": f"MediaEval 2018 at {root.name}", "train_split": "dev", "test_split": "test"}
    if ds.has_videos():
        videos = [(m, ds.video(m)) for m in ds.movie_ids if ds.video(m) is not None]
        store = _extract(videos, args)
        corpus = corpus_from_store(root, store, args.feature_set)
        info["name"] += f" ({args.feature_set} features extracted from the videos)"
        info["features"] = _feature_record(store, args.feature_set, videos[0][1].stem)
        return corpus, info
    if ds.has_provided_features():
        corpus = load_provided_features(root)
        info["name"] += " (features provided with the data)"
        # The provided visual descriptors are not the paper's networks: fc6 (VGG16 on ImageNet)
        # is the closest to the scene modality; there is no expression or action.
        info["modality_map"] = {"scene": "fc6", "expression": "none", "action": "none"}
        info["features"] = _provided(f"features distributed with MediaEval 2018 at {root}")
        return corpus, info
    raise CorpusError(f"{root}: MediaEval 2018 layout without videos or provided features")


def _liris(root: Path) -> tuple[Corpus, dict]:
    from videoaffect.datasets.liris_accede.discrete import liris_reproduction_input

    corpus, info = liris_reproduction_input(root)
    info["features"] = _provided(f"TAC2015 features distributed with LIRIS-ACCEDE at {root}")
    return corpus, info
