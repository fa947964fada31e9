#!/usr/bin/env bash
# Set up (if needed) and run the whole workflow on the default demo: a PBM-like data set simulated
# from a real JASPAR motif (EGR2), no downloads. Extra arguments go to snakemake (e.g. --cores 8).
# The report: results/demo/report.html
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MPLBACKEND=Agg XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache}"
export PATH="$PWD/.venv/bin:$PATH"
snakemake --cores "${SEQGEN_CORES:-all}" "$@"
echo "demo: done; open results/demo/report.html" >&2
