"""Interactive viewer of one predicted emotion curve: the video plays above its curves.

One HTML file with inline CSS and one small hand-written script (no library, no external URL):
a ``<video controls>`` element whose ``src`` is the video file (relative to the page when
possible) and, below it, one SVG panel per task drawn from the curve data embedded in the page
as JSON: the curve, its confidence band, the curve before temporal context, shot cuts, missing
modalities (hatched along the bottom, as on the PNG), the label scale's neutral line, and,
where the document has an ``"audience"`` (``reports/audience.py``: ``view --labels``, ``predict
--labels``), the audience's per-second mean as a black line, the raters' spread (mean +/- std) as a
grey band, and r and MSE between prediction and audience written under the plot.  A
vertical cursor follows playback; clicking the plot seeks the video; the values of the second
under the cursor are written out as text.  Second ``t`` covers ``[t, t + 1)``: at playback time
``x`` the page shows the values of second ``floor(x)``.

Where the document has ``"subtitles"`` (a model with the text modality: ``subtitle_block``), the
subtitle text on screen at the cursor's time is written under the readout (``#subtitle``).

State for tests and scripts: ``#cursor`` (``data-second``, ``data-time``, ``data-from``: what
moved it last, ``video``, ``click``, ``key`` or ``hash``), ``#readout`` (``data-second``,
``data-<task>``, ``data-<task>-low``, ``data-<task>-high``, ``data-<task>-audience``,
``data-missing``) and ``#subtitle`` (``data-text``: the cues on screen at the cursor's time).  A link to the
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
from videoaffect.models.card import NOT_RECORDED, card_summary
from videoaffect.reports.audience import audience_lines, raters_text
from videoaffect.reports.colours import MAX_CUT_LINES, MODALITY_COLOURS, TASK_COLOURS
from videoaffect.reports.facts import (
    SCALE_WORDS,
    false_runs,
    get,
    intra_drawn,
    label_scale,
    missing_label,
    modalities_of,
    number,
    scale_origin,
    tasks_of,
    video_duration,
)
from videoaffect.reports.html import page_head, warning_banner
from videoaffect.reports.viewer_page import css_text, script_text

# The prediction JSON versions this page understands; tests check it against the writer's.
SUPPORTED_SCHEMAS = ("videoaffect-prediction/1",)
VIEWER_SUFFIX = ".viewer.html"


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
    if n == 0 or not tasks_of(curve):
        raise DataError(f"{where}: the curve has no seconds or no task column (valence / arousal); predict again")


# --------------------------------------------------------------------------- rendering
def render_viewer(doc: dict, video_src: str | None) -> str:
    """The viewer page of a prediction document (``curve_json(frame, meta)``, or the JSON file's
    contents).  ``video_src`` is the ``src`` of the ``<video>`` element (see
    :func:`viewer_video_src`); None gives the curves alone, clicking still moves the cursor."""
    check_document(doc)
    meta = doc
    curve = doc["curve"]
    name = _text(get(get(meta, "video"), "name")) or "video"
    payload: dict = {"view": _view(meta, curve), "curve": _finite(curve)}
    if isinstance(get(meta, "audience"), Mapping):  # the comparison as the JSON's "audience" holds it
        payload["audience"] = meta["audience"]
    cues = _cues(get(meta, "subtitles"))
    if cues is not None:
        payload["subtitles"] = cues
    if video_src is not None:
        media = (f'<video id="video" controls preload="auto" src="{_e(video_src)}"></video>'
                 '<p id="video-status" class="muted" hidden></p>')
    else:
        stem = _text(get(get(meta, "video"), "movie_id")) or "<id>"
        media = ('<p id="no-video" class="muted">No video on this page: <code>videoaffect view '
                 f"{_e(stem)}.json --video FILE</code> "
                 "writes one that plays it. Click the curves to move the cursor.</p>")
    parts = [
        *page_head(f"Emotion curve viewer: {name}", css_text()),
        "</head>",
        "<body>",
        warning_banner(meta, "warning"),
        '<main id="viewer">',
        f"<h1>Emotion curve: {_e(name)}</h1>",
        _card_line(meta),
        f'<div class="media">{media}</div>',
        '<div id="readout" aria-live="polite"></div>',
        '<p id="subtitle" class="subtitle" data-text=""></p>' if cues is not None else "",
        '<div class="plot-wrap"><svg id="plot" tabindex="0" role="img" '
        f'aria-label="{_e("emotion curves of " + name + "; click to seek, arrow keys step one second")}">'
        "</svg></div>",
        '<ul id="legend"></ul>',
        _scale_line(meta),
        _band_line(meta, curve),
        _audience_line(meta),
        '<p class="muted">Each value covers one second [t, t+1); the cursor shows the second it is in. '
        "Click the curves to seek; with the plot focused, the arrow keys step one second.</p>",
        f'<script type="application/json" id="curve-data">{_script_json(payload)}</script>',
        f"<script>\n{script_text()}</script>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def write_viewer(json_path: Path, video: Path | None = None, out: Path | None = None, doc: dict | None = None
                 ) -> Path:
    """Write the viewer page of ``DIR/<id>.json`` (default ``DIR/<id>.viewer.html``) and return its
    path.  The video is ``video``, else the path the JSON recorded (relative to the folder
    ``predict`` ran in, i.e. the current directory); a missing one is a `DataError` naming the fix.
    ``doc``: the JSON's document as already read (and given an ``"audience"``), else it is read."""
    json_path = Path(json_path)
    doc = read_prediction(json_path) if doc is None else doc
    page = Path(out) if out is not None else viewer_path(json_path)
    if page.is_dir():
        raise ConfigError(f"{page} is a folder; give the viewer page a file name, "
                          f"e.g. {page / viewer_path(json_path).name}")
    if video is not None:
        source = Path(video)
        if not source.is_file():
            raise DataError(f"--video {source} is not a file; give the video {json_path} was predicted from")
    else:
        recorded = get(get(doc, "video"), "path")
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


