"""The viewer page (`videoaffect view`): one self-contained file that plays the video above its
curves; the data it embeds are the prediction's; bad input is refused naming the file and the
fix; and, in a real headless Chromium driven by Selenium, the drawn curves, bands, cuts and gaps
sit where the JSON puts them on the drawn axes, a real click on the plot seeks the video, the
arrow keys step it one second, and the cursor is drawn at the playback time."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser import headless_chromium
from videoaffect.cli.main import main
from videoaffect.core.errors import ConfigError, DataError
from videoaffect.models.card import GENERATED_WARNING
from videoaffect.prediction.curves import SCHEMA, curve_json
from videoaffect.reports.viewer import (
    SUPPORTED_SCHEMAS,
    render_viewer,
    viewer_video_src,
    write_viewer,
)

SECONDS = 8
DURATION = SECONDS + 0.4  # the browser tests' video: 8 whole seconds predicted, the axis runs to its end
CARD = {"dataset": "manifest films.csv", "kind": "manifest", "split": "train", "movies": 9, "hours": 0.1,
        "generated": True, "generated_by": "write_manifest_dataset"}


def make_doc(video_path: str | None, *, generated: bool = True, seconds: int = SECONDS) -> dict:
    """A prediction document as `predict` builds it (``curve_json(frame, meta)``), by hand."""
    t = np.arange(seconds)
    frame = pd.DataFrame(index=pd.Index(t, name="time_s"))
    for k, task in enumerate(("valence", "arousal")):
        values = 3.0 + np.sin(t * 0.7 + k) * (1.0 + 0.1 * t)
        frame[task] = values
        frame[f"{task}_low"] = values - 0.4 - 0.05 * t
        frame[f"{task}_high"] = values + 0.3 + 0.02 * t
        frame[f"{task}_intra"] = values + 0.2
        frame[f"{task}_contrib_audio"] = 0.1 * np.cos(t)
    frame["audio_present"] = np.ones(seconds, dtype=bool)
    frame["expression_present"] = ~np.isin(t, [2, 3, 4])
    frame["shot_cut"] = np.isin(t, [3, 6])
    meta = {
        "schema": SCHEMA,
        "videoaffect_version": "test",
        "video": {"name": "clip.mp4", "path": video_path, "seconds": seconds, "sha256": None, "movie_id": "clip"},
        "model": {"path": "models/m", "training_data": {**CARD, "generated": generated}},
        "warning": GENERATED_WARNING if generated else None,
        "band": {t: {"level": 0.8, "columns": [f"{t}_low", f"{t}_high"], "description": "central 80 % interval"}
                 for t in ("valence", "arousal")},
        "tasks": ["valence", "arousal"],
        "label_scale": {"low": 1.0, "high": 5.0, "name": "liris-accede-discrete",
                        "description": "1 (most negative) to 5 (most positive); 3 is neutral"},
        "missing": {"expression": {"seconds_missing": 3, "ranges": [[2, 4]]}},
    }
    return curve_json(frame, meta)


def write_prediction(folder: Path, video_path: str | None, **kw) -> Path:
    path = folder / "clip.json"
    path.write_text(json.dumps(make_doc(video_path, **kw), indent=1))  # as predict writes it
    return path


def embedded(page: str) -> dict:
    found = re.findall(r'<script type="application/json" id="curve-data">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


# --------------------------------------------------------------------------- the page
def test_page_is_self_contained_with_a_relative_video_and_the_curve_embedded(tmp_path):
    doc = make_doc(str(tmp_path / "clip.mp4"))
    page = render_viewer(doc, "clip.mp4")
    assert not re.search(r"https?:|//[a-z]|<link|<iframe|<img|@import|url\((?!#)", page, re.I), \
        "the page must not reach any network or external file"
    assert re.findall(r'\ssrc="([^"]*)"', page) == ["clip.mp4"]  # the video's only; no <script src>
    assert re.search(r'<video id="video" controls[^>]* src="clip.mp4"', page)
    payload = embedded(page)
    assert payload["curve"] == doc["curve"]
    view = payload["view"]
    assert view["tasks"] == ["valence", "arousal"]
    assert view["cuts"] == [3, 6]
    assert view["missing"] == [{"modality": "expression", "label": "no face", "colour": view["missing"][0]["colour"],
                                "runs": [[2, 5]]}]  # seconds 2, 3, 4: [2, 5)
    assert view["band"]["valence"] == {"low": "valence_low", "high": "valence_high", "level": 0.8}
    assert view["intra"] == {"valence": "valence_intra", "arousal": "arousal_intra"}
    doc["curve"]["arousal_intra"] = list(doc["curve"]["arousal"])  # no temporal context: nothing to add
    assert embedded(render_viewer(doc, "clip.mp4"))["view"]["intra"] == {"valence": "valence_intra"}
    assert view["y"] == [1.0, 5.0] or view["y"][0] < 1.0  # the scale, widened only if a value leaves it
    for needle in ('id="readout"', 'id="plot"', 'id="legend"', "addEventListener(\"click\"", "timeupdate",
                   "requestAnimationFrame", "liris-accede-discrete: 1 to 5, neutral 3"):
        assert needle in page, needle


def test_generated_warning_banner_and_model_card_line():
    page = render_viewer(make_doc("clip.mp4", generated=True), "clip.mp4")
    banner = page.index('id="warning"')
    assert GENERATED_WARNING in page and banner < page.index("<h1>")  # at the top
    assert re.search(r'id="model-card"[^>]*>Model <code>models/m</code>: trained on manifest films.csv', page)
    real = render_viewer(make_doc("clip.mp4", generated=False), "clip.mp4")
    assert 'id="warning"' not in real and GENERATED_WARNING not in real
    assert "trained on manifest films.csv" in real


def test_strings_cannot_end_the_script_and_nan_travels_as_null():
    doc = make_doc("clip.mp4")
    evil = "</script><script>alert(1)</script><!--"
    doc["curve"][f"{evil}_present"] = [False] * SECONDS  # a modality name lands in the embedded JSON
    doc["curve"]["valence"][1] = math.nan
    doc["video"]["name"] = evil
    page = render_viewer(doc, "a b.mp4")
    assert page.count("</script>") == 2 and "<!--" not in page and "alert(1)</script>" not in page
    payload = embedded(page)
    assert payload["curve"]["valence"][1] is None
    assert f"{evil}_present" in payload["curve"]
    assert "NaN" not in page  # JSON.parse refuses NaN


def test_without_a_video_the_page_still_draws_and_says_how_to_add_one():
    page = render_viewer(make_doc(None), None)
    assert "<video" not in page and 'id="no-video"' in page and "--video FILE" in page


def test_schemas_follow_the_writer():
    assert SCHEMA in SUPPORTED_SCHEMAS  # the page and the PNG take their colours from reports/colours.py


def test_video_src_is_relative_to_the_page_and_url_quoted(tmp_path):
    page = tmp_path / "out" / "clip.viewer.html"
    assert viewer_video_src(tmp_path / "out" / "clip.mp4", page) == "clip.mp4"
    assert viewer_video_src(tmp_path / "media" / "my film #1.mp4", page) == "../media/my%20film%20%231.mp4"
    assert viewer_video_src(tmp_path / "out" / "c:x?.mp4", page) == "c%3Ax%3F.mp4"  # never read as a scheme


# --------------------------------------------------------------------------- writing and errors
def test_write_viewer_uses_the_recorded_video_relative_to_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "clip.mp4").write_bytes(b"video")
    out = tmp_path / "curves"
    out.mkdir()
    monkeypatch.chdir(tmp_path)  # predict recorded a path relative to the folder it ran in
    json_path = write_prediction(out, "media/clip.mp4")
    page = write_viewer(json_path)
    assert page == out / "clip.viewer.html"
    text = page.read_text()
    assert re.search(r'<video[^>]* src="../media/clip.mp4"', text)
    assert embedded(text)["curve"] == json.loads(json_path.read_text())["curve"]
    assert sorted(p.name for p in out.iterdir()) == ["clip.json", "clip.viewer.html"]  # no temporary file left
    other = tmp_path / "elsewhere" / "page.html"
    assert write_viewer(json_path, video=Path("media/clip.mp4"), out=other) == other
    assert re.search(r'src="../media/clip.mp4"', other.read_text())


@pytest.mark.parametrize("content, needle", [
    ("not json at all", "is not valid JSON"),
    ("[1, 2]", "is not a videoaffect prediction"),
    ('{"schema": "videoaffect-prediction/9", "curve": {"time_s": [0]}}', "has schema 'videoaffect-prediction/9'"),
    ('{"schema": "videoaffect-prediction/1"}', 'no "curve"'),
    ('{"schema": "videoaffect-prediction/1", "curve": {"time_s": [0, 1], "valence": [1]}}', "valence"),
    ('{"schema": "videoaffect-prediction/1", "curve": {"time_s": [0], "x": [1]}}', "no task column"),
])
def test_bad_prediction_files_are_refused_naming_the_file(tmp_path, content, needle):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataError) as exc:
        write_viewer(path)
    assert str(path) in str(exc.value) and needle in str(exc.value)
    assert not (tmp_path / "bad.viewer.html").exists()


def test_a_missing_video_names_the_json_the_video_and_the_fix(tmp_path):
    json_path = write_prediction(tmp_path, str(tmp_path / "gone.mp4"))
    with pytest.raises(DataError) as exc:
        write_viewer(json_path)
    message = str(exc.value)
    assert str(json_path) in message and str(tmp_path / "gone.mp4") in message and "--video" in message
    with pytest.raises(DataError, match="--video .*nope.mp4 is not a file"):
        write_viewer(json_path, video=tmp_path / "nope.mp4")
    (tmp_path / "c").mkdir()
    corpus = write_prediction(tmp_path / "c", None)  # predicted from a feature corpus: no file recorded
    with pytest.raises(DataError, match="records no video file.*--video"):
        write_viewer(corpus)
    (tmp_path / "gone.mp4").write_bytes(b"v")
    with pytest.raises(ConfigError, match="is a folder"):
        write_viewer(json_path, out=tmp_path)


def test_view_command(tmp_path, capsys):
    (tmp_path / "clip.mp4").write_bytes(b"video")
    json_path = write_prediction(tmp_path, str(tmp_path / "clip.mp4"))
    assert main(["view", str(json_path)]) == 0
    assert f"viewer: {tmp_path / 'clip.viewer.html'}" in capsys.readouterr().out
    assert 'src="clip.mp4"' in (tmp_path / "clip.viewer.html").read_text()
    assert main(["view", str(json_path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("videoaffect: error: --out") and "is a directory" in err and err.count("\n") == 1
    assert main(["view", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert "missing.json does not exist" in err and err.count("\n") == 1


# --------------------------------------------------------------------------- in a real browser
# Selenium drives Debian's chromium through its chromedriver.  What is checked is what the page
# drew: the SVG's points are mapped back to seconds and label values through the drawn axes (a
# tick's value from its label, its pixel from its line), never through the page's script.  Mouse
# and keys are real input events, so an element covering the plot would take the click and fail.
# Drawn coordinates are rounded to 0.1 px; 0.5 px leaves room for that and for the axes read from
# the ticks.  On this page a second is ~112 px wide and a label unit ~27 px high: a curve shifted by
# a second, or drawn from another column (the nearest, <task>_intra, is 0.2 units = 5.5 px away),
# is far outside it (test_the_drawn_chart_is_the_json checks both margins).
TOL_PX = 0.5


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module's tests, with a fresh profile (no network needed)."""
    driver = headless_chromium(tmp_path_factory.mktemp("chromium-profile"), "the viewer's browser tests drive them")
    yield driver
    driver.quit()


