"""``videoaffect predict``: per-second valence and arousal of videos, with a report per video."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from videoaffect.cli import common
from videoaffect.cli.view import add_label_options
from videoaffect.core.errors import ConfigError
from videoaffect.core.vocabulary import TASKS


def register(sub, parents) -> None:
    p = sub.add_parser("predict", parents=parents,
                       help="per-second valence and arousal of videos: CSV, JSON, PNG plot and HTML report per video")
    p.add_argument("inputs", nargs="*", help="video files, folders of videos, or CSV manifests (as `extract`)")
    p.add_argument("--model", type=Path, help="model directory written by `train`")
    p.add_argument("--out", type=Path, required=True, help="directory for <video>.csv/.json/.png/.html")
    p.add_argument("--store", type=Path, help="feature store to reuse (a second run does not extract again; "
                   "default: a temporary store)")
    p.add_argument("--clip-stride", type=common.positive_int, default=1,
                   help="seconds between overlapping clips (1: a value per second; the clip length gives the "
                   "paper's non-overlapping clips)")
    p.add_argument("--task", choices=["both", *TASKS],
                   help="task(s) to predict (default: every task the model has; naming a task the model lacks "
                   "is an error)")
    common.add_text_options(p)
    common.add_workers(p, "parallel videos (processes, or dask workers)")
    common.add_backend(p)
    p.add_argument("--viewer", action="store_true",
                   help="also write DIR/<id>.viewer.html: the video playing above its curves, a cursor following "
                   "playback, click a curve to seek (one file beside the video; `videoaffect view` makes one later)")
    add_label_options(p, " (one video; also written as the JSON's \"audience\", and drawn on the --viewer page)")
    p.add_argument("--force", action="store_true", help="re-extract features even when the store has them, and "
                   "replace stored features of another file with the same name (not those of another extraction job)")
    common.add_device(p)
    common.add_progress(p)
    g = p.add_argument_group("features already extracted (instead of videos)")
    g.add_argument("--corpus", type=Path, help="corpus directory (corpus.json + movies/*.npz)")
    g.add_argument("--synthetic", choices=common.SYNTHETIC_PRESETS, help="a synthetic corpus")
    g.add_argument("--synthetic-seed", type=int, default=0, help="seed of the synthetic corpus")
    g.add_argument("--split", help="corpus split to predict (default 'test')")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoaffect.models.model_directory import ModelBundle

    inputs = list(args.inputs)
    corpus_mode = args.corpus is not None or args.synthetic is not None
    model_path = args.model
    if model_path is None and corpus_mode and len(inputs) == 1:
        model_path, inputs = Path(inputs[0]), []  # the 0.1 form: predict MODEL --corpus DIR
    if model_path is None:
        raise ConfigError("give the model directory with --model MODEL")
    if corpus_mode and inputs:
        raise ConfigError("give either videos or --corpus/--synthetic, not both")
    if not corpus_mode and not inputs:
        raise ConfigError("give video files, folders of videos or manifests to predict (or --corpus DIR)")
    if corpus_mode and args.corpus is not None and args.synthetic is not None:
        raise ConfigError("give --corpus or --synthetic, not both")
    common.check_out_dir(args.out)
    common.check_scheduler(args)  # the same check as extract and train, before any work
    common.check_dir_arg(args.store, "--store")
    audience = _audience_labels(args, inputs, corpus_mode)
    bundle = ModelBundle.load(model_path)
    if audience:
        from videoaffect.reports.audience import check_scale

        scale = bundle.label_scale
        check_scale(scale.low, scale.high, f"the model {model_path}", audience)
    device = common.resolved_device(args)
    # what this call creates goes again when nothing succeeds (the batch's lists of its failures
    # are no result); a folder that existed before stays
    with common.removed_on_failure(args.out, args.store, bookkeeping=("index.json", "summary.csv")) as new:
        return _predict(args, inputs, corpus_mode, bundle, model_path, device, new, audience)


def _text_options(args, inputs) -> dict:
    """--subtitles / --speech-to-text as the text modality's options (--subtitles: one video file)."""
    from videoaffect.features.job import text_options

    one_video = len(inputs) == 1 and Path(inputs[0]).is_file() and Path(inputs[0]).suffix.lower() != ".csv"
    return text_options(**common.text_options(args, one_video))


