#!/usr/bin/env bash
# The linter and the type checker configured in pyproject.toml, in the test environment; then
# ESLint (pinned in package.json, installed from package-lock.json into node_modules/) on the pages'
# scripts, src/videoaffect/reports/assets/*.js, with the rules of eslint.config.js.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh .venv-test "test"
.venv-test/bin/ruff check src tests benchmarks
.venv-test/bin/mypy

# Without npm the scripts cannot be linted: in CI (CI set and not empty, as CI services set it and
# tests/conftest.py reads it) that is an error; a local run skips ESLint with a message, so that
# the Python checks stay usable on a machine without Node.js.
if ! command -v npm >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then
    echo "lint.sh: npm not found, the pages' scripts cannot be linted with ESLint;" \
         "install Node.js (18.18 or newer) with npm, e.g. apt-get install nodejs npm" >&2
    exit 1
  fi
  echo "lint.sh: npm not found, ESLint skipped (the pages' scripts are not linted;" \
       "install Node.js 18.18 or newer with npm to run it; with CI set this is an error)" >&2
  exit 0
fi
# npm ci installs exactly package-lock.json's versions; it runs again only when the lock file is
# newer than the last install (npm writes node_modules/.package-lock.json at each install).
if [ ! -x node_modules/.bin/eslint ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/eslint src/videoaffect/reports/assets eslint.config.js
