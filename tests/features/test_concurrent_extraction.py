"""Extractors run side by side in threads (features/movie.py): same features as one after the
other, in order, and a failure stops the movie cleanly."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from helpers import SHARED
from videoaffect.decoding.media import iter_seconds
from videoaffect.decoding.synthetic_media import make_video
from videoaffect.extractors.base import Extractor
from videoaffect.extractors.feature_sets import build_feature_set
from videoaffect.features.movie import VideoInput, extract_movie, intra_op_threads, run_extractors
from videoaffect.features.store import FeatureStore

BUNNY = SHARED / "media" / "bigbuckbunny.mp4"


class SecondIndex(Extractor):
    """Writes each second's index; sleeps a varying time so the threads finish out of order."""

    needs = "frame"
    shape = (1,)

    def __init__(self, modality: str, batch_size: int, delay: float, fail_at: int | None = None) -> None:
        self.modality, self.name, self.batch_size = modality, f"test.{modality}.index", batch_size
        self.delay, self.fail_at = delay, fail_at
        self.seen: list[int] = []
        self.threads: set[str] = set()

    def extract(self, samples):
        time.sleep(self.delay * (1 + len(self.seen) % 3))
        indices = [s.index for s in samples]
        if self.fail_at is not None and self.fail_at in indices:
            raise RuntimeError(f"{self.modality} failed at second {self.fail_at}")
        self.seen += indices
        self.threads.add(threading.current_thread().name)
        return np.array(indices, np.float32)[:, None], np.ones(len(samples), bool)


class FakeSample:
    def __init__(self, index: int) -> None:
        self.index = index


@pytest.mark.parametrize("side_by_side", [True, False])
def test_every_extractor_sees_every_batch_in_order_and_writes_in_order(side_by_side):
    extractors = [SecondIndex("audio", 4, 0.004), SecondIndex("scene", 4, 0.0), SecondIndex("motion", 4, 0.002)]
    written: dict[str, list[float]] = {ex.modality: [] for ex in extractors}
    threads: set[str] = set()

    def write(modality, features, present):
        threads.add(threading.current_thread().name)
        written[modality].extend(features[:, 0].tolist())

    progress = list(run_extractors(extractors, (FakeSample(i) for i in range(23)), 4, write, side_by_side))
    assert threads == {threading.current_thread().name}  # the writer is only ever called here
    ran_in = [ex.threads for ex in extractors]
    assert all(len(t) == 1 for t in ran_in)
    assert len(set.union(*ran_in)) == (len(extractors) if side_by_side else 1)
    assert progress == [4, 8, 12, 16, 20, 23]
    for ex in extractors:
        assert ex.seen == list(range(23))
        assert written[ex.modality] == list(range(23))


def test_a_failing_extractor_stops_the_movie_and_leaves_no_threads(tmp_path):
    path = make_video(tmp_path / "clip.mp4", 9, size=(32, 24))
    before = threading.active_count()
    extractors = [SecondIndex("scene", 2, 0.0), SecondIndex("audio", 2, 0.001, fail_at=5)]
    result = extract_movie(VideoInput(str(path), "clip"), "test", str(tmp_path / "store"), extractors=extractors)
    assert result.status == "failed" and "audio failed at second 5" in result.reason
    assert FeatureStore(tmp_path / "store").movies("test") == []
    assert threading.active_count() == before  # decoder and extractor threads all ended


def test_intra_op_threads_is_scoped_and_follows_the_extractors():
    share = torch.get_num_threads()
    light, heavy = SecondIndex("audio", 1, 0.0), SecondIndex("scene", 1, 0.0)
    light.intra_op_threads = 1
    with intra_op_threads([light]) as threads:
        assert threads == torch.get_num_threads() == 1
    assert torch.get_num_threads() == share
    with intra_op_threads([light, heavy]) as threads:  # heavy (None) wants the whole share
        assert threads == torch.get_num_threads() == share


@pytest.mark.skipif(not BUNNY.exists(), reason=f"shared media clip absent ({BUNNY})")
def test_default_set_features_on_the_real_clip_equal_one_after_the_other(tmp_path, packaged_weights):
    extractors = build_feature_set("default")
    result = extract_movie(VideoInput(str(BUNNY), "bunny"), "default", str(tmp_path), extractors=extractors)
    assert result.status == "done"
    stored = FeatureStore(tmp_path).read("default", "bunny")
    # The reference: every frame decoded, extractors called one after the other in this thread.
    samples = list(iter_seconds(BUNNY, motion_fps=6, max_side=1280, skip_unused=False))
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for ex in extractors:
            ex.start_movie()
            rows = [ex.extract(samples[i : i + ex.batch_size]) for i in range(0, len(samples), ex.batch_size)]
            expected = np.concatenate([r[0] for r in rows])
            # torch's results may differ in the last bits with another thread layout; nothing else does
            np.testing.assert_allclose(stored.features[ex.modality], expected, rtol=1e-5, atol=1e-6,
                                       err_msg=ex.modality)
            np.testing.assert_array_equal(stored.present[ex.modality], np.concatenate([r[1] for r in rows]))
    finally:
        torch.set_num_threads(previous)
