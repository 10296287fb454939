"""`predict` on a catalogue: outputs written as each video finishes, `summary.csv`, reruns that
redo nothing finished (also after SIGKILL), the dask backend; `train --dataset`'s extraction
killed and resumed.  Real processes, real decoders, the default feature set, a tiny model."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import wait_for
from videoaffect.cli.main import main
from videoaffect.datasets.synthetic.videos import write_manifest_dataset, write_movie
from videoaffect.decoding.media import probe
from videoaffect.features.store import FeatureStore
from videoaffect.models.card import GENERATED_WARNING

pytestmark = [pytest.mark.slow]
TESTS = Path(__file__).resolve().parents[1]
SMALL = ["--hidden-size", "8", "--head-hidden", "8", "--context-hidden", "4", "--max-epochs", "2", "--batch-size",
         "8", "--ensemble", "1"]


@pytest.fixture(scope="module")
def model(tmp_path_factory, packaged_weights):
    root = tmp_path_factory.mktemp("catalogue")
    manifest = write_manifest_dataset(root / "data", {"train": 3, "test": 1}, seconds=(10, 12), size=(64, 48), fps=5)
    out = root / "model"
    assert main(["-q", "train", "--dataset", str(manifest), "--store", str(root / "store"), "--out", str(out),
                 *SMALL]) == 0
    return out


def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), *[p for p in [env.get("PYTHONPATH")] if p]])
    return env


def _films(folder: Path, n: int, seconds: int = 6) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    for k in range(n):
        write_movie(folder / f"film{k:02d}.mp4", np.tanh(rng.standard_normal(seconds + k)),
                    np.tanh(rng.standard_normal(seconds + k)), size=(64, 48), fps=5, seed=k)
    return folder


def _mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name.startswith("film")}


def test_summary_and_a_rerun_that_keeps_current_outputs(model, tmp_path, capsys):
    films = _films(tmp_path / "films", 3)
    (films / "broken.mp4").write_bytes(b"not a video")
    out = tmp_path / "curves"
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(out)]) == 1
    with open(out / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["movie_id"] for r in rows] == ["broken", "film00", "film01", "film02"]
    broken, *done = rows
    assert broken["status"] == "failed" and broken["reason"] and broken["duration_s"] == ""
    assert broken["warning"] == ""  # nothing predicted, nothing to warn about
    for r in done:
        curve = json.loads((out / f"{r['movie_id']}.json").read_text())
        valence = np.asarray(curve["curve"]["valence"])
        arousal = np.asarray(curve["curve"]["arousal"])
        assert r["status"] == "done" and int(r["seconds_predicted"]) == len(valence)
        # the decoded duration, to the tenth of a second (the JSON has it to the millisecond)
        assert float(r["duration_s"]) == round(probe(films / f"{r['movie_id']}.mp4").duration_s, 1)
        assert curve["video"]["duration_s"] == pytest.approx(float(r["duration_s"]), abs=0.05)
        # the model learnt from generated videos: every predicted row says so in words
        assert r["warning"] == GENERATED_WARNING == curve["warning"]
        assert float(r["valence_mean"]) == pytest.approx(valence.mean(), abs=1e-5)
        assert float(r["valence_std"]) == pytest.approx(valence.std(), abs=1e-5)
        assert float(r["arousal_max"]) == pytest.approx(arousal.max(), abs=1e-5)
        assert int(r["valence_max_at_s"]) == int(valence.argmax())
        assert int(r["valence_min_at_s"]) == int(valence.argmin())
        assert int(r["arousal_max_at_s"]) == int(arousal.argmax())
        assert int(r["arousal_min_at_s"]) == int(arousal.argmin())
    before = _mtimes(out)
    capsys.readouterr()
    (films / "broken.mp4").unlink()
    write_movie(films / "film03.mp4", np.zeros(5), np.zeros(5), size=(64, 48), fps=5)
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 predicted, 0 failed, 3 up to date" in printed
    after = _mtimes(out)
    assert {k: after[k] for k in before} == before  # nothing finished was rewritten
    index = {o["movie_id"]: o for o in json.loads((out / "index.json").read_text())}
    assert [index[f"film0{k}"]["up_to_date"] for k in range(4)] == [True, True, True, False]
    # an edited video is redone; --force redoes everything
    write_movie(films / "film00.mp4", np.ones(7) * 0.5, np.zeros(7), size=(64, 48), fps=5)
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(out)]) == 0
    assert "1 predicted, 0 failed, 3 up to date" in capsys.readouterr().out
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(out), "--force"]) == 0
    assert "4 predicted, 0 failed -> " in capsys.readouterr().out


def test_predict_killed_mid_batch_keeps_finished_videos(model, tmp_path):
    films = _films(tmp_path / "films", 4, seconds=8)
    out, store = tmp_path / "curves", tmp_path / "store"
    command = [sys.executable, "-m", "videoaffect", "-q", "predict", str(films), "--model", str(model), "--out",
               str(out), "--store", str(store), "--no-progress"]
    proc = subprocess.Popen(command, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    first = out / "film00.json"
    wait_for(first.is_file, proc, "the first video's outputs", timeout=240)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    finished = sorted(p.stem for p in out.glob("film*.json"))
    assert finished and len(finished) < 4, finished  # killed mid-batch
    kept = {m: (out / f"{m}.json").stat().st_mtime_ns for m in finished}
    assert all((out / f"{m}{s}").is_file() for m in finished for s in (".csv", ".png", ".html"))
    rerun = subprocess.run(command, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{4 - len(finished)} predicted, 0 failed, {len(finished)} up to date" in rerun.stdout
    assert {m: (out / f"{m}.json").stat().st_mtime_ns for m in finished} == kept
    assert sorted(p.stem for p in out.glob("film*.json")) == [f"film{k:02d}" for k in range(4)]


def test_predict_on_a_dask_cluster_gives_the_local_curves(model, tmp_path):
    films = _films(tmp_path / "films", 2)
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(tmp_path / "local")]) == 0
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(tmp_path / "dask"),
                 "--backend", "dask", "--workers", "2"]) == 0
    for k in range(2):
        a = json.loads((tmp_path / "local" / f"film{k:02d}.json").read_text())["curve"]
        b = json.loads((tmp_path / "dask" / f"film{k:02d}.json").read_text())["curve"]
        assert a["valence"] == b["valence"] and a["arousal"] == b["arousal"]


def test_train_extraction_killed_and_resumed_redoes_no_finished_video(tmp_path, packaged_weights):
    manifest = write_manifest_dataset(tmp_path / "data", {"train": 5}, seconds=(14, 16), size=(64, 48), fps=5)
    store, model = tmp_path / "store", tmp_path / "model"
    command = [sys.executable, "-m", "videoaffect", "-q", "train", "--dataset", str(manifest), "--store", str(store),
               "--out", str(model), "--no-progress", *SMALL]
    proc = subprocess.Popen(command, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)

    def some_finished() -> bool:
        return (store / "default").is_dir() and any((store / "default").glob("*.h5"))

    wait_for(some_finished, proc, "the first extracted video", timeout=240)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    finished = {p.stem: p.stat().st_mtime_ns for p in (store / "default").glob("*.h5")}
    assert finished and not (model / "model.json").exists()
    rerun = subprocess.run(command, env=cli_env(), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert {m: (store / "default" / f"{m}.h5").stat().st_mtime_ns for m in finished} == finished
    assert sorted(FeatureStore(store).movies("default")) == [f"film{k:03d}" for k in range(5)]
    assert (model / "model.json").is_file()


def test_predict_viewer_pages_point_at_the_videos_and_follow_reruns(model, tmp_path, capsys):
    films = _films(tmp_path / "films", 2)
    out = tmp_path / "curves"
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(out)]) == 0
    assert not list(out.glob("*.viewer.html"))
    json_before = (out / "film00.json").stat().st_mtime_ns
    # asked for later: made from the current outputs, nothing else redone
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(out), "--viewer"]) == 0
    assert "0 predicted, 0 failed, 2 up to date" in capsys.readouterr().out
    assert (out / "film00.json").stat().st_mtime_ns == json_before
    for k in range(2):
        page = (out / f"film{k:02d}.viewer.html").read_text()
        assert f'src="../films/film{k:02d}.mp4"' in page
        index = {o["movie_id"]: o for o in json.loads((out / "index.json").read_text())}
        assert str(out / f"film{k:02d}.viewer.html") in index[f"film{k:02d}"]["files"]
    # --force redoes the page with the rest (written together with the four other files)
    stamp = (out / "film01.viewer.html").stat().st_mtime_ns
    assert main(["-q", "predict", str(films), "--model", str(model), "--out", str(out), "--force"]) == 0
    assert (out / "film01.viewer.html").stat().st_mtime_ns != stamp
