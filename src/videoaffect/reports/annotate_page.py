"""The annotation page of one video (``videoaffect annotate``): a rater watches the film and moves
a cursor on the task's scale as their feeling changes; the page samples the cursor while the
video plays and saves the trace as a ``videoaffect-trace/1`` file (a download).

One self-contained HTML file, as the viewer: inline CSS and one hand-written script
(``assets/annotate.js``, read from the package and embedded), no external URL, works from
``file://``.  The ``<video>`` plays the file from its path relative to the page.  What the page
needs to know is embedded as JSON (``#annotate-config``): the video's name and sha256 (computed
here, written into the trace), the task, its scale in words, the rater's name given to the
command, the sample rate and the arrow keys' step.

What the page does (the script's doc says how):
- samples at ``SAMPLE_RATE_HZ`` only while the video plays; pausing stops sampling;
- in the real run the video cannot be moved: a seek (back or forward) returns it to the furthest
  point reached, as continuous-annotation tools (GTrace, CARMA) forbid it, and it plays at normal
  speed; a "practice run" lets the rater look around freely and records nothing;
- a rater name is required before recording (``--rater`` pre-fills it); hiding the page pauses;
- keeps the trace in the browser's localStorage (key: page version, video sha256, task, rater) on
  every sample, so a reload or a crash loses nothing and resumes at the furthest point;
- "Start over" clears the stored trace after a confirmation.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from videoaffect.core.errors import ConfigError
from videoaffect.core.files import atomic_write_text, sha256_of
from videoaffect.core.labels import LabelScale
from videoaffect.core.vocabulary import TASKS
from videoaffect.reports.facts import SCALE_WORDS
from videoaffect.reports.html import page_head
from videoaffect.reports.viewer import viewer_video_src
from videoaffect.reports.viewer_page import asset_text

TRACE_FORMAT = "videoaffect-trace/1"
PAGE_VERSION = 1
SAMPLE_RATE_HZ = 10
# One arrow key press moves the cursor this much (the scale runs from -1 to 1: 40 presses end to end).
KEY_STEP = 0.05
PAGE_SUFFIX = ".annotate.html"
# The trace file's comment keys, in the order the page writes them (the contract of issue 25).
TRACE_HEADER_KEYS = ("rater", "task", "scale", "video", "video_sha256", "page_version", "sample_rate_hz", "created")


def annotate_page_path(video: Path, out_dir: Path, task: str) -> Path:
    """``DIR/<stem>.<task>.annotate.html``."""
    return Path(out_dir) / f"{Path(video).stem}.{task}{PAGE_SUFFIX}"


def scale_ends(task: str, scale: LabelScale | None = None) -> tuple[tuple[float, str], tuple[float, str]]:
    """``((low, word), (high, word))`` of the task's scale: MediaEval 2018's [-1, 1] unless told."""
    if task not in SCALE_WORDS:
        raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    scale = scale or LabelScale.mediaeval()
    low_word, high_word = SCALE_WORDS[task]
    return (scale.low, low_word), (scale.high, high_word)


def scale_text(task: str) -> str:
    """The trace's ``# scale:`` value, e.g. "-1 = negative, 1 = positive"."""
    (low, low_word), (high, high_word) = scale_ends(task)
    return f"{low:g} = {low_word}, {high:g} = {high_word}"


def script_text() -> str:
    """The page's script, shipped as package data (``reports/assets/annotate.js``)."""
    return asset_text("annotate.js")


def css_text() -> str:
    return asset_text("annotate.css")


def page_config(video: Path, page: Path, task: str, rater: str = "", sha256: str | None = None) -> dict:
    """What the page's script needs, embedded as JSON."""
    video = Path(video)
    (low, low_word), (high, high_word) = scale_ends(task)
    return {
        "format": TRACE_FORMAT,
        "page_version": PAGE_VERSION,
        "sample_rate_hz": SAMPLE_RATE_HZ,
        "step": KEY_STEP,
        "task": task,
        "scale": scale_text(task),
        "low": low, "high": high, "low_word": low_word, "high_word": high_word,
        "video": video.name,
        "stem": video.stem,
        "video_sha256": sha256 if sha256 is not None else sha256_of(video),
        "video_src": viewer_video_src(video, page),
        "rater": " ".join(rater.split()),  # one line for the trace's header, as the page cleans a typed name
    }


