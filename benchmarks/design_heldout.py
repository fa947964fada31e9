"""Does a held-out ensemble member, or the members' spread, see a design over-fitting its predictor?

A design method optimizes the mean of members 1..K-1 of each ``design.py --models DIR`` predictor; every 10
calls (and every call of the first 20) the chains' best sequences are scored by those members, by member 0
(never optimized), by the oracle, and counted as hits. Prints a table per TF and seed and writes
``results/design_heldout.json`` (run 7 of RESULTS.md):

    python benchmarks/design_heldout.py --models /tmp/design-models --runs EGR2:0 EGR2:1 CRX:0
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import design as bench  # noqa: E402
from common import SHARED_DATA, write_json  # noqa: E402

from seqgen.data import one_hot  # noqa: E402
from seqgen.design.objectives import Objective, ObjectiveSet  # noqa: E402
from seqgen.design.run import design  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.oracles import KmerOracle, tfbind8_path  # noqa: E402
from seqgen.predict import load_predictor  # noqa: E402

COLUMNS = ("calls", "optimized", "held_out", "optimized_std", "oracle_mean", "hits")


def trace(tf: str, seed: int, models: Path, method: str, n: int, device) -> list[tuple]:
    """Rows ``COLUMNS`` along one design run that optimizes members 1.. of predictor ``TF_SEED``."""
    oracle = KmerOracle.from_file(tfbind8_path(SHARED_DATA / "tfbind8", tf))
    _, best_random, _ = bench.make_training_set(oracle, 20000, seed=0)
    predictor = load_predictor(models / f"{tf}_{seed}", device)

    def optimized_members(x):  # x: (N, A, L) -> mean and std (N,) over members 1..K-1
        out = predictor.outputs(x)[:, 1:]
        return out.mean(1), out.std(1)

    rows, constraints = [], bench.method_constraints(method)  # the method's own constraints, as design.py

    def record(step, calls, codes):  # codes: (N, L) the chains' best sequences
        if calls % 10 and calls > 20:
            return
        with torch.no_grad():
            out = predictor.outputs(one_hot(torch.as_tensor(codes, device=device), 4).float())
        occ = oracle.occupancy(codes)
        hits = bench.hit_mask(oracle, codes, best_random, constraints)
        rows.append((calls, float(out[:, 1:].mean()), float(out[:, 0].mean()), float(out[:, 1:].std(1).mean()),
                     float(occ.mean()), float(hits.mean())))

    settings = bench.method_settings(method, n, seed, 2000)
    design(ObjectiveSet([Objective(tf, optimized_members)]), constraints, settings, device, callback=record)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", required=True, help="design.py --models folder (TF_SEED predictors)")
    parser.add_argument("--runs", nargs="+", default=["EGR2:0", "EGR2:1", "CRX:0"], metavar="TF:SEED")
    parser.add_argument("--method", default="fsp-guided-2")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--device", default="auto",
                        help="auto (CUDA, then MPS, then the CPU), cpu, cuda, cuda:1...: where the predictors design")
    args = parser.parse_args()
    if not (SHARED_DATA / "tfbind8").is_dir():
        print("skipped: ../shared/data/tfbind8 is absent")
        return
    device = select_device(args.device)
    results = {"method": args.method, "n": args.n, "device": str(device), "columns": COLUMNS, "runs": {}}
    for run in args.runs:
        tf, seed = run.split(":")
        rows = trace(tf, int(seed), Path(args.models), args.method, args.n, device)
        results["runs"][run] = rows
        print(run, "  ".join(COLUMNS))
        for row in rows:
            print(f"  {row[0]:5d}" + "".join(f"  {v:.3f}" for v in row[1:]))
    write_json("design_heldout", results)


if __name__ == "__main__":
    main()
