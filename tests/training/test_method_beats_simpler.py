"""Planted-data learning tests where each part of the method must beat the simpler alternative
by a stated margin, on held-out movies, over two seeds:

* order inside a clip: a label carried by the *trend* of a feature within each 10-s clip (its
  clip mean is the same whatever the label): a ridge regression on clip means cannot learn it,
  the intra-clip BiLSTM must;
* complementary modalities: the label is the sum of two independent signals, one per modality;
  Baseline 2 averages single-modality models and so predicts about half of it, progressive
  training adds the second modality as a residual and must do clearly better, and come level
  with joint training (Baseline 1) and a ridge on both modalities' clip means;
* long-range context: progressive training followed by the inter-clip stage must beat the same
  model's intra-clip prediction when a clip's valence depends on its neighbours.
"""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from helpers import context_corpus, fast_train_config, small_model_config
from videoaffect.core.labels import LabelScale
from videoaffect.core.modality import ModalitySpec
from videoaffect.datasets.corpus import Corpus
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.evaluation.metrics import pearson
from videoaffect.training.pipeline import train_model

pytestmark = pytest.mark.slow
SEEDS = (0, 1)
CLIP = 10


def corpus_of(seed, n_movies, seconds, modalities, fill):
    """A corpus of ``n_movies`` movies (the last 3 for testing); ``fill(rng, n)`` returns the
    features {name: (n, dim)} and the valence (n,) of one movie."""
    rng = np.random.default_rng(seed)
    specs = [ModalitySpec(name, (dim,)) for name, dim in modalities]
    splits = ["train"] * (n_movies - 3) + ["test"] * 3
    corpus = Corpus.allocate(specs, [f"m{i}" for i in range(n_movies)], [seconds] * n_movies,
                             LabelScale.mediaeval(), splits)
    for i in range(n_movies):
        a, b = corpus.offsets[i], corpus.offsets[i + 1]
        feats, valence = fill(rng, seconds)
        for name, x in feats.items():
            corpus.features[name][a:b] = x
        corpus.labels["valence"][a:b] = valence
        corpus.labels["arousal"][a:b] = valence
    return corpus


