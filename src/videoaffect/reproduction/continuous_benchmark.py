"""Benchmark on LIRIS-ACCEDE continuous: ``videoaffect benchmark liris-accede-continuous ROOT``.

The same protocol, seeds and references as the LIRIS-ACCEDE discrete benchmark, on per-second
labels of whole films:

* Data: what ``train --dataset ROOT`` reads (``datasets.liris_accede.continuous``): a feature
  set extracted from the films into a resumable store; train on the ``train`` films, evaluate on
  the ``test`` films of the fixed split (or ROOT/splits.csv).  Nothing is tuned on them.
* Ours (and Baselines 1, 2): what ``videoaffect train --method M`` makes on this data
  (``liris_neural``'s "train" recipe: one model per task, ``train``'s defaults and choices, its
  validation films carved from the training films); scored on its per-second curve at clip
  stride 1, as ``predict`` gives it.
* References: SVR, ridge and the training mean on one vector per clip of ``clip_seconds``
  (the paper's clip length, ``train``'s default) — each modality's mean over the clip's present
  seconds — predicting the clip's mean label, repeated over its seconds; SVR and ridge tune on a
  fifth of the training films (at least one, chosen by the seed), then refit on all of them.
* Scores: MSE and Pearson r over every evaluated second pooled, on the [-1, 1] scale; mean ±
  std over seeds; whether ours beats each other row (``evaluation.verdicts``: paired by seed,
  bootstrap over the evaluated films; no verdict with fewer than 6 films).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np

from videoaffect.core.vocabulary import TASKS, Method, Task
from videoaffect.datasets.clips import ClipSampler, ClipTable
from videoaffect.datasets.corpus import Corpus
from videoaffect.evaluation.metrics import mse, pearson
from videoaffect.evaluation.verdicts import LEVEL, RESAMPLES, RNG_SEED, compare
from videoaffect.reproduction.common import ReproductionError
from videoaffect.reproduction.liris_methods import METHODS, NEURAL_METHODS, OURS, method_label, reference_text
from videoaffect.reproduction.liris_neural import TRAIN_ENSEMBLE, second_predictions, train_configs, train_like_train
from videoaffect.reproduction.liris_neural import trained_text as neural_text
from videoaffect.reproduction.references import fit_reference

BLEND_FREE_METHODS = METHODS  # the blend is a discrete-benchmark analysis row; not offered here
TUNING_FRACTION = 0.2


def clip_vectors(corpus: Corpus, movies: Sequence[int], clip_seconds: int, task: str
                 ) -> tuple[np.ndarray, np.ndarray, ClipTable]:
    """One row per clip of ``clip_seconds`` (the last one shorter) of each movie: each modality's
    mean over the clip's present seconds (0 where it has none), and the clip's mean label; with
    the clips' table to spread a prediction back over their seconds."""
    table = ClipSampler.non_overlapping(clip_seconds).table(corpus, movies)
    rows, targets = [], []
    for first, length in zip(table.start.tolist(), table.length.tolist()):
        end = first + length
        parts = []
        for name, spec in corpus.specs.items():
            block = corpus.features[name][first:end].reshape(end - first, -1)
            present = corpus.masks[name][first:end]
            parts.append(block[present].mean(0) if present.any() else np.zeros(int(np.prod(spec.shape))))
        rows.append(np.concatenate(parts))
        targets.append(float(np.mean(corpus.labels[task][first:end])))
    return np.asarray(rows, dtype=np.float64), np.asarray(targets), table


def tuning_films(train_movies: Sequence[int], seed: int) -> tuple[list[int], list[int]]:
    """(fit films, tuning films): a fifth of the training films, at least one, chosen by ``seed``."""
    if len(train_movies) < 2:
        raise ReproductionError(f"the references need at least 2 training films to tune on (got {len(train_movies)})")
    n = min(len(train_movies) - 1, max(1, round(TUNING_FRACTION * len(train_movies))))
    chosen = set(np.random.default_rng(seed).choice(len(train_movies), size=n, replace=False).tolist())
    return ([m for i, m in enumerate(train_movies) if i not in chosen],
            [m for i, m in enumerate(train_movies) if i in chosen])


def _reference(method: str, corpus: Corpus, train_movies, eval_movies, task: str, seed: int, clip_seconds: int):
    fit, tune = tuning_films(train_movies, seed)
    X_fit, y_fit, _ = clip_vectors(corpus, fit, clip_seconds, task)
    X_tune, y_tune, _ = clip_vectors(corpus, tune, clip_seconds, task)
    X_eval, _, clips = clip_vectors(corpus, eval_movies, clip_seconds, task)
    ref = fit_reference(method, X_fit, y_fit, X_tune, y_tune, seed=seed)
    curves = clips.held(np.asarray(ref.predict(X_eval), dtype=np.float64))
    vector = f"one vector per {clip_seconds}-s clip, the mean of its seconds' features"
    text = reference_text(method, X_fit.shape[1], vector).replace("id blocks of the training excerpts",
                                                                   f"{len(tune)} of the training films")
    if method == "mean":
        text = "the mean label of the training films' clips"
    return np.concatenate([curves[m] for m in eval_movies]), {"hyperparameters": ref.params, "trained": text}


