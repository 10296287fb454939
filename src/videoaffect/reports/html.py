"""Self-contained HTML report of one predicted emotion curve.

The document has inline CSS only, no script and no external reference of any kind: the plot
and the thumbnails are embedded as ``data:`` URIs, so the file can be mailed or archived alone.
Every string that comes from the curve or the metadata is escaped.

What it says about the curve (moments, duration, the scale in words) comes from
:mod:`videoaffect.reports.facts`, shared with the PNG and the viewer; it needs only numpy and pandas.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from videoaffect.models.card import GENERATED_WARNING, NOT_RECORDED, card_rows, card_summary, is_generated
from videoaffect.reports.facts import (
    SCALE_WORDS,
    band_of,
    duration_text,
    false_runs,
    format_time,
    get,
    label_scale,
    modalities_of,
    neutral_of,
    number,
    presence,
    row_seconds,
    scale_origin,
    select_moments,
    tasks_of,
)

NA = "n/a"
MAX_LISTED_RANGES = 12

# What a missing modality usually means, for the "missing data" section.
_ALL_MISSING_REASON = {"audio": "no audio track", "expression": "no face detected"}
_SOME_MISSING_REASON = {"expression": "no face detected"}


# --------------------------------------------------------------------------- rendering
def render_html(curve: pd.DataFrame, meta: Mapping | None, png: bytes,
                thumbnails: Mapping[int, bytes] | None) -> str:
    """One self-contained HTML5 document: plot, summary, moments, missing data, label scale,
    model and feature provenance. ``thumbnails`` maps a second to JPEG bytes (missing ones
    are shown as "no frame")."""
    meta = meta if isinstance(meta, Mapping) else {}
    thumbnails = thumbnails or {}
    name = _text(get(get(meta, "video"), "name"))
    parts = [
        *page_head(f"Emotion curve: {name}", _CSS),
        "</head>",
        "<body>",
        warning_banner(meta),
        "<main>",
        f"<h1>Emotion curve: {_e(name)}</h1>",
        _video_section(curve, meta),
        _plot_section(png, name, curve, meta),
        _summary_section(curve, meta),
        _moments_section(curve, meta, thumbnails),
        _missing_section(curve),
        _scale_section(curve, meta),
        _model_section(meta),
        _card_section(meta),
        _provenance_section(meta),
        _footer(meta),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:0;background:#f6f6f4;color:#222;line-height:1.45}"
    "main{max-width:1200px;margin:0 auto;padding:1.5em 1.5em 3em}"
    "h1{font-size:1.6em;margin:.2em 0 .6em;word-break:break-word}"
    "h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #ccc;padding-bottom:.2em}"
    "section{margin-bottom:1em}"
    ".plot img{width:100%;height:auto;border:1px solid #ddd;background:#fff}"
    "table{border-collapse:collapse;background:#fff;font-size:.92em}"
    "th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}"
    "th{background:#eee}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}"
    "dl.kv{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:0}"
    "dl.kv dt{font-weight:600}dl.kv dd{margin:0;word-break:break-word}"
    ".cards{display:flex;flex-wrap:wrap;gap:1em}"
    ".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em;width:340px}"
    ".card img{display:block;max-width:320px;height:auto;margin-bottom:.4em}"
    ".noframe{width:320px;height:180px;display:flex;align-items:center;justify-content:center;"
    "background:#ddd;color:#666;margin-bottom:.4em}"
    ".card h3{font-size:1em;margin:0 0 .4em}"
    "ul{margin:.3em 0;padding-left:1.4em}"
    ".muted{color:#666}"
    "footer{margin-top:2em;font-size:.85em;color:#666}"
    "details summary{cursor:pointer}details table{margin-top:.5em}"
    ".warning{background:#c00000;color:#fff;padding:.8em 1.5em;font-size:1.05em}"
    ".warn-text{color:#c00000;font-weight:600}"
)


def _video_section(curve: pd.DataFrame, meta: Mapping) -> str:
    video = get(meta, "video")
    sha = get(video, "sha256")
    rows = [
        ("File", _e(_text(get(video, "path")))),
        ("Duration", _e(duration_text(meta))),
        # a second is predicted when its middle lies in the video (decoding/probe.py)
        ("Seconds predicted", _e(f"{len(curve)} (every whole second whose middle lies in the video)")),
        ("sha256", _hash_html(sha, full=True)),
    ]
    return f'<section class="video">{_dl(rows)}</section>'


def page_head(title: str, css: str) -> list[str]:
    """The opening lines of a self-contained page (the report and the viewer), up to the
    stylesheet; the caller closes ``<head>``."""
    return ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>", f"<style>{css}</style>"]


def warning_banner(meta: Mapping, element_id: str = "") -> str:
    """The generated-data warning at the top of a page (the report and the viewer), or ""."""
    card = get(get(meta, "model"), "training_data")
    if not is_generated(card):
        return ""
    ident = f' id="{_e(element_id)}"' if element_id else ""
    return (f'<div{ident} class="warning" role="alert"><strong>Warning: {_e(GENERATED_WARNING)}.</strong> '
            f"The model learnt from videos videoaffect generated ({_e(_text(get(card, 'generated_by')))}); "
            "these curves show the software working, not how people feel about this video.</div>")


def _plot_section(png: bytes, name: str, curve: pd.DataFrame | None = None, meta: Mapping | None = None) -> str:
    uri = "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")
    notes = []
    for task, band in band_of(meta).items():
        if curve is None or f"{task}_low" not in curve.columns:
            continue
        level = number(get(band, "level"))
        share = f"{level * 100:g} %" if level is not None else "a stated share"
        how = _text(get(band, "description")).removeprefix(f"central {share} interval: ")
        notes.append(f"<li>The shaded band around the {_e(task)} curve is a central {share} interval: "
                     f"{_e(how)}.</li>")
        warnings = get(band, "warnings")
        for warning in warnings if isinstance(warnings, list) else []:
            notes.append(f'<li class="warn-text">Warning: {_e(_text(warning))}.</li>')
    text = f'<ul class="band">{"".join(notes)}</ul>' if notes else ""
    return ('<section class="plot"><h2>Emotion curve</h2>'
            f'<img src="{uri}" alt="{_e("valence and arousal over time for " + name)}">'
            f"{text}</section>")


def _card_section(meta: Mapping) -> str:
    card = get(get(meta, "model"), "training_data")
    rows = card_rows(card)
    if not rows:
        return f'<section class="card-model"><h2>Model card: training data</h2><p>{_e(NOT_RECORDED)}</p></section>'
    summary = f"<p>Trained on {_e(card_summary(card))}.</p>"
    warning = f'<p class="warn-text">{_e(GENERATED_WARNING)}.</p>' if is_generated(card) else ""
    return (f'<section class="card-model"><h2>Model card: training data</h2>{warning}{summary}'
            f"{_dl([(_e(k), _e(v)) for k, v in rows])}</section>")


def _summary_section(curve: pd.DataFrame, meta: Mapping) -> str:
    tasks = tasks_of(curve)
    if not tasks:
        return '<section class="summary"><h2>Summary</h2><p>No prediction column.</p></section>'
    low, high = label_scale(meta)
    mid = (low + high) / 2 if low is not None and high is not None else None
    seconds = row_seconds(curve)
    head = ("<tr><th>task</th><th>mean</th><th>min (at)</th><th>max (at)</th><th>std</th>"
            f"<th>share of seconds above the midpoint{'' if mid is None else ' (' + _fmt_num(mid) + ')'}"
            "</th></tr>")
    rows = []
    for task in tasks:
        values = pd.to_numeric(curve[task], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(values)
        if not ok.any():
            rows.append(f"<tr><td>{_e(task)}</td>" + f'<td class="num">{NA}</td>' * 5 + "</tr>")
            continue
        v = values[ok]
        imin, imax = int(np.nanargmin(values)), int(np.nanargmax(values))
        share = NA if mid is None else f"{100.0 * float(np.mean(v > mid)):.0f} %"
        rows.append(
            f"<tr><td>{_e(task)}</td>"
            f'<td class="num">{_fmt_val(np.mean(v))}</td>'
            f'<td class="num">{_fmt_val(values[imin])} (at {format_time(seconds[imin])})</td>'
            f'<td class="num">{_fmt_val(values[imax])} (at {format_time(seconds[imax])})</td>'
            f'<td class="num">{_fmt_val(np.std(v))}</td>'
            f'<td class="num">{share}</td></tr>'
        )
    return (f'<section class="summary"><h2>Summary</h2><table>{head}{"".join(rows)}</table>'
            "<p class=\"muted\">Statistics of the final curve (after the model's temporal context, if any), one value "
            "per second.</p></section>")


def _moments_section(curve: pd.DataFrame, meta: Mapping, thumbnails: Mapping[int, bytes]) -> str:
    moments = select_moments(curve, neutral_of(meta))
    if not moments:
        return '<section class="moments"><h2>Moments</h2><p>No moment to show.</p></section>'
    cards = []
    for m in moments:
        jpeg = thumbnails.get(m["second"])
        when = format_time(m["second"])
        if jpeg:
            uri = "data:image/jpeg;base64," + base64.b64encode(bytes(jpeg)).decode("ascii")
            image = f'<img src="{uri}" alt="{_e("frame at " + when)}">'
        else:
            image = '<div class="noframe">no frame</div>'
        note = f'<div class="muted">{_e(m["note"][:1].upper() + m["note"][1:])}.</div>' if m["note"] else ""
        cards.append(
            f'<div class="card">{image}<h3>{_e(m["title"])}</h3>'
            f"<div>at <strong>{when}</strong> &mdash; {_e(m['task'])} "
            f"<strong>{_fmt_val(m['value'])}</strong></div>{note}</div>"
        )
    return f'<section class="moments"><h2>Moments</h2><div class="cards">{"".join(cards)}</div></section>'


def _missing_section(curve: pd.DataFrame) -> str:
    seconds = row_seconds(curve).astype(int)
    n = len(curve)
    items, known = [], 0
    for modality in modalities_of(curve):
        present = presence(curve, modality)
        if present is None:
            continue
        known += 1
        runs = false_runs(present)
        if not runs:
            continue
        missing = int(sum(b - a for a, b in runs))
        spans = [_span(seconds, a, b) for a, b in runs]
        if missing == n:
            text = f"missing {spans[0]} (all {missing} s) — {_ALL_MISSING_REASON.get(modality, 'not available')}"
        else:
            shown = ", ".join(spans[:MAX_LISTED_RANGES])
            if len(spans) > MAX_LISTED_RANGES:
                shown += f", … and {len(spans) - MAX_LISTED_RANGES} more ranges"
            reason = _SOME_MISSING_REASON.get(modality)
            text = f"missing {missing} s of {n}{f' ({reason})' if reason else ''}: {shown}"
        items.append(f"<li><strong>{_e(modality)}</strong>: {_e(text)}</li>")
    if known == 0:
        body = "<p>The curve has no presence information.</p>"
    elif not items:
        body = "<p>All modalities present in every second.</p>"
    else:
        body = ("<ul>" + "".join(items) + "</ul><p class=\"muted\">A modality missing for a second adds "
                "nothing to it: the prediction relies on the other modalities. A second without a face is "
                "the exception: the model still sees the expression extractor's no-face vector.</p>")
    return f'<section class="missing"><h2>Missing data</h2>{body}</section>'


def _scale_section(curve: pd.DataFrame, meta: Mapping) -> str:
    scale = get(meta, "label_scale")
    low, high = get(scale, "low"), get(scale, "high")
    name, origin = _text(get(scale, "name")), scale_origin(meta)
    lo, hi = label_scale(meta)
    words = dict(zip(("low", "high"), zip(*(SCALE_WORDS[t] for t in tasks_of(curve))))) if tasks_of(curve) else {}
    rows = [
        ("Scale", _e(f"{origin} ({name})" if origin and origin != name else name)),
        ("Low end", _e(_text(low)) + (f" ({_e(' / '.join(words['low']))})" if words else "")),
        ("High end", _e(_text(high)) + (f" ({_e(' / '.join(words['high']))})" if words else "")),
    ]
    if lo is not None and hi is not None:
        rows.append(("Neutral (midpoint)", _e(_fmt_num((lo + hi) / 2))))
    description = get(scale, "description")
    text = f"<p>{_e(_text(description))}</p>"
    return f'<section class="scale"><h2>Label scale</h2>{text}{_dl(rows)}</section>'


def _per_task_html(value) -> str:
    if isinstance(value, Mapping) and value:
        return "<br>".join(f"{_e(str(k))}: {_e(_text(v))}" for k, v in value.items())
    return _e(_text(value))


def _validation_html(value) -> str:
    if not isinstance(value, Mapping) or not value:
        return NA
    lines = []
    for task, v in value.items():
        if not isinstance(v, Mapping) or v.get("per_second_pearson") is None:
            continue

        def num(x, fmt):
            return format(x, fmt) if isinstance(x, (int, float)) and x == x else NA

        lines.append(
            f"{_e(str(task))}: per-second r {num(v.get('per_second_pearson'), '.2f')} (all seconds pooled), "
            f"r {num(v.get('per_movie_mean_pearson'), '.2f')} on average within a movie, MSE "
            f"{num(v.get('per_second_mse'), '.3f')}, on {_e(str(v.get('movies', NA)))} movies"
            + (f" ({_e(str(v['scored']))})" if v.get("scored") else "")
            + (f"; the members' mean, which predicts: per-second r "
               f"{num(v.get('ensemble_mean_per_second_pearson'), '.2f')}, MSE "
               f"{num(v.get('ensemble_mean_per_second_mse'), '.3f')}"
               if v.get("ensemble_mean_per_second_pearson") is not None else "")
        )
    return "<br>".join(lines) or NA


def _model_section(meta: Mapping) -> str:
    model = get(meta, "model")
    tasks = get(model, "tasks")
    tasks_text = ", ".join(map(str, tasks)) if isinstance(tasks, (list, tuple)) else _text(tasks)
    smooth_html = _per_task_html(get(model, "smoothing"))
    combination_html = _per_task_html(get(model, "combination"))
    clip_len, stride = get(model, "clip_seconds"), get(model, "clip_stride")
    rows = [
        ("Model file", f"<code>{_e(_text(get(model, 'path')))}</code>"),
        ("Tasks", _e(tasks_text or NA)),
        ("Method", _e(_text(get(model, "method")))),
        ("Feature set", _e(_text(get(model, "feature_set")))),
        ("Temporal context", smooth_html),
        ("Overlapping clips combined by", combination_html),
        ("Clip length", _e(_with_unit(clip_len, "s"))),
        ("Clip stride", _e(_with_unit(stride, "s"))),
        ("Validation scores (movies held out of fitting)", _validation_html(get(model, "validation"))),
        ("Ensemble members (curve = their mean)", _per_task_html(get(model, "ensemble"))),
    ]
    return f'<section class="model"><h2>Model</h2>{_dl(rows)}</section>'


def _provenance_section(meta: Mapping) -> str:
    prov = get(meta, "feature_provenance")
    if not isinstance(prov, Mapping) or not prov:
        return f'<section class="provenance"><h2>Feature provenance</h2><p>{NA}</p></section>'
    # Either {modality: {...}} or the extraction job's {"extractors": {modality: {...}}, ...}.
    extractors = prov.get("extractors") if isinstance(prov.get("extractors"), Mapping) else None
    per_modality = extractors if extractors is not None else prov
    general = {k: v for k, v in prov.items() if k != "extractors"} if extractors is not None else {}
    head = ("<tr><th>modality</th><th>extractor</th><th>version</th><th>weights (sha256)</th>"
            "<th>other</th></tr>")
    rows = []
    for modality, info in per_modality.items():
        if not isinstance(info, Mapping):
            rows.append(f"<tr><td>{_e(str(modality))}</td><td colspan=\"4\">{_e(_text(info))}</td></tr>")
            continue
        info = dict(info)
        extractor = _pop_first(info, ("extractor", "extractor_id", "id", "name"))
        version = _pop_first(info, ("version", "extractor_version"))
        info.pop("modality", None)
        weights = _pop_weights(info)
        other = "; ".join(f"{k}={_compact(v)}" for k, v in _flatten(info).items())
        rows.append(
            f"<tr><td>{_e(str(modality))}</td><td>{_e(_text(extractor))}</td>"
            f"<td>{_e(_text(version))}</td><td>{weights}</td>"
            f"<td><code>{_e(other) if other else ''}</code></td></tr>"
        )
    extra = ""
    if general:
        extra = _dl([(_e(str(k)), f"<code>{_e(_compact(v))}</code>") for k, v in general.items()])
    # one line a reader can take in, the parameter table (for whoever checks an extractor) folded below it
    return (f'<section class="provenance"><h2>Feature provenance</h2><details><summary>'
            f"{_e(_provenance_summary(meta, per_modality))} (details)</summary>{extra}"
            f"<table>{head}{''.join(rows)}</table></details></section>")


def _provenance_summary(meta: Mapping, per_modality: Mapping) -> str:
    """"default feature set: 4 extractors (audio, expression, motion, scene), 4 weight files
    identified by sha256"."""
    extractors = {str(m): info for m, info in per_modality.items() if isinstance(info, Mapping)}
    feature_set = get(get(meta, "feature_provenance"), "feature_set") or get(get(meta, "model"), "feature_set")
    head = f"{feature_set} feature set" if feature_set else "features"
    if not extractors:
        return f"{head}: provenance as recorded"
    weights = sum(len(w) if isinstance(w := info.get("weights"), Mapping) else 0 for info in extractors.values())
    files = f"{weights} weight file{'' if weights == 1 else 's'} identified by sha256" if weights else "no weight file"
    return (f"{head}: {len(extractors)} extractor{'' if len(extractors) == 1 else 's'} "
            f"({', '.join(extractors)}), {files}")


