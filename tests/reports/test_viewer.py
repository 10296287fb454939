"""The viewer page (`videoaffect view`): one self-contained file that plays the video above its
curves; the data it embeds are the prediction's; bad input is refused naming the file and the
fix; and, in a real headless Chromium, seeking the video moves the cursor to the second that
holds the playback time and clicking the plot seeks the video."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from videoaffect.cli.main import main
from videoaffect.core.errors import ConfigError, DataError
from videoaffect.models.card import GENERATED_WARNING
from videoaffect.prediction.curves import SCHEMA, curve_json
from videoaffect.reports import viewer
from videoaffect.reports.viewer import (
    SUPPORTED_SCHEMAS,
    render_viewer,
    viewer_video_src,
    write_viewer,
)

SECONDS = 8
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


def test_schemas_and_colours_follow_the_writer_and_the_png():
    from videoaffect.reports import plot

    assert SCHEMA in SUPPORTED_SCHEMAS
    assert viewer.TASK_COLOURS == plot.TASK_COLOURS and viewer.MODALITY_COLOURS == plot.MODALITY_COLOURS


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
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _ById(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.attrs[str(a["id"])] = a
        if a.get("id") == "readout":
            self._open.append("readout")
        elif self._open and tag not in ("br",):
            self._open.append("")

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.text["readout"] = self.text.get("readout", "") + data


def dump_dom(page: Path, fragment: str) -> _ById:
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                              "--virtual-time-budget=5000", "--dump-dom", page.as_uri() + fragment],
                             capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    parsed = _ById()
    parsed.feed(res.stdout)
    assert parsed.attrs.get("viewer", {}).get("data-ready") == "1", "the page's script did not run"
    return parsed


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (the browser test drives headless Chromium)")
    from videoaffect.decoding.synthetic_media import make_video

    folder = tmp_path_factory.mktemp("viewer")
    video = make_video(folder / "media" / "clip.mp4", SECONDS, size=(64, 48), faststart=True)  # H.264 + AAC
    (folder / "curves").mkdir()
    json_path = write_prediction(folder / "curves", str(video))
    return write_viewer(json_path), json.loads(json_path.read_text())["curve"]


def test_seeking_the_video_moves_the_cursor_to_the_second_it_is_in(browser_page):
    page, curve = browser_page
    dom = dump_dom(page, "#t=3.5")
    assert dom.attrs["video-status"].get("hidden") is not None, "the video did not play in Chromium"
    cursor, readout = dom.attrs["cursor"], dom.attrs["readout"]
    # data-from "video": the cursor was moved by the video's own seeked/timeupdate event
    assert (cursor["data-from"], cursor["data-time"], cursor["data-second"]) == ("video", "3.500", "3")
    assert readout["data-second"] == "3" and readout["data-missing"] == "expression"
    for task in ("valence", "arousal"):
        for suffix in ("", "_low", "_high"):
            assert float(readout[f"data-{task}{suffix.replace('_', '-')}"]) == pytest.approx(curve[task + suffix][3])
        text = f"{task} {curve[task][3]:.2f} [{curve[task + '_low'][3]:.2f}, {curve[task + '_high'][3]:.2f}]"
        assert text in dom.text["readout"], dom.text["readout"]
    assert "(no face)" in dom.text["readout"]
    assert float(cursor["x1"]) > float(dom.attrs["cursor-second"]["x"])  # 3.5 s lies inside second 3's box


def test_clicking_the_plot_seeks_the_video(browser_page):
    page, curve = browser_page
    dom = dump_dom(page, "#click=5")
    cursor, readout = dom.attrs["cursor"], dom.attrs["readout"]
    assert cursor["data-from"] == "video" and 5.0 <= float(cursor["data-time"]) < 6.0
    assert cursor["data-second"] == readout["data-second"] == "5"
    assert float(readout["data-valence"]) == pytest.approx(curve["valence"][5])
    assert readout["data-missing"] == ""


def test_without_a_video_a_click_moves_the_cursor(tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (the browser test drives headless Chromium)")
    page = tmp_path / "clip.viewer.html"
    page.write_text(render_viewer(make_doc(None), None))
    dom = dump_dom(page, "#click=6")
    assert dom.attrs["cursor"]["data-from"] == "click" and dom.attrs["cursor"]["data-second"] == "6"
    assert "video" not in dom.attrs
