"""In-silico mutagenesis of a seqgen predictor: the local computation against scoring every mutant whole.

``seqgen motifs --predictor`` (and the workflow's ``motifs_data`` on a labelled data set) scores every single-letter
change of the top sequences. Two forms, interleaved in one run on the same random predictor and sequences:

- ``local``: as shipped, :meth:`seqgen.predict.LoadedPredictor.substituted_score`: the convolutions run only on a
  crop around each changed position, pooled with the original sequence's values elsewhere;
- ``whole``: each mutant scored by the whole network (``score``), as before session 33.

Both must give the same deltas (the largest absolute difference is recorded and asserted below 1e-4). Time is the
best of ``--repeats`` runs; threads as ``--threads``. Predictors are the workflow's default shape (2 convolution
layers: 64 filters of width 9, then width 5 with dilation 2; ``padding: full``; hidden 32) with random weights,
which cost the same as trained ones.

Usage: python benchmarks/ism.py [--shapes 35x400x3,251x60x2] [--repeats 2]  ->  results/ism.json
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_json  # noqa: E402

from seqgen.interpret import in_silico_mutagenesis  # noqa: E402
from seqgen.models.predictor import Predictor  # noqa: E402

SHAPE = dict(filters=64, kernel=9, layers=2, kernel2=5, dilation=2, hidden=32, padding="full")


def measure(length: int, n: int, members: int, repeats: int, seed: int = 0) -> dict:
    """Seconds of both forms on ``n`` random sequences of ``length`` nt, ``members`` ensemble members."""
    torch.manual_seed(seed)
    model = Predictor(4, length, members=members, **SHAPE).eval().requires_grad_(False)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (n, length)), 4).float().transpose(1, 2)

    def score(batch):
        return model(batch).mean(1)

    def substituted(batch, letters):
        return model.substituted_outputs(batch, letters).mean(-1)

    forms = {"local": lambda: in_silico_mutagenesis(score, x, substituted=substituted),
             "whole": lambda: in_silico_mutagenesis(score, x)}
    seconds = {name: float("inf") for name in forms}
    deltas = {}
    for _ in range(repeats):
        for name, run in forms.items():
            start = time.perf_counter()
            deltas[name] = run()
            seconds[name] = min(seconds[name], time.perf_counter() - start)
    diff = float(np.abs(deltas["local"] - deltas["whole"]).max())
    assert diff < 1e-4, f"the forms differ by {diff}"
    return {"length": length, "sequences": n, "members": members, "mutants": n * length * 3,
            "seconds": seconds, "speedup": seconds["whole"] / seconds["local"], "max_abs_difference": diff}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="35x400x3,251x60x2",
                        help="comma-separated LENGTHxSEQUENCESxMEMBERS (the demo's 400 top probes of 35 nt and a "
                             "3-member ensemble; 251-nt promoters)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--name", default="ism", help="results/NAME.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for spec in args.shapes.split(","):
        row = measure(*(int(v) for v in spec.split("x")), repeats=args.repeats)
        rows.append(row)
        print(f"{row['length']} nt x {row['sequences']} x {row['members']} members ({row['mutants']:,} mutants): "
              f"local {row['seconds']['local']:.2f} s, whole {row['seconds']['whole']:.2f} s, "
              f"{row['speedup']:.1f}x; max abs difference {row['max_abs_difference']:.1e}", flush=True)
    print(f"-> {write_json(args.name, {'shape': SHAPE, 'threads': args.threads, 'runs': rows})}")


if __name__ == "__main__":
    main()
