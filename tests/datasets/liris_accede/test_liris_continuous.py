"""LIRIS-ACCEDE continuous (`train --dataset ROOT` with ROOT/movies + ROOT/continuous-annotations)
on the release's real annotation files (../shared: 24 of the 30 films) with generated films.

How the films are made cheap: the layout, matching and error tests give each film a video of
the annotation's length holding two tiny frames (at 0 s and at the end, no audio): `probe`
reads its length from the header as for a real film, and writing all 24 takes well under a
second.  The training test uses four of the shortest films (119-416 s) as 1-frame-per-second
32x24 videos without audio, the tests' cheap extractors (mean colour) and a tiny model."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import SHARED
from videoaffect.cli.main import main
from videoaffect.datasets.formats.annotations import read_task_labels
from videoaffect.datasets.liris_accede.continuous import (
    FILMS,
    TEST_FILMS,
    ContinuousError,
    film_key,
    is_continuous_root,
    read_layout,
)
from videoaffect.decoding.synthetic_media import make_video

OFFICIAL = SHARED / "data" / "liris-accede-continuous" / "continuous-annotations"
needs_shared = pytest.mark.skipif(not OFFICIAL.is_dir(), reason=f"no LIRIS-ACCEDE continuous annotations at {OFFICIAL}")
# the films have no sound (encoding it would cost most of the test's time): the tests' mean-colour
# extractor alone (tests/fake_extractors.py), importable from this module (pytest puts its folder on the path)
FAKE = "test_liris_continuous:colour_set"
SMALL = ["--hidden-size", "8", "--head-hidden", "8", "--context-hidden", "4", "--max-epochs", "2", "--batch-size", "8",
         "--ensemble", "1"]


def colour_set(device: str = "cpu"):
    from fake_extractors import MeanColour

    return [MeanColour()]


def official_films() -> list[str]:
    return sorted(p.name[: -len("_Valence.txt")] for p in OFFICIAL.glob("*_Valence.txt"))


def seconds_of(film: str, task: str = "Valence") -> int:
    return read_task_labels(OFFICIAL / f"{film}_{task}.txt", task.lower()).seconds


def sparse_film(path: Path, seconds: int) -> Path:
    """A video `probe` counts as ``seconds`` long: frames at 0 s and at seconds - 0.5."""
    return make_video(path, seconds, frame_times=[0.0, seconds - 0.5], audio=False, size=(16, 16))


def continuous_root(root: Path, films, video_name=lambda f: f"{f}.mp4", folder="movies", dense=False) -> Path:
    (root / "continuous-annotations").mkdir(parents=True)
    for film in films:
        for task in ("Valence", "Arousal"):
            shutil.copy(OFFICIAL / f"{film}_{task}.txt", root / "continuous-annotations")
        if video_name(film):
            video, n = root / folder / video_name(film), seconds_of(film)
            make_video(video, n, fps=1, size=(32, 24), audio=False) if dense else sparse_film(video, n)
    return root


def test_the_release_names_and_the_fixed_split():
    assert len(set(FILMS)) == 30 and len({film_key(f) for f in FILMS}) == 30
    assert TEST_FILMS == ("Big_Buck_Bunny", "Elephant_s_Dream", "Norm", "Payload", "Tears_of_Steel", "You_Again")
    assert film_key("Elephants_Dream") == film_key("Elephant_s_Dream") == film_key("elephant's dream")
    if OFFICIAL.is_dir():  # the shared copy holds 24 of them, each with both files
        assert len(official_films()) == 24 and set(official_films()) <= set(FILMS)


@needs_shared
def test_every_shared_film_matches_its_video_and_the_fixed_split_holds_out_whole_films(tmp_path):
    films = official_films()
    # the release's films folder and file names; one video named as the film's title rather than the file
    root = continuous_root(tmp_path / "LIRIS-C", films, folder="continuous-movies",
                           video_name=lambda f: "Elephants_Dream.MP4" if f == "Elephant_s_Dream" else f"{f}.mp4")
    (root / "continuous-annotations" / "raw").mkdir()  # the release's raw traces: not read
    (root / "continuous-annotations" / "raw" / "Sintel_Valence_id1.txt").write_text("not a per-second file")
    assert is_continuous_root(root)
    # the release's own defect: The_room_of_franz_kafka's valence file covers 251 s, its arousal
    # file 258 s, so no cut of the film is within 2 s of both
    assert (seconds_of("The_room_of_franz_kafka"), seconds_of("The_room_of_franz_kafka", "Arousal")) == (251, 258)
    with pytest.raises(ContinuousError, match=r"(?s)1 film\(s\) do not match.*The_room_of_franz_kafka.mp4 lasts 251 s but "
                                              r"The_room_of_franz_kafka_Arousal.txt covers 258 s .*--skip-unmatched-films "
                                              r"to use the 23 films"):
        read_layout(root)
    layout = read_layout(root, skip_unmatched=True)
    assert layout.annotated == 24 and len(layout.films) == 23 and len(layout.skipped) == 1
    assert {f.name for f in layout.films} == set(films) - {"The_room_of_franz_kafka"}
    split = {f.name: f.split for f in layout.films}
    assert sorted(f for f, s in split.items() if s == "test") == ["Big_Buck_Bunny", "Elephant_s_Dream", "Norm",
                                                                  "Tears_of_Steel"]
    assert "test = Big_Buck_Bunny, Elephant_s_Dream, Norm, Tears_of_Steel" in layout.split_source
    bbb = next(f for f in layout.films if f.name == "Big_Buck_Bunny")
    labels = bbb.labels()  # 598 valence and 597 arousal seconds, fitted to the video's 598
    assert bbb.seconds == 598 and labels.seconds == 598 and labels.arousal[-1] == labels.arousal[-2]
    assert labels.valence[0] == pytest.approx(0.0432314948664)
    assert next(f for f in layout.films if f.name == "Elephant_s_Dream").video.name == "Elephants_Dream.MP4"


@needs_shared
def test_unmatched_films_are_named_with_their_fix_or_left_out_with_a_warning(tmp_path, caplog):
    films = ["Wanted", "On_time", "Norm", "Origami", "To_Claire_From_Sonny"]
    root = continuous_root(tmp_path / "root", films, video_name=lambda f: None if f == "Origami" else f"{f}.mp4")
    sparse_film(root / "movies" / "Holiday.mkv", 30)  # a film without annotations
    sparse_film(root / "movies" / "Norm.mp4", seconds_of("Norm") + 3)  # another cut: 3 s longer
    (root / "continuous-annotations" / "To_Claire_From_Sonny_Arousal.txt").unlink()
    with pytest.raises(ContinuousError) as info:
        read_layout(root)
    text = str(info.value)
    assert "4 film(s) do not match their annotations" in text
    assert f"{root / 'movies' / 'Holiday.mkv'} has no annotation files (no continuous-annotations/Holiday_Valence.txt" \
           in text and "add them, or move the video out of movies/" in text
    assert f"{root / 'continuous-annotations' / 'Origami_Valence.txt'} and " in text
    assert "have no film in" in text and "copy the film there, or remove its annotation files" in text
    assert "Norm.mp4 lasts 395 s but Norm_Valence.txt covers 392 s and Norm_Arousal.txt covers 391 s" in text
    assert "To_Claire_From_Sonny_Valence.txt has no arousal file beside it" in text
    assert text.endswith("fix them, or pass --skip-unmatched-films to use the 2 films that match")
    with caplog.at_level(logging.WARNING):
        layout = read_layout(root, skip_unmatched=True)
    assert layout.movie_ids == ["On_time", "Wanted"] and len(layout.skipped) == 4
    assert "4 film(s) left out (--skip-unmatched-films)" in caplog.text and "Holiday.mkv" in caplog.text
    # within 2 s of both files (392 s of valence, 391 of arousal) a film matches
    sparse_film(root / "movies" / "Norm.mp4", seconds_of("Norm") + 1)
    assert "Norm" in read_layout(root, skip_unmatched=True).movie_ids
    # two videos of one film
    sparse_film(root / "movies" / "wanted.mov", seconds_of("Wanted"))
    with pytest.raises(ContinuousError, match=r"Wanted.mp4 and .*wanted.mov are both videos of 'Wanted'; keep one"):
        read_layout(root)


@needs_shared
def test_a_split_file_of_your_own(tmp_path):
    root = continuous_root(tmp_path / "root", ["Wanted", "On_time", "Norm"])
    (root / "splits.csv").write_text("film,split\nwanted,test\nOn_time,train\nNorm,train\n")
    layout = read_layout(root)
    assert {f.name: f.split for f in layout.films} == {"Wanted": "test", "On_time": "train", "Norm": "train"}
    assert layout.split_source == "splits.csv"
    for text, match in (("film,split\nWanted,test\n", r"2 film\(s\) have no split: Norm, On_time"),
                        ("film,split\nWanted,test\nSintel,train\n", r"line 3: no film 'Sintel' in"),
                        ("film,part\n", r"line 1: the header needs the columns film,split"),
                        ("film,split\nWanted,my test\n", r"line 2: split 'my test' must be")):
        (root / "splits.csv").write_text(text)
        with pytest.raises(ContinuousError, match=match):
            read_layout(root)


TRAIN_FILMS = ["Wanted", "On_time", "To_Claire_From_Sonny"]  # 119, 313 and 416 s


@pytest.fixture(scope="module")
def short_films(tmp_path_factory) -> tuple[Path, Path]:
    """3 training films (one carved out for validation) and Norm, a fixed test film, as 1-fps
    videos; Origami's annotations without its film.  The store is shared by the tests below."""
    if not OFFICIAL.is_dir():
        pytest.skip(f"no LIRIS-ACCEDE continuous annotations at {OFFICIAL}")
    tmp = tmp_path_factory.mktemp("continuous")
    root = continuous_root(tmp / "LIRIS-C", [*TRAIN_FILMS, "Norm", "Origami"],
                           video_name=lambda f: None if f == "Origami" else f"{f}.mp4", dense=True)
    return root, tmp / "store"


