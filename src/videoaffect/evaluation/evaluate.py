"""Scoring a trained model on a set of movies."""

from __future__ import annotations

import numpy as np

from videoaffect.datasets.clips import ClipSampler
from videoaffect.datasets.corpus import Corpus
from videoaffect.evaluation.metrics import accuracy, regression_report
from videoaffect.models.affect_model import AffectModel, ClipPredictions, clip_classes
from videoaffect.models.ensemble import TaskEnsemble


def evaluate_model(
    model: AffectModel | TaskEnsemble,
    corpus: Corpus,
    movies: list[int],
    device: str = "cpu",
    predictions: ClipPredictions | None = None,
    clip_stride: int | None = None,
) -> dict:
    """Metrics of ``model`` on ``movies``.  Regression: per second (the MediaEval 2018 protocol),
    mean per movie and per clip, both before ("intra") and after ("final") inter-clip context;
    MSE on the internal [-1, 1] scale and, where the corpus came on another scale, on that one
    too.  Classification: clip accuracy.

    ``clip_stride`` below the clip length scores the per-second curves of overlapping clips
    (``AffectModel.predict_seconds``) instead of the paper's clip-held values; clip scores stay
    those of the paper's tiling."""
    cfg = model.config
    preds = predictions or model.predict_clips(corpus, movies, device=device)
    table = preds.table
    targets = table.targets(corpus, cfg.task)
    head = {
        "task": cfg.task,
        "output": cfg.output,
        "method": model.train_config.method,
        "context": cfg.resolved_context,
        "movies": len(movies),
        "clips": len(table),
        "seconds": int(table.length.sum()),
        "label_scale": corpus.label_scale.name,
    }
    if cfg.output == "classification":
        truth = clip_classes(targets, cfg)
        return {**head, "accuracy": accuracy(preds.final.astype(np.int64), truth)}
    ids = [corpus.movie_ids[m] for m in movies]
    truth_seconds = {
        corpus.movie_ids[m]: corpus.labels[cfg.task][corpus.offsets[m] : corpus.offsets[m + 1]] for m in movies
    }
    out = dict(head)
    curves = None
    sampler = ClipSampler.for_stride(cfg.clip_seconds, clip_stride, clamp=False)
    if sampler.overlapping:
        curves = model.predict_seconds(corpus, movies, sampler.stride, device=device)
        out["clip_stride"] = sampler.stride
    for which in ("intra", "final"):
        if curves is not None:
            per_sec = {corpus.movie_ids[m]: getattr(c, which) for m, c in curves.items()}
        else:
            per_sec = {corpus.movie_ids[m]: v for m, v in preds.per_second(which).items()}
        values = preds.final if which == "final" else preds.intra
        report = regression_report(ids, per_sec, truth_seconds, values, targets)
        factor = corpus.label_scale.mse_factor()
        if factor != 1.0:
            for key in ("per_second", "clip"):
                report[key]["mse_original_scale"] = report[key]["mse"] * factor
        out[which] = report
    return out


def summary_row(report: dict) -> dict:
    """The headline numbers of an evaluation report, for tables."""
    if report["output"] == "classification":
        return {"accuracy": report["accuracy"]}
    row = {}
    for which in ("intra", "final"):
        r = report[which]
        row[f"{which}_mse"] = r["per_second"]["mse"]
        row[f"{which}_pearson"] = r["per_second"]["pearson"]
        row[f"{which}_movie_pearson"] = r["per_movie_mean"]["pearson"]
        row[f"{which}_clip_pearson"] = r["clip"]["pearson"]
    return row
