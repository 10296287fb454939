"""Command-line interface: ``videoaffect synth | train | evaluate | predict | demo``."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import shutil
import sys
from pathlib import Path

from videoaffect.atomic import atomic_open, atomic_write_text
from videoaffect.datasets.corpus import Corpus, CorpusError
from videoaffect.datasets.synthetic import generate, preset
from videoaffect.evaluation.evaluate import evaluate_model, summary_row
from videoaffect.models.affect_model import AffectModel, ModelLoadError
from videoaffect.models.config import ConfigError, ModelConfig, TrainConfig
from videoaffect.training.fit import TrainingError
from videoaffect.training.log import TrainingLog
from videoaffect.training.pipeline import train_model

log = logging.getLogger("videoaffect")


# ---------------------------------------------------------------------- shared options
def _add_data_options(p: argparse.ArgumentParser, split_default: str) -> None:
    g = p.add_argument_group("data (give exactly one of --corpus / --synthetic)")
    g.add_argument("--corpus", type=Path, help="corpus directory (corpus.json + movies/*.npz)")
    g.add_argument(
        "--synthetic",
        choices=["tiny", "small", "mediaeval"],
        help="generate a synthetic corpus in memory instead (see `videoaffect synth --help`)",
    )
    g.add_argument("--synthetic-seed", type=int, default=0, help="seed of the synthetic corpus (default 0)")
    g.add_argument(
        "--split",
        default=split_default,
        help=f"which movies to use, by the corpus's per-movie split name (default {split_default!r})",
    )


def _load_corpus(args) -> Corpus:
    if (args.corpus is None) == (args.synthetic is None):
        raise CorpusError("give exactly one of --corpus DIR or --synthetic PRESET")
    if args.corpus is not None:
        return Corpus.load(args.corpus)
    return generate(preset(args.synthetic, seed=args.synthetic_seed))


def _add_model_options(p: argparse.ArgumentParser) -> None:
    d = ModelConfig()
    g = p.add_argument_group("model (paper section 3.2; sizes the paper omits are our defaults)")
    g.add_argument("--task", choices=["valence", "arousal"], default=d.task, help="label to predict")
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
    g.add_argument("--ema-beta", type=float, default=d.ema_beta, help="EMA decay beta of eq. 2")
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
    g.add_argument("--device", default=d.device, help="cpu, cuda, cuda:N or auto (CUDA when present)")
    g.add_argument("--threads", type=int, default=d.num_threads, help="torch CPU threads (0 = torch default)")
    g.add_argument("--no-progress", action="store_true", help="no progress bars")


def _csv_list(text: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip()) if text else ()


def _configs(args, corpus: Corpus) -> tuple[ModelConfig, TrainConfig]:
    names = _csv_list(args.modalities) or tuple(corpus.specs)
    missing = [n for n in names if n not in corpus.specs]
    if missing:
        raise CorpusError(f"modalities {missing} are not in the corpus; it has {sorted(corpus.specs)}")
    mc = ModelConfig(
        modalities=tuple(corpus.specs[n] for n in names),
        task=args.task,
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
        ema_beta=args.ema_beta,
        ema_init=args.ema_init,
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
        device=args.device,
        num_threads=args.threads,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    return mc, tc


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


def _train(args, corpus: Corpus, out: Path) -> tuple[AffectModel, dict]:
    mc, tc = _configs(args, corpus)
    movies = corpus.movies_in_split(args.split)
    _prepare_out(out, args.overwrite)
    tlog = TrainingLog(out / "train_log.jsonl")
    model, trainer = train_model(corpus, movies, mc, tc, tlog)
    val = evaluate_model(model, corpus, trainer.val_movies, device=tc.device)
    metrics = {"validation": val}
    model.save(out, metrics)
    return model, metrics


def cmd_train(args) -> int:
    corpus = _load_corpus(args)
    model, metrics = _train(args, corpus, args.out)
    print(f"model written to {args.out}")
    if model.ranking.get("order"):
        print("stage-1 ranking:", " > ".join(model.ranking["order"]))
    print(_table([("validation", metrics["validation"])]))
    return 0


def cmd_evaluate(args) -> int:
    model = AffectModel.load(args.model)
    corpus = _load_corpus(args)
    movies = corpus.movies_in_split(args.split)
    report = evaluate_model(model, corpus, movies, device=args.device)
    metrics_path = Path(args.model) / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics[f"evaluation:{args.split}"] = report
    atomic_write_text(metrics_path, json.dumps(metrics, indent=2))
    if args.json:
        atomic_write_text(args.json, json.dumps(report, indent=2))
    print(_table([(args.split, report)]))
    return 0


def cmd_predict(args) -> int:
    model = AffectModel.load(args.model)
    corpus = _load_corpus(args)
    movies = corpus.movies_in_split(args.split)
    preds = model.predict_clips(corpus, movies, device=args.device)
    args.out.mkdir(parents=True, exist_ok=True)
    scale = corpus.label_scale
    task = model.config.task
    intra, final = preds.per_second("intra"), preds.per_second("final")
    for m in movies:
        path = args.out / f"{corpus.movie_ids[m]}_{task}.csv"
        with atomic_open(path, "w") as fh:
            w = csv.writer(fh)
            w.writerow(["time_s", task, f"{task}_intra_clip"])
            for t, (f, i) in enumerate(zip(scale.from_internal(final[m]), scale.from_internal(intra[m]))):
                w.writerow([t, f"{f:.6f}", f"{i:.6f}"])
    print(f"wrote per-second {task} for {len(movies)} movies to {args.out} ({scale.name} scale)")
    return 0


def cmd_demo(args) -> int:
    """The main job: a synthetic corpus, the paper's method and both baselines for valence and
    arousal, scored on held-out movies."""
    corpus = generate(preset(args.preset, seed=args.seed))
    train_movies = corpus.movies_in_split("train")
    test_movies = corpus.movies_in_split("test")
    print(f"synthetic corpus {args.preset!r}: {len(train_movies)} training and {len(test_movies)} test movies, "
          f"{corpus.total_seconds} s, modalities {', '.join(corpus.specs)}")
    rows, all_reports = [], {}
    for task in ("valence", "arousal"):
        for method in ("progressive", "joint", "average"):
            mc = ModelConfig(modalities=tuple(corpus.specs.values()), task=task)
            tc = TrainConfig(method=method, seed=args.seed, progress=sys.stderr.isatty(), device=args.device)
            out = args.out / f"{task}-{method}"
            _prepare_out(out, overwrite=True)
            model, trainer = train_model(corpus, train_movies, mc, tc, TrainingLog(out / "train_log.jsonl"))
            report = evaluate_model(model, corpus, test_movies, device=args.device)
            model.save(out, {"test": report})
            all_reports[f"{task}/{method}"] = report
            rows.append((f"{task} {method}", report))
            order = model.ranking.get("stage2_order") or model.ranking.get("order")
            extra = f" (order {' > '.join(order)})" if order else ""
            print(f"trained {task}/{method}{extra}", flush=True)
    atomic_write_text(args.out / "demo_metrics.json", json.dumps(all_reports, indent=2))
    print()
    print(_table(rows))
    print(f"\nmodels and metrics in {args.out}")
    return 0


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

    p = sub.add_parser("train", help="train a model and write it to a directory")
    _add_data_options(p, "train")
    _add_model_options(p)
    _add_train_options(p)
    p.add_argument("--out", type=Path, required=True, help="model directory to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing, non-empty --out")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score a trained model on a split (MSE, Pearson)")
    p.add_argument("model", type=Path, help="model directory written by `train`")
    _add_data_options(p, "test")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--json", type=Path, help="also write the full report to this JSON file")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="write per-second predictions (CSV per movie)")
    p.add_argument("model", type=Path, help="model directory written by `train`")
    _add_data_options(p, "test")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--out", type=Path, required=True, help="directory for <movie>_<task>.csv files")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("demo", help="main job: train and evaluate every method on a synthetic corpus")
    p.add_argument("--preset", choices=["tiny", "small", "mediaeval"], default="small", help="corpus size")
    p.add_argument("--seed", type=int, default=0, help="seed of corpus and training")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--out", type=Path, default=Path("runs/demo"), help="where models and metrics go")
    p.set_defaults(func=cmd_demo)

    from videoaffect import cli_features
    from videoaffect.datasets.detect import load_dataset
    from videoaffect.evaluation import liris_benchmark, reproduce

    cli_features.register(sub)
    reproduce.register(sub, load_dataset=load_dataset)
    liris_benchmark.register(sub)
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
    except (CorpusError, ConfigError, ModelLoadError, TrainingError, FileExistsError, ValueError, RuntimeError) as exc:
        print(f"videoaffect: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
