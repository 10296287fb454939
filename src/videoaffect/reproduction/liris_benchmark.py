"""Benchmark on LIRIS-ACCEDE discrete: ``videoaffect benchmark liris-accede-discrete ROOT``.

Protocol (chosen by ``LirisDiscrete.protocol``): with set 0 present (the full official
release) train on sets 1+2 and test on set 0; otherwise (a copy with sets 1 and 2 only, as in ``../shared``:
the development protocol) train on set 1 and evaluate on set 2.  Nothing is ever tuned on the
evaluated set.  Sets are named by number: ``ACCEDEsets.txt`` calls set 2 "validation", the word
this toolkit keeps for the validation movies carved from the training excerpts.

Methods (``liris_methods``): ours is the progressive method exactly as ``videoaffect train
--method progressive`` makes it for the data (``liris_neural``'s "train" recipe: one model per
task, ``train``'s defaults and choices); Baselines 1 and 2 are ``train --method joint`` /
``average``; the references (SVR, ridge) tune on contiguous id blocks of the training
excerpts (``references.tuning_split``, a film proxy) and ``mean`` predicts the training mean.
``recipe="small"`` trains the networks as the benchmark did in 0.3.2-0.5.x instead (a small
network, scored as an analysis row).  The blend (``liris_blend``) is an analysis row, run only
when asked.  Every row says what it trained (``trained``: K, clip length, context, sizes).

TAC2015 rows: the three modalities of the feature files (audio 16, scene 14, motion/editing 5),
signed-log compressed by the loader and clipped into the range seen on the training sets; each
excerpt is one clip of one second (what ``train`` uses for these files: ``clip_seconds=1``, no
inter-clip context).  The networks' validation carve (early stopping) takes whole "movies" of
the corpus, blocks of about 60 consecutive ids (``group="id-blocks"``, as ``train``): the
excerpts of one film have consecutive ids, so validation excerpts come from other films than the
fitted ones, as the evaluated set does.  ``group="excerpt"`` (every excerpt its own movie) lets
validation share films with the fitted part; on the development protocol (seed 0, small network)
valence MSE rose from 0.379 to 0.434 (progressive) and 0.365 to 0.398 (joint).

Rows from excerpt videos: ``liris_video_benchmark``.  Rows, JSON and verdicts: ``liris_summary``.
MSE is reported on the 1-5 rating scale of LIRIS-ACCEDE (``mse``) and the internal [-1, 1] scale
(``mse_internal`` = ``mse`` / 4), with Pearson's r over the evaluated excerpts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import numpy as np
import torch

from videoaffect.core.vocabulary import TASKS, Method, Task
from videoaffect.datasets.liris_accede.discrete import LirisDiscrete, liris_reproduction_input
from videoaffect.evaluation.verdicts import LEVEL, MIN_GROUPS, RESAMPLES, RNG_SEED
from videoaffect.reproduction.common import ReproductionError
from videoaffect.reproduction.liris_blend import BLEND_WEIGHT, blend_weight
from videoaffect.reproduction.liris_methods import ALL_METHODS, METHODS, NEURAL_METHODS, method_results, reference_text
from videoaffect.reproduction.liris_neural import (
    FAST_SIZES,
    FULL_SIZES,
    RECIPES,
    TRAIN_ENSEMBLE,
    neural_configs,
    predict_neural,
    rank_gauss,
    second_predictions,
    train_configs,
    train_like_train,
    trained_text,
)
from videoaffect.reproduction.liris_protocols import excerpt_films, predict_reference, within_set1_data
from videoaffect.reproduction.liris_summary import (
    FEATURE_SOURCES,
    evaluated_set,
    progress_line,
    score_row,
    write_json,
)
from videoaffect.reproduction.liris_video_benchmark import video_corpus, video_rows

FAST_PER_SET = 150
# Keys of run_liris_benchmark's ``overrides`` (ablations of the neural methods).
OVERRIDE_KEYS = ("recipe", "model", "train", "ensemble", "feature_transform", "sample_weights", "blend_weight")
SAMPLE_WEIGHTS = ("equal", "inverse-variance")
FEATURE_TRANSFORMS = ("standardise", "rank-gauss")


def run_liris_benchmark(
    root: str | Path,
    seeds: Sequence[int] = (0, 1, 2),
    json_out: str | Path | None = None,
    methods: Sequence[str] = METHODS,
    tasks: Sequence[str] = TASKS,
    fast: bool = False,
    device: str = "cpu",
    progress: Callable[[str], None] | None = None,
    group: str = "id-blocks",
    within_set1: bool = False,
    overrides: dict | None = None,
    features: Sequence[str] | None = None,
    store: str | Path | None = None,
    feature_set: str = "default",
    workers: int = 1,
) -> list[dict]:
    """Train and evaluate every method x task x seed; rows as in ``liris_summary``.
    ``fast``: 150 random excerpts per set, the first seed only, tiny networks and 3 epochs.
    ``group``: what the networks' validation carve treats as a movie ("id-blocks", a film proxy
    and ``train``'s choice, or "excerpt").  ``within_set1``: train and evaluate inside set 1 (a
    fifth of its id blocks relabelled set 2 and evaluated, see ``within_set1_data``), to choose settings without the
    real evaluation set.  ``overrides`` (ablations of the neural methods, TAC2015 rows only):
    ``"recipe"``: "train" (default: what ``videoaffect train`` makes) or "small" (the benchmark's
    network of 0.3.2-0.5.x, ``liris_neural``); ``"model"`` / ``"train"``: ModelConfig /
    TrainConfig fields set on top of the recipe's; ``"ensemble"``: k models per seed, their
    predictions averaged; ``"feature_transform"``: ``"rank-gauss"`` maps each feature to normal
    scores by its training-set CDF (``rank_gauss``) before the models' own standardisation;
    ``"sample_weights": "inverse-variance"`` ("small" recipe) weighs each training excerpt's loss
    by 1 / its rating variance (ACCEDEranking.txt); ``"blend_weight"``: the blend's w, a number
    (default ``BLEND_WEIGHT``) or ``"validation"`` ("small" recipe: chosen from ``BLEND_GRID`` on
    a carve of the training part, ``blend_weight``).

    ``features``: which rows — "tac2015" (the feature files), "videos" (``feature_set`` extracted
    from the excerpt videos into ``store``, see ``liris_video_benchmark``), "both"; default:
    every source the root has."""
    bad = [m for m in methods if m not in ALL_METHODS]
    if bad:
        raise ValueError(f"unknown methods {bad}; choose from {list(ALL_METHODS)}")
    bad = [t for t in tasks if t not in TASKS]
    if bad:
        raise ValueError(f"unknown tasks {bad}; choose from {list(TASKS)}")
    if not seeds:
        raise ValueError("give at least one seed")
    setup = _checked_overrides(overrides)
    data = LirisDiscrete.load(root, require_features=False)
    sources = _sources(data, features)
    if within_set1:
        data = within_set1_data(data)
    seeds = tuple(seeds)[:1] if fast else tuple(seeds)
    if fast:
        data = data.subsample(FAST_PER_SET, seed=0)
    protocol = data.protocol()
    if data.has_tac2015:
        data = data.clipped(protocol.train_sets)
    if setup["sample_weights"] == "inverse-variance" and data.variances is None:
        raise ValueError(f"{root}: ACCEDEranking.txt has no variance columns; inverse-variance weights need them")
    config = {
        "root": str(root),
        "protocol": protocol.name,
        "train_sets": list(protocol.train_sets),
        "eval_sets": list(protocol.eval_sets),
        "fast": fast,
        "validation_group": group,
        "within_set1": within_set1,  # the evaluated set 2 is then a fifth of set 1's id blocks
        "overrides": overrides or {},
        "recipe": setup["recipe"],
        "ours": "the progressive method as `videoaffect train --method progressive` makes it (recipe 'train', "
                f"K = {TRAIN_ENSEMBLE})" if setup["recipe"] == "train" else "none: recipe 'small' (analysis)",
        "seeds": list(seeds),
        "methods": list(methods),
        "tasks": list(tasks),
        "small_network": (FAST_SIZES if fast else FULL_SIZES).__dict__ if setup["recipe"] == "small" else None,
        "features": {m: list(c) for m, c in data.columns.items()},
        "feature_sources": list(sources),
        "extracted_feature_set": feature_set if set(sources) & {"videos", "both"} else None,
        "feature_transform": "signed log, clipped to the training sets' range, "
        + ("mapped to normal scores by the training CDF (neural methods), " if setup["transform"] == "rank-gauss"
           else "") + "standardised by each model",
        "mse_scale": "mse: LIRIS-ACCEDE 1-5 ratings; mse_internal: [-1, 1]",
        "verdicts": {"rule": "ours - other, paired by seed, averaged over seeds; percentile interval over "
                     "bootstrap resamples of the evaluated films; beats / loses to only when it excludes 0",
                     "resamples": RESAMPLES, "rng_seed": RNG_SEED, "level": LEVEL, "min_films": MIN_GROUPS,
                     "films": "ACCEDEdescription.xml where it names the excerpt, else blocks of ~60 consecutive "
                     "ids"},
    }
    rows: list[dict] = []

    def on_row(row: dict) -> None:
        rows.append(row)
        if progress is not None:
            progress(progress_line(row))
        if json_out is not None:
            write_json(json_out, config, rows)

    threads = torch.get_num_threads()
    try:
        if "tac2015" in sources:
            _run_tac2015(data, root, protocol, tasks, seeds, methods, fast, device, group, setup, on_row)
        for source in (s for s in sources if s != "tac2015"):
            if store is None:
                raise ReproductionError("the rows from excerpt videos need a feature store (--store)")
            corpus, spans = video_corpus(data, source, Path(store), feature_set, workers, device)
            video_rows(data, protocol, source, corpus, spans, tasks=tasks, seeds=seeds, methods=methods,
                       blend_weight=float(BLEND_WEIGHT), fast=fast, device=device, on_row=on_row)
    finally:
        torch.set_num_threads(threads)  # the training configs set it process-wide
    return rows


def _checked_overrides(overrides: dict | None) -> dict:
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(OVERRIDE_KEYS))
    if unknown:
        raise ValueError(f"unknown overrides {unknown}; choose from {list(OVERRIDE_KEYS)}")
    setup = {
        "recipe": overrides.get("recipe", "train"),
        "transform": overrides.get("feature_transform", "standardise"),
        "sample_weights": overrides.get("sample_weights", "equal"),
        "blend_weight": overrides.get("blend_weight", BLEND_WEIGHT),
        "model": overrides.get("model") or {},
        "train": overrides.get("train") or {},
        "ensemble": int(overrides.get("ensemble", TRAIN_ENSEMBLE)),
        "overrides": overrides,
    }
    if setup["recipe"] not in RECIPES:
        raise ValueError(f"recipe must be one of {list(RECIPES)}, got {setup['recipe']!r}")
    if setup["transform"] not in FEATURE_TRANSFORMS:
        raise ValueError(f"feature_transform must be one of {list(FEATURE_TRANSFORMS)}, got {setup['transform']!r}")
    if setup["sample_weights"] not in SAMPLE_WEIGHTS:
        raise ValueError(f"sample_weights must be one of {list(SAMPLE_WEIGHTS)}, got {setup['sample_weights']!r}")
    rule = setup["blend_weight"]
    if rule != "validation" and not (isinstance(rule, (int, float)) and 0.0 <= rule <= 1.0):
        raise ValueError(f"blend_weight must be a number in [0, 1] or 'validation', got {rule!r}")
    if setup["recipe"] == "train" and (setup["sample_weights"] != "equal" or rule == "validation"):
        raise ValueError("sample_weights and blend_weight='validation' need recipe 'small' (`train` has neither)")
    if setup["ensemble"] < 1:
        raise ValueError(f"ensemble must be at least 1 model, got {setup['ensemble']}")
    return setup


def _sources(data: LirisDiscrete, wanted: Sequence[str] | None) -> tuple[str, ...]:
    have = (("tac2015",) if data.has_tac2015 else ()) + (("videos",) if data.videos else ()) + (
        ("both",) if data.has_tac2015 and data.videos else ())
    if wanted is None:
        if not have:
            data.require_tac2015()  # neither: the error names the files and the videos' folder
        return have
    for source in wanted:
        if source not in FEATURE_SOURCES:
            raise ValueError(f"unknown feature source {source!r}; choose from {list(FEATURE_SOURCES)}")
        if source not in have:
            needs = {"tac2015": "the ACCEDEfeatures*_TAC2015.txt files", "videos": "excerpt videos in ROOT/data",
                     "both": "the TAC2015 files and the excerpt videos"}[source]
            raise ReproductionError(f"{data.root}: --features {source} needs {needs}; this root has "
                                    f"{', '.join(have) or 'neither'}")
    return tuple(wanted)


def _run_tac2015(data: LirisDiscrete, root, protocol, tasks, seeds, methods, fast: bool, device: str, group: str,
                 setup: dict, on_row: Callable[[dict], None]) -> None:
    """The TAC2015 rows of every task x seed x method."""
    # Only the networks see the transform (what an ablation varies); the references keep their
    # own standardised features.
    neural_data = rank_gauss(data, protocol.train_sets) if setup["transform"] == "rank-gauss" else data
    corpus = neural_data.to_corpus(group=group)
    # What `train --dataset ROOT` applies to every model on these files (clip length, context).
    dataset_settings = liris_reproduction_input(root)[1]["model_overrides"] if setup["recipe"] == "train" else {}
    factor = corpus.label_scale.mse_factor()
    train_movies, eval_movies = protocol.movies(corpus)
    eval_rows = np.asarray(protocol.evaluate)
    # Corpus second i is excerpt row i (id order); the verdicts' film proxy is the id block.
    blocks = corpus if group == "id-blocks" else data.to_corpus(group="id-blocks")
    proxy = {i: blocks.movie_ids[m] for m in range(len(blocks.movie_ids))
             for i in range(int(blocks.offsets[m]), int(blocks.offsets[m + 1]))}
    films = excerpt_films(data, eval_rows, proxy)
    sizes = FAST_SIZES if fast else FULL_SIZES
    width = data.matrix().shape[1]
    for task in tasks:
        evaluated = evaluated_set(data.ids[eval_rows], films, data.values[task][eval_rows])
        weights = None
        if setup["sample_weights"] == "inverse-variance":
            assert data.variances is not None  # checked before any training
            weights = 1.0 / data.variances[task]
        for seed in seeds:
            def compute(method: str, task=task, seed=seed, weights=weights) -> tuple[np.ndarray, np.ndarray, dict]:
                if method in NEURAL_METHODS:
                    return _neural(corpus, train_movies, eval_movies, cast(Task, task), cast(Method, method), seed,
                                   fast, device, group, setup, dataset_settings, sizes, weights)
                pred, truth, params = predict_reference(data, protocol, task, method, seed)
                return pred, truth, {"hyperparameters": params, "trained": reference_text(method, width)}

            def choose_weight(task=task, seed=seed) -> tuple[float, dict]:
                if setup["blend_weight"] == "validation":
                    w, curve = blend_weight(data, neural_data, protocol, task, seed, sizes, device, group,
                                            setup["overrides"], setup["sample_weights"])
                    return w, {"blend_validation_mse": curve}
                return float(setup["blend_weight"]), {}

            for method, pred, truth, extra, seconds in method_results(methods, compute, choose_weight):
                on_row(score_row(task, method, "tac2015", protocol, seed, pred, truth, factor, len(protocol.train),
                                 len(protocol.evaluate), seconds, extra, evaluated))


def _neural(corpus, train_movies, eval_movies, task: Task, method: Method, seed: int, fast: bool, device: str,
            group: str, setup: dict, dataset_settings: dict, sizes, weights) -> tuple[np.ndarray, np.ndarray, dict]:
    """A network row's (prediction, truth, extra) on the evaluated excerpts, by the run's recipe."""
    k = setup["ensemble"]
    if setup["recipe"] == "train":
        mc, tc = train_configs(corpus, task, method, seed, dataset_settings, fast, setup["model"], setup["train"])
        model = train_like_train(corpus, train_movies, mc, tc, device, ensemble=k)
        pred = second_predictions(model, corpus, eval_movies, device)
        seconds = np.concatenate([np.arange(corpus.offsets[m], corpus.offsets[m + 1]) for m in eval_movies])
        truth = corpus.label_scale.from_internal(corpus.labels[task][seconds])
        chosen = model.config.smoothing_text()
    else:
        mc, tc = neural_configs(corpus, task, method, seed, sizes, device, setup["model"], setup["train"])
        pred, truth = predict_neural(corpus, train_movies, eval_movies, task, method, seed, sizes, device,
                                     setup["overrides"], weights)
        chosen = mc.smoothing_text()
    return pred, truth, {
        "recipe": setup["recipe"], "ensemble": k, "clip_seconds": mc.clip_seconds, "context": mc.resolved_context,
        "temporal": chosen,
        "trained": trained_text(mc, tc, k, setup["recipe"], one_clip_per_excerpt=True, validation_group=group,
                                fast=fast),
    }


__all__ = ["FAST_PER_SET", "OVERRIDE_KEYS", "run_liris_benchmark"]
