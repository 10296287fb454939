# Sourced by the scripts: create (once) and activate a virtual environment, install the project.
# usage: . scripts/_venv.sh VENV_DIR EXTRAS
set -euo pipefail
venv_dir="$1"; extras="${2:-}"
python_bin="${PYTHON:-python3}"
if [ ! -x "$venv_dir/bin/python" ]; then
  "$python_bin" -m venv "$venv_dir"
  "$venv_dir/bin/python" -m pip install -q --upgrade pip
fi
# torch is pinned to the CPU wheel (2.13.0) in pyproject.toml; pip skips what is already there.
# --no-compile: Python compiles a module when it is first imported, so only what is used is
# compiled; pip's byte-compiling of every installed file (torch's thousands) took 81 s -> 39 s
# for a new test environment on the 2-core machine (2026-12-07).
if [ -n "$extras" ]; then
  "$venv_dir/bin/python" -m pip install -q --no-compile -e ".[$extras]"
else
  "$venv_dir/bin/python" -m pip install -q --no-compile -e .
fi
