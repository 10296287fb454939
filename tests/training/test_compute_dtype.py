"""`TrainConfig.compute_dtype`: bfloat16 autocast in the training passes only, its resolution
("auto" follows the device's native bfloat16), and that training in it still learns."""

import numpy as np
import pytest
import torch
from torch import nn

from helpers import fast_train_config, per_second_ridge, small_model_config
from videoaffect.core.errors import ConfigError
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.models.config import TrainConfig
from videoaffect.training import fit as fit_module
from videoaffect.training.fit import fit, training_dtype
from videoaffect.training.log import TrainingLog
from videoaffect.training.pipeline import train_model

CPU = torch.device("cpu")


def test_auto_follows_native_bfloat16(monkeypatch):
    assert TrainConfig().compute_dtype == "auto"
    assert training_dtype("float32", CPU) == torch.float32
    assert training_dtype("bfloat16", CPU) == torch.bfloat16
    monkeypatch.setattr(fit_module, "native_bfloat16", lambda device: True)
    assert training_dtype("auto", CPU) == torch.bfloat16
    monkeypatch.setattr(fit_module, "native_bfloat16", lambda device: False)
    assert training_dtype("auto", CPU) == torch.float32


def test_native_bfloat16_reads_the_cpu_flags(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert not fit_module.native_bfloat16(CPU)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert fit_module.native_bfloat16(CPU)
    assert not fit_module.native_bfloat16(torch.device("meta"))


def test_bad_compute_dtype_is_a_config_error():
    with pytest.raises(ConfigError, match="compute_dtype must be auto, bfloat16 or float32"):
        TrainConfig(compute_dtype="float16")
    cfg = TrainConfig(compute_dtype="bfloat16")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("compute_dtype, seen", [("bfloat16", torch.bfloat16), ("float32", torch.float32)])
def test_autocast_covers_the_training_passes_not_validation(compute_dtype, seen):
    torch.manual_seed(0)
    module = nn.Linear(3, 1)
    dtypes = {"train": set(), "val": set()}
    phase = ["train"]
    module.register_forward_hook(lambda m, i, out: dtypes[phase[0]].add(out.dtype))
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])

    def val_loss():
        phase[0] = "val"
        with torch.no_grad():
            loss = float((module(x) - y).pow(2).mean())
        phase[0] = "train"
        return loss

    log = TrainingLog(echo=False)
    result = fit(stage="s", modules=[module], train_items=np.arange(64),
                 batch_loss=lambda idx: (module(x[idx]) - y[idx]).pow(2).mean(), val_loss=val_loss,
                 cfg=TrainConfig(batch_size=8, lr=0.05, max_epochs=40, compute_dtype=compute_dtype),
                 rng=np.random.default_rng(0), log=log)
    assert dtypes == {"train": {seen}, "val": {torch.float32}}
    assert module.weight.dtype == torch.float32  # the weights and the optimiser stay float32
    assert result.best_val_loss < 0.01  # y = x . w is learnt, bfloat16 products or not
    done = [r for r in log.records if r["event"] == "stage_done"]
    assert done[0]["compute_dtype"] == str(seen).removeprefix("torch.")


@pytest.mark.slow
def test_progressive_training_in_bfloat16_learns(tiny_corpus):
    cfg = small_model_config(tiny_corpus, task="valence")
    try:
        model, _ = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg,
                               fast_train_config(compute_dtype="bfloat16"))
    except RuntimeError as exc:
        # some CPUs' oneDNN builds lack the bfloat16 LSTM primitive (seen 2026-12-07; 3e56218 fails the
        # same way there); `--compute-dtype auto` never picks bfloat16 on them
        if "could not create a primitive descriptor" not in str(exc):
            raise
        pytest.skip(f"this CPU's oneDNN has no bfloat16 LSTM primitive: {exc}")
    scores = evaluate_model(model, tiny_corpus, tiny_corpus.movies_in_split("test"))
    # the float32 learning test's bar: beat a ridge on one second's features (r 0.73 here; the
    # float32 model 0.77-0.93 over data and training seeds 0-4); chance is 0
    assert scores["final"]["per_second"]["pearson"] > per_second_ridge(tiny_corpus)[0]
    assert all(p.dtype == torch.float32 for p in model.intra.parameters())
