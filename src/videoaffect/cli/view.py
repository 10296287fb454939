"""``videoaffect view DIR/<id>.json``: an interactive page where the video plays above its
emotion curves, a cursor following playback (``reports/viewer.py``); with ``--labels``, the
audience's curve beside the prediction and r / MSE between them (``reports/audience.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.errors import ConfigError
from videoaffect.core.vocabulary import TASKS


def register(sub, parents) -> None:
    p = sub.add_parser(
        "view", parents=parents,
        help="write an interactive page: the video plays above its curves, a cursor follows playback",
        description="Write DIR/<id>.viewer.html from a prediction DIR/<id>.json written by `predict`: the video "
        "plays above the curves of every task (band, shot cuts, missing data), a cursor follows playback, "
        "clicking the curves seeks. One self-contained file; it plays the video from its path relative to "
        "the page, so keep the two where they are (or move them together). With --labels, the audience's curve "
        "is drawn beside the prediction and r and MSE per second are printed and written on the page (the JSON "
        "is left as it is; `predict --labels` records them in it).")
    p.add_argument("prediction", type=Path, help="DIR/<id>.json written by `videoaffect predict`")
    p.add_argument("--video", type=Path,
                   help="the video file (default: the path the JSON recorded, relative to the folder predict "
                   "ran in; give this when the video moved)")
    p.add_argument("--out", type=Path, help="the page to write (default: DIR/<id>.viewer.html beside the JSON)")
    add_label_options(p)
    p.set_defaults(func=run)


def add_label_options(p, where: str = "") -> None:
    """``--labels`` / ``--labels-task``, as `view` and `predict` take them (``where``: what the
    command does with them, added to the help)."""
    p.add_argument("--labels", type=Path, action="append", metavar="LABELS",
                   help="the film's per-second audience labels on [-1, 1], drawn beside the prediction (mean, and "
                   "mean +/- Std as a band) with Pearson r and MSE per second: a one-task file 'Time, Mean[, Std, "
                   "Raters]' (what `annotations merge` writes; the official <Film>_Valence.txt) or a two-task file "
                   "'Time, Valence, Arousal'; once per task" + where)
    p.add_argument("--labels-task", choices=TASKS,
                   help="the task of a one-task --labels file (default: from a name ending in _Valence / _Arousal; "
                   "any other one-task file needs it)")


def run(args: argparse.Namespace) -> int:
    from videoaffect.reports.audience import audience_block, audience_lines, read_audience
    from videoaffect.reports.viewer import read_prediction, write_viewer

    common.check_file_arg(args.out, "--out")
    if args.labels_task and not args.labels:
        raise ConfigError("--labels-task names the task of a --labels file; give the file with --labels LABELS")
    doc = read_prediction(args.prediction)
    if args.labels:  # every check (task, scale, length) before the page is written
        given = audience_block(doc, read_audience(args.labels, args.labels_task), str(args.prediction))
        # a task `predict --labels` recorded and not given again here is kept
        recorded = doc.get("audience")
        doc["audience"] = {**(recorded if isinstance(recorded, dict) else {}), **given}
    # without --labels, the comparison `predict --labels` recorded in the JSON (drawn on the page too)
    lines = audience_lines(doc.get("audience"))
    page = write_viewer(args.prediction, video=args.video, out=args.out, doc=doc)
    if getattr(args, "verbosity", 0) >= 0:
        print(f"viewer: {page} (open it in a browser)")
    for line in lines:  # the comparison is a result, printed even with --quiet
        print(line)
    return 0