def render_annotate_page(config: dict) -> str:
    """The page of ``config`` (see :func:`page_config`)."""
    task, name = config["task"], config["video"]
    step = config["step"]
    # The storage's room, measured in headless Chromium 150 from file://: 5.2 million characters of
    # localStorage; 72,000 readings (2 h at 10 Hz) are 1.21 million as the script stores them.
    help_items = [
        f"Enter your name, then press play. While the film plays, move the cursor to say how "
        f"<b>{_e(config['low_word'])}</b> ({config['low']:g}) or <b>{_e(config['high_word'])}</b> "
        f"({config['high']:g}) you feel ({_e(task)}) at each moment: hover or drag the mouse over the scale, "
        f"or press the arrow keys (Up or Right: towards {_e(config['high_word'])}, Down or Left: towards "
        f"{_e(config['low_word'])}; one press moves {step:g}). Space plays and pauses.",
        f"The cursor is read {config['sample_rate_hz']} times a second, only while the video plays. "
        "Pausing stops the reading; press play again to go on.",
        "In the real run the video cannot be moved: seeking back (or forward) returns it to the furthest "
        "point reached, as continuous-annotation tools require, and it plays at normal speed. Tick "
        "<b>Practice run</b> to try the scale and look around the film freely; nothing is recorded then, and "
        "unticking it returns the video to where the real run stopped.",
        "Your trace is kept in this browser's storage after every reading: reloading the page or a crash loses "
        "nothing, and the page resumes where you were (for the name in the name field). <b>Save trace</b> "
        "downloads it as a file to send back; <b>Start over</b> erases it (after asking), which also frees the "
        "storage: Chromium keeps about 5 million characters for all the pages opened from files, and a two-hour "
        "film's trace takes about 1.2 million (when it is full the page says so, and Save trace still works).",
    ]
    parts = [
        *page_head(f"Annotate {task}: {name}", css_text()),
        "</head>",
        "<body>",
        '<main id="annotate">',
        f"<h1>Rate the {_e(task)} of <code>{_e(name)}</code></h1>",
        '<div class="controls">'
        '<label>Your name <input id="rater" type="text" autocomplete="off" spellcheck="false" '
        f'value="{_e(config["rater"])}" required></label>'
        '<label><input id="practice" type="checkbox" autocomplete="off"> '
        "Practice run (nothing recorded, seeking free)</label>"
        '<button id="save" type="button">Save trace</button>'
        '<button id="start-over" type="button">Start over</button>'
        "</div>",
        f'<div class="media"><video id="video" controls preload="auto" src="{_e(config["video_src"])}"></video></div>',
        '<p id="status" role="status" aria-live="polite"></p>',
        '<p id="storage-warning" role="alert" hidden>The browser\'s storage is full or off: this trace is no longer '
        "kept across a reload or a crash. Save it now (Save trace); Start over on a page whose trace was sent "
        "frees room.</p>",
        '<div id="scale" role="slider" tabindex="0" '
        f'aria-label="{_e(task)}: {_e(config["scale"])}" aria-valuemin="{config["low"]:g}" '
        f'aria-valuemax="{config["high"]:g}" aria-valuenow="0">'
        f'<span class="end low">{config["low"]:g} {_e(config["low_word"])}</span>'
        '<div id="track"><div id="neutral"></div><div id="cursor"></div></div>'
        f'<span class="end high">{config["high"]:g} {_e(config["high_word"])}</span>'
        '<output id="value" for="scale">0</output>'
        "</div>",
        '<svg id="trace" role="img" aria-label="the trace recorded so far" preserveAspectRatio="none"></svg>',
        f'<p class="muted">Your trace so far: from the start of the film (left) to its end (right), '
        f'{config["high"]:g} {_e(config["high_word"])} at the top, {config["low"]:g} {_e(config["low_word"])} at the '
        'bottom; the red line is the video\'s current time.</p>',
        '<ul id="help">' + "".join(f"<li>{item}</li>" for item in help_items) + "</ul>",
        f'<p class="muted">Video sha256 <code>{_e(config["video_sha256"])}</code>; page version '
        f'{config["page_version"]}; trace format {_e(config["format"])}.</p>',
        f'<script type="application/json" id="annotate-config">{_script_json(config)}</script>',
        f"<script>{script_text()}</script>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_annotate_page(video: Path, out_dir: Path, task: str, rater: str = "") -> Path:
    """Write ``DIR/<stem>.<task>.annotate.html`` for ``video`` and return its path."""
    page = annotate_page_path(video, out_dir, task)
    page.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(page, render_annotate_page(page_config(video, page, task, rater)))
    return page


def _script_json(payload) -> str:
    # "</script>" or "<!--" inside a string (a file name) would end or confuse the script element;
    # the escapes are the same JSON to JSON.parse.
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _e(text) -> str:
    return html.escape(str(text), quote=True)
