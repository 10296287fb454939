"""`videoaffect reproduce` killed (SIGKILL) at random moments and rerun until it completes ends
with exactly the numbers of an uninterrupted run, no temporary file, and no finished run redone.

Real processes: the command as a user runs it, so the lock of a killed process, atomic writes
and the resume are all exercised as they happen in practice.  On CPU the same seed gives the
same numbers in any process, so the comparison is exact."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# Table 1 of the tiny synthetic corpus: 6 trainings (3 modalities x 2 tasks), one run file each.
ARGS = ["reproduce", "--synthetic", "tiny", "--fast", "--tables", "1", "--seeds", "0", "--no-figures",
        "--no-progress", "--threads", "1", "--train-option", "max_epochs=1", "--model-option", "hidden_size=4"]
N_RUNS = 6
# Values that differ between two identical runs: when and how long.
VOLATILE = ("finished_at", "train_wall_s", "eval_wall_s")
TIMEOUT_S = 120


def _start(out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "videoaffect", *ARGS, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> str:
    stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == 0, stderr[-3000:]
    return stdout


def _run_files(out: Path) -> dict[str, tuple[bytes, int]]:
    runs = out / "runs"
    if not runs.is_dir():
        return {}
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in runs.glob("*.json")}


def _wait(proc: subprocess.Popen, until, limit: float = TIMEOUT_S) -> bool:
    """Poll until ``until()`` holds (True) or the process exits (False)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if until():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    raise AssertionError("reproduce made no progress")


def _kill(proc: subprocess.Popen) -> bool:
    """SIGKILL unless it already ended; reaped either way (a zombie would still hold its lock)."""
    killed = proc.poll() is None
    if killed:
        proc.kill()
    proc.communicate(timeout=TIMEOUT_S)
    return killed


def _comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in VOLATILE}


def test_sigkill_at_random_moments_then_resume_gives_the_uninterrupted_result(tmp_path):
    reference = tmp_path / "reference"
    _finish(_start(reference))
    ref_runs = {p.name: json.loads(p.read_text()) for p in (reference / "runs").glob("*.json")}
    assert len(ref_runs) == N_RUNS

    out = tmp_path / "out"
    rng = random.Random(20240611)
    kept: dict[str, tuple[bytes, int]] = {}  # run files that existed at some kill
    kills = 0

    # 1: right after a run file appears (mid-way through the next training).
    proc = _start(out)
    assert _wait(proc, lambda: len(_run_files(out)) >= 1)
    time.sleep(rng.uniform(0.0, 0.3))
    kills += _kill(proc)
    kept.update(_run_files(out))

    # 2: once the resumed command has finished one more run.
    before = len(_run_files(out))
    proc = _start(out)
    if _wait(proc, lambda: len(_run_files(out)) > before):
        time.sleep(rng.uniform(0.0, 0.05))
    kills += _kill(proc)
    kept.update(_run_files(out))

    # 3: at a random time from its start (before the lock, in a training or while writing), but
    # before a second new run is written: on a fast machine the whole rest takes about 2 s, and
    # the resume below must still have work left.
    before = len(_run_files(out))
    deadline = time.monotonic() + rng.uniform(0.2, 2.5)
    proc = _start(out)
    _wait(proc, lambda: time.monotonic() > deadline or len(_run_files(out)) > before)
    kills += _kill(proc)
    kept.update(_run_files(out))
    assert kills >= 2 and 0 < len(kept) < N_RUNS, (kills, sorted(kept))

    finished_before = len(_run_files(out))
    stdout = _finish(_start(out))
    assert re.search(rf"\b{finished_before} runs resumed", stdout), stdout

    # Runs finished before a kill were loaded, never rewritten.
    final = _run_files(out)
    assert {name: final[name] for name in kept} == kept
    # The same numbers as the uninterrupted run.
    runs = {name: json.loads(data) for name, (data, _) in final.items()}
    assert sorted(runs) == sorted(ref_runs)
    for name, record in runs.items():
        assert _comparable(record) == _comparable(ref_runs[name]), name
    for name in ("table1.json", "table1.md"):
        assert (out / name).read_text() == (reference / name).read_text(), name
    # Nothing half-written or temporary is left, the lock included.
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") or ".tmp" in p.name]
    assert leftovers == []
