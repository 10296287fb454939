"""Merging raters: how close `videoaffect annotations merge` comes to the official LIRIS-ACCEDE
continuous means (issue 25).  Prints a markdown table for docs/benchmarks/merging-raters.md.

    python benchmarks/bench_merge_official.py [--root ../shared/data/liris-accede-continuous]
        [--sigmas 4 5 6 7 8]

For each of the films whose raw GTrace files the root holds (raw/idN/<Film>_<Task>_idN.txt; 4
films x 2 tasks in ../shared) it merges every rater's trace with the code `annotations merge`
runs (read_trace, merge_traces) by the plain per-second mean, by ewe (sigma 6 s) and by the
Gaussian method at each sigma, and compares each with the official continuous-annotations/<Film>_<Task>.txt over the
seconds both files have (official.compare): Pearson r and the largest absolute difference of Mean,
and of Std (also the default's Std at ddof 1, against the ddof 0 the file holds).  It also shifts
the default's Mean by -2..2 s against the official one (an annotators' reaction delay), and times
the default merge (reading the files included).
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from videoaffect.datasets.audience.merge import merge_traces
from videoaffect.datasets.audience.official import DEFAULT_SIGMA_S, compare, gaussian_smooth, read_official
from videoaffect.datasets.audience.traces import read_trace

SHIFTS = (-2, -1, 1, 2)
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "liris-accede-continuous"


def groups(root: Path) -> dict[tuple[str, str], list[Path]]:
    out: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for p in sorted((root / "raw").glob("id*/*_id*.txt")):
        m = re.match(r"^(.+)_(Valence|Arousal)_id\d+$", p.stem)
        if m:
            out[(m[1], m[2])].append(p)
    return dict(sorted(out.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--sigmas", type=float, nargs="+", default=[4, 5, 6, 7, 8])
    args = ap.parse_args()
    print("| film | task | raters | rows ours / official | method | Mean r | Mean max abs diff | Std r | "
          "Std max abs diff |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst: dict[str, list[float]] = defaultdict(lambda: [1.0, 0.0, 1.0, 0.0])
    means: dict[str, list[tuple[float, float]]] = defaultdict(list)
    timings = []
    shifted: dict[int, list[float]] = defaultdict(list)
    flat: list[str] = []
    for (film, task), paths in groups(args.root).items():
        official = args.root / "continuous-annotations" / f"{film}_{task}.txt"
        start = time.perf_counter()
        traces = [read_trace(p) for p in paths]
        default = merge_traces(traces)
        timings.append(time.perf_counter() - start)
        methods = [("mean", merge_traces(traces, method="mean")), ("ewe 6 s", merge_traces(traces, method="ewe"))]
        methods += [(f"gaussian {s:g} s", default if s == DEFAULT_SIGMA_S else merge_traces(traces, sigma_s=s))
                    for s in args.sigmas]
        # the same Gaussian mean with Std over the raters at ddof 1 (the file's Std is ddof 0)
        smoothed = np.vstack([gaussian_smooth(row, DEFAULT_SIGMA_S) for row in default.per_second])
        curves = [(name, m.mean, m.std) for name, m in methods]
        curves.append(("gaussian 6 s, Std ddof 1", default.mean, np.nanstd(smoothed, axis=0, ddof=1)))
        off_mean, off_std = read_official(official)
        # seconds where every rater holds still through the kernel: there our Std equals the official
        # one (to 1e-5) whatever the smoothing, so a difference in Mean there is not the smoothing's
        n = min(len(default.mean), len(off_mean))
        still = np.abs(default.std[:n] - off_std[:n]) < 1e-5
        if still.any():
            gap = np.abs(default.mean[:n][still] - off_mean[:n][still])
            flat.append(f"{film} {task}: {int(still.sum())} s, Mean differs by {gap.min():.3f}-{gap.max():.3f}")
        for d in SHIFTS:  # our curve moved d seconds later: official(t) against ours(t - d)
            n = min(len(default.mean), len(off_mean))
            ours, theirs = (default.mean[:n - d], off_mean[d:n]) if d >= 0 else (default.mean[-d:n], off_mean[:n + d])
            shifted[d].append(float(np.corrcoef(ours, theirs)[0, 1]))
        for name, mean, std in curves:
            c = compare(mean, std, official)
            means[name].append((c.mean_r, c.mean_max_abs_diff))
            w = worst[name]
            w[:] = [min(w[0], c.mean_r), max(w[1], c.mean_max_abs_diff), min(w[2], c.std_r),
                    max(w[3], c.std_max_abs_diff)]
            print(f"| {film} | {task} | {len(traces)} | {c.rows_merged} / {c.rows_official} | {name} | "
                  f"{c.mean_r:.4f} | {c.mean_max_abs_diff:.3f} | {c.std_r:.4f} | {c.std_max_abs_diff:.3f} |")
    print("\nOver the films and tasks (worst: lowest r, largest difference; average over them):\n")
    print("| method | Mean r (min) | Mean r (average) | Mean max abs diff (max) | Mean max abs diff (average) | "
          "Std r (min) | Std max abs diff (max) |")
    print("|---|---|---|---|---|---|---|")
    for name, (r, d, sr, sd) in worst.items():
        avg_r, avg_d = (sum(v) / len(v) for v in zip(*means[name]))
        print(f"| {name} | {r:.4f} | {avg_r:.4f} | {d:.3f} | {avg_d:.3f} | {sr:.4f} | {sd:.3f} |")
    print("\nThe default (gaussian 6 s) shifted in time, average Mean r over the films and tasks: "
          + ", ".join(f"{d:+d} s {sum(v) / len(v):.4f}" for d, v in shifted.items()))
    print("\nSeconds where the default's Std equals the official Std (to 1e-5): " + "; ".join(flat))
    print(f"\nDefault merge (reading the GTrace files and merging them): "
          f"{min(timings):.2f}-{max(timings):.2f} s per film and task")


if __name__ == "__main__":
    main()
