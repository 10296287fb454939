"""Per-second curve quality on generated MediaEval 2018-layout corpora of real video files
(pictures and sound carry the labels: see ``datasets/synthetic_videos.py``): the user path
``train --dataset ROOT`` then the test movies (54...) scored per second.

    python benchmarks/bench_curves.py [--seeds 1 2 3] [--dev 8 14 6] [--test 4 3 3] [--work DIR]

For each corpus and task it prints the per-second Pearson r and MSE on the test movies:

* ``paper``: the paper's non-overlapping 10-s clips (a clip's value held for its seconds);
* ``stride 1, mean``: overlapping clips, each second the mean of its covering clips;
* ``stride 1, chosen``: what `train` chose on the validation movies (deconvolution or mean,
  valence context, arousal smoothing) — what `predict` writes;
* ``ceiling, mean``: perfect clip predictions (each clip = the mean of its labels) combined by
  the mean, i.e. the blur of the mean alone.

Nothing is tuned on the test movies; the figures go to docs/benchmarks/curves.md.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from videoaffect.cli.main import main as cli
from videoaffect.datasets.clips import ClipSampler
from videoaffect.datasets.loading import load_dataset
from videoaffect.datasets.synthetic.videos import write_mediaeval_like
from videoaffect.evaluation.metrics import mse, pearson
from videoaffect.features.job import ExtractionJob
from videoaffect.models.affect_model import combine_clips
from videoaffect.models.model_directory import ModelBundle


def _tilings(n: int, c: int) -> np.ndarray:
    """[start, end) of every clip of the stride-1 tilings of a movie of ``n`` seconds."""
    sampler = ClipSampler(c, 1)
    return np.concatenate([sampler.spans(n, off) for off in sampler.offsets])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--dev", type=int, nargs="+", default=[8, 14, 6], help="development movies per corpus")
    ap.add_argument("--test", type=int, nargs="+", default=[4, 3, 3], help="test movies per corpus")
    ap.add_argument("--work", type=Path, default=Path("runs/bench_curves"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = []
    for seed, n_dev, n_test in zip(args.seeds, args.dev, args.test):
        root, store, model_dir = args.work / f"data{seed}", args.work / "features", args.work / f"model{seed}"
        t0 = time.perf_counter()
        if not root.is_dir():
            write_mediaeval_like(root, list(range(n_dev)) + list(range(54, 54 + n_test)), seed=seed, seconds=(30, 90))
        code = cli(["-q", "train", "--dataset", str(root), "--store", str(store), "--out", str(model_dir),
                    "--overwrite", "--no-progress"])
        if code != 0:
            raise SystemExit(f"training on {root} failed ({code})")
        elapsed = time.perf_counter() - t0
        corpus = load_dataset(root, ExtractionJob(store, "default", progress=False)).corpus
        test = corpus.movies_in_split("test")
        bundle = ModelBundle.load(model_dir)
        for task, model in bundle.tasks.items():
            truth = {m: corpus.labels[task][corpus.offsets[m] : corpus.offsets[m + 1]].astype(np.float64) for m in test}
            t = np.concatenate([truth[m] for m in test])

            def score(curves, which="final", test=test, t=t):  # bound now: the loop moves on
                p = np.concatenate([getattr(curves[m], which) for m in test])
                return round(pearson(p, t), 3), round(mse(p, t), 4)

            passes = model.clip_passes(corpus, test, 1)
            chosen = model.curves_from_passes(passes, corpus, test)
            mean_cfg = replace(model.config, deconvolution=0.0)
            plain = model.curves_from_passes(passes, corpus, test, mean_cfg)
            paper = model.predict_seconds(corpus, test, model.config.clip_seconds)
            c = model.config.clip_seconds
            ceiling = []
            for m in test:
                win = _tilings(len(truth[m]), c)
                ceiling.append(combine_clips(win, np.array([truth[m][a:b].mean() for a, b in win]), len(truth[m])))
            ceil = (round(pearson(np.concatenate(ceiling), t), 3), round(mse(np.concatenate(ceiling), t), 4))
            row = {
                "seed": seed, "dev_movies": n_dev, "test_movies": n_test, "task": task,
                "paper": score(paper), "stride1_mean": score(plain), "stride1_chosen": score(chosen),
                "ceiling_mean": ceil, "combination": model.config.combination_text(),
                "context": model.config.smoothing_text(), "train_s": round(elapsed, 1),
            }
            rows.append(row)
            print(f"seed {seed} ({n_dev} dev / {n_test} test movies) {task:8s} r, MSE: paper {row['paper']}  "
                  f"stride-1 mean {row['stride1_mean']}  stride-1 chosen {row['stride1_chosen']}  "
                  f"(ceiling of the mean {ceil}); chosen: {row['combination']}; {row['context']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
