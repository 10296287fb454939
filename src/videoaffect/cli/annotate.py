"""``videoaffect annotate VIDEO... --task valence|arousal --out DIR``: one page per video on which
a rater rates the film second by second in a browser (``reports/annotate_page.py``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.errors import DataError
from videoaffect.core.vocabulary import TASKS

# Video codecs and containers the common browsers play in a <video> element (Chromium and Firefox;
# Safari lacks some): a film in another is still given a page, with a warning and the fix.
BROWSER_CODECS = {"h264", "vp8", "vp9", "av1", "theora"}
BROWSER_CONTAINERS = {".mp4", ".m4v", ".mov", ".webm", ".mkv", ".ogv", ".ogg"}


def register(sub, parents) -> None:
    p = sub.add_parser(
        "annotate", parents=parents,
        help="write a page per video on which a rater rates valence or arousal while the film plays",
        description="Write DIR/<stem>.<task>.annotate.html for each VIDEO: a self-contained page (works offline, "
        "from file://) that plays the video while the rater moves a cursor between the task's two ends with the "
        "mouse or the arrow keys. The page reads the cursor 10 times a second while the video plays, keeps the "
        "trace in the browser's storage (a reload or a crash loses nothing) and saves it as a trace file "
        "<stem>_<Task>_<rater>.trace.tsv, which `videoaffect annotations merge` reads. In the real run seeking "
        "is off (the video returns to the furthest point rated); a practice run seeks freely and records "
        "nothing. The page plays the video from its path relative to the page: keep the two where they are "
        "(or move them together).")
    p.add_argument("videos", nargs="+", type=Path, metavar="VIDEO", help="the film(s) to rate")
    p.add_argument("--task", required=True, choices=TASKS, help="what the rater rates (one task per page)")
    p.add_argument("--out", type=Path, required=True, help="folder to write the pages into (created if needed)")
    p.add_argument("--rater", default="", metavar="NAME",
                   help="pre-fill the rater's name on the pages (the rater may change it; a name is required "
                   "before recording)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoaffect.reports.annotate_page import write_annotate_page

    common.check_out_dir(args.out)
    quiet = getattr(args, "verbosity", 0) < 0
    failures = 0
    pages: dict[str, Path] = {}
    with common.removed_on_failure(args.out) as folders:
        for video in args.videos:
            try:
                _check_video(video)
                earlier = pages.setdefault(Path(video).stem, Path(video))
                if earlier != Path(video):
                    raise DataError(f"{video} and {earlier} have the same name ({Path(video).stem}), so their pages "
                                    "would be one file; give them different names or run annotate once per folder "
                                    "with its own --out")
                page = write_annotate_page(video, args.out, args.task, rater=args.rater)
            except (DataError, OSError) as exc:
                # one bad video fails alone; the others' pages are written
                failures += 1
                print(f"videoaffect: error: {exc}", file=sys.stderr)
                continue
            if not quiet:
                print(f"annotate: {page} (open it in a browser)")
        folders.failed = failures == len(args.videos)
    return 2 if failures else 0


def _check_video(video: Path) -> None:
    """A video file PyAV can open with a video stream (else a `DataError` naming it and the fix);
    a codec browsers do not play is said on stderr (the page is still written)."""
    from videoaffect.decoding.media import probe

    info = probe(video)
    if not info.has_video:
        raise DataError(f"{video}: has no video stream (an audio file?); give the film's video file")
    suffix = Path(video).suffix.lower()
    if info.video_codec not in BROWSER_CODECS or suffix not in BROWSER_CONTAINERS:
        what = f"{info.video_codec} video" + (f" in a {suffix or 'suffix-less'} file" if suffix not in
                                              BROWSER_CONTAINERS else "")
        print(f"videoaffect: warning: {video} is {what}, which browsers may not play; if the page shows no "
              "picture, re-encode it to H.264 MP4 (e.g. ffmpeg -i IN -c:v libx264 -c:a aac OUT.mp4) and run "
              "annotate on that file", file=sys.stderr)
