"""Trials of design settings on predictors ``design.py --models DIR`` already trained (no retraining).

Each candidate ``"NAME KEY=VALUE ..."`` is a ``METHOD_SETTINGS`` entry of ``design.py`` (give
``method=...``; ``conservative=K`` makes the objective mean - K * std; ``max_homopolymer=K`` designs under
that constraint); it designs ``--n`` probes per TF
with ``--seed``'s predictors, and prints the hit fraction at each budget and the calls to 95% of its final
oracle gain, with the mean over TFs; the same figures go to ``results/design_select[-NAME].json``.
(The candidates go before ``--budgets`` or after ``--``: ``--budgets`` would take them as budgets.)

    python benchmarks/design_select.py --models /tmp/design-models --seed 0 \\
        "fsp method=fast-seqprop" "fsp-lim1 method=fast-seqprop offset_limit=1.0" --budgets 50 200
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import design as bench  # noqa: E402
from common import SHARED_DATA, write_json  # noqa: E402

from seqgen.design.objectives import Objective, ObjectiveSet  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.oracles import KmerOracle, tfbind8_path  # noqa: E402
from seqgen.predict import load_predictor  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="+")
    parser.add_argument("--models", required=True, help="design.py --models folder (TF_SEED predictors)")
    parser.add_argument("--tfs", nargs="+", default=["EGR2", "PAX3", "CRX"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--budgets", nargs="+", type=int, default=[50, 200])
    parser.add_argument("--name", help="suffix of the JSON file (results/design_select-NAME.json)")
    parser.add_argument("--device", default="auto",
                        help="auto (CUDA, then MPS, then the CPU), cpu, cuda, cuda:1...: where the predictors design")
    args = parser.parse_args(argv)
    folder = SHARED_DATA / "tfbind8"
    if not folder.is_dir():
        print("skipped: ../shared/data/tfbind8 is absent")
        return
    bench.BUDGETS = tuple(sorted(args.budgets))
    device = select_device(args.device)
    setups = {}
    for tf in args.tfs:
        oracle = KmerOracle.from_file(tfbind8_path(folder, tf))
        _, best_random, _ = bench.make_training_set(oracle, 20000, seed=0)
        predictor = load_predictor(Path(args.models) / f"{tf}_{args.seed}", device)
        setups[tf] = (oracle, best_random, ObjectiveSet([Objective(tf, predictor.score)]))
    results = {"models": str(args.models), "seed": args.seed, "n": args.n, "tfs": args.tfs,
               "budgets": list(bench.BUDGETS), "oracle_mean_budget": bench.BUDGETS[-1], "device": str(device),
               "candidates": {}}
    for candidate in args.candidates:
        name, *items = candidate.split()
        settings = {k: yaml.safe_load(v) for k, v in (i.split("=", 1) for i in items)}
        entry = {"settings": dict(settings), "tfs": {}}
        conservative = float(settings.pop("conservative", 0.0))  # the objective's k in mean - k * std
        bench.METHOD_SETTINGS[name] = settings
        hits = {b: [] for b in bench.BUDGETS}
        for tf, (oracle, best_random, objectives) in setups.items():
            if conservative:
                objectives = ObjectiveSet([replace(objectives.objectives[0], conservative=conservative)])
            budgets, speed = bench.run_method(name, objectives, oracle, best_random, args.n, device, args.seed)
            for b in bench.BUDGETS:
                hits[b].append(budgets[b]["hit_fraction"])
            print(f"{name:16s} {tf:5s} " + " ".join(f"@{b} {budgets[b]['hit_fraction']:.2f}" for b in bench.BUDGETS)
                  + f"  oracle@{bench.BUDGETS[-1]} {budgets[bench.BUDGETS[-1]]['oracle_mean']:.2f}"
                  + f"  calls to 95% {speed['calls_to_95']}", flush=True)
            entry["tfs"][tf] = {"hit_fraction": {str(b): budgets[b]["hit_fraction"] for b in bench.BUDGETS},
                                "oracle_mean": budgets[bench.BUDGETS[-1]]["oracle_mean"],  # at the largest budget
                                "calls_to_95": speed["calls_to_95"]}
        print(f"{name:16s} mean  " + " ".join(f"@{b} {np.mean(h):.2f} (min {min(h):.2f})" for b, h in hits.items()),
              flush=True)
        entry["mean_hit_fraction"] = {str(b): float(np.mean(h)) for b, h in hits.items()}
        entry["min_hit_fraction"] = {str(b): float(min(h)) for b, h in hits.items()}
        results["candidates"][name] = entry
        write_json("design_select" + (f"-{args.name}" if args.name else ""), results)  # after every candidate


if __name__ == "__main__":
    main()
