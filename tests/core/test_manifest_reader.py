"""One manifest reader: a file that trains also extracts and predicts, BOM and header case included."""

from __future__ import annotations

from pathlib import Path

import pytest

from videoaffect.core.manifest import ManifestError, read_manifest
from videoaffect.datasets.manifest import GenericDataset
from videoaffect.features.extract import InputError, collect_inputs


def _files(root: Path) -> None:
    (root / "clips").mkdir(parents=True)
    (root / "labels").mkdir()
    for name in ("a", "b"):
        (root / "clips" / f"{name}.mp4").write_bytes(b"x")
        (root / "labels" / f"{name}.txt").write_text("Time\tValence\tArousal\n0\t0.1\t0.2\n")


@pytest.mark.parametrize("header", ["video,labels,split", "Video, Labels ,SPLIT", "path,labels,split"])
def test_the_same_manifest_serves_train_and_predict(tmp_path, header):
    _files(tmp_path)
    manifest = tmp_path / "list.csv"
    body = f"{header}\r\nclips/a.mp4,labels/a.txt,train\r\n\r\nclips/b.mp4,labels/b.txt,test\r\n"
    manifest.write_bytes("\ufeff".encode() + body.encode())  # a spreadsheet's UTF-8 with BOM
    trained = GenericDataset(manifest)
    predicted = collect_inputs([manifest])
    assert trained.movie_ids == [v.movie_id for v in predicted] == ["a", "b"]
    assert [trained.video(m) for m in trained.movie_ids] == [Path(v.path) for v in predicted]
    assert [trained.split(m) for m in trained.movie_ids] == ["train", "test"]
    assert Path(predicted[0].path) == tmp_path / "clips" / "a.mp4"


def test_bad_manifests_fail_alike_for_both(tmp_path):
    _files(tmp_path)
    manifest = tmp_path / "list.csv"
    manifest.write_text("movie,labels\nclips/a.mp4,labels/a.txt\n")
    with pytest.raises(ManifestError, match=r"line 1: no column 'video' \(or 'path'\)"):
        read_manifest(manifest)
    with pytest.raises(InputError, match=r"list.csv, line 1: no column 'video'"):
        collect_inputs([manifest])
    manifest.write_text("video\nclips/none.mp4\n")
    with pytest.raises(InputError, match=r"list.csv, line 2: video file .*none.mp4 does not exist"):
        collect_inputs([manifest])
    manifest.write_bytes(b"video\n\xff\xfe\n")
    with pytest.raises(ManifestError, match="not UTF-8"):
        read_manifest(manifest)
