#!/usr/bin/env bash
# Create .venv and install seqgen with its test tools; safe to run again (it then does nothing).
# PyTorch: kept if the environment has one; otherwise the CUDA build where an NVIDIA GPU is
# present, else the CPU build (torch==2.13.0; set SEQGEN_TORCH_INDEX_URL, e.g. to
# https://download.pytorch.org/whl/cpu, so that pip does not fetch the CUDA build on a CPU-only machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${SEQGEN_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --quiet --disable-pip-version-check)
quiet() { "$@" 2>&1 | grep -v -e "^WARNING: Location" -e "^$" >&2 || true; }
if ! "$PY" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        echo "setup: installing PyTorch with CUDA" >&2
        quiet "${PIP[@]}" torch
    else
        echo "setup: installing the CPU build of PyTorch (torch==2.13.0)" >&2
        quiet "${PIP[@]}" torch==2.13.0 ${SEQGEN_TORCH_INDEX_URL:+--index-url "$SEQGEN_TORCH_INDEX_URL"}
    fi
fi
stamp="$VENV/.seqgen-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing seqgen and its dependencies" >&2
    quiet "${PIP[@]}" -e ".[test]"
    "$PY" -c "import seqgen, torch, snakemake" || { echo "setup: installation failed" >&2; exit 1; }
    touch "$stamp"
fi
