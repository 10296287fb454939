"""A task model's per-second confidence band: its rules, its calibration on the validation
movies, and the interval it gives.

The band is a central interval meant to hold ``level`` (80 %) of the true per-second labels.
Three rules (``BandRule``), compared in docs/benchmarks/band.md ("The confidence band by measurement"):

* ``residual-quantile`` (any K): the prediction plus or minus a constant, the ``level``
  quantile of |label - prediction| over every validation second (seconds pooled).
* ``conformal-by-movie`` (any K): the prediction plus or minus a constant from split-conformal
  calibration with the *movie* as the exchangeable unit (seconds of one movie are not
  independent): every validation movie weighs the same (the mean of the movies' empirical
  distributions of |residual|, the "pooled CDF" of Dunn, Wasserman & Ramdas 2022,
  "Distribution-free prediction sets for two-layer hierarchical models"), and the level is
  raised to ``level * (1 + 1/m)`` for m validation movies, the finite-sample correction of split
  conformal; at or above 1 it takes the largest residual seen.
* ``member-spread`` (K > 1): mean +- c * max(s, SPREAD_FLOOR), s = the members' standard
  deviation that second (population); c is the ``level`` quantile of |label - mean| /
  max(s, floor) over the validation seconds.

Both ends are clipped to the label scale (labels never leave it, so coverage is unchanged).
The validation movies also chose the model's settings, so their residuals are slightly
optimistic.  With few validation movies no rule can know how wide the band must be on a new
film: below ``MIN_CALIBRATION_MOVIES`` every output carries a warning (see there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from videoaffect.core.vocabulary import BAND_RULES, DEFAULT_BAND_RULE, BandRule

BAND_LEVEL = 0.8
# On the internal [-1, 1] scale: 1 % of the label half-range.
SPREAD_FLOOR = 0.01
# Why 10: with m exchangeable validation movies, split conformal's coverage is only known to
# within 1/(m + 1) (9 points at m = 10, more below), and its finite-sample correction raises an
# 80 % level by level/m (8 points at m = 10, more below); below 10 movies the width is a guess
# rather than a calibration, and the outputs say so.
MIN_CALIBRATION_MOVIES = 10


def _movies(n: int) -> str:
    return f"{n} validation movie" + ("" if n == 1 else "s")


def member_spread(finals: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(mean, population standard deviation) per second of the members' curves."""
    stack = np.stack([np.asarray(f, dtype=np.float64) for f in finals])
    return stack.mean(0), stack.std(0)