def browser_doc(video: str | None) -> dict:
    """`make_doc` with gaps: the curve misses second 1 (drawn in two pieces), valence's band second
    5, arousal's band second 1 (second 0 alone: a bar across that second)."""
    doc = make_doc(video)
    curve = doc["curve"]
    curve["valence"][1] = None
    curve["valence_low"][5] = curve["valence_high"][5] = None
    curve["arousal_high"][1] = None
    doc["video"]["duration_s"] = DURATION
    return doc


@pytest.fixture(scope="module")
def video_page(tmp_path_factory):
    from videoaffect.decoding.synthetic_media import make_video

    folder = tmp_path_factory.mktemp("viewer")
    video = make_video(folder / "media" / "clip.mp4", DURATION, size=(64, 48), faststart=True)  # H.264 + AAC
    (folder / "curves").mkdir()
    json_path = folder / "curves" / "clip.json"
    json_path.write_text(json.dumps(browser_doc(str(video))))
    return write_viewer(json_path), json.loads(json_path.read_text())["curve"]


_LOADS = itertools.count()
# What the page drew, as plain data (test_viewer_labels reads it too): every element of each panel and of the time axis with its
# attributes (text with the centre of its drawn box), the cursor, the SVG's size and its box on screen.
READ_PLOT = """
var svg = document.getElementById("plot");
function item(e) {
  var o = {tag: e.tagName, text: e.textContent};
  for (var i = 0; i < e.attributes.length; i++) o[e.attributes[i].name] = e.attributes[i].value;
  if (e.tagName === "text") { var b = e.getBBox(); o.cx = b.x + b.width / 2; o.cy = b.y + b.height / 2; }
  return o;
}
function all(q) { return Array.from(svg.querySelectorAll(q)).map(item); }
var box = svg.getBoundingClientRect(), video = document.getElementById("video");
return {panels: Array.from(svg.querySelectorAll("g.panel")).map(function (g) {
          return {task: g.getAttribute("data-task"), items: Array.from(g.querySelectorAll("*")).map(item)}; }),
        axis: all("g.axis > *"), cursor: item(document.getElementById("cursor")),
        second: item(document.getElementById("cursor-second")), dots: all(".cursor-dot"),
        width: +svg.getAttribute("width"), box: [box.left, box.top, box.width, box.height],
        viewport: [innerWidth, innerHeight], focused: document.activeElement && document.activeElement.id,
        readout: item(document.getElementById("readout")),
        legend: Array.from(document.querySelectorAll("#legend li")).map(function (li) { return li.textContent; }),
        video: video ? {time: video.currentTime, status_hidden: document.getElementById("video-status").hidden}
                     : null};
"""


