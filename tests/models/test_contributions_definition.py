"""The contribution definitions pinned by hand-computed cases: an AffectModel's contribution of a
modality = intra-clip prediction minus the prediction with that modality's clip feature replaced
by its training mean; Baseline 2's = prediction minus the average of the other present members."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from helpers import fast_train_config, small_model_config
from videoaffect.models.affect_model import _member_contributions
from videoaffect.training.pipeline import train_model


class LinearTanhHead(torch.nn.Module):
    """head(x) = tanh(w . x + b), with embed = identity: weights set by hand."""

    def __init__(self, w, b):
        super().__init__()
        self.w, self.b = torch.tensor(w, dtype=torch.float32), float(b)

    def embed(self, x):
        return x

    def predict(self, e):
        return torch.tanh(e @ self.w + self.b)

    def forward(self, x):
        return self.predict(self.embed(x))


def test_intra_contribution_is_prediction_minus_prediction_with_the_training_mean_feature(tiny_corpus):
    movies = tiny_corpus.movies_in_split("test")[:1]
    cfg = small_model_config(tiny_corpus, task="valence", context="none")
    model, _ = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg,
                           fast_train_config(method="joint", max_epochs=1))
    # Every clip's features set by hand (2-d clip features), the head a hand-set linear + tanh, the
    # training means set by hand: the contributions follow with pencil and paper.
    names = model.intra.modality_names
    feature = {"audio": [0.5, -1.0], "scene": [0.2, 0.0], "expression": [-0.3, 0.1], "noise": [0.0, 0.0]}
    mean = {"audio": [0.1, 0.1], "scene": [0.0, 0.0], "expression": [-0.3, 0.1], "noise": [1.0, -1.0]}
    assert set(names) == set(feature)
    model.intra.head = LinearTanhHead([0.5, -0.25], 0.1)
    model.intra.encode = lambda n, batch: torch.tensor(feature[n]).expand(len(batch.present[n]), 2)
    model.reference = {n: np.array(v, dtype=np.float32) for n, v in mean.items()}
    preds = model.predict_clips(tiny_corpus, movies, contributions=True)
    # sum of the features (0.4, -0.9): prediction tanh(0.5 * 0.4 + 0.25 * 0.9 + 0.1) = tanh(0.525)
    # audio replaced by its mean: (0.0, 0.2) -> tanh(0 - 0.05 + 0.1) = tanh(0.05)
    # scene by (0, 0): (0.2, -0.9) -> tanh(0.1 + 0.225 + 0.1) = tanh(0.425)
    # expression by its mean, which equals its feature: no change, 0
    # noise (0, 0) by (1, -1): (1.4, -1.9) -> tanh(0.7 + 0.475 + 0.1) = tanh(1.275)
    expected = {
        "audio": np.tanh(0.525) - np.tanh(0.05),
        "scene": np.tanh(0.525) - np.tanh(0.425),
        "expression": 0.0,
        "noise": np.tanh(0.525) - np.tanh(1.275),
    }
    np.testing.assert_allclose(preds.intra, np.tanh(0.525), rtol=1e-6)
    for n, value in expected.items():
        np.testing.assert_allclose(preds.contributions[n], value, atol=1e-6, err_msg=n)


def test_baseline2_contribution_is_prediction_minus_the_average_of_the_other_members():
    # three members predicting 0.6, 0.0 and -0.3 for clip 0 (all present) and clip 1 (scene absent)
    outs = {"audio": [0.6, 0.6], "scene": [0.0, 0.9], "expression": [-0.3, -0.3]}
    present = {"audio": [1, 1], "scene": [1, 0], "expression": [1, 1]}
    members = {n: (lambda batch, v=v: torch.tensor(v)) for n, v in outs.items()}
    batch = SimpleNamespace(present={n: torch.tensor(v) for n, v in present.items()})
    # the prediction averages the present members: clip 0 (0.6 + 0 - 0.3) / 3 = 0.1, clip 1 (0.6 - 0.3) / 2 = 0.15
    pred = torch.tensor([0.1, 0.15])
    got = {n: v.numpy() for n, v in _member_contributions(members, batch, pred).items()}
    # clip 0: audio 0.1 - (0 - 0.3) / 2 = 0.25; scene 0.1 - (0.6 - 0.3) / 2 = -0.05;
    #         expression 0.1 - (0.6 + 0) / 2 = -0.2
    # clip 1: audio 0.15 - (-0.3) = 0.45; scene absent: 0; expression 0.15 - 0.6 = -0.45
    assert got["audio"] == pytest.approx([0.25, 0.45], abs=1e-6)
    assert got["scene"] == pytest.approx([-0.05, 0.0], abs=1e-6)
    assert got["expression"] == pytest.approx([-0.2, -0.45], abs=1e-6)