def test_train_and_evaluate_on_the_layout_name_the_data_set_and_its_films(short_films, tmp_path, capsys):
    root, store = short_films
    model = tmp_path / "model"
    common = ["--dataset", str(root), "--store", str(store)]
    assert main(["-q", "train", *common, "--feature-set", FAKE, "--out", str(model), *SMALL]) == 2
    assert "Origami_Valence.txt" in capsys.readouterr().err and not model.exists()
    assert main(["-q", "train", *common, "--feature-set", FAKE, "--out", str(model), *SMALL,
                 "--skip-unmatched-films"]) == 0
    card = json.loads((model / "model.json").read_text())["info"]["training_data"]
    assert card["dataset"] == ('LIRIS-ACCEDE continuous (folder "LIRIS-C"; test_liris_continuous:colour_set features '
                               "extracted from the films, split by film: the fixed split; 1 film(s) left out by "
                               "--skip-unmatched-films)")
    assert card["kind"] == "liris-accede-continuous" and card["films_annotated"] == 5 and card["films_left_out"] == 1
    assert card["split"] == "train" and card["films"] == card["movies"] == 3
    assert card["seconds"] == seconds_of("Wanted") + seconds_of("On_time") + seconds_of("To_Claire_From_Sonny")
    assert "Baveye et al., ACII 2015" in card["label_source"]
    for task in ("valence", "arousal"):
        held = json.loads((model / task / "metrics.json").read_text())["validation_movies"]
        assert len(held) == 1 and held[0] in ("Wanted", "On_time", "To_Claire_From_Sonny")
    capsys.readouterr()
    report = tmp_path / "eval.json"
    assert main(["-q", "evaluate", str(model), *common, "--skip-unmatched-films", "--json", str(report)]) == 0
    scores = json.loads(report.read_text())
    assert set(scores) == {"valence", "arousal"}
    for task in ("valence", "arousal"):  # the test split is Norm alone, every second of it scored
        final = scores[task]["final"]
        assert scores[task]["movies"] == 1 and list(final["per_movie"]) == ["Norm"]
        assert final["per_second"]["n"] == seconds_of("Norm") and np.isfinite(final["per_second"]["mse"])


