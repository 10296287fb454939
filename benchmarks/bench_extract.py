"""Extraction speed (x real time) per modality and peak memory, on real or generated video.

    python benchmarks/bench_extract.py make-film --seconds 66 --out /tmp/bbb720.mp4
    python benchmarks/bench_extract.py speed  --video /tmp/bbb720.mp4 --set default
    python benchmarks/bench_extract.py speed  --minutes 3 --size 1280x720 --fps 25 --set default
    python benchmarks/bench_extract.py speed  --minutes 1 --size 640x360 --set paper
    python benchmarks/bench_extract.py memory --minutes 20 120 --size 320x180 --fps 10
    python benchmarks/bench_extract.py budget --video /tmp/bbb720.mp4

``make-film`` makes real footage of any length without downloading anything: the Big Buck
Bunny excerpt in ../shared/media looped and re-encoded to 1280x720 (or ``--size``), 24 fps H.264 (x264's
defaults) with stereo AAC.  ``speed`` takes that file (``--video``, any file works) or a
generated film (a scrolling random texture, a worst case for H.264, with a shot change every
7 s, a face in every other shot and a tone), and measures in one run, each figure the median of
``--repeat`` passes:

* decode every frame: PyAV decoding every video frame, FFmpeg choosing its threads (nothing
  converted) -- the "decode-only" reference;
* decoder samples: what the extractors receive (``iter_seconds`` with the set's parameters:
  one RGB frame and the motion frames per second, audio windows);
* whole set: ``extract_movie`` as ``videoaffect extract`` runs it (decoder, every extractor,
  the HDF5 file), start-up excluded; and its ratio to the two decode figures;
* per extractor: CPU milliseconds per second of film, measured in the thread that runs it;
* start-up: a fresh interpreter importing the package and building the set.

``budget`` measures the CPU cost of every part of the default set alone, one thread each, nothing
else running (decoding the pictures the samples need, the same with every picture and with only
the reference pictures, the rest of the decoder -- conversions, audio -- and each extractor),
and compares their sum with what two cores can give at ``--target`` x real time
(2000 / target ms of CPU per second of film): if the sum is larger, no scheduling reaches the
target with these features.

``memory`` extracts films of several lengths, each in a fresh process, and prints their peak
resident memory, to show it is flat in film length.  Generated films are encoded once per size
and length under --cache.  The paper set runs with random weights (speed does not depend on
weight values).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
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
        import cv2
        from skimage.data import astronaut

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


def decode_every_frame(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def startup_s(feature_set: str) -> float:
    code = ("import time; t = time.perf_counter(); from benchmarks_startup import build; "
            f"build({feature_set!r}); print(time.perf_counter() - t)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def timed_extractors(extractors, spent: dict[str, float]) -> None:
    for ex in extractors:
        original = ex.extract

        def timed(samples, _orig=original, _m=ex.modality):
            t0 = time.thread_time()
            out = _orig(samples)
            spent[_m] += time.thread_time() - t0
            return out

        ex.extract = timed


def cmd_speed(args) -> dict:
    from videoaffect.features.movie import VideoInput, decoder_params, extract_movie

    torch.set_num_threads(args.threads)
    if args.video:
        path = Path(args.video)
    else:
        size = tuple(int(x) for x in args.size.split("x"))
        path = film(Path(args.cache), args.minutes, size, args.fps)
    info = probe(path)
    n = info.seconds
    extractors = [ex.to(args.device) for ex in extractors_for(args.set)]
    params = decoder_params(extractors)
    spent = {ex.modality: 0.0 for ex in extractors}
    timed_extractors(extractors, spent)
    runs: dict[str, list[float]] = {"every_frame": [], "samples": [], "whole": [], "whole_cpu": []}
    with tempfile.TemporaryDirectory() as store:
        extract_movie(VideoInput(str(path), "warm-up"), args.set, store, extractors=extractors, force=True)
        for key in spent:
            spent[key] = 0.0
        for _ in range(args.repeat):
            t = time.perf_counter()
            frames = decode_every_frame(path)
            runs["every_frame"].append(time.perf_counter() - t)
            t = time.perf_counter()
            count = sum(1 for _ in iter_seconds(path, motion_fps=params["motion_fps"], max_side=params["max_side"]))
            runs["samples"].append(time.perf_counter() - t)
            assert count == n
            t, cpu = time.perf_counter(), time.process_time()
            result = extract_movie(VideoInput(str(path), "film"), args.set, store, extractors=extractors, force=True)
            runs["whole"].append(time.perf_counter() - t)
            runs["whole_cpu"].append(time.process_time() - cpu)
            if result.status != "done":
                raise SystemExit(f"extraction failed: {result.reason}")
    med = {k: statistics.median(v) for k, v in runs.items()}
    figures = {
        "set": args.set, "video": str(path) if args.video else None, "film_seconds": n, "frames": frames,
        "size": f"{info.width}x{info.height}", "fps": info.fps, "threads": args.threads, "repeat": args.repeat,
        "decode_every_frame_x_realtime": n / med["every_frame"],
        "decoder_samples_x_realtime": n / med["samples"],
        "whole_set_x_realtime": n / med["whole"],
        "whole_over_decode_every_frame": med["whole"] / med["every_frame"],
        "whole_over_decoder_samples": med["whole"] / med["samples"],
        "whole_set_cpu_ms_per_second": 1000 * med["whole_cpu"] / n,
        "extractor_cpu_ms_per_second": {m: 1000 * s / (n * args.repeat) for m, s in spent.items()},
        # the paper set's start-up needs its weight files; this benchmark builds it with random ones
        "startup_s": startup_s(args.set) if args.set == "default" else None,
        "runs_s": runs,
        "device": args.device,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch threads {args.threads}"
                   + (f", {torch.cuda.get_device_name()}" if args.device.startswith("cuda") else ""),
    }
    print(f"{args.set} set ({figures['machine']}, networks on {args.device}) on {n} s of {figures['size']} "
          f"@ {info.fps:g} fps ({info.video_codec}), median of {args.repeat}:")
    print(f"  decode every frame ({frames} frames): {figures['decode_every_frame_x_realtime']:.1f}x real time")
    print(f"  decoder samples (motion_fps={params['motion_fps']}): {figures['decoder_samples_x_realtime']:.1f}x")
    for m, ms in figures["extractor_cpu_ms_per_second"].items():
        print(f"  {m:10s} extractor: {ms:.1f} ms CPU per second of film")
    print(f"  whole set (decoder, extractors, writing; start-up excluded): {figures['whole_set_x_realtime']:.1f}x "
          f"real time, {figures['whole_set_cpu_ms_per_second']:.0f} ms CPU per second of film")
    print(f"  whole set / decode every frame: {figures['whole_over_decode_every_frame']:.2f}; "
          f"whole set / decoder samples: {figures['whole_over_decoder_samples']:.2f}")
    if figures["startup_s"] is not None:
        print(f"  start-up (fresh interpreter, imports and building the set): {figures['startup_s']:.2f} s")
    return figures


def _cpu_ms_per_second(run, seconds: int, repeat: int) -> float:
    """Median over ``repeat`` calls of ``run()``'s CPU time in this thread, ms per second of film."""
    spent = []
    for _ in range(repeat):
        t = time.thread_time()
        run()
        spent.append(time.thread_time() - t)
    return 1000 * statistics.median(spent) / seconds