def wait_for(driver, script: str, message: str) -> None:
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, 10, poll_frequency=0.02).until(lambda d: d.execute_script(script), message)


def open_page(driver, page: Path, fragment: str = "") -> None:
    """Load the page afresh (a new query each time: a new document) and wait until it is drawn."""
    driver.get(f"{page.as_uri()}?load={next(_LOADS)}{fragment}")
    wait_for(driver, 'return document.getElementById("viewer").getAttribute("data-ready") === "1"',
             "the page's script did not run")
    wait_drawn(driver)


def wait_drawn(driver) -> None:
    """Wait until the plot is in view, drawn at its shown width and, with a video, the video's length
    is known."""
    driver.execute_script('document.getElementById("plot").scrollIntoView({block: "nearest"});')
    # drawn for the width it is shown at: not scaled (a scrollbar appearing after the first drawing)
    wait_for(driver, 'var p = document.getElementById("plot"); '
                     'return Math.abs(p.getBoundingClientRect().width - p.getAttribute("width")) < 0.5;',
             "the plot is shown scaled: it was not redrawn for the width it is shown at")
    wait_for(driver, 'var v = document.getElementById("video"); return !v || v.readyState >= 1 || !!v.error;',
             "the video's metadata did not load")


class Axis:
    """A drawn axis: pixel = offset + scale * value, through its ticks (value, pixel)."""

    def __init__(self, ticks: list[tuple[float, float]], what: str):
        values, pixels = np.array(ticks, dtype=float).T
        assert len(ticks) >= 3, f"{what}: {len(ticks)} ticks drawn"
        self.scale, self.offset = np.polyfit(values, pixels, 1)
        assert np.abs(self.px(values) - pixels).max() < 0.05, f"{what}: the ticks are not evenly spaced {ticks}"

    def px(self, value):
        return self.offset + self.scale * np.asarray(value, dtype=float)

    def value(self, px):
        return (np.asarray(px, dtype=float) - self.offset) / self.scale


