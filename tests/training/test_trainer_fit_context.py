"""``Trainer.fit_context``: the public way the reproduction retrains the inter-clip BiLSTM for
another window length L on a trained intra-clip model (table 3)."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
import torch

from helpers import fast_train_config, small_model_config
from videoaffect.core.errors import ConfigError
from videoaffect.training import pipeline
from videoaffect.training.pipeline import Trainer


@pytest.fixture(scope="module")
def trained(tiny_corpus):
    torch.set_num_threads(1)
    cfg = small_model_config(tiny_corpus, task="valence", context="lstm", context_clips=4, hidden_size=8,
                             head_hidden=8, context_hidden=4)
    trainer = Trainer(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(max_epochs=2))
    return trainer, trainer.joint()


def _state(module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_fit_context_leaves_trainer_and_intra_clip_model_unchanged(trained, monkeypatch):
    trainer, intra = trained
    # Trainable on entry, so that "frozen during the stage, restored after" is observable.
    for p in intra.parameters():
        p.requires_grad_(True)
    own_cfg, own_rng = trainer.cfg, copy.deepcopy(trainer.rng.bit_generator.state)
    before = _state(intra)
    intra_ids = {id(p) for p in intra.parameters()}
    stages = []
    real_fit = pipeline.fit

    def spy(**kw):
        trained_ids = {id(p) for m in kw["modules"] for p in m.parameters()}
        stages.append((kw["stage"], any(p.requires_grad for p in intra.parameters()), bool(trained_ids & intra_ids)))
        return real_fit(**kw)

    monkeypatch.setattr(pipeline, "fit", spy)
    context = trainer.fit_context(intra, replace(own_cfg, context_clips=3), seed=7)

    # One inter-clip stage, during which no intra-clip parameter was trainable or optimised.
    assert stages == [("inter_clip", False, False)]
    after = _state(intra)
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.requires_grad for p in intra.parameters())
    assert trainer.cfg is own_cfg and trainer.cfg.context_clips == 4
    assert trainer.rng.bit_generator.state == own_rng
    assert any(p.requires_grad for p in context.parameters())


def test_fit_context_depends_only_on_seed_and_window_length(trained):
    trainer, intra = trained
    cfg = trainer.cfg
    first = _state(trainer.fit_context(intra, replace(cfg, context_clips=3), seed=7))
    trainer.fit_context(intra, replace(cfg, context_clips=5), seed=7)
    again = _state(trainer.fit_context(intra, replace(cfg, context_clips=3), seed=7))
    other_seed = _state(trainer.fit_context(intra, replace(cfg, context_clips=3), seed=8))
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other_seed[k]) for k in first)


def test_fit_context_refuses_configs_the_trainer_data_does_not_fit(trained):
    trainer, intra = trained
    with pytest.raises(ConfigError, match="clip_seconds"):
        trainer.fit_context(intra, replace(trainer.cfg, clip_seconds=trainer.cfg.clip_seconds + 1), seed=0)
    with pytest.raises(ConfigError, match="'ema'"):
        trainer.fit_context(intra, replace(trainer.cfg, context="ema"), seed=0)
