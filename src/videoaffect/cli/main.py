"""Command-line interface: ``videoaffect synth | train | evaluate | predict | demo`` (and the feature,
reproduction and benchmark commands registered from their modules)."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path

from videoaffect.core.files import atomic_write_text
from videoaffect.datasets.corpus import Corpus, CorpusError
from videoaffect.datasets.synthetic.features import generate, preset
from videoaffect.evaluation.evaluate import evaluate_model, summary_row
from videoaffect.models.affect_model import ModelLoadError
from videoaffect.models.config import ConfigError, ModelConfig, RunSettings, TrainConfig
from videoaffect.training.fit import TrainingError

log = logging.getLogger("videoaffect")


# ---------------------------------------------------------------------- shared options
def _add_data_options(p: argparse.ArgumentParser, split_default: str | None, dataset: bool = False) -> None:
    what = "--dataset / --corpus / --synthetic" if dataset else "--corpus / --synthetic"
    g = p.add_argument_group(f"data (give exactly one of {what})")
    if dataset:
        g.add_argument(
            "--dataset",
            type=Path,
            help="dataset root or manifest, any layout `reproduce --dataset` recognises: MediaEval 2018 "
            "(videos or provided features), LIRIS-ACCEDE discrete, or a CSV manifest of videos + per-second "
            "label files (columns video,labels[,split,movie_id]), or a corpus directory; videos are "
            "extracted into --store",
        )
    g.add_argument("--corpus", type=Path, help="corpus directory (corpus.json + movies/*.npz)")
    g.add_argument(
        "--synthetic",
        choices=["tiny", "small", "mediaeval"],
        help="generate a synthetic corpus in memory instead (see `videoaffect synth --help`)",
    )
    g.add_argument("--synthetic-seed", type=int, default=0, help="seed of the synthetic corpus (default 0)")
    default_text = (
        f"default {split_default!r}" if split_default else
        "default: the dataset's own split — MediaEval 2018 dev (00-53) for training, test (54-65) for "
        "evaluation; a manifest's 'train' / 'test' rows; LIRIS-ACCEDE's protocol sets; a corpus's 'train' / 'test'"
    )
    g.add_argument(
        "--split",
        default=split_default,
        help=f"which movies to use, by split name; comma-separate several ({default_text})",
    )
    if dataset:
        g.add_argument(
            "--store",
            type=Path,
            help="feature store for videos (resumable: finished movies are not extracted again; default "
            f"{default_store()})",
        )
        g.add_argument(
            "--feature-set",
            default="default",
            help="feature set to extract from videos: default (offline), paper (weights you supply) or "
            "package.module:function (default 'default'; `evaluate` takes the model's)",
        )
        g.add_argument("--workers", type=int, default=1, help="parallel extraction processes (default 1)")


def default_store() -> Path:
    """Where `train` / `evaluate --dataset` keep extracted features unless --store says otherwise:
    a per-user cache, shared between runs (stale files are recognised by provenance and the
    video's sha256, and redone)."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "videoaffect" / "features"


def _load_data(args, feature_set: str | None = None) -> tuple[Corpus, dict]:
    """(corpus, info) from --dataset, --corpus or --synthetic."""
    given = [n for n in ("dataset", "corpus", "synthetic") if getattr(args, n, None) is not None]
    if len(given) != 1:
        options = "--dataset ROOT, --corpus DIR or --synthetic PRESET" if hasattr(args, "dataset") else \
            "--corpus DIR or --synthetic PRESET"
        raise CorpusError(f"give exactly one of {options}")
    if given[0] == "dataset" and (Path(args.dataset) / "corpus.json").is_file():
        args.corpus, given = Path(args.dataset), ["corpus"]  # a corpus directory given as --dataset
    if given[0] == "dataset":
        from videoaffect.datasets.loading import ExtractionRequest, load_dataset

        ns = ExtractionRequest(
            store=args.store or default_store(),
            feature_set=feature_set or args.feature_set,
            workers=args.workers,
            device=getattr(args, "device", "cpu"),
            progress=not (getattr(args, "no_progress", False) or not sys.stderr.isatty()),
        )
        loaded = load_dataset(Path(args.dataset), ns)
        info = loaded.info.to_dict()
        return loaded.corpus, {"dataset": info["name"], **info}
    if given[0] == "corpus":
        corpus = Corpus.load(args.corpus)
        return corpus, {"dataset": f"corpus {args.corpus}", "train_split": "train", "test_split": "test",
                        "features": {"feature_set": None, "description": f"features of the corpus {args.corpus}"}}
    corpus = generate(preset(args.synthetic, seed=args.synthetic_seed))
    return corpus, {"dataset": f"synthetic preset {args.synthetic!r}", "train_split": "train", "test_split": "test",
                    "features": {"feature_set": None, "description": "synthetic features"}}


def _load_corpus(args) -> Corpus:
    return _load_data(args)[0]


def _split_text(split) -> str:
    return split if isinstance(split, str) else "+".join(split)


def _split_movies(corpus: Corpus, split) -> list[int]:
    names = [split] if isinstance(split, str) else list(split)
    names = [n.strip() for part in names for n in part.split(",") if n.strip()]
    return sorted({m for n in names for m in corpus.movies_in_split(n)})


def _add_model_options(p: argparse.ArgumentParser) -> None:
    d = ModelConfig()
    g = p.add_argument_group("model (paper section 3.2; sizes the paper omits are our defaults)")
    g.add_argument(
        "--task",
        choices=["valence", "arousal", "both"],
        default="both",
        help="label(s) to predict; both (default) writes the two task models into one model directory",
    )
    g.add_argument(
        "--modalities",
        help="comma-separated modalities to use (default: all in the corpus); the paper uses "
        "audio,scene,expression for valence and audio,scene,action for arousal",
    )
    g.add_argument(
        "--output",
        choices=["regression", "classification"],
        default=d.output,
        help="regression (FC + tanh) or the classification variant (softmax over --num-classes)",
    )
    g.add_argument("--num-classes", type=int, default=d.num_classes, help="classes of the classification variant")
    g.add_argument(
        "--class-thresholds",
        default=",".join(f"{t:.6g}" for t in d.class_thresholds),
        help="ascending cut points on the [-1, 1] scale that turn clip targets into classes",
    )
    g.add_argument(
        "--clip-seconds",
        type=int,
        default=d.clip_seconds,
        help="clip length in seconds (paper does not state it; 10 is our assumption). A movie's "
        "last, shorter clip is kept at its true length",
    )
    g.add_argument("--hidden-size", type=int, default=d.hidden_size, help="intra-clip LSTM size per direction")
    g.add_argument("--head-hidden", type=int, default=d.head_hidden, help="width of FC1 (the clip embedding)")
    g.add_argument("--dropout", type=float, default=d.dropout, help="dropout between LSTM layers")
    g.add_argument(
        "--context",
        choices=["auto", "lstm", "ema", "none"],
        default=d.context,
        help="inter-clip context: auto = BiLSTM over clips for valence, EMA for arousal",
    )
    g.add_argument("--context-clips", type=int, default=d.context_clips, help="L, clips per inter-clip window")
    g.add_argument("--context-hidden", type=int, default=d.context_hidden, help="inter-clip LSTM size per direction")
    g.add_argument(
        "--ema-beta",
        default="auto",
        help="arousal EMA decay per clip (eq. 2; the paper's best is 0.98 on its clips, a time constant "
        "tau = -clip_seconds / ln(beta) of about 8 min on 10-s clips), 'none' for no smoothing, or 'auto' "
        "(default): choose the time constant (none included) and the zero-lag variant on the validation movies",
    )
    g.add_argument(
        "--ema-zero-lag",
        action="store_true",
        help="run the EMA forward then backward (no delay); 'auto' decides this itself",
    )
    g.add_argument(
        "--keep-context",
        action="store_true",
        help="always keep the valence inter-clip BiLSTM (the paper); by default it is kept only when it "
        "beats the intra-clip curve on the validation movies",
    )
    g.add_argument(
        "--clip-stride",
        type=int,
        default=1,
        help="clip stride (s) at which validation curves are scored and 'auto' smoothing is chosen: "
        "the stride `predict` uses by default (default 1; the clip length = the paper's non-overlapping clips)",
    )
    g.add_argument(
        "--ema-init",
        choices=["first", "zero"],
        default=d.ema_init,
        help="EMA start: 'first' = first clip's own prediction, 'zero' = 0",
    )


def _add_train_options(p: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    g = p.add_argument_group("training (paper section 3.3)")
    g.add_argument(
        "--method",
        choices=["progressive", "joint", "average"],
        default=d.method,
        help="progressive = residual progressive training (paper); joint = Baseline 1; "
        "average = Baseline 2 (modality-specific models averaged)",
    )
    g.add_argument("--seed", type=int, default=d.seed, help="random seed (same seed, same CPU run, same metrics)")
    g.add_argument("--batch-size", type=int, default=d.batch_size, help="clips per batch")
    g.add_argument("--lr", type=float, default=d.lr, help="Adam learning rate")
    g.add_argument("--weight-decay", type=float, default=d.weight_decay, help="Adam weight decay")
    g.add_argument("--max-epochs", type=int, default=d.max_epochs, help="epoch limit per stage")
    g.add_argument("--patience", type=int, default=d.patience, help="early stopping: epochs without improvement")
    g.add_argument(
        "--min-delta", type=float, default=d.min_delta, help="smallest validation-loss drop that counts as improvement"
    )
    g.add_argument(
        "--finetune-lr-scale", type=float, default=d.finetune_lr_scale, help="learning-rate factor of the final fine-tune"
    )
    g.add_argument(
        "--val-fraction", type=float, default=d.val_fraction, help="fraction of training movies held out for validation"
    )
    g.add_argument("--rank-metric", choices=["pearson", "mse"], default=d.rank_metric, help="stage-1 ranking metric")
    g.add_argument(
        "--stage2-init",
        choices=["stage1", "fresh"],
        default=d.stage2_init,
        help="initialise stage-2 LSTMs from stage 1 or from scratch",
    )
    g.add_argument("--modality-order", help="comma-separated fixed stage-2 order instead of the stage-1 ranking")
    g.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (CUDA when present)")
    g.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    g.add_argument("--no-progress", action="store_true", help="no progress bars")


def _ema_value(text: str, d_beta: float) -> float:
    """--ema-beta as a number ('auto' gives the paper's value as a placeholder until chosen)."""
    if text == "auto":
        return d_beta
    if text == "none":
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"--ema-beta {text!r}: give auto, none or a number in [0, 1)") from None
    if not 0.0 <= value < 1.0:
        raise ConfigError(f"--ema-beta {text!r}: give auto, none or a number in [0, 1)")
    return value


def _csv_list(text: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip()) if text else ()


def _configs(args, corpus: Corpus) -> tuple[ModelConfig, TrainConfig]:
    names = _csv_list(args.modalities) or tuple(corpus.specs)
    missing = [n for n in names if n not in corpus.specs]
    if missing:
        raise CorpusError(f"modalities {missing} are not in the corpus; it has {sorted(corpus.specs)}")
    mc = ModelConfig(
        modalities=tuple(corpus.specs[n] for n in names),
        task="valence" if args.task == "both" else args.task,
        output=args.output,
        num_classes=args.num_classes,
        class_thresholds=tuple(float(x) for x in _csv_list(args.class_thresholds)),
        clip_seconds=args.clip_seconds,
        hidden_size=args.hidden_size,
        head_hidden=args.head_hidden,
        dropout=args.dropout,
        context=args.context,
        context_clips=args.context_clips,
        context_hidden=args.context_hidden,
        ema_beta=_ema_value(args.ema_beta, d_beta=0.98),
        ema_init=args.ema_init,
        ema_zero_lag=args.ema_zero_lag,
    )
    tc = TrainConfig(
        method=args.method,
        seed=args.seed,
        batch_size=args.batch_size,
        lr=args.lr,
        weight_decay=args.weight_decay,
        max_epochs=args.max_epochs,
        patience=args.patience,
        min_delta=args.min_delta,
        finetune_lr_scale=args.finetune_lr_scale,
        val_fraction=args.val_fraction,
        rank_metric=args.rank_metric,
        stage2_init=args.stage2_init,
        modality_order=_csv_list(args.modality_order),
    )
    return mc, tc


def _run_settings(args) -> RunSettings:
    return RunSettings(device=args.device, num_threads=args.threads,
                       progress=not args.no_progress and sys.stderr.isatty())


def _prepare_out(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{out} exists and is not empty; choose another --out or pass --overwrite")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------------- commands
def cmd_synth(args) -> int:
    cfg = preset(args.preset, seed=args.seed)
    if args.context_clips:
        from dataclasses import replace

        cfg = replace(cfg, context_clips=args.context_clips)
    corpus = generate(cfg)
    corpus.save(args.out)
    print(f"wrote {corpus.n_movies} movies, {corpus.total_seconds} s, modalities "
          f"{ {n: s.shape for n, s in corpus.specs.items()} } to {args.out}")
    return 0


def cmd_train(args) -> int:
    from dataclasses import replace

    from videoaffect.models.bundle import FeatureRecord
    from videoaffect.training.bundle import train_bundle

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CorpusError(f"--out {out} is a file; give a directory for the model")
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise FileExistsError(f"{out} exists and is not empty; choose another --out or pass --overwrite")
    if args.clip_stride < 1:
        raise ConfigError(f"--clip-stride must be at least 1 second, got {args.clip_stride}")
    corpus, info = _load_data(args)
    mc, tc = _configs(args, corpus)
    overrides = info.get("model_overrides") or {}
    if overrides:
        mc = replace(mc, **overrides)
        log.info("dataset settings: %s", overrides)
    split = args.split or info.get("train_split", "train")
    movies = _split_movies(corpus, split)
    tasks = ["valence", "arousal"] if args.task == "both" else [args.task]
    for task in tasks:
        unlabelled = [corpus.movie_ids[m] for m in movies if not corpus.has_labels(task, [m])]
        if unlabelled:
            others = [t for t in ("valence", "arousal") if t != task]
            raise CorpusError(
                f"{len(unlabelled)} training movies ({_split_text(split)}) have no {task} labels, e.g. "
                f"{unlabelled[0]!r}; pass --task {others[0]} to train without {task}, or label them"
            )
    _prepare_out(out, args.overwrite)
    record = FeatureRecord.from_dict(info.get("features") or {"feature_set": None})
    meta = {"dataset": info.get("dataset"), "train_split": split, "tasks": tasks}
    bundle, metrics = train_bundle(
        corpus, movies, mc, tc, out, tasks=tasks, ema=args.ema_beta if args.ema_beta == "auto" else mc.ema_beta,
        clip_stride=args.clip_stride, features=record, info=meta, echo=not args.quiet,
        select_context=not args.keep_context, run=_run_settings(args),
    )
    print(f"model written to {out} (tasks: {', '.join(bundle.tasks)}; trained on {len(movies)} movies of "
          f"{info.get('dataset')}, split {_split_text(split)})")
    rows = []
    for task, model in bundle.tasks.items():
        order = model.ranking.get("stage2_order") or model.ranking.get("order")
        if order:
            print(f"{task}: stage-1 ranking: " + " > ".join(model.ranking["order"]))
        print(f"{task}: temporal context: {model.config.smoothing_text()}")
        rows.append((f"{task} validation, paper clips", metrics[task]["validation"]))
        stride_key = next((k for k in metrics[task] if k.startswith("validation_stride")), None)
        if stride_key:
            rows.append((f"{task} validation, stride {args.clip_stride}", metrics[task][stride_key]))
    print(_table(rows))
    return 0


def _model_arg(args):
    from videoaffect.models.bundle import ModelBundle

    return ModelBundle.load(args.model)


def cmd_evaluate(args) -> int:
    bundle = _model_arg(args)
    if args.json is not None and args.json.is_dir():
        raise CorpusError(f"--json {args.json} is a directory; give a file name")
    model_set = bundle.features.feature_set
    if getattr(args, "dataset", None) and model_set and args.feature_set not in ("default", model_set):
        raise ConfigError(
            f"--feature-set {args.feature_set}: the model {args.model} was trained on {model_set!r} features, "
            "which `evaluate` extracts itself; leave --feature-set out"
        )
    corpus, info = _load_data(args, feature_set=bundle.features.feature_set if getattr(args, "dataset", None) else None)
    split = args.split or info.get("test_split", "test")
    movies = _split_movies(corpus, split)
    reports, rows = {}, []
    wanted_stride = args.clip_stride if args.clip_stride is not None else bundle.info.get("clip_stride")
    for task, model in bundle.tasks.items():
        stride = None if wanted_stride is None else min(int(wanted_stride), model.config.clip_seconds)
        report = evaluate_model(model, corpus, movies, device=args.device, clip_stride=stride)
        reports[task] = report
        label = f"{task} {_split_text(split)}" + (f", stride {stride}" if stride else "")
        rows.append((label, report))
    key = f"evaluation:{_split_text(split)}" + (f":stride{wanted_stride}" if wanted_stride else "")
    if args.json:
        atomic_write_text(args.json, json.dumps(reports if len(reports) > 1 else next(iter(reports.values())),
                                                indent=2))
    for task in bundle.tasks:
        task_dir = Path(args.model) if bundle.legacy else Path(args.model) / task
        metrics_path = task_dir / "metrics.json"
        metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
        metrics[key] = reports[task]
        atomic_write_text(metrics_path, json.dumps(metrics, indent=2))
    print(_table(rows))
    return 0


def cmd_predict(args) -> int:
    from videoaffect.models.bundle import ModelBundle
    from videoaffect.prediction.video import predict_corpus, predict_videos

    inputs = list(args.inputs)
    corpus_mode = args.corpus is not None or args.synthetic is not None
    model_path = args.model
    if model_path is None and corpus_mode and len(inputs) == 1:
        model_path, inputs = Path(inputs[0]), []  # the 0.1 form: predict MODEL --corpus DIR
    if model_path is None:
        raise CorpusError("give the model directory with --model MODEL")
    if args.clip_stride < 1:
        raise ConfigError(f"--clip-stride must be at least 1 second, got {args.clip_stride}")
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    if args.out.exists() and not args.out.is_dir():
        raise CorpusError(f"--out {args.out} is a file; give a directory for the per-video results")
    bundle = ModelBundle.load(model_path)
    if corpus_mode:
        if inputs:
            raise CorpusError("give either videos or --corpus/--synthetic, not both")
        corpus = _load_corpus(args)
        movies = _split_movies(corpus, args.split or "test")
        outcomes = predict_corpus(bundle, corpus, movies, args.out, clip_stride=args.clip_stride, task=args.task,
                                  device=args.device)
        print(f"wrote per-second predictions for {len(outcomes)} movies to {args.out} "
              f"({bundle.label_scale.name} scale)")
        return 0
    if not inputs:
        raise CorpusError("give video files, folders of videos or manifests to predict (or --corpus DIR)")
    outcomes = predict_videos(
        inputs, bundle, args.out, store=args.store, clip_stride=args.clip_stride, task=args.task,
        device=device_name(args.device), workers=args.workers, force=args.force,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    failed = [o for o in outcomes if o.status != "done"]
    for o in outcomes:
        if o.status == "done":
            print(f"done    {o.movie_id}: {o.seconds} s -> {args.out / (o.movie_id + '.html')}")
    for o in failed:
        print(f"FAILED  {o.movie_id} ({o.path}): {o.error}", file=sys.stderr)
    print(f"{len(outcomes) - len(failed)} predicted, {len(failed)} failed -> {args.out}")
    return 1 if failed else 0


def device_name(name: str) -> str:
    from videoaffect.cli.features import device_name as resolve

    return resolve(name)


def cmd_demo(args) -> int:
    """The main job, the whole user path on generated labelled videos: a MediaEval-layout corpus
    -> default-set features -> progressive training and both baselines (valence and arousal) ->
    metrics on the test movies -> the report of a held-out film."""
    import time

    from videoaffect.datasets.loading import ExtractionRequest, load_dataset
    from videoaffect.datasets.synthetic.videos import write_mediaeval_like
    from videoaffect.models.bundle import FeatureRecord
    from videoaffect.prediction.video import predict_videos
    from videoaffect.training.bundle import train_bundle

    if args.train_movies < 2 or args.test_movies < 1:
        raise ConfigError("--train-movies must be at least 2 and --test-movies at least 1")
    t0 = time.perf_counter()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CorpusError(f"--out {out} is a file; give a directory")
    device_name(args.device)  # an unusable --device fails before any work
    data, store = out / "data", out / "features"
    numbers = list(range(args.train_movies)) + [54 + k for k in range(args.test_movies)]
    marker = data / "demo.json"
    wanted = {"movies": numbers, "seed": args.seed}
    if not marker.is_file() or json.loads(marker.read_text()) != wanted:
        if data.exists():
            shutil.rmtree(data)
        write_mediaeval_like(data, numbers, seed=args.seed)
        atomic_write_text(marker, json.dumps(wanted))
    print(f"1/5 generated {len(numbers)} labelled videos (MediaEval 2018 layout) in {data} "
          f"[{time.perf_counter() - t0:.0f} s]", flush=True)
    ns = ExtractionRequest(store=store, feature_set="default", workers=1, device=device_name(args.device),
                           progress=sys.stderr.isatty())
    loaded = load_dataset(data, ns)
    corpus, info = loaded.corpus, loaded.info.to_dict()
    train = corpus.movies_in_split("dev")
    test = corpus.movies_in_split("test")
    print(f"2/5 extracted the default feature set into {store}: {corpus.total_seconds} s of video, "
          f"modalities {', '.join(corpus.specs)} [{time.perf_counter() - t0:.0f} s]", flush=True)
    record = FeatureRecord.from_dict(info["features"])
    rows, reports = [], {}
    for method in ("progressive", "joint", "average"):
        mc = ModelConfig(modalities=tuple(corpus.specs.values()))
        tc = TrainConfig(method=method, seed=args.seed)
        _prepare_out(out / "models" / method, overwrite=True)  # a rerun retrains from scratch
        bundle, _ = train_bundle(corpus, train, mc, tc, out / "models" / method, features=record,
                                 run=RunSettings(device=args.device),
                                 info={"dataset": info["name"], "train_split": "dev"}, echo=False)
        for task, model in bundle.tasks.items():
            report = evaluate_model(model, corpus, test, device=args.device, clip_stride=1)
            reports[f"{task}/{method}"] = report
            rows.append((f"{task} {method}", report))
        print(f"3/5 trained {method} (valence and arousal) [{time.perf_counter() - t0:.0f} s]", flush=True)
    atomic_write_text(out / "demo_metrics.json", json.dumps(reports, indent=2))
    print("\nper-second scores on the test movies (clip stride 1; 'intra' = before temporal context):")
    print(_table(rows))
    video = next(p for p in sorted((data / "videos").glob("*.mp4")) if p.stem.endswith(f"_{numbers[-1]:02d}"))
    pred_dir = out / "predictions"
    outcomes = predict_videos([video], bundle_load(out / "models" / "progressive"), pred_dir, store=store,
                              device=device_name(args.device))
    if outcomes[0].status != "done":
        raise RuntimeError(f"predicting {video} failed: {outcomes[0].error}")
    print(f"\n4/5 predicted the held-out film {video.name} with the progressive model "
          f"[{time.perf_counter() - t0:.0f} s]")
    print(f"5/5 report: {pred_dir / (video.stem + '.html')}  (also .csv, .json, .png)")
    return 0


def bundle_load(path: Path):
    from videoaffect.models.bundle import ModelBundle

    return ModelBundle.load(path)


def _table(rows: list[tuple[str, dict]]) -> str:
    lines = []
    first = rows[0][1]
    if first["output"] == "classification":
        lines.append("| run | accuracy |")
        lines.append("|---|---|")
        for name, r in rows:
            lines.append(f"| {name} | {r['accuracy']:.3f} |")
        return "\n".join(lines)
    lines.append("| run | MSE/s | PCC/s | PCC movie mean | PCC clip | MSE/s intra | PCC/s intra |")
    lines.append("|---|---|---|---|---|---|---|")
    for name, r in rows:
        s = summary_row(r)
        lines.append(
            f"| {name} | {s['final_mse']:.4f} | {s['final_pearson']:.3f} | {s['final_movie_pearson']:.3f} | "
            f"{s['final_clip_pearson']:.3f} | {s['intra_mse']:.4f} | {s['intra_pearson']:.3f} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videoaffect",
        description="Predict per-second valence and arousal of videos (multi-modal fusion with "
        "long-short temporal context, residual progressive training).",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no per-epoch log lines")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="write a synthetic corpus with known answers to a directory")
    p.add_argument("out", type=Path, help="output corpus directory")
    p.add_argument("--preset", choices=["tiny", "small", "mediaeval"], default="small", help="corpus size")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument(
        "--context-clips", type=int, default=0, help="plant long-range valence context over +-N clips (0 = none)"
    )
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser(
        "train",
        help="train valence and arousal models from a dataset (videos, features or a corpus) into one model directory",
    )
    _add_data_options(p, None, dataset=True)
    _add_model_options(p)
    _add_train_options(p)
    p.add_argument("--out", type=Path, required=True, help="model directory to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing, non-empty --out")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score a trained model on a split (MSE, Pearson), every task it has")
    p.add_argument("model", type=Path, help="model directory written by `train`")
    _add_data_options(p, None, dataset=True)
    p.add_argument("--clip-stride", type=int, help="score per-second curves of clips every N seconds "
                   "(default: the stride the model was trained for, 1 unless `train --clip-stride` said otherwise; "
                   "the paper's non-overlapping clips for models of videoaffect 0.1.x)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--json", type=Path, help="also write the full report to this JSON file")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "predict",
        help="per-second valence and arousal of videos: CSV, JSON, PNG plot and HTML report per video",
    )
    p.add_argument("inputs", nargs="*", help="video files, folders of videos, or CSV manifests (as `extract`)")
    p.add_argument("--model", type=Path, help="model directory written by `train`")
    p.add_argument("--out", type=Path, required=True, help="directory for <video>.csv/.json/.png/.html")
    p.add_argument("--store", type=Path, help="feature store to reuse (a second run does not extract again; "
                   "default: a temporary store)")
    p.add_argument("--clip-stride", type=int, default=1, help="seconds between overlapping clips (default 1: "
                   "a value per second; the clip length gives the paper's non-overlapping clips)")
    p.add_argument("--task", choices=["both", "valence", "arousal"],
                   help="task(s) to predict (default: every task the model has; naming a task the model lacks "
                   "is an error)")
    p.add_argument("--workers", type=int, default=1, help="parallel extraction processes")
    p.add_argument("--force", action="store_true", help="re-extract features even when the store has them, and "
                   "replace stored features of another file with the same name (not those of another extraction job)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    g = p.add_argument_group("features already extracted (instead of videos)")
    g.add_argument("--corpus", type=Path, help="corpus directory (corpus.json + movies/*.npz)")
    g.add_argument("--synthetic", choices=["tiny", "small", "mediaeval"], help="a synthetic corpus")
    g.add_argument("--synthetic-seed", type=int, default=0, help="seed of the synthetic corpus")
    g.add_argument("--split", help="corpus split to predict (default 'test')")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser(
        "demo",
        help="main job: generated labelled videos -> features -> progressive training and both baselines -> "
        "metrics -> the report of a held-out film",
    )
    p.add_argument("--train-movies", type=int, default=10, help="generated development movies (default 10)")
    p.add_argument("--test-movies", type=int, default=3, help="generated test movies (default 3)")
    p.add_argument("--seed", type=int, default=0, help="seed of the videos and of training (default 0)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--out", type=Path, default=Path("runs/demo"),
                   help="where data, features, models and the report go (default runs/demo; data and features "
                   "are reused by a second run)")
    p.set_defaults(func=cmd_demo)

    from videoaffect.cli import benchmark, reproduce
    from videoaffect.cli import features as cli_features

    cli_features.register(sub)
    reproduce.register(sub)
    benchmark.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
    )
    try:
        return args.func(args)
    except (CorpusError, ConfigError, ModelLoadError, TrainingError, OSError, ValueError, RuntimeError) as exc:
        print(f"videoaffect: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