def _ticks(labels: list[tuple[float, float]], lines: list[float], what: str) -> list[tuple[float, float]]:
    # each label names the value of the tick line nearest to its drawn centre
    ticks = []
    for value, centre in labels:
        line = min(lines, key=lambda p: abs(p - centre))
        assert abs(line - centre) < 8, f"{what}: no tick line by the label {value}"
        ticks.append((value, line))
    return ticks


def time_axis(dom) -> Axis:
    labels = [(float(t["text"].removesuffix(" s")), t["cx"]) for t in dom["axis"] if t["tag"] == "text"]
    lines = [float(t["x1"]) for t in dom["axis"] if t["tag"] == "line"]
    return Axis(_ticks(labels, lines, "time axis"), "time axis")


def value_axis(panel) -> Axis:
    items = panel["items"]
    labels = [(float(t["text"]), t["cy"]) for t in items if t["tag"] == "text" and t.get("text-anchor") == "end"
              and t.get("class") != "scale-word"]  # the words of the scale's ends are no tick label
    grid = [float(t["y1"]) for t in items if t["tag"] == "line" and t.get("class") is None and t["y1"] == t["y2"]]
    return Axis(_ticks(labels, grid, panel["task"]), f"{panel['task']} axis")


def subpaths(d: str) -> list[list[tuple[float, float]]]:
    """The pieces of a path made of M (a new piece), L and Z, as lists of points."""
    commands = re.findall(r"([ML])(-?[\d.]+) (-?[\d.]+)", d)
    assert re.sub(r"[ML]-?[\d.]+ -?[\d.]+|Z", "", d) == "", f"unexpected path commands in {d!r}"
    pieces: list[list[tuple[float, float]]] = []
    for command, x, y in commands:
        if command == "M":
            pieces.append([])
        pieces[-1].append((float(x), float(y)))
    return pieces


