"""The extraction benchmark's CPU budget: it runs, and its figures are consistent with each other."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

import videoaffect.decoding.synthetic_media as mf

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_extract.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_extract", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_extract"] = module
    spec.loader.exec_module(module)
    return module


def panning(index: int, time_s: float, size: tuple[int, int]) -> np.ndarray:
    # a panning texture: x264 codes B-frames, many of them non-reference
    width, height = size
    base = np.random.default_rng(1).integers(0, 255, (height + 40, width + 40, 3), dtype=np.uint8)
    dx = int(time_s * 10) % 40
    return np.ascontiguousarray(base[:height, dx : dx + width])


def test_budget_counts_pictures_and_adds_up(tmp_path, packaged_weights, capsys):
    bench = load_bench()
    video = mf.make_video(tmp_path / "film.mp4", 4.3, fps=24, size=(128, 72), pattern=panning)
    figures = bench.cmd_budget(argparse.Namespace(video=str(video), target=30.0, repeat=1))
    pictures = figures["pictures"]
    # the samples need every reference picture plus the non-reference ones shown at an instant
    assert pictures["every"] >= 4 * 24
    assert pictures["every"] > pictures["needed"] >= pictures["reference"] > 0
    parts = figures["decoder_cpu_ms_per_second"] + sum(figures["extractor_cpu_ms_per_second"].values())
    assert np.isclose(figures["total_cpu_ms_per_second"], parts)
    assert set(figures["extractor_cpu_ms_per_second"]) == {"audio", "scene", "expression", "motion"}
    assert all(v > 0 for v in figures["extractor_cpu_ms_per_second"].values())
    assert np.isclose(figures["two_core_budget_ms_per_second"], 2000 / 30)
    verdict = "fits" if parts <= 2000 / 30 else "does not fit"
    assert verdict in capsys.readouterr().out
