"""Classic reference regressors (scikit-learn) on flat clip features.

Each reference standardises its inputs (statistics of the training rows only) and, where it
has hyper-parameters, picks them on a tuning set that the caller carves from the TRAINING
data, then refits on training + tuning rows with the chosen values:

* ``svr``: RBF support-vector regression; C in {0.1, 1, 10}, gamma in {1/3, 1, 3} x 1/d (d
  features, so 1/d is scikit-learn's "scale" on standardised data), epsilon in {0.1, 0.25,
  0.5} x the training targets' standard deviation (scale-free).
* ``ridge``: alpha on a log grid 1e-2 .. 1e4.
* ``mean``: predicts the training mean (the floor every model must beat on MSE).

The tuning criterion is MSE on the tuning set.  Without a tuning set, scikit-learn's defaults
are used (SVR C=1, gamma="scale", epsilon=0.1; ridge alpha=1).

``tuning_split`` carves the tuning set by contiguous blocks of sorted ids: on LIRIS-ACCEDE the
excerpts of one movie have consecutive ids, so id blocks stand in for movies (a block boundary
may cut through one movie, so a little leakage across the cut remains).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from videoaffect.core.errors import ConfigError

KINDS = ("svr", "ridge", "mean")
SVR_C = (0.1, 1.0, 10.0)
SVR_GAMMA_FACTORS = (1.0 / 3.0, 1.0, 3.0)
SVR_EPSILON_FACTORS = (0.1, 0.25, 0.5)
RIDGE_ALPHAS = tuple(float(a) for a in np.logspace(-2, 4, 13))


class ReferenceError(ConfigError):
    pass


@dataclass
class ReferenceModel:
    kind: str
    estimator: Pipeline
    params: dict
    tuning: list[dict] = field(default_factory=list)  # one entry per grid point: params + tuning MSE

    def predict(self, X) -> np.ndarray:
        return self.estimator.predict(_as_matrix(X, "X"))


def _as_matrix(X, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ReferenceError(f"{what} must be a non-empty 2-D array (rows x features), got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ReferenceError(f"{what} holds NaN or infinite values; impute or drop them first")
    return X


def _as_target(y, n: int, what: str) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (n,):
        raise ReferenceError(f"{what} must have shape ({n},), got {y.shape}")
    if not np.isfinite(y).all():
        raise ReferenceError(f"{what} holds NaN or infinite values")
    return y


def _grid(kind: str, n_features: int, y_std: float) -> list[dict]:
    if kind == "svr":
        return [
            {"C": c, "gamma": g / n_features, "epsilon": e * y_std}
            for c, g, e in itertools.product(SVR_C, SVR_GAMMA_FACTORS, SVR_EPSILON_FACTORS)
        ]
    if kind == "ridge":
        return [{"alpha": a} for a in RIDGE_ALPHAS]
    return [{}]


def _make(kind: str, params: dict, seed: int) -> Pipeline:
    if kind == "svr":
        return make_pipeline(StandardScaler(), SVR(kernel="rbf", **params))
    if kind == "ridge":
        return make_pipeline(StandardScaler(), Ridge(random_state=seed, **params))
    return make_pipeline(StandardScaler(), DummyRegressor(strategy="mean"))


def _defaults(kind: str) -> dict:
    defaults: dict[str, dict] = {"svr": {"C": 1.0, "gamma": "scale", "epsilon": 0.1}, "ridge": {"alpha": 1.0}}
    return defaults.get(kind, {})


def fit_reference(
    kind: str,
    X_train,
    y_train,
    X_val=None,
    y_val=None,
    seed: int = 0,
) -> ReferenceModel:
    """Fit a reference regressor.  ``X_val``/``y_val`` are the tuning rows (from the training
    data, never the evaluation set); the returned model is refitted on train + tuning rows."""
    if kind not in KINDS:
        raise ReferenceError(f"reference kind must be one of {KINDS}, got {kind!r}")
    X_train = _as_matrix(X_train, "X_train")
    y_train = _as_target(y_train, len(X_train), "y_train")
    if (X_val is None) != (y_val is None):
        raise ReferenceError("give both X_val and y_val (the tuning set) or neither")
    tuning: list[dict] = []
    if X_val is None or kind == "mean":
        params = _defaults(kind)
        X_all, y_all = X_train, y_train
        if X_val is not None:
            X_all = np.concatenate([X_train, _as_matrix(X_val, "X_val")])
            y_all = np.concatenate([y_train, _as_target(y_val, len(X_val), "y_val")])
    else:
        X_val = _as_matrix(X_val, "X_val")
        y_val = _as_target(y_val, len(X_val), "y_val")
        if X_val.shape[1] != X_train.shape[1]:
            raise ReferenceError(f"X_val has {X_val.shape[1]} features, X_train {X_train.shape[1]}")
        y_std = float(np.std(y_train)) or 1.0
        for candidate in _grid(kind, X_train.shape[1], y_std):
            model = _make(kind, candidate, seed).fit(X_train, y_train)
            err = float(np.mean((model.predict(X_val) - y_val) ** 2))
            tuning.append({**candidate, "tuning_mse": err})
        best = min(tuning, key=lambda t: t["tuning_mse"])
        params = {k: v for k, v in best.items() if k != "tuning_mse"}
        X_all, y_all = np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])
    estimator = _make(kind, params, seed).fit(X_all, y_all)
    return ReferenceModel(kind, estimator, params, tuning)


def tuning_split(
    ids, fraction: float = 0.2, n_blocks: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into ``ids``) of fit rows and tuning rows: sorted ids are cut into
    ``n_blocks`` contiguous blocks and ``round(fraction * n_blocks)`` of them (chosen by
    ``seed``) become the tuning set."""
    ids = np.asarray(ids)
    if not 0.0 < fraction < 1.0:
        raise ReferenceError(f"fraction must be in (0, 1), got {fraction}")
    n_blocks = max(2, min(int(n_blocks), len(ids)))
    if len(ids) < 2:
        raise ReferenceError("need at least 2 training rows to carve a tuning set")
    order = np.argsort(ids, kind="stable")
    blocks = np.array_split(order, n_blocks)
    n_tune = min(n_blocks - 1, max(1, int(round(fraction * n_blocks))))
    chosen = set(np.random.default_rng(seed).choice(n_blocks, size=n_tune, replace=False).tolist())
    tune = np.sort(np.concatenate([b for i, b in enumerate(blocks) if i in chosen]))
    fit = np.sort(np.concatenate([b for i, b in enumerate(blocks) if i not in chosen]))
    return fit, tune


__all__ = ["KINDS", "ReferenceError", "ReferenceModel", "fit_reference", "tuning_split"]