def _decode_only(path: Path, seconds: int, motion_fps: int, mode: str) -> int:
    """Decode on one thread without converting anything: ``needed`` = the pictures the decoder
    hands to the samples (unused non-reference ones left out), ``every`` = all pictures,
    ``reference`` = only the reference pictures (FFmpeg's skip_frame=NONREF)."""
    from videoaffect.decoding.media import _decoded_frames, _PacketSelector
    from videoaffect.decoding.probe import discard_others as _discard_others

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        _discard_others(container, stream)
        if mode == "reference":
            stream.codec_context.skip_frame = "NONREF"
        selector = _PacketSelector.for_stream(stream, seconds, motion_fps) if mode == "needed" else None
        return sum(1 for _ in _decoded_frames(container, stream, selector))


def cmd_budget(args) -> dict:
    from videoaffect.features.movie import decoder_params

    torch.set_num_threads(1)
    path = Path(args.video)
    info = probe(path)
    n = info.seconds
    extractors = extractors_for("default")
    params = decoder_params(extractors)
    motion_fps = params["motion_fps"]
    frames = {mode: _decode_only(path, n, motion_fps, mode) for mode in ("every", "needed", "reference")}
    decode = {mode: _cpu_ms_per_second(lambda m=mode: _decode_only(path, n, motion_fps, m), n, args.repeat)
              for mode in frames}
    samples = list(iter_seconds(path, motion_fps=motion_fps, max_side=params["max_side"], threads=1))
    decoder = _cpu_ms_per_second(
        lambda: sum(1 for _ in iter_seconds(path, motion_fps=motion_fps, max_side=params["max_side"], threads=1)),
        n, args.repeat)
    per_extractor = {}
    for ex in extractors:
        ex.start_movie()
        ex.extract(samples[: ex.batch_size])  # first calls build buffers and import lazily

        def run(ex=ex):
            ex.start_movie()
            for i in range(0, n, ex.batch_size):
                ex.extract(samples[i : i + ex.batch_size])

        per_extractor[ex.modality] = _cpu_ms_per_second(run, n, args.repeat)
    total = decoder + sum(per_extractor.values())
    budget = 2000 / args.target
    figures = {
        "video": str(path), "film_seconds": n, "size": f"{info.width}x{info.height}", "fps": info.fps,
        "pictures": frames, "decode_only_cpu_ms_per_second": decode,
        "decoder_cpu_ms_per_second": decoder, "conversions_audio_cpu_ms_per_second": decoder - decode["needed"],
        "extractor_cpu_ms_per_second": per_extractor, "total_cpu_ms_per_second": total,
        "target_x_realtime": args.target, "two_core_budget_ms_per_second": budget,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, one thread per part",
    }
    print(f"default set, CPU per second of film, each part alone on one thread, median of {args.repeat} "
          f"({n} s of {figures['size']} @ {info.fps:g} fps, {info.video_codec}):")
    for mode, label in (("every", "every picture"), ("needed", "the pictures the samples need"),
                        ("reference", "reference pictures only")):
        print(f"  decode {label} ({frames[mode]} pictures): {decode[mode]:.1f} ms")
    print(f"  decoder as the extractors get it (needed pictures, RGB / grey conversions, audio): {decoder:.1f} ms "
          f"(conversions and audio {decoder - decode['needed']:.1f})")
    for m, ms in per_extractor.items():
        print(f"  {m:10s} extractor: {ms:.1f} ms")
    verdict = "fits" if total <= budget else "does not fit"
    print(f"  sum: {total:.1f} ms; two cores at {args.target:g}x real time give {budget:.1f} ms: {verdict}")
    return figures


