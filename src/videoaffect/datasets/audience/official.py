"""The post-processing of the official LIRIS-ACCEDE continuous means, as far as it is known, and
the comparison of a merged file with an official one.

What is known: the release's Readme.txt says each ``continuous-annotations/<Film>_<Task>.txt``
holds "for each second of a movie the post-processed average of the ratings of the annotators as
detailed in [Baveye 2015-2]" (ACII 2015, "Deep learning vs. kernel methods").  The paper's text
was not available to us, so the steps below were found by measurement on the 4 films whose raw
traces the release ships (benchmarks/bench_merge_official.py; docs/benchmarks/merging-raters.md, "Merging
raters: the official LIRIS-ACCEDE means"):

- the official curves are far smoother than the raw traces: a plain per-second mean reaches
  r 0.943-0.992 with them; smoothing each rater's per-second trace with a Gaussian of sigma 6 s
  before averaging reaches r 0.979-0.999 (sigma 7 does as well, 4, 5 and 8 worse);
- their Std is the population standard deviation (ddof 0) over the raters of such smoothed
  traces (r >= 0.995; largest difference 0.066, against 0.114 at ddof 1);
- moving our curve in time (an annotators' reaction delay) gains at most 0.0008 in r (1 s later).
Unknown: the exact kernel and width; the official files' one extra row on some films; and a step
after averaging: in the seconds where every rater holds still, where our Std equals the official
Std to 1e-5 whatever the smoothing, the official Mean still differs from the raters' mean by up to
0.088, by amounts that vary within a film (a weighted mean of the raters or a rescaling would do
that; the evaluator weighted estimator, ``evaluator_weights``, gets closer on some films only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_SIGMA_S = 6.0
KERNEL_RADIUS_SIGMAS = 3  # the kernel's weights beyond 3 sigma are below 1.2% of its peak


def gaussian_smooth(values: np.ndarray, sigma_s: float) -> np.ndarray:
    """Gaussian smoothing of one rater's per-second values, NaN where the rater gave none.

    Near the ends of the trace the kernel is cut and its weights renormalised over the seconds the
    rater covered (not padded with zeros or copies of the end value, which would pull the curve
    towards a value the rater never gave for those seconds)."""
    if sigma_s <= 0:
        raise ValueError(f"sigma must be positive (got {sigma_s} s)")
    radius = max(1, int(round(KERNEL_RADIUS_SIGMAS * sigma_s)))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_s) ** 2)
    have = ~np.isnan(values)
    # "full" then the centred slice: numpy's "same" returns the kernel's length when the trace is shorter
    n = len(values)
    num = np.convolve(np.where(have, values, 0.0), kernel)[radius:radius + n]
    den = np.convolve(have.astype(np.float64), kernel)[radius:radius + n]
    out = np.full(len(values), np.nan)
    out[have] = num[have] / den[have]
    return out


def evaluator_weights(values: np.ndarray) -> np.ndarray:
    """The evaluator weighted estimator's weights (Grimm & Kroschel 2005, "Evaluation of natural
    emotions using self assessment manikins", ASRU; used for continuous traces since): each
    rater's Pearson r with the mean of all raters, on the seconds every rater covered, divided by
    their sum.  A rater at or below r 0 (or constant) weighs 0: a rater against the rest must not
    enter the mean with a negative sign; with no positive r, all raters weigh the same.

    values: (raters, seconds), NaN where a rater gave none."""
    common = ~np.isnan(values).any(axis=0)
    x = values[:, common]
    k = len(values)
    if x.shape[1] < 2:
        return np.full(k, 1.0 / k)
    mean = x.mean(axis=0) - x.mean()
    dev = x - x.mean(axis=1, keepdims=True)
    den = np.sqrt((dev ** 2).sum(axis=1) * (mean ** 2).sum())
    r = np.divide((dev * mean).sum(axis=1), den, out=np.zeros(k), where=den > 0)
    r = np.clip(r, 0.0, None)
    return r / r.sum() if r.sum() > 0 else np.full(k, 1.0 / k)


@dataclass(frozen=True)
class Comparison:
    seconds: int  # rows compared (the shorter of the two files)
    rows_merged: int
    rows_official: int
    mean_r: float
    mean_max_abs_diff: float
    std_r: float
    std_max_abs_diff: float


def read_official(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Std of an official ``<Film>_<Task>.txt`` (or a merged file): header, then
    ``Time<TAB>Mean<TAB>Std[...]`` per second."""
    table = np.loadtxt(path, delimiter="\t", skiprows=1, ndmin=2)
    return table[:, 1], table[:, 2]


def compare(mean: np.ndarray, std: np.ndarray, official_path: str | Path) -> Comparison:
    """Pearson r and the largest absolute difference, over the seconds both curves have."""
    off_mean, off_std = read_official(official_path)
    n = min(len(mean), len(off_mean))
    return Comparison(n, len(mean), len(off_mean),
                      float(np.corrcoef(mean[:n], off_mean[:n])[0, 1]), float(np.abs(mean[:n] - off_mean[:n]).max()),
                      float(np.corrcoef(std[:n], off_std[:n])[0, 1]), float(np.abs(std[:n] - off_std[:n]).max()))
