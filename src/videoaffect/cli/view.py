"""``videoaffect view DIR/<id>.json``: an interactive page where the video plays above its
emotion curves, a cursor following playback (``reports/viewer.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from videoaffect.cli import common


def register(sub, parents) -> None:
    p = sub.add_parser(
        "view", parents=parents,
        help="write an interactive page: the video plays above its curves, a cursor follows playback",
        description="Write DIR/<id>.viewer.html from a prediction DIR/<id>.json written by `predict`: the video "
        "plays above the curves of every task (band, shot cuts, missing data), a cursor follows playback, "
        "clicking the curves seeks. One self-contained file; it plays the video from its path relative to "
        "the page, so keep the two where they are (or move them together).")
    p.add_argument("prediction", type=Path, help="DIR/<id>.json written by `videoaffect predict`")
    p.add_argument("--video", type=Path,
                   help="the video file (default: the path the JSON recorded, relative to the folder predict "
                   "ran in; give this when the video moved)")
    p.add_argument("--out", type=Path, help="the page to write (default: DIR/<id>.viewer.html beside the JSON)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoaffect.reports.viewer import write_viewer

    common.check_file_arg(args.out, "--out")
    page = write_viewer(args.prediction, video=args.video, out=args.out)
    if getattr(args, "verbosity", 0) >= 0:
        print(f"viewer: {page} (open it in a browser)")
    return 0
