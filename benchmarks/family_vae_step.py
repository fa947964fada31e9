"""Family VAE training step time: decoder sizes, the letter dictionary, and the weight KL's backward.

The family VAE's variational decoder adds a KL term over every decoder weight; on the
BLAT_ECOLX shape (A = 21, L = 253) the output weights alone are 2.7M (decoder 100-500)
to 10.6M (DeepSequence's 100-2000) numbers, so the elementwise work of the weight draw and
the KL competes with the matrix products. This script times the recipe's real train step
(``seqgen.tasks.vae``, ``arch: mlp``, encoder 1000-1000, batch 128, random sequences of that
shape) for each decoder, once with the project's closed-form KL backward
(``seqgen.models.family_vae.gaussian_kl``) and once with the same KL written in plain tensor
ops (autograd's backward), alternating in one process so that machine load hits both alike.
Writes ``results/family_vae_step.json``.

Usage: ``python benchmarks/family_vae_step.py [--threads 1] [--device cpu|cuda]``
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_json  # noqa: E402

import seqgen.models.family_vae as family_vae  # noqa: E402
from seqgen.data import SequenceSet  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.tasks import build_task, merge_config  # noqa: E402
from seqgen.training import Context  # noqa: E402

LENGTH, SEQUENCES = 253, 8355
DECODERS = {"100-500": {"decoder_hidden": [100, 500]},
            "100-500, dictionary 40": {"decoder_hidden": [100, 500], "dictionary": 40},
            "100-2000 (DeepSequence's)": {"decoder_hidden": [100, 2000]}}


def plain_kl(mu, log_sigma, prior_mu=0.0, prior_sigma=1.0):
    """The KL in tensor ops, differentiated by autograd (the baseline)."""
    return (math.log(prior_sigma) - log_sigma
            + 0.5 * ((2 * log_sigma).exp() + (mu - prior_mu).pow(2)) / prior_sigma ** 2 - 0.5).sum()


def make(decoder: dict, device):
    codes = np.random.default_rng(0).integers(0, 21, (SEQUENCES, LENGTH)).astype(np.uint8)
    data = SequenceSet(codes, "protein-gap", np.arange(len(codes)).astype(str))
    config, settings = merge_config("vae", {"arch": "mlp", "encoder_hidden": [1000, 1000], "batch_size": 128,
                                            "progress": False, **decoder})
    task, _ = build_task("vae", config, settings, data, device)
    generator = torch.Generator(device=device)
    generator.manual_seed(0)
    ctx = Context(device, settings, generator)
    task.prepare(ctx)
    return task, ctx


def time_steps(task, ctx, device, steps: int) -> list[float]:
    times = []
    for _ in range(steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        task.train_step(100, ctx)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the two KL versions")
    parser.add_argument("--steps", type=int, default=4, help="timed steps per version and round")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    closed_form = family_vae.gaussian_kl
    rows = []
    for name, decoder in DECODERS.items():
        task, ctx = make(decoder, device)
        times = {"closed_form": [], "autograd": []}
        for _ in range(args.rounds):
            for version, kl in (("closed_form", closed_form), ("autograd", plain_kl)):
                family_vae.gaussian_kl = kl
                time_steps(task, ctx, device, 1)  # warm-up after the switch
                times[version] += time_steps(task, ctx, device, args.steps)
        family_vae.gaussian_kl = closed_form
        median = {k: statistics.median(v) for k, v in times.items()}
        params = sum(p.numel() for p in task.vae.parameters())
        rows.append({"decoder": name, "parameters": params, "median_step_s": median,
                     "speedup": median["autograd"] / median["closed_form"]})
        print(f"{name:28s} {params / 1e6:5.1f}M parameters: {median['closed_form']:.3f} s/step "
              f"(autograd KL {median['autograd']:.3f} s, {rows[-1]['speedup']:.2f}x)", flush=True)
    write_json("family_vae_step", {"device": str(device), "threads": args.threads, "batch": 128,
                                   "length": LENGTH, "alphabet": 21, "rows": rows})


if __name__ == "__main__":
    main()
