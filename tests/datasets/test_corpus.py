import numpy as np
import pytest

from videoaffect.core.errors import DataError
from videoaffect.core.labels import LabelScale, LabelScaleError
from videoaffect.core.modality import ModalitySpec
from videoaffect.datasets.corpus import Corpus, CorpusError, Movie

SPECS = [ModalitySpec("audio", (4,), "test/1"), ModalitySpec("scene", (3,), "test/1")]


def movie(mid="m0", n=25, **kw):
    rng = np.random.default_rng(0)
    feats = {"audio": rng.standard_normal((n, 4)), "scene": rng.standard_normal((n, 3))}
    args = dict(movie_id=mid, features=feats, valence=np.linspace(-0.5, 0.5, n), arousal=np.zeros(n))
    args.update(kw)
    return Movie(**args)


def test_from_movies_packs_and_round_trips(tmp_path):
    a, b = movie("a", 25), movie("b", 13, split="test")
    corpus = Corpus.from_movies([a, b], SPECS)
    assert corpus.total_seconds == 38 and corpus.seconds(1) == 13
    np.testing.assert_allclose(corpus.features["audio"][25:], b.features["audio"], rtol=1e-6)
    corpus.save(tmp_path / "c")
    again = Corpus.load(tmp_path / "c")
    assert again.movie_ids == ["a", "b"] and again.splits == ["train", "test"]
    for name in ("audio", "scene"):
        np.testing.assert_array_equal(again.features[name], corpus.features[name])
        np.testing.assert_array_equal(again.masks[name], corpus.masks[name])
    np.testing.assert_array_equal(again.labels["valence"], corpus.labels["valence"])
    assert again.specs == corpus.specs


def test_label_length_mismatch_names_movie_and_fix():
    bad = movie("short_labels", 25, valence=np.zeros(20))
    with pytest.raises(CorpusError, match=r"short_labels.*valence labels: 20 s.*trim or pad"):
        Corpus.from_movies([bad], SPECS)


def test_feature_length_mismatch_between_modalities():
    bad = movie("m", 25)
    bad.features["scene"] = bad.features["scene"][:24]
    with pytest.raises(CorpusError, match="lengths differ"):
        Corpus.from_movies([bad], SPECS)


def test_nan_feature_is_an_error_unless_masked():
    bad = movie("nan_movie", 10)
    bad.features["audio"][3, 1] = np.nan
    with pytest.raises(CorpusError, match=r"nan_movie.*'audio'.*second 3.*mask"):
        Corpus.from_movies([bad], SPECS)
    mask = np.ones(10, dtype=bool)
    mask[3] = False
    ok = movie("nan_movie", 10)
    ok.features["audio"][3, 1] = np.nan
    ok.masks["audio"] = mask
    corpus = Corpus.from_movies([ok], SPECS)
    assert not corpus.masks["audio"][3] and np.isfinite(corpus.features["audio"]).all()


def test_inf_label_and_out_of_scale_label_rejected():
    with pytest.raises(LabelScaleError, match="infinite"):
        Corpus.from_movies([movie("m", 5, valence=np.array([0, 0, np.inf, 0, 0.0]))], SPECS)
    with pytest.raises(LabelScaleError, match=r"outside the mediaeval2018 scale"):
        Corpus.from_movies([movie("m", 5, valence=np.full(5, 3.0))], SPECS)


def test_empty_movie_and_no_movies_rejected():
    with pytest.raises(CorpusError, match="empty"):
        Corpus.from_movies([movie("empty", 0)], SPECS)
    with pytest.raises(CorpusError, match="at least one movie"):
        Corpus.from_movies([], SPECS)


def test_modality_absent_from_movie_is_masked_not_filled():
    m = movie("no_scene", 12)
    del m.features["scene"]
    corpus = Corpus.from_movies([m, movie("full", 12)], SPECS)
    assert not corpus.masks["scene"][:12].any() and corpus.masks["scene"][12:].all()


def test_wrong_shape_and_unknown_modality():
    m = movie("m", 10)
    m.features["audio"] = np.zeros((10, 5))
    with pytest.raises(CorpusError, match=r"shape \(10, 5\).*another extractor"):
        Corpus.from_movies([m], SPECS)
    m = movie("m", 10)
    m.features["action"] = np.zeros((10, 2))
    with pytest.raises(CorpusError, match="not in the corpus specs"):
        Corpus.from_movies([m], SPECS)


def test_duplicate_movie_id():
    with pytest.raises(CorpusError, match="twice"):
        Corpus.from_movies([movie("x"), movie("x")], SPECS)


def test_partial_nan_labels_rejected_but_unlabelled_movie_allowed():
    v = np.zeros(6)
    v[2] = np.nan
    with pytest.raises(CorpusError, match="NaN at second 2"):
        Corpus.from_movies([movie("m", 6, valence=v)], SPECS)
    corpus = Corpus.from_movies([movie("unlabelled", 6, valence=None, arousal=None)], SPECS)
    assert np.isnan(corpus.labels["valence"]).all()


def test_load_reports_missing_files(tmp_path):
    with pytest.raises(CorpusError, match="corpus.json not found"):
        Corpus.load(tmp_path)
    corpus = Corpus.from_movies([movie("a", 5)], SPECS)
    corpus.save(tmp_path / "c")
    (tmp_path / "c" / "movies" / "a.npz").unlink()
    with pytest.raises(CorpusError, match=r"a.npz is missing"):
        Corpus.load(tmp_path / "c")


def test_label_scale_maps_liris_1_to_5():
    scale = LabelScale.liris_discrete()
    np.testing.assert_allclose(scale.to_internal([1, 3, 5]), [-1, 0, 1])
    np.testing.assert_allclose(scale.from_internal(scale.to_internal([1.5, 4.2])), [1.5, 4.2], rtol=1e-6)
    assert scale.mse_factor() == 4.0
    corpus = Corpus.from_movies([movie("m", 3, valence=np.array([1.0, 3.0, 5.0]), arousal=np.full(3, 2.0))], SPECS, scale)
    np.testing.assert_allclose(corpus.labels["valence"], [-1, 0, 1])


def test_modality_spec_validation():
    with pytest.raises(DataError, match=r"\(dim,\) for a vector"):
        ModalitySpec("a", (3, 4))
    with pytest.raises(DataError, match="letters, digits"):
        ModalitySpec("bad name!", (3,))
    assert ModalitySpec("action", (8, 6, 6)).is_map