def run_continuous_benchmark(
    corpus: Corpus,
    train_movies: Sequence[int],
    eval_movies: Sequence[int],
    seeds: Sequence[int] = (0, 1, 2),
    methods: Sequence[str] = METHODS,
    tasks: Sequence[str] = TASKS,
    fast: bool = False,
    device: str = "cpu",
    dataset_settings: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[dict], dict]:
    """Rows (task, method, seed, mse, pearson, ...) of every task x seed x method, and the
    evaluated set (per task: the truth and each second's film).  ``fast``: the first seed,
    tiny networks and 3 epochs."""
    bad = [m for m in methods if m not in BLEND_FREE_METHODS]
    if bad:
        raise ValueError(f"unknown methods {bad}; choose from {list(BLEND_FREE_METHODS)}")
    if not seeds:
        raise ValueError("give at least one seed")
    seeds = list(seeds)[:1] if fast else list(seeds)
    train_movies, eval_movies = list(train_movies), list(eval_movies)
    groups = [corpus.movie_ids[m] for m in eval_movies for _ in range(corpus.seconds(m))]
    settings = dataset_settings or {}
    rows: list[dict] = []
    evaluated: dict[str, dict] = {}
    for task in tasks:
        truth = np.concatenate([corpus.labels[task][corpus.offsets[m]: corpus.offsets[m + 1]] for m in eval_movies])
        evaluated[task] = {"truth": truth, "films": groups}
        for seed in seeds:
            for method in methods:
                start = time.perf_counter()
                if method in NEURAL_METHODS:
                    mc, tc = train_configs(corpus, cast(Task, task), cast(Method, method), seed, settings, fast)
                    model = train_like_train(corpus, train_movies, mc, tc, device, ensemble=TRAIN_ENSEMBLE)
                    pred = corpus.label_scale.to_internal(second_predictions(model, corpus, eval_movies, device))
                    text = neural_text(mc, tc, TRAIN_ENSEMBLE, "train", one_clip_per_excerpt=False, fast=fast)
                    # scored per second here: the discrete benchmark's excerpt means do not apply
                    extra = {"recipe": "train", "trained": text.replace(", an excerpt = the mean of its seconds", "")}
                else:
                    clip = train_configs(corpus, cast(Task, task), "progressive", seed, settings, fast)[0].clip_seconds
                    pred, extra = _reference(method, corpus, train_movies, eval_movies, task, seed, clip)
                row = {"task": task, "method": method, "seed": int(seed), "mse": mse(pred, truth),
                       "pearson": pearson(pred, truth) if np.ptp(pred) > 0 else math.nan,
                       "n_train_films": len(train_movies), "n_eval_films": len(eval_movies),
                       "n_eval_seconds": int(len(truth)), "seconds": round(time.perf_counter() - start, 2),
                       "predictions": pred, **extra}
                rows.append(row)
                if progress is not None:
                    progress(f"{task:8s} {method:12s} seed {seed}: MSE {row['mse']:.4f}, r {row['pearson']:.3f} "
                             f"[{row['seconds']:.1f} s]")
    return rows, evaluated


def _mean_std(values: list[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "–"
    return f"{np.mean(finite):.4f} ± {np.std(finite):.4f}" if len(finite) > 1 else f"{finite[0]:.4f}"


def format_summary(rows: Sequence[dict], evaluated: dict, dataset: str) -> str:
    """Markdown table: one line per task x method (mean ± population std over seeds), what each
    row trained, then whether ours beats each other row."""
    if not rows:
        return "_no results_"
    first = rows[0]
    lines = [f"{dataset}: train on {first['n_train_films']} films, evaluate on {first['n_eval_films']} test films "
             f"({first['n_eval_seconds']} s), per second on the [-1, 1] scale; mean ± std over seeds. 'trained': what "
             "each row trained (K = models per task).", "",
             "| task | method | trained | MSE | Pearson r | seeds |", "|---|---|---|---|---|---|"]
    by: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        by.setdefault((r["task"], r["method"]), []).append(r)
    for (task, method), rs in by.items():
        lines.append(f"| {task} | {method_label(method, rs[0].get('recipe'))} | {rs[0]['trained']} | "
                     f"{_mean_std([r['mse'] for r in rs])} | {_mean_std([r['pearson'] for r in rs])} | {len(rs)} |")
    verdicts = []
    for (task, method), rs in by.items():
        ours = by.get((task, OURS))
        if method == OURS or not ours:
            continue
        ev = evaluated[task]
        texts = [c.text() for metric in ("mse", "pearson")
                 if (c := compare([r["predictions"] for r in ours], [r["predictions"] for r in rs], ev["truth"],
                                  ev["films"], metric)) is not None]
        if texts:
            verdicts.append(f"{task}, ours vs {method_label(method, rs[0].get('recipe'))}: {'; '.join(texts)}")
    if verdicts:
        lines += ["", "Does ours (progressive, as `videoaffect train` makes it) beat each other row?  Difference = "
                  "ours - other, paired by training seed and averaged over seeds; its "
                  f"{round(100 * LEVEL)} % interval: percentiles over {RESAMPLES} bootstrap resamples of the evaluated "
                  f"films (all of a film's seconds together; RNG seed {RNG_SEED}).", ""]
        lines += [f"- {v}" for v in verdicts]
    return "\n".join(lines)


def rows_json(rows: Sequence[dict]) -> list[dict]:
    """The rows without their per-second predictions, NaN as None (strict JSON)."""
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()
             if k != "predictions"} for r in rows]


__all__ = ["BLEND_FREE_METHODS", "clip_vectors", "format_summary", "rows_json", "run_continuous_benchmark",
           "tuning_films"]
