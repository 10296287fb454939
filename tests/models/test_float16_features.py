"""Features held in float16 (half the memory of a MediaEval-sized corpus): the synthetic
generator's float16 corpus is its float32 corpus rounded, and training reads it in float32."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from videoaffect.datasets.clips import ClipTable
from videoaffect.datasets.synthetic.features import generate, preset
from videoaffect.models.batches import ClipLoader
from videoaffect.models.normalizer import Normalizer

# float16 keeps 11 significant bits: rounding to nearest is off by at most 2**-11 of the value
# (values below float16's smallest normal number, 6.1e-5, by at most 2**-25).
REL, ABS = 2.0**-11, 2.0**-25


@pytest.fixture(scope="module")
def pair():
    cfg = preset("tiny", seed=3)
    return generate(cfg), generate(replace(cfg, feature_dtype="float16"))


def test_float16_corpus_is_the_float32_corpus_rounded(pair):
    c32, c16 = pair
    for name in c32.specs:
        a, b = c32.features[name], c16.features[name]
        assert a.dtype == np.float32 and b.dtype == np.float16
        assert np.array_equal(b, a.astype(np.float16))  # the same random stream, rounded once
        err = np.abs(b.astype(np.float32) - a)
        assert (err <= REL * np.abs(a) + ABS).all()
        assert np.array_equal(c32.masks[name], c16.masks[name])
    for lab in c32.labels:
        assert np.array_equal(c32.labels[lab], c16.labels[lab])
    assert c16.features["audio"].nbytes * 2 == c32.features["audio"].nbytes


def test_unknown_feature_dtype_is_refused():
    with pytest.raises(ValueError, match="feature_dtype"):
        generate(replace(preset("tiny"), feature_dtype="int8"))


def test_training_batches_from_float16_are_float32_and_match_within_rounding(pair):
    c32, c16 = pair
    movies = c32.movies_in_split("train")
    names = list(c32.specs)
    n32, n16 = Normalizer.fit(c32, movies, names), Normalizer.fit(c16, movies, names)
    for n in names:
        # float64 accumulation over rounded values: the statistics move by far less than a rounding
        np.testing.assert_allclose(n16.mean[n], n32.mean[n], atol=1e-4)
        np.testing.assert_allclose(n16.std[n], n32.std[n], rtol=1e-4)
    table = ClipTable.build(c32, movies, 10)
    clips = np.arange(len(table))[::3]
    b32 = ClipLoader(c32, table, n32, names, torch.device("cpu")).batch(clips)
    b16 = ClipLoader(c16, table, n32, names, torch.device("cpu")).batch(clips)
    for n in names:
        assert b16.inputs[n].dtype == torch.float32
        std = torch.from_numpy(n32.std[n])
        # one rounding of the raw value, divided by the feature's standard deviation
        bound = (REL * b32.inputs[n].abs().mul(std).add(torch.from_numpy(n32.mean[n]).abs()) + ABS) / std
        assert ((b16.inputs[n] - b32.inputs[n]).abs() <= bound + 1e-6).all()
        assert torch.equal(b16.present[n], b32.present[n])