def _audience_labels(args, inputs, corpus_mode) -> list:
    """The --labels of the one video predicted, read (and checked) before anything is done."""
    if args.labels_task and not args.labels:
        raise ConfigError("--labels-task names the task of a --labels file; give the file with --labels LABELS")
    if not args.labels:
        return []
    if corpus_mode or len(inputs) != 1 or not Path(inputs[0]).is_file() or Path(inputs[0]).suffix.lower() == ".csv":
        raise ConfigError("--labels are one film's audience labels: give that one video file (not a folder, a "
                          "manifest or a corpus), or compare each prediction with `videoaffect view DIR/<id>.json "
                          "--labels LABELS`")
    from videoaffect.core.errors import VideoAffectError
    from videoaffect.decoding.media import probe
    from videoaffect.reports.audience import check_length, read_audience

    audience = read_audience(args.labels, args.labels_task)
    try:  # labels of another film fail here, before any extraction (the prediction checks it again)
        seconds = probe(inputs[0]).seconds
    except (VideoAffectError, OSError, ValueError):
        return audience  # an unreadable video fails as one video of the batch does, saying why
    for labels in audience:
        check_length(labels, seconds, inputs[0])
    return audience


def _predict(args, inputs, corpus_mode, bundle, model_path, device, new, audience) -> int:
    from videoaffect.core.locks import OutputLock
    from videoaffect.prediction.video import predict_corpus, predict_videos

    with OutputLock(args.out, "predict"):
        if corpus_mode:
            from videoaffect.datasets.loading import load_source

            corpus = load_source(corpus=args.corpus, synthetic=args.synthetic,
                                 synthetic_seed=args.synthetic_seed).corpus
            movies = common.split_movies(corpus, args.split or "test")
            outcomes = predict_corpus(bundle, corpus, movies, args.out, clip_stride=args.clip_stride,
                                      task=args.task, device=device)
            scale = bundle.label_scale.describe().split(":", 1)[0]  # "the <scale in words>", not its short name
            print(f"wrote per-second predictions for {len(outcomes)} movies to {args.out} (on {scale})")
            _warn_about_model(bundle, model_path, args.clip_stride)
            return 0
        outcomes = predict_videos(
            inputs, bundle, args.out, store=args.store, clip_stride=args.clip_stride, task=args.task,
            device=device, workers=args.workers, force=args.force, progress=common.progress_wanted(args),
            backend=args.backend, scheduler=args.scheduler, viewer=args.viewer, audience=audience,
            text=_text_options(args, inputs),
        )
    failed = [o for o in outcomes if o.status != "done"]
    for o in outcomes:
        if o.status == "done":
            state = "kept   " if o.up_to_date else "done   "
            length = f"{o.duration_s:.1f} s" if o.duration_s is not None else f"{o.seconds} s"
            print(f"{state} {o.movie_id}: {length} -> {args.out / (o.movie_id + '.html')}"
                  + (" (up to date)" if o.up_to_date else ""))
            if audience:
                _print_audience(args.out / f"{o.movie_id}.json")
    for o in failed:
        print(f"FAILED  {o.movie_id} ({o.path}): {o.reason}", file=sys.stderr)
    if outcomes and len(failed) == len(outcomes):
        new.failed = True  # nothing to show for it: what the call created goes (a folder there before stays)
        new.remove_if_empty()
        if not args.out.exists():
            print(f"0 predicted, {len(failed)} failed: nothing written (no {args.out} folder made)")
            return 1
    kept = sum(o.up_to_date for o in outcomes)
    print(f"{len(outcomes) - len(failed) - kept} predicted, {len(failed)} failed"
          + (f", {kept} up to date (kept from an earlier run)" if kept else "")
          + f" -> {args.out} (summary.csv, index.json)")
    if len(failed) < len(outcomes):
        _warn_about_model(bundle, model_path, args.clip_stride)
    return 1 if failed else 0


def _print_audience(json_path: Path) -> None:
    """The comparison with the audience, as the JSON's "audience" records it."""
    import json

    from videoaffect.reports.audience import audience_lines

    for line in audience_lines(json.loads(json_path.read_text(encoding="utf-8")).get("audience")):
        print(f"        {line}")


def _warn_about_model(bundle, model_path: Path, clip_stride: int) -> None:
    """Once per call, however many videos; after the work, so that an error stays one line: a
    model trained on generated data, a band calibrated on few movies or at another stride."""
    if bundle.generated:
        from videoaffect.models.card import GENERATED_WARNING

        print(f"videoaffect: warning: the model {model_path} was {GENERATED_WARNING}; every output says so",
              file=sys.stderr)
    from videoaffect.datasets.clips import ClipSampler

    for task, band in bundle.bands.items():
        stride = ClipSampler.for_stride(bundle.task(task).config.clip_seconds, clip_stride).stride
        for warning in band.warnings(stride):
            print(f"videoaffect: warning: {task} band: {warning} (also in each .json's band.{task}.warnings)",
                  file=sys.stderr)
