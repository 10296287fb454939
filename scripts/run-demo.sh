#!/usr/bin/env bash
# The main job: train the paper's method and both baselines for valence and arousal on a
# synthetic corpus with known answers, evaluate on held-out movies, print the metrics table.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh .venv ""
exec .venv/bin/videoaffect demo "$@"
