"""Predicting a catalogue: films per minute with 1 and 2 local worker processes and with a local
Dask cluster of 2 workers (not a timed test; the figures go to docs/benchmarks/catalogue.md).

    python benchmarks/bench_catalogue.py [--films 50] [--seconds 20] [--real FILM] [--work DIR]

A tiny model is trained once on generated labelled videos (its quality does not matter here:
the networks are a small part of the cost; feature extraction dominates).  Then the same folder
of films is predicted three times, each into a fresh output folder with a fresh temporary
feature store (so every run extracts everything): ``--workers 1``, ``--workers 2``,
``--backend dask --workers 2``.  The films are generated (textures scrolling, a worst case for
H.264) or, with ``--real FILM``, copies of a real clip under other names.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from videoaffect.cli.main import main
from videoaffect.datasets.synthetic.videos import write_manifest_dataset, write_movie
from videoaffect.models.model_directory import ModelBundle
from videoaffect.prediction.video import predict_videos

RUNS = (("local, 1 worker", "local", 1), ("local, 2 workers", "local", 2), ("dask local cluster, 2 workers", "dask", 2))


def _films(folder: Path, n: int, seconds: int, real: Path | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for k in range(n):
        target = folder / f"film{k:03d}{real.suffix if real else '.mp4'}"
        if target.exists():
            continue
        if real is not None:
            shutil.copyfile(real, target)
        else:
            write_movie(target, np.tanh(rng.standard_normal(seconds)), np.tanh(rng.standard_normal(seconds)),
                        seed=k)
    return folder


def main_(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--films", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=20, help="length of each generated film")
    ap.add_argument("--real", type=Path, help="use copies of this real clip instead of generated films")
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-catalogue-"))
    model = work / "model"
    if not (model / "model.json").is_file():
        manifest = write_manifest_dataset(work / "train-data", {"train": 3}, seconds=(20, 24))
        assert main(["-q", "train", "--dataset", str(manifest), "--store", str(work / "train-store"), "--out",
                     str(model), "--ensemble", "1", "--max-epochs", "2", "--hidden-size", "16"]) == 0
    films = _films(work / ("real-films" if args.real else "films"), args.films, args.seconds, args.real)
    bundle = ModelBundle.load(model)
    print(f"{args.films} films ({'copies of ' + args.real.name if args.real else f'generated, {args.seconds} s'}), "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    base = None
    for label, backend, workers in RUNS:
        out = work / f"out-{backend}-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        outcomes = predict_videos([films], bundle, out, workers=workers, backend=backend)
        wall = time.perf_counter() - t0
        failed = [o for o in outcomes if o.status != "done"]
        seconds = sum(o.seconds for o in outcomes)
        per_minute = len(outcomes) / wall * 60
        base = base or per_minute
        print(f"{label:32s} {wall:7.1f} s  {per_minute:6.1f} films/min  {seconds / wall:6.1f}x real time  "
              f"speed-up {per_minute / base:4.2f}  failed {len(failed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
