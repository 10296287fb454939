"""``videoaffect benchmark liris-accede-discrete`` / ``liris-accede-continuous``: our methods against simple
references."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.vocabulary import METHODS, TASKS

# Mirror reproduction.liris_methods.METHODS / ALL_METHODS (a test checks them), written out here
# so that `--help` does not import torch.  Ours is the progressive method as `train` makes it;
# the blend is an analysis row that runs only when asked for.
REFERENCE_METHODS = ("svr", "ridge", "mean")
BENCHMARK_METHODS = (*METHODS, *REFERENCE_METHODS)
ANALYSIS_METHODS = ("blend",)


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
        "of MSE (1-5 scale) and Pearson r, mean ± std over seeds, with what each row trained, and whether ours "
        "beats each other row (difference paired by seed, 95 % interval from 2000 bootstrap resamples of the "
        "evaluated films; 'beats' only when it excludes 0).",
    )
    b.add_argument("root", type=Path, help="LIRIS-ACCEDE discrete root (ACCEDEranking.txt, ACCEDEsets.txt, and "
                   "ACCEDEfeatures*_TAC2015.txt and/or data/ACCEDE*.mp4 with ACCEDEdescription.xml)")
    b.add_argument("--json", type=Path, help="write every row (task, method, split, seed, mse, pearson, ...) "
                   "to this JSON file, updated after each run")
    b.add_argument("--markdown", type=Path, help="also write the summary table to this Markdown file")
    b.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds")
    b.add_argument("--methods", nargs="+", choices=[*BENCHMARK_METHODS, *ANALYSIS_METHODS],
                   default=list(BENCHMARK_METHODS),
                   help="methods to run (default: all but blend); progressive is ours, the model `videoaffect train "
                   "--method progressive` makes for the data (one model per task), which the verdicts compare with "
                   "every other row; joint / average: `train --method joint / average`; blend (analysis, not a "
                   "`train` method): 0.5 x progressive + 0.5 x ridge, reusing those rows' models")
    b.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS),
                   help="labels to predict (default: valence arousal)")
    b.add_argument("--fast", action="store_true", help="smoke test: 150 excerpts per set, first seed, "
                   "3-epoch tiny networks (numbers are not meaningful)")
    common.add_device(b)
    b.add_argument("--recipe", choices=["train", "small"], default="train",
                   help="TAC2015 rows: how the networks are trained: train (default) = as `videoaffect train` makes "
                   "them; small = the benchmark's own small network of 0.3.2-0.5.x (1 LSTM layer of 64, weight decay "
                   "1e-3; analysis rows, not ours)")
    b.add_argument("--validation-group", choices=["id-blocks", "excerpt"], default="id-blocks",
                   help="TAC2015 rows: what the networks' validation carve treats as one movie: blocks of ~60 "
                   "consecutive excerpt ids (a film proxy, as `train`) or single excerpts (leaks films)")
    b.add_argument("--features", nargs="+", choices=["tac2015", "videos", "both"],
                   help="rows to run: tac2015 (the feature files), videos (--feature-set extracted from the excerpt "
                   "videos in ROOT/data, films ordered by ACCEDEdescription.xml), both (the two together); default: "
                   "every source the root has")
    common.add_feature_set(b)
    b.add_argument("--store", type=Path, help="feature store for the excerpt videos (resumable; default: "
                   "$XDG_CACHE_HOME/videoaffect/features)")
    common.add_workers(b)
    b.set_defaults(func=run)
    _register_continuous(bsub, parents)


def _register_continuous(bsub, parents) -> None:
    c = bsub.add_parser(
        "liris-accede-continuous", parents=list(parents),
        help="LIRIS-ACCEDE continuous (features extracted from the films): our methods vs SVR, ridge and the mean",
        description="Train on the 'train' films of the layout's split (the fixed split, or ROOT/splits.csv) and "
        "evaluate every second of its 'test' films, for valence and arousal; print a Markdown table of MSE and "
        "Pearson r on the [-1, 1] scale, mean ± std over seeds, with what each row trained, and whether ours "
        "beats each other row (difference paired by seed, 95 % interval from 2000 bootstrap resamples of the "
        "evaluated films; 'beats' only when it excludes 0; no verdict with fewer than 6 films).",
    )
    c.add_argument("root", type=Path, help="LIRIS-ACCEDE continuous root (continuous-annotations/ and movies/ or "
                   "continuous-movies/)")
    c.add_argument("--json", type=Path, help="write every row (task, method, seed, mse, pearson, ...) to this JSON "
                   "file")
    c.add_argument("--markdown", type=Path, help="also write the summary table to this Markdown file")
    c.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds")
    c.add_argument("--methods", nargs="+", choices=list(BENCHMARK_METHODS), default=list(BENCHMARK_METHODS),
                   help="methods to run; progressive is ours (`videoaffect train --method progressive`), which the "
                   "verdicts compare with every other row")
    c.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS),
                   help="labels to predict (default: valence arousal)")
    c.add_argument("--fast", action="store_true", help="smoke test: first seed, 3-epoch tiny networks (numbers are "
                   "not meaningful)")
    common.add_device(c)
    common.add_feature_set(c)
    c.add_argument("--store", type=Path, help="feature store for the films (resumable; default: "
                   "$XDG_CACHE_HOME/videoaffect/features)")
    common.add_workers(c)
    c.add_argument("--skip-unmatched-films", action="store_true",
                   help="use the films that match their annotation files when some do not (default: an error naming "
                   "them)")
    c.set_defaults(func=run_continuous)


def run(args: argparse.Namespace) -> int:
    from videoaffect.core.files import atomic_write_text
    from videoaffect.reproduction.liris_benchmark import run_liris_benchmark
    from videoaffect.reproduction.liris_summary import format_summary

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
        overrides={"recipe": args.recipe} if args.recipe != "train" else None,
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


def run_continuous(args: argparse.Namespace) -> int:
    import json

    from videoaffect.core.errors import DataError
    from videoaffect.core.files import atomic_write_text
    from videoaffect.datasets.liris_accede.continuous import is_continuous_root
    from videoaffect.datasets.loading import SourceChoices, load_source
    from videoaffect.reproduction.continuous_benchmark import format_summary, rows_json, run_continuous_benchmark

    common.check_file_arg(args.json, "--json")
    common.check_file_arg(args.markdown, "--markdown")
    common.check_dir_arg(args.store, "--store")
    if not is_continuous_root(args.root):
        raise DataError(f"{args.root} is not a LIRIS-ACCEDE continuous folder (no continuous-annotations/ with "
                        "<Film>_Valence.txt / _Arousal.txt files); give the folder holding continuous-annotations/")
    echo = None if getattr(args, "verbosity", 0) < 0 else (lambda line: print(line, file=sys.stderr, flush=True))
    start = time.perf_counter()
    device = common.resolved_device(args)
    job = common.extraction_job(args, args.store or common.default_store())
    loaded = load_source(dataset=args.root, extraction=job,
                         choices=SourceChoices(skip_unmatched_films=args.skip_unmatched_films))
    corpus, info = loaded.corpus, loaded.info
    rows, evaluated = run_continuous_benchmark(
        corpus, common.split_movies(corpus, info.train_split), common.split_movies(corpus, info.test_split),
        seeds=tuple(args.seeds), methods=tuple(args.methods), tasks=tuple(args.tasks), fast=args.fast, device=device,
        dataset_settings=info.model_overrides, progress=echo)
    table = format_summary(rows, evaluated, info.name)
    print(table)
    print(f"\nwall time {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.markdown is not None:
        atomic_write_text(args.markdown, table + "\n")
    if args.json is not None:
        atomic_write_text(args.json, json.dumps({"dataset": info.name, "card": info.card, "rows": rows_json(rows)},
                                                indent=1))
        print(f"rows written to {args.json}", file=sys.stderr)
    return 0
