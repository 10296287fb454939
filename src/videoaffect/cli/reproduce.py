"""``videoaffect reproduce``: the paper's tables and figures on a data set."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.errors import ConfigError


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _parse_options(items: Sequence[str] | None, what: str) -> dict:
    out = {}
    for item in items or ():
        if "=" not in item:
            raise ConfigError(f"--{what} {item!r}: write KEY=VALUE, e.g. hidden_size=64")
        key, value = item.split("=", 1)
        out[key.strip().replace("-", "_")] = _parse_value(value.strip())
    return out


def _parse_csv(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


def _seeds(text: str | None) -> list[int]:
    try:
        return [int(s) for s in _parse_csv(text)]
    except ValueError:
        raise ConfigError(f"--seeds {text!r}: give comma-separated whole numbers, e.g. 0,1,2") from None


def run(args: argparse.Namespace) -> int:
    from videoaffect.core.locks import OutputLock

    common.check_one_source(args)
    common.check_out_dir(args.out)
    common.check_dir_arg(args.store, "--store")
    seeds = _seeds(args.seeds) or ([0] if args.fast else [0, 1, 2])
    # Held before the data are loaded, so a second command on the same --out fails at once
    # (run_reproduction takes the same lock again, re-entrantly).
    with OutputLock(args.out, "reproduce"):
        return _run_locked(args, seeds)


def _run_locked(args: argparse.Namespace, seeds: list[int]) -> int:
    from videoaffect.datasets.loading import SourceChoices, is_liris_root, load_source
    from videoaffect.reproduction.reproduce import (
        FAST_MODEL_OVERRIDES,
        FAST_TRAIN_OVERRIDES,
        parse_modality_map,
        run_reproduction,
    )

    extraction = choices = None
    if args.dataset is not None:
        extraction = common.extraction_job(args, args.store or (Path(args.out) / "features"))
        # LIRIS-ACCEDE's tables (5 included) are on the TAC2015 files' excerpt protocol, videos or not.
        choices = SourceChoices(features="provided" if is_liris_root(args.dataset) else "auto",
                                skip_unmatched_films=args.skip_unmatched_films)
    loaded = load_source(dataset=args.dataset, corpus=args.corpus, synthetic=args.synthetic, extraction=extraction,
                         choices=choices)
    corpus, info = loaded.corpus, loaded.info
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
    classification = info.classification
    class_labels = loaded.class_labels
    if class_labels is not None:
        # the data set's own classes, with their own cut points, replace cut labels
        classification = None
        info = dataclasses.replace(info, class_source=class_labels.source)
    elif classification is None and info.classification_by_task:
        classification = {"by_task": info.classification_by_task}
    if args.classification is not None:
        # the user's cut points apply to the labels, so a data set's own classes step aside
        class_labels = None
        try:
            cuts = [float(x) for x in _parse_csv(args.classification)]
        except ValueError:
            raise ConfigError(f"--classification {args.classification!r}: give comma-separated numbers") from None
        classification = {"num_classes": len(cuts) + 1, "class_thresholds": cuts}
        info = dataclasses.replace(info, class_source=f"the labels cut at {cuts} (--classification)")
    modality_map = {**info.modality_map, **parse_modality_map(args.modality_map)}

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
        train_split=_parse_csv(args.train_split) or info.train_split,
        test_split=_parse_csv(args.test_split) or info.test_split,
        classification=classification,
        class_labels=class_labels,
        progress=say if getattr(args, "verbosity", 0) >= 0 else None,
        figures=not args.no_figures,
        embedding=args.embedding,
        dataset_info=info,
        run=common.run_settings(args),
    )
    print(f"{len(result.trained)} trainings run, {len(result.loaded)} runs resumed from {args.out / 'runs'}")
    for f in result.files:
        print(f"wrote {f}")
    for f in result.figures:
        print(f"wrote {f}")
    return 0


def register(sub, parents=()) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "reproduce", parents=list(parents),
        help="run the paper's experiments (tables 1-5, figures) with the paper's numbers alongside",
        description="Train and evaluate every configuration of the paper's tables on a dataset, over "
        "several seeds, and write tableN.md/tableN.json, summary.md, config.json, runs/, models/ and "
        "figures/ to --out. Rerunning the same command resumes: finished runs are not redone.",
    )
    g = p.add_argument_group("data (give exactly one of --dataset / --corpus / --synthetic)")
    # a required group, as for train: usage shows the choice as required and argparse names it when missing
    source = g.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", type=Path, help="dataset root (MediaEval 2018, LIRIS-ACCEDE discrete or "
                        "LIRIS-ACCEDE continuous layout) or a CSV manifest")
    source.add_argument("--corpus", type=Path, help="a corpus directory (corpus.json + movies/*.npz)")
    source.add_argument("--synthetic", choices=common.SYNTHETIC_PRESETS,
                        help="a synthetic corpus (for trying the command; it has no action modality)")
    g.add_argument("--store", type=Path,
                   help="--dataset with videos: feature store to extract into / read from (default: OUT/features)")
    common.add_feature_set(g, " (--dataset with videos)")
    common.add_workers(g, "--dataset with videos: parallel extraction processes")
    g.add_argument("--skip-unmatched-films", action="store_true",
                   help="LIRIS-ACCEDE continuous: use the films that match their annotation files when some do not "
                   "(default: an error naming them)")
    g.add_argument("--train-split",
                   help="comma-separated split names to train on (default: the dataset's, else 'train')")
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
    common.add_device(p)
    common.add_threads(p)
    p.add_argument("--embedding", choices=["auto", "tsne", "pca"], default="auto",
                   help="2-D embedding of figure 3: t-SNE (scikit-learn) or PCA; auto = t-SNE when available")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    common.add_progress(p)
    # 0.2 spelling of -q for this command, kept working but not advertised
    p.add_argument("--quiet-runs", dest="verbosity", action="store_const", const=-1, default=argparse.SUPPRESS,
                   help=argparse.SUPPRESS)
    p.set_defaults(func=run)
    return p
