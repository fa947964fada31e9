#!/usr/bin/env bash
# Set up (if needed) and run the test suite. Extra arguments go to pytest, e.g. -m "not slow".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MPLBACKEND=Agg XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache}"
exec .venv/bin/python -m pytest "$@"
