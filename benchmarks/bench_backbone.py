"""What the ``backbone`` modality (EfficientNet-Lite0, the ``default-deep`` set) costs per second of
film, alone and inside the whole set, on real 720p footage.

    OMP_NUM_THREADS=2 .venv-test/bin/python benchmarks/bench_backbone.py --repeat 3 --json out.json

* backbone alone: ``DefaultBackbone.embed`` on the frames the decoder hands over (one per second,
  the film's 1280 x 720), after one warm-up batch; milliseconds of wall time and of process CPU
  per second of film, with 1 and with 2 torch threads;
* whole sets: ``extract_movie`` as ``videoaffect extract`` runs it (decoder, every extractor, the
  HDF5 file; start-up excluded) for ``default`` and ``default-deep`` on the same film, x real time
  (median of ``--repeat`` passes after a warm-up pass on the source clip), the CPU per second of
  film of each extractor, measured in the thread that runs it.

The film is ``../shared/media/bigbuckbunny.mp4`` (5.3 s, 1280 x 720) looped to ``--seconds`` and
re-encoded by ``bench_extract.make_real_film`` (H.264, 24 fps, stereo AAC), cached under --cache.

    cd benchmarks && PYTHONPATH=. OMP_NUM_THREADS=1 ../.venv-test/bin/python bench_backbone.py --curves --work DIR

``--curves`` instead: generated MediaEval 2018-layout corpora (as ``bench_curves.py`` writes them),
``train --dataset`` on the ``default`` set and on default + backbone (``default_plus_backbone``
below: default-deep without its text modality, which generated films without subtitles lack on
every second), then the per-second Pearson r and MSE of what ``predict`` writes on the test
movies.  Generated textures cannot show what ImageNet features add on real films.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
from bench_extract import make_real_film, timed_extractors

from videoaffect.decoding.media import iter_seconds, probe
from videoaffect.extractors.default.backbone import DefaultBackbone
from videoaffect.extractors.feature_sets import build_feature_set
from videoaffect.features.movie import MAX_SIDE, VideoInput, extract_movie

SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "media" / "bigbuckbunny.mp4"


def backbone_alone(path: Path, threads: int, repeat: int) -> dict:
    frames = [s.frame for s in iter_seconds(path, motion_fps=0, max_side=MAX_SIDE) if s.frame is not None]
    torch.set_num_threads(threads)
    net = DefaultBackbone()
    net.embed(frames[: net.batch_size])  # warm-up: first-call allocations
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        net.embed(frames)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {"threads": threads, "frames": len(frames), "batch_size": net.batch_size,
            "wall_ms_per_second": 1000 * statistics.median(wall) / len(frames),
            "cpu_ms_per_second": 1000 * statistics.median(cpu) / len(frames)}


def whole_set(name: str, path: Path, warm: Path, threads: int, repeat: int) -> dict:
    torch.set_num_threads(threads)
    extractors = build_feature_set(name)
    spent = {ex.modality: 0.0 for ex in extractors}
    timed_extractors(extractors, spent)
    n = probe(path).seconds
    wall, cpu = [], []
    with tempfile.TemporaryDirectory() as store:
        extract_movie(VideoInput(str(warm), "warm-up"), name, store, extractors=extractors, force=True)
        spent.update({k: 0.0 for k in spent})
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            result = extract_movie(VideoInput(str(path), "film"), name, store, extractors=extractors, force=True)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            if result.status != "done":
                raise SystemExit(f"{name}: extraction failed: {result.reason}")
    return {"set": name, "film_seconds": n, "x_realtime": n / statistics.median(wall),
            "cpu_ms_per_second": 1000 * statistics.median(cpu) / n,
            "extractor_cpu_ms_per_second": {m: 1000 * s / (n * repeat) for m, s in spent.items()},
            "runs_s": wall}


def default_plus_backbone(device: str):
    """default-deep's extractors without ``text`` (a ``--feature-set bench_backbone:default_plus_backbone``)."""
    return build_feature_set("default-deep", device, ["audio", "scene", "expression", "motion", "backbone"])


