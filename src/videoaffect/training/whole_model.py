"""Training both tasks into one model directory, and choosing the arousal smoothing.

The arousal EMA of the paper (beta = 0.98 per 10-s clip, a time constant of about 8 minutes)
was tuned for feature films of up to two hours; on short videos it flattens the curve.  With
``ema="auto"`` the smoothing is chosen on the validation movies (carved from the training
movies, never the test set): every time constant in ``TAU_CANDIDATES`` (0 = none), causal and
zero-lag, scored by per-second MSE at the stride ``predict`` uses.  The choice and the whole
score table are stored in the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from videoaffect.core.errors import ConfigError
from videoaffect.core.vocabulary import DEFAULT_ENSEMBLE, TASKS, BandRule
from videoaffect.datasets.clips import ClipSampler
from videoaffect.datasets.corpus import Corpus
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.evaluation.metrics import mse, pearson
from videoaffect.models.affect_model import AffectModel
from videoaffect.models.band import BAND_LEVEL, BandCalibration, calibrate_band
from videoaffect.models.config import ModelConfig, RunSettings, TrainConfig
from videoaffect.models.ensemble import TaskEnsemble, member_seed
from videoaffect.models.model_directory import ENSEMBLE_SCORED, TASK_ORDER, FeatureRecord, ModelBundle, package_version
from videoaffect.training.log import TrainingLog
from videoaffect.training.pipeline import Trainer

# Time constants (seconds) tried by ema="auto"; 0 = no smoothing.  495 s is the paper's
# beta = 0.98 on 10-s clips.
# The choosers take a task's ensemble (training) or one member (benchmarks/bench_training.py).
TaskModel = AffectModel | TaskEnsemble
TAU_CANDIDATES = (0.0, 3.0, 6.0, 12.0, 25.0, 50.0, 100.0, 200.0, 495.0)


# Smoothness penalties tried for combining overlapping clips (0 = mean of the covering clips).
DECONVOLUTION_CANDIDATES = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0)


def _truth(model: TaskModel, corpus: Corpus, movies: Sequence[int]) -> np.ndarray:
    task = model.config.task
    return np.concatenate([corpus.labels[task][corpus.offsets[m] : corpus.offsets[m + 1]] for m in movies]).astype(
        np.float64
    )


def _score(model, passes, corpus, movies, cfg, which: str, truth) -> dict:
    curves = model.curves_from_passes(passes, corpus, movies, cfg)
    p = np.concatenate([getattr(curves[m], which) for m in movies])
    return {"mse": mse(p, truth), "pearson": pearson(p, truth)}


def choose_deconvolution(model: TaskModel, corpus: Corpus, movies: Sequence[int], passes,
                         candidates: Sequence[float] = DECONVOLUTION_CANDIDATES) -> dict:
    """How overlapping clips are combined (``ModelConfig.deconvolution``): the penalty whose
    intra-clip curve has the lowest per-second MSE on ``movies``; 0 (the plain mean) included."""
    truth = _truth(model, corpus, movies)
    table = []
    for lam in candidates:
        cfg = replace(model.config, deconvolution=float(lam))
        table.append({"deconvolution": float(lam), **_score(model, passes, corpus, movies, cfg, "intra", truth)})
    best = min(table, key=lambda r: (r["mse"], r["deconvolution"]))
    model.config = replace(model.config, deconvolution=best["deconvolution"])
    chosen = ("mean of the covering clips" if best["deconvolution"] == 0 else
              f"deconvolution with smoothness {best['deconvolution']:g}")
    return {"criterion": f"per-second MSE of the intra-clip curve on the {len(movies)} validation movies",
            "chosen": chosen, "candidates": table}


def choose_smoothing(
    model: TaskModel,
    corpus: Corpus,
    movies: Sequence[int],
    clip_stride: int,
    device: str = "cpu",
    candidates: Sequence[float] = TAU_CANDIDATES,
    passes=None,
) -> tuple[float, bool, list[dict]]:
    """(beta per clip, zero_lag, score table) minimising per-second MSE on ``movies``.

    The network runs once; each candidate only re-smooths its intra-clip curves."""
    cfg = model.config
    passes = passes if passes is not None else model.clip_passes(corpus, list(movies), clip_stride, device)
    truth = _truth(model, corpus, movies)
    sampler = ClipSampler.non_overlapping(cfg.clip_seconds)
    table = []
    for tau in candidates:
        for zero_lag in (False, True):
            if tau == 0 and zero_lag:
                continue
            trial = replace(cfg, ema_beta=sampler.decay_per_clip(tau), ema_zero_lag=zero_lag)
            table.append({"tau_s": tau, "zero_lag": zero_lag,
                          **_score(model, passes, corpus, movies, trial, "final", truth)})
    best = min(table, key=lambda r: (r["mse"], r["tau_s"]))
    return sampler.decay_per_clip(best["tau_s"]), bool(best["zero_lag"]), table


def choose_context(model: TaskModel, corpus: Corpus, movies: Sequence[int], clip_stride: int,
                   device: str = "cpu", passes=None) -> dict:
    """Keep the inter-clip BiLSTM (valence) only if its per-second validation MSE beats the
    intra-clip curve's; otherwise drop it (context "none").  On short videos or few training
    clips the BiLSTM has too few windows to learn from and flattens the curve."""
    passes = passes if passes is not None else model.clip_passes(corpus, list(movies), clip_stride, device)
    truth = _truth(model, corpus, movies)
    scores = {
        "intra-clip only": _score(model, passes, corpus, movies, model.config, "intra", truth),
        "with inter-clip BiLSTM": _score(model, passes, corpus, movies, model.config, "final", truth),
    }
    keep = scores["with inter-clip BiLSTM"]["mse"] <= scores["intra-clip only"]["mse"]
    if not keep:
        model.context = None
        model.config = replace(model.config, context="none")
    return {
        "criterion": f"per-second MSE on the {len(movies)} validation movies, clip stride {clip_stride}",
        "chosen": "inter-clip BiLSTM" if keep else "intra-clip only (the BiLSTM did worse on validation)",
        "candidates": scores,
    }


def choose_settings(model: TaskEnsemble, corpus: Corpus, val_movies: list[int], log: TrainingLog,
                    run: RunSettings, *, ema: str | float, stride: int, select_context: bool,
                    deconvolution: str | float) -> dict:
    """Choose the task model's post-training settings once, on the members' mean over the
    validation movies (every member gets them), and score the result there."""
    cfg = model.config
    sampler = ClipSampler.for_stride(cfg.clip_seconds, stride, clamp=False)
    task_metrics: dict = {}
    passes = None
    if cfg.output == "regression" and (select_context or ema == "auto" or deconvolution == "auto"):
        passes = model.clip_passes(corpus, val_movies, stride, run.device)
    if deconvolution == "auto" and passes is not None and sampler.overlapping:
        task_metrics["combination_selection"] = choose_deconvolution(model, corpus, val_movies, passes)
        log.write("combination", chosen=task_metrics["combination_selection"]["chosen"])
    elif deconvolution != "auto":
        model.config = replace(model.config, deconvolution=float(deconvolution))
    if select_context and cfg.resolved_context == "lstm" and model.context is not None:
        task_metrics["context_selection"] = choose_context(model, corpus, val_movies, stride, run.device, passes)
        log.write("context", chosen=model.config.smoothing_text())
    if ema == "auto" and cfg.resolved_context == "ema":
        beta, zero_lag, table = choose_smoothing(model, corpus, val_movies, stride, run.device, passes=passes)
        model.config = replace(model.config, ema_beta=beta, ema_zero_lag=zero_lag)
        task_metrics["smoothing_selection"] = {
            "criterion": f"per-second MSE on the {len(val_movies)} validation movies, clip stride {stride}",
            "chosen": model.config.smoothing_text(),
            "candidates": table,
        }
        log.write("smoothing", chosen=model.config.smoothing_text())
    if model.size > 1:
        for key in ("combination_selection", "context_selection", "smoothing_selection"):
            if key in task_metrics:
                task_metrics[key]["criterion"] += f", of the mean of the {model.size} ensemble members"
    task_metrics["validation"] = evaluate_model(model, corpus, val_movies, device=run.device)
    if sampler.overlapping and cfg.output == "regression":
        task_metrics[f"validation_stride{stride}"] = evaluate_model(
            model, corpus, val_movies, device=run.device, clip_stride=stride
        )
    task_metrics["validation_movies"] = [corpus.movie_ids[m] for m in val_movies]
    task_metrics["scored"] = ENSEMBLE_SCORED
    task_metrics["members"] = model.size
    task_metrics["seed"] = model.train_config.seed
    return task_metrics


def calibrate_model(model: TaskEnsemble, corpus: Corpus, val_movies: Sequence[int], stride: int,
                    device: str = "cpu", level: float = BAND_LEVEL, rule: BandRule | None = None) -> BandCalibration:
    """The task's confidence band, calibrated on the validation movies (``models/band.py``),
    with the per-second scores of the model (its members' mean) and of each member there."""
    movies = list(val_movies)
    truth = _truth(model, corpus, movies)
    passes = model.clip_passes(corpus, movies, stride, device)
    curves = model.curves_from_passes(passes, corpus, movies)
    mean = np.concatenate([curves[m].final for m in movies])
    spread = np.concatenate([curves[m].spread if curves[m].spread is not None else np.zeros(corpus.seconds(m))
                             for m in movies])
    cal = calibrate_band(mean, spread, truth, members=model.size, level=level,
                         movie_lengths=[corpus.seconds(m) for m in movies], clip_stride=stride, rule=rule)
    cal.validation_mean = {"mse": mse(mean, truth), "pearson": pearson(mean, truth)}
    for member, member_passes in zip(model.members, passes):
        own = member.curves_from_passes(member_passes, corpus, movies)
        final = np.concatenate([own[m].final for m in movies])
        cal.validation_members.append({"mse": mse(final, truth), "pearson": pearson(final, truth)})
    return cal


def train_bundle(
    corpus: Corpus,
    train_movies: list[int],
    base_config: ModelConfig,
    train_config: TrainConfig,
    out: str | Path,
    *,
    tasks: Sequence[str] = TASK_ORDER,
    ema: str | float = "auto",
    clip_stride: int = 1,
    features: FeatureRecord | None = None,
    info: dict | None = None,
    echo: bool = True,
    select_context: bool = True,
    deconvolution: str | float = "auto",
    run: RunSettings | None = None,
    ensemble: int = DEFAULT_ENSEMBLE,
    band_level: float = BAND_LEVEL,
    band_rule: BandRule | None = None,
) -> tuple[ModelBundle, dict[str, dict]]:
    """Train each task on ``train_movies`` (validation carved from them by movie), then choose
    its settings on the validation movies: how overlapping clips combine
    (``deconvolution="auto"``), whether valence keeps its inter-clip BiLSTM (``select_context``),
    the arousal smoothing (``ema == "auto"``); score the validation movies; save to ``out``.

    ``ensemble`` = K trains K members per task that differ only in their seed (member k:
    ``train_config.seed + 1000 k``; the validation carve is the one of ``train_config.seed``
    for all); the settings are chosen once, on the members' mean (``TaskEnsemble``).  Each
    regression task gets a confidence band calibrated on the validation movies to cover
    ``band_level`` of their seconds by ``band_rule`` (``models/band.py``; None: the default
    rule); it is recorded in ``<task>/metrics.json`` (``band_calibration``) and ``model.json``
    (``band``)."""
    if int(ensemble) < 1:
        raise ConfigError(f"--ensemble must be at least 1, got {ensemble}")
    if band_rule == "member-spread" and int(ensemble) < 2:
        raise ConfigError("--band member-spread needs --ensemble 2 or more (it scales the members' disagreement)")
    out = Path(out)
    run = run or RunSettings()
    stride = ClipSampler.for_stride(base_config.clip_seconds, clip_stride).stride
    models: dict[str, TaskEnsemble] = {}
    metrics: dict[str, dict] = {}
    member_metrics: dict[str, dict[int, dict]] = {}
    for task in tasks:
        if task not in TASKS:  # the same check as ModelConfig.validate; narrows task to a Task
            raise ConfigError(f"task must be one of {TASKS}, got {task!r}")
        cfg = replace(base_config, task=task)
        if ema != "auto":
            cfg = replace(cfg, ema_beta=float(ema))
        members: list[AffectModel] = []
        val_movies: list[int] = []
        for k in range(int(ensemble)):
            (out / task / "members" / str(k) if k else out / task).mkdir(parents=True, exist_ok=True)
        log = TrainingLog(out / task / "train_log.jsonl", echo=echo)
        for k in range(int(ensemble)):
            member_log = log if k == 0 else TrainingLog(out / task / "members" / str(k) / "train_log.jsonl",
                                                        echo=echo)
            if ensemble > 1:
                member_log.write("ensemble", member=k, of=int(ensemble), seed=member_seed(train_config.seed, k))
            trainer = Trainer(corpus, train_movies, cfg, replace(train_config, seed=member_seed(train_config.seed, k)),
                              member_log, run, val_split_seed=train_config.seed)
            members.append(trainer.run())
            val_movies = trainer.val_movies
        model = TaskEnsemble(members)
        metrics[task] = choose_settings(model, corpus, val_movies, log, run, ema=ema, stride=stride,
                                        select_context=select_context, deconvolution=deconvolution)
        if model.size > 1:
            # each member alone, for the record (the model predicts with their mean)
            member_metrics[task] = {k: {"member_of_ensemble": model.size, "seed": m.train_config.seed,
                                        "validation_movies": metrics[task]["validation_movies"],
                                        "validation": evaluate_model(m, corpus, val_movies, device=run.device)}
                                    for k, m in enumerate(model.members) if k > 0}
        if cfg.output == "regression":
            model.band = calibrate_model(model, corpus, val_movies, stride, run.device, band_level, band_rule)
            metrics[task]["band_calibration"] = model.band.to_dict()
        models[task] = model
    meta = dict(info or {})
    meta.setdefault("videoaffect_version", package_version())
    meta["training_movies"] = len(train_movies)
    meta["clip_stride"] = stride
    meta["model_config"] = {k: v for k, v in base_config.to_dict().items() if k not in ("modalities", "task")}
    meta["train_config"] = train_config.to_dict()
    meta["ensemble"] = {
        "members": int(ensemble),
        "member_seeds": [member_seed(train_config.seed, k) for k in range(int(ensemble))],
        "validation_split_seed": train_config.seed,
        "scheme": "members differ only in the seed of initialisation and shuffling; all share one training/"
        "validation carve of the movies; the settings are chosen once on the members' mean over the validation "
        "movies; a curve is the members' per-second mean",
    }
    meta["chosen"] = {t: {"temporal": m.smoothing_text(), "combination": m.combination_text()}
                      for t, m in models.items()}
    bundle = ModelBundle(dict(models), corpus.label_scale, features or FeatureRecord(None), meta)
    bundle.save(out, metrics, member_metrics)
    return bundle, metrics
