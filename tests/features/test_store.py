import json

import numpy as np
import pytest

from videoaffect.datasets.corpus import Movie
from videoaffect.features.store import FeatureStore, StoreError

SPECS = {"audio": (4,), "action": (2, 4, 4)}
PROV = {"feature_set": "default", "extractors": {"audio": {"extractor": "x", "version": "1"}}}
MPROV = {"audio": {"extractor": "test.audio", "version": "1", "weights": {}}, "action": {"extractor": "test.action", "version": "2", "weights": {"w": "ab" * 32}}}
SOURCE = {"name": "film.mp4", "size": 123, "sha256": "cd" * 32}


def write(store, movie="film", seconds=10, batches=(4, 4, 2)):
    w = store.writer("default", movie, seconds, SPECS, PROV, MPROV, SOURCE)
    t = 0
    for n in batches:
        w.append("audio", np.full((n, 4), t, np.float32) + np.arange(n)[:, None], np.ones(n, bool))
        w.append("action", np.ones((n, 2, 4, 4), np.float32), np.arange(t, t + n) % 2 == 0)
        t += n
    return w


def test_round_trip_with_provenance(tmp_path):
    store = FeatureStore(tmp_path / "store")
    path = write(store).commit()
    assert path == tmp_path / "store" / "default" / "film.h5"
    m = store.read("default", "film")
    assert m.seconds == 10 and m.time.tolist() == list(range(10))
    np.testing.assert_array_equal(m.features["audio"][:, 0], np.arange(10))
    assert m.features["action"].dtype == np.float16 and m.features["action"].shape == (10, 2, 4, 4)
    assert m.present["action"].tolist() == [True, False] * 5
    assert m.provenance == PROV and m.modality_provenance["action"]["weights"] == {"w": "ab" * 32}
    assert m.source["sha256"] == "cd" * 32 and m.source["name"] == "film.mp4"
    specs = {s.name: s for s in m.specs()}
    assert specs["action"].shape == (2, 4, 4) and specs["action"].extractor == "test.action/2"
    movie = Movie.from_stored(m, valence=np.zeros(10), arousal=np.zeros(10))
    assert movie.masks["action"].sum() == 5


def test_unfinished_movie_leaves_no_file(tmp_path):
    store = FeatureStore(tmp_path)
    w = write(store, batches=(4, 4))  # 8 of 10 seconds
    with pytest.raises(StoreError, match="incomplete"):
        w.commit()
    assert not (tmp_path / "default" / "film.h5").exists()
    assert not list((tmp_path / "default").glob(".*tmp"))


def test_killed_writer_leaves_only_a_temp_file_that_the_next_run_removes(tmp_path):
    store = FeatureStore(tmp_path)
    write(store, batches=(4,))  # never committed: as if the process died
    assert not (tmp_path / "default" / "film.h5").exists()
    assert store.movies("default") == []
    write(store).commit()
    assert store.movies("default") == ["film"]
    assert not list((tmp_path / "default").glob(".*tmp"))


def test_is_current_compares_provenance_and_source(tmp_path):
    store = FeatureStore(tmp_path)
    write(store).commit()
    assert store.is_current("default", "film", PROV, SOURCE["sha256"])
    assert not store.is_current("default", "film", PROV, "ee" * 32)
    changed = json.loads(json.dumps(PROV))
    changed["extractors"]["audio"]["version"] = "2"
    assert not store.is_current("default", "film", changed, SOURCE["sha256"])
    assert not store.is_current("default", "other", PROV, SOURCE["sha256"])


def test_nan_and_overflow_rejected(tmp_path):
    store = FeatureStore(tmp_path)
    w = store.writer("default", "film", 3, SPECS, PROV, MPROV, SOURCE)
    with pytest.raises(StoreError, match="NaN"):
        w.append("audio", np.full((3, 4), np.nan, np.float32), np.ones(3, bool))
    w.append("audio", np.zeros((3, 4), np.float32), np.ones(3, bool))
    with pytest.raises(StoreError, match="more seconds"):
        w.append("audio", np.zeros((1, 4), np.float32), np.ones(1, bool))
    w.abort()


def test_missing_movie_and_non_store_errors(tmp_path):
    store = FeatureStore(tmp_path / "s")
    with pytest.raises(StoreError, match=r"'nope' has no 'default' features.*videoaffect extract"):
        store.read("default", "nope")
    with pytest.raises(StoreError, match=r"does not exist; make a feature store with `videoaffect extract"):
        FeatureStore(tmp_path / "absent", create=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="not a feature store"):
        FeatureStore(tmp_path / "empty", create=False)


def test_each_writer_has_its_own_temporary_file_and_a_new_writer_removes_only_its_movies(tmp_path):
    store = FeatureStore(tmp_path)
    # "film.h5" is a movie id too: its file must not be taken for a temporary file of "film"
    other = write(store, movie="film.h5", batches=(4,))
    first = write(store, batches=(4,))
    second = write(store, batches=(4,))
    assert first.tmp != second.tmp and not first.tmp.exists() and second.tmp.exists()
    assert other.tmp.exists()
    second.append("audio", np.zeros((6, 4), np.float32), np.ones(6, bool))
    second.append("action", np.zeros((6, 2, 4, 4), np.float32), np.ones(6, bool))
    second.commit()
    other.abort()
    assert sorted(p.name for p in (tmp_path / "default").iterdir()) == ["film.h5"]


def test_remove_temporary_clears_what_killed_writers_left(tmp_path):
    store = FeatureStore(tmp_path)
    write(store).commit()
    left = write(store, movie="half", batches=(4,))
    left._file.close()  # as the kernel does for a killed process
    (tmp_path / ".store.json.k2j4x9.tmp").write_text("{")
    removed = store.remove_temporary()
    assert sorted(p.name for p in removed) == sorted([left.tmp.name, ".store.json.k2j4x9.tmp"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == \
        ["default", "default/film.h5", "store.json"]
    assert store.movies("default") == ["film"]