def curves(args) -> list[dict]:
    import numpy as np

    from videoaffect.cli.main import main as cli
    from videoaffect.datasets.loading import load_dataset
    from videoaffect.datasets.synthetic.videos import write_mediaeval_like
    from videoaffect.evaluation.metrics import mse, pearson
    from videoaffect.features.job import ExtractionJob
    from videoaffect.models.model_directory import ModelBundle

    rows = []
    for seed, n_dev, n_test in zip(args.seeds, args.dev, args.test):
        root = args.work / f"data{seed}"
        if not root.is_dir():
            write_mediaeval_like(root, list(range(n_dev)) + list(range(54, 54 + n_test)), seed=seed, seconds=(30, 90))
        for name in ("default", "bench_backbone:default_plus_backbone"):
            store, model_dir = args.work / "features", args.work / f"model{seed}-{name.split(':')[-1]}"
            t0 = time.perf_counter()
            code = cli(["-q", "train", "--dataset", str(root), "--store", str(store), "--out", str(model_dir),
                        "--feature-set", name, "--overwrite", "--no-progress"])
            if code != 0:
                raise SystemExit(f"training {name} on {root} failed ({code})")
            elapsed = time.perf_counter() - t0
            corpus = load_dataset(root, ExtractionJob(store, name, progress=False)).corpus
            test = corpus.movies_in_split("test")
            bundle = ModelBundle.load(model_dir)
            for task, model in bundle.tasks.items():
                truth = np.concatenate([corpus.labels[task][corpus.offsets[m] : corpus.offsets[m + 1]] for m in test])
                chosen = model.curves_from_passes(model.clip_passes(corpus, test, 1), corpus, test)
                pred = np.concatenate([chosen[m].final for m in test])
                row = {"seed": seed, "set": name, "task": task, "dev_movies": n_dev, "test_movies": n_test,
                       "pearson": round(pearson(pred, truth), 3), "mse": round(mse(pred, truth), 4),
                       "train_s_with_extraction": round(elapsed, 1)}
                rows.append(row)
                print(row, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default=str(SOURCE), help="real footage to loop (default: the Big Buck Bunny clip)")
    ap.add_argument("--seconds", type=float, default=66, help="length of the looped film")
    ap.add_argument("--threads", type=int, default=2, help="torch threads for the whole sets (2 cores: 2)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "videoaffect-bench"))
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--curves", action="store_true", help="the generated MediaEval-layout comparison instead")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--dev", type=int, nargs="+", default=[8], help="development movies per corpus")
    ap.add_argument("--test", type=int, nargs="+", default=[4], help="test movies per corpus")
    ap.add_argument("--work", type=Path, default=Path("runs/bench_backbone"))
    args = ap.parse_args()
    if args.curves:
        rows = curves(args)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2))
        return
    source = Path(args.source)
    film = Path(args.cache) / f"{source.stem}_{args.seconds:g}s_720p.mp4"
    if not film.is_file():
        film.parent.mkdir(parents=True, exist_ok=True)
        make_real_film(source, film, args.seconds)
    figures: dict = {"film": str(film), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                     f"torch {torch.__version__}", "load_average_before": os.getloadavg()}
    figures["backbone_alone"] = [backbone_alone(film, t, args.repeat) for t in (1, 2)]
    for row in figures["backbone_alone"]:
        print(f"backbone alone, {row['threads']} thread(s), batches of {row['batch_size']}: "
              f"{row['wall_ms_per_second']:.1f} ms wall, {row['cpu_ms_per_second']:.1f} ms CPU per second of film")
    figures["sets"] = [whole_set(name, film, source, args.threads, args.repeat) for name in ("default", "default-deep")]
    for row in figures["sets"]:
        parts = ", ".join(f"{m} {ms:.0f}" for m, ms in row["extractor_cpu_ms_per_second"].items())
        print(f"{row['set']:12s} on {row['film_seconds']} s of 720p: {row['x_realtime']:.1f}x real time, "
              f"{row['cpu_ms_per_second']:.0f} ms CPU per second of film (per extractor, ms CPU: {parts})")
    figures["load_average_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
