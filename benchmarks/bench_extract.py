"""Extraction speed (x real time) per modality and peak memory, on generated video.

    python benchmarks/bench_extract.py speed  --minutes 5 --size 1280x720 --fps 25 --set default
    python benchmarks/bench_extract.py speed  --minutes 1 --size 640x360 --set paper
    python benchmarks/bench_extract.py memory --minutes 20 120 --size 320x180 --fps 10

``speed`` decodes once for the decode-only reference, then runs the whole feature set over the
same film timing each extractor (the paper set with random weights: speed does not depend on
weight values).  ``memory`` extracts films of several lengths, each in a fresh process, and
prints their peak resident memory, to show it is flat in film length.  The generated film has a
moving texture, a shot change every 7 s, a face (scikit-image's astronaut, when installed) in
every other shot, and a tone; it is encoded once per size and length under --cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from videoaffect.decoding.media import iter_seconds, probe
from videoaffect.decoding.synthetic_media import make_video


def film_pattern(size):
    w, h = size
    rng = np.random.default_rng(0)
    textures = [rng.integers(0, 255, (h + 64, w + 64, 3), dtype=np.uint8) for _ in range(3)]
    face = None
    try:
        from skimage.data import astronaut

        import cv2

        face = cv2.resize(astronaut()[:256, 96:352], (h // 2, h // 2))
    except ImportError:
        pass

    def pattern(index, t, _size):
        shot = int(t // 7)
        dx = int(t * 20) % 64
        frame = np.ascontiguousarray(textures[shot % 3][:h, dx : dx + w])
        if face is not None and shot % 2 == 0:
            frame = frame.copy()
            frame[h // 4 : h // 4 + face.shape[0], w // 3 : w // 3 + face.shape[1]] = face
        return frame

    return pattern


def film(cache: Path, minutes: float, size, fps: int) -> Path:
    path = cache / f"film_{minutes:g}min_{size[0]}x{size[1]}_{fps}fps.mp4"
    if not path.is_file():
        t = time.perf_counter()
        tmp = path.with_name(f".{path.name}.tmp.mp4")
        make_video(tmp, minutes * 60, fps=fps, size=size, pattern=film_pattern(size),
                   tone=lambda x: 0.3 * np.sin(2 * np.pi * 220 * x) * (1 + np.sin(x)) / 2)
        os.replace(tmp, path)
        print(f"generated {path.name} in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def extractors_for(name: str):
    from videoaffect.extractors.feature_sets import build_feature_set

    if name == "default":
        return build_feature_set("default")
    from videoaffect.extractors.nets.mtcnn import MTCNN
    from videoaffect.extractors.nets.openpose import OpenPoseBackbone
    from videoaffect.extractors.nets.vggish import Postprocessor, VGGish
    from videoaffect.extractors.paper.action import PaperAction
    from videoaffect.extractors.paper.audio import PaperAudio
    from videoaffect.extractors.paper.expression import PaperExpression
    from videoaffect.extractors.paper.scene import PaperScene

    torch.manual_seed(0)
    pca = Postprocessor(np.eye(128, dtype=np.float32), np.zeros(128, dtype=np.float32))
    return [
        PaperAudio(net=VGGish().eval(), postprocessor=pca),
        PaperScene(random_init=True),
        PaperExpression(random_init=True, detector=MTCNN()),
        PaperAction(net=OpenPoseBackbone().eval()),
    ]


def cmd_speed(args) -> dict:
    from videoaffect.features.extract import VideoInput, decoder_params, extract_movie

    torch.set_num_threads(args.threads)
    size = tuple(int(x) for x in args.size.split("x"))
    path = film(Path(args.cache), args.minutes, size, args.fps)
    info = probe(path)
    extractors = extractors_for(args.set)
    motion_fps = decoder_params(extractors)["motion_fps"]

    t = time.perf_counter()
    n = sum(1 for _ in iter_seconds(path, motion_fps=motion_fps))
    decode_s = time.perf_counter() - t

    spent = {ex.modality: 0.0 for ex in extractors}
    for ex in extractors:
        original = ex.extract

        def timed(samples, _orig=original, _m=ex.modality):
            t0 = time.perf_counter()
            out = _orig(samples)
            spent[_m] += time.perf_counter() - t0
            return out

        ex.extract = timed
    with tempfile.TemporaryDirectory() as store:
        t = time.perf_counter()
        result = extract_movie(VideoInput(str(path), "film"), args.set, store, extractors=extractors, force=True)
        total_s = time.perf_counter() - t
    if result.status != "done":
        raise SystemExit(f"extraction failed: {result.error}")
    figures = {
        "set": args.set, "film_seconds": n, "size": args.size, "fps": args.fps, "threads": args.threads,
        "decode_only_x_realtime": n / decode_s,
        "whole_set_x_realtime": n / total_s,
        "per_modality_x_realtime": {m: n / s for m, s in spent.items()},
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch threads {args.threads}",
    }
    print(f"{args.set} set on {n} s of {args.size} @ {args.fps} fps ({info.video_codec}):")
    print(f"  decode only (motion_fps={motion_fps}): {figures['decode_only_x_realtime']:.1f}x real time")
    for m, x in figures["per_modality_x_realtime"].items():
        print(f"  {m:10s} extractor alone: {x:.1f}x real time")
    print(f"  whole set incl. decoding and writing: {figures['whole_set_x_realtime']:.1f}x real time")
    return figures


def cmd_memory(args) -> dict:
    size = tuple(int(x) for x in args.size.split("x"))
    figures = {"set": args.set, "size": args.size, "fps": args.fps, "runs": []}
    for minutes in args.minutes:
        path = film(Path(args.cache), minutes, size, args.fps)
        with tempfile.TemporaryDirectory() as store:
            t = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "_child", str(path), args.set, store],
                capture_output=True, text=True,
            )
            wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-2000:])
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        run = {"minutes": minutes, "peak_rss_mb": child["peak_rss_mb"], "wall_s": wall,
               "x_realtime": minutes * 60 / wall}
        figures["runs"].append(run)
        print(f"{minutes:g}-minute film ({args.size} @ {args.fps} fps), {args.set} set: peak RSS "
              f"{run['peak_rss_mb']:.0f} MB, {wall:.0f} s ({run['x_realtime']:.1f}x real time)", flush=True)
    return figures


def child(path: str, feature_set: str, store: str) -> None:
    from videoaffect.features.extract import VideoInput, extract_movie

    torch.set_num_threads(2)
    r = extract_movie(VideoInput(path, "film"), feature_set, store, extractors=extractors_for(feature_set))
    if r.status != "done":
        raise SystemExit(r.error)
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("speed", "memory"):
        p = sub.add_parser(name)
        p.add_argument("--set", choices=["default", "paper"], default="default")
        p.add_argument("--size", default="1280x720" if name == "speed" else "320x180", help="WIDTHxHEIGHT")
        p.add_argument("--fps", type=int, default=25 if name == "speed" else 10)
        p.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "videoaffect-bench"))
        p.add_argument("--json", help="write the figures here")
        if name == "speed":
            p.add_argument("--minutes", type=float, default=5)
            p.add_argument("--threads", type=int, default=2)
        else:
            p.add_argument("--minutes", type=float, nargs="+", default=[20, 120])
    args = ap.parse_args()
    Path(args.cache).mkdir(parents=True, exist_ok=True)
    figures = cmd_speed(args) if args.cmd == "speed" else cmd_memory(args)
    figures["date"] = time.strftime("%Y-%m-%d")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
