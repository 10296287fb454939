"""`videoaffect extract` SIGKILLed at chosen moments and rerun: the store ends up exactly as one
uninterrupted run leaves it, with nothing half-written or temporary left, and movies finished
before a kill are not extracted again.

Real processes, the real default feature set (packaged weights), small generated videos.  Kill
moments come from a seeded generator, anchored to events seen in the store (a movie's temporary
file appearing) and scaled by how long the uninterrupted run took for that movie, so "half-way
through a movie" stays half-way on a slower or faster machine.

Features are compared for exact equality, no tolerance: a resumed movie is extracted from its
first second again (nothing of a killed run's file is reused), by the same deterministic
decoder and CPU extractors, so any difference from the uninterrupted run is a bug, not noise.
Serial and worker-process runs were measured bit-identical here too (worker processes use
fewer torch threads); should a machine ever break that, it shows up in step 2 below."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_extract_lock import cli_env, extract_command, temporary_files

from helpers import wait_for
from videoaffect.core.locks import LOCK_NAME
from videoaffect.datasets.synthetic.videos import write_movie
from videoaffect.features.store import FeatureStore

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL, process groups and /proc")]

SET = "default"
SECONDS = {"m0": 6, "m1": 9, "m2": 13, "m3": 18}
SEED = 1729


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    d = tmp_path_factory.mktemp("kill-media")
    rng = np.random.default_rng(SEED)
    for i, (movie, n) in enumerate(SECONDS.items()):
        write_movie(d / f"{movie}.mp4", np.tanh(rng.standard_normal(n)), np.tanh(rng.standard_normal(n)), seed=i)
    return d


@pytest.fixture(scope="module")
def reference(videos, tmp_path_factory, packaged_weights):
    """Store A, extracted in one uninterrupted run; how long each movie and the whole run took."""
    store = tmp_path_factory.mktemp("reference") / "A"
    t0 = time.monotonic()
    run = subprocess.run(extract_command([videos], SET, store), env=cli_env(), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    took = {m: float(s) for m, s in re.findall(r"^done +(\S+): \d+ s of video in ([\d.]+) s", run.stdout, re.M)}
    assert sorted(took) == sorted(SECONDS), run.stdout
    assert listing(store) == expected_listing()
    return store, took, time.monotonic() - t0


def expected_listing() -> list[str]:
    return sorted(["store.json", SET] + [f"{SET}/{m}.h5" for m in SECONDS])


def listing(store: Path) -> list[str]:
    return sorted(p.relative_to(store).as_posix() for p in store.rglob("*"))


def start(videos: Path, store: Path, *extra: str) -> subprocess.Popen:
    # A session of its own: its process group is the job and nothing else, to kill or inspect.
    return subprocess.Popen(extract_command([videos], SET, store, *extra), env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def live_members(pgid: int) -> list[int]:
    """Processes of a group that still run (zombies waiting for a parent to reap them do not)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _ppid, pgrp = text[text.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            pids.append(int(stat.parent.name))
    return pids


def wait_group_gone(pgid: int, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while live_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return live_members(pgid)


def cleanup(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=60)


def writing(store: Path) -> list[str]:
    """Movies whose temporary file is in the store now."""
    return [re.sub(r"^\.(.*)\.h5\..*\.tmp$", r"\1", p.name) for p in temporary_files(store)]


def finished(store: Path) -> dict[str, tuple[int, int]]:
    """Finished movies and the identity of their files (inode, mtime): rewriting changes it."""
    return {p.stem: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (store / SET).glob("*.h5")}


def assert_same_as_reference(reference_store: Path, store: Path, movies) -> None:
    if not movies:
        return
    a_store, b_store = FeatureStore(reference_store, create=False), FeatureStore(store, create=False)
    for movie in movies:
        a, b = a_store.read(SET, movie), b_store.read(SET, movie)
        assert b.seconds == a.seconds == SECONDS[movie]
        assert b.provenance == a.provenance and b.source["sha256"] == a.source["sha256"]
        assert list(b.features) == list(a.features)
        for name in a.features:
            np.testing.assert_array_equal(b.features[name], a.features[name], err_msg=f"{movie}/{name}")
            np.testing.assert_array_equal(b.present[name], a.present[name], err_msg=f"{movie}/{name}")


def test_killed_runs_resume_to_the_uninterrupted_result(videos, reference, tmp_path):
    reference_store, took, wall = reference
    rng = np.random.default_rng(SEED)
    store = tmp_path / "B"
    kept: dict[str, tuple[int, int]] = {}  # finished before some kill: must never be rewritten
    killed = 0

    def after(proc):
        nonlocal killed
        proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), proc.returncode
        killed += proc.returncode == -signal.SIGKILL
        done = finished(store)
        assert {m: done[m] for m in kept} == kept
        # whatever a kill leaves, a movie that looks finished is complete and correct
        assert_same_as_reference(reference_store, store, done)
        if (store / "store.json").exists():
            assert FeatureStore(store, create=False).movies(SET) == sorted(done)
        kept.update(done)

    # 1. half-way through a movie, after the run has finished another one
    proc = start(videos, store)
    try:
        wait_for(lambda: finished(store) and set(writing(store)) - set(finished(store)), proc,
                 "one movie finished and the next one being written")
        movie = writing(store)[0]
        time.sleep(rng.uniform(0.1, 0.5) * took[movie])
        proc.kill()
        assert movie in writing(store), "the movie was finished before the kill: no half-written file tested"
        after(proc)
        assert (store / LOCK_NAME).exists()
    finally:
        cleanup(proc)

    # 2. two worker processes, each half-way through a movie: the whole process group is killed
    proc = start(videos, store, "--workers", "2")
    try:
        wait_for(lambda: len(set(writing(store)) - set(finished(store))) == 2, proc, "both workers writing")
        time.sleep(rng.uniform(0.1, 0.4) * min(took[m] for m in writing(store)))
        os.killpg(proc.pid, signal.SIGKILL)
        assert writing(store), "both movies were finished before the kill: no half-written file tested"
        assert wait_group_gone(proc.pid, 10) == []
        after(proc)
    finally:
        cleanup(proc)

    # 3. at random instants of a whole run: start-up, taking over the lock, removing the
    # temporary files, writing, between movies; a run that finishes first is simply not killed
    for _ in range(2):
        proc = start(videos, store)
        try:
            try:
                proc.wait(timeout=rng.uniform(0.2, 1.0) * wall)
            except subprocess.TimeoutExpired:
                proc.kill()
            after(proc)
        finally:
            cleanup(proc)
    assert killed >= 3

    final = subprocess.run(extract_command([videos], SET, store), env=cli_env(), capture_output=True, text=True,
                           timeout=300)
    assert final.returncode == 0, final.stderr
    assert sorted(re.findall(r"^skipped +(\S+):", final.stdout, re.M)) == sorted(kept), final.stdout
    assert sorted(re.findall(r"^done +(\S+):", final.stdout, re.M)) == sorted(set(SECONDS) - set(kept))
    assert {m: finished(store)[m] for m in kept} == kept
    assert listing(store) == expected_listing()
    assert_same_as_reference(reference_store, store, SECONDS)


def test_workers_of_a_killed_job_stop_instead_of_writing_on(videos, reference, tmp_path):
    """Only the job's own process is killed (as a user's `kill -9 PID` does): its worker processes
    must not go on writing into a store that the next job now owns, nor linger for ever."""
    reference_store, _took, _wall = reference
    store = tmp_path / "C"
    proc = start(videos, store, "--workers", "2")
    try:
        wait_for(lambda: len(writing(store)) == 2, proc, "both workers writing")
        proc.kill()
        proc.wait(timeout=60)  # not communicate(): surviving workers hold its output pipes open
        assert wait_group_gone(proc.pid, 15) == [], "worker processes outlived the job"
    finally:
        cleanup(proc)
    final = subprocess.run(extract_command([videos], SET, store), env=cli_env(), capture_output=True, text=True,
                           timeout=300)
    assert final.returncode == 0, final.stderr
    assert listing(store) == expected_listing()
    assert_same_as_reference(reference_store, store, SECONDS)
