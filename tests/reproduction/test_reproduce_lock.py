"""One writer per reproduction directory: a live holder's lock is refused, a killed one's is
taken over, and what killed writers left behind is swept before anything is written."""

from __future__ import annotations

import json
import os
import signal

import pytest

from helpers import lock_held_by_another_process
from videoaffect.core.errors import BusyError
from videoaffect.core.locks import LOCK_NAME
from videoaffect.datasets.synthetic.features import SyntheticConfig, SyntheticModality, generate
from videoaffect.reproduction.reproduce import run_reproduction


@pytest.fixture(scope="module")
def corpus():
    mods = (SyntheticModality("audio", (4,), 1.0, 1.0), SyntheticModality("scene", (4,), 0.5, 0.5))
    return generate(SyntheticConfig(modalities=mods, n_movies=4, min_seconds=40, max_seconds=50, test_movies=1))


def _table5_only(corpus, out, **kw):
    # Table 5 without a classification config trains nothing: the lock is all there is to test.
    return run_reproduction(corpus, out, seeds=(0,), tables=("5",), figures=False, **kw)


def test_a_live_holder_makes_reproduce_fail_before_writing_anything(corpus, tmp_path):
    out = tmp_path / "out"
    with lock_held_by_another_process(out, "reproduce") as holder:
        with pytest.raises(BusyError, match=f"{out}.*pid {holder.pid}"):
            _table5_only(corpus, out)
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]
        assert json.loads((out / LOCK_NAME).read_text())["pid"] == holder.pid


def test_a_killed_holders_lock_is_taken_over_and_released(corpus, tmp_path):
    out = tmp_path / "out"
    with lock_held_by_another_process(out, "reproduce") as holder:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == holder.pid  # left behind by the kill
    said = []
    result = _table5_only(corpus, out, progress=said.append)
    assert (out / "table5.md").is_file() and out / "summary.md" in result.files
    assert any(f"pid {holder.pid}" in msg and "resuming" in msg for msg in said)
    assert not (out / LOCK_NAME).exists()


def test_temporary_files_of_killed_writers_are_swept(corpus, tmp_path):
    out = tmp_path / "out"
    left = [out / ".table5.md.k3j1.tmp", out / "runs" / ".t1-valence-audio-s0.json.a8x.tmp",
            out / "figures" / ".fig3_embedding_valence.png.tmp.png", out / "models" / "m" / ".config.json.q.tmp"]
    # Not written by the reproduction (the CLI's feature store sweeps its own): left alone.
    kept = [out / "features" / "default" / ".movie.h5.tmp", out / "notes.tmp"]
    for p in left + kept:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("half")
    _table5_only(corpus, out)
    assert [p for p in left if p.exists()] == []
    assert all(p.exists() for p in kept)
    assert os.listdir(out / "runs") == []
