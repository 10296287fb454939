"""Per-video report: plot PNG, thumbnails decoded by seeking, self-contained HTML."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import cv2
import numpy as np
import pandas as pd
import pytest

from videoaffect.decoding.synthetic_media import make_video
from videoaffect.reports import grab_frames, render_curve_png, render_html, select_moments
from videoaffect.reports.html import false_runs, format_time

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MODALITIES = ("audio", "scene", "expression")


def make_curve(n: int = 90, tasks=("valence", "arousal"), modalities=MODALITIES, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    df = pd.DataFrame(index=pd.Index(t, name="time_s"))
    for k, task in enumerate(tasks):
        intra = 4.0 + 2.0 * np.sin(2 * np.pi * t / max(n, 2) + k) + rng.normal(0, 0.4, n)
        df[task] = pd.Series(intra).ewm(span=8).mean().to_numpy()
        df[f"{task}_intra"] = intra
        for i, m in enumerate(modalities):
            df[f"{task}_contrib_{m}"] = 0.5 * np.sin(t / (4 + 3 * i) + i) + rng.normal(0, 0.05, n)
    for m in modalities:
        df[f"{m}_present"] = True
    return df


def standard_curve() -> pd.DataFrame:
    """90 s, two tasks, three modalities, audio missing in 10..19 s, cuts at 30 and 60 s."""
    df = make_curve(90)
    df.loc[10:19, "audio_present"] = False
    df["shot_cut"] = False
    df.loc[[30, 60], "shot_cut"] = True
    return df


def make_meta(**video) -> dict:
    return {
        "video": {"name": "film.mp4", "path": "videos/film.mp4", "seconds": 90, "sha256": "ab" * 32, **video},
        "label_scale": {"low": 1, "high": 7, "name": "SAM 1-7",
                        "description": "Ratings from 1 (very negative or calm) to 7 (very positive or excited)."},
        "model": {"path": "/models/m.pt", "tasks": ["valence", "arousal"], "method": "fusion",
                  "feature_set": "default",
                  "smoothing": {"arousal": "zero-lag EMA, time constant 20 s", "valence": "none"},
                  "clip_seconds": 10, "clip_stride": 5},
        "feature_provenance": {
            "audio": {"extractor": "vggish", "version": "1.2", "weights": {"vggish": "cd" * 32},
                      "params": {"rate": 16000}},
            "scene": {"extractor": "places", "version": "3", "weights": {}},
        },
        "videoaffect_version": "9.8.7",
        "schema": "curve-v1",
    }


def decode_png(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


# --------------------------------------------------------------------------- helpers
def test_format_time_and_false_runs():
    assert [format_time(s) for s in (0, 9, 65, 600, 3599, 3600, 7265)] == [
        "0:00", "0:09", "1:05", "10:00", "59:59", "1:00:00", "2:01:05"]
    assert false_runs([True, False, False, True, False]) == [(1, 3), (4, 5)]
    assert false_runs([False] * 3) == [(0, 3)]
    assert false_runs([True, True]) == []
    assert false_runs([]) == []


# --------------------------------------------------------------------------- plot
def test_plot_is_a_png_of_the_requested_size():
    png = render_curve_png(standard_curve(), make_meta())
    assert png.startswith(PNG_SIGNATURE)
    assert decode_png(png).shape[:2] == (700, 1200)  # 12 x 7 inches at 100 dpi
    small = render_curve_png(standard_curve(), make_meta(), dpi=50)
    assert decode_png(small).shape[:2] == (350, 600)


def test_plot_single_task_one_second_and_sparse_inputs():
    valence_only = make_curve(40, tasks=("valence",))
    assert decode_png(render_curve_png(valence_only, make_meta())).shape[:2] == (700, 1200)
    one = make_curve(1, tasks=("arousal",), modalities=("audio",))
    one["audio_present"] = False
    assert decode_png(render_curve_png(one, make_meta(seconds=1))).shape[:2] == (700, 1200)
    # Only a final curve, no meta at all: still a plot.
    bare = pd.DataFrame({"valence": [0.1, -0.2, 0.3]}, index=pd.Index([0, 1, 2], name="time_s"))
    assert render_curve_png(bare, {}).startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError):
        render_curve_png(pd.DataFrame({"other": [1.0]}), {})


def test_plot_draws_the_missing_modality_band():
    # The band for a missing modality is drawn in that modality's colour (audio = first,
    # green #2ca02c, blended at alpha 0.35 on white); a curve without gaps has no such pixels.
    def greenish_pixels(df):
        bgr = decode_png(render_curve_png(df, make_meta())).astype(int)
        b, g, r = bgr[..., 0], bgr[..., 1], bgr[..., 2]
        return int(np.sum((abs(r - 179) < 12) & (abs(g - 216) < 12) & (abs(b - 179) < 12)))

    complete = make_curve(90)
    gaps = complete.copy()
    gaps.loc[10:40, "audio_present"] = False
    assert greenish_pixels(gaps) > 200 + greenish_pixels(complete)


def test_plot_of_a_two_hour_film_draws_as_few_artists_as_a_short_one(monkeypatch):
    # What keeps a two-hour film's plot fast, checked without a clock: its cuts and gaps are drawn
    # as one collection each, not one artist per cut or second, so the figure holds exactly as many
    # artists for 7200 s (about 1440 cuts) as for 1800 s (about 360): the drawing cost does not grow
    # with the number of cuts.  (It used to be timed: under 4 s, about 0.3 s on one core.)
    import matplotlib.collections

    import videoaffect.reports.plot as plot

    figures = []

    class RecordingFigure(plot.Figure):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            figures.append(self)

    monkeypatch.setattr(plot, "Figure", RecordingFigure)

    def render(seconds: int):
        rng = np.random.default_rng(1)
        df = make_curve(seconds)
        df["shot_cut"] = rng.random(seconds) < 0.2
        df.loc[100:400, "expression_present"] = False
        png = render_curve_png(df, make_meta(seconds=seconds))
        assert decode_png(png).shape[:2] == (700, 1200)
        fig = figures[-1]
        cut_segments = sum(len(c.get_segments()) for c in fig.findobj(matplotlib.collections.LineCollection))
        # the data artists (the axes' ticks and labels depend on the length, not on the data)
        drawn = sum(len(ax.lines) + len(ax.collections) + len(ax.patches) for ax in fig.axes)
        return drawn, cut_segments, int(df["shot_cut"].sum())

    long_artists, long_segments, long_cuts = render(7200)
    short_artists, short_segments, short_cuts = render(1800)
    assert long_cuts > 1000 and long_segments == long_cuts and short_segments == short_cuts
    assert long_artists == short_artists


def test_plot_is_thread_safe_and_deterministic():
    curves = [make_curve(60, seed=s) for s in range(4)]
    serial = [render_curve_png(c, make_meta()) for c in curves]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda c: render_curve_png(c, make_meta()), curves))
    assert parallel == serial
    assert len(set(serial)) == 4


# --------------------------------------------------------------------------- moments
def test_select_moments_finds_planted_extremes():
    df = make_curve(100)
    df["valence"] = 4.0
    df["arousal"] = 4.0
    df.loc[42, "valence"] = 6.5
    df.loc[7, "valence"] = 1.5
    df.loc[63, "arousal"] = 6.9
    moments = {m["key"]: m for m in select_moments(df, neutral=4.0)}
    assert moments["valence_max"]["second"] == 42 and moments["valence_max"]["value"] == 6.5
    assert moments["valence_min"]["second"] == 7 and moments["valence_min"]["value"] == 1.5
    assert moments["arousal_max"]["second"] == 63 and moments["arousal_max"]["task"] == "arousal"
    assert set(moments["valence_max"]) == {"key", "title", "note", "second", "value", "task"}
    assert [m["title"] for m in moments.values()] == ["Most positive moment", "Most negative moment",
                                                      "Most intense moment"]
    assert all(m["note"] == "" for m in moments.values())


def test_select_moments_skips_absent_tasks_and_keeps_coinciding_ones():
    valence_only = make_curve(20, tasks=("valence",))
    assert [m["key"] for m in select_moments(valence_only)] == ["valence_max", "valence_min"]
    arousal_only = make_curve(20, tasks=("arousal",))
    assert [m["key"] for m in select_moments(arousal_only)] == ["arousal_max"]
    one = make_curve(1)
    moments = select_moments(one)
    assert len(moments) == 3 and {m["second"] for m in moments} == {0}
    # The index, not the row position, is the second.
    shifted = pd.DataFrame({"valence": [1.0, 3.0, 2.0]}, index=pd.Index([10, 11, 12], name="time_s"))
    assert select_moments(shifted)[0]["second"] == 11


# --------------------------------------------------------------------------- html
class _Checker(HTMLParser):
    VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col", "area", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.images: list[str] = []
        self.seen: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()


def check_html(doc: str) -> _Checker:
    checker = _Checker()
    checker.feed(doc)
    checker.close()
    assert not checker.errors, checker.errors
    assert checker.stack == []
    return checker


def fake_jpeg(level: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((24, 32, 3), level, np.uint8))
    assert ok
    return buf.tobytes()


def test_html_is_self_contained_and_well_formed():
    df = standard_curve()
    df["valence"] = 4.0
    df.loc[75, "valence"] = 6.8  # most positive at 1:15
    png = render_curve_png(df, make_meta())
    moments = select_moments(df)
    thumbs = {m["second"]: fake_jpeg(40 * i + 20) for i, m in enumerate(moments)}
    doc = render_html(df, make_meta(), png, thumbs)

    assert doc.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in doc
    low = doc.lower()
    for forbidden in ("http://", "https://", 'src="//', "<script", "url(", "@import"):
        assert forbidden not in low, forbidden
    checker = check_html(doc)
    assert {"html", "head", "body", "main", "table", "style"} <= checker.seen
    assert checker.images and all(src.startswith("data:image/") for src in checker.images)

    plot_src = checker.images[0]
    assert plot_src.startswith("data:image/png;base64,")
    assert base64.b64decode(plot_src.split(",", 1)[1]) == png
    jpeg_payloads = {base64.b64decode(s.split(",", 1)[1]) for s in checker.images[1:]}
    assert jpeg_payloads == set(thumbs.values())

    assert "0:10" in doc and "0:10–0:19" in doc  # missing audio range
    positive_card = re.search(r"Most positive moment</h3><div>at <strong>([0-9:]+)</strong>", doc)
    assert positive_card and positive_card.group(1) == "1:15"
    assert "film.mp4" in doc and "9.8.7" in doc and "curve-v1" in doc
    assert "zero-lag EMA, time constant 20 s" in doc
    assert 'title="' + "cd" * 32 + '"' in doc and ">" + "cd" * 6 + "<" in doc  # 12-char hash
    assert "Ratings from 1 (very negative or calm)" in doc
    assert len(doc) < 4 * len(png) // 3 + 60_000  # the PNG, the JPEGs and a little text


def test_html_escapes_every_meta_string():
    meta = make_meta(name="<b>bold</b> & co", path="/x/<b>p</b>")
    meta["label_scale"]["description"] = "from <b>low</b> to high"
    meta["label_scale"]["name"] = "<b>scale</b>"
    meta["model"]["path"] = '"><b>model</b>'
    meta["model"]["smoothing"] = {"valence": "<b>ema</b>"}
    meta["feature_provenance"]["audio"]["extractor"] = "<b>ex</b>"
    meta["feature_provenance"]["<b>mod</b>"] = {"version": "<b>v</b>"}
    meta["videoaffect_version"] = "<b>1</b>"
    df = standard_curve().rename(columns={"scene_present": "<b>scene</b>_present"})
    df.loc[0:3, "<b>scene</b>_present"] = False
    doc = render_html(df, meta, b"\x89PNG fake", {})
    assert "<b>" not in doc and "</b>" not in doc
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in doc
    assert "&lt;b&gt;low&lt;/b&gt;" in doc and "&lt;b&gt;ema&lt;/b&gt;" in doc
    check_html(doc)


def test_html_missing_data_wording_and_absent_frames():
    df = make_curve(66)
    df["audio_present"] = False
    doc = render_html(df, make_meta(seconds=66), b"png", {})
    assert "0:00–1:05 (all 66 s)" in doc and "no audio track" in doc
    assert doc.count("no frame") == 3  # no thumbnail for any of the three moments

    complete = make_curve(30)
    doc = render_html(complete, make_meta(seconds=30), b"png", {})
    assert "all modalities present" in doc.lower()
    assert "0:00–" not in doc


def test_html_with_one_task_and_minimal_meta():
    df = make_curve(12, tasks=("arousal",), modalities=())
    doc = render_html(df, {}, b"png", {})
    check_html(doc)
    assert "n/a" in doc
    # no label scale, so no neutral to call a value positive or intense by
    assert "arousal" in doc and "Highest arousal" in doc
    assert "Most positive moment" not in doc and "Most intense moment" not in doc
    summary = re.search(r'<section class="summary">.*?</section>', doc, re.S).group(0)
    assert "valence" not in summary


def test_html_summary_numbers():
    df = pd.DataFrame({"valence": [1.0, 2.0, 6.0, 7.0], "arousal": [4.0, 4.0, 4.0, 5.0]},
                      index=pd.Index(range(4), name="time_s"))
    doc = render_html(df, make_meta(seconds=4), b"png", {})
    summary = re.search(r'<section class="summary">.*?</section>', doc, re.S).group(0)
    valence_row = re.search(r"<tr><td>valence</td>(.*?)</tr>", summary).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', valence_row)
    assert cells == ["4.000", "1.000 (at 0:00)", "7.000 (at 0:03)", f"{np.std([1, 2, 6, 7]):.3f}", "50 %"]
    arousal_row = re.search(r"<tr><td>arousal</td>(.*?)</tr>", summary).group(1)
    assert re.findall(r'<td class="num">(.*?)</td>', arousal_row)[-1] == "25 %"  # 4.0 is not above 4


def test_reports_import_does_not_import_torch():
    code = ("import sys, videoaffect.reports as r; r.render_html; r.select_moments; r.render_curve_png; "
            "r.grab_frames; assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- thumbnails
def second_colour_pattern(index, time_s, size):
    """Second k is red k*40; the frame position within the second is in green (20 per tenth)."""
    width, height = size
    frame = np.empty((height, width, 3), np.uint8)
    frame[..., 0] = int(time_s) * 40
    frame[..., 1] = int(round((time_s % 1) * 10)) * 20
    frame[..., 2] = 128
    return frame


@pytest.fixture(scope="module")
def colour_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("thumbs") / "colours.mp4"
    return make_video(path, 6, fps=10, size=(64, 48), audio=False, pattern=second_colour_pattern)


def jpeg_rgb(data: bytes) -> np.ndarray:
    return cv2.cvtColor(decode_png(data), cv2.COLOR_BGR2RGB)


def test_grab_frames_picks_the_frame_at_the_middle_of_each_second(colour_video):
    frames = grab_frames(colour_video, [5, 3, 0])
    assert sorted(frames) == [0, 3, 5]
    for second in (0, 3, 5):
        rgb = jpeg_rgb(frames[second]).astype(float)
        assert rgb.shape == (48, 64, 3)
        assert abs(rgb[..., 0].mean() - 40 * second) < 15, (second, rgb[..., 0].mean())
        assert abs(rgb[..., 1].mean() - 100) < 10  # frame 5 of 10 in the second: t + 0.5 s
        assert abs(rgb[..., 2].mean() - 128) < 15


def test_grab_frames_scales_and_skips_undecodable_seconds(colour_video):
    frames = grab_frames(colour_video, [2, 6, 40, -1], max_width=32)
    assert sorted(frames) == [2]  # 6 s video: seconds 6 and 40 do not exist
    assert decode_png(frames[2]).shape[:2] == (24, 32)
    assert grab_frames(colour_video, []) == {}


def test_grab_frames_raises_naming_the_file(tmp_path):
    missing = tmp_path / "no_such_movie.mp4"
    with pytest.raises(Exception, match="no_such_movie.mp4"):
        grab_frames(missing, [0])
    garbage = tmp_path / "garbage_file.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    with pytest.raises(Exception, match="garbage_file.mp4"):
        grab_frames(garbage, [0])


def test_grab_frames_seeks_instead_of_decoding_everything(tmp_path, monkeypatch):
    # 60 s at 10 fps with a key frame every 2 s: three thumbnails need a few dozen frames.
    from videoaffect.reports import thumbnails

    path = tmp_path / "long.mp4"
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.gop_size = 20
        for i in range(600):
            image = np.full((48, 64, 3), 128, np.uint8)
            image[..., 0] = (i // 10) * 4  # second k -> red 4k, up to 236
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))

    decoded = []
    real_open = thumbnails.av.open

    class Counting:
        def __init__(self, container):
            self._c = container

        def __getattr__(self, name):
            return getattr(self._c, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._c.__exit__(*exc)

        def decode(self, *args, **kwargs):
            for frame in self._c.decode(*args, **kwargs):
                decoded.append(frame)
                yield frame

    monkeypatch.setattr(thumbnails.av, "open", lambda *a, **k: Counting(real_open(*a, **k)))
    frames = grab_frames(path, [12, 33, 57])
    assert sorted(frames) == [12, 33, 57]
    for second in (12, 33, 57):
        assert abs(jpeg_rgb(frames[second])[..., 0].astype(float).mean() - 4 * second) < 8
    assert len(decoded) < 120, len(decoded)  # the whole film would be 600 frames


@pytest.mark.parametrize("scale", [{"low": -1, "high": "n/a"}, {"low": None, "high": 1}, {"low": 2, "high": 1}])
def test_a_label_scale_with_one_usable_end_is_treated_as_unknown(scale):
    # once crashed render_html (float + None) and render_curve_png (float > None)
    from videoaffect.reports.html import label_scale

    assert label_scale({"label_scale": scale}) == (None, None)
    meta = make_meta()
    meta["label_scale"] = scale
    png = render_curve_png(standard_curve(), meta)
    assert png.startswith(PNG_SIGNATURE)
    page = render_html(standard_curve(), meta, png, None)
    assert page.lstrip().lower().startswith("<!doctype html>") and "</html>" in page
