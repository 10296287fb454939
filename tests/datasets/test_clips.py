import numpy as np
import pytest

from videoaffect.core.modality import ModalitySpec
from videoaffect.datasets.clips import ClipTable, class_of
from videoaffect.datasets.corpus import Corpus, CorpusError, Movie

SPECS = [ModalitySpec("audio", (2,))]


def corpus_of(lengths, labelled=True):
    movies = []
    for i, n in enumerate(lengths):
        v = np.linspace(-1, 1, n) if labelled else None
        movies.append(Movie(f"m{i}", {"audio": np.zeros((n, 2))}, valence=v, arousal=v))
    return Corpus.from_movies(movies, SPECS)


def test_non_overlapping_clips_keep_the_partial_last_clip():
    corpus = corpus_of([25, 7])
    table = ClipTable.build(corpus, [0, 1], 10)
    assert table.length.tolist() == [10, 10, 5, 7]
    assert table.start.tolist() == [0, 10, 20, 25]
    assert table.position.tolist() == [0, 1, 2, 0]
    assert table.movie.tolist() == [0, 0, 0, 1]
    assert int(table.length.sum()) == corpus.total_seconds  # every second is covered once


def test_clip_longer_than_movie_gives_one_short_clip():
    table = ClipTable.build(corpus_of([4]), [0], 10)
    assert table.length.tolist() == [4]


def test_clip_target_is_mean_of_second_labels():
    corpus = corpus_of([25, 7])
    table = ClipTable.build(corpus, [0, 1], 10)
    labels = corpus.labels["valence"]
    expected = [labels[0:10].mean(), labels[10:20].mean(), labels[20:25].mean(), labels[25:32].mean()]
    np.testing.assert_allclose(table.targets(corpus, "valence"), expected, rtol=1e-5, atol=1e-6)


def test_unlabelled_movie_cannot_be_a_training_target():
    corpus = Corpus.from_movies(
        [
            Movie("unlabelled", {"audio": np.zeros((5, 2))}),
            Movie("labelled", {"audio": np.zeros((5, 2))}, valence=np.zeros(5), arousal=np.zeros(5)),
        ],
        SPECS,
    )
    assert ClipTable.build(corpus, [1], 10).targets(corpus, "valence").tolist() == [0.0]
    with pytest.raises(CorpusError, match="'unlabelled' has no valence labels"):
        ClipTable.build(corpus, [0, 1], 10).targets(corpus, "valence")


def test_second_rows_pad_with_last_row_and_flag_padding():
    table = ClipTable.build(corpus_of([13]), [0], 10)
    rows, valid = table.second_rows(np.array([1]))
    assert rows.tolist() == [[10, 11, 12, 12, 12, 12, 12, 12, 12, 12]]
    assert valid.sum() == 3


def test_bad_clip_seconds():
    with pytest.raises(CorpusError, match="positive"):
        ClipTable.build(corpus_of([5]), [0], 0)


def test_class_of_thresholds():
    assert class_of(np.array([-0.9, -0.2, 0.5, 0.34]), (-1 / 3, 1 / 3)).tolist() == [0, 1, 2, 2]
