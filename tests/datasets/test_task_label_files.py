"""One-task label files (the official LIRIS-ACCEDE continuous `<Film>_<Task>.txt` and what
`annotations merge` writes) and the manifest's per-task columns `valence` / `arousal`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import SHARED as SHARED_ROOT
from videoaffect.datasets.formats.annotations import (
    AnnotationError,
    DatasetError,
    align_labels,
    combine_tasks,
    read_task_labels,
)
from videoaffect.datasets.manifest import GenericDataset
from videoaffect.datasets.manifest import manifest_corpus_from_store as manifest_corpus
from videoaffect.features.store import FeatureStore

SHARED = SHARED_ROOT / "data" / "liris-accede-continuous" / "continuous-annotations"


def write_task_file(path: Path, means, header="Time\tMean\tStd\tRaters", sep="\t", start=0, std=0.1, raters=5) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = header.split(sep)
    lines = [header]
    for i, m in enumerate(means):
        cells = {"time": str(start + i), "mean": f"{m:.4f}", "std": str(std), "raters": str(raters)}
        lines.append(sep.join(cells.get(n.lower(), f"{m:.4f}") for n in names))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_merged_and_official_forms_read_as_the_named_task(tmp_path):
    merged = write_task_file(tmp_path / "film_Valence.tsv", [0.1, -0.2, 0.3])
    labels = read_task_labels(merged, "valence")
    assert labels.seconds == 3 and labels.source == merged
    np.testing.assert_allclose(labels.valence, [0.1, -0.2, 0.3], atol=1e-6)
    assert np.isnan(labels.arousal).all() and labels.arousal_std is None
    np.testing.assert_allclose(labels.task_std("valence"), [0.1] * 3, atol=1e-6)
    assert labels.raters is not None and labels.raters.tolist() == [5, 5, 5]
    # comma-separated, the task's own name as the value column, times from 1, no Std
    named = write_task_file(tmp_path / "a.csv", [0.5, 0.4], header="time,Arousal", sep=",", start=1)
    labels = read_task_labels(named, "arousal")
    assert labels.times.tolist() == [1, 2] and labels.arousal.tolist() == pytest.approx([0.5, 0.4])
    assert np.isnan(labels.valence).all() and labels.task_std("arousal") is None and labels.raters is None
    # a two-task file used as one task's file: that task's column
    both = tmp_path / "both.txt"
    both.write_text("Time\tValence\tArousal\n0\t0.1\t0.9\n1\t0.2\t0.8\n")
    assert read_task_labels(both, "arousal").arousal.tolist() == pytest.approx([0.9, 0.8])
    # an unknown spread (one rater) is NaN, not an error
    one = tmp_path / "one.tsv"
    one.write_text("Time\tMean\tStd\tRaters\n0\t0.1\tnan\t1\n1\t0.2\t\t1\n".replace("\t\t", "\tNA\t"))
    assert np.isnan(read_task_labels(one, "valence").valence_std).all()


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"the LIRIS-ACCEDE continuous annotations are not at {SHARED}")
def test_an_official_continuous_file_reads_as_it_is():
    labels = read_task_labels(SHARED / "Big_Buck_Bunny_Valence.txt", "valence")
    first = (SHARED / "Big_Buck_Bunny_Valence.txt").read_text().splitlines()[1].split("\t")
    assert labels.seconds == 598 and labels.times[0] == 0 and labels.times[-1] == 597
    assert labels.valence[0] == pytest.approx(float(first[1])) and labels.valence_std is not None
    assert labels.valence_std[0] == pytest.approx(float(first[2]))
    assert -1 <= labels.valence.min() and labels.valence.max() <= 1


@pytest.mark.parametrize("text,task,match", [
    ("Time\tArousal\n0\t0.1\n", "valence", r"line 1: the header \['Time', 'Arousal'\] names arousal, but the file is "
                                           r"used as the valence labels; give it as the arousal file"),
    ("Time\tStd\n0\t0.1\n", "valence", r"line 1: no value column .* needs a column 'Mean' \(or 'Valence'\)"),
    ("Mean\tStd\n0.1\t0.1\n", "valence", r"line 1: no time column"),
    ("Time\tMean\tStd\n0\t0,5\t0.1\n", "valence", r"line 2: Mean value '0,5' is not a number \(use '.' as the decimal"),
    ("Time\tMean\tStd\n0\t0.5\t-0.1\n", "arousal", r"line 2: Std -0.1 is negative"),
    ("Time\tMean\n0\t0.5\n2\t0.5\n", "valence", r"line 3: time jumps from 0 to 2"),
    ("Time\tMean\n0\t1.5\n", "valence", r"line 2: valence 1.5 lies outside \[-1, 1\]"),
    ("Time\tMean\tStd\n0\t0.5\n", "valence", r"line 2: 2 tab-separated fields, but the header has 3"),
    ("# merged\nTime\tMean\n0\tnan\n", "valence", r"line 3: Mean is 'nan'; every second needs a finite value"),
])
def test_task_file_errors_name_the_file_line_and_fix(tmp_path, text, task, match):
    path = tmp_path / "film.txt"
    path.write_text(text)
    with pytest.raises(AnnotationError, match=match) as info:
        read_task_labels(path, task)
    assert str(path) in str(info.value)


def test_two_task_files_combine_and_align_with_their_spread(tmp_path):
    v = read_task_labels(write_task_file(tmp_path / "f_Valence.txt", [0.1, 0.2, 0.3, 0.4]), "valence")
    a = read_task_labels(write_task_file(tmp_path / "f_Arousal.txt", [0.5, 0.6, 0.7], std=0.2), "arousal")
    both = combine_tasks(v, a)  # one second apart: the shorter repeats its last value
    assert both.valence.tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert both.arousal.tolist() == pytest.approx([0.5, 0.6, 0.7, 0.7])
    assert both.task_std("arousal").tolist() == pytest.approx([0.2] * 4)
    cut = align_labels(both, 2)
    assert cut.seconds == 2 and len(cut.valence_std) == 2 and len(cut.arousal_std) == 2 and len(cut.raters) == 2
    assert combine_tasks(None, a) is a
    far = read_task_labels(write_task_file(tmp_path / "g_Arousal.txt", [0.5] * 9), "arousal")
    with pytest.raises(AnnotationError, match=r"f_Valence.txt covers 4 s but .*g_Arousal.txt covers 9 s"):
        combine_tasks(v, far)


# ----------------------------------------------------------------------------- the manifest's columns
SPECS = {"scene": (3,)}


def write_store(store_root: Path, movie_id: str, seconds: int) -> None:
    store = FeatureStore(store_root)
    prov = {m: {"extractor": f"test.{m}", "version": "1", "weights": {}} for m in SPECS}
    w = store.writer("default", movie_id, seconds, SPECS, {"feature_set": "default"}, prov,
                     {"name": f"{movie_id}.mp4", "size": 1, "sha256": "ab" * 32})
    w.append("scene", np.arange(seconds * 3, dtype=np.float32).reshape(seconds, 3), np.ones(seconds, dtype=bool))
    w.commit()


def manifest_root(tmp_path: Path, rows: list[str], header: str = "video,valence,arousal,split") -> Path:
    for stem in ("holiday", "match"):
        (tmp_path / "clips").mkdir(exist_ok=True)
        (tmp_path / "clips" / f"{stem}.mp4").write_bytes(b"x")
        write_task_file(tmp_path / "labels" / f"{stem}_Valence.tsv", [0.1, 0.2, 0.3, 0.4, 0.5])
        write_task_file(tmp_path / "labels" / f"{stem}_Arousal.txt", [-0.1, -0.2, -0.3, -0.4], header="Time\tMean\tStd")
        (tmp_path / "labels" / f"{stem}.txt").write_text("Time,Valence,Arousal\n0,0.1,0.2\n1,0.1,0.2\n")
    manifest = tmp_path / "list.csv"
    manifest.write_text("\n".join([header, *rows]) + "\n")
    return manifest


def test_manifest_per_task_columns_train_the_tasks_they_give(tmp_path):
    manifest = manifest_root(tmp_path, [
        "clips/holiday.mp4,labels/holiday_Valence.tsv,labels/holiday_Arousal.txt,train",
        "clips/match.mp4,labels/match_Valence.tsv,,test",  # valence only: arousal unlabelled
    ])
    ds = GenericDataset(manifest)
    assert ds.movie_ids == ["holiday", "match"] and ds.split("match") == "test"
    assert ds.entry("match").label_files == [tmp_path / "labels" / "match_Valence.tsv"]
    holiday = ds.annotation("holiday")
    assert holiday.seconds == 5 and holiday.arousal.tolist() == pytest.approx([-0.1, -0.2, -0.3, -0.4, -0.4])
    store = tmp_path / "store"
    write_store(store, "holiday", 5)
    write_store(store, "match", 6)  # annotation 1 s shorter than the video: last value repeated
    c = manifest_corpus(manifest, store, "default")
    assert c.movie_ids == ["holiday", "match"] and c.splits == ["train", "test"]
    np.testing.assert_allclose(c.labels["valence"][5:], [0.1, 0.2, 0.3, 0.4, 0.5, 0.5], atol=1e-6)
    assert np.isnan(c.labels["arousal"][5:]).all() and not np.isnan(c.labels["arousal"][:5]).any()
    # a manifest with a single per-task column trains that task only
    only = manifest_root(tmp_path, ["clips/holiday.mp4,labels/holiday_Arousal.txt"], header="Video,Arousal")
    labels = GenericDataset(only).annotation("holiday")
    assert np.isnan(labels.valence).all() and labels.arousal[0] == pytest.approx(-0.1)


@pytest.mark.parametrize("header,row,match", [
    ("video,split", "clips/holiday.mp4,train", r"line 1: no column 'labels' \(or 'valence', 'arousal'\)"),
    ("video,labels,valence", "clips/holiday.mp4,labels/holiday.txt,labels/holiday_Valence.tsv",
     r"line 2: the row gives a labels file and a valence file; give either labels .* or the per-task files"),
    ("video,valence,arousal", "clips/holiday.mp4,,", r"line 2: no label file in this row"),
    ("video,valence,arousal", "clips/holiday.mp4,labels/none.tsv,",
     r"line 2: valence file .*none.tsv does not exist \(paths are relative to the manifest's folder\)"),
])
def test_manifest_per_task_errors_name_the_line_and_fix(tmp_path, header, row, match):
    with pytest.raises(DatasetError, match=match):
        GenericDataset(manifest_root(tmp_path, [row], header=header))


def test_a_task_file_given_in_the_wrong_column_names_the_file(tmp_path):
    manifest = manifest_root(tmp_path, ["clips/holiday.mp4,labels/holiday_Valence.tsv,labels/v.txt"])
    (tmp_path / "labels" / "v.txt").write_text("Time,Valence\n0,0.1\n")
    with pytest.raises(AnnotationError, match=r"v.txt, line 1: the header .* names valence, but the file is used "
                                              r"as the arousal labels"):
        GenericDataset(manifest).annotation("holiday")


def test_each_task_file_is_held_to_the_video_on_its_own(tmp_path):
    # as the release's The_room_of_franz_kafka: valence covers 251 s, arousal 258 s
    manifest = manifest_root(tmp_path, ["clips/holiday.mp4,labels/holiday_Valence.tsv,labels/long_Arousal.txt"])
    write_task_file(tmp_path / "labels" / "long_Arousal.txt", [0.2] * 12)
    store = tmp_path / "store"
    write_store(store, "holiday", 6)  # valence (5 s) fits within 2 s; arousal (12 s) does not
    with pytest.raises(AnnotationError, match=r"movie 'holiday': .*long_Arousal.txt: the annotation covers 12 s but the "
                                              r"video has 6 s"):
        manifest_corpus(manifest, store, "default")
    write_task_file(tmp_path / "labels" / "long_Arousal.txt", [0.2] * 7)
    c = manifest_corpus(manifest, store, "default")  # each file fitted to the 6 s on its own
    np.testing.assert_allclose(c.labels["valence"], [0.1, 0.2, 0.3, 0.4, 0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(c.labels["arousal"], [0.2] * 6, atol=1e-6)
