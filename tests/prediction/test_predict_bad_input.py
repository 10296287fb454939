"""`videoaffect predict` on awkward inputs, with real files, real decoders and a real (tiny)
model trained once per module from generated labelled videos: a video without audio, without
faces, too short, corrupt or truncated; a model of another version, without a task, or of the
0.1 single-task layout; an output path that is a file; a feature store holding another job's
features; a second run reusing the store; and the Python API against the CLI's CSV.

Every case checks the exit code, that the message names the offending file, and that nothing
half-written is left in the output folder."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pandas as pd
import pytest

import videoaffect
from videoaffect.cli.main import main
from videoaffect.datasets.synthetic.videos import write_manifest_dataset
from videoaffect.decoding.synthetic_media import make_video
from videoaffect.extractors.default.expression import COUNT_INDEX
from videoaffect.features.store import FeatureStore
from videoaffect.models.affect_model import ModelLoadError
from videoaffect.models.card import GENERATED_WARNING, GeneratedDataWarning

SECONDS = 12  # length of the test videos
SUFFIXES = (".csv", ".json", ".png", ".html")
SMALL = ["--hidden-size", "8", "--head-hidden", "8", "--context-hidden", "4", "--max-epochs", "2",
         "--batch-size", "8"]


# ---------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def models(tmp_path_factory, packaged_weights):
    """One small two-task model and one valence-only model, trained from generated videos."""
    root = tmp_path_factory.mktemp("predict_bad_input")
    manifest = write_manifest_dataset(root / "data", {"train": 4, "test": 1}, seconds=(12, 16), size=(64, 48),
                                      fps=5)
    store = root / "train_store"
    both, valence = root / "model", root / "model_valence"
    assert main(["-q", "train", "--dataset", str(manifest), "--store", str(store), "--out", str(both), *SMALL]) == 0
    assert main(["-q", "train", "--dataset", str(manifest), "--store", str(store), "--out", str(valence),
                 "--task", "valence", *SMALL]) == 0
    assert (both / "model.json").is_file() and (valence / "model.json").is_file()
    return SimpleNamespace(root=root, both=both, valence=valence)


def video(path: Path, seconds: float = SECONDS, **kw) -> Path:
    """A small real H.264/MPEG-4 file (no faces: flat frames spelling their index)."""
    return make_video(path, seconds, fps=5, size=(64, 48), **kw)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["-q", *[str(a) for a in argv]])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def error_line(err: str) -> str:
    """The single `videoaffect: error: ...` line of a user error."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("videoaffect: error: "), err
    return lines[0]


def failed_lines(err: str) -> list[str]:
    return [line for line in err.strip().splitlines() if line.startswith("FAILED")]


