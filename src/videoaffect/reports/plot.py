"""PNG plot of one predicted emotion curve.

Uses :class:`matplotlib.figure.Figure` with the Agg canvas directly (never pyplot), so it
keeps no global state and may run in several threads at once.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MultipleLocator

from videoaffect.models.card import GENERATED_WARNING, card_headline, is_generated
from videoaffect.reports.colours import MAX_CUT_LINES, MODALITY_COLOURS, TASK_COLOURS
from videoaffect.reports.facts import (
    band_of,
    contribution_columns,
    false_runs,
    format_time,
    get,
    intra_drawn,
    label_scale,
    missing_label,
    modalities_of,
    number,
    presence,
    row_seconds,
    scale_origin,
    scale_words,
    tasks_of,
    video_duration,
)

FIGSIZE = (12.0, 7.0)
WARNING_COLOUR = "#c00000"
MMSS_ABOVE_S = 180  # longer videos get m:ss tick labels
DENSE_ROWS = 900  # above this many seconds the plot switches to its "long video" style
CONTRIB_POINTS = 400  # long videos: contributions averaged to about this many windows
# share of the figure's width left of the top panel (y label and tick labels), kept out of the
# subtitle's room; generous, so that a wider y axis still leaves the text inside the figure
LEFT_MARGIN_SHARE = 0.12
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200)


def render_curve_png(curve: pd.DataFrame, meta: Mapping | None, *, dpi: int = 100) -> bytes:
    """Valence/arousal over time (top) and per-task modality contributions (below) as PNG.

    The image is ``12 x 7`` inches at ``dpi``. The DataFrame needs at least one of the
    ``valence`` / ``arousal`` columns; everything else is optional.
    """
    buffer = io.BytesIO()
    curve_figure(curve, meta, dpi=dpi).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def curve_figure(curve: pd.DataFrame, meta: Mapping | None, *, dpi: int = 100) -> Figure:
    """The figure :func:`render_curve_png` saves (tests measure its texts)."""
    tasks = tasks_of(curve)
    if not tasks:
        raise ValueError("curve has neither a 'valence' nor an 'arousal' column")
    meta = meta if isinstance(meta, Mapping) else {}
    modalities = modalities_of(curve)
    colours = {m: MODALITY_COLOURS[i % len(MODALITY_COLOURS)] for i, m in enumerate(modalities)}
    starts = row_seconds(curve)
    x = starts + 0.5  # each row covers [t, t + 1): draw it at the middle of its second
    end = float(starts.max() + 1) if len(starts) else 1.0
    # the axis spans the whole film: its last fraction of a second (no value: a second is predicted
    # when its middle lies in the video) is shown too, so the axis ends where the video does
    end = max(end, video_duration(meta) or 0.0)
    begin = float(min(starts.min(), 0.0)) if len(starts) else 0.0
    marker = "o" if len(curve) <= 5 else None
    # Long videos have more seconds than the plot has pixels: draw raw per-second series
    # faintly and average the contributions over a window so the lines stay readable.
    dense = len(curve) > DENSE_ROWS
    window = max(1, int(round(len(curve) / CONTRIB_POINTS))) if dense else 1

    contrib_tasks = [t for t in tasks if contribution_columns(curve, t)]
    fig = Figure(figsize=FIGSIZE, dpi=dpi, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1 + len(contrib_tasks), 1, height_ratios=[2.2] + [1.0] * len(contrib_tasks))
    top = fig.add_subplot(grid[0])
    axes = [top] + [fig.add_subplot(grid[i + 1], sharex=top) for i in range(len(contrib_tasks))]

    # ---- top panel: final and intra-clip curves on the label scale
    handles: list = []
    bands = band_of(meta)
    for task in tasks:
        colour = TASK_COLOURS[task]
        low_col, high_col = f"{task}_low", f"{task}_high"
        if low_col in curve.columns and high_col in curve.columns:
            level = number(get(bands.get(task), "level"))
            share = f"{level * 100:g} % " if level is not None else ""
            top.fill_between(x, _values(curve, low_col), _values(curve, high_col), color=colour, alpha=0.18,
                             linewidth=0, step=None, zorder=1)
            handles.append(Patch(facecolor=colour, alpha=0.18, label=f"{task} {share}interval"))
        (line,) = top.plot(x, _values(curve, task), color=colour, lw=1.8, marker=marker, label=task)
        handles.append(line)
        intra = f"{task}_intra"
        if intra_drawn(curve, task):  # no line (and no legend entry) where it equals the final curve
            style: dict[str, Any] = dict(lw=0.5, ls="-", alpha=0.35) if dense else dict(lw=0.9, ls="--", alpha=0.8)
            (line,) = top.plot(x, _values(curve, intra), color=colour, marker=marker, markersize=3,
                               label=f"{task} (before context)", **style)
            handles.append(line)

    low, high = _y_range(curve, meta, tasks)
    scale_low, scale_high = label_scale(meta)
    if scale_low is not None and scale_high is not None:  # neutral = middle of the label scale
        top.axhline((scale_low + scale_high) / 2, color="0.45", lw=0.8, ls=":", zorder=0)
    top.set_ylim(low, high)

    if "shot_cut" in curve.columns:
        cuts = x[curve["shot_cut"].fillna(False).astype(bool).to_numpy()]
        if len(cuts):
            if len(cuts) <= MAX_CUT_LINES:
                top.vlines(cuts, 0, 1, transform=top.get_xaxis_transform(), colors="0.6", lw=0.6,
                           alpha=0.7, zorder=0)
                handles.append(Line2D([], [], color="0.6", lw=0.8, label="shot cut"))
            else:  # a wall of lines would hide the curves: a rug of ticks along the top edge
                top.vlines(cuts, 0.965, 1, transform=top.get_xaxis_transform(), colors="0.35",
                           lw=0.4, alpha=0.6, zorder=0)
                handles.append(Line2D([], [], color="0.35", lw=0.8,
                                      label=f"shot cut (ticks at top, {len(cuts)})"))

    # Missing modalities: one hatched band per modality along the bottom of the top panel.
    band_h, band_gap = 0.035, 0.012
    row = 0
    for modality in modalities:
        present = presence(curve, modality)
        runs = false_runs(present) if present is not None else []
        if not runs:
            continue
        min_width = (end - begin) * 0.004  # keep short gaps in long films visible (~3 px)
        spans = [(starts[a], max(starts[b - 1] + 1 - starts[a], min_width)) for a, b in runs]
        y0 = band_gap + row * (band_h + band_gap)
        top.broken_barh(spans, (y0, band_h), transform=top.get_xaxis_transform(),
                        facecolor=colours[modality], alpha=0.35, edgecolor=colours[modality],
                        linewidth=0.0, hatch="///", zorder=1)
        handles.append(Patch(facecolor=colours[modality], alpha=0.35, hatch="///",
                             edgecolor=colours[modality], linewidth=0.0, label=missing_label(modality)))
        row += 1

    words = scale_words(meta, tasks)
    top.set_ylabel(" / ".join(tasks) + (f"\n({words})" if words else ""))
    top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8,
               frameon=False, borderaxespad=0.0)
    top.grid(True, axis="y", color="0.9", lw=0.6)

    # ---- contribution panels
    for ax, task in zip(axes[1:], contrib_tasks):
        cols = contribution_columns(curve, task)
        peak = 0.0
        for modality, col in cols.items():
            values = _values(curve, col)
            if window > 1:
                values = pd.Series(values).rolling(window, center=True, min_periods=1).mean().to_numpy()
            if np.isfinite(values).any():
                peak = max(peak, float(np.nanmax(np.abs(values))))
            colour = colours.get(modality, "0.3")
            ax.plot(x, values, color=colour, lw=1.1, marker=marker, markersize=3, label=modality)
        ax.axhline(0, color="0.45", lw=0.8, ls=":", zorder=0)
        peak = peak * 1.1 if peak > 0 else 1.0
        ax.set_ylim(-peak, peak)
        ax.set_ylabel(f"{task}\ncontribution", color=TASK_COLOURS[task])
        title = "modality" if window == 1 else f"modality\n({window}-s moving mean)"
        ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False,
                  borderaxespad=0.0, title=title, title_fontsize=8)
        ax.grid(True, axis="y", color="0.9", lw=0.6)

    # ---- time axis
    top.set_xlim(begin, max(end, begin + 1.0))
    _time_axis(axes[-1], end - begin)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)

    video = meta.get("video")
    if not isinstance(video, Mapping):
        video = {}
    name = str(video.get("name") or "video")
    model = get(meta, "model")
    card = get(model, "training_data")
    title = name
    if is_generated(card):
        # the first thing a reader of the image sees, in the figure's own title block
        title = f"{name}\n{GENERATED_WARNING.upper()}"
    suptitle = fig.suptitle(title, fontsize=13, fontweight="bold")
    if is_generated(card):
        suptitle.set_color(WARNING_COLOUR)
    origin = scale_origin(meta)
    subtitle = f"label scale: {origin}" if origin else "label scale: n/a"
    if scale_low is not None and scale_high is not None:
        subtitle += f", {scale_low:g} to {scale_high:g}; dotted line = neutral ({(scale_low + scale_high) / 2:g})"
    levels = {t: level for t, b in bands.items()
              if (level := number(get(b, "level"))) is not None and f"{t}_low" in curve.columns}
    drawn = {t: bands[t] for t in levels}
    shaded = [f"{t} {level * 100:g} % interval" for t, level in levels.items()]
    if shaded:
        subtitle += "; shaded = " + ", ".join(shaded)
    notes = list(dict.fromkeys(note for b in drawn.values() if (note := _calibration_note(b))))
    second = "; ".join([*notes, f"model trained on {card_headline(card) if model else 'n/a'}"])
    title_size = 8.5
    # wrapped at measured widths, never cut: the text runs from the top panel's left edge (after the
    # y axis's labels) to the figure's right edge
    room = fig.get_figwidth() * dpi * (1.0 - LEFT_MARGIN_SHARE)
    renderer = canvas.get_renderer()
    lines = [*_wrap(renderer, subtitle, title_size, room), *_wrap(renderer, second, title_size, room)]
    top.set_title("\n".join(lines), fontsize=title_size, color="0.3", loc="left")
    return fig


def _wrap(renderer, text: str, size: float, room_px: float) -> list[str]:
    """``text`` in lines no wider than ``room_px`` when drawn at ``size`` points by ``renderer``
    (greedy, by words; a single word wider than the room stays whole)."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=size)

    def width(s: str) -> float:
        return renderer.get_text_width_height_descent(s, prop, ismath=False)[0]

    lines: list[str] = []
    for word in text.split(" "):
        if lines and width(f"{lines[-1]} {word}") <= room_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _values(curve: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(curve[col], errors="coerce").to_numpy(dtype=float)


def _y_range(curve: pd.DataFrame, meta: Mapping, tasks: list[str]) -> tuple[float, float]:
    """The label scale, widened only if predictions leave it; the data range if no scale."""
    cols = [c for t in tasks for c in (t, f"{t}_intra") if c in curve.columns]
    values = np.concatenate([_values(curve, c) for c in cols]) if cols else np.array([])
    values = values[np.isfinite(values)]
    low, high = label_scale(meta)
    if low is None or high is None:
        if values.size == 0:
            return -1.0, 1.0
        low, high = float(values.min()), float(values.max())
        pad = max((high - low) * 0.1, 0.1)
        return low - pad, high + pad
    if values.size and (values.min() < low or values.max() > high):
        pad = (high - low) * 0.03
        low, high = min(low, float(values.min()) - pad), max(high, float(values.max()) + pad)
    return low, high


def _time_axis(ax, duration: float) -> None:
    step = next((s for s in _TICK_STEPS if duration / s <= 12), _TICK_STEPS[-1])
    if duration <= 2:
        ax.xaxis.set_major_locator(FixedLocator([0, 1, 2]))
    else:
        ax.xaxis.set_major_locator(MultipleLocator(step))
    if duration > MMSS_ABOVE_S:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_time(v)))
        ax.set_xlabel("time (h:mm:ss)" if duration >= 3600 else "time (m:ss)")
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.set_xlabel("time (s)")


def _calibration_note(band) -> str:
    """"band calibrated on N validation movies (see its warnings)", or "" when not recorded."""
    movies = number(get(band, "validation_movies"))
    if movies is None:
        return ""
    warned = ": a rough guess, see the .json's warnings" if get(band, "warnings") else ""
    return f"band calibrated on {movies:g} validation movie{'' if movies == 1 else 's'}{warned}"