def runs(ok: list[bool]) -> list[list[int]]:
    """The runs of consecutive True indices."""
    out: list[list[int]] = []
    for i, good in enumerate(ok):
        if good and out and out[-1][-1] == i - 1:
            out[-1].append(i)
        elif good:
            out.append([i])
    return out


def assert_drawn(drawn, expected, what: str) -> None:
    assert [len(p) for p in drawn] == [len(p) for p in expected], f"{what}: pieces of {drawn} vs {expected}"
    for got, want in zip(drawn, expected):
        off = np.abs(np.array(got) - np.array(want)).max()
        assert off <= TOL_PX, f"{what}: drawn {got}, the JSON puts it at {np.round(want, 1).tolist()} ({off:.1f} px off)"


def the_element(items, cls: str):
    found = [i for i in items if i.get("class") == cls]
    assert len(found) == 1, f"{len(found)} elements of class {cls}"
    return found[0]


def assert_cursor_at(dom, curve, time_s: float) -> None:
    """The cursor's line at ``time_s``, its second shaded and the dots on that second's values."""
    x = time_axis(dom)
    second = math.floor(time_s)
    assert float(x.value(float(dom["cursor"]["x1"]))) == pytest.approx(time_s, abs=TOL_PX / x.scale)
    box = dom["second"]
    assert float(x.value(float(box["x"]))) == pytest.approx(second, abs=TOL_PX / x.scale)
    assert float(box["width"]) == pytest.approx(x.scale, abs=TOL_PX)
    for panel, dot in zip(dom["panels"], dom["dots"]):
        y, value = value_axis(panel), curve[panel["task"]][second]
        assert (float(dot["cx"]), float(dot["cy"])) == pytest.approx((x.px(second + 0.5), y.px(value)), abs=TOL_PX)


@pytest.fixture(scope="module")
def opened_at_3_5(browser, video_page):
    """The page opened by a link at 3.5 s, as drawn."""
    page, curve = video_page
    open_page(browser, page, "#t=3.5")
    wait_for(browser, 'var c = document.getElementById("cursor"); '
                      'return c.getAttribute("data-from") === "video" && !document.getElementById("video").seeking;',
             "the video did not seek to the link's time")
    return browser.execute_script(READ_PLOT), curve