def half_written(folder: Path) -> list[str]:
    """Temporary or hidden files a writer left behind."""
    if not folder.exists():
        return []
    return [p.name for p in folder.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")]


def assert_outputs(out: Path, done: list[str], failed: list[str] = ()) -> None:
    """The four files of each done video, none of any failed one, nothing half-written."""
    for stem in done:
        for suffix in SUFFIXES:
            assert (out / f"{stem}{suffix}").is_file(), f"{stem}{suffix} missing in {sorted(os.listdir(out))}"
    for stem in failed:
        assert not list(out.glob(f"{stem}.*")), f"outputs of failed {stem}: {sorted(os.listdir(out))}"
    assert half_written(out) == []
    expected = {f"{stem}{suffix}" for stem in done for suffix in SUFFIXES} | {"index.json", "summary.csv"}
    assert {p.name for p in out.iterdir()} == expected
    index = {row["movie_id"]: row for row in json.loads((out / "index.json").read_text())}
    assert {m for m, row in index.items() if row["status"] == "done"} == set(done)
    assert all(index[m]["status"] == "failed" and index[m]["reason"] for m in failed)
    assert all("error" not in row for row in index.values())  # one word for it: "reason", as in summary.csv
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert dict(zip(summary["movie_id"].astype(str), summary["status"])) == {m: r["status"] for m, r in index.items()}
    # the same key and text for the failure in both files
    assert dict(zip(summary["movie_id"].astype(str), summary["reason"])) == {m: r["reason"] for m, r in index.items()}
    assert all(summary.loc[summary["movie_id"].astype(str) == m, "reason"].iloc[0] for m in failed)


def assert_no_outputs(out: Path) -> None:
    """A refused command leaves no file in the output folder (an empty folder at most)."""
    assert not out.exists() or list(out.iterdir()) == [], sorted(os.listdir(out))


def fingerprint(path: Path) -> tuple:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_ino


# ---------------------------------------------------------------------- 1. no audio track
def test_video_without_audio_track_still_gets_its_curve(models, tmp_path, capsys):
    silent = video(tmp_path / "silent.mp4", audio=False)
    with av.open(str(silent)) as container:  # really no audio stream, as the decoder sees it
        assert len(container.streams.audio) == 0 and len(container.streams.video) == 1
    out = tmp_path / "out"
    rc, stdout, err = run(["predict", silent, "--model", models.both, "--out", out], capsys)
    assert rc == 0, err
    assert "1 predicted, 0 failed" in stdout
    assert_outputs(out, ["silent"])

    csv = pd.read_csv(out / "silent.csv", index_col="time_s", comment="#")
    assert len(csv) == SECONDS and list(csv.index) == list(range(SECONDS))
    assert (csv["audio_present"] == 0).all()
    for task in ("valence", "arousal"):
        assert np.isfinite(csv[task]).all()
        assert (csv[f"{task}_contrib_audio"] == 0).all()  # a missing modality adds nothing
    meta = json.loads((out / "silent.json").read_text())
    assert meta["video"]["seconds"] == SECONDS
    assert meta["missing"]["audio"]["seconds_missing"] == SECONDS
    assert meta["missing"]["audio"]["ranges"] == [[0, SECONDS - 1]]
    html = (out / "silent.html").read_text()
    assert "no audio track" in html


# ---------------------------------------------------------------------- 2. no faces
def test_video_without_faces_still_gets_its_curve(models, tmp_path, capsys):
    faceless = video(tmp_path / "faceless.mp4")
    store, out = tmp_path / "store", tmp_path / "out"
    rc, stdout, err = run(["predict", faceless, "--model", models.both, "--out", out, "--store", store], capsys)
    assert rc == 0, err
    assert_outputs(out, ["faceless"])
    # the face detector really found no face in any second
    stored = FeatureStore(store).read("default", "faceless")
    assert (stored.features["expression"][:, COUNT_INDEX] == 0).all()
    csv = pd.read_csv(out / "faceless.csv", index_col="time_s", comment="#")
    assert len(csv) == SECONDS
    for task in ("valence", "arousal", "valence_intra", "arousal_intra"):
        assert np.isfinite(csv[task]).all()
    assert (csv["audio_present"] == 1).all() and (csv["scene_present"] == 1).all()


def test_video_without_faces_reports_expression_missing(models, tmp_path, capsys):
    faceless = video(tmp_path / "faceless.mp4")
    out = tmp_path / "out"
    rc, _, err = run(["predict", faceless, "--model", models.both, "--out", out], capsys)
    assert rc == 0, err
    assert_outputs(out, ["faceless"])
    csv = pd.read_csv(out / "faceless.csv", index_col="time_s", comment="#")
    assert np.isfinite(csv["valence"]).all() and np.isfinite(csv["arousal"]).all()
    assert (csv["expression_present"] == 0).all()
    meta = json.loads((out / "faceless.json").read_text())
    assert meta["missing"]["expression"]["seconds_missing"] == SECONDS
    assert "no face" in (out / "faceless.html").read_text()


# ---------------------------------------------------------------------- 3. too short
def test_video_shorter_than_a_second_fails_alone(models, tmp_path, capsys):
    short = video(tmp_path / "short.mp4", 0.4)
    good = video(tmp_path / "good.mp4")
    out = tmp_path / "out"
    rc, stdout, err = run(["predict", short, good, "--model", models.both, "--out", out], capsys)
    assert rc == 1
    lines = failed_lines(err)
    assert len(lines) == 1 and str(short) in lines[0], err
    assert "0.40 s" in lines[0]
    assert "1 predicted, 1 failed" in stdout
    assert f"done    good: {SECONDS:.1f} s" in stdout  # the duration, to the tenth of a second
    assert_outputs(out, ["good"], failed=["short"])


# ---------------------------------------------------------------------- 4. corrupt / truncated
def test_corrupt_and_truncated_videos_are_listed_as_failed(models, tmp_path, capsys):
    good = video(tmp_path / "good.mp4")
    head = tmp_path / "head.mp4"  # first 2 kB of a real mp4 (index at the end: missing)
    head.write_bytes(good.read_bytes()[:2048])
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    whole = video(tmp_path / "src" / "cut.mp4", faststart=True)  # index first: opens, then breaks
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    out, store = tmp_path / "out", tmp_path / "store"
    rc, stdout, err = run(["predict", head, good, noise, cut, "--model", models.both, "--out", out,
                           "--store", store], capsys)
    assert rc == 1
    lines = failed_lines(err)
    assert len(lines) == 3, err
    for bad, line in zip((head, noise, cut), lines):
        assert line.startswith(f"FAILED  {bad.stem} ({bad})"), line
        assert str(bad) in line.split(":", 1)[1]  # the reason names the file too
    assert "truncated" in lines[2]
    assert "1 predicted, 3 failed" in stdout
    assert_outputs(out, ["good"], failed=["head", "noise", "cut"])
    # the store keeps only the good movie; the one that broke mid-decode left no partial file
    assert FeatureStore(store).movies("default") == ["good"]
    assert half_written(store) == []


# ---------------------------------------------------------------------- 4b. a manifest row that fails
def test_manifest_row_and_argument_naming_missing_files_fail_alone(models, tmp_path, capsys):
    good = video(tmp_path / "clips" / "good.mp4")
    noise = tmp_path / "clips" / "noise.mp4"
    noise.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    manifest = tmp_path / "list.csv"
    manifest.write_text("video,movie_id\nclips/gone.mp4,\nclips/good.mp4,\nclips/noise.mp4,\n")
    absent = tmp_path / "absent.mp4"  # a plain argument naming no file
    out = tmp_path / "out"
    rc, stdout, err = run(["predict", manifest, absent, "--model", models.both, "--out", out], capsys)
    assert rc == 1
    lines = failed_lines(err)
    assert len(lines) == 3, err
    gone = tmp_path / "clips" / "gone.mp4"
    by_id = {line.split()[1]: line for line in lines}
    assert by_id["gone"].startswith(f"FAILED  gone ({gone})")
    assert f"{manifest}, line 2: video file {gone} does not exist" in by_id["gone"]
    assert "correct the path in that row or remove the row" in by_id["gone"]
    assert by_id["absent"] == (f"FAILED  absent ({absent}): {absent} does not exist; correct the path or leave it "
                               "out of the command")
    assert str(noise) in by_id["noise"].split(":", 1)[1]
    assert "1 predicted, 3 failed" in stdout
    assert_outputs(out, ["good"], failed=["gone", "noise", "absent"])
    index = json.loads((out / "index.json").read_text())
    assert [row["movie_id"] for row in index] == ["gone", "good", "noise", "absent"]  # the inputs' order
    assert index[0]["reason"] == by_id["gone"].split(": ", 1)[1]
    assert index[1]["path"] == str(good) and index[1]["status"] == "done"
    # the good video's outputs are complete: every second, finite curves
    csv = pd.read_csv(out / "good.csv", index_col="time_s", comment="#")
    assert list(csv.index) == list(range(SECONDS))
    assert np.isfinite(csv[["valence", "arousal"]].to_numpy()).all()
    assert json.loads((out / "good.json").read_text())["video"]["seconds"] == SECONDS


# ---------------------------------------------------------------------- 5. model of another version
def test_model_of_another_format_version_is_refused(models, tmp_path, capsys):
    model = tmp_path / "model99"
    shutil.copytree(models.both, model)
    meta = json.loads((model / "model.json").read_text())
    meta["format"] = "videoaffect-bundle/99"
    (model / "model.json").write_text(json.dumps(meta, indent=2))
    before = fingerprint(model / "model.json")
    good = video(tmp_path / "good.mp4")
    out = tmp_path / "out"
    rc, stdout, err = run(["predict", good, "--model", model, "--out", out], capsys)
    assert rc == 2
    line = error_line(err)
    assert str(model / "model.json") in line
    assert "videoaffect-bundle/99" in line and "install" in line and "retrain" in line
    assert_no_outputs(out)
    assert fingerprint(model / "model.json") == before
    with pytest.raises(ModelLoadError, match="videoaffect-bundle/99"):
        videoaffect.load_model(model)


# ---------------------------------------------------------------------- 6. model without a task
def test_model_without_a_task(models, tmp_path, capsys):
    good = video(tmp_path / "good.mp4")
    for task_args in (["--task", "both"], ["--task", "arousal"]):  # asking for the missing task
        out = tmp_path / f"out_{task_args[1]}"
        rc, _, err = run(["predict", good, "--model", models.valence, "--out", out, *task_args], capsys)
        assert rc == 2
        line = error_line(err)
        assert str(models.valence) in line
        assert "no arousal model" in line and "--task valence" in line and "videoaffect train" in line
        assert_no_outputs(out)

    for task_args in (["--task", "valence"], []):  # the default is the tasks the model has
        out = tmp_path / f"out_ok{len(task_args)}"
        rc, stdout, err = run(["predict", good, "--model", models.valence, "--out", out, *task_args], capsys)
        assert rc == 0, err
        assert_outputs(out, ["good"])
        csv = pd.read_csv(out / "good.csv", index_col="time_s", comment="#")
        assert len(csv) == SECONDS and np.isfinite(csv["valence"]).all()
        assert not [c for c in csv.columns if "arousal" in c], list(csv.columns)
        meta = json.loads((out / "good.json").read_text())
        assert meta["tasks"] == ["valence"] and "arousal" not in meta["summary"]


# ---------------------------------------------------------------------- 7. --out is a file
def test_output_path_that_is_a_file(models, tmp_path, capsys):
    good = video(tmp_path / "good.mp4")
    target = tmp_path / "results"
    target.write_text("my notes, not a folder\n")
    before = fingerprint(target)
    rc, _, err = run(["predict", good, "--model", models.both, "--out", target], capsys)
    assert rc == 2
    line = error_line(err)
    assert str(target) in line and "is a file" in line
    assert fingerprint(target) == before
    assert half_written(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.mp4", "results"]


# ---------------------------------------------------------------------- 8. store with another job's features
def test_store_with_other_features_of_the_same_movie_is_not_overwritten(models, tmp_path, capsys):
    clash = video(tmp_path / "clash.mp4")
    other = video(tmp_path / "other.mp4", 10)
    store = tmp_path / "store"
    rc, _, err = run(["extract", clash, "--out", store, "--modalities", "scene"], capsys)
    assert rc == 0, err
    stored = store / "default" / "clash.h5"
    before = fingerprint(stored)
    out = tmp_path / "out"
    rc, stdout, err = run(["predict", clash, other, "--model", models.both, "--out", out, "--store", store],
                          capsys)
    assert rc == 1
    lines = failed_lines(err)
    assert len(lines) == 1 and lines[0].startswith(f"FAILED  clash ({clash})"), err
    assert str(stored) in lines[0]
    assert "1 predicted, 1 failed" in stdout
    assert_outputs(out, ["other"], failed=["clash"])
    assert fingerprint(stored) == before
    assert set(FeatureStore(store).read("default", "clash").features) == {"scene"}
    assert FeatureStore(store).movies("default") == ["clash", "other"]
    assert half_written(store) == []


# ---------------------------------------------------------------------- 9. 0.1 single-task model dir
@pytest.fixture
def old_model(models, tmp_path) -> Path:
    old = tmp_path / "old_model"
    with pytest.warns(GeneratedDataWarning):  # the models here learnt from generated videos
        videoaffect.load_model(models.both).tasks["valence"].save(old)
    assert (old / "config.json").is_file() and (old / "weights.safetensors").is_file()
    assert not (old / "model.json").exists()
    return old


def test_old_single_task_model_dir_loads(old_model):
    bundle = videoaffect.load_model(old_model)
    assert list(bundle.tasks) == ["valence"]
    assert bundle.legacy and bundle.features.feature_set is None


def test_old_single_task_model_cannot_predict_videos_and_says_to_retrain(old_model, tmp_path, capsys):
    good = video(tmp_path / "good.mp4")
    out = tmp_path / "out"
    rc, _, err = run(["predict", good, "--model", old_model, "--out", out, "--task", "valence"], capsys)
    assert rc == 2
    line = error_line(err)
    assert str(old_model) in line and "videoaffect train --dataset" in line
    assert_no_outputs(out)
    with pytest.raises(ModelLoadError, match="videoaffect train --dataset"):
        videoaffect.predict(good, old_model, task="valence")


def test_old_single_task_model_with_default_task_says_to_retrain(old_model, tmp_path, capsys):
    good = video(tmp_path / "good.mp4")
    out = tmp_path / "out"
    rc, _, err = run(["predict", good, "--model", old_model, "--out", out], capsys)
    assert rc == 2
    line = error_line(err)
    assert_no_outputs(out)
    assert str(old_model) in line and "videoaffect train --dataset" in line, line


# ---------------------------------------------------------------------- 10. second run reuses the store
def test_second_run_with_the_same_store_does_not_extract_again(models, tmp_path, capsys):
    good = video(tmp_path / "good.mp4")
    store = tmp_path / "store"
    out1, out2 = tmp_path / "out1", tmp_path / "out2"
    rc, _, err = run(["predict", good, "--model", models.both, "--out", out1, "--store", store], capsys)
    assert rc == 0, err
    h5 = store / "default" / "good.h5"
    before = fingerprint(h5)
    rc, _, err = run(["predict", good, "--model", models.both, "--out", out2, "--store", store], capsys)
    assert rc == 0, err
    assert fingerprint(h5) == before  # same bytes, same mtime, same inode: not written again
    assert sorted(p.name for p in store.rglob("*") if p.is_file()) == ["good.h5", "store.json"]
    assert_outputs(out1, ["good"])
    assert_outputs(out2, ["good"])
    for suffix in SUFFIXES:
        assert (out1 / f"good{suffix}").read_bytes() == (out2 / f"good{suffix}").read_bytes(), suffix


# ---------------------------------------------------------------------- 11. Python API == CLI CSV
@pytest.mark.parametrize("stride", [1, 5])
def test_python_api_equals_the_cli_csv(models, tmp_path, capsys, stride):
    good = video(tmp_path / "good.mp4")
    out = tmp_path / "out"
    rc, _, err = run(["predict", good, "--model", models.both, "--out", out, "--clip-stride", stride], capsys)
    assert rc == 0, err
    assert_outputs(out, ["good"])
    # the models here learnt from generated videos: both API calls say so (a UserWarning subclass)
    with pytest.warns(GeneratedDataWarning, match=f"the model {models.both} was trained on generated videos"):
        model = videoaffect.load_model(models.both)
    with pytest.warns(UserWarning, match=f"the curve of {good} comes from a model trained on generated videos"):
        frame = videoaffect.predict(good, model, clip_stride=stride)  # its own, fresh extraction
    assert frame.attrs["videoaffect"]["warning"] == GENERATED_WARNING
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.name == "time_s" and list(frame.index) == list(range(SECONDS))
    csv = pd.read_csv(out / "good.csv", index_col="time_s", comment="#")
    assert list(frame.columns) == list(csv.columns)
    assert list(csv.index) == list(frame.index)
    np.testing.assert_allclose(frame.to_numpy(dtype=np.float64), csv.to_numpy(dtype=np.float64), rtol=0,
                               atol=1e-6)
    # the attrs hold the JSON file's metadata
    written = json.loads((out / "good.json").read_text())
    written.pop("curve")
    assert json.loads(json.dumps(frame.attrs["videoaffect"])) == written
    assert written["model"]["clip_stride"] == stride
    # the model directory path form gives the same numbers
    with pytest.warns(GeneratedDataWarning):
        again = videoaffect.predict(good, models.both, clip_stride=stride, store=tmp_path / "api_store")
    np.testing.assert_allclose(again.to_numpy(dtype=np.float64), csv.to_numpy(dtype=np.float64), rtol=0, atol=1e-6)


def test_a_model_trained_on_real_data_loads_without_a_warning(models, tmp_path):
    real = tmp_path / "real_model"
    shutil.copytree(models.both, real)
    meta = json.loads((real / "model.json").read_text())
    meta["info"]["training_data"].update(generated=False, generated_by=None)
    (real / "model.json").write_text(json.dumps(meta))
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeneratedDataWarning)
        assert not videoaffect.load_model(real).generated


# ---------------------------------------------------------------------- 11b. every video fails
def test_a_call_where_every_video_fails_leaves_nothing_behind(models, tmp_path, capsys):
    nope, noise = tmp_path / "nope.mp4", tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(2).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    out, store = tmp_path / "e2" / "curves", tmp_path / "new_store"
    argv = ["predict", nope, noise, "--model", models.both, "--out", out, "--store", store]
    rc, stdout, err = run(argv, capsys)
    assert rc == 1
    lines = failed_lines(err)
    assert lines[0] == f"FAILED  nope ({nope}): {nope} does not exist; correct the path or leave it out of the command"
    assert lines[1].startswith(f"FAILED  noise ({noise}): ") and len(lines) == 2, err
    assert f"0 predicted, 2 failed: nothing written (no {out} folder made)" in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noise.mp4"]  # no e2/, no store (it had store.json)
    # into a folder that was there before: the failures are listed there, as with any failure
    out.mkdir(parents=True)
    rc, _, err = run(argv, capsys)
    assert rc == 1 and len(failed_lines(err)) == 2
    assert_outputs(out, [], failed=["nope", "noise"])
    assert not store.exists()
    # one video done: the failed one is listed beside it; the duration to the tenth of a second
    clip = make_video(tmp_path / "clip.mp4", 5.3, fps=10, size=(64, 48))
    mixed = tmp_path / "mixed"
    rc, stdout, err = run(["predict", clip, nope, "--model", models.both, "--out", mixed], capsys)
    assert rc == 1 and len(failed_lines(err)) == 1
    assert f"done    clip: 5.3 s -> {mixed / 'clip.html'}" in stdout
    assert_outputs(mixed, ["clip"], failed=["nope"])
    summary = pd.read_csv(mixed / "summary.csv")  # default arguments
    row = summary.set_index("movie_id").loc["clip"]
    assert row["duration_s"] == 5.3 and row["seconds_predicted"] == 5 and row["warning"] == GENERATED_WARNING
    assert json.loads((mixed / "clip.json").read_text())["video"]["duration_s"] == pytest.approx(5.3, abs=1e-3)


# ---------------------------------------------------------------------- 12. features of another extractor
def test_model_trained_with_another_extractor_version_is_refused_with_the_reason(models, tmp_path, capsys):
    changed = tmp_path / "model_other_version"
    shutil.copytree(models.both, changed)
    meta = json.loads((changed / "model.json").read_text())
    meta["features"]["provenance"]["extractors"]["scene"]["version"] = "0"
    (changed / "model.json").write_text(json.dumps(meta))
    good = video(tmp_path / "good.mp4")
    out = tmp_path / "out"
    rc, _, err = run(["predict", good, "--model", changed, "--out", out], capsys)
    assert rc == 2
    line = error_line(err)
    assert "scene: version is '1' here, the model was trained with '0'" in line
    assert "retrain" in line
    assert_no_outputs(out)


def test_missing_weight_file_is_refused_naming_it(models, tmp_path, capsys, monkeypatch):
    from videoaffect.features import movie

    monkeypatch.setenv("VIDEOAFFECT_WEIGHTS_DIR", str(tmp_path / "empty-weights"))
    monkeypatch.setattr(movie, "_EXTRACTOR_CACHE", {})  # extractors built before would hide it
    good = video(tmp_path / "good.mp4")
    out = tmp_path / "out"
    rc, _, err = run(["predict", good, "--model", models.both, "--out", out], capsys)
    assert rc == 2
    line = error_line(err)
    # the registry's one message, every missing file and one command, not wrapped in another
    assert "mtcnn_pnet.pt" in line and "videoaffect weights pull" in line, line
    assert "cannot be built here" not in line and line.count("needs") == 1, line
    assert_no_outputs(out)


def test_another_video_with_the_same_id_does_not_overwrite_the_store_unless_forced(models, tmp_path, capsys):
    store, out = tmp_path / "store", tmp_path / "out"
    first = video(tmp_path / "a" / "film.mp4")
    rc, _, err = run(["predict", first, "--model", models.both, "--out", out, "--store", store], capsys)
    assert rc == 0, err
    stored = store / "default" / "film.h5"
    before = fingerprint(stored)
    edited = video(tmp_path / "b" / "film.mp4", seconds=SECONDS - 3)  # same name, other content
    rc, _, err = run(["predict", edited, "--model", models.both, "--out", tmp_path / "out2", "--store", store],
                     capsys)
    assert rc == 1
    (line,) = failed_lines(err)
    assert str(stored) in line and "another file named 'film'" in line and "--force" in line
    assert fingerprint(stored) == before
    rc, _, err = run(["predict", edited, "--model", models.both, "--out", tmp_path / "out3", "--store", store,
                      "--force"], capsys)
    assert rc == 0, err
    assert len(pd.read_csv(tmp_path / "out3" / "film.csv", comment="#")) == SECONDS - 3


def test_valence_only_annotations_train_a_valence_model(tmp_path, capsys, packaged_weights):
    manifest = write_manifest_dataset(tmp_path / "data", {"train": 3}, seconds=(12, 14), size=(64, 48), fps=5)
    for labels in (tmp_path / "data" / "labels").glob("*.txt"):
        rows = [line.split("\t")[:2] for line in labels.read_text().splitlines()]
        labels.write_text("\n".join("\t".join(r) for r in rows) + "\n")  # Time, Valence only
    store = tmp_path / "store"
    rc, _, err = run(["train", "--dataset", manifest, "--store", store, "--out", tmp_path / "both", *SMALL], capsys)
    assert rc == 2
    line = error_line(err)
    assert "have no arousal labels" in line and "--task valence" in line
    rc, _, err = run(["train", "--dataset", manifest, "--store", store, "--out", tmp_path / "v", "--task",
                      "valence", *SMALL], capsys)
    assert rc == 0, err
    with pytest.warns(GeneratedDataWarning):
        assert videoaffect.load_model(tmp_path / "v").tasks.keys() == {"valence"}


def test_labels_are_compared_with_the_prediction_in_the_json_console_and_viewer(models, tmp_path, capsys):
    """`predict VIDEO --labels LABELS --viewer`: the JSON's "audience" holds the labels and r / MSE over the
    seconds both have (numpy's), the console prints them, the viewer page draws them."""
    clip = video(tmp_path / "clip.mp4")
    t = np.arange(SECONDS + 1)  # one second more than predicted: within the 2 s tolerance
    mean = np.round(0.5 * np.sin(t), 4)
    labels = tmp_path / "clip_Valence.txt"  # the official name: the task is read from it
    labels.write_text("Time\tMean\tStd\n" + "".join(f"{i}\t{m}\t0.1\n" for i, m in zip(t, mean)))
    out = tmp_path / "out"
    rc, text, err = run(["predict", clip, "--model", models.both, "--out", out, "--labels", labels, "--viewer"],
                        capsys)
    assert rc == 0, err
    doc = json.loads((out / "clip.json").read_text())
    predicted = np.array(doc["curve"]["valence"])
    n = len(predicted)
    r, mse = np.corrcoef(predicted, mean[:n])[0, 1], np.mean((predicted - mean[:n]) ** 2)
    entry = doc["audience"]["valence"]
    assert entry["seconds_compared"] == n == SECONDS and entry["label_seconds"] == SECONDS + 1
    assert (entry["pearson_r"], entry["mse"]) == pytest.approx((r, mse), rel=1e-6)  # labels read as float32
    assert f"audience valence: r {r:.3f}, MSE {mse:.4f} over the {n} seconds both have" in text
    page = (out / "clip.viewer.html").read_text()
    assert '<div id="audience-stats">' in page and "valence audience (mean)" in page
