"""The extraction benchmark's CPU budget: it runs, and its figures are consistent with each other."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

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


def test_budget_counts_pictures_and_adds_up(tmp_path, packaged_weights, capsys, monkeypatch):
    bench = load_bench()
    # 4.3 s at 24 fps: make_video writes ceil(4.3 * 24) = ceil(103.2) = 104 pictures
    video = mf.make_video(tmp_path / "film.mp4", 4.3, fps=24, size=(128, 72), pattern=panning)
    # The CPU times are measured, so the test scripts them (each timed part still runs once):
    # calls come in the order decode every / needed / reference, decoder, then one per extractor.
    scripted = iter([9.0, 6.0, 4.0, 10.0, 20.0, 5.0, 7.5, 2.5])

    def fake_cpu_ms(run, seconds, repeat):
        assert seconds == 4  # whole seconds of film
        run()
        return next(scripted)

    monkeypatch.setattr(bench, "_cpu_ms_per_second", fake_cpu_ms)
    figures = bench.cmd_budget(argparse.Namespace(video=str(video), target=30.0, repeat=1))
    assert next(scripted, None) is None  # every part was timed, once
    pictures = figures["pictures"]
    assert pictures["every"] == 104
    # the samples need every reference picture plus the non-reference ones shown at an instant
    assert pictures["every"] > pictures["needed"] >= pictures["reference"] > 0
    assert figures["decode_only_cpu_ms_per_second"] == {"every": 9.0, "needed": 6.0, "reference": 4.0}
    assert figures["decoder_cpu_ms_per_second"] == 10.0
    assert figures["conversions_audio_cpu_ms_per_second"] == 4.0  # 10 - 6
    assert set(figures["extractor_cpu_ms_per_second"]) == {"audio", "scene", "expression", "motion"}
    assert sorted(figures["extractor_cpu_ms_per_second"].values()) == [2.5, 5.0, 7.5, 20.0]
    assert figures["total_cpu_ms_per_second"] == 45.0  # 10 + 20 + 5 + 7.5 + 2.5
    assert figures["two_core_budget_ms_per_second"] == pytest.approx(66.667, abs=1e-3)  # 2000 ms / 30
    out = capsys.readouterr().out
    assert "sum: 45.0 ms; two cores at 30x real time give 66.7 ms: fits" in out

    # at 60x real time two cores give 33.3 ms per second of film: 45 ms does not fit
    scripted = iter([9.0, 6.0, 4.0, 10.0, 20.0, 5.0, 7.5, 2.5])
    figures = bench.cmd_budget(argparse.Namespace(video=str(video), target=60.0, repeat=1))
    assert figures["two_core_budget_ms_per_second"] == pytest.approx(33.333, abs=1e-3)
    assert "sum: 45.0 ms; two cores at 60x real time give 33.3 ms: does not fit" in capsys.readouterr().out