def cmd_make_film(args) -> dict:
    width, height = (int(x) for x in args.size.split("x"))
    out = make_real_film(Path(args.source), Path(args.out), args.seconds, size=(width, height))
    info = probe(out)
    print(f"wrote {out}: {info.seconds} s, {info.width}x{info.height} @ {info.fps:g} fps, {info.video_codec}/"
          f"{info.audio_codec}")
    return {"film": str(out), "seconds": info.seconds}


def make_real_film(source: Path, out: Path, seconds: float, fps: int = 24, size: tuple[int, int] = (1280, 720)) -> Path:
    """``source`` looped to ``seconds``: ``size`` H.264 (x264 defaults) at ``fps``, stereo AAC."""
    width, height = size
    with av.open(str(source)) as container:
        frames = [f.to_ndarray(format="rgb24", width=width, height=height) for f in container.decode(video=0)]
    resampler = av.AudioResampler(format="s16", layout="stereo", rate=48000)
    with av.open(str(source)) as container:
        chunks = [o.to_ndarray().reshape(-1, 2) for f in container.decode(audio=0) for o in resampler.resample(f)]
    chunks += [o.to_ndarray().reshape(-1, 2) for o in resampler.resample(None)]
    audio = np.concatenate(chunks)
    tmp = out.with_name(f".{out.name}.tmp{out.suffix}")
    with av.open(str(tmp), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        # PyAV's default (slice threads) makes libx264 cut every picture into slices; frame
        # threads give one slice per picture, as the ffmpeg command line and most real films have
        video.thread_type = "FRAME"
        sound = container.add_stream("aac", rate=48000, layout="stereo")
        for i in range(int(round(seconds * fps))):
            frame = av.VideoFrame.from_ndarray(frames[i % len(frames)], format="rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        total, block = int(seconds * 48000), 1024
        for start in range(0, total, block):
            samples = audio[np.arange(start, min(start + block, total)) % len(audio)]
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.reshape(1, -1)), format="s16",
                                               layout="stereo")
            frame.sample_rate, frame.pts = 48000, start
            container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
    os.replace(tmp, out)
    return out


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
               "x_realtime": minutes * 60 / wall, "rss_trace_mb": child["rss_trace"]}
        figures["runs"].append(run)
        print(f"{minutes:g}-minute film ({args.size} @ {args.fps} fps), {args.set} set: peak RSS "
              f"{run['peak_rss_mb']:.0f} MB, {wall:.0f} s ({run['x_realtime']:.1f}x real time)", flush=True)
        print("  resident memory by second of film: "
              + ", ".join(f"{t // 60} min {mb:.0f} MB" for t, mb in run["rss_trace_mb"]), flush=True)
    return figures


