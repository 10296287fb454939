"""Paper-set networks on CPU: float32 vs bfloat16 compute, speed and the error it costs.

    python benchmarks/bench_paper_nets.py                      # 1 and 2 torch threads
    python benchmarks/bench_paper_nets.py --threads 2 --seconds 8 --json out.json
    python benchmarks/bench_paper_nets.py --init he --only action scene scene-resnet50 --threads 2

Random weights (speed does not depend on weight values; the errors are those of random-weight
networks, see ``videoaffect/extractors/paper/precision.py``).  Every second of the video
(default: the shared Big Buck Bunny clip, ``/work/shared/media/bigbuckbunny.mp4``) is decoded
with ``iter_seconds``, its frame resized to --size (640x360, the paper-set benchmark's 360p), and
the seconds repeated to --seconds.  Per extractor (action and scene, which compute in bfloat16 by
default; expression and audio, which stay float32, for the set's total) it prints the CPU time
(``time.process_time``, all threads) and wall time per second of video in each compute dtype,
and the bfloat16 error against float32: ``rel_l2`` = max over seconds of
||bf16 - fp32|| / ||fp32||, and ``rel_spread`` = the RMS error divided by the RMS deviation of
the float32 features from their mean over the seconds (the error next to the differences
between seconds; on a 5-second clip of one scene that spread is small).  ``--init he``
re-initialises the action and scene networks He-normal with zero biases
(``variance_preserving_init``): random weights whose features depend on the picture as a trained
network's do, a stricter measure of the error.  CPU time is the figure to compare on a shared
machine; wall time also counts other people's jobs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from videoaffect.decoding.media import iter_seconds
from videoaffect.extractors.paper.precision import relative_l2_error, variance_preserving_init

DEFAULT_VIDEO = Path(__file__).resolve().parents[2] / "shared" / "media" / "bigbuckbunny.mp4"


def footage(video: Path, size: tuple[int, int], seconds: int) -> list:
    samples = [s for s in iter_seconds(video) if s.frame is not None]
    if not samples:
        raise SystemExit(f"{video}: no frames")
    samples = [dataclasses.replace(s, frame=cv2.resize(s.frame, size, interpolation=cv2.INTER_AREA))
               for s in samples]
    return [dataclasses.replace(samples[i % len(samples)], index=i) for i in range(seconds)]


ROWS = ("action", "scene", "expression", "audio")
FAST = ("action", "scene")  # the extractors with a bfloat16 compute dtype; the others stay float32


def build(modality: str, compute_dtype: str, init: str):
    """The paper-set extractor with random weights, as benchmarks/bench_extract.py builds it
    (``init="he"``: :func:`variance_preserving_init` for the networks that have a compute dtype)."""
    torch.manual_seed(0)
    if modality == "audio":
        from videoaffect.extractors.nets.vggish import Postprocessor, VGGish
        from videoaffect.extractors.paper.audio import PaperAudio

        pca = Postprocessor(np.eye(128, dtype=np.float32), np.zeros(128, dtype=np.float32))
        return PaperAudio(net=VGGish().eval(), postprocessor=pca)
    if modality == "expression":
        from videoaffect.extractors.nets.mtcnn import MTCNN
        from videoaffect.extractors.paper.expression import PaperExpression

        return PaperExpression(random_init=True, detector=MTCNN())
    if modality.startswith("scene"):
        from videoaffect.extractors.paper.scene import PaperScene

        backbone = "resnet50" if modality == "scene-resnet50" else "vgg16"
        ex = PaperScene(backbone=backbone, random_init=True, compute_dtype=compute_dtype)
        if init == "he":
            variance_preserving_init(ex.net)
        return ex
    from videoaffect.extractors.nets.openpose import OpenPoseBackbone
    from videoaffect.extractors.paper.action import PaperAction

    net = OpenPoseBackbone().eval()
    return PaperAction(net=variance_preserving_init(net) if init == "he" else net, compute_dtype=compute_dtype)


def timed(fn, repeats: int):
    """(result, best CPU seconds, best wall seconds) over ``repeats`` runs after one warm-up."""
    out = fn()
    cpu = wall = float("inf")
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return out, cpu, wall


def spread_error(got: np.ndarray, want: np.ndarray) -> float:
    got = got.reshape(len(got), -1).astype(np.float64)
    want = want.reshape(len(want), -1).astype(np.float64)
    spread = np.sqrt(np.mean((want - want.mean(axis=0)) ** 2))
    return float(np.sqrt(np.mean((got - want) ** 2)) / spread) if spread > 0 else float("nan")


def run(samples: list, threads: int, repeats: int, init: str, rows: tuple[str, ...]) -> dict:
    torch.set_num_threads(threads)
    n = len(samples)
    figures: dict = {}
    for modality in rows:
        row: dict = {}
        results = {}
        for dtype in ("float32", "bfloat16") if modality in FAST or modality == "scene-resnet50" else ("float32",):
            ex = build(modality, dtype, init)
            (feats, _), cpu, wall = timed(lambda ex=ex: ex.extract(samples), repeats)
            results[dtype] = feats
            row[dtype] = {"cpu_s_per_second": cpu / n, "wall_s_per_second": wall / n}
        if "bfloat16" in results:
            row["rel_l2"] = relative_l2_error(results["bfloat16"], results["float32"])
            row["rel_spread"] = spread_error(results["bfloat16"], results["float32"])
            row["cpu_speed_up"] = row["float32"]["cpu_s_per_second"] / row["bfloat16"]["cpu_s_per_second"]
        figures[modality] = row
        print(f"  {modality:14s} " + "  ".join(
            f"{d}: {r['cpu_s_per_second']:.3f} s CPU ({1 / r['cpu_s_per_second']:.1f}x), "
            f"{r['wall_s_per_second']:.3f} s wall" for d, r in row.items() if isinstance(r, dict))
            + (f"  speed-up {row['cpu_speed_up']:.2f}x, rel_l2 {row['rel_l2']:.4f}, "
               f"rel_spread {row['rel_spread']:.3f}" if "rel_l2" in row else ""), flush=True)
    if all(m in figures for m in ROWS):
        total = {d: sum(figures[m][d if d in figures[m] else "float32"]["cpu_s_per_second"] for m in ROWS)
                 for d in ("float32", "bfloat16")}
        figures["paper_set_cpu_s_per_second"] = total
        print(f"  the four paper extractors, CPU s per second of video: float32 {total['float32']:.3f} "
              f"({1 / total['float32']:.2f}x), default (bfloat16 action + scene) {total['bfloat16']:.3f} "
              f"({1 / total['bfloat16']:.2f}x)", flush=True)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    ap.add_argument("--size", default="640x360", help="WIDTHxHEIGHT the frames are resized to")
    ap.add_argument("--seconds", type=int, default=8, help="seconds of video per timing (the clip repeated)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=2, help="timed runs after a warm-up; the best counts")
    ap.add_argument("--init", choices=["default", "he"], default="default",
                    help="random weights: PyTorch's default initialisation, or He-normal with zero biases")
    ap.add_argument("--only", nargs="+", choices=[*ROWS, "scene-resnet50"], help="these extractors only")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    if not args.video.is_file():
        raise SystemExit(f"{args.video} does not exist; pass --video PATH")
    size = tuple(int(x) for x in args.size.split("x"))
    samples = footage(args.video, (size[0], size[1]), args.seconds)
    figures: dict = {"video": str(args.video), "size": args.size, "seconds": args.seconds,
                     "init": args.init, "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__,
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                f"CPU capability {torch.backends.cpu.get_cpu_capability()}",
                     "threads": {}}
    for threads in args.threads:
        print(f"{args.seconds} s of {args.video.name} at {args.size}, {threads} torch thread(s):", flush=True)
        figures["threads"][str(threads)] = run(samples, threads, args.repeats, args.init, tuple(args.only or ROWS))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