def test_the_drawn_chart_is_the_json(opened_at_3_5):
    dom, curve = opened_at_3_5
    x = time_axis(dom)
    assert x.scale > 40 * TOL_PX  # one second's shift is far outside the tolerance
    assert [p["task"] for p in dom["panels"]] == ["valence", "arousal"]
    for panel in dom["panels"]:
        task, items, y = panel["task"], panel["items"], value_axis(panel)
        frame = next(i for i in items if i["tag"] == "rect" and i.get("stroke") == "#bbb")  # the plot rectangle
        left, top = float(frame["x"]), float(frame["y"])
        right, bottom = left + float(frame["width"]), top + float(frame["height"])
        # the rectangle spans the whole video, [0, 8.4) (values for its seconds [0, 8)), and the label scale
        # 1..5 (widened below for the band)
        assert (left, right) == pytest.approx((x.px(0), x.px(DURATION)), abs=TOL_PX)
        # what the ends of the scale mean, written inside the panel
        words = [i["text"] for i in items if i.get("class") == "scale-word"]
        assert words == (["positive", "negative"] if task == "valence" else ["excited", "calm"])
        assert y.px(5.0) == pytest.approx(top, abs=TOL_PX) and y.px(1.0) < bottom
        mid = [x.px(t + 0.5) for t in curve["time_s"]]

        def line(column, y=y, mid=mid):
            values = curve[column]
            return [[(mid[i], y.px(values[i])) for i in run] for run in runs([v is not None for v in values])]

        for cls, column in (("curve", task), ("intra", f"{task}_intra")):
            assert_drawn(subpaths(the_element(items, cls)["d"]), line(column), f"{task} {cls}")
            # what a wrong column would be off by: far outside the tolerance
            others = {"valence", "arousal", f"{task}_intra"} - {column}
            assert min(max(abs(float(y.px(a)) - float(y.px(b))) for a, b in zip(curve[column], curve[o])
                           if a is not None and b is not None) for o in others) > 8 * TOL_PX
        low, high = curve[f"{task}_low"], curve[f"{task}_high"]
        band = []
        for run in runs([a is not None and b is not None for a, b in zip(low, high)]):
            if len(run) == 1:  # one second alone: a bar across it
                t = run[0]
                band.append([(x.px(t), y.px(high[t])), (x.px(t + 1), y.px(high[t])),
                             (x.px(t + 1), y.px(low[t])), (x.px(t), y.px(low[t]))])
            else:  # along the high edge, back along the low edge
                band.append([(mid[t], y.px(high[t])) for t in run] + [(mid[t], y.px(low[t])) for t in run[::-1]])
        assert_drawn(subpaths(the_element(items, "band")["d"]), band, f"{task} band")
        cut_lines = re.findall(r"M(-?[\d.]+) (-?[\d.]+)V(-?[\d.]+)", the_element(items, "cuts")["d"])
        cut_seconds = [t for t, cut in zip(curve["time_s"], curve["shot_cut"]) if cut]
        assert [float(c[0]) for c in cut_lines] == pytest.approx(list(x.px(cut_seconds)), abs=TOL_PX)
        assert all((float(a), float(b)) == pytest.approx((top, bottom), abs=TOL_PX) for _, a, b in cut_lines)
        hatched = [(float(r["x"]), float(r["x"]) + float(r["width"])) for r in items if r.get("class") == "missing"]
        absent = runs([not p for p in curve["expression_present"]])
        assert absent and len(hatched) == len(absent), hatched
        for drawn, run in zip(hatched, absent):
            assert drawn == pytest.approx(tuple(x.px([run[0], run[-1] + 1])), abs=TOL_PX), (hatched, absent)


def test_a_link_opens_the_page_at_its_time(opened_at_3_5):
    dom, curve = opened_at_3_5
    assert dom["video"]["status_hidden"], "the video did not play in Chromium"
    assert dom["video"]["time"] == 3.5
    cursor, readout = dom["cursor"], dom["readout"]
    # data-from "video": the cursor was moved by the video's own seeked/timeupdate event
    assert (cursor["data-from"], cursor["data-time"], cursor["data-second"]) == ("video", "3.500", "3")
    assert_cursor_at(dom, curve, 3.5)
    assert readout["data-second"] == "3" and readout["data-missing"] == "expression"
    for task in ("valence", "arousal"):
        for suffix in ("", "_low", "_high"):
            assert float(readout[f"data-{task}{suffix.replace('_', '-')}"]) == pytest.approx(curve[task + suffix][3])
        text = f"{task} {curve[task][3]:.2f} [{curve[task + '_low'][3]:.2f}, {curve[task + '_high'][3]:.2f}]"
        assert text in readout["text"], readout["text"]
    assert "(no face)" in readout["text"]


