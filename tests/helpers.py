"""Shared test helpers (import them: ``from helpers import ...``; pytest puts tests/ on the path).
Fixtures live in conftest.py files."""

from __future__ import annotations

from pathlib import Path

from videoaffect.datasets.synthetic.features import SyntheticConfig, SyntheticModality, generate
from videoaffect.models.config import ModelConfig, TrainConfig

REPO = Path(__file__).resolve().parents[1]
# ../shared next to the repository (the paper, data subsets, real media); tests that need it skip
# with a reason when it is absent.
SHARED = REPO.parent / "shared"


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
