"""How often the confidence band holds the label on data it was not calibrated on (not a timed
test; the figures go to BENCHMARKS.md).

    python benchmarks/bench_band.py [--ensemble 1 3] [--work DIR] [--skip-liris] [--skip-generated]

(a) generated films: a manifest corpus of generated labelled videos
    (``write_manifest_dataset``), the default feature set extracted into a store, `train_bundle`
    on its 'train' rows (the band calibrated on validation movies carved from them), then the
    share of the 'test' films' seconds whose label lies inside [<task>_low, <task>_high] as
    `predict` writes them (clip stride 1).
(b) LIRIS-ACCEDE set 2: the TAC2015 features of ``../shared/data/liris-accede-discrete`` (each
    excerpt one one-second item), trained on set 1 (the data set's training split), the share
    of set-2 ("validation" split) excerpts inside the interval.

For each K it prints the stated share, the calibrated coverage on the validation movies, the
raw member-spread coverage there (K > 1), the held-out coverage, the held-out per-second r of
the curve, and the training wall time.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from videoaffect.datasets.loading import ExtractionRequest, load_source
from videoaffect.evaluation.metrics import pearson
from videoaffect.models.config import ModelConfig, TrainConfig
from videoaffect.prediction.curves import movie_curve
from videoaffect.training.bundle import train_bundle

REPO = Path(__file__).resolve().parents[1]
LIRIS = REPO.parent / "shared" / "data" / "liris-accede-discrete"


def held_out(bundle, corpus, movies, tasks) -> dict[str, dict]:
    out = {}
    for task in tasks:
        inside, preds, truths = [], [], []
        for m in movies:
            frame = movie_curve(bundle, corpus, m, [task], 1)
            # labels on the model's scale, as the CSV's columns are
            truth = bundle.label_scale.from_internal(corpus.labels[task][corpus.offsets[m]: corpus.offsets[m + 1]])
            inside.append((truth >= frame[f"{task}_low"].to_numpy() - 1e-9)
                          & (truth <= frame[f"{task}_high"].to_numpy() + 1e-9))
            preds.append(frame[task].to_numpy())
            truths.append(truth)
        p, t = np.concatenate(preds), np.concatenate(truths)
        out[task] = {"coverage": float(np.mean(np.concatenate(inside))), "pearson": pearson(p, t),
                     "seconds": int(t.size)}
    return out


def run_case(name, loaded, train_split, test_split, ensembles, work: Path, tasks, overrides=None,
             train_config: TrainConfig | None = None) -> None:
    corpus = loaded.corpus
    train = corpus.movies_in_split(train_split)
    test = corpus.movies_in_split(test_split)
    mc = ModelConfig(modalities=tuple(corpus.specs.values()))
    if overrides:
        mc = replace(mc, **overrides)
    tc = train_config or TrainConfig()
    print(f"\n## {name}: train on {len(train)} movies ('{train_split}'), held out: {len(test)} movies "
          f"('{test_split}', {sum(corpus.seconds(m) for m in test)} s)")
    print("| K | task | stated | validation, calibrated | validation, raw spread (+-1 sd) | held-out coverage | "
          "held-out r | c or width | training s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in ensembles:
        t0 = time.perf_counter()
        bundle, metrics = train_bundle(corpus, train, mc, tc, work / f"{name}-k{k}", tasks=tasks, ensemble=k,
                                       echo=False)
        seconds = time.perf_counter() - t0
        scores = held_out(bundle, corpus, test, tasks)
        for task in tasks:
            cal = bundle.bands[task]
            raw = "n/a" if cal.raw_spread_coverage is None else f"{cal.raw_spread_coverage:.3f}"
            print(f"| {k} | {task} | {cal.level:.2f} | {cal.calibrated_coverage:.3f} ({cal.validation_seconds} s) | "
                  f"{raw} | {scores[task]['coverage']:.3f} | {scores[task]['pearson']:.3f} | {cal.scale:.3g} | "
                  f"{seconds:.0f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ensemble", type=int, nargs="+", default=[1, 3], help="ensemble sizes K (default: 1 3)")
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    ap.add_argument("--films", type=int, nargs=2, default=[12, 4], metavar=("TRAIN", "TEST"),
                    help="generated films in the train and test rows (default: 12 4)")
    ap.add_argument("--seed", type=int, default=3, help="seed of the generated films (default: 3)")
    ap.add_argument("--skip-generated", action="store_true", help="skip (a)")
    ap.add_argument("--skip-liris", action="store_true", help="skip (b)")
    args = ap.parse_args()
    print(f"# bench_band: {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-band-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if not args.skip_generated:
        from videoaffect.datasets.synthetic.videos import write_manifest_dataset

        root = work / "generated"
        manifest = root / "manifest.csv"
        if not manifest.is_file():
            manifest = write_manifest_dataset(root, {"train": args.films[0], "test": args.films[1]},
                                              seconds=(60, 90), seed=args.seed)
        t1 = time.perf_counter()
        loaded = load_source(dataset=manifest, extraction=ExtractionRequest(store=work / "store"))
        print(f"(a) {sum(args.films)} generated films, default features extracted in {time.perf_counter() - t1:.0f} s")
        run_case("generated", loaded, "train", "test", args.ensemble, work, ["valence", "arousal"],
                 loaded.info.model_overrides)
    if not args.skip_liris:
        if not LIRIS.is_dir():
            print(f"(b) skipped: {LIRIS} is absent")
        else:
            loaded = load_source(dataset=LIRIS, extraction=ExtractionRequest(store=work / "liris-store"))
            train_split = loaded.info.train_split
            train_split = train_split if isinstance(train_split, str) else train_split[0]
            run_case("liris", loaded, train_split, "validation", args.ensemble, work, ["valence", "arousal"],
                     loaded.info.model_overrides)
    print(f"\nwall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
