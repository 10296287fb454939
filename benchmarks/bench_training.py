"""Speed and memory of the whole training pipeline for one task on a MediaEval 2018-sized
synthetic corpus (66 movies, ~35 h, paper-set dimensions audio 128 / scene 512 /
expression 3072), as in issue 2's target: under 10 minutes and 4 GB peak on 2 CPU cores.

    python benchmarks/bench_training.py [--task valence] [--threads 2] [--json out.json]

Prints wall time per stage (from the training log), total time, peak resident memory and the
held-out scores.  Then what one-second resolution costs: training is unchanged (the paper's
non-overlapping clips), prediction at ``--clip-stride`` runs clip_seconds / stride tilings; for
arousal, the time ``train --ema-beta auto`` spends choosing the smoothing on the validation
movies, its choice, and the held-out scores before and after.  Nothing here is asserted: the
figures go to docs/benchmarks/training.md with date and machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from collections import defaultdict
from dataclasses import replace

import torch

from videoaffect.datasets.synthetic.features import generate, preset
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.models.config import ModelConfig, RunSettings, TrainConfig
from videoaffect.training.log import TrainingLog
from videoaffect.training.pipeline import train_model


class CpuTimedLog(TrainingLog):
    """The training log with this process's CPU seconds on every record (``cpu``): on a shared
    machine wall time varies with the other jobs, CPU time much less."""

    def write(self, event: str, **fields) -> None:
        super().write(event, cpu=round(time.process_time(), 2), **fields)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", choices=["valence", "arousal"], default="valence")
    ap.add_argument("--method", choices=["progressive", "joint", "average"], default="progressive")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--batch-size", type=int, default=TrainConfig().batch_size)
    ap.add_argument("--max-epochs", type=int, default=TrainConfig().max_epochs)
    ap.add_argument("--preset", default="mediaeval", help="synthetic preset (mediaeval = full size)")
    ap.add_argument("--clip-stride", type=int, default=1, help="stride of the per-second curves (default 1)")
    ap.add_argument("--movies", type=int, default=0,
                    help="shrink the corpus to this many movies (a fifth of them test; 0 = the preset's own) "
                         "for quick profiling; dimensions and movie lengths stay the preset's")
    ap.add_argument("--feature-dtype", choices=["float16", "float32"], default="float16",
                    help="storage precision of the corpus features (default float16: half the memory; "
                         "batches are standardised in float32)")
    ap.add_argument("--train-option", action="append", default=[], metavar="KEY=VALUE",
                    help="set any TrainConfig field (repeatable), e.g. patience=4 for the old default")
    ap.add_argument("--log", help="write the training log (one JSON record per line) to this file")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    config = replace(preset(args.preset), feature_dtype=args.feature_dtype)
    if args.movies:
        config = replace(config, n_movies=args.movies, test_movies=max(1, args.movies // 5))
    corpus = generate(config)
    t_gen = time.perf_counter() - t0
    rss_after_gen = peak_rss_mb()
    dims = {n: s.shape for n, s in corpus.specs.items()}
    print(f"corpus: {corpus.n_movies} movies, {corpus.total_seconds / 3600:.1f} h, dims {dims}; "
          f"generated in {t_gen:.1f} s, peak RSS so far {rss_after_gen:.0f} MB", flush=True)

    mc = ModelConfig(modalities=tuple(corpus.specs.values()), task=args.task)
    tc = TrainConfig(method=args.method, batch_size=args.batch_size, max_epochs=args.max_epochs)
    if args.train_option:
        options = dict(o.split("=", 1) for o in args.train_option)
        tc = TrainConfig.from_dict({**tc.to_dict(), **{k: type(getattr(tc, k))(v) for k, v in options.items()}})
    run = RunSettings(num_threads=args.threads)
    log = CpuTimedLog(args.log, echo=False)
    t1, c1 = time.perf_counter(), time.process_time()
    model, trainer = train_model(corpus, corpus.movies_in_split("train"), mc, tc, log, run)
    t_train, cpu_train = time.perf_counter() - t1, time.process_time() - c1
    t2 = time.perf_counter()
    report = evaluate_model(model, corpus, corpus.movies_in_split("test"))
    t_eval = time.perf_counter() - t2

    test = corpus.movies_in_split("test")
    t3 = time.perf_counter()
    report_stride = evaluate_model(model, corpus, test, clip_stride=args.clip_stride)
    t_eval_stride = time.perf_counter() - t3
    test_hours = sum(corpus.seconds(m) for m in test) / 3600
    # what `train` chooses on the validation movies (combination of overlapping clips, arousal
    # smoothing), how long choosing takes, and the held-out scores with those choices
    from videoaffect.training.whole_model import choose_deconvolution, choose_smoothing

    t4 = time.perf_counter()
    passes = model.clip_passes(corpus, trainer.val_movies, args.clip_stride)
    t_passes = time.perf_counter() - t4
    smoothing: dict = {"validation_passes_s": round(t_passes, 1)}
    if len(passes) > 1:
        t5 = time.perf_counter()
        combination = choose_deconvolution(model, corpus, trainer.val_movies, passes)
        smoothing["combination_choose_s"] = round(time.perf_counter() - t5, 1)
        smoothing["combination"] = combination["chosen"]
    if args.task == "arousal":
        t6 = time.perf_counter()
        beta, zero_lag, table = choose_smoothing(model, corpus, trainer.val_movies, args.clip_stride, passes=passes)
        smoothing["smoothing_choose_s"] = round(time.perf_counter() - t6, 1)
        model.config = replace(model.config, ema_beta=beta, ema_zero_lag=zero_lag)
        smoothing["smoothing"] = model.config.smoothing_text()
        smoothing["validation_table"] = table
    chosen = evaluate_model(model, corpus, test, clip_stride=args.clip_stride)
    smoothing["test_pearson_chosen"] = chosen["final"]["per_second"]["pearson"]
    smoothing["test_mse_chosen"] = chosen["final"]["per_second"]["mse"]

    stage_time: dict[str, float] = defaultdict(float)
    stage_cpu: dict[str, float] = defaultdict(float)
    epochs: dict[str, int] = defaultdict(int)
    last_t, last_cpu = 0.0, c1
    for rec in log.records:
        if rec["event"] == "epoch":
            stage_time[rec["stage"]] += rec["t"] - last_t
            stage_cpu[rec["stage"]] += rec["cpu"] - last_cpu
            epochs[rec["stage"]] += 1
        last_t, last_cpu = rec["t"], rec["cpu"]
    figures = {
        "task": args.task,
        "method": args.method,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "movies": corpus.n_movies,
        "hours": corpus.total_seconds / 3600,
        "generate_s": t_gen,
        "train_s": t_train,
        "train_cpu_s": cpu_train,
        "evaluate_s": t_eval,
        "peak_rss_mb": peak_rss_mb(),
        "stages": {k: {"seconds": round(v, 1), "cpu_seconds": round(stage_cpu[k], 1), "epochs": epochs[k]}
                   for k, v in stage_time.items()},
        "feature_dtype": args.feature_dtype,
        "train_options": args.train_option,
        "test_pearson_per_second": report["final"]["per_second"]["pearson"],
        "test_mse_per_second": report["final"]["per_second"]["mse"],
        "test_pearson_intra": report["intra"]["per_second"]["pearson"],
        "clip_stride": args.clip_stride,
        "evaluate_stride_s": t_eval_stride,
        "test_hours": test_hours,
        "test_pearson_stride": report_stride["final"]["per_second"]["pearson"],
        "test_pearson_stride_intra": report_stride["intra"]["per_second"]["pearson"],
        "test_mse_stride": report_stride["final"]["per_second"]["mse"],
        "auto_smoothing": smoothing,
        "machine": f"{platform.machine()} {platform.processor() or ''} {torch.get_num_threads()} torch threads".strip(),
    }
    for stage, v in figures["stages"].items():
        print(f"  {stage:32s} {v['seconds']:7.1f} s  {v['cpu_seconds']:7.1f} s CPU  {v['epochs']:3d} epochs")
    print(f"train (stage 1 + stage 2 + inter-clip): {t_train:.1f} s ({cpu_train:.1f} s CPU); evaluate: {t_eval:.1f} s; "
          f"peak RSS {figures['peak_rss_mb']:.0f} MB")
    print(f"test per-second Pearson {figures['test_pearson_per_second']:.3f} "
          f"(intra-clip {figures['test_pearson_intra']:.3f}), MSE {figures['test_mse_per_second']:.4f}")
    print(f"clip stride {args.clip_stride}: prediction of the {test_hours:.1f} h of test movies took "
          f"{t_eval_stride:.1f} s; "
          f"per-second Pearson {figures['test_pearson_stride']:.3f} (intra-clip "
          f"{figures['test_pearson_stride_intra']:.3f}), MSE {figures['test_mse_stride']:.4f}")
    print(f"choices on the {len(trainer.val_movies)} validation movies "
          f"(network passes {smoothing['validation_passes_s']} s): "
          f"combination {smoothing.get('combination', 'n/a')} ({smoothing.get('combination_choose_s', 0)} s), "
          f"smoothing {smoothing.get('smoothing', 'n/a')} ({smoothing.get('smoothing_choose_s', 0)} s); "
          f"test per-second Pearson {smoothing['test_pearson_chosen']:.3f}, MSE {smoothing['test_mse_chosen']:.4f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=2)


if __name__ == "__main__":
    main()
