"""MediaEval 2018 and generic-manifest loaders on small files written in each official layout."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from mediaeval_files import (
    AUDIO_DIM,
    CL_DIM,
    FC6_DIM,
    arff_text,
    arousal,
    feature,
    smile_csv_text,
    valence,
    write_annotation,
    write_official,
)
from videoaffect.datasets.formats.annotations import AnnotationError, DatasetError, align_labels, read_second_labels
from videoaffect.datasets.manifest import GenericDataset, manifest_corpus_from_store
from videoaffect.datasets.mediaeval2018 import (
    MediaEval2018,
    load_provided_features,
    mediaeval2018_corpus_from_store,
    official_split,
    read_audio_file,
    read_provided_features,
)
from videoaffect.features.store import FeatureStore


# ----------------------------------------------------------------------------- annotations
@pytest.mark.parametrize(
    "header,sep,id_col,start",
    [
        ("Time\tValence\tArousal", "\t", False, 0),
        ("Id\tTime\tMeanValence\tMeanArousal", "\t", True, 0),
        ("time,meanValence,MEANAROUSAL", ",", False, 1),
        ("Time Valence Arousal", " ", False, 1),
        ("Seconds;Valence_Mean;Arousal", ";", False, 0),
    ],
)
def test_header_variants_and_leading_id_column(tmp_path, header, sep, id_col, start):
    path = write_annotation(tmp_path / "a.txt", 7, 4, start=start, header=header, sep=sep, id_col=id_col)
    labels = read_second_labels(path)
    assert labels.seconds == 4 and labels.source == path
    assert labels.times.tolist() == [start + s for s in range(4)]
    np.testing.assert_allclose(labels.valence, [valence(7, s) for s in range(4)], atol=1e-6)
    np.testing.assert_allclose(labels.arousal, [arousal(7, s) for s in range(4)], atol=1e-6)


def test_a_file_with_one_task_leaves_the_other_unlabelled(tmp_path):
    path = tmp_path / "valence_only.txt"
    path.write_text("Time\tValence\n0\t0.1\n1\t-0.2\n")
    labels = read_second_labels(path)
    np.testing.assert_allclose(labels.valence, [0.1, -0.2], atol=1e-6)
    assert np.isnan(labels.arousal).all() and len(labels.arousal) == 2


@pytest.mark.parametrize(
    "text,match",
    [
        ("Time\tMood\n0\t0.1\n", r"line 1: no valence column"),
        ("Time\tValence\tArousal\n0\t0.1\t0.2\n1\tabc\t0.2\n", r"line 3: Valence value 'abc' is not a number"),
        ("Time\tValence\tArousal\n0\t0,5\t0.2\n", r"not a number \(use '\.' as the decimal separator\)"),
        ("Time\tValence\tArousal\n0\t0.1\t0.2\n1\t0.1\t0.2\n1\t0.1\t0.2\n", r"lines 3 and 4: time 1 appears twice"),
        ("Time\tValence\tArousal\n0\t0.1\t0.2\n2\t0.1\t0.2\n1\t0.1\t0.2\n", r"line 3: time jumps from 0 to 2"),
        ("Time\tValence\tArousal\n1\t0.1\t0.2\n0\t0.1\t0.2\n", r"line 3: time 0 follows 1; times must increase"),
        ("Time\tValence\tArousal\n0\tnan\t0.2\n", r"line 2: Valence is 'nan'; every second needs a finite value"),
        ("Time\tValence\tArousal\n0\t0.1\t1.5\n", r"line 2: arousal 1.5 lies outside \[-1, 1\]"),
        ("Time\tValence\tArousal\n5\t0.1\t0.2\n", r"first time is 5; times must start at second 0"),
        ("Time\tValence\tArousal\n0.5\t0.1\t0.2\n", r"0.5 is not a whole second"),
        ("0\t0.1\t0.2\n1\t0.1\t0.2\n", r"line 1: the first line holds numbers.*add a header"),
        ("Time\tValence\tArousal\n0 0.1 0.2\n", r"line 2: 1 tab-separated fields, but the header has 3"),
        ("", r"the file is empty"),
        ("Time\tValence\tArousal\n", r"only a header line"),
        ("Time\tValence\tMeanValence\tArousal\tValence\n", r"2 columns are named like 'valence'"),
    ],
)
def test_malformed_annotation_names_file_line_and_fix(tmp_path, text, match):
    path = tmp_path / "MEDIAEVAL18_03_Valence-Arousal.txt"
    path.write_text(text)
    with pytest.raises(AnnotationError, match=match) as err:
        read_second_labels(path)
    assert str(path) in str(err.value)


def test_missing_annotation_file(tmp_path):
    with pytest.raises(AnnotationError, match="annotation file not found"):
        read_second_labels(tmp_path / "nope.txt")


def test_align_labels_pads_or_truncates_within_tolerance_and_refuses_beyond(tmp_path):
    labels = read_second_labels(write_annotation(tmp_path / "a.txt", 1, 10))
    longer = align_labels(labels, 8)  # annotation 2 s longer than the video: cut
    assert longer.seconds == 8 and longer.valence.tolist() == labels.valence[:8].tolist()
    shorter = align_labels(labels, 12)  # annotation 2 s shorter: last value repeated
    assert shorter.seconds == 12 and shorter.times.tolist() == list(range(12))
    assert shorter.arousal[10:].tolist() == [labels.arousal[-1]] * 2
    assert align_labels(labels, 10).valence.tolist() == labels.valence.tolist()
    with pytest.raises(AnnotationError, match=r"covers 10 s but the video has 13 s \(shorter by 3 s"):
        align_labels(labels, 13)
    with pytest.raises(AnnotationError, match=r"covers 10 s but the video has 7 s \(longer by 3 s"):
        align_labels(labels, 7)
    assert align_labels(labels, 5, tolerance=5).seconds == 5


# ----------------------------------------------------------------------------- discovery
def test_official_split_of_ids_00_53_54_65():
    assert [official_split(f"MEDIAEVAL18_{n:02d}") for n in (0, 53, 54, 65)] == ["dev", "dev", "test", "test"]
    for bad in ("MEDIAEVAL18_66", "movie", "MEDIAEVAL18_5"):
        with pytest.raises(DatasetError, match="00 to MEDIAEVAL18_65"):
            official_split(bad)


def test_discovers_the_official_layout(tmp_path):
    root = write_official(tmp_path, {0: 3, 53: 2, 54: 3, 65: 2}, video=True)
    ds = MediaEval2018(root)
    ids = ["MEDIAEVAL18_00", "MEDIAEVAL18_53", "MEDIAEVAL18_54", "MEDIAEVAL18_65"]
    assert ds.movie_ids == ids
    assert [ds.split(m) for m in ids] == ["dev", "dev", "test", "test"]
    assert ds.video("MEDIAEVAL18_54") == root / "MEDIAEVAL18-TestSet-Data" / "data" / "MEDIAEVAL18_54.mp4"
    assert ds.has_videos() and ds.has_provided_features()
    assert ds.provided_descriptors() == ["audio", "cl", "fc6"]
    assert ds.annotation("MEDIAEVAL18_53").valence.tolist() == pytest.approx([valence(53, 0), valence(53, 1)])
    assert set(ds.feature_files("fc6")["MEDIAEVAL18_65"]) == {1, 2}


def test_flat_layout_with_underscores_lowercase_names_and_no_features(tmp_path):
    write_annotation(tmp_path / "mediaeval18_02_valence-arousal.txt", 2, 3)
    (tmp_path / "MEDIAEVAL18_02.mkv").write_bytes(b"x")
    ds = MediaEval2018(tmp_path)
    assert ds.movie_ids == ["MEDIAEVAL18_02"] and ds.video("MEDIAEVAL18_02").suffix == ".mkv"
    assert not ds.has_provided_features() and ds.provided_descriptors() == []


def test_discovery_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="found neither videos nor provided features"):
        MediaEval2018(empty)
    with pytest.raises(DatasetError, match="is not a folder"):
        MediaEval2018(tmp_path / "absent")
    root = tmp_path / "r"
    root.mkdir()
    (root / "MEDIAEVAL18_04.mp4").write_bytes(b"x")
    with pytest.raises(DatasetError, match=r"no annotation file for 1 movies \(MEDIAEVAL18_04\)"):
        MediaEval2018(root)
    ds = MediaEval2018(root, require_annotations=False)
    with pytest.raises(AnnotationError, match="no annotation for MEDIAEVAL18_04"):
        ds.annotation("MEDIAEVAL18_04")
    write_annotation(root / "a" / "MEDIAEVAL18_04_Valence-Arousal.txt", 4, 2)
    write_annotation(root / "b" / "MEDIAEVAL18_04_Valence-Arousal.txt", 4, 2)
    with pytest.raises(DatasetError, match="two annotation files for MEDIAEVAL18_04"):
        MediaEval2018(root)
    other = tmp_path / "o"
    other.mkdir()
    (other / "MEDIAEVAL18_70.mp4").write_bytes(b"x")
    with pytest.raises(DatasetError, match=r"MEDIAEVAL18_70.mp4: movie number 70 is outside"):
        MediaEval2018(other)


# ----------------------------------------------------------------------------- provided features
def test_provided_features_load_with_known_values_and_report_masked_gaps(tmp_path, caplog):
    root = write_official(
        tmp_path, {0: 4, 54: 3},
        skip={(0, "audio", 2)}, empty={(54, "fc6", 0)}, nan={(54, "cl", 1)},
    )
    with caplog.at_level(logging.WARNING, logger="videoaffect.datasets.mediaeval2018"):
        result = read_provided_features(root, descriptors=("audio", "fc6", "cl"))
    c = result.corpus
    assert c.movie_ids == ["MEDIAEVAL18_00", "MEDIAEVAL18_54"] and c.splits == ["dev", "test"]
    assert {n: s.shape for n, s in c.specs.items()} == {"audio": (AUDIO_DIM,), "fc6": (FC6_DIM,), "cl": (CL_DIM,)}
    assert c.specs["audio"].extractor == "mediaeval2018.provided.audio/1"
    assert c.specs["fc6"].extractor == "mediaeval2018.provided.fc6/1"
    # file MEDIAEVAL18_00_00004.csv is second 3 of movie 00
    np.testing.assert_allclose(c.features["audio"][3], feature(0, 3, AUDIO_DIM), atol=1e-5)
    np.testing.assert_allclose(c.features["cl"][4 + 2], feature(54, 2, CL_DIM, 0.5), atol=1e-5)
    np.testing.assert_allclose(c.labels["valence"][4:], [valence(54, s) for s in range(3)], atol=1e-6)
    assert c.masks["audio"].tolist() == [True, True, False, True, True, True, True]
    assert c.masks["fc6"].tolist() == [True] * 4 + [False, True, True]
    assert c.masks["cl"].tolist() == [True] * 4 + [True, False, True]
    assert not c.features["audio"][2].any()  # masked seconds are zero, not stale
    gaps = {(g.movie_id, g.modality): g for g in result.gaps}
    assert set(gaps) == {("MEDIAEVAL18_00", "audio"), ("MEDIAEVAL18_54", "fc6"), ("MEDIAEVAL18_54", "cl")}
    assert gaps["MEDIAEVAL18_00", "audio"].missing == (2,)
    assert gaps["MEDIAEVAL18_54", "fc6"].empty == (0,)
    assert gaps["MEDIAEVAL18_54", "cl"].invalid == (1,)
    assert result.gap_summary() == {"MEDIAEVAL18_00": {"audio": 1}, "MEDIAEVAL18_54": {"fc6": 1, "cl": 1}}
    text = caplog.text
    assert "MEDIAEVAL18_00: provided-feature gaps, masked: audio: 1 missing (seconds 2) of 4 s" in text
    assert "fc6: 1 empty (seconds 0) of 3 s" in text and "cl: 1 NaN/inf (seconds 1) of 3 s" in text


def test_provided_features_rename_subset_and_csv_audio(tmp_path):
    root = write_official(tmp_path, {5: 3, 60: 2}, audio_format="csv", descriptors=("fc6",))
    c = load_provided_features(root, descriptors=("audio", "fc6"), rename={"fc6": "scene"}, exclude=["MEDIAEVAL18_60"])
    assert c.movie_ids == ["MEDIAEVAL18_05"] and list(c.specs) == ["audio", "scene"]
    assert c.specs["scene"].extractor == "mediaeval2018.provided.fc6/1"
    np.testing.assert_allclose(c.features["audio"][1], feature(5, 1, AUDIO_DIM), atol=1e-5)
    assert c.masks["audio"].all() and c.masks["scene"].all()
    c2 = load_provided_features(root, descriptors=None, movies=["MEDIAEVAL18_60"])
    assert c2.movie_ids == ["MEDIAEVAL18_60"] and list(c2.specs) == ["audio", "fc6"]


def test_arff_and_opensmile_csv_audio_give_the_same_vector(tmp_path):
    vec = feature(3, 7, AUDIO_DIM)
    (tmp_path / "a.arff").write_text(arff_text(vec))
    (tmp_path / "a.csv").write_text(smile_csv_text(vec))
    (tmp_path / "b.csv").write_text("'unknown'," + ",".join(map(str, vec)) + "\n")
    (tmp_path / "e.csv").write_text("\n")
    for name in ("a.arff", "a.csv", "b.csv"):
        np.testing.assert_allclose(read_audio_file(str(tmp_path / name)), vec, atol=1e-5)
    assert read_audio_file(str(tmp_path / "e.csv")) is None


def test_provided_features_longer_than_annotation(tmp_path):
    root = write_official(tmp_path, {1: 6}, descriptors=())
    ann = next(root.rglob("MEDIAEVAL18_01_Valence-Arousal.txt"))
    write_annotation(ann, 1, 4)  # features run 2 s past the annotation: within tolerance, ignored
    c = load_provided_features(root, descriptors=("audio",))
    assert c.seconds(0) == 4 and c.masks["audio"].all()
    write_annotation(ann, 1, 3)
    with pytest.raises(AnnotationError, match=r"covers 3 s but the provided audio files run to second 5.*exclude=\['MEDIAEVAL18_01'\]"):
        load_provided_features(root, descriptors=("audio",))


def test_provided_features_errors(tmp_path):
    root = write_official(tmp_path / "r", {2: 3}, descriptors=("fc6",))
    with pytest.raises(DatasetError, match="no provided cl feature files; found audio, fc6"):
        load_provided_features(root, descriptors=("audio", "cl"))
    with pytest.raises(DatasetError, match="unknown descriptors"):
        load_provided_features(root, descriptors=("hog",))
    bad = next(root.rglob("MEDIAEVAL18_02-00002_fc6.txt"))
    bad.write_text("1,2,3\n")
    with pytest.raises(DatasetError, match=r"MEDIAEVAL18_02-00002_fc6.txt: 3 values, but the other fc6 files have 6"):
        load_provided_features(root, descriptors=("fc6",))
    bad.write_text("1,x,3,4,5,6\n")
    with pytest.raises(DatasetError, match=r"MEDIAEVAL18_02-00002_fc6.txt: 'x' is not a number"):
        load_provided_features(root, descriptors=("fc6",))
    next(root.rglob("MEDIAEVAL18_02_Valence-Arousal.txt")).unlink()
    with pytest.raises(DatasetError, match="no annotation file for MEDIAEVAL18_02, which have provided features"):
        load_provided_features(root, descriptors=("audio",))


def test_annotated_movie_without_features_is_skipped_with_a_warning(tmp_path, caplog):
    root = write_official(tmp_path, {0: 2}, descriptors=())
    write_annotation(root / "extra" / "MEDIAEVAL18_09_Valence-Arousal.txt", 9, 2)
    with caplog.at_level(logging.WARNING, logger="videoaffect.datasets.mediaeval2018"):
        result = read_provided_features(root, descriptors=("audio",))
    assert result.corpus.movie_ids == ["MEDIAEVAL18_00"] and result.skipped == ["MEDIAEVAL18_09"]
    assert "have no provided feature file of audio and are left out: MEDIAEVAL18_09" in caplog.text


# ----------------------------------------------------------------------------- feature store
SPECS = {"audio": (4,), "scene": (3,)}


def write_store(store_root: Path, movie_id: str, seconds: int, number: int, absent=()) -> None:
    store = FeatureStore(store_root)
    mprov = {m: {"extractor": f"test.{m}", "version": "1", "weights": {}} for m in SPECS}
    w = store.writer("default", movie_id, seconds, SPECS, {"feature_set": "default"}, mprov,
                     {"name": f"{movie_id}.mp4", "size": 1, "sha256": "ab" * 32})
    for m, shape in SPECS.items():
        feats = np.stack([feature(number, s, shape[0]) for s in range(seconds)])
        present = np.array([s not in absent for s in range(seconds)])
        w.append(m, feats, present)
    w.commit()


def test_mediaeval_corpus_from_store_aligns_labels(tmp_path):
    root = tmp_path / "root"
    write_official(root, {0: 11, 54: 7}, video=True, descriptors=())
    store = tmp_path / "store"
    write_store(store, "MEDIAEVAL18_00", 10, 0, absent={3})  # annotation 1 s longer: cut
    write_store(store, "MEDIAEVAL18_54", 8, 54)  # annotation 1 s shorter: last value repeated
    c = mediaeval2018_corpus_from_store(root, store, "default")
    assert c.movie_ids == ["MEDIAEVAL18_00", "MEDIAEVAL18_54"] and c.splits == ["dev", "test"]
    assert [c.seconds(0), c.seconds(1)] == [10, 8]
    assert c.specs["scene"].extractor == "test.scene/1"
    np.testing.assert_allclose(c.features["audio"][10 + 5], feature(54, 5, 4))
    assert c.masks["audio"][:10].tolist() == [s != 3 for s in range(10)]
    np.testing.assert_allclose(c.labels["valence"][:10], [valence(0, s) for s in range(10)], atol=1e-6)
    np.testing.assert_allclose(c.labels["arousal"][10:], [arousal(54, s) for s in range(7)] + [arousal(54, 6)], atol=1e-6)

    write_official(root, {65: 3}, video=True, descriptors=())
    with pytest.raises(DatasetError, match=r"'MEDIAEVAL18_65' has no 'default' features.*run `videoaffect extract .*MEDIAEVAL18_65.mp4 --set default --out"):
        mediaeval2018_corpus_from_store(root, store, "default")
    only = mediaeval2018_corpus_from_store(root, store, "default", movies=["MEDIAEVAL18_54"])
    assert only.movie_ids == ["MEDIAEVAL18_54"]
    write_store(store, "MEDIAEVAL18_65", 9, 65)
    with pytest.raises(AnnotationError, match=r"movie 'MEDIAEVAL18_65'.*covers 3 s but the video has 9 s"):
        mediaeval2018_corpus_from_store(root, store, "default")


def test_mediaeval_store_ids_follow_the_video_stem_and_unextracted_movies_are_reported(tmp_path, caplog):
    root = tmp_path / "root"
    write_official(root, {7: 4}, descriptors=())
    (root / "mediaeval18_07.mp4").write_bytes(b"x")  # extract names the store file after this stem
    write_annotation(root / "MEDIAEVAL18_08_Valence-Arousal.txt", 8, 3)  # no video, not extracted
    write_store(tmp_path / "store", "mediaeval18_07", 4, 7)
    with caplog.at_level(logging.WARNING, logger="videoaffect.datasets.mediaeval2018"):
        c = mediaeval2018_corpus_from_store(root, tmp_path / "store", "default")
    assert c.movie_ids == ["MEDIAEVAL18_07"]
    np.testing.assert_allclose(c.features["scene"][2], feature(7, 2, 3))
    assert "neither a video nor 'default' features" in caplog.text and "MEDIAEVAL18_08" in caplog.text


# ----------------------------------------------------------------------------- generic manifest
def write_generic(tmp_path: Path, rows: list[str], header: str = "video,labels,split,movie_id") -> Path:
    (tmp_path / "clips").mkdir(parents=True, exist_ok=True)
    for stem, n, num in (("holiday", 5, 1), ("match", 4, 2)):
        (tmp_path / "clips" / f"{stem}.mp4").write_bytes(b"x")
        write_annotation(tmp_path / "labels" / f"{stem}.txt", num, n)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("\n".join([header, *rows]) + "\n")
    return manifest


def test_generic_manifest_happy_path(tmp_path):
    manifest = write_generic(tmp_path, [
        "clips/holiday.mp4,labels/holiday.txt,,",
        "clips/match.mp4,labels/match.txt,test,match-2019",
    ])
    ds = GenericDataset(manifest)
    assert ds.movie_ids == ["holiday", "match-2019"]
    assert ds.split("holiday") == "train" and ds.split("match-2019") == "test"
    assert ds.video("match-2019") == tmp_path / "clips" / "match.mp4"
    assert ds.annotation("holiday").seconds == 5
    store = tmp_path / "store"
    write_store(store, "holiday", 5, 1)
    write_store(store, "match-2019", 4, 2)
    c = manifest_corpus_from_store(manifest, store, "default", modalities=["scene"])
    assert c.movie_ids == ["holiday", "match-2019"] and c.splits == ["train", "test"] and list(c.specs) == ["scene"]
    np.testing.assert_allclose(c.features["scene"][5 + 1], feature(2, 1, 3))
    np.testing.assert_allclose(c.labels["valence"][:5], [valence(1, s) for s in range(5)], atol=1e-6)
    bare = write_generic(tmp_path / "b", ["clips/holiday.mp4,labels/holiday.txt"], header="Video,Labels")
    assert GenericDataset(bare).movie_ids == ["holiday"] and GenericDataset(bare).split("holiday") == "train"


def test_generic_manifest_errors(tmp_path):
    def expect(rows, match, header="video,labels,split,movie_id"):
        with pytest.raises(DatasetError, match=match):
            GenericDataset(write_generic(tmp_path, rows, header))

    expect(["clips/holiday.mp4"], r"line 1: no column 'labels'", header="video")
    expect(["clips/holiday.mp4,labels/none.txt,,"], r"line 2: labels file .*none.txt does not exist")
    expect(["clips/none.mp4,labels/holiday.txt,,"], r"line 2: video file .*none.mp4 does not exist")
    expect(["clips/holiday.mp4,,,"], r"line 2: no label file in this row")
    expect(["clips/holiday.mp4,labels/holiday.txt,,", "clips/match.mp4,labels/match.txt,,holiday"],
           r"lines 2 and 3: movie id 'holiday' is used twice")
    expect(["clips/holiday.mp4,labels/holiday.txt,my split,"], r"split 'my split' must be")
    expect([], r"lists no movie")
    with pytest.raises(DatasetError, match="manifest not found"):
        GenericDataset(tmp_path / "absent.csv")
    manifest = write_generic(tmp_path, ["clips/holiday.mp4,labels/holiday.txt,,"])
    FeatureStore(tmp_path / "store")
    with pytest.raises(DatasetError, match=r"'holiday' has no 'default' features.*run `videoaffect extract .*holiday.mp4"):
        manifest_corpus_from_store(manifest, tmp_path / "store", "default")
