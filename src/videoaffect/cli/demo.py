"""``videoaffect demo``: the whole user path on generated labelled videos."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.errors import ConfigError, ExtractionError
from videoaffect.core.vocabulary import DEFAULT_ENSEMBLE


def register(sub, parents) -> None:
    p = sub.add_parser("demo", parents=parents,
                       help="main job: generated labelled videos -> features -> progressive training and both "
                       "baselines -> metrics -> the report of a held-out film")
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
    (valence and arousal) -> metrics on the test movies -> the report of a held-out film."""
    import time

    from videoaffect.cli.tables import metrics_table
    from videoaffect.core.files import atomic_write_text
    from videoaffect.core.locks import OutputLock
    from videoaffect.datasets.loading import ExtractionRequest, load_dataset, training_data_card
    from videoaffect.datasets.synthetic.videos import write_mediaeval_like
    from videoaffect.evaluation.evaluate import evaluate_model
    from videoaffect.models.bundle import FeatureRecord, ModelBundle
    from videoaffect.models.config import ModelConfig, TrainConfig
    from videoaffect.prediction.video import predict_videos
    from videoaffect.training.bundle import train_bundle

    if args.train_movies < 2:
        raise ConfigError("--train-movies must be at least 2 (one is held out for validation)")
    common.check_out_dir(args.out)
    t0 = time.perf_counter()
    out = Path(args.out)
    device = common.resolved_device(args)  # an unusable --device fails before any work
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
        print(f"1/5 generated {len(numbers)} labelled videos (MediaEval 2018 layout) in {data} "
              f"[{time.perf_counter() - t0:.0f} s]", flush=True)
        request = ExtractionRequest(store=store, feature_set="default", workers=1, device=device,
                                    progress=common.progress_wanted(args))
        loaded = load_dataset(data, request)
        corpus, info = loaded.corpus, loaded.info
        train = corpus.movies_in_split("dev")
        test = corpus.movies_in_split("test")
        print(f"2/5 extracted the default feature set into {store}: {corpus.total_seconds} s of video, "
              f"modalities {', '.join(corpus.specs)} [{time.perf_counter() - t0:.0f} s]", flush=True)
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
                report = evaluate_model(model, corpus, test, device=device, clip_stride=1)
                reports[f"{task}/{method}"] = report
                rows.append((f"{task} {method}", report))
            print(f"3/5 trained {method} (valence and arousal) [{time.perf_counter() - t0:.0f} s]", flush=True)
        atomic_write_text(out / "demo_metrics.json", json.dumps(reports, indent=2))
        print("\nper-second scores on the test movies (clip stride 1; 'intra' = before temporal context):")
        print(metrics_table(rows))
        video = next(p for p in sorted((data / "videos").glob("*.mp4")) if p.stem.endswith(f"_{numbers[-1]:02d}"))
        pred_dir = out / "predictions"
        outcomes = predict_videos([video], ModelBundle.load(out / "models" / "progressive"), pred_dir, store=store,
                                  device=device)
    if outcomes[0].status != "done":
        raise ExtractionError(f"predicting {video} failed: {outcomes[0].reason}")
    print(f"\n4/5 predicted the held-out film {video.name} with the progressive model "
          f"[{time.perf_counter() - t0:.0f} s]")
    print(f"5/5 report: {pred_dir / (video.stem + '.html')}  (also .csv, .json, .png)")
    print("note: the demo model is trained on generated videos: its curves are not a prediction of real audience "
          "response")
    return 0
