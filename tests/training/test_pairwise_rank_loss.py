"""The optional pairwise ranking term of the training loss (``TrainConfig.pairwise_rank_weight``)."""

import math

import pytest
import torch

import videoaffect.training.pipeline as pipeline
from helpers import fast_train_config, per_second_ridge, small_model_config
from videoaffect.core.errors import ConfigError
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.models.config import TrainConfig
from videoaffect.training.pipeline import RANK_TEMPERATURE, Trainer, pairwise_rank_loss, train_model


def test_known_values_ties_and_gradient():
    # two clips in the right order, 0.1 apart: both ordered pairs give log(1 + e^-1)
    loss = pairwise_rank_loss(torch.tensor([0.0, 0.1]), torch.tensor([-0.5, 0.5]))
    assert RANK_TEMPERATURE == 0.1
    assert float(loss) == pytest.approx(math.log1p(math.exp(-1.0)), rel=1e-6)
    # a pair with equal targets does not count: only the (0, 2) and (1, 2) pairs, both 0.2 apart in the wrong order
    pred = torch.tensor([0.2, 0.2, 0.0], requires_grad=True)
    loss = pairwise_rank_loss(pred, torch.tensor([0.0, 0.0, 1.0]))
    assert loss.item() == pytest.approx(math.log1p(math.exp(2.0)), rel=1e-6)
    loss.backward()
    assert pred.grad[2] < 0 < pred.grad[0]  # descent raises the clip rated higher, lowers the others
    # no pair differs: zero, still differentiable
    flat = torch.tensor([0.3, -0.3], requires_grad=True)
    zero = pairwise_rank_loss(flat, torch.tensor([0.5, 0.5]))
    zero.backward()
    assert zero.item() == 0.0 and torch.equal(flat.grad, torch.zeros(2))


def test_config_checks_the_weight():
    assert TrainConfig().pairwise_rank_weight == 0.0  # the paper's loss by default
    for bad in (-0.1, math.nan, math.inf):
        with pytest.raises(ConfigError, match="pairwise_rank_weight"):
            TrainConfig(pairwise_rank_weight=bad)


def test_training_batches_add_the_term_and_validation_stays_mse(tiny_corpus, monkeypatch):
    trainer = Trainer(tiny_corpus, tiny_corpus.movies_in_split("train"), small_model_config(tiny_corpus),
                      fast_train_config(max_epochs=1, pairwise_rank_weight=0.5))
    model = trainer.new_intra(["audio"])
    seen = {}
    real_fit = pipeline.fit

    def spy(**kw):
        seen.setdefault(kw["stage"], (kw["batch_loss"](torch.arange(16).numpy()).item(), kw["val_loss"]()))
        return real_fit(**kw)

    monkeypatch.setattr(pipeline, "fit", spy)
    with torch.no_grad():
        idx = torch.arange(16).numpy()
        pred = model(trainer.train.loader.batch(idx, ["audio"]))
        target = trainer.train.target[idx]
        expected = float(torch.nn.functional.mse_loss(pred, target) + 0.5 * pairwise_rank_loss(pred, target))
        val_pred = trainer.predict(model, trainer.val, ["audio"])
        expected_val = float(torch.nn.functional.mse_loss(val_pred, trainer.val.target))
    trainer._fit_model("probe", model, ["audio"])
    batch, val = seen["probe"]
    assert batch == pytest.approx(expected, rel=1e-5)
    assert val == pytest.approx(expected_val, rel=1e-5)  # early stopping stays on the MSE


@pytest.mark.slow
def test_progressive_training_with_the_ranking_term_learns(tiny_corpus):
    cfg = small_model_config(tiny_corpus, task="valence")
    model, _ = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg,
                           fast_train_config(pairwise_rank_weight=0.5))
    scores = evaluate_model(model, tiny_corpus, tiny_corpus.movies_in_split("test"))
    # the bar of the plain learning test: ahead of a per-second ridge regression
    assert scores["final"]["per_second"]["pearson"] > per_second_ridge(tiny_corpus)[0]
