"""Helpers shared by the benchmark scripts: machine description and JSON output."""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
#: the real data sets: ../shared/data beside the checkout, or the folder SEQGEN_SHARED_DATA names
SHARED_DATA = Path(os.environ.get("SEQGEN_SHARED_DATA")
                   or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def machine() -> dict:
    """What the numbers were measured on."""
    info = {"date": datetime.date.today().isoformat(), "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()}
    try:
        import torch

        info["torch"] = torch.__version__
        if torch.cuda.is_available():  # every GPU (the one a run used is in its own "device")
            info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except ImportError:
        pass
    return info


def add_training_options(parser, name: str, what: str) -> None:
    """The options of a benchmark that trains models for minutes: ``--max-time`` (minutes of training per
    ``what``), ``--device``, ``--seed``, ``--threads`` (torch's, default 2) and ``--name`` (``results/NAME.json``,
    default ``name``)."""
    parser.add_argument("--max-time", type=float, default=2.0, help=f"minutes of training per {what}")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--name", default=name, help="results/NAME.json")


def write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a run killed part way leaves the previous file whole)."""
    from seqgen.atomic import atomic_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
    return path


def write_json(name: str, payload: dict) -> Path:
    """Write ``payload`` with the machine description to ``benchmarks/results/NAME.json`` (atomically)."""
    return write_text(RESULTS / f"{name}.json", json.dumps({"machine": machine(), **payload}, indent=2) + "\n")


@contextlib.contextmanager
def locked(name: str):
    """Hold ``benchmarks/results/NAME.lock`` (an exclusive ``flock``) inside the block: runs side by side that
    read, update and write one results file take turns."""
    import fcntl

    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
