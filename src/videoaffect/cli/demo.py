"""``videoaffect demo``: the whole user path on generated labelled videos."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.errors import ConfigError, ExtractionError
from videoaffect.core.vocabulary import DEFAULT_ENSEMBLE


def register(sub, parents) -> None:
    p = sub.add_parser("demo", parents=parents,
                       help="main job: generated labelled videos -> features -> progressive training and both "
                       "baselines -> metrics -> the report of a test film")
    p.add_argument("--train-movies", type=common.positive_int, default=10,
                   help="generated development movies (at least 2)")
    p.add_argument("--test-movies", type=common.positive_int, default=3, help="generated test movies")
    p.add_argument("--seed", type=int, default=0, help="seed of the videos and of training")
    p.add_argument("--ensemble", type=common.positive_int, default=DEFAULT_ENSEMBLE, metavar="K",
                   help="ensemble members of the progressive model (its scores and report are their mean; the "
                   f"baselines train one model each; default {DEFAULT_ENSEMBLE}, as `train`)")
    common.add_device(p)
    common.add_progress(p)
    p.add_argument("--out", type=Path, default=Path("runs/demo"),
                   help="where data, features, models and the report go (data and features are reused by a "
                   "second run) (default: runs/demo)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """A MediaEval-layout corpus -> default-set features -> progressive training and both baselines
    (valence and arousal) -> metrics on the test movies -> the report of a test film."""
    from videoaffect.extractors.feature_sets import check_weights

    if args.train_movies < 2:
        raise ConfigError("--train-movies must be at least 2 (one is kept apart as the validation movie)")
    common.check_out_dir(args.out)
    check_weights("default")  # every missing file named at once, before any folder is made
    device = common.resolved_device(args)  # an unusable --device fails before any work
    with common.removed_on_failure(args.out):
        model_dir, video, report = _walk(args, Path(args.out), device)
    _print_next_steps(model_dir, video, report)
    return 0


class _Steps:
    """Prints each step with its own duration, and the total at the end."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()

    def done(self, text: str, lead: str = "") -> None:
        now = time.perf_counter()
        print(f"{lead}{text} [{now - self.last:.1f} s]", flush=True)
        self.last = now

    def total(self) -> str:
        return f"{time.perf_counter() - self.start:.0f} s"


