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
# The install is editable, so only a changed pyproject.toml needs pip again: its sha256 is kept in
# the environment, and a call with the same file and extras skips pip (about 5 s each).
stamp="$venv_dir/.installed-${extras:-none}"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  if [ -n "$extras" ]; then
    "$venv_dir/bin/python" -m pip install -q -e ".[$extras]"
  else
    "$venv_dir/bin/python" -m pip install -q -e .
  fi
  echo "$wanted" > "$stamp"
fi
