"""`videoaffect extract` on a batch where some inputs name no readable file: each is one failed
movie with its reason (naming the file, the manifest line and the fix), the others are
extracted, the exit code is 1; a strict reader (the Python API, training) still refuses them.
Real (tiny, generated) video files, cheap extractors."""

from __future__ import annotations

from pathlib import Path

import pytest

from videoaffect.cli.main import main
from videoaffect.decoding.synthetic_media import make_video
from videoaffect.features.extract import InputError, collect_batch, collect_inputs
from videoaffect.features.store import FeatureStore

FAKE = "fake_extractors:tiny_set"


@pytest.fixture
def batch(tmp_path) -> tuple[Path, Path]:
    make_video(tmp_path / "clips" / "good.mp4", 2, fps=5)
    (tmp_path / "clips" / "folder.mp4").mkdir()
    manifest = tmp_path / "list.csv"
    manifest.write_text("path,movie_id\nclips/gone.mp4,first\nclips/good.mp4,\nclips/folder.mp4,\n")
    return manifest, tmp_path / "absent.mp4"


def test_collect_batch_keeps_unreadable_inputs_in_order_with_their_reason(batch, tmp_path):
    manifest, absent = batch
    videos = collect_batch([manifest, absent])
    assert [(v.movie_id, bool(v.problem)) for v in videos] == [
        ("first", True), ("good", False), ("folder", True), ("absent", True)]
    gone, folder = tmp_path / "clips" / "gone.mp4", tmp_path / "clips" / "folder.mp4"
    assert videos[0].problem == (f"{manifest}, line 2: video file {gone} does not exist (paths are relative to "
                                 "the manifest's folder); correct the path in that row or remove the row")
    assert f"line 4: video file {folder} is a folder, not a video file" in videos[2].problem
    assert videos[3].problem == f"{absent} does not exist; correct the path or leave it out of the command"
    with pytest.raises(InputError, match=r"list.csv, line 2: video file .*gone.mp4 does not exist"):
        collect_inputs([manifest])
    # an id used twice is still refused before any work, a missing file included
    with pytest.raises(InputError, match="'good' is used by both"):
        collect_batch([manifest, tmp_path / "elsewhere" / "good.mp4"])


def test_cli_extract_does_every_readable_movie_and_lists_the_others(batch, tmp_path, capsys):
    manifest, absent = batch
    store = tmp_path / "store"
    capsys.readouterr()
    code = main(["-q", "extract", str(manifest), str(absent), "--set", FAKE, "--out", str(store), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    failed = [line for line in captured.err.splitlines() if line.startswith("FAILED")]
    assert [line.split()[1] for line in failed] == ["first", "folder", "absent"], captured.err
    assert f"{manifest}, line 2" in failed[0] and "remove the row" in failed[0]
    assert "1 extracted, 0 up to date, 3 failed" in captured.out
    stored = FeatureStore(store).read(FAKE, "good")
    assert stored.seconds == 2 and set(stored.features) == {"scene", "audio"}
    assert FeatureStore(store).movies(FAKE) == ["good"]