def _walk(args: argparse.Namespace, out: Path, device: str) -> tuple[Path, Path, Path]:
    from videoaffect.cli.tables import metrics_table
    from videoaffect.core.files import atomic_write_text
    from videoaffect.core.locks import OutputLock
    from videoaffect.datasets.loading import load_dataset, training_data_card
    from videoaffect.datasets.synthetic.videos import write_mediaeval_like
    from videoaffect.evaluation.evaluate import evaluate_model
    from videoaffect.models.config import ModelConfig, TrainConfig
    from videoaffect.models.model_directory import FeatureRecord, ModelBundle
    from videoaffect.prediction.video import predict_videos
    from videoaffect.reports.viewer import VIEWER_SUFFIX
    from videoaffect.training.whole_model import train_bundle

    steps = _Steps()
    with OutputLock(out, "demo"):
        data, store = out / "data", out / "features"
        numbers = list(range(args.train_movies)) + [54 + k for k in range(args.test_movies)]
        marker = data / "demo.json"
        wanted = {"movies": numbers, "seed": args.seed}
        if not marker.is_file() or json.loads(marker.read_text()) != wanted:
            if data.exists():
                shutil.rmtree(data)
            write_mediaeval_like(data, numbers, seed=args.seed)
            atomic_write_text(marker, json.dumps(wanted))
        steps.done(f"1/5 generated {len(numbers)} labelled videos (MediaEval 2018 layout) in {data}")
        loaded = load_dataset(data, common.extraction_job(args, store, "default"))
        corpus, info = loaded.corpus, loaded.info
        train = corpus.movies_in_split("dev")
        test = corpus.movies_in_split("test")
        steps.done(f"2/5 extracted the default feature set into {store}: {corpus.total_seconds} s of video, "
                   f"modalities {', '.join(corpus.specs)}")
        record = FeatureRecord.from_dict(info.features or {})
        card = training_data_card(loaded, train, "dev")
        if not card.get("generated"):  # the demo's videos are generated whatever the marker says
            card.update(generated=True, generated_by=card.get("generated_by") or "videoaffect demo")
        rows, reports = [], {}
        for method in ("progressive", "joint", "average"):
            mc = ModelConfig(modalities=tuple(corpus.specs.values()))
            tc = TrainConfig(method=method, seed=args.seed)
            model_dir = out / "models" / method
            if model_dir.exists():
                shutil.rmtree(model_dir)  # a rerun retrains from scratch
            # the progressive model makes the report, with its band; the baselines are compared only
            ensemble = args.ensemble if method == "progressive" else 1
            bundle, _ = train_bundle(corpus, train, mc, tc, model_dir, features=record,
                                     run=common.run_settings(args), ensemble=ensemble,
                                     info={"dataset": info.name, "train_split": "dev", "training_data": card},
                                     echo=False)
            for task, model in bundle.tasks.items():
                scores = evaluate_model(model, corpus, test, device=device, clip_stride=1)
                reports[f"{task}/{method}"] = scores
                rows.append((f"{task} {method}", scores))
            steps.done(f"3/5 trained {method} (valence and arousal)")
        atomic_write_text(out / "demo_metrics.json", json.dumps(reports, indent=2))
        print("\nper-second scores on the test movies (clip stride 1; 'intra' = before temporal context):")
        print(metrics_table(rows))
        video = next(p for p in sorted((data / "videos").glob("*.mp4")) if p.stem.endswith(f"_{numbers[-1]:02d}"))
        pred_dir = out / "predictions"
        model_dir = out / "models" / "progressive"
        outcomes = predict_videos([video], ModelBundle.load(model_dir), pred_dir, store=store, device=device,
                                  viewer=True)
    if outcomes[0].status != "done":
        raise ExtractionError(f"predicting {video} failed: {outcomes[0].reason}")
    steps.done(f"4/5 predicted the test film {video.name} with the progressive model", lead="\n")
    report = pred_dir / (video.stem + ".html")
    print(f"5/5 report: {report}  (also .csv, .json, .png, and {video.stem}{VIEWER_SUFFIX}: the video above its "
          f"curves); {steps.total()} in all")
    return model_dir, video, report


def _print_next_steps(model_dir: Path, video: Path, report: Path) -> None:
    """The model and the commands that come next, each runnable as printed (paths quoted for the shell)."""
    from videoaffect.reports.viewer import VIEWER_SUFFIX

    q = shlex.quote
    q_model = q(str(model_dir))
    viewer = report.with_name(report.stem + VIEWER_SUFFIX)
    print(f"\nthe demo's model: {model_dir}  (trained on generated videos: its curves are not a prediction of real "
          "audience response)")
    print("next:")
    print(f"  open in a browser: {q(str(report))} (the report) and {q(str(viewer))} (the video playing above its "
          "curves)")
    print("  predict a video of yours (any format FFmpeg reads; a folder or a CSV list of videos works too):")
    print(f"    videoaffect predict YOUR_VIDEO.mp4 --model {q_model} --out curves/ --viewer")
    print("  for example the test film:")
    print(f"    videoaffect predict {q(str(video))} --model {q_model} --out curves/ --viewer")
    print("  what the model learnt from:")
    print(f"    videoaffect models show {q_model}")
    note = _not_on_path()
    if note:
        print(f"  ({note})")
    print("  a model of real audiences: train on labelled films (README, 'Getting a model of real audiences')")


def _not_on_path() -> str | None:
    """How to reach the `videoaffect` command when the shell would not find this one (the demo
    script runs it from .venv/bin without activating the environment)."""
    here = Path(sys.executable).parent
    command = here / "videoaffect"
    found = shutil.which("videoaffect")
    if not command.is_file() or (found is not None and Path(found).resolve() == command.resolve()):
        return None
    try:
        shown = command.relative_to(Path.cwd())
    except ValueError:
        shown = command
    activate = f"`source {shlex.quote(str(shown.parent / 'activate'))}` first, or " \
        if (here / "activate").is_file() else ""
    return f"`videoaffect` is {shlex.quote(str(shown))}, not on your PATH: run {activate}type that path"
