"""`videoaffect train --dataset` on the layouts that come with features instead of videos: the
model records where its features came from, evaluates on the dataset's own test split, and
refuses to predict a video with a message that says what to do."""

import json

import pytest

from helpers import SHARED
from mediaeval_files import write_official
from videoaffect.cli.main import main
from videoaffect.decoding.synthetic_media import make_video

SMALL = ["--hidden-size", "8", "--head-hidden", "8", "--context-hidden", "4", "--max-epochs", "2",
         "--batch-size", "8", "--clip-seconds", "3"]


def test_mediaeval_provided_features_train_on_dev_only_and_evaluate_on_test(tmp_path, capsys):
    root = write_official(tmp_path / "me18", {0: 12, 1: 12, 2: 12, 3: 12, 54: 12, 55: 12})
    model = tmp_path / "model"
    assert main(["-q", "train", "--dataset", str(root), "--out", str(model), *SMALL]) == 0
    meta = json.loads((model / "model.json").read_text())
    assert meta["features"]["feature_set"] is None
    assert "features distributed with MediaEval 2018" in meta["features"]["description"]
    assert meta["info"]["train_split"] == "dev" and meta["info"]["training_movies"] == 4
    for task in ("valence", "arousal"):
        val = json.loads((model / task / "metrics.json").read_text())["validation_movies"]
        assert all(int(m[-2:]) < 54 for m in val)
    capsys.readouterr()
    report = tmp_path / "report.json"
    assert main(["-q", "evaluate", str(model), "--dataset", str(root), "--json", str(report)]) == 0
    reports = json.loads(report.read_text())
    assert set(reports) == {"valence", "arousal"}
    assert all(r["movies"] == 2 and r["seconds"] == 24 for r in reports.values())  # movies 54 and 55
    video = make_video(tmp_path / "film.mp4", 3)
    assert main(["-q", "predict", str(video), "--model", str(model), "--out", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "cannot be computed for a new video" in err and "Train on videos" in err


@pytest.mark.skipif(not (SHARED / "data" / "liris-accede-discrete").is_dir(), reason="../shared/data absent")
def test_liris_discrete_trains_one_second_clips_on_the_scale_of_its_ratings(tmp_path):
    model = tmp_path / "model"
    root = SHARED / "data" / "liris-accede-discrete"
    assert main(["-q", "train", "--dataset", str(root), "--out", str(model), "--hidden-size", "8",
                 "--head-hidden", "8", "--max-epochs", "2"]) == 0
    meta = json.loads((model / "model.json").read_text())
    assert meta["label_scale"]["low"] == 1.0 and meta["label_scale"]["high"] == 5.0
    assert "1 (most negative" in meta["label_scale"]["description"]
    config = json.loads((model / "valence" / "config.json").read_text())["model"]
    assert config["clip_seconds"] == 1 and config["context"] == "none"  # one clip per excerpt
