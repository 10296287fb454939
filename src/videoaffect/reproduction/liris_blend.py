"""An analysis row of the LIRIS-ACCEDE benchmark, never ours: the blend w x progressive +
(1 - w) x ridge of the same run's progressive and ridge predictions.

It was the benchmark's "ours" in 0.5.x (w = 0.5, with the progressive network of the "small"
recipe).  No ``videoaffect train --method`` makes it (a model directory holds networks, not a
ridge), so since 0.6.0 ours is the progressive method as ``train`` makes it and the blend runs
only when asked for (``--methods blend``), labelled as analysis.  How w = 0.5 was chosen inside
set 1 is in docs/benchmarks/liris-accede.md: w = 0.25 had the same count of measures ahead of ridge (three), 0.5 was
kept for its larger margins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from videoaffect.datasets.liris_accede.discrete import LirisDiscrete, Protocol
from videoaffect.reproduction.liris_neural import NeuralSizes, predict_neural
from videoaffect.reproduction.liris_protocols import predict_reference, training_carve

BLEND = "blend"
BLEND_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
# The weight of 0.5.x's blend: the plain average (see the module docstring).
BLEND_WEIGHT = 0.5


def blend(neural: np.ndarray, ridge: np.ndarray, w: float) -> np.ndarray:
    """The blend's prediction: w * neural + (1 - w) * ridge."""
    return w * np.asarray(neural, dtype=np.float64) + (1.0 - w) * np.asarray(ridge, dtype=np.float64)


def blend_errors(neural, ridge, truth, grid: Sequence[float] = BLEND_GRID) -> list[float]:
    """The MSE against ``truth`` of the blend for each w of ``grid``."""
    truth = np.asarray(truth, dtype=np.float64)
    return [float(np.mean((blend(neural, ridge, w) - truth) ** 2)) for w in grid]


def lowest_error_weight(errors: Sequence[float], grid: Sequence[float] = BLEND_GRID) -> float:
    """The w of ``grid`` with the lowest of ``errors`` (one per w); ties go to the first, the
    smaller w of an ascending grid: the simpler model."""
    return float(grid[int(np.argmin(errors))])


def choose_blend_weight(neural, ridge, truth, grid: Sequence[float] = BLEND_GRID) -> float:
    """The w of ``grid`` whose blend w * neural + (1 - w) * ridge has the lowest MSE against
    ``truth`` (validation predictions); ties go to the smaller w, the simpler model."""
    return lowest_error_weight(blend_errors(neural, ridge, truth, grid), grid)


def blend_validation(data: LirisDiscrete, neural_data: LirisDiscrete, protocol: Protocol, task: str, seed: int,
                     sizes: NeuralSizes, device: str, group: str, overrides: dict | None = None,
                     weighting: str = "equal") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(network, ridge, truth) on the set-2 part of ``training_carve``, both models fitted on
    its fit part (1-5 scale, excerpts in id order); the network is the "small" recipe's."""
    inner = training_carve(data, protocol, seed)
    inner_neural = training_carve(neural_data, protocol, seed)
    inner_protocol = inner.protocol()
    corpus = inner_neural.to_corpus(group=group)
    train_movies, eval_movies = inner_protocol.movies(corpus)
    weights = None
    if weighting == "inverse-variance":
        assert inner.variances is not None  # checked before any training
        weights = 1.0 / inner.variances[task]
    neural, truth = predict_neural(corpus, train_movies, eval_movies, task, "progressive", seed, sizes, device,
                                   overrides, weights)
    ridge, ridge_truth, _ = predict_reference(inner, inner_protocol, task, "ridge", seed)
    if not np.allclose(truth, ridge_truth):
        raise AssertionError("the neural and ridge validation excerpts differ")  # both are in id order
    return neural, ridge, ridge_truth


def blend_weight(data: LirisDiscrete, neural_data: LirisDiscrete, protocol: Protocol, task: str, seed: int,
                 sizes: NeuralSizes, device: str, group: str, overrides: dict | None = None,
                 weighting: str = "equal", grid: Sequence[float] = BLEND_GRID) -> tuple[float, dict]:
    """The blend's w for one task and seed, chosen inside the training excerpts: the progressive
    network and ridge are fitted on the carve's fit part (``training_carve``; ridge tunes its
    alpha on a carve of that part in turn) and w minimises the MSE on the held part.  The
    evaluated set's labels are never read.  Returns w and the validation MSE of each w."""
    neural, ridge, truth = blend_validation(data, neural_data, protocol, task, seed, sizes, device, group, overrides,
                                            weighting)
    errors = blend_errors(neural, ridge, truth, grid)
    return lowest_error_weight(errors, grid), {f"{g:g}": e for g, e in zip(grid, errors)}


__all__ = ["BLEND", "BLEND_GRID", "BLEND_WEIGHT", "blend", "blend_errors", "blend_validation", "blend_weight",
           "choose_blend_weight", "lowest_error_weight"]