# --------------------------------------------------------------------------- subtitles
def subtitle_block(video: str | Path, inputs: Mapping, named: str | None = None) -> dict:
    """The prediction JSON's ``"subtitles"`` for a video whose text modality read ``inputs`` (its
    stored provenance's): the source, and the cues [start s, end s, text] the viewer writes at the
    cursor, read again from that source (``named``: the --subtitles file).  Speech-to-text's words
    are not kept with the features, so that source has no cues here; a source that can no longer be
    read gives none and says why."""
    from videoaffect.core.errors import VideoAffectError
    from videoaffect.decoding.subtitles import find_subtitles

    source = str(inputs.get("source") or "none")
    block: dict = {"source": source, "origin": str(inputs.get("origin") or "")}
    if source not in ("file", "sidecar", "embedded stream"):
        return block
    try:
        found = find_subtitles(video, named if source == "file" else None)
    except (VideoAffectError, OSError) as exc:
        block["problem"] = str(exc)
        return block
    if inputs.get("sha256") and found.sha256 != inputs["sha256"]:
        block["problem"] = f"{found.origin} changed since its features were extracted"
    block["cues"] = [[round(c.start, 3), round(c.end, 3), c.text] for c in found.cues]
    return block


def _cues(block) -> list | None:
    """The cues of a document's "subtitles" as the script reads them; None without any."""
    if not isinstance(block, Mapping) or not isinstance(block.get("cues"), list):
        return None
    return [[number(c[0]), number(c[1]), _text(c[2])] for c in block["cues"]
            if isinstance(c, list) and len(c) == 3 and number(c[0]) is not None and number(c[1]) is not None]


# --------------------------------------------------------------------------- page parts
def _view(meta: Mapping, curve: Mapping) -> dict:
    """What the script draws, decided here so the page and the PNG agree."""
    tasks = tasks_of(curve)
    times = [number(t) for t in curve["time_s"]]
    starts = [t if t is not None else float(i) for i, t in enumerate(times)]
    bands = get(meta, "band") if isinstance(get(meta, "band"), Mapping) else {}
    band = {}
    for task in tasks:
        low, high = f"{task}_low", f"{task}_high"
        if low in curve and high in curve:
            level = number(get(bands.get(task), "level"))
            band[task] = {"low": low, "high": high, "level": level}
    missing = []
    for i, modality in enumerate(modalities_of(curve)):
        present = curve.get(f"{modality}_present")
        if present is None:
            continue
        runs = false_runs([bool(v) for v in present])
        if runs:
            missing.append({"modality": modality, "label": missing_label(modality),
                            "colour": MODALITY_COLOURS[i % len(MODALITY_COLOURS)],
                            "runs": [[starts[a], starts[b - 1] + 1] for a, b in runs]})
    cuts = [starts[i] for i, v in enumerate(curve.get("shot_cut") or []) if v]
    audience = _audience(meta, tasks)
    scale_low, scale_high = label_scale(meta)
    scale = get(meta, "label_scale")
    return {
        "tasks": tasks,
        "colours": {t: TASK_COLOURS.get(t, "#333333") for t in tasks},
        "band": band,
        # a model without temporal context has intra == final: no second line, no legend entry for it
        "intra": {t: f"{t}_intra" for t in tasks if intra_drawn(curve, t)},
        # what each end of the scale means, written at the top and bottom of each task's panel
        "words": {t: list(SCALE_WORDS[t]) for t in tasks if t in SCALE_WORDS},
        # the time axis runs to the end of the video (its last fraction of a second has no value)
        "duration": video_duration(meta),
        "scale": None if scale_low is None else {"low": scale_low, "high": scale_high,
                                                 "name": _text(get(scale, "name"))},
        "audience": audience,
        "y": _y_range(curve, tasks, band, scale_low, scale_high, audience),
        "missing": missing,
        "cuts": cuts,
        "max_cut_lines": MAX_CUT_LINES,
    }


