"""Interactive viewer of one predicted emotion curve: the video plays above its curves.

One HTML file with inline CSS and one small hand-written script (no library, no external URL):
a ``<video controls>`` element whose ``src`` is the video file (relative to the page when
possible) and, below it, one SVG panel per task drawn from the curve data embedded in the page
as JSON: the curve, its confidence band, the curve before temporal context, shot cuts, missing
modalities (hatched along the bottom, as on the PNG), the label scale's neutral line.  A
vertical cursor follows playback; clicking the plot seeks the video; the values of the second
under the cursor are written out as text.  Second ``t`` covers ``[t, t + 1)``: at playback time
``x`` the page shows the values of second ``floor(x)``.

State for tests and scripts: ``#cursor`` (``data-second``, ``data-time``, ``data-from``: what
moved it last, ``video``, ``click``, ``key`` or ``hash``) and ``#readout`` (``data-second``,
``data-<task>``, ``data-<task>-low``, ``data-<task>-high``, ``data-missing``).  A link to the
page may name a time: ``#t=3.5`` opens it at 3.5 s.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from videoaffect.core.errors import ConfigError, DataError
from videoaffect.core.files import atomic_write_text
from videoaffect.core.vocabulary import TASKS
from videoaffect.models.card import NOT_RECORDED, card_summary
from videoaffect.reports.html import _get, _number, modalities_of, page_head, warning_banner

# The prediction JSON versions this page understands; tests check it against the writer's.
SUPPORTED_SCHEMAS = ("videoaffect-prediction/1",)
VIEWER_SUFFIX = ".viewer.html"
# The PNG's colours (reports/plot.py imports matplotlib, so they are repeated here; a test
# keeps the two tables equal).
TASK_COLOURS = {"valence": "#1f77b4", "arousal": "#d62728"}
MODALITY_COLOURS = ("#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#e377c2",
                    "#7f7f7f", "#bcbd22", "#393b79", "#637939")
MAX_CUT_LINES = 150  # as on the PNG: more cuts become ticks along the top edge


# --------------------------------------------------------------------------- paths
def viewer_path(json_path: Path) -> Path:
    """``DIR/<id>.viewer.html`` beside ``DIR/<id>.json``."""
    return json_path.with_name(json_path.stem + VIEWER_SUFFIX)


def viewer_video_src(video: Path, page: Path) -> str:
    """The ``src`` of the page's video: the video's path relative to the page's folder, URL-quoted
    with forward slashes, so that the folder can be moved or served as a whole; a ``file://`` URI
    where no relative path exists (another drive on Windows)."""
    video_abs = Path(os.path.abspath(video))
    try:
        rel = os.path.relpath(video_abs, os.path.abspath(Path(page).parent))
    except ValueError:
        return video_abs.as_uri()
    # quote() keeps "/" and encodes ":" so a first segment like "c:x.mp4" is never read as a scheme
    return quote(rel.replace(os.sep, "/"))


# --------------------------------------------------------------------------- reading
def read_prediction(json_path: Path) -> dict:
    """The document of ``DIR/<id>.json`` written by ``predict``; a `DataError` naming the file
    when it is not one."""
    json_path = Path(json_path)
    fix = "give the DIR/<id>.json that `videoaffect predict` wrote"
    if not json_path.is_file():
        what = "is a folder" if json_path.is_dir() else "does not exist"
        raise DataError(f"{json_path} {what}; {fix}")
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{json_path} is not a text file; {fix}") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{json_path} is not valid JSON ({exc.msg} at line {exc.lineno}); {fix}") from None
    check_document(doc, str(json_path))
    return doc


def check_document(doc, where: str = "the prediction") -> None:
    """A prediction document with a schema this page knows and a usable curve, else `DataError`."""
    fix = "give the DIR/<id>.json that `videoaffect predict` wrote"
    if not isinstance(doc, Mapping) or "schema" not in doc:
        raise DataError(f"{where} is not a videoaffect prediction (no \"schema\" field); {fix}")
    schema = doc.get("schema")
    if schema not in SUPPORTED_SCHEMAS:
        raise DataError(f"{where} has schema {schema!r}; this videoaffect reads {', '.join(SUPPORTED_SCHEMAS)} "
                        "(predict again with this version, or upgrade videoaffect)")
    curve = doc.get("curve")
    if not isinstance(curve, Mapping) or not isinstance(curve.get("time_s"), list):
        raise DataError(f"{where} has no \"curve\" with a \"time_s\" column; {fix}")
    n = len(curve["time_s"])
    bad = [str(k) for k, v in curve.items() if not isinstance(v, list) or len(v) != n]
    if bad:
        raise DataError(f"{where}: curve column(s) {', '.join(bad)} are not lists of {n} values like \"time_s\"; "
                        "the file was edited or cut short: predict again")
    if n == 0 or not _tasks(curve):
        raise DataError(f"{where}: the curve has no seconds or no task column (valence / arousal); predict again")


# --------------------------------------------------------------------------- rendering
def render_viewer(doc: dict, video_src: str | None) -> str:
    """The viewer page of a prediction document (``curve_json(frame, meta)``, or the JSON file's
    contents).  ``video_src`` is the ``src`` of the ``<video>`` element (see
    :func:`viewer_video_src`); None gives the curves alone, clicking still moves the cursor."""
    check_document(doc)
    meta = doc
    curve = doc["curve"]
    name = _text(_get(_get(meta, "video"), "name")) or "video"
    payload = {"view": _view(meta, curve), "curve": _finite(curve)}
    if video_src is not None:
        media = (f'<video id="video" controls preload="auto" src="{_e(video_src)}"></video>'
                 '<p id="video-status" class="muted" hidden></p>')
    else:
        stem = _text(_get(_get(meta, "video"), "movie_id")) or "<id>"
        media = ('<p id="no-video" class="muted">No video on this page: <code>videoaffect view '
                 f"{_e(stem)}.json --video FILE</code> "
                 "writes one that plays it. Click the curves to move the cursor.</p>")
    parts = [
        *page_head(f"Emotion curve viewer: {name}", _CSS),
        "</head>",
        "<body>",
        warning_banner(meta, "warning"),
        '<main id="viewer">',
        f"<h1>Emotion curve: {_e(name)}</h1>",
        _card_line(meta),
        f'<div class="media">{media}</div>',
        '<div id="readout" aria-live="polite"></div>',
        '<div class="plot-wrap"><svg id="plot" tabindex="0" role="img" '
        f'aria-label="{_e("emotion curves of " + name + "; click to seek, arrow keys step one second")}">'
        "</svg></div>",
        '<ul id="legend"></ul>',
        _scale_line(meta),
        _band_line(meta, curve),
        '<p class="muted">Each value covers one second [t, t+1); the cursor shows the second it is in. '
        "Click the curves to seek; with the plot focused, the arrow keys step one second.</p>",
        f'<script type="application/json" id="curve-data">{_script_json(payload)}</script>',
        f"<script>{_SCRIPT}</script>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def write_viewer(json_path: Path, video: Path | None = None, out: Path | None = None) -> Path:
    """Write the viewer page of ``DIR/<id>.json`` (default ``DIR/<id>.viewer.html``) and return its
    path.  The video is ``video``, else the path the JSON recorded (relative to the folder
    ``predict`` ran in, i.e. the current directory); a missing one is a `DataError` naming the fix."""
    json_path = Path(json_path)
    doc = read_prediction(json_path)
    page = Path(out) if out is not None else viewer_path(json_path)
    if page.is_dir():
        raise ConfigError(f"{page} is a folder; give the viewer page a file name, "
                          f"e.g. {page / viewer_path(json_path).name}")
    if video is not None:
        source = Path(video)
        if not source.is_file():
            raise DataError(f"--video {source} is not a file; give the video {json_path} was predicted from")
    else:
        recorded = _get(_get(doc, "video"), "path")
        if not isinstance(recorded, str) or not recorded:
            raise DataError(f"{json_path} records no video file (predicted from a feature corpus?); "
                            "give one with --video FILE")
        source = Path(recorded)
        if not source.is_file():
            raise DataError(f"{json_path} was predicted from {recorded}, which is not there "
                            f"(moved, deleted, or predict ran in another folder than {Path.cwd()}); "
                            "give its current place with --video FILE")
    atomic_write_text(page, render_viewer(doc, viewer_video_src(source, page)))
    return page


# --------------------------------------------------------------------------- page parts
def _view(meta: Mapping, curve: Mapping) -> dict:
    """What the script draws, decided here so the page and the PNG agree."""
    tasks = _tasks(curve)
    times = [_number(t) for t in curve["time_s"]]
    starts = [t if t is not None else float(i) for i, t in enumerate(times)]
    bands = _get(meta, "band") if isinstance(_get(meta, "band"), Mapping) else {}
    band = {}
    for task in tasks:
        low, high = f"{task}_low", f"{task}_high"
        if low in curve and high in curve:
            level = _number(_get(bands.get(task), "level"))
            band[task] = {"low": low, "high": high, "level": level}
    missing = []
    for i, modality in enumerate(modalities_of(curve)):
        present = curve.get(f"{modality}_present")
        if present is None:
            continue
        runs = _false_runs([bool(v) for v in present])
        if runs:
            missing.append({"modality": modality, "label": _MISSING_LABEL.get(modality, f"no {modality}"),
                            "colour": MODALITY_COLOURS[i % len(MODALITY_COLOURS)],
                            "runs": [[starts[a], starts[b - 1] + 1] for a, b in runs]})
    cuts = [starts[i] for i, v in enumerate(curve.get("shot_cut") or []) if v]
    scale_low, scale_high = _label_scale(meta)
    scale = _get(meta, "label_scale")
    return {
        "tasks": tasks,
        "colours": {t: TASK_COLOURS.get(t, "#333333") for t in tasks},
        "band": band,
        # a model without temporal context has intra == final: a second line would hide behind the first
        "intra": {t: f"{t}_intra" for t in tasks if f"{t}_intra" in curve and curve[f"{t}_intra"] != curve[t]},
        "scale": None if scale_low is None else {"low": scale_low, "high": scale_high,
                                                 "name": _text(_get(scale, "name"))},
        "y": _y_range(curve, tasks, band, scale_low, scale_high),
        "missing": missing,
        "cuts": cuts,
        "max_cut_lines": MAX_CUT_LINES,
    }


def _y_range(curve, tasks, band, low, high) -> list[float]:
    """The label scale, widened only if a value leaves it; the data range without a scale."""
    cols = [c for t in tasks for c in (t, f"{t}_intra", *(band.get(t, {}).get(k) for k in ("low", "high")))
            if c and c in curve]
    values = [f for c in cols for f in map(_number, curve[c]) if f is not None]
    if low is None or high is None:
        if not values:
            return [-1.0, 1.0]
        lo, hi = min(values), max(values)
        pad = max((hi - lo) * 0.1, 0.1)
        return [lo - pad, hi + pad]
    if values and (min(values) < low or max(values) > high):
        pad = (high - low) * 0.03
        low, high = min(low, min(values) - pad), max(high, max(values) + pad)
    return [low, high]


def _card_line(meta: Mapping) -> str:
    model = _get(meta, "model")
    card = _get(model, "training_data")
    trained = f"trained on {card_summary(card)}" if isinstance(card, Mapping) else f"training data {NOT_RECORDED}"
    path = _text(_get(model, "path")) or "n/a"
    return (f'<p id="model-card" class="card-line">Model <code>{_e(path)}</code>: {_e(trained)}.'
            "</p>")


def _scale_line(meta: Mapping) -> str:
    scale = _get(meta, "label_scale")
    low, high = _label_scale(meta)
    if low is None or high is None:
        return '<p id="label-scale">Label scale: not recorded.</p>'
    name = _text(_get(scale, "name"))
    words = _text(_get(scale, "description"))
    return (f'<p id="label-scale" data-low="{low:g}" data-high="{high:g}">Label scale'
            f"{' ' + _e(name) if name else ''}: {low:g} to {high:g}, neutral {(low + high) / 2:g} (dotted line)"
            f"{'. ' + _e(words[:1].upper() + words[1:]) if words else ''}.</p>")


def _band_line(meta: Mapping, curve: Mapping) -> str:
    bands = _get(meta, "band") if isinstance(_get(meta, "band"), Mapping) else {}
    notes = []
    for task in _tasks(curve):
        if f"{task}_low" not in curve:
            continue
        level = _number(_get(bands.get(task), "level"))
        share = f"{level * 100:g} %" if level is not None else "a stated share"
        notes.append(f"{task}: central {share} interval")
    if not notes:
        return ""
    return (f'<p class="muted">Shaded band ({_e("; ".join(notes))}): calibrated on the model\'s validation movies; '
            "how, in the JSON's \"band\" and the HTML report.</p>")


# --------------------------------------------------------------------------- small helpers
_MISSING_LABEL = {"expression": "no face", "audio": "no audio"}


def _tasks(curve: Mapping) -> list[str]:
    return [t for t in TASKS if t in curve]


def _false_runs(values: list[bool]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, ok in enumerate([*values, True]):
        if not ok and start is None:
            start = i
        elif ok and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _label_scale(meta: Mapping) -> tuple[float | None, float | None]:
    scale = _get(meta, "label_scale")
    low, high = _number(_get(scale, "low")), _number(_get(scale, "high"))
    if low is None or high is None or high <= low:
        return None, None
    return low, high


def _finite(curve: Mapping) -> dict:
    # JSON.parse knows no NaN: a missing value travels as null and is drawn as a gap.
    def clean(v):
        return None if isinstance(v, float) and not math.isfinite(v) else v

    return {str(k): [clean(v) for v in values] for k, values in curve.items()}


def _script_json(payload) -> str:
    # "</script>" or "<!--" inside a string would end or confuse the script element; the escapes
    # are still the same JSON to JSON.parse.
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _text(value) -> str:
    return "" if value is None else str(value)


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:0;background:#f6f6f4;color:#222;line-height:1.4}"
    "main{max-width:1200px;margin:0 auto;padding:1em 1.5em 2em}"
    "h1{font-size:1.4em;margin:.2em 0 .3em;word-break:break-word}"
    "code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}"
    ".warning{background:#c00000;color:#fff;padding:.7em 1.5em;font-size:1.02em}"
    ".card-line{margin:.2em 0 .6em;font-size:.82em;color:#444}"
    ".media{text-align:center;background:#111;border-radius:4px}"
    # small videos (96x64) are scaled up to a watchable size, large ones kept inside the view
    "video{display:block;margin:0 auto;width:100%;height:36vh;min-height:200px;object-fit:contain;background:#000}"
    "#no-video{background:#f6f6f4;margin:0;padding:.6em;text-align:left}"
    "#video-status{color:#f88;margin:0;padding:.4em}"
    "#readout{font-variant-numeric:tabular-nums;margin:.4em 0 .3em;font-size:1.05em;min-height:1.4em}"
    "#readout .t{font-weight:600;margin-right:.6em}#readout .task{font-weight:600}"
    "#readout .miss{color:#666;margin-left:.6em}"
    ".plot-wrap{background:#fff;border:1px solid #ddd}"
    "#plot{display:block;width:100%;outline:none;cursor:crosshair;font-size:11px}"
    "#plot:focus-visible{box-shadow:0 0 0 2px #1f77b4 inset}"
    "#legend{list-style:none;padding:0;margin:.5em 0;display:flex;flex-wrap:wrap;gap:.3em 1.2em;font-size:.88em}"
    "#legend svg{vertical-align:middle;margin-right:.35em}"
    ".muted{color:#666;font-size:.88em}"
    "#label-scale{font-size:.9em;margin:.3em 0}"
)

# The page's script.  Plain DOM and SVG, no library; kept in one string so the page is one file.
_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("curve-data").textContent);
  var view = data.view, curve = data.curve, times = curve.time_s, n = times.length;
  var begin = Math.min(times[0], 0), end = times[n - 1] + 1;
  var plot = document.getElementById("plot");
  // Taken from the inline <svg> so that the page holds no URL, not even the namespace's.
  var NS = plot.namespaceURI;
  var video = document.getElementById("video");
  var readout = document.getElementById("readout");
  var geom = null, cursor = null, secondBox = null, dots = {};
  var state = {time: times[0], from: "start"};

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(node);
    return node;
  }
  function finite(v) { return typeof v === "number" && isFinite(v); }
  function two(v) { return finite(v) ? v.toFixed(2) : "n/a"; }
  function clock(s) {
    var total = Math.max(Math.floor(s), 0), h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60;
    var sec = total % 60, pad = function (x) { return (x < 10 ? "0" : "") + x; };
    return h ? h + ":" + pad(m) + ":" + pad(sec) : m + ":" + pad(sec);
  }
  function rowAt(t) {  // the last row whose second starts at or before t
    var lo = 0, hi = n - 1;
    if (!(t >= times[0])) return 0;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (times[mid] <= t) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function niceStep(span, count) {
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
  }
  var TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200];

  function layout() {
    var width = Math.max(320, Math.round(plot.parentNode.clientWidth || 900));
    var left = 58, right = 16, top = 8, panelH = 125, gap = 20, axisH = 24;
    var tasks = view.tasks, panels = [];
    var y0 = view.y[0], y1 = view.y[1];
    tasks.forEach(function (task, i) {
      var ptop = top + i * (panelH + gap);
      panels.push({task: task, top: ptop, bottom: ptop + panelH,
                   y: function (v) { return ptop + panelH - (v - y0) / (y1 - y0) * panelH; }});
    });
    var bottom = panels[panels.length - 1].bottom;
    return {width: width, height: bottom + axisH, left: left, right: width - right, top: top, bottom: bottom,
            panels: panels,
            x: function (t) { return left + (t - begin) / (end - begin) * (width - right - left); },
            t: function (px) { return begin + (px - left) / (width - right - left) * (end - begin); }};
  }

  function polyline(g, task, col, attrs) {
    var path = "", pen = false, panel = g.panel, values = curve[col];
    for (var i = 0; i < n; i++) {
      var v = values[i];
      if (!finite(v)) { pen = false; continue; }
      path += (pen ? "L" : "M") + geom.x(times[i] + 0.5).toFixed(1) + " " + panel.y(v).toFixed(1);
      pen = true;
    }
    attrs.d = path; attrs.fill = "none";
    return el("path", attrs, g.node);
  }

  function bandPath(panel, lowCol, highCol) {
    var low = curve[lowCol], high = curve[highCol], path = "", run = [];
    function flush() {
      if (!run.length) return;
      var fwd = run.map(function (i) { return geom.x(times[i] + 0.5).toFixed(1) + " " + panel.y(high[i]).toFixed(1); });
      var back = run.slice().reverse().map(function (i) {
        return geom.x(times[i] + 0.5).toFixed(1) + " " + panel.y(low[i]).toFixed(1); });
      if (run.length === 1) {  // one second alone: a bar across its second
        var i = run[0], a = geom.x(times[i]).toFixed(1), b = geom.x(times[i] + 1).toFixed(1);
        path += "M" + a + " " + panel.y(high[i]).toFixed(1) + "L" + b + " " + panel.y(high[i]).toFixed(1) +
                "L" + b + " " + panel.y(low[i]).toFixed(1) + "L" + a + " " + panel.y(low[i]).toFixed(1) + "Z";
      } else {
        path += "M" + fwd.join("L") + "L" + back.join("L") + "Z";
      }
      run = [];
    }
    for (var i = 0; i < n; i++) { if (finite(low[i]) && finite(high[i])) run.push(i); else flush(); }
    flush();
    return path;
  }

  function draw() {
    geom = layout();
    while (plot.firstChild) plot.removeChild(plot.firstChild);
    plot.setAttribute("width", geom.width); plot.setAttribute("height", geom.height);
    plot.setAttribute("viewBox", "0 0 " + geom.width + " " + geom.height);
    var defs = el("defs", {}, plot);
    view.missing.forEach(function (m, k) {
      var pat = el("pattern", {id: "hatch-" + k, patternUnits: "userSpaceOnUse", width: 6, height: 6,
                               patternTransform: "rotate(45)"}, defs);
      el("rect", {width: 6, height: 6, fill: m.colour, "fill-opacity": 0.25}, pat);
      el("line", {x1: 0, y1: 0, x2: 0, y2: 6, stroke: m.colour, "stroke-width": 2.5, "stroke-opacity": 0.8}, pat);
    });
    var xl = geom.left, xr = geom.right, w = xr - xl;
    var yStep = niceStep(view.y[1] - view.y[0], 5);
    geom.panels.forEach(function (panel, p) {
      var task = panel.task, colour = view.colours[task];
      var clip = el("clipPath", {id: "clip-" + p}, defs);
      el("rect", {x: xl, y: panel.top, width: w, height: panel.bottom - panel.top}, clip);
      var g = {panel: panel, node: el("g", {"class": "panel", "data-task": task}, plot)};
      el("rect", {x: xl, y: panel.top, width: w, height: panel.bottom - panel.top, fill: "#fff", stroke: "#bbb"},
         g.node);
      for (var v = Math.ceil(view.y[0] / yStep) * yStep; v <= view.y[1] + 1e-9; v += yStep) {
        var yy = panel.y(v);
        el("line", {x1: xl, x2: xr, y1: yy, y2: yy, stroke: "#e6e6e6"}, g.node);
        el("text", {x: xl - 6, y: yy + 4, "text-anchor": "end", fill: "#555"}, g.node).textContent =
          +v.toFixed(6) + "";
      }
      var label = el("text", {x: 14, y: (panel.top + panel.bottom) / 2, "text-anchor": "middle", fill: colour,
                              "font-weight": 600, transform: "rotate(-90 14 " + (panel.top + panel.bottom) / 2 + ")"},
                     g.node);
      label.textContent = task;
      var inner = el("g", {"clip-path": "url(#clip-" + p + ")"}, g.node);
      var gi = {panel: panel, node: inner};
      if (view.scale) {
        var ym = panel.y((view.scale.low + view.scale.high) / 2);
        el("line", {"class": "neutral", x1: xl, x2: xr, y1: ym, y2: ym, stroke: "#777", "stroke-dasharray": "2 3"},
           inner);
      }
      var many = view.cuts.length > view.max_cut_lines, cuts = "";
      view.cuts.forEach(function (c) {
        var x = geom.x(c).toFixed(1);
        cuts += "M" + x + " " + panel.top + "V" + (many ? panel.top + 7 : panel.bottom);
      });
      if (cuts) el("path", {"class": "cuts", d: cuts, stroke: many ? "#595959" : "#999",
                            "stroke-width": many ? 0.6 : 0.8,
                            "stroke-dasharray": many ? null : "3 2", "data-count": view.cuts.length}, inner);
      view.missing.forEach(function (m, k) {
        var h = 9, yb = panel.bottom - 3 - (k + 1) * (h + 3);
        m.runs.forEach(function (r) {
          var a = geom.x(r[0]), b = Math.max(geom.x(r[1]), a + 3);
          el("rect", {"class": "missing", "data-modality": m.modality, "data-start": r[0], "data-stop": r[1],
                      x: a, y: yb, width: b - a, height: h, fill: "url(#hatch-" + k + ")"}, inner);
        });
      });
      var band = view.band[task];
      if (band) el("path", {"class": "band", d: bandPath(panel, band.low, band.high), fill: colour,
                            "fill-opacity": 0.18, stroke: "none"}, inner);
      if (view.intra[task]) polyline(gi, task, view.intra[task], {"class": "intra", stroke: colour, "stroke-width": 1,
                                                                   "stroke-dasharray": "4 3", "stroke-opacity": 0.7});
      polyline(gi, task, task, {"class": "curve", stroke: colour, "stroke-width": 2, "stroke-linejoin": "round"});
      if (n <= 60) {
        for (var i = 0; i < n; i++) {
          if (finite(curve[task][i])) el("circle", {cx: geom.x(times[i] + 0.5), cy: panel.y(curve[task][i]), r: 2.5,
                                                   fill: colour}, inner);
        }
      }
    });
    // time axis under the last panel
    var dur = end - begin, step = TICK_STEPS.filter(function (s) { return dur / s <= 12; })[0] || 7200;
    var axis = el("g", {"class": "axis"}, plot);
    for (var s = Math.ceil(begin / step) * step; s <= end + 1e-9; s += step) {
      var x = geom.x(s);
      el("line", {x1: x, x2: x, y1: geom.bottom, y2: geom.bottom + 4, stroke: "#555"}, axis);
      el("text", {x: x, y: geom.bottom + 16, "text-anchor": "middle", fill: "#555"}, axis).textContent =
        dur > 180 ? clock(s) : s + " s";
    }
    // cursor: the second it is in, lightly shaded, the playback position as a line, a dot per curve
    secondBox = el("rect", {id: "cursor-second", y: geom.top, height: geom.bottom - geom.top, fill: "#000",
                            "fill-opacity": 0.06, "pointer-events": "none"}, plot);
    cursor = el("line", {id: "cursor", y1: geom.top, y2: geom.bottom, stroke: "#111", "stroke-width": 1.5,
                         "pointer-events": "none"}, plot);
    dots = {};
    geom.panels.forEach(function (panel) {
      dots[panel.task] = el("circle", {"class": "cursor-dot", r: 4.5, fill: "#fff", stroke: view.colours[panel.task],
                                       "stroke-width": 2, "pointer-events": "none"}, plot);
    });
    var hit = el("rect", {id: "hit", x: xl, y: geom.top, width: w, height: geom.bottom - geom.top, fill: "transparent"},
                 plot);
    hit.addEventListener("click", onClick);
    show(state.time, state.from);
  }

  function legend() {
    var ul = document.getElementById("legend");
    function item(swatch, text) {
      var li = document.createElement("li"), s = el("svg", {width: 26, height: 12}, li);
      swatch(s);
      li.appendChild(document.createTextNode(text));
      ul.appendChild(li);
    }
    view.tasks.forEach(function (task) {
      var c = view.colours[task], band = view.band[task];
      item(function (s) { el("line", {x1: 1, x2: 25, y1: 6, y2: 6, stroke: c, "stroke-width": 2}, s); }, task);
      if (band) item(function (s) { el("rect", {width: 26, height: 12, fill: c, "fill-opacity": 0.18}, s); },
                     task + " " + (band.level !== null ? Math.round(band.level * 100) + " % " : "") + "interval");
      if (view.intra[task]) item(function (s) {
        el("line", {x1: 1, x2: 25, y1: 6, y2: 6, stroke: c, "stroke-dasharray": "4 3"}, s); },
        task + " (before context)");
    });
    if (view.cuts.length) item(function (s) {
      el("line", {x1: 13, x2: 13, y1: 0, y2: 12, stroke: "#999", "stroke-dasharray": "3 2"}, s); },
      "shot cut" + (view.cuts.length > view.max_cut_lines ? " (ticks at top, " + view.cuts.length + ")" : ""));
    if (view.scale) item(function (s) {
      el("line", {x1: 1, x2: 25, y1: 6, y2: 6, stroke: "#777", "stroke-dasharray": "2 3"}, s); },
      "neutral (" + +((view.scale.low + view.scale.high) / 2).toFixed(6) + ")");
    view.missing.forEach(function (m, k) {
      item(function (s) { el("rect", {width: 26, height: 12, fill: "url(#hatch-" + k + ")"}, s); }, m.label);
    });
    item(function (s) { el("line", {x1: 13, x2: 13, y1: 0, y2: 12, stroke: "#111", "stroke-width": 1.5}, s); },
         "cursor (playback position)");
  }

  function show(t, from) {
    state.time = t; state.from = from;
    var i = rowAt(t), second = times[i];
    var x = Math.min(Math.max(geom.x(t), geom.left), geom.right);
    cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
    cursor.setAttribute("data-second", second);
    cursor.setAttribute("data-time", t.toFixed(3));
    cursor.setAttribute("data-from", from);
    secondBox.setAttribute("x", geom.x(second)); secondBox.setAttribute("width", geom.x(second + 1) - geom.x(second));
    while (readout.firstChild) readout.removeChild(readout.firstChild);
    readout.setAttribute("data-second", second);
    var head = document.createElement("span");
    head.className = "t";
    head.textContent = clock(second) + " (second " + second + ", playback " + t.toFixed(2) + " s)";
    readout.appendChild(head);
    view.tasks.forEach(function (task, k) {
      var v = curve[task][i], band = view.band[task], dot = dots[task], panel = geom.panels[k];
      readout.setAttribute("data-" + task, finite(v) ? v : "");
      if (k) readout.appendChild(document.createTextNode(" \u00b7 "));
      var name = document.createElement("span");
      name.className = "task"; name.style.color = view.colours[task]; name.textContent = task;
      readout.appendChild(name);
      var text = " " + two(v);
      if (band) {
        var lo = curve[band.low][i], hi = curve[band.high][i];
        readout.setAttribute("data-" + task + "-low", finite(lo) ? lo : "");
        readout.setAttribute("data-" + task + "-high", finite(hi) ? hi : "");
        text += " [" + two(lo) + ", " + two(hi) + "]";
      }
      readout.appendChild(document.createTextNode(text));
      if (finite(v)) {
        dot.setAttribute("cx", geom.x(second + 0.5)); dot.setAttribute("cy", panel.y(v));
        dot.removeAttribute("visibility");
      } else {
        dot.setAttribute("visibility", "hidden");
      }
    });
    var absent = view.missing.filter(function (m) {
      return m.runs.some(function (r) { return second >= r[0] && second < r[1]; });
    });
    readout.setAttribute("data-missing", absent.map(function (m) { return m.modality; }).join(" "));
    if (absent.length) {
      var miss = document.createElement("span");
      miss.className = "miss";
      miss.textContent = "(" + absent.map(function (m) { return m.label; }).join(", ") + ")";
      readout.appendChild(miss);
    }
  }

  function playable() { return video && !video.error; }

  function seek(t, from) {
    var last = playable() && finite(video.duration) ? video.duration : end;
    t = Math.min(Math.max(t, begin), Math.max(Math.min(last, end) - 1e-3, begin));
    show(t, from);  // at once; the video's "seeked" event confirms it with the frame's time
    if (playable()) video.currentTime = t;
  }

  function onClick(ev) {
    var r = plot.getBoundingClientRect();
    seek(geom.t((ev.clientX - r.left) * geom.width / r.width), "click");
  }

  plot.addEventListener("keydown", function (ev) {
    var d = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
    if (!d) return;
    ev.preventDefault();
    seek(times[rowAt(state.time)] + d, "key");
  });

  if (video) {
    var follow = function () { show(video.currentTime, "video"); };
    ["timeupdate", "seeked", "loadedmetadata"].forEach(function (e) { video.addEventListener(e, follow); });
    var frame = function () {  // smoother than timeupdate's few events a second while playing
      if (video.paused || video.ended) return;
      follow();
      requestAnimationFrame(frame);
    };
    video.addEventListener("play", function () { requestAnimationFrame(frame); });
    video.addEventListener("error", function () {
      var status = document.getElementById("video-status");
      status.hidden = false;
      status.textContent = "The video could not be played from " + video.getAttribute("src") +
        " (moved, or a format this browser does not play); the curves still work: click them to move the cursor.";
    });
  }

  // A link may name a time: #t=3.5 opens the page at 3.5 s.
  function runHash() {
    var t = parseFloat(new URLSearchParams(location.hash.replace(/^#/, "")).get("t"));
    if (!finite(t)) return;
    var act = function () { seek(t, "hash"); };
    if (playable() && video.readyState < 1) video.addEventListener("loadedmetadata", act, {once: true});
    else act();
  }

  legend();
  draw();
  var width = geom.width;
  var redraw = function () {
    if (Math.round(plot.parentNode.clientWidth) !== width) { draw(); width = geom.width; }
  };
  // The plot's box also narrows without a window resize: drawing it makes the page taller, and the
  // vertical scrollbar that appears takes its width; the SVG would then be shown scaled down.
  if (window.ResizeObserver) new ResizeObserver(redraw).observe(plot.parentNode);
  else window.addEventListener("resize", redraw);
  window.addEventListener("hashchange", runHash);
  runHash();
  document.getElementById("viewer").setAttribute("data-ready", "1");
})();
"""
