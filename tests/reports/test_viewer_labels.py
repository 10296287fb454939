"""`view --labels` (and `predict --labels`): the audience's per-second mean and the raters' spread
(mean +/- Std) drawn beside the prediction, in a real headless Chromium, where the labels file puts
them on the drawn axes; Pearson r and MSE printed, on the page and in its data, equal to numpy's on
the seconds both have; bad labels refused in one line, nothing written."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from test_viewer import (  # noqa: F401  (browser: the module's Chromium, a fixture)
    READ_PLOT,
    TOL_PX,
    assert_drawn,
    browser,
    embedded,
    make_doc,
    open_page,
    runs,
    subpaths,
    the_element,
    time_axis,
    value_axis,
)

from videoaffect.cli.main import main
from videoaffect.core.labels import LabelScale

SECONDS = 8  # the prediction's (test_viewer's make_doc)
LABEL_SECONDS = 9  # one more than predicted: within the 2 s tolerance, compared over the 8 both have
STD_UNKNOWN = 4  # the valence file's Std is "nan" there: the band has a gap


def minus_one_to_one_doc() -> dict:
    """test_viewer's prediction moved from its 1-5 scale onto [-1, 1], the audience labels' scale."""
    doc = make_doc("clip.mp4")
    for col, values in doc["curve"].items():
        if col.split("_")[0] in ("valence", "arousal") and "_contrib_" not in col:
            doc["curve"][col] = [(v - 3.0) / 2.5 for v in values]
    scale = LabelScale.mediaeval()
    doc["label_scale"] = {"low": scale.low, "high": scale.high, "name": scale.name, "description": scale.describe()}
    return doc


def write_labels(folder: Path) -> tuple[Path, Path]:
    """A merged valence file (Time, Mean, Std, Raters; not named by task) and an official-style
    arousal file (<Film>_Arousal.txt: Time, Mean, Std)."""
    merged = folder / "audience.tsv"
    rows = ["Time\tMean\tStd\tRaters"]
    for t in range(LABEL_SECONDS):
        std = "nan" if t == STD_UNKNOWN else f"{0.1 + 0.02 * t:.4f}"
        rows.append(f"{t}\t{0.6 * math.sin(0.6 * t) - 0.1:.4f}\t{std}\t3")
    merged.write_text("\n".join(rows) + "\n")
    official = folder / "clip_Arousal.txt"
    official.write_text("Time\tMean\tStd\n" + "".join(f"{t}\t{0.4 * math.cos(0.5 * t):.6f}\t{0.15 + 0.01 * t:.6f}\n"
                                                       for t in range(SECONDS)))
    return merged, official


def table(path: Path) -> dict[str, np.ndarray]:
    lines = [ln.split("\t") for ln in path.read_text().splitlines()]
    return {name: np.array([float(row[k]) for row in lines[1:]]) for k, name in enumerate(lines[0])}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"video")
    (tmp_path / "clip.json").write_text(json.dumps(minus_one_to_one_doc(), indent=1))
    return tmp_path


def view(folder: Path, capsys, *labels: str) -> tuple[int, str, str]:
    rc = main(["view", str(folder / "clip.json"), "--video", str(folder / "clip.mp4"), *labels])
    out, err = capsys.readouterr()
    return rc, out, err


def numpy_r_mse(predicted, audience) -> tuple[float, float]:
    p, a = np.asarray(predicted, dtype=float), np.asarray(audience, dtype=float)
    return float(np.corrcoef(p, a)[0, 1]), float(np.mean((p - a) ** 2))


# --------------------------------------------------------------------------- numbers
def test_r_and_mse_printed_on_the_page_and_in_its_data_are_numpys_on_the_seconds_both_have(folder, capsys):
    merged, official = write_labels(folder)
    rc, out, _ = view(folder, capsys, "--labels", str(merged), "--labels-task", "valence", "--labels", str(official))
    assert rc == 0, out
    doc = json.loads((folder / "clip.json").read_text())
    page = (folder / "clip.viewer.html").read_text()
    assert '<div id="audience-stats">' in page
    for task, path, label_seconds in (("valence", merged, LABEL_SECONDS), ("arousal", official, SECONDS)):
        mean = table(path)["Mean"]
        r, mse = numpy_r_mse(doc["curve"][task], mean[:SECONDS])  # seconds 0-7: both have them
        line = next(ln for ln in out.splitlines() if ln.startswith(f"audience {task}:"))
        printed = re.search(r"r (-?\d\.\d{3}), MSE (\d\.\d{4}) over the (\d+) seconds both have", line)
        assert printed, line
        assert (float(printed[1]), float(printed[2]), int(printed[3])) == (round(r, 3), round(mse, 4), SECONDS)
        assert (f"(prediction {SECONDS} s, labels {label_seconds} s)" in line) == (label_seconds != SECONDS)
        assert str(path) in line and f"<li>{line}</li>" in page.replace("&#x27;", "'")
        entry = embedded(page)["audience"][task]
        # the label readers keep values as float32 (as training does): equal to ~1e-7
        assert (entry["pearson_r"], entry["mse"]) == pytest.approx((r, mse), rel=1e-6)
        assert entry["seconds_compared"] == SECONDS and entry["label_seconds"] == label_seconds
    assert "(3 raters)" in out.splitlines()[1] and "raters" not in out.splitlines()[2]
    # the prediction's own file is left as it was (the page holds the comparison)
    assert "audience" not in doc


def test_a_two_task_file_gives_both_curves_without_a_band(folder, capsys):
    two = folder / "labels.txt"
    t = np.arange(SECONDS)
    valence, arousal = np.tanh(np.sin(t)), np.tanh(np.cos(0.3 * t))
    two.write_text("Time\tValence\tArousal\n" + "".join(f"{i}\t{v:.5f}\t{a:.5f}\n" for i, v, a in zip(t, valence, arousal)))
    rc, out, _ = view(folder, capsys, "--labels", str(two))
    assert rc == 0
    doc = json.loads((folder / "clip.json").read_text())
    payload = embedded((folder / "clip.viewer.html").read_text())
    drawn, audience = payload["view"]["audience"], payload["audience"]
    assert set(drawn) == set(audience) == {"valence", "arousal"}
    for task, mean in (("valence", valence), ("arousal", arousal)):
        assert drawn[task]["label"] == f"{task} audience (mean)" and "low" not in drawn[task]  # no Std: no band
        r, mse = numpy_r_mse(doc["curve"][task], np.round(mean, 5))
        assert (audience[task]["pearson_r"], audience[task]["mse"]) == pytest.approx((r, mse), rel=1e-6)
    rc, out, _ = view(folder, capsys, "--labels", str(two), "--labels-task", "arousal")
    assert rc == 0 and [ln.split(":")[0] for ln in out.splitlines()[1:]] == ["audience arousal"]


def test_a_comparison_recorded_by_predict_is_drawn_and_printed_by_view(folder, capsys):
    from videoaffect.reports.audience import audience_block, read_audience

    merged, official = write_labels(folder)
    doc = minus_one_to_one_doc()
    doc["audience"] = audience_block(doc, read_audience([official]), "clip.json")  # as predict --labels records it
    (folder / "clip.json").write_text(json.dumps(doc))
    rc, out, _ = view(folder, capsys)
    assert rc == 0 and [ln.split(":")[0] for ln in out.splitlines()[1:]] == ["audience arousal"]
    assert set(embedded((folder / "clip.viewer.html").read_text())["view"]["audience"]) == {"arousal"}
    rc, out, _ = view(folder, capsys, "--labels", str(merged), "--labels-task", "valence")  # adds valence
    assert rc == 0 and [ln.split(":")[0] for ln in out.splitlines()[1:]] == ["audience valence", "audience arousal"]
    assert json.loads((folder / "clip.json").read_text()) == doc  # the JSON is left as it was


# --------------------------------------------------------------------------- refusals
def _scale_1_to_5(folder: Path) -> None:
    (folder / "clip.json").write_text(json.dumps(make_doc("clip.mp4")))


def _only_valence(folder: Path) -> None:
    doc = minus_one_to_one_doc()
    doc["curve"] = {k: v for k, v in doc["curve"].items() if not k.startswith("arousal")}
    (folder / "clip.json").write_text(json.dumps(doc))


@pytest.mark.parametrize("case, prepare, labels, needles", [
    ("longer by 4 s", None, ["--labels", "{long}", "--labels-task", "valence"],
     ["{long} covers 12 s but {json} has 8 s", "longer by 4 s", "2 s tolerance", "same film"]),
    ("task not said", None, ["--labels", "{merged}"], ["{merged}: the file does not say which task",
                                                       "--labels-task valence"]),
    ("a 1-5 prediction", _scale_1_to_5, ["--labels", "{official}"],
     ["{json} is on the scale 1 to 5", "not compared, nor converted"]),
    ("task not predicted", _only_valence, ["--labels", "{official}"], ["gives arousal labels but {json} has no arousal"]),
    ("two files of a task", None, ["--labels", "{official}", "--labels", "{official}"], ["both give arousal labels"]),
    ("named otherwise", None, ["--labels", "{official}", "--labels-task", "valence"], ["named as arousal labels"]),
])
def test_bad_labels_are_one_line_naming_the_files_and_nothing_is_written(folder, capsys, case, prepare, labels,
                                                                         needles):
    merged, official = write_labels(folder)
    long = folder / "long.tsv"
    long.write_text("Time\tMean\n" + "".join(f"{t}\t0.1\n" for t in range(12)))
    if prepare:
        prepare(folder)
    names = {"merged": merged, "official": official, "long": long, "json": folder / "clip.json"}
    rc, out, err = view(folder, capsys, *[a.format(**names) for a in labels])
    assert rc == 2 and out == "", case
    assert err.startswith("videoaffect: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle.format(**names) in err, (case, err)
    assert not (folder / "clip.viewer.html").exists()


def test_predict_labels_need_one_video_of_their_length_and_a_known_task_before_anything_is_done(folder, capsys):
    from videoaffect.decoding.synthetic_media import make_video

    merged, _ = write_labels(folder)
    film = make_video(folder / "film.mp4", 5.2, size=(32, 24), fps=5)  # 5 seconds predicted, the labels have 9
    out = folder / "curves"
    # the model is not there: each mistake is found before the model is loaded (or a feature extracted)
    base = ["predict", "--model", str(folder / "no-model"), "--out", str(out)]
    for argv, needle in (
        ([str(film), str(film), "--labels", str(merged), "--labels-task", "valence"], "give that one video file"),
        ([str(film), "--labels", str(merged)], "does not say which task"),
        ([str(film), "--labels-task", "valence"], "give the file with --labels"),
        ([str(film), "--labels", str(merged), "--labels-task", "valence"], f"{merged} covers 9 s but {film} has 5 s"),
    ):
        assert main([*base, *argv]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1, err
    assert not out.exists()


# --------------------------------------------------------------------------- in a real browser
def test_the_audience_curve_and_band_are_drawn_where_the_labels_file_puts_them(browser, tmp_path, capsys):  # noqa: F811
    from videoaffect.decoding.synthetic_media import make_video

    make_video(tmp_path / "clip.mp4", SECONDS + 0.4, size=(64, 48), faststart=True)
    (tmp_path / "clip.json").write_text(json.dumps(minus_one_to_one_doc()))
    merged, official = write_labels(tmp_path)
    rc, _, _ = view(tmp_path, capsys, "--labels", str(merged), "--labels-task", "valence", "--labels", str(official))
    assert rc == 0
    open_page(browser, tmp_path / "clip.viewer.html", "#t=3.5")
    dom = browser.execute_script(READ_PLOT)
    x = time_axis(dom)
    for panel, path in zip(dom["panels"], (merged, official)):
        y, labels = value_axis(panel), table(path)
        mean, std = labels["Mean"], labels["Std"]
        mid = [x.px(t + 0.5) for t in labels["Time"]]
        drawn = subpaths(the_element(panel["items"], "audience")["d"])
        assert_drawn(drawn, [[(mid[t], y.px(mean[t])) for t in range(len(mean))]], f"{panel['task']} audience")
        band = [[(mid[t], y.px(mean[t] + std[t])) for t in run] + [(mid[t], y.px(mean[t] - std[t])) for t in run[::-1]]
                for run in runs(list(np.isfinite(std)))]
        assert len(band) == (2 if panel["task"] == "valence" else 1)  # valence's unknown Std: a gap
        assert_drawn(subpaths(the_element(panel["items"], "audience-band")["d"]), band, f"{panel['task']} spread")
        # a curve shifted by a second would be far outside the tolerance
        assert max(abs(y.px(mean[t]) - y.px(mean[t + 1])) + abs(mid[t] - mid[t + 1]) for t in range(3)) > 8 * TOL_PX
    assert "valence audience (3 raters)" in dom["legend"] and "arousal audience (mean)" in dom["legend"]
    assert "valence audience mean \u00b1 1 std (raters' spread)" in dom["legend"]
    second = int(dom["readout"]["data-second"])
    assert float(dom["readout"]["data-valence-audience"]) == pytest.approx(table(merged)["Mean"][second])
    assert f"(audience {table(official)['Mean'][second]:.2f} \u00b1 " in dom["readout"]["text"]
