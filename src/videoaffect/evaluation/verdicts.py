"""Whether one model beats another on an evaluated set: paired over training seeds and
resampled over films.

A benchmark evaluates a model trained with a few seeds on one sample of excerpts, drawn in
films.  The spread over seeds alone ignores that sample: on another set of films the
difference would come out otherwise, and a reference that does not depend on the seed (the
training mean) has no spread at all, so any favourable difference would "beat" it.  The rule
here accounts for both:

* the difference is **paired by seed**: for each training seed s, metric(ours_s) -
  metric(reference_s) on the same excerpts; a reference with one prediction (it does not
  depend on the seed) is paired with every seed; the differences are averaged over seeds;
* the evaluated set is **resampled by film**: ``RESAMPLES`` bootstrap resamples (fixed RNG
  seed ``RNG_SEED``) draw as many films as there are, with replacement, each bringing all its
  excerpts; the seed-averaged difference is computed on each resample;
* the verdict is read off the 95 % percentile interval of those differences: "beats" only when
  it excludes 0 in ours' favour, "loses to" when it excludes 0 the other way, else "level with".
  With fewer than ``MIN_GROUPS`` films there is no verdict: below 6, even a film-by-film sign
  test with every film favouring one side cannot reach the two-sided 5 % level (2 / 2^5 > 0.05).

Metrics: MSE (lower is better) and Pearson r (higher is better).  A resample only re-weights
films, so each metric is computed from per-film sums (counts, sums of predictions, truths,
squares and products) times the number of times each film was drawn: exact, and fast enough
for thousands of resamples of thousands of excerpts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
RNG_SEED = 0
LEVEL = 0.95
MIN_GROUPS = 6
METRICS = {"mse": "MSE", "pearson": "Pearson r"}
LOWER_IS_BETTER = {"mse": True, "pearson": False}
WORDS = ("beats", "loses to", "level with")


@dataclass(frozen=True)
class Comparison:
    """ours - reference for one metric: the seed-averaged difference on the whole evaluated set
    (``difference``), its percentile interval over film resamples, and the verdict."""

    metric: str
    difference: float
    low: float
    high: float
    verdict: str  # one of WORDS, or "no verdict"
    seeds: int
    groups: int
    resamples: int
    level: float = LEVEL

    def text(self) -> str:
        """E.g. "MSE beats it (-0.021, 95 % interval -0.034 to -0.009)"."""
        name = METRICS[self.metric]
        if self.verdict == "no verdict":
            return (f"{name}: no verdict, {self.groups} film(s) are too few to resample (at least {MIN_GROUPS}) "
                    f"({signed(self.difference)})")
        return (f"{name} {self.verdict} it ({signed(self.difference)}, {round(100 * self.level)} % interval "
                f"{signed(self.low)} to {signed(self.high)})")

    def to_dict(self) -> dict:
        return {"metric": self.metric, "difference": self.difference, "low": self.low, "high": self.high,
                "verdict": self.verdict, "seeds": self.seeds, "films": self.groups, "resamples": self.resamples,
                "level": self.level}


def signed(x: float) -> str:
    """+0.021, or +4.2e-04 where three decimals would print a bound that excludes 0 as 0.000."""
    return f"{x:+.1e}" if 0.0 < abs(x) < 0.0005 else f"{x:+.3f}"


def judge(low: float, high: float, lower_is_better: bool) -> str:
    """The verdict from an interval of ours - reference: "beats" only when it excludes 0 on ours'
    side, "loses to" when it excludes 0 on the other side, else "level with"."""
    if lower_is_better:
        low, high = -high, -low  # now positive favours ours
    if low > 0.0:
        return "beats"
    if high < 0.0:
        return "loses to"
    return "level with"


def compare(ours, reference, truth, groups, metric: str, *, resamples: int = RESAMPLES, rng_seed: int = RNG_SEED,
            level: float = LEVEL) -> Comparison | None:
    """Compare ``ours`` ((seeds, n) predictions; row s trained with seed s) with ``reference``
    ((seeds, n) paired row by row, or (1, n): one prediction paired with every seed) on ``truth``
    (n,), the excerpts grouped by ``groups`` (n labels, e.g. film names).  None when the metric is
    undefined on the whole set for either side (Pearson r of a constant prediction)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    ours, reference = _seeds_by_excerpts(ours, "ours"), _seeds_by_excerpts(reference, "reference")
    truth = np.asarray(truth, dtype=np.float64)
    n = truth.shape[0]
    if truth.shape != (n,) or ours.shape[1] != n or reference.shape[1] != n or len(groups) != n:
        raise ValueError(f"ours {ours.shape}, reference {reference.shape}, truth {truth.shape} and {len(groups)} "
                         "group labels must describe the same excerpts")
    if reference.shape[0] not in (1, ours.shape[0]):
        raise ValueError(f"the reference has {reference.shape[0]} seeds; give one, or as many as ours "
                         f"({ours.shape[0]}), paired row by row")
    if not 0.0 < level < 1.0 or resamples < 1:
        raise ValueError(f"level must be in (0, 1) and resamples at least 1, got {level}, {resamples}")
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = int(codes.max()) + 1
    # Per-film sums; weights = how often each film is drawn (row 0: the whole set, once each).
    draws = np.random.default_rng(rng_seed).multinomial(n_groups, np.full(n_groups, 1.0 / n_groups),
                                                        size=resamples)
    weights = np.vstack([np.ones((1, n_groups)), draws])
    reference = np.broadcast_to(reference, ours.shape)
    diffs = np.zeros(len(weights))
    for p_ours, p_ref in zip(ours, reference):
        a = metric_by_weights(p_ours, truth, codes, n_groups, weights, metric)
        b = metric_by_weights(p_ref, truth, codes, n_groups, weights, metric)
        if math.isnan(a[0]) or math.isnan(b[0]):
            return None
        diffs += a - b
    diffs /= ours.shape[0]
    point, sample = float(diffs[0]), diffs[1:]
    sample = sample[np.isfinite(sample)]  # a resample where a prediction is constant has no r
    if n_groups < MIN_GROUPS or not sample.size:
        return Comparison(metric, point, math.nan, math.nan, "no verdict", ours.shape[0], n_groups, resamples, level)
    low, high = (float(v) for v in np.quantile(sample, [(1.0 - level) / 2.0, (1.0 + level) / 2.0]))
    return Comparison(metric, point, low, high, judge(low, high, LOWER_IS_BETTER[metric]), ours.shape[0], n_groups,
                      resamples, level)


