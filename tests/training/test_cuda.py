"""The CUDA paths, run where torch sees a GPU (skipped with the reason elsewhere; the CPU paths
of the same code are covered by every other test)."""

import json

import numpy as np
import pytest
import torch

from helpers import fast_train_config, per_second_ridge, small_model_config
from videoaffect.cli.main import main
from videoaffect.core.device import resolve_device
from videoaffect.core.errors import ConfigError
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.models.affect_model import AffectModel
from videoaffect.models.config import RunSettings
from videoaffect.training.pipeline import train_model

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA device")


def test_device_names_resolve_to_the_gpu():
    assert resolve_device("cuda").type == "cuda"
    assert resolve_device("auto").type == "cuda"
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ConfigError, match="numbered from 0"):
        resolve_device(f"cuda:{torch.cuda.device_count()}")


def test_training_on_the_gpu_learns_and_the_model_loads_on_cpu(tiny_corpus, tmp_path):
    deterministic = torch.are_deterministic_algorithms_enabled()
    cfg = small_model_config(tiny_corpus, task="valence")
    movies = tiny_corpus.movies_in_split("train")
    test = tiny_corpus.movies_in_split("test")
    model, trainer = train_model(tiny_corpus, movies, cfg, fast_train_config(), run=RunSettings(device="cuda"))
    assert trainer.device.type == "cuda"
    assert next(model.intra.parameters()).device.type == "cuda"
    assert torch.are_deterministic_algorithms_enabled() == deterministic  # process state untouched
    on_gpu = evaluate_model(model, tiny_corpus, test, device="cuda")
    # the CPU learning test's bar: beat a ridge on one second's features (r 0.73 here; the CPU
    # model 0.77-0.93 over data and training seeds 0-4); chance is 0
    assert on_gpu["final"]["per_second"]["pearson"] > per_second_ridge(tiny_corpus)[0]
    model.save(tmp_path / "m")
    loaded = AffectModel.load(tmp_path / "m")
    on_cpu = evaluate_model(loaded, tiny_corpus, test, device="cpu")
    gpu_pred = model.predict_clips(tiny_corpus, test, device="cuda").final
    cpu_pred = loaded.predict_clips(tiny_corpus, test, device="cpu").final
    # cuDNN's LSTM kernels may use TF32 on Ampere and later (torch's default): measured on an H200,
    # CPU and GPU predictions of the same weights differ by up to 3e-4 on the [-1, 1] scale.
    np.testing.assert_allclose(gpu_pred, cpu_pred, atol=1e-3)
    assert abs(on_cpu["final"]["per_second"]["mse"] - on_gpu["final"]["per_second"]["mse"]) < 1e-3


def test_command_line_trains_evaluates_and_predicts_on_the_gpu(tmp_path, capsys):
    corpus, model = tmp_path / "corpus", tmp_path / "model"
    assert main(["-q", "synth", str(corpus), "--preset", "tiny"]) == 0
    assert main(["-q", "train", "--corpus", str(corpus), "--out", str(model), "--device", "cuda",
                 "--hidden-size", "12", "--head-hidden", "12", "--context-hidden", "8", "--max-epochs", "4"]) == 0
    assert main(["-q", "evaluate", str(model), "--corpus", str(corpus), "--device", "auto",
                 "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert set(report) == {"valence", "arousal"}
    assert main(["-q", "predict", "--model", str(model), "--corpus", str(corpus), "--device", "cuda",
                 "--out", str(tmp_path / "pred")]) == 0
    assert len(list((tmp_path / "pred").glob("*.csv"))) == 3
