"""Merge raters' traces into one value per second: ``Time  Mean  Std  Raters``.

Resampling.  Second t covers [t, t+1); a rater's value for it is the mean of that rater's samples
taken in it.  A mean (not the sample nearest t + 0.5) uses every sample, so a cursor that jumps
inside the second counts for the time it stayed, and it needs no guess between samples.  A trace
covers the seconds from the one holding its first sample to the one holding its last; a second
inside that span without a sample (a gap in recording) takes the value interpolated linearly
between its neighbours, so one dropped sample does not remove the rater from that second.

Traces of different lengths.  The merged file runs from second 0 to the last second any trace
covers; each second's Mean and Std are over the raters covering it, and Raters says how many they
are.  A trace whose last sample comes less than END_HOLD_S (1 s) before the latest trace's last
sample is held at its last value to the end: the raters all watched to the end, and the traces
differ there only by when the recorder stopped (GTrace files of one film end 0.01-0.9 s apart),
so the last second should not lose raters over it.  A second no trace covers is an error (every
trace started late), as a row without raters would be a label nobody gave.

Methods.  ``mean``: the per-second values as they are.  ``gaussian`` (default): each rater's
per-second trace is first smoothed by a Gaussian of sigma seconds (``official.gaussian_smooth``),
which brings the mean from r 0.943-0.992 to 0.979-0.999 with the official LIRIS-ACCEDE
continuous means (docs/benchmarks/merging-raters.md).  ``ewe``:
the same smoothing, then the evaluator-weighted mean (``official.evaluator_weights``), closer to
the official means on some films and farther on others (same section).  Std is always the
population standard deviation (ddof 0) of the (smoothed) traces over the raters, unweighted, as
the official files' Std (measured: it matches their Std far better than ddof 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoaffect.datasets.audience.official import DEFAULT_SIGMA_S, evaluator_weights, gaussian_smooth
from videoaffect.datasets.audience.traces import Trace, TraceError

MERGE_METHODS = ("gaussian", "ewe", "mean")
END_HOLD_S = 1.0
MERGED_HEADER = ("Time", "Mean", "Std", "Raters")


@dataclass(frozen=True)
class Merged:
    task: str
    video: str
    raters: tuple[str, ...]
    paths: tuple[Path, ...]
    per_second: np.ndarray  # (raters, seconds) resampled values before smoothing, NaN outside a trace
    mean: np.ndarray
    std: np.ndarray
    count: np.ndarray  # raters covering each second
    method: str
    sigma_s: float | None

    @property
    def seconds(self) -> int:
        return len(self.mean)


def per_second(trace: Trace, n_seconds: int | None = None) -> np.ndarray:
    """One value per second [t, t+1) (the mean of the samples in it), NaN outside the trace."""
    sec = np.floor(trace.times).astype(np.int64)
    first, last = int(sec[0]), int(sec[-1])
    n = last + 1 if n_seconds is None else n_seconds
    sums = np.bincount(sec, weights=trace.values, minlength=last + 1)
    counts = np.bincount(sec, minlength=last + 1)
    span = np.arange(first, last + 1)
    have = counts[span] > 0
    values = np.interp(span, span[have], sums[span][have] / counts[span][have])
    out = np.full(n, np.nan)
    keep = span < n
    out[span[keep]] = values[keep]
    return out


def merge_traces(traces: list[Trace], method: str = "gaussian", sigma_s: float = DEFAULT_SIGMA_S) -> Merged:
    if method not in MERGE_METHODS:
        raise ValueError(f"unknown merge method {method!r}; choose from {', '.join(MERGE_METHODS)}")
    if not traces:
        raise TraceError("no traces to merge; give one trace file per rater")
    n = max(int(np.floor(tr.times[-1])) + 1 for tr in traces)
    raw = np.vstack([per_second(tr, n) for tr in traces])
    latest = max(tr.times[-1] for tr in traces)
    for row, tr in zip(raw, traces):
        last = int(np.floor(tr.times[-1]))
        if latest - tr.times[-1] < END_HOLD_S:
            row[last + 1:] = row[last]
    covered = ~np.isnan(raw)
    count = covered.sum(axis=0)
    if (count == 0).any():
        empty = np.flatnonzero(count == 0)
        raise TraceError(f"no trace covers second {empty[0]}" + (f" to {empty[-1]}" if len(empty) > 1 else "")
                         + f" of {traces[0].video}; every trace starts later (first samples: "
                         + ", ".join(f"{tr.path.name} {tr.times[0]:.2f} s" for tr in traces)
                         + "); record from the start of the video")
    values = raw
    if method != "mean":
        values = np.vstack([gaussian_smooth(row, sigma_s) for row in raw])
    mean = np.nanmean(values, axis=0)
    std = np.sqrt(np.nanmean((values - mean) ** 2, axis=0))  # ddof 0, over the raters covering t
    if method == "ewe":
        w = evaluator_weights(values)[:, None] * covered  # renormalised over the raters covering t
        total = w.sum(axis=0)
        weighted = (np.nan_to_num(values) * w).sum(axis=0) / np.where(total > 0, total, 1.0)
        mean = np.where(total > 0, weighted, mean)  # where every covering rater weighs 0: the plain mean
    return Merged(traces[0].task, traces[0].video, tuple(tr.rater for tr in traces), tuple(tr.path for tr in traces),
                  raw, mean, std, count, method, None if method == "mean" else sigma_s)


def write_merged(merged: Merged, path: str | Path) -> Path:
    """The merged label file: tab-separated, one row per second from 0 (like the official
    ``continuous-annotations/<Film>_<Task>.txt``, plus the number of raters)."""
    path = Path(path)
    rows = ["\t".join(MERGED_HEADER)]
    rows += [f"{t}\t{m:.6f}\t{s:.6f}\t{int(c)}" for t, (m, s, c) in enumerate(zip(merged.mean, merged.std,
                                                                                 merged.count))]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(rows) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
