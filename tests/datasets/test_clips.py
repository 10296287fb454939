import math

import numpy as np
import pytest

from videoaffect.core.modality import ModalitySpec
from videoaffect.datasets.clips import ClipSampler, ClipTable, class_of
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


def test_sampler_spans_of_the_paper_tiling_and_of_an_offset_tiling():
    sampler = ClipSampler.non_overlapping(10)
    assert sampler.spans(23).tolist() == [[0, 10], [10, 20], [20, 23]]
    assert sampler.spans(23, offset=3).tolist() == [[0, 3], [3, 13], [13, 23]]
    assert sampler.spans(4).tolist() == [[0, 4]] and sampler.spans(4, offset=7).tolist() == [[0, 4]]
    assert sampler.starts(30, offset=9).tolist() == [0, 9, 19, 29]
    with pytest.raises(CorpusError, match=r"offset must lie in \[0, 10\)"):
        sampler.starts(23, offset=10)


def test_sampler_stride_offsets_and_clamping():
    assert ClipSampler(10, 3).offsets == (0, 3, 6, 9) and ClipSampler(10, 3).overlapping
    assert ClipSampler(10, 10).offsets == (0,) and not ClipSampler(10, 10).overlapping
    assert ClipSampler.for_stride(10, None) == ClipSampler(10, 10)
    assert ClipSampler.for_stride(10, 25).stride == 10  # what train, evaluate and predict do
    assert ClipSampler.for_stride(10, 1) == ClipSampler(10, 1)
    with pytest.raises(ValueError, match="between 1 and the clip length"):
        ClipSampler.for_stride(10, 25, clamp=False)
    with pytest.raises(ValueError, match="between 1 and the clip length"):
        ClipSampler(10, 0)
    with pytest.raises(CorpusError, match="positive"):
        ClipSampler(0, 1)


def test_tilings_of_a_stride_cover_each_second_once_per_tiling():
    sampler = ClipSampler(6, 2)
    spans = np.concatenate([sampler.spans(17, off) for off in sampler.offsets])
    cover = np.zeros(17, dtype=int)
    for a, b in spans:
        cover[a:b] += 1
    assert cover.tolist() == [3] * 17


def test_sampler_table_and_the_seconds_each_clip_covers():
    corpus = corpus_of([25, 7])
    table = ClipSampler(10, 5).table(corpus, [0, 1], offset=5)
    assert table.start.tolist() == [0, 5, 15, 25, 30] and table.length.tolist() == [5, 10, 10, 5, 2]
    assert table.position.tolist() == [0, 1, 2, 0, 1]
    spans = table.movie_spans(corpus)
    assert spans[0].tolist() == [[0, 5], [5, 15], [15, 25]] and spans[1].tolist() == [[0, 5], [5, 7]]
    held = table.held(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert held[0].tolist() == [1.0] * 5 + [2.0] * 10 + [3.0] * 10 and held[1].tolist() == [4.0] * 5 + [5.0] * 2
    np.testing.assert_allclose(table.means(np.arange(32.0)), [2.0, 9.5, 19.5, 27.0, 30.5])


def test_sampler_ema_decays_per_clip_and_per_second():
    sampler = ClipSampler.non_overlapping(10)
    tau = 10 / math.log(2)  # halves every 10-s clip
    assert sampler.decay_per_clip(tau) == pytest.approx(0.5)
    assert sampler.decay_per_second(0.5) == pytest.approx(0.5 ** 0.1)
    assert sampler.time_constant(0.5) == pytest.approx(tau)
    assert sampler.decay_per_clip(0.0) == 0.0 and sampler.time_constant(0.0) == 0.0
    assert sampler.decay_per_second(0.0) == 0.0