def child(path: str, feature_set: str, store: str) -> None:
    from videoaffect.features.movie import VideoInput, extract_movie

    torch.set_num_threads(2)
    trace: list[tuple[int, float]] = []

    def sample(done: int, total: int) -> None:
        # resident memory every 10 minutes of film: a flat line, or where it grows
        if not trace or done - trace[-1][0] >= 600:
            trace.append((done, current_rss_mb()))

    r = extract_movie(VideoInput(path, "film"), feature_set, store, extractors=extractors_for(feature_set),
                      on_second=sample)
    if r.status != "done":
        raise SystemExit(r.reason)
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_trace": trace}))


def current_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    make = sub.add_parser("make-film", help="real 1280x720 footage: the shared clip looped and re-encoded")
    make.add_argument("--seconds", type=float, default=66)
    make.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT")
    make.add_argument("--out", required=True)
    make.add_argument("--source", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "media"
                                              / "bigbuckbunny.mp4"))
    make.add_argument("--json", help="write the figures here")
    budget = sub.add_parser("budget", help="CPU cost of each part alone against the two-core budget")
    budget.add_argument("--video", required=True)
    budget.add_argument("--target", type=float, default=30, help="x real time to budget for (default 30)")
    budget.add_argument("--repeat", type=int, default=3)
    budget.add_argument("--json", help="write the figures here")
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
            p.add_argument("--video", help="measure this file instead of a generated film")
            p.add_argument("--repeat", type=int, default=3)
            p.add_argument("--device", default="cpu", help="where the extractors' networks run (cpu, cuda)")
        else:
            p.add_argument("--minutes", type=float, nargs="+", default=[20, 120])
    args = ap.parse_args()
    if args.cmd == "make-film":
        figures = cmd_make_film(args)
    elif args.cmd == "budget":
        figures = cmd_budget(args)
    else:
        Path(args.cache).mkdir(parents=True, exist_ok=True)
        figures = cmd_speed(args) if args.cmd == "speed" else cmd_memory(args)
    figures["date"] = time.strftime("%Y-%m-%d")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
