"""The extraction job on real (tiny, generated) video files, with cheap extractors whose
outputs are known exactly."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from videoaffect.cli.main import main
from videoaffect.decoding.synthetic_media import make_audio, make_png, make_video
from videoaffect.features.extract import InputError, collect_inputs, run_extraction
from videoaffect.features.store import FeatureStore

TESTS = Path(__file__).resolve().parent
FAKE = "fake_extractors:tiny_set"


def grey_per_second(index, t, size):
    w, h = size
    return np.full((h, w, 3), 40 * int(t) + 20, dtype=np.uint8)


def tone(t):
    return 0.5 * np.sin(2 * np.pi * 440 * t)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    good = make_video(d / "good one.mp4", 4, fps=10, pattern=grey_per_second, tone=tone)
    accent = make_video(d / "film été.mp4", 3, fps=10, pattern=grey_per_second, tone=tone)
    silent = make_video(d / "silent.mp4", 3, fps=10, audio=False, pattern=grey_per_second)
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    png = make_png(d / "picture.mp4")
    audio_only = make_audio(d / "voice.m4a", 3)
    full = make_video(d / "cut.mp4", 6, fps=10)
    truncated = d / "truncated.mp4"
    truncated.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    return {"good": good, "accent": accent, "silent": silent, "empty": empty, "png": png,
            "audio_only": audio_only, "truncated": truncated}


def test_good_files_extracted_bad_files_reported_and_others_still_processed(media, tmp_path):
    store_dir = tmp_path / "store"
    videos = collect_inputs([str(p) for p in media.values()])
    results = {r.movie_id: r for r in run_extraction(videos, FAKE, store_dir, progress=False)}
    assert {k for k, r in results.items() if r.status == "done"} == {"good one", "film été", "silent"}
    for bad in ("empty", "picture", "voice", "truncated"):
        r = results[bad]
        assert r.status == "failed"
        assert Path(media_path(media, bad)).name in r.reason, r.reason
    store = FeatureStore(store_dir)
    assert store.movies(FAKE) == sorted(["film été", "good one", "silent"])

    m = store.read(FAKE, "good one")
    assert m.seconds == 4
    # the frame of second t is the one on screen at t + 0.5 s: grey level 40 t + 20
    np.testing.assert_allclose(m.features["scene"][:, 0], (40 * np.arange(4) + 20) / 255.0, atol=3 / 255)
    assert m.present["audio"].all()
    np.testing.assert_allclose(m.features["audio"][1:, 0], 0.5 / np.sqrt(2), atol=0.03)
    assert m.source["name"] == "good one.mp4" and len(m.source["sha256"]) == 64

    silent = store.read(FAKE, "silent")
    assert not silent.present["audio"].any() and silent.present["scene"].all()


def media_path(media, movie_id):
    return {"empty": media["empty"], "picture": media["png"], "voice": media["audio_only"],
            "truncated": media["truncated"]}[movie_id]


def test_rerun_skips_up_to_date_and_redoes_changed_or_stale(media, tmp_path):
    d = tmp_path / "v"
    d.mkdir()
    a = shutil.copy(media["good"], d / "a.mp4")
    shutil.copy(media["accent"], d / "b.mp4")
    store_dir = tmp_path / "store"
    first = run_extraction(collect_inputs([d]), FAKE, store_dir, progress=False)
    assert [r.status for r in first] == ["done", "done"]
    again = run_extraction(collect_inputs([d]), FAKE, store_dir, progress=False)
    assert [r.status for r in again] == ["skipped", "skipped"]
    make_video(a, 2, fps=10)  # the source file changed
    third = run_extraction(collect_inputs([d]), FAKE, store_dir, progress=False)
    assert [r.status for r in third] == ["done", "skipped"]
    assert FeatureStore(store_dir).read(FAKE, "a").seconds == 2
    forced = run_extraction(collect_inputs([d]), FAKE, store_dir, progress=False, force=True)
    assert [r.status for r in forced] == ["done", "done"]
    # an extractor whose version changed makes stored features stale
    import fake_extractors

    old = fake_extractors.MeanColour.version
    fake_extractors.MeanColour.version = "2"
    try:
        stale = run_extraction(collect_inputs([d]), FAKE, store_dir, progress=False)
    finally:
        fake_extractors.MeanColour.version = old
    assert [r.status for r in stale] == ["done", "done"]


def test_worker_processes_give_identical_features(media, tmp_path):
    videos = collect_inputs([media["good"], media["accent"], media["silent"]])
    run_extraction(videos, FAKE, tmp_path / "serial", progress=False)
    results = run_extraction(videos, FAKE, tmp_path / "parallel", workers=2, progress=False)
    assert [r.status for r in results] == ["done"] * 3
    for v in videos:
        a = FeatureStore(tmp_path / "serial").read(FAKE, v.movie_id)
        b = FeatureStore(tmp_path / "parallel").read(FAKE, v.movie_id)
        for name in a.features:
            np.testing.assert_array_equal(a.features[name], b.features[name])


def test_dask_backend_on_a_local_cluster(media, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")]))
    videos = collect_inputs([media["good"], media["png"]])
    results = run_extraction(videos, FAKE, tmp_path / "dask", workers=2, backend="dask", progress=False)
    assert [r.status for r in results] == ["done", "failed"]
    serial = run_extraction(videos[:1], FAKE, tmp_path / "serial", progress=False)
    assert serial[0].status == "done"
    a = FeatureStore(tmp_path / "dask").read(FAKE, "good one")
    b = FeatureStore(tmp_path / "serial").read(FAKE, "good one")
    np.testing.assert_array_equal(a.features["scene"], b.features["scene"])


def test_inputs_folders_manifests_and_duplicate_ids(media, tmp_path):
    manifest = tmp_path / "list.csv"
    rel = os.path.relpath(media["good"], tmp_path)
    manifest.write_text(f"path,movie_id\n{rel},MEDIAEVAL18_00\n")
    assert collect_inputs([manifest])[0].movie_id == "MEDIAEVAL18_00"
    with pytest.raises(InputError, match="is used by both"):
        collect_inputs([media["good"], media["good"]])
    with pytest.raises(InputError, match="does not exist"):
        collect_inputs([tmp_path / "nope.mp4"])
    bad = tmp_path / "bad.csv"
    bad.write_text("file\nx.mp4\n")
    with pytest.raises(InputError, match=r"no column 'video' \(or 'path'\)"):
        collect_inputs([bad])


def test_cli_extract_exit_code_and_features_show(media, tmp_path, capsys):
    store = tmp_path / "store"
    code = main(["-q", "extract", str(media["good"]), str(media["empty"]), "--set", FAKE, "--out", str(store),
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "FAILED   empty" in captured.err and "1 extracted, 0 up to date, 1 failed" in captured.out
    assert main(["-q", "features", "show", str(store), "good one"]) == 0
    out = capsys.readouterr().out
    assert "scene" in out and "(4, 3)" in out and "test.scene.mean-colour v1" in out
    assert main(["-q", "extract", str(media["good"]), "--set", FAKE, "--out", str(store), "--no-progress"]) == 0
    assert "0 extracted, 1 up to date, 0 failed" in capsys.readouterr().out


def test_huge_resolution_is_downscaled_before_extractors(tmp_path):
    from videoaffect.features.movie import MAX_SIDE

    video = make_video(tmp_path / "huge.mp4", 2, fps=2, size=(3000, 1500), audio=False)
    results = run_extraction(collect_inputs([video]), "fake_extractors:size_set", tmp_path / "s", progress=False)
    assert results[0].status == "done", results[0].reason
    sizes = FeatureStore(tmp_path / "s").read("fake_extractors:size_set", "huge").features["scene"]
    assert sizes.tolist() == [[MAX_SIDE / 2, MAX_SIDE]] * 2


def test_unknown_feature_set_options_are_clear_errors():
    from videoaffect.extractors.feature_sets import build_feature_set

    with pytest.raises(ValueError, match="options for unknown modalities"):
        build_feature_set("default", options={"smell": {}})
    with pytest.raises(ValueError, match="cannot import"):
        build_feature_set("no_such_module:x")


def test_cli_paper_precision_reaches_the_action_and_scene_extractors(tmp_path, monkeypatch):
    import videoaffect.features.job as job_module

    seen = {}

    def fake_run_extraction(videos, feature_set, out, **kwargs):
        seen.update(feature_set=feature_set, options=kwargs["options"])
        return []

    monkeypatch.setattr(job_module, "run_extraction", fake_run_extraction)
    video = make_video(tmp_path / "clip.mp4", 2, size=(32, 24))
    assert main(["extract", str(video), "--feature-set", "paper", "--out", str(tmp_path / "store"),
                 "--paper-precision", "float32", "--scene-backbone", "resnet50"]) == 0
    assert seen["options"] == {"scene": {"backbone": "resnet50", "compute_dtype": "float32"},
                               "action": {"compute_dtype": "float32"}}
