"""The methods of the LIRIS-ACCEDE benchmark: their names, which one is ours, their labels, and
running them for one task and seed.

Ours is the progressive method as ``videoaffect train`` makes it (the "train" recipe of
``liris_neural``): a row of it is what a user gets from ``train --method progressive`` on that
data.  Baselines 1 and 2 are ``train --method joint`` / ``--method average``.  The references
(SVR, ridge, the training mean) see one feature vector per excerpt.  The blend
(``liris_blend``) is an analysis row that no ``train --method`` makes; it runs only when asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from videoaffect.reproduction.liris_blend import BLEND, blend
from videoaffect.reproduction.references import KINDS

NEURAL_METHODS = ("progressive", "joint", "average")
OURS = "progressive"
ALL_METHODS = NEURAL_METHODS + KINDS + (BLEND,)
# What runs by default: every method but the blend (cli/benchmark.py mirrors this; a test checks).
METHODS = NEURAL_METHODS + KINDS
REFERENCE_LABELS = {"svr": "SVR (RBF)", "ridge": "ridge", "mean": "training mean"}


def method_label(method: str, recipe: str | None = None, blend_weight: float | None = None) -> str:
    """The table's name for a method: ours, and every other row, say exactly what they are."""
    if method in REFERENCE_LABELS:
        return REFERENCE_LABELS[method]
    if method == BLEND:
        w = 0.5 if blend_weight is None else float(blend_weight)
        return f"analysis: {w:g} x progressive + {1.0 - w:g} x ridge (no `train --method` makes it)"
    baseline = {"joint": "Baseline 1", "average": "Baseline 2"}.get(method)
    if recipe == "train":
        if method == OURS:
            return "progressive = ours (`train --method progressive`)"
        return f"{baseline} (`train --method {method}`)" if baseline else f"{method} (`train --method {method}`)"
    # The "small" recipe, or a row written before 0.6.0 (none said its recipe; all were small).
    name = f"{baseline} ({method})" if baseline else method
    return f"{name}, small network (analysis)"


def ours_text(recipe: str | None) -> str:
    """Who the verdicts compare with every other row."""
    if recipe == "train":
        return "ours (progressive, as `videoaffect train` makes it)"
    return "the progressive row (small network: not what `train` makes, so not ours)"


def method_results(methods: Sequence[str], compute: Callable[[str], tuple[np.ndarray, np.ndarray, dict]],
                   choose_weight: Callable[[], tuple[float, dict]]) -> Iterator[tuple]:
    """(method, prediction, truth, extra, seconds) for each of ``methods``, one task and seed.
    ``compute(method)`` gives (prediction, truth, extra) and runs at most once per method: the
    blend reuses the progressive and ridge predictions (the same models as their own rows).
    Seconds are what each method costs on its own: the blend's are its two models' plus choosing
    w (``choose_weight() -> (w, extra)``)."""
    cache: dict[str, tuple[np.ndarray, np.ndarray, dict, float]] = {}

    def cached(method: str) -> tuple[np.ndarray, np.ndarray, dict, float]:
        if method not in cache:
            start = time.perf_counter()
            pred, truth, extra = compute(method)
            cache[method] = (pred, truth, extra, time.perf_counter() - start)
        return cache[method]

    for method in methods:
        if method == BLEND:
            start = time.perf_counter()
            w, extra = choose_weight()
            choosing = time.perf_counter() - start
            neural, truth, neural_extra, neural_seconds = cached(OURS)
            ridge, ridge_truth, _, ridge_seconds = cached("ridge")
            if not np.allclose(truth, ridge_truth):
                raise AssertionError("the neural and ridge evaluated excerpts differ")
            seconds = choosing + neural_seconds + ridge_seconds
            trained = (f"{w:g} x the progressive row's prediction + {1.0 - w:g} x the ridge row's, per excerpt "
                       f"(progressive: {neural_extra.get('trained', '?')})")
            yield (method, blend(neural, ridge, w), truth,
                   {**extra, "blend_weight": w, "recipe": neural_extra.get("recipe"), "trained": trained}, seconds)
        else:
            yield (method, *cached(method))


def reference_text(method: str, width: int, vector: str = "one vector per excerpt") -> str:
    """What a reference row trained, in words."""
    if method == "mean":
        return "the mean rating of the training excerpts"
    tuned = {"svr": "C, gamma and epsilon", "ridge": "alpha"}[method]
    return f"{vector} ({width} values); {tuned} tuned on id blocks of the training excerpts"


__all__ = ["ALL_METHODS", "METHODS", "NEURAL_METHODS", "OURS", "REFERENCE_LABELS", "method_label",
           "method_results", "ours_text", "reference_text"]
