"""The README's first screen runs as written on a fresh copy of the repository.

Every line of the ```bash blocks above ``<!-- end of the first screen -->`` is run, in order, in
one bash session, in a copy of the files a clone holds (git's tracked and unignored files of this
working tree), with no videoaffect command on PATH until the README's ``source .venv/bin/activate``.
A line that needs data the repository cannot hold must say ``needs:`` in its comment and is not
run (the first screen has none today).

Two stand-ins, each for something the user brings:

* ``my-film.mp4``, the user's video, is the real clip ``../shared/media/bigbuckbunny.mp4``;
* the Python environment: ``.venv`` is created here empty, its site-packages pointing at this test
  environment's, so ``scripts/run-demo.sh`` finds torch and the rest installed instead of
  downloading them.  The script still runs its own ``pip install -e .`` of the copy, and the
  commands after it import the copy's code (checked below), not this checkout's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO.parent / "shared" / "media" / "bigbuckbunny.mp4"
MARKER = "<!-- end of the first screen -->"


def first_screen_commands(readme: str) -> list[str]:
    assert MARKER in readme, "README.md lost its first-screen marker"
    screen = readme.split(MARKER)[0]
    # a newcomer reads the first screen without scrolling far: keep it short
    assert len(screen.splitlines()) <= 60, len(screen.splitlines())
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", screen, re.S):
        lines += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return lines


def test_first_screen_commands_are_found():
    commands = first_screen_commands((REPO / "README.md").read_text())
    assert commands[0].startswith("bash scripts/run-demo.sh")
    assert any(c.startswith("source .venv/bin/activate") for c in commands)
    assert any(c.startswith("videoaffect predict my-film.mp4") for c in commands)


def _fresh_copy(dest: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not in a clone of it
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _thin_venv(copy: Path) -> None:
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(copy / ".venv")], check=True)
    site = Path(subprocess.run([str(copy / ".venv" / "bin" / "python"), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    # a plain path line: this environment's packages become importable, but its own .pth files
    # (the editable install of this checkout among them) are not processed
    (site / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


@pytest.mark.heavy  # about 90 s: a fresh copy installs itself and runs the demo
@pytest.mark.skipif(not CLIP.is_file(), reason=f"needs the real clip {CLIP} (../shared)")
@pytest.mark.skipif(not (REPO / ".git").exists() or shutil.which("git") is None,
                    reason="copies the files of a git checkout")
def test_readme_first_screen_runs_as_written_on_a_fresh_copy(tmp_path):
    copy = tmp_path / "videoaffect"
    _fresh_copy(copy)
    commands = first_screen_commands((copy / "README.md").read_text())
    needing_data = [c for c in commands if "needs:" in c]
    to_run = [c for c in commands if c not in needing_data]
    _thin_venv(copy)
    shutil.copy2(CLIP, copy / "my-film.mp4")
    # PATH without any virtual environment's bin folder: `videoaffect` is found only once activated
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not (Path(p) / "activate").exists()]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(path)
    script = "set -euo pipefail\n" + "\n".join(f"echo '+ {c}'\n{c}" for c in to_run) + "\n" \
        + "python -c 'import videoaffect; print(\"imported from\", videoaffect.__file__)'\n"
    done = subprocess.run(["bash", "-c", script], cwd=copy, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert f"imported from {copy / 'src' / 'videoaffect' / '__init__.py'}" in out

    # the demo ends with its model and the next command, and the README's command uses that model
    readme_model = re.search(r"--model (\S+)", next(c for c in to_run if c.startswith("videoaffect predict")))[1]
    demo_out = out.split("+ source .venv/bin/activate")[0]
    assert readme_model in demo_out and "videoaffect predict" in demo_out
    # what the first screen says predict writes, readable as it says
    curves = copy / "curves"
    for suffix in (".csv", ".json", ".png", ".html", ".viewer.html"):
        assert (curves / f"my-film{suffix}").is_file(), suffix
    frame = pd.read_csv(curves / "my-film.csv")
    assert {"time_s", "valence", "arousal", "valence_low", "valence_high", "arousal_low", "arousal_high"} \
        <= set(frame.columns)
    assert len(frame) == 5 and any(c.startswith("valence_contrib_") for c in frame.columns)
    assert len(pd.read_csv(curves / "summary.csv")) == 1
    doc = json.loads((curves / "my-film.json").read_text())
    assert "generated" in doc["warning"]  # the demo's model says what it learnt from
