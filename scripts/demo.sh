#!/usr/bin/env bash
# Set up (if needed) and run the demo on data simulated from a real JASPAR motif; no downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MPLBACKEND=Agg XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache}"
export PATH="$PWD/.venv/bin:$PATH"
out=results/demo
mkdir -p "$out"
seqgen simulate --motif MA0472.2 --n 5000 --length 35 --seed 0 --out "$out/probes.tsv"
seqgen encode "$out/probes.tsv" --alphabet dna --label-column signal --out "$out/data.npz"
echo "demo: done; outputs in $out/" >&2
