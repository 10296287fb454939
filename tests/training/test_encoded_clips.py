"""The final intra-clip model's clip features are computed once after training and shared by
the inter-clip stage, the reference means and the contributions: the same numbers as each
making its own pass through the encoders."""

import numpy as np
import torch

from helpers import fast_train_config, small_model_config
from videoaffect.training.pipeline import (
    Trainer,
    clip_feature_means,
    encode_clips,
    modality_contributions,
)


def test_shared_clip_features_equal_separate_passes(tiny_corpus):
    cfg = small_model_config(tiny_corpus, task="valence")
    trainer = Trainer(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(max_epochs=1))
    intra = trainer.new_intra(trainer.names)
    for split in (trainer.train, trainer.val):
        enc = encode_clips(intra, split.loader, split.clips)
        assert torch.allclose(trainer.embeddings(intra, split, enc), trainer.embeddings(intra, split), atol=1e-6)
        shared = clip_feature_means(intra, split.loader, split.clips, enc)
        own = clip_feature_means(intra, split.loader, split.clips)
        for n in intra.modality_names:
            np.testing.assert_allclose(shared[n], own[n], atol=1e-6)
        assert modality_contributions(intra, split.loader, split.clips, enc) == modality_contributions(
            intra, split.loader, split.clips
        )


def test_contributions_are_ratios_of_spreads_and_finite_for_one_clip(tiny_corpus):
    import warnings

    cfg = small_model_config(tiny_corpus, task="valence")
    trainer = Trainer(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(max_epochs=1))
    intra = trainer.new_intra(trainer.names)
    split = trainer.train
    enc = encode_clips(intra, split.loader, split.clips)
    got = modality_contributions(intra, split.loader, split.clips, enc)
    # independent of the std's ddof: the sample std (ddof 1) of each change over that of the prediction
    with torch.no_grad():
        full = sum(enc.features.values())
        pred = intra.head(full).numpy().ravel()
        for name, f in enc.features.items():
            ablated = intra.head(full - f + f.mean(0, keepdim=True)).numpy().ravel()
            assert np.isclose(got[name], np.std(pred - ablated, ddof=1) / np.std(pred, ddof=1), rtol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's "degrees of freedom <= 0" warning would be an error
        one = modality_contributions(intra, split.loader, split.clips[:1])
    # one clip: replacing a modality by its mean over the clips changes nothing
    assert one == {name: 0.0 for name in enc.features}
