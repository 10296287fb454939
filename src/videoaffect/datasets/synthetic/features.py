"""Synthetic movies with known valence/arousal trajectories, for tests and benchmarks.

Each movie has two latent per-second drivers (valence, arousal), smooth AR(1) processes with
unit variance (time constants ``timescale_seconds`` and ``arousal_timescale_seconds``).
Labels are ``tanh(gain * driver)``, so they lie in [-1, 1].  Each modality
carries the drivers along two fixed random unit directions of its feature space, with its own
strength (amplitude along the direction; the noise is unit-variance per element), lag and
noise, so the best linear read-out of one second has a signal-to-noise ratio of strength².
A modality with zero strengths is useless: pure noise.

With ``context_clips = c > 0`` the valence driver is instead constant within each clip and
independent across clips, while the valence label of clip k is the (rescaled) mean of the
drivers of clips k-c..k+c.  One clip then explains only 1/(2c+1) of its label's variance and
neighbouring clips the rest: long-range context a per-clip model cannot see.

``feature_dtype`` is the storage precision of the feature arrays.  The values are always drawn
in float32 (the same random stream whatever the storage), so a float16 corpus is the float32
one rounded to float16: relative error at most 2**-11 (about 5e-4) per value, and half the
memory (the MediaEval-sized corpus: 0.95 GB instead of 1.9 GB).  Training standardises each
batch in float32 (`models/batches.py`), so nothing downstream computes in float16.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from videoaffect.core.labels import LabelScale
from videoaffect.core.modality import ModalitySpec
from videoaffect.datasets.corpus import Corpus


@dataclass(frozen=True)
class SyntheticModality:
    name: str
    shape: tuple[int, ...] = (16,)
    valence_strength: float = 1.0
    arousal_strength: float = 1.0
    lag_seconds: int = 0
    noise: float = 1.0


@dataclass(frozen=True)
class SyntheticConfig:
    modalities: tuple[SyntheticModality, ...] = field(
        default_factory=lambda: (
            SyntheticModality("audio", (16,), 1.0, 1.0, 0),
            SyntheticModality("scene", (24,), 0.5, 0.4, 2),
            SyntheticModality("expression", (32,), 0.25, 0.1, 0),
            SyntheticModality("noise", (8,), 0.0, 0.0, 0),
        )
    )
    n_movies: int = 16
    min_seconds: int = 200
    max_seconds: int = 400
    timescale_seconds: float = 30.0
    # Arousal changes more slowly than valence in MediaEval 2018's annotations.
    arousal_timescale_seconds: float = 120.0
    context_clips: int = 0
    clip_seconds: int = 10
    label_gain: float = 0.8
    test_movies: int = 4
    seed: int = 0
    feature_dtype: str = "float32"  # "float16": half the memory, values rounded (see above)


def preset(name: str, seed: int = 0) -> SyntheticConfig:
    """Named corpora: ``tiny`` (unit tests), ``small`` (the quick main job), ``mediaeval``
    (MediaEval 2018 size: 66 movies, ~35 h, paper-set dimensions, 12 test movies)."""
    if name == "tiny":
        return SyntheticConfig(n_movies=10, min_seconds=150, max_seconds=250, test_movies=3, seed=seed)
    if name == "small":
        return SyntheticConfig(n_movies=24, min_seconds=300, max_seconds=600, test_movies=6, seed=seed)
    if name == "mediaeval":
        return SyntheticConfig(
            modalities=(
                SyntheticModality("audio", (128,), 0.6, 0.6, 0),
                SyntheticModality("scene", (512,), 0.4, 0.3, 1),
                SyntheticModality("expression", (3072,), 0.3, 0.05, 0),
            ),
            n_movies=66,
            min_seconds=1000,
            max_seconds=2818,
            test_movies=12,
            seed=seed,
        )
    raise ValueError(f"unknown synthetic preset {name!r}; choose tiny, small or mediaeval")


def _ar1(rng: np.random.Generator, n: int, timescale: float) -> np.ndarray:
    phi = float(np.exp(-1.0 / max(timescale, 1e-6)))
    eps = rng.standard_normal(n) * np.sqrt(1.0 - phi * phi)
    out = np.empty(n)
    out[0] = rng.standard_normal()
    for t in range(1, n):
        out[t] = phi * out[t - 1] + eps[t]
    return out


FEATURE_DTYPES = ("float32", "float16")


def generate(config: SyntheticConfig) -> Corpus:
    if config.feature_dtype not in FEATURE_DTYPES:
        raise ValueError(f"feature_dtype must be one of {FEATURE_DTYPES}, got {config.feature_dtype!r}")
    dtype = np.dtype(config.feature_dtype)
    rng = np.random.default_rng(config.seed)
    lengths = rng.integers(config.min_seconds, config.max_seconds + 1, size=config.n_movies)
    n_test = min(config.test_movies, config.n_movies - 1)
    splits = ["train"] * (config.n_movies - n_test) + ["test"] * n_test
    specs = [ModalitySpec(m.name, m.shape, extractor="synthetic/1") for m in config.modalities]
    corpus = Corpus.allocate(
        specs,
        [f"synthetic_{i:03d}" for i in range(config.n_movies)],
        lengths,
        LabelScale.mediaeval(),
        splits,
        dtype=dtype,
    )
    directions = {}
    for m in config.modalities:
        size = int(np.prod(m.shape))
        u = rng.standard_normal((2, size))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        directions[m.name] = u.astype(np.float32)

    for i, n in enumerate(lengths):
        a, b = corpus.offsets[i], corpus.offsets[i + 1]
        arousal_driver = _ar1(rng, n, config.arousal_timescale_seconds)
        if config.context_clips > 0:
            c, k = config.context_clips, config.clip_seconds
            n_clips = -(-n // k)
            blocks = rng.standard_normal(n_clips)
            valence_driver = np.repeat(blocks, k)[:n]
            padded = np.pad(blocks, c, mode="reflect")
            window = np.convolve(padded, np.ones(2 * c + 1), mode="valid") / np.sqrt(2 * c + 1)
            valence_target = np.repeat(window, k)[:n]
        else:
            valence_driver = _ar1(rng, n, config.timescale_seconds)
            valence_target = valence_driver
        corpus.labels["valence"][a:b] = np.tanh(config.label_gain * valence_target)
        corpus.labels["arousal"][a:b] = np.tanh(config.label_gain * arousal_driver)
        for m in config.modalities:
            lagged = np.clip(np.arange(n) - m.lag_seconds, 0, n - 1)
            coeff = np.stack(
                [m.valence_strength * valence_driver[lagged], m.arousal_strength * arousal_driver[lagged]],
                axis=1,
            ).astype(np.float32)
            store = corpus.features[m.name][a:b].reshape(n, -1)
            # drawn in float32 in place, or in a float32 buffer of one movie, then rounded
            out = store if dtype == np.float32 else np.empty(store.shape, dtype=np.float32)
            rng.standard_normal(out.shape, dtype=np.float32, out=out)
            out *= np.float32(m.noise)
            out += coeff @ directions[m.name]
            if out is not store:
                store[...] = out
    corpus.validate()
    return corpus
