"""Small MediaEval 2018 releases written in the official layouts, for the loader and CLI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

AUDIO_DIM, FC6_DIM, CL_DIM = 5, 6, 3


def valence(movie: int, s: int) -> float:
    return round(-0.9 + 0.05 * s + 0.001 * movie, 6)


def arousal(movie: int, s: int) -> float:
    return round(0.8 - 0.04 * s, 6)


def feature(movie: int, s: int, dim: int, offset: float = 0.0) -> np.ndarray:
    return (movie * 100 + s + offset + np.arange(dim) / 10).astype(np.float32)


def write_annotation(path: Path, movie: int, seconds: int, start: int = 0, header="Time\tValence\tArousal",
                     sep="\t", id_col: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [header]
    for s in range(seconds):
        row = [str(start + s), f"{valence(movie, s):.6f}", f"{arousal(movie, s):.6f}"]
        lines.append(sep.join(([f"ID{s}"] if id_col else []) + row))
    path.write_text("\n".join(lines) + "\n")
    return path


def arff_text(values: np.ndarray) -> str:
    attrs = "\n".join(f"@attribute pcm_f{j} numeric" for j in range(len(values)))
    data = ",".join(f"{v:.6f}" for v in values)
    return f"@relation 'openSMILE_features'\n\n@attribute name string\n{attrs}\n@attribute class numeric\n\n@data\n\n'unknown',{data},?\n"


def smile_csv_text(values: np.ndarray) -> str:
    header = ";".join(["name", "frameTime", *[f"pcm_f{j}" for j in range(len(values))]])
    return f"{header}\n'unknown';0.000000;{';'.join(f'{v:.6f}' for v in values)}\n"


def part_of(movie: int) -> str:
    if movie < 14:
        return "DevSet-Part1"
    if movie < 44:
        return "DevSet-Part2"
    return "DevSet-Part3" if movie < 54 else "TestSet"


def write_official(root: Path, movies: dict[int, int], video: bool = False, audio_format: str = "arff",
                   descriptors=("fc6", "cl"), skip=(), empty=(), nan=()) -> Path:
    """The release's archives unpacked side by side; ``skip``/``empty``/``nan``: (movie, descriptor, second)."""
    dims = {"audio": AUDIO_DIM, "fc6": FC6_DIM, "cl": CL_DIM}
    for movie, seconds in movies.items():
        mid = f"MEDIAEVAL18_{movie:02d}"
        part = root / f"MEDIAEVAL18-{part_of(movie)}"
        write_annotation(Path(f"{part}-Valence_Arousal-annotations") / "annotations" / f"{mid}_Valence-Arousal.txt",
                         movie, seconds)
        if video:
            d = Path(f"{part}-Data") / "data"
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{mid}.mp4").write_bytes(b"not decoded by the loader")
        for desc in ("audio", *descriptors):
            for s in range(seconds):
                if (movie, desc, s) in skip:
                    continue
                vec = feature(movie, s, dims[desc], offset=0.5 if desc == "cl" else 0.0)
                if (movie, desc, s) in nan:
                    vec[0] = np.nan
                if desc == "audio":
                    folder = Path(f"{part}-Audio_features") / "audio_features" / mid
                    name = f"{mid}_{s + 1:05d}.{'csv' if audio_format != 'arff-ext' else 'arff'}"
                    text = smile_csv_text(vec) if audio_format == "csv" else arff_text(vec)
                else:
                    folder = Path(f"{part}-Visual_features") / "visual_features" / mid / desc
                    name = f"{mid}-{s + 1:05d}_{desc}.txt"
                    text = ",".join(f"{v:.6f}" for v in vec) + "\n"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text("" if (movie, desc, s) in empty else text)
    return root
