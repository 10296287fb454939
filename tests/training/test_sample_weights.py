"""Per-second sample weights of the training loss (``train_model(..., sample_weights=)``)."""

import numpy as np
import pytest
import torch

import videoaffect.training.pipeline as pipeline
from helpers import fast_train_config, small_model_config
from videoaffect.core.errors import ConfigError
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.training.pipeline import Trainer, split_validation, train_model


def test_training_and_validation_losses_weigh_their_clips(tiny_corpus, monkeypatch):
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=tiny_corpus.total_seconds)
    trainer = Trainer(tiny_corpus, tiny_corpus.movies_in_split("train"), small_model_config(tiny_corpus),
                      fast_train_config(max_epochs=1), sample_weights=weights)
    # a clip weighs the mean of its seconds' weights, over the mean of the split's clips
    table = trainer.train.table
    raw = np.array([weights[a : a + n].mean() for a, n in zip(table.start, table.length)])
    np.testing.assert_allclose(trainer.train.weight.numpy(), raw / raw.mean(), rtol=1e-5)

    model = trainer.new_intra(["audio"])
    seen = {}
    real_fit = pipeline.fit

    def spy(**kw):
        seen.setdefault(kw["stage"], (kw["batch_loss"](np.arange(16)).item(), kw["val_loss"]()))
        return real_fit(**kw)

    monkeypatch.setattr(pipeline, "fit", spy)
    with torch.no_grad():
        idx = np.arange(16)
        pred = model(trainer.train.loader.batch(idx, ["audio"]))
        w, t = trainer.train.weight[idx], trainer.train.target[idx]
        # over the split's mean weight, not the batch's: a batch of low-weight clips counts less
        expected = float((w * (pred - t) ** 2).mean() / trainer.train.weight.mean())
        plain = float(((pred - t) ** 2).mean())
        val_pred = trainer.predict(model, trainer.val, ["audio"])
        wv = trainer.val.weight
        expected_val = float((wv * (val_pred - trainer.val.target) ** 2).sum() / wv.sum())
    trainer._fit_model("probe", model, ["audio"])
    batch, val = seen["probe"]
    assert batch == pytest.approx(expected, rel=1e-5) and abs(expected - plain) > 1e-4  # the weights count
    assert val == pytest.approx(expected_val, rel=1e-5)  # early stopping weighs the validation clips alike


def test_classification_weighs_its_cross_entropy(tiny_corpus):
    weights = np.random.default_rng(1).uniform(0.1, 3.0, size=tiny_corpus.total_seconds)
    cfg = small_model_config(tiny_corpus, output="classification", num_classes=3)
    trainer = Trainer(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(max_epochs=1),
                      sample_weights=weights)
    model = trainer.new_intra(["audio"])
    idx = np.arange(16)
    with torch.no_grad():
        logits = model(trainer.train.loader.batch(idx, ["audio"]))
        each = torch.nn.functional.cross_entropy(logits, trainer.train.target[idx], reduction="none")
        expected = float((trainer.train.weight[idx] * each).mean())
        assert float(trainer._train_loss(logits, idx)) == pytest.approx(expected, rel=1e-6)
        assert abs(expected - float(each.mean())) > 1e-4
    assert float(trainer.train.weight.mean()) == pytest.approx(1.0, rel=1e-6)  # normalised per split


def test_bad_weights_are_refused(tiny_corpus):
    n = tiny_corpus.total_seconds
    movies = tiny_corpus.movies_in_split("train")
    cfg = small_model_config(tiny_corpus)
    for bad, what in ((np.ones(n - 1), "one weight per corpus second"), (np.full(n, -1.0), "non-negative"),
                      (np.full(n, np.nan), "finite"), (np.zeros(n), "not all zero")):
        with pytest.raises(ConfigError, match=what):
            Trainer(tiny_corpus, movies, cfg, fast_train_config(max_epochs=1), sample_weights=bad)


@pytest.mark.slow
def test_down_weighting_unreliable_labels_recovers_the_signal(tiny_corpus):
    """Half of the fitted training movies get their valence labels flipped (raters who got the
    scale backwards); weights that mark them as unreliable (as a large rating variance would) let
    the model learn the planted mapping from the others, equal weights see it contradicted.  The
    validation movies stay reliable: a validation set of unreliable labels alone cannot be
    rescued by weights, which are normalised within each split."""
    train = tiny_corpus.movies_in_split("train")
    config = fast_train_config(method="joint")
    fit_movies, _ = split_validation(list(train), config.val_fraction, config.seed)
    labels = {task: values.copy() for task, values in tiny_corpus.labels.items()}
    weights = np.ones(tiny_corpus.total_seconds)
    for m in fit_movies[::2]:
        a, b = tiny_corpus.offsets[m], tiny_corpus.offsets[m + 1]
        labels["valence"][a:b] *= -1
        weights[a:b] = 0.01
    corpus = tiny_corpus.relabelled(labels)
    cfg = small_model_config(corpus, task="valence")
    test = corpus.movies_in_split("test")
    scores = {}
    for name, w in (("equal", None), ("weighted", weights)):
        model, _ = train_model(corpus, train, cfg, config, sample_weights=w)
        scores[name] = evaluate_model(model, corpus, test)["final"]["per_second"]["pearson"]
    # Over data seeds 0-2 and training seeds 0-1: weighted r 0.77-0.89, equal -0.17-0.46, gap
    # 0.31-0.95 (the inter-clip stage has to be weighted too: without it, 0.29 here)
    assert scores["weighted"] > 0.7, scores
    assert scores["weighted"] > scores["equal"] + 0.25, scores
