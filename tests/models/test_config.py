"""Typed configurations: what changes a result (ModelConfig, TrainConfig) apart from where a job
runs (RunSettings); JSON round trips that reject what they do not know."""

import json

import pytest
import torch

from helpers import fast_train_config, small_model_config
from videoaffect.core.errors import ConfigError
from videoaffect.models.config import LEGACY_RUN_KEYS, ModelConfig, RunSettings, TrainConfig
from videoaffect.training.pipeline import train_model


def test_configs_round_trip_through_json(tiny_corpus):
    mc = small_model_config(tiny_corpus, task="arousal", class_thresholds=(-0.5, 0.5), ema_zero_lag=True)
    tc = TrainConfig(method="joint", seed=3, modality_order=("scene", "audio"))
    assert ModelConfig.from_dict(json.loads(json.dumps(mc.to_dict()))) == mc
    assert TrainConfig.from_dict(json.loads(json.dumps(tc.to_dict()))) == tc
    run = RunSettings(device="cuda:1", num_threads=2, progress=True)
    assert RunSettings.from_dict(run.to_dict()) == run


def test_unknown_keys_are_refused_and_old_run_time_keys_dropped():
    with pytest.raises(ConfigError, match=r"unknown model config keys \['hiden_size'\]"):
        ModelConfig.from_dict({"hiden_size": 3})
    with pytest.raises(ConfigError, match=r"unknown training config keys \['epochs'\]"):
        TrainConfig.from_dict({"epochs": 3})
    with pytest.raises(ConfigError, match=r"unknown run settings \['seed'\]"):
        RunSettings.from_dict({"seed": 1})
    # model directories of videoaffect <= 0.2.0 saved device / threads / progress with training
    old = {"method": "average", "device": "cuda", "num_threads": 4, "progress": True}
    assert set(LEGACY_RUN_KEYS) == {"device", "num_threads", "progress"}
    assert TrainConfig.from_dict(old) == TrainConfig(method="average")


@pytest.mark.parametrize("kwargs,message", [
    ({"dropout": 1.0}, "dropout must be in [0, 1)"),
    ({"hidden_size": 0}, "hidden_size must be at least 1"),
    ({"num_classes": 1}, "num_classes must be at least 2"),
    ({"map_channels": (8,)}, "map_channels"),
    ({"context": "attention"}, "context must be one of"),
])
def test_model_config_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        ModelConfig(**kwargs)


@pytest.mark.parametrize("kwargs,message", [
    ({"lr": 0.0}, "lr and finetune_lr_scale must be > 0"),
    ({"weight_decay": -1.0}, "weight_decay and min_delta must be >= 0"),
    ({"patience": 0}, "patience must be at least 1"),
    ({"method": "boosting"}, "method must be progressive, joint or average"),
])
def test_train_config_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**kwargs)


def test_run_settings_validation():
    with pytest.raises(ConfigError, match="'gpu' is not a device"):
        RunSettings(device="gpu")
    with pytest.raises(ConfigError, match="num_threads must be >= 0"):
        RunSettings(num_threads=-1)


def test_training_leaves_the_callers_torch_settings_alone(tiny_corpus):
    torch.use_deterministic_algorithms(False)
    threads = torch.get_num_threads()
    cfg = small_model_config(tiny_corpus, task="valence")
    train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(max_epochs=1),
                run=RunSettings(num_threads=1))
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.get_num_threads() == threads
