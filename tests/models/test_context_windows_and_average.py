"""Sliding-window averaging of the inter-clip predictions (movies shorter than L included) and
Baseline 2's average over the modalities present in a clip."""

import numpy as np
import pytest
import torch
from torch import nn

from videoaffect.datasets.clips import ClipTable
from videoaffect.models.affect_model import _average_members, context_predict
from videoaffect.models.networks import ClipBatch


def table_of(clips_per_movie) -> ClipTable:
    """A clip table of one-second clips, ``clips_per_movie[i]`` of them in movie i."""
    n = sum(clips_per_movie)
    movie = np.repeat(np.arange(len(clips_per_movie)), clips_per_movie)
    position = np.concatenate([np.arange(k) for k in clips_per_movie])
    return ClipTable(1, movie, np.arange(n), np.ones(n, dtype=np.int64), position)


class PositionContext(nn.Module):
    """Prediction for the clip at position p of a window: its embedding's first value + 100 p."""

    def forward(self, x, lengths):
        return x[:, :, 0] + 100.0 * torch.arange(x.shape[1], dtype=x.dtype)


def brute_force(clips_per_movie, length):
    """Per clip: the mean over the windows holding it of (clip index + 100 * its position)."""
    out, start = [], 0
    for n in clips_per_movie:
        size = min(length, n)
        for c in range(n):
            values = [start + c + 100.0 * (c - f) for f in range(0, n - size + 1) if f <= c < f + size]
            out.append(np.mean(values))
        start += n
    return np.array(out)


def test_windows_of_length_l_with_a_movie_shorter_than_l():
    rows, valid, sizes = table_of([6, 2, 4]).context_windows(4)
    assert rows[:, 0].tolist() == [0, 1, 2, 6, 8] and sizes.tolist() == [4, 4, 4, 2, 4]
    # the movie of 2 clips: one window, padded by repeating its last clip
    assert rows[3].tolist() == [6, 7, 7, 7] and valid[3].tolist() == [True, True, False, False]
    assert rows[4].tolist() == [8, 9, 10, 11] and valid.sum(axis=1).tolist() == sizes.tolist()


@pytest.mark.parametrize("clips_per_movie", [[6, 2, 4], [1], [4, 4], [9]])
def test_each_clip_gets_the_mean_of_its_windows_predictions(clips_per_movie):
    n = sum(clips_per_movie)
    embeddings = torch.arange(n, dtype=torch.float32)[:, None].repeat(1, 3)
    got = context_predict(PositionContext(), embeddings, table_of(clips_per_movie), 4, batch_size=2)
    np.testing.assert_allclose(got, brute_force(clips_per_movie, 4))
    # a middle clip of a long movie is in L = 4 windows, at positions 0..3: c + 150
    if clips_per_movie == [9]:
        assert got[4] == pytest.approx(4 + 150.0)


class Constant(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = torch.as_tensor(value, dtype=torch.float32)

    def forward(self, batch):
        return self.value.expand(batch.size, *self.value.shape).clone()


def batch_with_presence(**present):
    size = len(next(iter(present.values())))
    return ClipBatch({}, {k: torch.tensor(v) for k, v in present.items()}, torch.ones(size, dtype=torch.long))


def test_baseline2_averages_only_the_modalities_present_in_a_clip():
    members = {"audio": Constant(1.0), "scene": Constant(3.0)}
    batch = batch_with_presence(audio=[True, True, False, False], scene=[True, False, True, False])
    out = _average_members(members, batch, classification=False)
    # both present: (1 + 3) / 2; one of them: its own value; none: 0, not a division by zero
    assert out.tolist() == [2.0, 1.0, 3.0, 0.0]


def test_baseline2_classification_averages_probabilities():
    members = {"audio": Constant([2.0, 0.0, 0.0]), "scene": Constant([0.0, 0.0, 2.0])}
    batch = batch_with_presence(audio=[True, True], scene=[True, False])
    out = _average_members(members, batch, classification=True)
    pa, ps = torch.softmax(torch.tensor([2.0, 0.0, 0.0]), 0), torch.softmax(torch.tensor([0.0, 0.0, 2.0]), 0)
    torch.testing.assert_close(out[0], (pa + ps) / 2)
    torch.testing.assert_close(out[1], pa)
