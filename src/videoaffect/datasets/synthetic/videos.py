"""Tiny datasets of real video files whose emotional labels are visible and audible, in the
MediaEval 2018 layout — for end-to-end tests and demos of extract → train → reproduce.

Each movie has smooth per-second valence and arousal trajectories in [-1, 1] (AR(1) processes
through tanh).  The picture shows them: valence sets the brightness and the hue of the frame,
arousal the speed at which a texture scrolls; the sound too: arousal sets the loudness of a
tone, valence its pitch.  So the offline default feature set (scene colour, motion, audio)
carries the labels, and a working pipeline must learn them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from videoaffect.datasets.generated import write_generated_marker
from videoaffect.decoding.synthetic_media import make_video


def ar1(rng: np.random.Generator, n: int, timescale: float) -> np.ndarray:
    """``n`` steps of a unit-variance AR(1) process with time constant ``timescale`` (in steps)."""
    phi = float(np.exp(-1.0 / timescale))
    x = np.empty(n)
    x[0] = rng.standard_normal()
    noise = rng.standard_normal(n) * np.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


def _trajectory(rng: np.random.Generator, n: int, timescale: float) -> np.ndarray:
    return np.tanh(0.9 * ar1(rng, n, timescale))


def write_movie(path: Path, valence: np.ndarray, arousal: np.ndarray, *, size=(96, 64), fps: int = 5,
                seed: int = 0) -> Path:
    """A film whose pictures and sound both show ``valence`` and ``arousal`` (one value a second)."""
    return write_affect_video(path, (valence, arousal), (valence, arousal), size=size, fps=fps, seed=seed)


def write_affect_video(path: Path, picture: tuple[np.ndarray, np.ndarray], sound: tuple[np.ndarray, np.ndarray],
                       *, size=(96, 64), fps: int = 5, seed: int = 0) -> Path:
    """A film of ``len(picture[0])`` seconds: the pictures show ``picture`` = (valence, arousal)
    (valence the brightness and hue, arousal the speed of a texture drawn from ``seed``), the
    tone shows ``sound`` = (valence, arousal) (valence its pitch, arousal its loudness)."""
    (picture_v, picture_a), (sound_v, sound_a) = picture, sound
    w, h = size
    rng = np.random.default_rng(seed)
    texture = rng.integers(0, 60, (h, 4 * w), dtype=np.uint8)
    offsets = np.concatenate([[0.0], np.cumsum(np.repeat(2.0 + 6.0 * (picture_a + 1.0), fps))])
    n = len(picture_v)

    def pattern(index, t, _size):
        v = picture_v[min(int(t), n - 1)]
        shift = int(offsets[index]) % (3 * w)
        base = np.asarray(texture[:, shift : shift + w], dtype=np.int16)
        bright = 110 + 80 * v
        frame = np.empty((h, w, 3), dtype=np.int16)
        frame[..., 0] = bright + 40 * v + base  # warm when positive
        frame[..., 1] = bright + base
        frame[..., 2] = bright - 40 * v + base  # cold when negative
        return np.clip(frame, 0, 255).astype(np.uint8)

    def tone(t):
        s = np.clip(t.astype(int), 0, n - 1)
        loud = 0.05 + 0.2 * (sound_a[s] + 1.0)
        pitch = 300.0 + 150.0 * sound_v[s]
        return loud * np.sin(2 * np.pi * pitch * t)

    return make_video(path, n, fps=fps, size=size, pattern=pattern, tone=tone, audio_rate=16000, channels=1)


def write_mediaeval_like(
    root: str | Path,
    movie_numbers: list[int],
    seconds: tuple[int, int] = (40, 60),
    seed: int = 0,
    size=(96, 64),
    fps: int = 5,
    videos_dir: str = "videos",
    annotations_dir: str = "annotations",
) -> Path:
    """``MEDIAEVAL18_XX.mp4`` videos and ``MEDIAEVAL18_XX_Valence-Arousal.txt`` annotations
    (tab-separated: Time, Valence, Arousal, one row per second starting at 0)."""
    root = Path(root)
    (root / videos_dir).mkdir(parents=True, exist_ok=True)
    (root / annotations_dir).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for number in movie_numbers:
        movie = f"MEDIAEVAL18_{number:02d}"
        n = int(rng.integers(seconds[0], seconds[1] + 1))
        valence = _trajectory(rng, n, 15.0)
        arousal = _trajectory(rng, n, 25.0)
        write_movie(root / videos_dir / f"{movie}.mp4", valence, arousal, size=size, fps=fps, seed=number)
        lines = ["Time\tValence\tArousal"]
        lines += [f"{t}\t{v:.6f}\t{a:.6f}" for t, (v, a) in enumerate(zip(valence, arousal))]
        (root / annotations_dir / f"{movie}_Valence-Arousal.txt").write_text("\n".join(lines) + "\n")
    write_generated_marker(root, "videoaffect.datasets.synthetic.videos.write_mediaeval_like",
                           "generated videos whose brightness, hue, motion and sound carry planted labels")
    return root


def write_manifest_dataset(
    root: str | Path,
    splits: dict[str, int],
    seconds: tuple[int, int] = (40, 60),
    seed: int = 0,
    size=(96, 64),
    fps: int = 5,
    timescales: tuple[float, float] = (15.0, 25.0),
) -> Path:
    """Generated labelled videos for the generic layout: ``videos/<id>.mp4``,
    ``labels/<id>.txt`` and ``manifest.csv`` (columns video, labels, split).  ``splits`` maps a
    split name to its number of movies, e.g. {"train": 8, "test": 2}.  Returns the manifest."""
    root = Path(root)
    (root / "videos").mkdir(parents=True, exist_ok=True)
    (root / "labels").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = ["video,labels,split"]
    number = 0
    for split, count in splits.items():
        for _ in range(count):
            movie = f"film{number:03d}"
            n = int(rng.integers(seconds[0], seconds[1] + 1))
            valence = _trajectory(rng, n, timescales[0])
            arousal = _trajectory(rng, n, timescales[1])
            write_movie(root / "videos" / f"{movie}.mp4", valence, arousal, size=size, fps=fps,
                        seed=seed * 1000 + number)
            lines = ["Time\tValence\tArousal"]
            lines += [f"{t}\t{v:.6f}\t{a:.6f}" for t, (v, a) in enumerate(zip(valence, arousal))]
            (root / "labels" / f"{movie}.txt").write_text("\n".join(lines) + "\n")
            rows.append(f"videos/{movie}.mp4,labels/{movie}.txt,{split}")
            number += 1
    manifest = root / "manifest.csv"
    manifest.write_text("\n".join(rows) + "\n")
    write_generated_marker(root, "videoaffect.datasets.synthetic.videos.write_manifest_dataset",
                           "generated videos whose brightness, hue, motion and sound carry planted labels")
    return manifest
