"""Training throughput of the generators: sequences per second through the engine's train step.

Cases: the WGAN-GP in the Killoran configuration (C = 100, 5 residual blocks,
5 critic steps per generator step) and the default Conv VAE, at L = 36 (DNA),
batch sizes 64 and 1024, on the CPU and, when one is present, on CUDA (bf16
autocast and fused Adam, with and without ``torch.compile``). "Sequences" are
real sequences consumed: ``batch x critic_steps`` per GAN step, ``batch`` per
VAE step. FLOPs per step are counted with ``torch.utils.flop_counter`` (forward,
backward and the penalty's double backward); the share of peak divides the
achieved FLOP rate by the device's measured matrix rate (bf16 on CUDA, fp32 on
the CPU). Writes ``results/train_throughput.json``.

Usage: ``flock /tmp/seqgen-bench.lock python benchmarks/train_throughput.py [--cpu-only]``
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # no spinning threads on a shared machine (4x faster here)
import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_json  # noqa: E402

from seqgen.data import SequenceSet  # noqa: E402
from seqgen.tasks import build_task, merge_config  # noqa: E402
from seqgen.training import Context  # noqa: E402

LENGTH = 36


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_rate(device, seconds=2.0) -> float:
    """Measured dense matrix-multiply rate in FLOP/s (bf16 on CUDA, fp32 on the CPU)."""
    n = 8192 if device.type == "cuda" else 1024
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    sync(device)
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
        sync(device)
    return 2 * n ** 3 * reps / (time.perf_counter() - t0)


def make(kind, batch, device, compile_):
    codes = np.random.default_rng(0).integers(0, 4, (20000, LENGTH)).astype(np.uint8)
    data = SequenceSet(codes, "dna", np.arange(len(codes)).astype(str))
    config, settings = merge_config(kind, {"batch_size": batch, "compile": compile_, "progress": False})
    task, _ = build_task(kind, config, settings, data, device)
    generator = torch.Generator(device=device)
    generator.manual_seed(0)
    ctx = Context(device, settings, generator)
    task.prepare(ctx)
    return task, ctx, settings


def step_flops(kind, batch, device) -> int:
    """FLOPs of one train step, counted on an uncompiled model (under a dispatch mode such as the counter,
    Dynamo skips the frame and never compiles it afterwards, so a compiled model's first step must run outside)."""
    task, ctx, _ = make(kind, batch, device, False)
    with FlopCounterMode(display=False) as counter:
        task.train_step(1, ctx)
    return counter.get_total_flops()


def measure(kind, batch, device, compile_=False, min_seconds=5.0, max_steps=50) -> dict:
    flops = step_flops(kind, batch, device)
    task, ctx, settings = make(kind, batch, device, compile_)
    for step in range(1, 4 if device.type == "cuda" else 2):  # warm-up (and compilation)
        task.train_step(step, ctx)
    sync(device)
    steps, t0 = 0, time.perf_counter()
    while steps < max_steps and (steps == 0 or time.perf_counter() - t0 < min_seconds):
        task.train_step(10 + steps, ctx)
        steps += 1
    sync(device)
    seconds = time.perf_counter() - t0
    rate = steps / seconds
    return {"model": kind, "batch": batch, "device": device.type, "compile": compile_, "steps_timed": steps,
            "steps_per_s": rate, "seqs_per_s": rate * task.sequences_per_step(settings),
            "flops_per_step": flops, "flop_rate": flops * rate}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-only", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")]
    if torch.cuda.is_available() and not args.cpu_only:
        devices.append(torch.device("cuda"))
    rows, peaks = [], {}
    for device in devices:
        peaks[device.type] = matmul_rate(device)
        compiles = (False, True) if device.type == "cuda" else (False,)
        batches = (64, 1024, 4096) if device.type == "cuda" else (64, 1024)
        for kind in ("gan", "vae"):
            for batch in batches:
                for compile_ in compiles:
                    row = measure(kind, batch, device, compile_, max_steps=50 if device.type == "cuda" else 3)
                    row["share_of_peak"] = row["flop_rate"] / peaks[device.type]
                    rows.append(row)
                    print({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
    print(f"-> {write_json('train_throughput', {'length': LENGTH, 'peak_flop_rate': peaks, 'rows': rows})}")


if __name__ == "__main__":
    main()
