"""Early stopping in `fit`: where it stops for a given validation curve, which weights it keeps,
and the per-stage epoch cap (the fine-tune's)."""

import numpy as np
import pytest
import torch
from torch import nn

from helpers import fast_train_config, small_model_config
from videoaffect.models.config import TrainConfig
from videoaffect.training.fit import fit
from videoaffect.training.log import TrainingLog
from videoaffect.training.pipeline import train_model


def run_fit(val_curve, cap=None, **cfg):
    """``fit`` on a one-weight module whose validation losses are ``val_curve`` in turn; returns
    the result, the log and the module's weight after each epoch."""
    torch.manual_seed(0)
    module = nn.Linear(1, 1, bias=False)
    curve = iter(val_curve)
    weights = []

    def val_loss():
        weights.append(float(module.weight))
        return next(curve)

    log = TrainingLog(echo=False)
    result = fit(
        stage="s",
        modules=[module],
        train_items=np.arange(8),
        batch_loss=lambda idx: (module(torch.ones(len(idx), 1)) - 5.0).pow(2).mean(),
        val_loss=val_loss,
        cfg=TrainConfig(**{"batch_size": 4, "lr": 0.1, **cfg}),
        rng=np.random.default_rng(0),
        log=log,
        max_epochs=cap,
    )
    return result, log, weights, float(module.weight.detach())


def test_patience_two_stops_two_epochs_after_the_best_and_keeps_its_weights():
    # the stage-1 pattern of the MediaEval-sized benchmark: best after one epoch, then overfitting
    result, log, weights, final = run_fit([0.5, 0.6, 0.7, 0.4, 0.3], patience=2)
    assert TrainConfig().patience == 4  # 2 stops plateau-then-learn curves too early (models/config.py)
    assert (result.best_epoch, result.epochs_run) == (1, 3)
    assert len(log.epochs("s")) == 3
    assert final == weights[0]  # the best epoch's weights are restored


def test_improvements_below_min_delta_keep_the_best_weights_but_do_not_reset_patience():
    curve = [1.0, 1.0 - 5e-5, 1.0 - 8e-5, 0.5]
    result, _, weights, final = run_fit(curve, min_delta=1e-4, patience=2)
    assert (result.best_epoch, result.epochs_run) == (3, 3)
    assert final == weights[2]
    # a real improvement resets patience
    result, *_ = run_fit([1.0, 1.1, 0.5, 0.6, 0.7, 0.1], min_delta=1e-4, patience=2)
    assert (result.best_epoch, result.epochs_run) == (3, 5)


@pytest.mark.parametrize(("patience", "stops"), [(1, 2), (2, 3), (4, 5)])
def test_patience_counts_epochs_without_improvement(patience, stops):
    result, *_ = run_fit([0.5] + [0.6] * 9, patience=patience)
    assert result.epochs_run == stops and result.best_epoch == 1


def test_stage_epoch_cap_overrides_max_epochs():
    falling = [1.0 - 0.1 * i for i in range(10)]
    assert run_fit(falling, cap=3)[0].epochs_run == 3
    assert run_fit(falling, max_epochs=6)[0].epochs_run == 6


def test_fine_tune_stops_at_its_own_epoch_cap(tiny_corpus):
    cfg = small_model_config(tiny_corpus, task="valence")
    # a patience no stage reaches: every stage runs to its epoch limit
    tc = fast_train_config(max_epochs=3, patience=10, finetune_max_epochs=2)
    _, trainer = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, tc)
    assert len(trainer.log.epochs("stage2/finetune")) == 2
    assert len(trainer.log.epochs("stage2/head")) == 3
    assert len(trainer.log.epochs("inter_clip")) == 3
    # the cap never raises the general limit
    tc = fast_train_config(max_epochs=1, patience=10, finetune_max_epochs=5)
    _, trainer = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, tc)
    assert len(trainer.log.epochs("stage2/finetune")) == 1


def test_default_patience_waits_out_a_plateau_before_learning_starts():
    # the demo's joint arousal model: flat for three epochs, then learning; patience 2 gave up on it
    plateau = [1.0, 1.0, 1.0, 0.5, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55]
    result, *_ = run_fit(plateau)
    assert result.best_epoch == 5
    assert run_fit(plateau, patience=2)[0].best_epoch == 1