def _seeds_by_excerpts(values, what: str) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{what} must be (seeds, excerpts) predictions, got shape {np.shape(values)}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what} holds NaN or infinite predictions")
    return a


def metric_by_weights(pred: np.ndarray, truth: np.ndarray, codes: np.ndarray, n_groups: int, weights: np.ndarray,
                      metric: str) -> np.ndarray:
    """The metric on every weighting of the films (one row of ``weights`` per resample: how many
    times each film is drawn); ``codes``: each excerpt's film, 0 .. n_groups - 1."""
    def sums(values: np.ndarray) -> np.ndarray:
        return weights @ np.bincount(codes, weights=values, minlength=n_groups)

    count = sums(np.ones_like(truth))
    if metric == "mse":
        return sums((pred - truth) ** 2) / count
    # Centred on the whole set's means first: the same r, without cancellation in the sums.
    p, t = pred - pred.mean(), truth - truth.mean()
    sp, st = sums(p), sums(t)
    cov = sums(p * t) - sp * st / count
    var_p = sums(p * p) - sp * sp / count
    var_t = sums(t * t) - st * st / count
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(var_p * var_t)
    # A constant prediction (or truth) has no r: NaN, as ``metrics.pearson`` says.
    r[(var_p <= 1e-12 * np.maximum(count, 1.0)) | (var_t <= 1e-12 * np.maximum(count, 1.0))] = math.nan
    return r


__all__ = ["LEVEL", "METRICS", "MIN_GROUPS", "RESAMPLES", "RNG_SEED", "WORDS", "Comparison", "compare", "judge",
           "metric_by_weights", "signed"]
