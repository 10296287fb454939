"""Shared test helpers (import them: ``from helpers import ...``; pytest puts tests/ on the path).
Fixtures live in conftest.py files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

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
    # float32 whatever the CPU: "auto" trains in bfloat16 on CPUs with native bfloat16 and in
    # float32 elsewhere, and the learning bars were measured in float32
    base = dict(max_epochs=40, patience=6, batch_size=16, lr=3e-3, compute_dtype="float32")
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


@contextmanager
def lock_held_by_another_process(directory, command: str = "train"):
    """A real second process holding ``OutputLock(directory)`` until the block ends (or it is killed)."""
    code = ("import sys, time\n"
            "from videoaffect.core.locks import OutputLock\n"
            "OutputLock(sys.argv[1], sys.argv[2]).acquire()\n"
            "print('held', flush=True)\n"
            "time.sleep(300)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(directory), command], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def per_second_ridge(corpus, task: str = "valence") -> tuple[float, float]:
    """The simpler baseline for the learning tests: a ridge regression from one second's features
    (all modalities, flattened) to that second's label, fitted on the 'train' movies; its Pearson r
    and MSE over the 'test' movies' seconds, pooled as `evaluate_model`'s per-second scores are."""
    import numpy as np
    from sklearn.linear_model import Ridge

    def rows(split: str) -> np.ndarray:
        return np.concatenate([np.arange(corpus.offsets[m], corpus.offsets[m + 1]) for m in corpus.movies_in_split(split)])

    x = np.concatenate([f.reshape(len(f), -1) for f in corpus.features.values()], axis=1)
    y = corpus.labels[task]
    fit, test = rows("train"), rows("test")
    pred = Ridge(alpha=1.0).fit(x[fit], y[fit]).predict(x[test])
    return float(np.corrcoef(pred, y[test])[0, 1]), float(np.mean((pred - y[test]) ** 2))


def clip_mean_ridge(corpus, task: str = "valence", clip_seconds: int = 10, alpha: float = 1.0) -> tuple[float, float]:
    """The simpler clip-level baseline: a ridge regression (``alpha`` 1, the features being
    unit-scale) from a clip's mean features (all modalities' per-second features averaged over the
    clip's seconds, flattened and concatenated) to its target (the mean label), fitted on the
    'train' movies' clips; its Pearson r and MSE over the 'test' movies' clips, the clips
    `evaluate_model` scores."""
    import numpy as np
    from sklearn.linear_model import Ridge

    from videoaffect.datasets.clips import ClipTable

    x = np.concatenate([f.reshape(len(f), -1) for f in corpus.features.values()], axis=1)
    cum = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0, dtype=np.float64)])

    def clips(split: str) -> tuple[np.ndarray, np.ndarray]:
        table = ClipTable.build(corpus, corpus.movies_in_split(split), clip_seconds)
        means = (cum[table.start + table.length] - cum[table.start]) / table.length[:, None]
        return means, table.targets(corpus, task)

    (x_fit, y_fit), (x_test, y_test) = clips("train"), clips("test")
    pred = Ridge(alpha=alpha).fit(x_fit, y_fit).predict(x_test)
    return float(np.corrcoef(pred, y_test)[0, 1]), float(np.mean((pred - y_test) ** 2))


def per_second_ridge_cv(corpus, task: str, train_split: str = "train", test_split: str = "test",
                        modalities=None, alphas=(0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)) -> tuple[float, float]:
    """The per-second ridge baseline for end-to-end tests on features read from a store: one second's
    features (``modalities``, default all, flattened and concatenated) standardized on the
    training movies, ``alpha`` chosen from ``alphas`` by leave-one-movie-out over the training
    movies (pooled Pearson r), refitted on them all; its Pearson r over the test movies' seconds,
    pooled, and the alpha it chose."""
    import numpy as np
    from sklearn.linear_model import Ridge

    names = list(modalities or corpus.features)
    x = np.concatenate([corpus.features[n].reshape(len(corpus.features[n]), -1).astype(np.float64) for n in names],
                       axis=1)
    y = np.asarray(corpus.labels[task], dtype=np.float64)
    train, test = corpus.movies_in_split(train_split), corpus.movies_in_split(test_split)
    rows = {m: np.arange(corpus.offsets[m], corpus.offsets[m + 1]) for m in train + test}
    fit = np.concatenate([rows[m] for m in train])
    mean, std = x[fit].mean(axis=0), x[fit].std(axis=0)
    x = (x - mean) / np.where(std > 0, std, 1.0)

    def held_out_r(alpha: float) -> float:
        pred = np.concatenate([Ridge(alpha=alpha).fit(x[np.setdiff1d(fit, rows[m])], y[np.setdiff1d(fit, rows[m])])
                               .predict(x[rows[m]]) for m in train])
        return float(np.corrcoef(pred, np.concatenate([y[rows[m]] for m in train]))[0, 1])

    alpha = max(alphas, key=held_out_r)
    rows_test = np.concatenate([rows[m] for m in test])
    pred = Ridge(alpha=alpha).fit(x[fit], y[fit]).predict(x[rows_test])
    return float(np.corrcoef(pred, y[rows_test])[0, 1]), float(alpha)


def write_noisy_display_film(video, rng, noise_rng, seconds: tuple[int, int], texture_seed: int,
                             noise: float = 0.6):
    """One generated film (``videoaffect.datasets.synthetic.videos.write_movie``) whose labels a
    per-second model cannot read off one second: its length and its smooth valence and arousal
    trajectories are drawn from ``rng`` as ``write_manifest_dataset`` and ``write_mediaeval_like``
    draw them, but the picture and the sound show each second's label plus independent noise
    (standard deviation ``noise``, from ``noise_rng``; clipped to [-1, 1]).  One second's features
    are then a noisy reading of its label, which a model of the clip's seconds can average out and a
    per-second regression cannot.  Returns (valence, arousal), the labels to write."""
    import numpy as np

    from videoaffect.datasets.synthetic.videos import _trajectory, write_movie

    n = int(rng.integers(seconds[0], seconds[1] + 1))
    valence, arousal = _trajectory(rng, n, 15.0), _trajectory(rng, n, 25.0)
    shown = [np.clip(x + noise * noise_rng.standard_normal(n), -1.0, 1.0) for x in (valence, arousal)]
    write_movie(video, shown[0], shown[1], seed=texture_seed)
    return valence, arousal


def label_file_text(valence, arousal) -> str:
    """Per-second labels as the generators write them: tab-separated Time, Valence, Arousal."""
    lines = ["Time\tValence\tArousal"] + [f"{t}\t{v:.6f}\t{a:.6f}" for t, (v, a) in enumerate(zip(valence, arousal))]
    return "\n".join(lines) + "\n"


def wait_for(condition, proc: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail if ``proc`` exits first or ``timeout`` passes (then
    kill it: its whole process group where it leads one, as a `start_new_session` child does)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the command exited ({proc.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)