def _footer(meta: Mapping) -> str:
    return (f"<footer>videoaffect {_e(_text(get(meta, 'videoaffect_version')))} &middot; "
            f"schema {_e(_text(get(meta, 'schema')))}</footer>")


# --------------------------------------------------------------------------- small helpers
def _text(value) -> str:
    """A meta value as text: n/a where missing, compact JSON for containers."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return NA
    if isinstance(value, (Mapping, list, tuple)):
        return _compact(value)
    return str(value)


def _compact(value) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _fmt_num(value) -> str:
    f = number(value)
    if f is None:
        return _text(value)
    return str(int(f)) if f.is_integer() else f"{f:g}"


def _fmt_val(value) -> str:
    f = number(value)
    return NA if f is None else f"{f:.3f}"


def _with_unit(value, unit: str) -> str:
    return f"{_fmt_num(value)} {unit}" if number(value) is not None else _text(value)


def _span(seconds: np.ndarray, start: int, stop: int) -> str:
    first, last = format_time(seconds[start]), format_time(seconds[stop - 1])
    return first if stop - start == 1 else f"{first}–{last}"


def _dl(rows) -> str:
    return '<dl class="kv">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _hash_html(value, *, full: bool = False) -> str:
    if value is None or value == "":
        return NA
    text = str(value)
    if full or len(text) <= 12:
        return f"<code>{_e(text)}</code>"
    return f'<code title="{_e(text)}">{_e(text[:12])}</code>'


def _pop_first(info: dict, keys):
    for key in keys:
        if key in info:
            return info.pop(key)
    return None


def _pop_weights(info: dict) -> str:
    """Weight hashes (``weights`` / ``*sha256*`` / ``*hash*`` keys), 12 chars + full in title."""
    keys = [k for k in list(info) if k in ("weights", "weights_sha256") or "sha256" in str(k) or "hash" in str(k)]
    shown = []
    for key in keys:
        value = info.pop(key)
        if isinstance(value, Mapping):
            for name, digest in value.items():
                shown.append(f"{_e(str(name))}: {_hash_html(digest)}")
        elif isinstance(value, (list, tuple)):
            shown.extend(_hash_html(v) for v in value)
        elif value not in (None, ""):
            shown.append(_hash_html(value))
    return "<br>".join(shown) if shown else "none"


def _flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, Mapping) and value:
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value} if prefix else {}
