"""``videoaffect train``: valence and arousal models from a data set, into one model directory."""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from videoaffect.cli import common
from videoaffect.cli.options import add_config_options, build_config
from videoaffect.core.errors import ConfigError, DataError
from videoaffect.core.locks import LOCK_NAME
from videoaffect.core.vocabulary import BAND_RULES, DEFAULT_BAND_RULE, DEFAULT_ENSEMBLE, TASKS
from videoaffect.models.config import ModelConfig, TrainConfig

log = logging.getLogger("videoaffect")

SPLIT_HELP = ("default: the dataset's own training split — MediaEval 2018 dev (00-53); a manifest's 'train' "
              "rows; LIRIS-ACCEDE discrete's protocol sets; LIRIS-ACCEDE continuous's 'train' films "
              "(docs/datasets.md); a corpus's 'train'")


def add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model (paper section 3.2; sizes the paper omits are our defaults)")
    g.add_argument("--task", choices=["both", *TASKS], default="both",
                   help="label(s) to predict; both writes the two task models into one model directory")
    g.add_argument("--modalities", help="comma-separated modalities to use (default: all in the data); the paper "
                   "uses audio,scene,expression for valence and audio,scene,action for arousal")
    add_config_options(g, ModelConfig)
    g.add_argument("--ema-beta", default="auto",
                   help="arousal EMA decay per clip (eq. 2; the paper's best is 0.98 on its clips, a time constant "
                   "tau = -clip_seconds / ln(beta) of about 8 min on 10-s clips), 'none' for no smoothing, or "
                   "'auto' (default): choose the time constant (none included) and the zero-lag variant on the "
                   "validation movies")
    g.add_argument("--keep-context", action="store_true",
                   help="always keep the valence inter-clip BiLSTM (the paper); by default it is kept only when it "
                   "beats the intra-clip curve on the validation movies")
    g.add_argument("--clip-stride", type=common.positive_int, default=1,
                   help="clip stride (s) at which validation curves are scored and 'auto' smoothing is chosen: the "
                   "stride `predict` uses by default (the clip length = the paper's non-overlapping clips)")


def add_ensemble_option(g) -> None:
    g.add_argument("--ensemble", type=common.positive_int, default=DEFAULT_ENSEMBLE, metavar="K",
                   help="train K models per task that differ only in their seed (same training and validation "
                   "movies), choose their settings once on their mean, and predict that mean; costs K times the "
                   f"training time (default {DEFAULT_ENSEMBLE}; 3 members with --band member-spread gave a slightly "
                   "better-calibrated band for about 2.5-3x the training, docs/benchmarks/band.md)")
    g.add_argument("--band", choices=BAND_RULES, default=DEFAULT_BAND_RULE,
                   help="how the confidence band (<task>_low/_high, a central 80%% interval calibrated on the "
                   "validation movies) is computed: residual-quantile (a constant width from the pooled validation "
                   "seconds), conformal-by-movie (a constant width, each validation movie weighing the same, with "
                   "the split-conformal correction), member-spread (K >= 2: the members' disagreement, scaled); "
                   f"default {DEFAULT_BAND_RULE} (docs/usage.md, 'The confidence band')")


def add_train_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("training (paper section 3.3)")
    add_config_options(g, TrainConfig)
    add_ensemble_option(g)
    r = p.add_argument_group("running")
    common.add_device(r)
    common.add_threads(r)
    common.add_progress(r)


def register(sub, parents) -> None:
    p = sub.add_parser("train", parents=parents,
                       help="train valence and arousal models from a dataset (videos, features or a corpus) into one "
                       "model directory")
    common.add_data_options(p, split_help=SPLIT_HELP)
    add_model_options(p)
    add_train_options(p)
    p.add_argument("--out", type=Path, required=True, help="model directory to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing, non-empty --out")
    p.set_defaults(func=run)


def ema_value(text: str) -> float | None:
    """--ema-beta as a number; None for 'auto' (chosen on validation movies)."""
    if text == "auto":
        return None
    if text == "none":
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"--ema-beta {text!r}: give auto, none or a number in [0, 1)") from None
    if not 0.0 <= value < 1.0:
        raise ConfigError(f"--ema-beta {text!r}: give auto, none or a number in [0, 1)")
    return value


def model_config(args: argparse.Namespace, corpus, task: str) -> ModelConfig:
    names = tuple(s.strip() for s in (args.modalities or "").split(",") if s.strip()) or tuple(corpus.specs)
    missing = [n for n in names if n not in corpus.specs]
    if missing:
        raise ConfigError(f"--modalities: {missing} are not in the data; it has {sorted(corpus.specs)}")
    beta = ema_value(args.ema_beta)
    return build_config(ModelConfig, args, modalities=tuple(corpus.specs[n] for n in names), task=task,
                        **({} if beta is None else {"ema_beta": beta}))


