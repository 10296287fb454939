"""Ensembles of a task model and the per-second confidence band they give.

An ensemble is K models of one task trained alike on the same training movies and validated on
the same validation movies (one carve, see ``Trainer(val_split_seed=)``); only the seed of
initialisation and shuffling differs.  A video's curve is the members' per-second mean.

The band is a central interval meant to hold ``level`` (80 %) of the true per-second labels:

* K > 1: mean +- c * max(s, SPREAD_FLOOR), s = the members' standard deviation that second
  (population, ddof 0).  Raw member spread usually covers far fewer labels than it should
  (members share their data and their errors), so c is calibrated at training time on the
  validation movies: the ``level`` quantile of |label - mean| / max(s, floor) over every
  validation second, so the interval covers ``level`` of those seconds by construction.
  The floor keeps a band where the members agree exactly (e.g. clipped at the scale's end).
* K = 1 (no spread): a constant half-width, the ``level`` quantile of |label - prediction|
  over the validation seconds.

Both ends are clipped to the label scale (labels never leave it, so coverage is unchanged).
The validation movies also chose the model's settings (early stopping, smoothing), so their
residuals are slightly optimistic; held-out coverage is measured by benchmarks/bench_band.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

BAND_LEVEL = 0.8
# On the internal [-1, 1] scale: 1 % of the label half-range.
SPREAD_FLOOR = 0.01
# Member k trains with seed + MEMBER_SEED_STEP * k (member 0 = the seed given): far apart, so
# that members of seed 0 never repeat the members of the seeds 1, 2 that reproduction uses.
MEMBER_SEED_STEP = 1000

BandRule = Literal["member-spread", "residual-quantile"]


def member_seed(seed: int, k: int) -> int:
    return seed + MEMBER_SEED_STEP * k


@dataclass
class BandCalibration:
    """How one task's interval is computed, and how it did on the validation movies.

    ``scale``: c for the member-spread rule, the constant half-width for the residual-quantile
    rule; both on the internal [-1, 1] scale."""

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

    def half_width(self, spread: np.ndarray) -> np.ndarray:
        spread = np.asarray(spread, dtype=np.float64)
        if self.rule == "member-spread":
            return self.scale * np.maximum(spread, self.spread_floor)
        return np.full(spread.shape, self.scale)

    def interval(self, mean: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) on the internal [-1, 1] scale."""
        hw = self.half_width(spread)
        return np.clip(mean - hw, -1.0, 1.0), np.clip(mean + hw, -1.0, 1.0)

    def describe(self, half_range: float = 1.0) -> str:
        """The definition in words; ``half_range`` converts widths to the label scale."""
        share = f"{self.level * 100:g} %"
        if self.rule == "member-spread":
            how = (f"the mean of {self.members} ensemble members plus or minus {self.scale:.3g} times their "
                   f"standard deviation that second (at least {self.spread_floor * half_range:.3g})")
            raw = ("" if self.raw_spread_coverage is None else
                   f"; plus or minus one standard deviation alone covered {self.raw_spread_coverage * 100:.0f} %")
        else:
            how = (f"the prediction plus or minus {self.scale * half_range:.3g} (one model: no spread, a constant "
                   "width)")
            raw = ""
        return (f"central {share} interval: {how}, clipped to the label scale; calibrated to cover {share} of the "
                f"{self.validation_seconds} seconds of the {self.validation_movies} validation movies (held out of "
                f"fitting, clip stride {self.clip_stride}), which it did: {self.calibrated_coverage * 100:.1f} %"
                f"{raw}. The validation movies also chose the model's settings, so on new videos it may cover "
                "somewhat less")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> BandCalibration:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


def member_spread(finals: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(mean, population standard deviation) per second of the members' curves."""
    stack = np.stack([np.asarray(f, dtype=np.float64) for f in finals])
    return stack.mean(0), stack.std(0)


def calibrate_band(finals: list[np.ndarray], truth: np.ndarray, *, level: float = BAND_LEVEL,
                   validation_movies: int, clip_stride: int) -> BandCalibration:
    """The band of ``finals`` (one concatenated validation curve per member, internal scale)
    whose interval covers ``level`` of ``truth``'s seconds."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"the band's level must be in (0, 1), got {level}")
    truth = np.asarray(truth, dtype=np.float64)
    mean, spread = member_spread(finals)
    residual = np.abs(truth - mean)
    raw = None
    if len(finals) > 1:
        rule: BandRule = "member-spread"
        # "inverted_cdf": the smallest observed value with at least ``level`` of the seconds at or below it
        scale = float(np.quantile(residual / np.maximum(spread, SPREAD_FLOOR), level, method="inverted_cdf"))
        raw = float(np.mean(residual <= spread))
    else:
        rule = "residual-quantile"
        scale = float(np.quantile(residual, level, method="inverted_cdf"))
    scale *= 1.0 + 1e-9  # the second at the quantile stays inside after mean +- scale * spread rounds
    cal = BandCalibration(level, rule, scale, len(finals), validation_movies, int(truth.size), 0.0, clip_stride,
                          raw_spread_coverage=raw)
    low, high = cal.interval(mean, spread)
    cal.calibrated_coverage = float(np.mean((truth >= low) & (truth <= high)))
    return cal


class EnsembleMean:
    """A task's ensemble seen as one model, for scoring what ``predict`` shows: the members'
    mean of every regression output (clip and per-second, intra and final, contributions).
    Classification models are scored by member 0 (a mean of class indices means nothing)."""

    def __init__(self, members: list) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = list(members)
        self.config = members[0].config
        self.train_config = members[0].train_config

    def predict_clips(self, corpus, movies, device="cpu", **kwargs):
        from dataclasses import replace

        runs = [m.predict_clips(corpus, movies, device=device, **kwargs) for m in self.members]
        if self.config.output == "classification" or len(runs) == 1:
            return runs[0]
        contributions = runs[0].contributions
        if contributions is not None:
            contributions = {k: np.mean([r.contributions[k] for r in runs], axis=0) for k in contributions}
        return replace(runs[0], intra=np.mean([r.intra for r in runs], axis=0),
                       final=np.mean([r.final for r in runs], axis=0), contributions=contributions)

    def predict_seconds(self, corpus, movies, clip_stride=None, device="cpu"):
        from videoaffect.models.affect_model import SecondCurve

        runs = [m.predict_seconds(corpus, movies, clip_stride, device) for m in self.members]
        if len(runs) == 1:
            return runs[0]
        out = {}
        for movie, first in runs[0].items():
            curves = [r[movie] for r in runs]
            out[movie] = SecondCurve(
                np.mean([c.intra for c in curves], axis=0),
                np.mean([c.final for c in curves], axis=0),
                {k: np.mean([c.contributions[k] for c in curves], axis=0) for k in first.contributions},
                first.present,
            )
        return out
