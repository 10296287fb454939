"""``videoaffect benchmark liris-accede-discrete``: our methods against simple references."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.vocabulary import METHODS, TASKS

# Mirrors reproduction.liris_benchmark.METHODS (a test checks it), written out here so that
# `--help` does not import torch.  "blend" (progressive + ridge) is ours since 0.5.0.
REFERENCE_METHODS = ("svr", "ridge", "mean")
BENCHMARK_METHODS = ("blend", *METHODS, *REFERENCE_METHODS)


def register(sub, parents=()) -> None:
    p = sub.add_parser("benchmark", parents=list(parents),
                       help="benchmarks on real data sets (see `videoaffect benchmark -h`)")
    bsub = p.add_subparsers(dest="benchmark_command", required=True, metavar="BENCHMARK")
    b = bsub.add_parser(
        "liris-accede-discrete", parents=list(parents),
        help="LIRIS-ACCEDE discrete (TAC2015 features and/or features extracted from the excerpt videos): our "
        "methods vs SVR, ridge and the mean",
        description="Train on set 1 and evaluate on set 2 (or, when ACCEDEsets.txt has a test set 0, "
        "train on sets 1+2 and test on set 0), for valence and arousal; print a Markdown table "
        "of MSE (1-5 scale) and Pearson r, mean ± std over seeds.",
    )
    b.add_argument("root", type=Path, help="LIRIS-ACCEDE discrete root (ACCEDEranking.txt, ACCEDEsets.txt, and "
                   "ACCEDEfeatures*_TAC2015.txt and/or data/ACCEDE*.mp4 with ACCEDEdescription.xml)")
    b.add_argument("--json", type=Path, help="write every row (task, method, split, seed, mse, pearson, ...) "
                   "to this JSON file, updated after each run")
    b.add_argument("--markdown", type=Path, help="also write the summary table to this Markdown file")
    b.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds")
    b.add_argument("--methods", nargs="+", choices=list(BENCHMARK_METHODS), default=list(BENCHMARK_METHODS),
                   help="methods to run (default: all); blend = 0.5 x progressive + 0.5 x ridge, ours, the one the "
                   "verdicts compare with every other (it reuses the progressive and ridge rows' models)")
    b.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS),
                   help="labels to predict (default: valence arousal)")
    b.add_argument("--fast", action="store_true", help="smoke test: 150 excerpts per set, first seed, "
                   "3-epoch tiny networks (numbers are not meaningful)")
    common.add_device(b)
    b.add_argument("--validation-group", choices=["id-blocks", "excerpt"], default="id-blocks",
                   help="TAC2015 rows: what our training pipeline's validation carve treats as one movie: blocks of "
                   "~60 consecutive excerpt ids (a film proxy) or single excerpts (leaks films)")
    b.add_argument("--features", nargs="+", choices=["tac2015", "videos", "both"],
                   help="rows to run: tac2015 (the feature files), videos (--feature-set extracted from the excerpt "
                   "videos in ROOT/data, films ordered by ACCEDEdescription.xml), both (the two together); default: "
                   "every source the root has")
    common.add_feature_set(b)
    b.add_argument("--store", type=Path, help="feature store for the excerpt videos (resumable; default: "
                   "$XDG_CACHE_HOME/videoaffect/features)")
    common.add_workers(b)
    b.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoaffect.core.files import atomic_write_text
    from videoaffect.reproduction.liris_benchmark import format_summary, run_liris_benchmark

    common.check_file_arg(args.json, "--json")
    common.check_file_arg(args.markdown, "--markdown")
    common.check_dir_arg(args.store, "--store")
    echo = None if getattr(args, "verbosity", 0) < 0 else (lambda line: print(line, file=sys.stderr, flush=True))
    start = time.perf_counter()
    rows = run_liris_benchmark(
        args.root,
        seeds=tuple(args.seeds),
        json_out=args.json,
        methods=tuple(args.methods),
        tasks=tuple(args.tasks),
        fast=args.fast,
        device=common.resolved_device(args),
        progress=echo,
        group=args.validation_group,
        features=tuple(args.features) if args.features else None,
        store=args.store or common.default_store(),
        feature_set=args.feature_set,
        workers=args.workers,
    )
    table = format_summary(rows)
    print(table)
    print(f"\nwall time {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.markdown is not None:
        atomic_write_text(args.markdown, table + "\n")
    if args.json is not None:
        print(f"rows written to {args.json}", file=sys.stderr)
    return 0
