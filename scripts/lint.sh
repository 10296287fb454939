#!/usr/bin/env bash
# The linter and the type checker configured in pyproject.toml, in the test environment.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh .venv-test "test"
.venv-test/bin/ruff check src tests
.venv-test/bin/mypy