def _audience(meta: Mapping, tasks: list[str]) -> dict:
    """Per predicted task with audience labels: their seconds, mean, and the band mean -/+ std
    (None where a second's std is unknown), and the legend's words."""
    block = get(meta, "audience")
    out = {}
    for task in tasks:
        entry = get(block, task)
        if not isinstance(entry, Mapping) or not isinstance(get(entry, "mean"), list):
            continue
        mean = [number(v) for v in entry["mean"]]
        std, times = entry.get("std"), entry.get("time_s")
        spread = [number(v) for v in std] if isinstance(std, list) and len(std) == len(mean) else None
        times = times if isinstance(times, list) and len(times) == len(mean) else list(range(len(mean)))
        who = raters_text(entry)
        item: dict = {"time_s": [number(t) for t in times], "mean": mean,
                      "label": f"{task} audience ({who or 'mean'})"}
        if spread is not None:
            item["low"] = [m - s if m is not None and s is not None else None for m, s in zip(mean, spread)]
            item["high"] = [m + s if m is not None and s is not None else None for m, s in zip(mean, spread)]
            item["band_label"] = f"{task} audience mean \u00b1 1 std (raters' spread)"
        out[task] = item
    return out


def _y_range(curve, tasks, band, low, high, audience=None) -> list[float]:
    """The label scale, widened only if a value leaves it; the data range without a scale."""
    cols = [c for t in tasks for c in (t, f"{t}_intra", *(band.get(t, {}).get(k) for k in ("low", "high")))
            if c and c in curve]
    values = [f for c in cols for f in map(number, curve[c]) if f is not None]
    values += [f for a in (audience or {}).values() for k in ("mean", "low", "high") for f in a.get(k) or []
               if f is not None]
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
    model = get(meta, "model")
    card = get(model, "training_data")
    trained = f"trained on {card_summary(card)}" if isinstance(card, Mapping) else f"training data {NOT_RECORDED}"
    path = _text(get(model, "path")) or "n/a"
    return (f'<p id="model-card" class="card-line">Model <code>{_e(path)}</code>: {_e(trained)}.'
            "</p>")


def _scale_line(meta: Mapping) -> str:
    scale = get(meta, "label_scale")
    low, high = label_scale(meta)
    if low is None or high is None:
        return '<p id="label-scale">Label scale: not recorded.</p>'
    words = _text(get(scale, "description"))
    if ":" in words:  # "the <scale in words>: valence runs from ...": its words name it, not its short name
        words = words.split(":", 1)[1].strip()
        name = scale_origin(meta)
        head = name[:1].upper() + name[1:]
    else:
        name = _text(get(scale, "name"))
        head = "Label scale" + (f" {name}" if name else "")
    return (f'<p id="label-scale" data-low="{low:g}" data-high="{high:g}">{_e(head)}: '
            f"{low:g} to {high:g}, neutral {(low + high) / 2:g} (dotted line)"
            f"{'. ' + _e(words[:1].upper() + words[1:]) if words else ''}.</p>")


def _band_line(meta: Mapping, curve: Mapping) -> str:
    bands = get(meta, "band") if isinstance(get(meta, "band"), Mapping) else {}
    notes = []
    for task in tasks_of(curve):
        if f"{task}_low" not in curve:
            continue
        level = number(get(bands.get(task), "level"))
        share = f"{level * 100:g} %" if level is not None else "a stated share"
        notes.append(f"{task}: central {share} interval")
    if not notes:
        return ""
    return (f'<p class="muted">Shaded band ({_e("; ".join(notes))}): calibrated on the model\'s validation movies; '
            "how, in the JSON's \"band\" and the HTML report.</p>")


def _audience_line(meta: Mapping) -> str:
    lines = audience_lines(get(meta, "audience"))
    if not lines:
        return ""
    return ('<div id="audience-stats"><p>Prediction beside the audience (Pearson r and mean squared error per '
            "second, on [-1, 1]; the black line is the raters' mean, the grey band, where the labels give Std, "
            "mean \u00b1 1 std):</p><ul>"
            + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul></div>")


# --------------------------------------------------------------------------- small helpers
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
