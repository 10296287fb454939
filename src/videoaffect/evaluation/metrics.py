"""MSE and Pearson correlation per second, per movie and per clip.

MediaEval 2018 (and so the paper's tables 1-4, as far as its text tells) scores per second:
every clip's prediction is repeated for each of its seconds and compared with the per-second
ground truth, over all test seconds concatenated.  We report that as ``per_second`` and add
the mean over movies (``per_movie_mean``) and the clip-level scores (``clip``).
"""

from __future__ import annotations

import math

import numpy as np


def mse(pred, truth) -> float:
    p, t = np.asarray(pred, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(f"prediction shape {p.shape} != truth shape {t.shape}")
    if p.size == 0:
        raise ValueError("no values to score")
    return float(np.mean((p - t) ** 2))


def pearson(pred, truth) -> float:
    """Pearson r; NaN when either side is constant (r is undefined there, not zero)."""
    p, t = np.asarray(pred, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(f"prediction shape {p.shape} != truth shape {t.shape}")
    if p.size < 2:
        return math.nan
    pc, tc = p - p.mean(), t - t.mean()
    denom = math.sqrt(float(pc @ pc) * float(tc @ tc))
    if denom == 0.0:
        return math.nan
    return float(pc @ tc / denom)


def accuracy(pred_class, true_class) -> float:
    p, t = np.asarray(pred_class), np.asarray(true_class)
    if p.shape != t.shape or p.size == 0:
        raise ValueError("accuracy needs equal, non-empty arrays")
    return float(np.mean(p == t))


def score(pred, truth) -> dict:
    return {"mse": mse(pred, truth), "pearson": pearson(pred, truth), "n": int(np.asarray(pred).size)}


def regression_report(
    movie_ids: list[str],
    second_pred: dict[str, np.ndarray],
    second_truth: dict[str, np.ndarray],
    clip_pred: np.ndarray,
    clip_truth: np.ndarray,
) -> dict:
    per_movie = {m: score(second_pred[m], second_truth[m]) for m in movie_ids}
    all_p = np.concatenate([second_pred[m] for m in movie_ids])
    all_t = np.concatenate([second_truth[m] for m in movie_ids])
    rs = [v["pearson"] for v in per_movie.values() if not math.isnan(v["pearson"])]
    return {
        "per_second": score(all_p, all_t),
        "per_movie_mean": {
            "mse": float(np.mean([v["mse"] for v in per_movie.values()])),
            "pearson": float(np.mean(rs)) if rs else math.nan,
        },
        "clip": score(clip_pred, clip_truth),
        "per_movie": per_movie,
    }
