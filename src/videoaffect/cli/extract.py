"""``videoaffect extract`` and ``videoaffect features show``: the feature store."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.errors import DataError


def register(sub, parents) -> None:
    p = sub.add_parser("extract", parents=parents, help="turn video files into per-second modality features")
    p.add_argument("inputs", nargs="+",
                   help="video files, folders of videos, or CSV manifests (column path[, movie_id])")
    common.add_feature_set(p)
    # the 0.1 spelling, kept working but not advertised
    p.add_argument("--set", dest="feature_set", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, required=True, help="feature store directory")
    p.add_argument("--modalities", help="comma-separated subset of the set's modalities")
    p.add_argument("--scene-backbone", choices=["vgg16", "resnet50"],
                   help="paper set: scene network (default vgg16, the paper's; resnet50 = official PyTorch Places365)")
    p.add_argument("--paper-precision", choices=["bfloat16", "float32"],
                   help="paper set: compute dtype of the OpenPose and scene networks (default bfloat16: 2.7x less "
                        "CPU, features within 1%% relative L2 of float32; float32 gives them exactly)")
    p.add_argument("--audio-compare", action="store_true",
                   help="default set: add openSMILE ComParE 2016 functionals (6373 values) to the audio modality")
    common.add_text_options(p)
    common.add_workers(p, "parallel movies (processes, or dask workers)")
    common.add_device(p)
    common.add_backend(p)
    p.add_argument("--force", action="store_true", help="re-extract movies that are up to date")
    common.add_progress(p)
    p.set_defaults(func=run_extract)

    p = sub.add_parser("features", parents=parents, help="inspect a feature store")
    fsub = p.add_subparsers(dest="features_command", required=True, metavar="ACTION")
    s = fsub.add_parser("show", parents=parents, help="modalities, shapes and provenance of one stored movie")
    s.add_argument("store", type=Path, help="feature store directory")
    s.add_argument("movie", help="movie id (file stem)")
    s.add_argument("--feature-set", help="feature set (default: every set holding the movie)")
    s.add_argument("--set", dest="feature_set", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true", help="also print the full provenance as JSON")
    s.set_defaults(func=run_show)


def run_extract(args: argparse.Namespace) -> int:
    common.check_scheduler(args)
    common.check_out_dir(args.out)
    with common.removed_on_failure(args.out) as new_folders:
        code = _extract(args)
        new_folders.failed = code != 0  # every movie failed: a new store holding none is removed
    return code


def _extract(args: argparse.Namespace) -> int:
    from videoaffect.features.extract import collect_batch
    from videoaffect.features.movie import unreadable_result

    # a missing or unreadable file (argument or manifest row) is one failed movie; the others are done
    inputs = collect_batch(args.inputs)
    videos = [v for v in inputs if not v.problem]
    modalities = tuple(m.strip() for m in args.modalities.split(",")) if args.modalities else None
    job = common.extraction_job(args, args.out, modalities=modalities, scene_backbone=args.scene_backbone,
                                paper_precision=args.paper_precision, audio_compare=args.audio_compare,
                                **common.text_options(args, len(inputs) == 1))
    results = job.run(videos) if videos else []
    results += [unreadable_result(v) for v in inputs if v.problem]
    done = [r for r in results if r.status == "done"]
    skipped = [r for r in results if r.status == "skipped"]
    failed = [r for r in results if r.status == "failed"]
    for r in done:
        speed = r.seconds / r.elapsed_s if r.elapsed_s else float("inf")
        print(f"done     {r.movie_id}: {r.seconds} s of video in {r.elapsed_s:.1f} s ({speed:.1f}x real time)")
    for r in skipped:
        print(f"skipped  {r.movie_id}: already extracted with the same provenance")
    for r in failed:
        print(f"FAILED   {r.movie_id} ({r.path}): {r.reason}", file=sys.stderr)
    print(f"{len(done)} extracted, {len(skipped)} up to date, {len(failed)} failed -> {args.out}/{args.feature_set}")
    return 1 if failed else 0


def run_show(args: argparse.Namespace) -> int:
    from videoaffect.features.store import FeatureStore

    store = FeatureStore(args.store, create=False)
    if args.feature_set:
        sets = [args.feature_set]
    else:
        sets = [s for s in store.feature_sets() if args.movie in store.movies(s)]
    if not sets:
        raise DataError(f"movie {args.movie!r} is in no feature set of {args.store}")
    for s in sets:
        m = store.read(s, args.movie)
        print(f"{m.movie_id}  feature set {s!r}: {m.seconds} s, source {m.source['name']} "
              f"(sha256 {m.source['sha256'][:16]}…), written {m.source['created']} by videoaffect "
              f"{m.source['videoaffect_version']}")
        for name, arr in m.features.items():
            p = m.modality_provenance[name]
            pres = m.present[name]
            weights = ", ".join(f"{k} {v[:12]}…" for k, v in p["weights"].items()) or "none"
            print(f"  {name:10s} {str(arr.shape):18s} {arr.dtype}  present {int(pres.sum())}/{len(pres)}  "
                  f"{p['extractor']} v{p['version']}  weights: {weights}")
            if p.get("inputs"):  # what the modality read besides the video (the text modality's subtitles)
                print(f"  {'':10s} inputs: " + ", ".join(f"{k} {v}" for k, v in p["inputs"].items()))
        if args.json:
            print(json.dumps(m.provenance, indent=2))
    return 0
