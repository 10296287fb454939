"""``videoaffect reproduce``: the paper's tables and figures on a data set."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from videoaffect.models.config import RunSettings
from videoaffect.reproduction.reproduce import (
    FAST_MODEL_OVERRIDES,
    FAST_TRAIN_OVERRIDES,
    ReproductionError,
    parse_modality_map,
    run_reproduction,
)


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _parse_options(items: Sequence[str] | None, what: str) -> dict:
    out = {}
    for item in items or ():
        if "=" not in item:
            raise ReproductionError(f"--{what} {item!r}: write KEY=VALUE, e.g. hidden_size=64")
        key, value = item.split("=", 1)
        out[key.strip().replace("-", "_")] = _parse_value(value.strip())
    return out


def _parse_csv(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


def _load_input(args):
    from videoaffect.datasets.loading import ExtractionRequest, load_source

    extraction = ExtractionRequest(store=args.store or (Path(args.out) / "features"), feature_set=args.feature_set,
                                   workers=args.workers, device=args.device,
                                   progress=not args.no_progress and sys.stderr.isatty())
    loaded = load_source(dataset=args.dataset, corpus=args.corpus, synthetic=args.synthetic, extraction=extraction)
    return loaded.corpus, loaded.info


def cmd_reproduce(args) -> int:
    corpus, info = _load_input(args)
    model_overrides = {
        **(FAST_MODEL_OVERRIDES if args.fast else {}),
        **info.model_overrides,
        **_parse_options(args.model_option, "model-option"),
    }
    train_overrides = {
        **(FAST_TRAIN_OVERRIDES if args.fast else {}),
        **info.train_overrides,
        **_parse_options(args.train_option, "train-option"),
    }
    run = RunSettings(device=args.device, num_threads=args.threads,
                      progress=not args.no_progress and sys.stderr.isatty())
    seeds = [int(s) for s in _parse_csv(args.seeds)] or ([0] if args.fast else [0, 1, 2])
    classification = info.classification
    if classification is None and info.classification_by_task:
        classification = {"by_task": info.classification_by_task}
    if args.classification is not None:
        cuts = [float(x) for x in _parse_csv(args.classification)]
        classification = {"num_classes": len(cuts) + 1, "class_thresholds": cuts}
    modality_map = {**info.modality_map, **parse_modality_map(args.modality_map)}
    train_split = _parse_csv(args.train_split) or info.train_split
    test_split = _parse_csv(args.test_split) or info.test_split

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    result = run_reproduction(
        corpus,
        args.out,
        seeds=seeds,
        model_overrides=model_overrides,
        train_overrides=train_overrides,
        tables=_parse_csv(args.tables) or None,
        modality_map=modality_map,
        train_split=train_split,
        test_split=test_split,
        classification=classification,
        progress=None if args.quiet_runs else say,
        figures=not args.no_figures,
        embedding=args.embedding,
        dataset_info=info,
        run=run,
    )
    print(f"{len(result.trained)} trainings run, {len(result.loaded)} runs resumed from {args.out / 'runs'}")
    for f in result.files:
        print(f"wrote {f}")
    for f in result.figures:
        print(f"wrote {f}")
    return 0


def register(sub) -> argparse.ArgumentParser:
    """Add ``videoaffect reproduce`` to an argparse subparsers object.

    ``load_dataset(root) -> (corpus, info)`` serves ``--dataset ROOT``; ``info`` keys are listed
    in ``DATASET_INFO_KEYS`` (all optional).  Without it, ``--dataset`` reports that no loader is
    wired and ``--corpus`` / ``--synthetic`` still work."""
    p = sub.add_parser(
        "reproduce",
        help="run the paper's experiments (tables 1-5, figures) with the paper's numbers alongside",
        description="Train and evaluate every configuration of the paper's tables on a dataset, over "
        "several seeds, and write tableN.md/tableN.json, summary.md, config.json, runs/, models/ and "
        "figures/ to --out. Rerunning the same command resumes: finished runs are not redone.",
    )
    g = p.add_argument_group("data (give exactly one)")
    g.add_argument("--dataset", type=Path, help="dataset root (MediaEval 2018 or LIRIS-ACCEDE discrete layout)")
    g.add_argument("--corpus", type=Path, help="a corpus directory (corpus.json + movies/*.npz)")
    g.add_argument("--synthetic", choices=["tiny", "small", "mediaeval"],
                   help="a synthetic corpus (for trying the command; it has no action modality)")
    g.add_argument("--store", type=Path,
                   help="--dataset with videos: feature store to extract into / read from (default: OUT/features)")
    g.add_argument("--feature-set", default="default",
                   help="--dataset with videos: feature set to extract (default, paper, or module:function)")
    g.add_argument("--workers", type=int, default=1, help="--dataset with videos: parallel extraction processes")
    g.add_argument("--train-split", help="comma-separated split names to train on (default: the dataset's, else 'train')")
    g.add_argument("--test-split", help="comma-separated split names to test on (default: the dataset's, else 'test')")
    p.add_argument("--out", type=Path, required=True, help="output directory (reuse it to resume)")
    p.add_argument("--seeds", help="comma-separated training seeds (default 0,1,2; 0 with --fast)")
    p.add_argument("--tables", help="comma-separated tables to run, from 1,2,3,4,5 (default 1,2,3,4, plus 5 "
                   "when the dataset has class labels or --classification is given)")
    p.add_argument("--fast", action="store_true",
                   help="tiny networks and 3 epochs per stage (smoke test; numbers mean nothing)")
    p.add_argument("--modality-map", action="append", metavar="PAPER=CORPUS",
                   help="map a paper modality (audio, scene, expression, action) to a corpus modality, "
                   "e.g. action=motion, or to none; repeatable or comma-separated (default: same name, "
                   "action falls back to motion)")
    p.add_argument("--classification", metavar="T1,T2",
                   help="also run table 5 with classes cut at these thresholds on the [-1, 1] label scale")
    p.add_argument("--model-option", action="append", metavar="KEY=VALUE",
                   help="ModelConfig field for every model, e.g. hidden_size=64 or clip_seconds=5 (JSON values)")
    p.add_argument("--train-option", action="append", metavar="KEY=VALUE",
                   help="TrainConfig field for every training, e.g. max_epochs=50 (JSON values)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    p.add_argument("--embedding", choices=["auto", "tsne", "pca"], default="auto",
                   help="2-D embedding of figure 3: t-SNE (scikit-learn) or PCA; auto = t-SNE when available")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--quiet-runs", action="store_true", help="no per-training progress lines on stderr")
    p.set_defaults(func=cmd_reproduce)
    return p
