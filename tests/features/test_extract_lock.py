"""One writer per feature store: a second extraction into a store that a live job is writing is
refused, naming the store and the owner; the lock of a killed job is taken over.

The first job runs in a real process, on a feature set whose extractor waits for a gate file,
so the test decides when it may finish instead of racing a clock."""

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_extractors import MeanColour
from helpers import wait_for
from videoaffect.core.errors import BusyError
from videoaffect.core.locks import LOCK_NAME
from videoaffect.decoding.synthetic_media import make_video
from videoaffect.features.extract import collect_inputs, run_extraction
from videoaffect.features.store import FeatureStore

TESTS = Path(__file__).resolve().parent
GATED = "test_extract_lock:gated_set"
GATE_ENV = "VIDEOAFFECT_TEST_GATE"


class GatedColour(MeanColour):
    """Mean colour, but each batch first waits (at most a minute) for the gate file to exist."""

    def extract(self, samples):
        gate = Path(os.environ[GATE_ENV])
        deadline = time.monotonic() + 60
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return super().extract(samples)


def gated_set(device: str = "cpu"):
    return [GatedColour()]


def set_option() -> str:
    """The extract command's feature-set option: ``--set`` today, perhaps ``--feature-set``."""
    from videoaffect.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["extract", "--help"])
    return "--feature-set" if "--feature-set" in out.getvalue() else "--set"


def cli_env(**extra: str) -> dict:
    """Environment of a ``python -m videoaffect`` child: tests/ importable for the fake sets."""
    env = dict(os.environ)
    # this folder (the gated feature set) and tests/ (fake_extractors)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(TESTS.parent)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(extra)
    return env


def extract_command(inputs, feature_set: str, store: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "videoaffect", "-q", "extract", *map(str, inputs), set_option(), feature_set,
            "--out", str(store), "--no-progress", *extra]


def temporary_files(store: Path) -> list[Path]:
    """The half-written movie feature files (inside a set's folder).

    ``store.json``'s own atomic-write temporary at the store's top level is left out: it lives
    for a moment while the job starts, and waiting on it raced the movie file (a CI failure)."""
    return sorted(p for p in store.rglob("*") if p.name.endswith(".tmp") and p.parent != store)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("lock-media") / "long.mp4", 12, fps=5, audio=False)


def test_second_job_on_a_busy_store_is_refused_with_store_and_owner(video, tmp_path):
    store, gate = tmp_path / "store", tmp_path / "gate"
    # --workers 2: the lock must name the job's own process, not one of its workers
    first = subprocess.Popen(extract_command([video], GATED, store, "--workers", "2"), env=cli_env(**{GATE_ENV: str(gate)}),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = store / LOCK_NAME
        wait_for(lambda: lock.exists() and temporary_files(store), first, "the first job holds the lock and writes")
        assert json.loads(lock.read_text())["pid"] == first.pid
        half_written = temporary_files(store)

        with pytest.raises(BusyError) as refused:
            run_extraction(collect_inputs([video]), GATED, store, progress=False)
        assert str(store) in str(refused.value) and f"pid {first.pid}" in str(refused.value)

        second = subprocess.run(extract_command([video], GATED, store), env=cli_env(**{GATE_ENV: str(gate)}),
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert str(store) in second.stderr and f"pid {first.pid}" in second.stderr, second.stderr
        # the refused jobs must not have cleaned up (deleted) the live job's file
        assert temporary_files(store) == half_written
    finally:
        gate.touch()
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "1 extracted" in out
    assert sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()) == \
        ["store.json", f"{GATED}/long.h5"]
    assert FeatureStore(store).read(GATED, "long").seconds == 12


def test_lock_of_a_killed_job_is_taken_over_and_its_temporary_file_removed(video, tmp_path, monkeypatch, caplog):
    store, gate = tmp_path / "store", tmp_path / "gate"
    first = subprocess.Popen(extract_command([video], GATED, store), env=cli_env(**{GATE_ENV: str(gate)}),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = store / LOCK_NAME
    wait_for(lambda: lock.exists() and temporary_files(store), first, "the job holds the lock and writes")
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=60)  # reaped: a zombie would still look alive
    assert json.loads(lock.read_text())["pid"] == first.pid
    assert len(temporary_files(store)) == 1

    gate.touch()
    monkeypatch.setenv(GATE_ENV, str(gate))
    with caplog.at_level("WARNING", logger="videoaffect.features.extract"):
        results = run_extraction(collect_inputs([video]), GATED, store, progress=False)
    assert [r.status for r in results] == ["done"], results
    assert f"pid {first.pid}" in caplog.text
    assert sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()) == \
        ["store.json", f"{GATED}/long.h5"]
