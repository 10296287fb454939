"""Executing one training and every pending run that shares it.

A run is the training's own model ({}), its predictions post-processed with another EMA decay
({"ema_beta": b}), or an inter-clip BiLSTM retrained for another window length on the frozen
intra-clip model ({"context_clips": L}, see ``Trainer.fit_context``)."""

from __future__ import annotations

import time
from pathlib import Path

from videoaffect.core.device import resolve_device
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.models.affect_model import AffectModel, ClipPredictions
from videoaffect.models.config import RunSettings
from videoaffect.models.networks import ema
from videoaffect.reproduction.common import Progress, jsonable
from videoaffect.reproduction.run_files import RunStore
from videoaffect.reproduction.specs import RunSpec, TrainingSpec
from videoaffect.training.log import TrainingLog
from videoaffect.training.pipeline import Trainer, train_model


def with_ema(preds: ClipPredictions, beta: float, init: str) -> ClipPredictions:
    """The same intra-clip predictions with another EMA decay (eq. 2) as the final ones."""
    final = preds.intra.copy()
    for _, sl in preds.table.movie_slices():
        final[sl] = ema(preds.intra[sl], beta, init)
    return ClipPredictions(preds.table, preds.intra, final, preds.probabilities)


def retrain_context(trainer: Trainer, model: AffectModel, run: RunSpec, seed: int) -> AffectModel:
    """``model`` with its inter-clip BiLSTM retrained for ``run``'s window length."""
    # only the final (progressive) models are swept over L; an averaged model has no context
    assert model.intra is not None, "an inter-clip context needs an intra-clip model"
    context = trainer.fit_context(model.intra, run.model_config, seed)
    return AffectModel(run.model_config, model.train_config, model.normalizer, model.intra, None, context,
                       model.ranking)


class Runner:
    def __init__(self, store: RunStore, train_movies: list[int], test_movies: list[int],
                 progress: Progress, run_settings: RunSettings) -> None:
        self.store = store
        self.plan = store.plan
        self.out: Path = store.out
        self.train_movies = train_movies
        self.test_movies = test_movies
        self.progress = progress
        self.run_settings = run_settings
        self.trained: list[str] = []

    def execute(self, spec: TrainingSpec, runs: list[RunSpec], index: int, total: int) -> None:
        """Train ``spec``, save the models it is kept as, then evaluate and write each run."""
        device = str(resolve_device(self.run_settings.device))
        corpus = self.plan.corpus_for(spec.model_config.output)
        log_path = self.out / "logs" / f"{spec.key}.jsonl"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.unlink(missing_ok=True)  # a restarted training starts a fresh log
        self.progress(f"[{index}/{total}] training {spec.key} ({len(runs)} run(s) pending)")
        t0 = time.perf_counter()
        model, trainer = train_model(corpus, self.train_movies, spec.model_config, spec.train_config,
                                     TrainingLog(log_path, echo=False), self.run_settings)
        train_wall = time.perf_counter() - t0
        self.trained.append(spec.key)
        preds: ClipPredictions | None = None
        own_report: dict | None = None

        # The training's own predictions and report are computed at most once, and only when a
        # run or a saved model needs them.
        def own_predictions() -> ClipPredictions:
            nonlocal preds
            if preds is None:
                preds = model.predict_clips(corpus, self.test_movies, device=device)
            return preds

        def own() -> dict:
            nonlocal own_report
            if own_report is None:
                own_report = evaluate_model(model, corpus, self.test_movies, device, own_predictions())
            return own_report

        for name in spec.save_as:
            model.save(self.out / "models" / name, metrics={"test": jsonable(own())})
        ids = corpus.movie_ids
        validation = [ids[m] for m in trainer.val_movies]
        for run in runs:
            t1 = time.perf_counter()
            extra_train = 0.0
            if "context_clips" in run.variant:
                variant_model = retrain_context(trainer, model, run, spec.seed)
                extra_train = time.perf_counter() - t1
                report = evaluate_model(variant_model, corpus, self.test_movies, device)
            elif "ema_beta" in run.variant:
                beta_preds = with_ema(own_predictions(), run.model_config.ema_beta, run.model_config.ema_init)
                report = evaluate_model(model, corpus, self.test_movies, device, beta_preds)
            else:
                report = own()
            wall = time.perf_counter() - t1
            record = self.store.write(run, spec, report=report, ranking=model.ranking, validation=validation,
                                      train_wall=train_wall + extra_train, eval_wall=wall - extra_train)
            m = record["metrics"]
            text = ", ".join(f"{k}={v:.4f}" for k, v in m.items()
                             if k in ("mse", "pearson", "accuracy") and v is not None)
            self.progress(f"    run {run.key}: {text}")