def click_at(driver, dom, x_px: float, y_px: float) -> None:
    """A real mouse move and click at the point (x_px, y_px) of the SVG's drawing."""
    from selenium.webdriver.common.action_chains import ActionChains

    left, top, width, height = dom["box"]
    k = width / dom["width"]
    at = (round(left + k * x_px), round(top + k * y_px))
    assert 0 <= at[0] < dom["viewport"][0] and 0 <= at[1] < dom["viewport"][1], f"{at} is off the window"
    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(*at)
    actions.click().perform()


def press(driver, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def test_a_real_click_seeks_the_video_and_arrow_keys_step_a_second(browser, video_page):
    from selenium.webdriver.common.keys import Keys

    page, curve = video_page
    open_page(browser, page)
    dom = browser.execute_script(READ_PLOT)
    x, y = time_axis(dom), value_axis(dom["panels"][0])
    target = 5.3
    click_at(browser, dom, float(x.px(target)), float(y.px(3.0)))
    settled = ('var v = document.getElementById("video"), c = document.getElementById("cursor"); '
               'return !v.seeking && c.getAttribute("data-from") === "video" && Math.abs(v.currentTime - {}) < {};')
    wait_for(browser, settled.format(target, 2 / x.scale),
             "the click did not seek the video (did an element over the plot take it?)")
    dom = browser.execute_script(READ_PLOT)
    assert_cursor_at(dom, curve, dom["video"]["time"])
    assert dom["readout"]["data-second"] == "5" and dom["readout"]["data-missing"] == ""
    assert dom["focused"] == "plot"  # the click focused the plot: the arrow keys now step it
    press(browser, Keys.ARROW_RIGHT)
    wait_for(browser, settled.format(6, 1e-6), "ArrowRight did not step the video to second 6")
    assert_cursor_at(browser.execute_script(READ_PLOT), curve, 6.0)
    press(browser, Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    wait_for(browser, settled.format(4, 1e-6), "two ArrowLeft did not step the video back to second 4")
    dom = browser.execute_script(READ_PLOT)
    assert_cursor_at(dom, curve, 4.0)
    assert dom["readout"]["data-missing"] == "expression" and "(no face)" in dom["readout"]["text"]


def test_without_a_video_a_real_click_moves_the_cursor(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    page = tmp_path / "clip.viewer.html"
    doc = browser_doc(None)
    page.write_text(render_viewer(doc, None))
    open_page(browser, page)
    # the plot's box narrows without a window resize (as when a vertical scrollbar appears): redrawn
    width = browser.execute_script("return +document.getElementById('plot').getAttribute('width');")
    browser.execute_script("document.querySelector('main').style.paddingRight = '80px';")
    wait_for(browser, f"return +document.getElementById('plot').getAttribute('width') < {width} - 40;",
             "the plot was not redrawn when its box narrowed")
    wait_drawn(browser)
    dom = browser.execute_script(READ_PLOT)
    assert dom["video"] is None
    x, y = time_axis(dom), value_axis(dom["panels"][1])  # this time in the arousal panel
    click_at(browser, dom, float(x.px(6.5)), float(y.px(2.0)))
    moved_by = 'return document.getElementById("cursor").getAttribute("data-from") === "{}";'
    wait_for(browser, moved_by.format("click"), "the click did not move the cursor")
    dom = browser.execute_script(READ_PLOT)
    assert dom["cursor"]["data-second"] == "6"
    assert_cursor_at(dom, doc["curve"], float(dom["cursor"]["data-time"]))
    assert float(dom["cursor"]["data-time"]) == pytest.approx(6.5, abs=2 / x.scale)
    press(browser, Keys.ARROW_LEFT)
    wait_for(browser, moved_by.format("key"), "ArrowLeft did not move the cursor")
    dom = browser.execute_script(READ_PLOT)
    assert dom["cursor"]["data-second"] == "5"
    assert_cursor_at(dom, doc["curve"], 5.0)
