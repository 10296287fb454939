#!/usr/bin/env bash
# The test suite, in its own virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh .venv-test "test"
exec .venv-test/bin/python -m pytest "$@"
