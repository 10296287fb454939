"""A modality with no present second in a whole data set (default-deep's text modality where no
film has subtitles) is left out when the data set loads, with a warning and a line in the model
card, instead of stopping training."""

import logging

import numpy as np
import pytest

from videoaffect.core.modality import ModalitySpec
from videoaffect.datasets.corpus import Corpus, CorpusError, Movie
from videoaffect.datasets.loading import DatasetInfo, LoadedDataset, _without_absent_modalities
from videoaffect.models.normalizer import Normalizer

SPECS = [ModalitySpec("audio", (4,), "test/1"), ModalitySpec("text", (10,), "test/1")]


def _corpus(text_in: tuple[bool, ...]) -> Corpus:
    rng = np.random.default_rng(0)
    movies = []
    for i, has_text in enumerate(text_in):
        feats = {"audio": rng.standard_normal((12, 4))}
        if has_text:
            feats["text"] = rng.standard_normal((12, 10))
        movies.append(Movie(movie_id=f"m{i}", features=feats, valence=np.zeros(12), arousal=np.zeros(12)))
    return Corpus.from_movies(movies, SPECS)


def test_absent_modality_is_found_and_dropped_sharing_the_rest():
    corpus = _corpus((False, False))
    assert corpus.absent_modalities() == ["text"]
    with pytest.raises(CorpusError, match="'text' is absent from every training second"):
        Normalizer.fit(corpus, [0, 1], ["audio", "text"])
    kept = corpus.without_modalities(["text"])
    assert list(kept.specs) == ["audio"] and kept.features["audio"] is corpus.features["audio"]
    assert Normalizer.fit(kept, [0, 1], ["audio"]).mean["audio"].shape == (4,)


def test_loading_leaves_out_an_absent_modality_with_a_warning_and_says_so_in_the_card(caplog):
    loaded = LoadedDataset(_corpus((False, False)), DatasetInfo(name="films.csv"))
    with caplog.at_level(logging.WARNING, logger="videoaffect"):
        out = _without_absent_modalities(loaded)
    assert list(out.corpus.specs) == ["audio"]
    assert "'text' is absent from every second of films.csv" in caplog.text
    assert out.info.card["modalities_left_out"] == {"text": "absent from every second of the data set"}


def test_a_modality_present_in_one_film_is_kept():
    loaded = LoadedDataset(_corpus((False, True)), DatasetInfo(name="films.csv"))
    assert list(_without_absent_modalities(loaded).corpus.specs) == ["audio", "text"]
