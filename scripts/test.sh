#!/usr/bin/env bash
# Set up (if needed) and run the test suite. Extra arguments go to pytest, e.g. -m "not slow".
# The test files are shared out over one worker per CPU core (pytest-xdist; one file's tests stay
# on one worker, so the workflow run that several tests read is made once); -n 0 runs them in this process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MPLBACKEND=Agg XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache}"
exec .venv/bin/python -m pytest -n auto --dist loadfile "$@"