def trend_fill(rng, n):
    """Per clip a slope s in [-1, 1]: the feature ramps from -s to +s along a fixed direction over
    the clip's 10 seconds (clip mean 0 whatever s), plus noise; valence = 0.8 tanh(2 s)."""
    direction = np.array([1.0, -0.5, 0.8, 0.3])
    ramp = np.linspace(-1.0, 1.0, CLIP)
    x = np.empty((n, 4))
    valence = np.empty(n)
    for c in range(n // CLIP):
        s = rng.uniform(-1, 1)
        sl = slice(c * CLIP, (c + 1) * CLIP)
        x[sl] = s * ramp[:, None] * direction + 0.2 * rng.standard_normal((CLIP, 4))
        valence[sl] = 0.8 * np.tanh(2 * s)
    return {"trend": x}, valence


def clip_means(corpus, movies, name):
    rows, targets = [], []
    for m in movies:
        a, b = corpus.offsets[m], corpus.offsets[m + 1]
        x, y = corpus.features[name][a:b], corpus.labels["valence"][a:b]
        for c in range(0, b - a, CLIP):
            rows.append(x[c : c + CLIP].mean(0))
            targets.append(y[c : c + CLIP].mean())
    return np.array(rows), np.array(targets)


@pytest.mark.parametrize("seed", SEEDS)
def test_order_inside_a_clip_needs_the_intra_clip_lstm(seed):
    corpus = corpus_of(seed, 12, 200, [("trend", 4)], trend_fill)
    train, test = corpus.movies_in_split("train"), corpus.movies_in_split("test")
    ridge = Ridge(alpha=1.0).fit(*clip_means(corpus, train, "trend"))
    x_test, y_test = clip_means(corpus, test, "trend")
    ridge_r = pearson(ridge.predict(x_test), y_test)
    cfg = small_model_config(corpus, task="valence", context="none")
    model, _ = train_model(corpus, train, cfg, fast_train_config(seed=seed))
    lstm_r = evaluate_model(model, corpus, test)["final"]["clip"]["pearson"]
    # measured: ridge r -0.19 / -0.10, BiLSTM r 0.995 / 0.988 (seeds 0, 1)
    # The clip mean carries nothing, so the ridge's r is chance: 0 +- 1/sqrt(clips) (0.13 for the
    # 60 test clips); its |r| reached 0.36 over data seeds 0-49, so the bar is 4 standard errors.
    assert abs(ridge_r) < 4 / np.sqrt(len(y_test))
    assert lstm_r > 0.8 and lstm_r > ridge_r + 0.5


# fixed directions, the same in every movie
UA = np.array([0.5, -0.5, 0.5, 0.3, -0.2, 0.35])
UB = np.array([-0.3, 0.4, 0.2, -0.6, 0.5, 0.3])
UA, UB = UA / np.linalg.norm(UA), UB / np.linalg.norm(UB)


def complementary_fill(rng, n):
    """Two independent signals constant over each clip, one per modality, each in a 6-d feature with noise; valence
    = 0.8 tanh(a + b): neither modality alone explains more than about half of it."""
    def slow():
        return np.repeat(rng.standard_normal(-(-n // CLIP)), CLIP)[:n]

    a, b = slow(), slow()
    return ({"first": a[:, None] * UA + 0.3 * rng.standard_normal((n, 6)),
             "second": b[:, None] * UB + 0.3 * rng.standard_normal((n, 6))},
            0.8 * np.tanh(0.7 * (a + b)))


@pytest.mark.parametrize("seed", SEEDS)
def test_complementary_modalities_progressive_beats_baseline2(seed):
    corpus = corpus_of(seed, 12, 200, [("first", 6), ("second", 6)], complementary_fill)
    train, test = corpus.movies_in_split("train"), corpus.movies_in_split("test")
    cfg = small_model_config(corpus, task="valence", context="none")
    scores = {}
    for method in ("progressive", "joint", "average"):
        model, _ = train_model(corpus, train, cfg, fast_train_config(method=method, seed=seed))
        scores[method] = evaluate_model(model, corpus, test)["final"]["per_second"]
    # The simplest model that sees both modalities: a ridge on the concatenated clip means.  The
    # label is constant over each (aligned, 10-s) clip, so its clip MSE is what a per-second score
    # of its clip-held predictions would be.
    x_fit, y_fit = both_clip_means(corpus, train)
    x_test, y_test = both_clip_means(corpus, test)
    ridge_pred = Ridge(alpha=1.0).fit(x_fit, y_fit).predict(x_test)
    ridge_mse, ridge_r = float(np.mean((ridge_pred - y_test) ** 2)), pearson(ridge_pred, y_test)
    # Measured over data and training seeds 0-3 (float32; training mean: MSE 0.22-0.28):
    #   ridge        MSE 0.014-0.024, r 0.958-0.974 (a + b is linear in the clip means; only tanh's
    #                bend escapes it)
    #   progressive  MSE 0.0035-0.0149, r 0.970-0.994; minus ridge: MSE -0.021..+0.0008, r +0.001..+0.036
    #   joint        MSE 0.0034-0.0063 (0.14-0.45 x the ridge's); progressive minus joint -0.0016..+0.0115
    #   Baseline 2   MSE 0.077-0.094, r 0.92-0.95: it leaves about half the label unexplained
    assert scores["progressive"]["mse"] < 0.5 * scores["average"]["mse"]
    assert scores["progressive"]["pearson"] > 0.85
    # Baseline 1 (joint) learns the sum too, better than the ridge; progressive must come level with
    # both: within 0.005 of the ridge's MSE (worst excess seen 0.0008) and 0.01 of its r (worst
    # +0.001), within 0.015 of joint's MSE (worst excess seen 0.0115)
    assert scores["joint"]["mse"] < 0.6 * ridge_mse
    assert scores["progressive"]["mse"] < ridge_mse + 0.005
    assert scores["progressive"]["pearson"] > ridge_r - 0.01
    assert scores["progressive"]["mse"] < scores["joint"]["mse"] + 0.015


def both_clip_means(corpus, movies):
    """Clip means of both modalities side by side, and the clip targets."""
    (first, targets), (second, _) = clip_means(corpus, movies, "first"), clip_means(corpus, movies, "second")
    return np.concatenate([first, second], axis=1), targets


@pytest.mark.parametrize("seed", SEEDS)
def test_progressive_then_inter_clip_stage_uses_long_range_context(seed):
    corpus = context_corpus(seed)
    cfg = small_model_config(corpus, task="valence", context_clips=5)
    model, _ = train_model(corpus, corpus.movies_in_split("train"), cfg, fast_train_config(seed=seed))
    assert model.ranking["stage2_order"] and model.context is not None  # progressive + inter-clip
    report = evaluate_model(model, corpus, corpus.movies_in_split("test"))
    intra, final = report["intra"]["clip"]["pearson"], report["final"]["clip"]["pearson"]
    # measured: intra-clip r 0.43 / 0.35, with the inter-clip stage 0.85 / 0.74 (seeds 0, 1); 0.32 / 0.36
    # and 0.80 / 0.62 on seeds 2, 3.  One clip alone explains r ~ 1/sqrt(5) = 0.45 at best.
    assert final > intra + 0.15