def _entries(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name != LOCK_NAME] if out.is_dir() else []


def check_before_work(args: argparse.Namespace) -> None:
    common.check_one_source(args)
    common.check_scheduler(args)
    common.check_out_dir(args.out)
    beta = ema_value(args.ema_beta)
    # Every option is checked before any data are loaded; the modalities need the data.
    build_config(ModelConfig, args, task=common.tasks_of(args.task)[0], **({} if beta is None else {"ema_beta": beta}))
    build_config(TrainConfig, args)
    if getattr(args, "band", None) == "member-spread" and args.ensemble < 2:
        raise ConfigError("--band member-spread needs --ensemble 2 or more (it scales the members' disagreement); "
                          "use --band residual-quantile or conformal-by-movie with one model")


def clear_out(out: Path) -> None:
    for entry in _entries(out):
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from videoaffect.cli.tables import metrics_table
    from videoaffect.core.locks import OutputLock
    from videoaffect.datasets.loading import training_data_card
    from videoaffect.models.model_directory import FeatureRecord
    from videoaffect.training.whole_model import train_bundle

    check_before_work(args)
    store = (getattr(args, "store", None) or common.default_store()) if getattr(args, "dataset", None) else None
    with common.removed_on_failure(args.out, store), OutputLock(args.out, "train"):
        # inside the lock, so that a folder another process is training into says so
        if _entries(args.out) and not args.overwrite:
            raise ConfigError(f"--out {args.out} exists and is not empty; choose another --out or pass --overwrite")
        loaded = common.load_data(args)
        corpus, info = loaded.corpus, loaded.info
        tasks = common.tasks_of(args.task)
        mc = model_config(args, corpus, tasks[0])
        tc = build_config(TrainConfig, args)
        if info.model_overrides:
            mc = replace(mc, **info.model_overrides)
            log.info("dataset settings: %s", info.model_overrides)
        split = args.split or info.train_split
        movies = common.split_movies(corpus, split)
        for task in tasks:
            unlabelled = [corpus.movie_ids[m] for m in movies if not corpus.has_labels(task, [m])]
            if unlabelled:
                other = next(t for t in TASKS if t != task)
                raise DataError(
                    f"{len(unlabelled)} training movies ({common.split_text(split)}) have no {task} labels, e.g. "
                    f"{unlabelled[0]!r}; pass --task {other} to train without {task}, or label them"
                )
        clear_out(args.out)
        record = FeatureRecord.from_dict(info.features or {"feature_set": None})
        meta = {"dataset": info.name, "train_split": split, "tasks": tasks,
                "training_data": training_data_card(loaded, movies, split)}
        beta = ema_value(args.ema_beta)
        try:
            bundle, metrics = train_bundle(
                corpus, movies, mc, tc, args.out, tasks=tasks, ema="auto" if beta is None else mc.ema_beta,
                clip_stride=args.clip_stride, features=record, info=meta, echo=getattr(args, "verbosity", 0) >= 0,
                select_context=not args.keep_context, run=common.run_settings(args), ensemble=args.ensemble,
                band_rule=args.band,
            )
        except BaseException:
            clear_out(args.out)  # no half-written model directory is left behind
            raise
    print(f"model written to {args.out} (tasks: {', '.join(bundle.tasks)}; trained on {len(movies)} movies of "
          f"{info.name}, split {common.split_text(split)}; {args.ensemble} ensemble member(s) per task)")
    if bundle.generated:
        from videoaffect.models.card import GENERATED_WARNING

        print(f"note: this model is {GENERATED_WARNING} (its card and every prediction output say so)")
    rows = []
    for task, model in bundle.tasks.items():
        if model.ranking.get("order"):
            print(f"{task}: stage-1 ranking: {model.ranking_text()}")
        print(f"{task}: temporal context: {model.smoothing_text()}; overlapping clips: {model.combination_text()}"
              + (f" (chosen once on the mean of the {model.size} members)" if model.size > 1 else ""))
        scored = "" if model.size == 1 else f" (mean of {model.size} members)"
        rows.append((f"{task} validation{scored}, paper clips", metrics[task]["validation"]))
        stride_key = next((k for k in metrics[task] if k.startswith("validation_stride")), None)
        if stride_key:
            rows.append((f"{task} validation{scored}, stride {args.clip_stride}", metrics[task][stride_key]))
    print(metrics_table(rows))
    for task, band in bundle.bands.items():
        print(f"{task}: band: {band.describe(bundle.half_range())}")
        for warning in band.warnings():
            print(f"warning: {task} band: {warning}")
    return 0