@dataclass
class BandCalibration:
    """How one task's interval is computed, and how it did on the validation movies.

    ``scale``: c for the member-spread rule, the constant half-width otherwise; both on the
    internal [-1, 1] scale."""

    level: float
    rule: BandRule
    scale: float
    members: int
    validation_movies: int
    validation_seconds: int
    calibrated_coverage: float
    clip_stride: int
    spread_floor: float = SPREAD_FLOOR
    # share of validation seconds inside mean +- 1 member standard deviation (uncalibrated);
    # None for one member
    raw_spread_coverage: float | None = None
    # per-second scores of the ensemble mean and of each member on the validation movies
    validation_mean: dict = field(default_factory=dict)
    validation_members: list = field(default_factory=list)
    # share of each validation movie's seconds inside the band (the per-film distribution)
    validation_movie_coverage: list = field(default_factory=list)

    def half_width(self, spread: np.ndarray) -> np.ndarray:
        spread = np.asarray(spread, dtype=np.float64)
        if self.rule == "member-spread":
            return self.scale * np.maximum(spread, self.spread_floor)
        return np.full(spread.shape, self.scale)

    def interval(self, mean: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) on the internal [-1, 1] scale."""
        hw = self.half_width(spread)
        return np.clip(mean - hw, -1.0, 1.0), np.clip(mean + hw, -1.0, 1.0)

    @property
    def few_movies(self) -> bool:
        return self.validation_movies < MIN_CALIBRATION_MOVIES

    def warnings(self, clip_stride: int | None = None) -> list[str]:
        """What a user of this band must know: too few calibration movies, another stride."""
        out = []
        if self.few_movies:
            out.append(f"the band was calibrated on only {_movies(self.validation_movies)} "
                       f"({self.validation_seconds} s), fewer than {MIN_CALIBRATION_MOVIES}: its width is a rough "
                       "guess and its coverage on new films may differ a lot from the stated "
                       f"{self.level * 100:g} % (train on more movies for a calibrated band)")
        if clip_stride is not None and int(clip_stride) != int(self.clip_stride):
            out.append(f"the band was calibrated at clip stride {self.clip_stride} and this curve used clip "
                       f"stride {clip_stride}: the band was not recalibrated for it (no validation movies at "
                       f"prediction time); predict with --clip-stride {self.clip_stride} for the calibrated band")
        return out

    def describe(self, half_range: float = 1.0) -> str:
        """The definition in words; ``half_range`` converts widths to the label scale."""
        share = f"{self.level * 100:g} %"
        model = "the prediction" if self.members == 1 else f"the mean of the {self.members} ensemble members"
        if self.rule == "member-spread":
            how = (f"{model} plus or minus {self.scale:.3g} times their standard deviation that second (at "
                   f"least {self.spread_floor * half_range:.3g})")
            raw = ("" if self.raw_spread_coverage is None else
                   f"; plus or minus one standard deviation alone covered {self.raw_spread_coverage * 100:.0f} %")
        elif self.rule == "conformal-by-movie":
            raised = min(1.0, self.level * (1.0 + 1.0 / max(self.validation_movies, 1)))
            how = (f"{model} plus or minus {self.scale * half_range:.3g} (split-conformal, each validation movie "
                   f"weighing the same, the level raised to {raised * 100:.3g} % for {_movies(self.validation_movies)}"
                   f": meant to cover at least {share})")
            raw = ""
        else:
            how = f"{model} plus or minus {self.scale * half_range:.3g} (a constant width)"
            raw = ""
        per_movie = ""
        if len(self.validation_movie_coverage) > 1:
            cov = np.asarray(self.validation_movie_coverage) * 100
            per_movie = f"; per validation movie {cov.min():.0f}-{cov.max():.0f} %"
        return (f"central {share} interval: {how}, clipped to the label scale; calibrated on the "
                f"{self.validation_seconds} seconds of {_movies(self.validation_movies)} (held out of "
                f"fitting, clip stride {self.clip_stride}), where it covered {self.calibrated_coverage * 100:.1f} %"
                f"{per_movie}{raw}. The validation movies also chose the model's settings, so on new videos it may "
                "cover less")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> BandCalibration:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


def _movie_weighted_quantile(residuals: Sequence[np.ndarray], level: float) -> float:
    """The smallest residual r with mean over movies of (share of the movie's residuals <= r)
    at least ``level`` (level >= 1: the largest residual)."""
    pooled = np.concatenate([np.asarray(r, dtype=np.float64) for r in residuals])
    if level >= 1.0:
        return float(pooled.max())
    weights = np.concatenate([np.full(len(r), 1.0 / (len(r) * len(residuals))) for r in residuals])
    order = np.argsort(pooled, kind="stable")
    cdf = np.cumsum(weights[order])
    # 1e-12: the cumulative sum of equal weights may land a hair below an exact level
    return float(pooled[order][min(int(np.searchsorted(cdf, level - 1e-12)), len(pooled) - 1)])


def calibrate_band(mean: np.ndarray, spread: np.ndarray, truth: np.ndarray, *, members: int,
                   level: float = BAND_LEVEL, movie_lengths: Sequence[int], clip_stride: int,
                   rule: BandRule | None = None) -> BandCalibration:
    """The band of a model's validation curve ``mean`` (its ``members``' per-second mean and
    ``spread``, internal scale; the movies' seconds in order, ``movie_lengths`` long each) for
    ``truth``.  ``rule`` None: ``DEFAULT_BAND_RULE``."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"the band's level must be in (0, 1), got {level}")
    rule = rule or DEFAULT_BAND_RULE
    if rule not in BAND_RULES:
        raise ValueError(f"band rule must be one of {', '.join(BAND_RULES)}, got {rule!r}")
    if rule == "member-spread" and members < 2:
        raise ValueError("the member-spread band needs an ensemble of at least 2 members (train --ensemble K >= 2)")
    truth = np.asarray(truth, dtype=np.float64)
    lengths = [int(n) for n in movie_lengths]
    if sum(lengths) != truth.size or not lengths:
        raise ValueError(f"movie_lengths sum to {sum(lengths)}, the validation curve has {truth.size} seconds")
    mean, spread = np.asarray(mean, dtype=np.float64), np.asarray(spread, dtype=np.float64)
    residual = np.abs(truth - mean)
    raw = float(np.mean(residual <= spread)) if members > 1 else None
    # "inverted_cdf": the smallest observed value with at least ``level`` of the seconds at or below it
    if rule == "member-spread":
        scale = float(np.quantile(residual / np.maximum(spread, SPREAD_FLOOR), level, method="inverted_cdf"))
    elif rule == "residual-quantile":
        scale = float(np.quantile(residual, level, method="inverted_cdf"))
    else:
        bounds = np.cumsum([0, *lengths])
        per_movie = [residual[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        scale = _movie_weighted_quantile(per_movie, level * (1.0 + 1.0 / len(lengths)))
    scale *= 1.0 + 1e-9  # the second at the quantile stays inside after mean +- scale * spread rounds
    cal = BandCalibration(level, rule, scale, members, len(lengths), int(truth.size), 0.0, clip_stride,
                          raw_spread_coverage=raw)
    low, high = cal.interval(mean, spread)
    inside = (truth >= low) & (truth <= high)
    cal.calibrated_coverage = float(np.mean(inside))
    bounds = np.cumsum([0, *lengths])
    cal.validation_movie_coverage = [round(float(np.mean(inside[a:b])), 6) for a, b in zip(bounds[:-1], bounds[1:])]
    return cal


def coverage_quantiles(per_movie: Sequence[float]) -> dict[str, float]:
    """Min, quartiles and max of per-movie coverages (for reports and benchmarks)."""
    v = np.asarray(per_movie, dtype=np.float64)
    if v.size == 0:
        return {k: math.nan for k in ("min", "q25", "median", "q75", "max")}
    q = np.quantile(v, [0.0, 0.25, 0.5, 0.75, 1.0])
    return dict(zip(("min", "q25", "median", "q75", "max"), (float(x) for x in q)))