def test_the_benchmark_scores_ours_and_the_references_on_the_test_films(short_films, tmp_path, capsys):
    root, store = short_films
    out, md = tmp_path / "bench.json", tmp_path / "bench.md"
    assert main(["-q", "benchmark", "liris-accede-continuous", str(root), "--store", str(store), "--feature-set", FAKE,
                 "--fast", "--methods", "progressive", "ridge", "mean", "--tasks", "valence", "--seeds", "3", "4",
                 "--skip-unmatched-films", "--json", str(out), "--markdown", str(md)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(r["method"], r["seed"]) for r in rows] == [("progressive", 3), ("ridge", 3), ("mean", 3)]  # --fast
    assert all(r["n_train_films"] == 3 and r["n_eval_films"] == 1 and r["n_eval_seconds"] == 392 for r in rows)
    # the mean row, recomputed from the release's files: the mean of the training films' 10-s clip labels
    clips = [v[i:i + 10].mean() for f in TRAIN_FILMS
             for v in [read_task_labels(OFFICIAL / f"{f}_Valence.txt", "valence").valence.astype(np.float64)]
             for i in range(0, len(v), 10)]
    norm = read_task_labels(OFFICIAL / "Norm_Valence.txt", "valence").valence.astype(np.float64)
    mean_row = next(r for r in rows if r["method"] == "mean")
    assert mean_row["mse"] == pytest.approx(float(np.mean((norm - np.mean(clips)) ** 2)), rel=1e-5)
    assert mean_row["pearson"] is None  # a constant prediction has no correlation
    assert np.isfinite(rows[0]["mse"]) and rows[1]["trained"] == ("one vector per 10-s clip, the mean of its seconds' "
                                                                   "features (3 values); alpha tuned on 1 of the "
                                                                   "training films")
    table = md.read_text()
    assert table.startswith('LIRIS-ACCEDE continuous (folder "LIRIS-C"') and "evaluate on 1 test films (392 s)" in table
    assert "no verdict, 1 film(s) are too few to resample" in table


def test_reproduce_runs_the_papers_tables_on_the_layout(short_films, tmp_path):
    root, store = short_films
    out = tmp_path / "rep"
    assert main(["-q", "reproduce", "--dataset", str(root), "--store", str(store), "--feature-set", FAKE, "--out",
                 str(out), "--fast", "--tables", "1", "--no-figures", "--skip-unmatched-films"]) == 0
    summary = (out / "summary.md").read_text()
    assert 'Dataset: **LIRIS-ACCEDE continuous (folder "LIRIS-C"' in summary
    assert "4 movies, 1240 s; 3 training movies, 1 test movies" in summary  # 119 + 313 + 416 + 392 s
    table = json.loads((out / "table1.json").read_text())
    scene = next(row for row in table["rows"] if row["row"] == "Scene")
    for task in ("valence", "arousal"):  # the one modality of these films, trained and scored on Norm
        assert scene[task]["status"] == "run" and np.isfinite(scene[task]["ours"]["mse"]["mean"])
