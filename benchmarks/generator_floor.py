"""The real-vs-real k-mer floor of ``generator_quality.py`` averaged over training subsets, and the
k-mer JS ratios of several sample draws over a floor (used by ``generator_quality.py --draws`` and
``generator_select.py``).

The benchmark divides the samples' k-mer JS divergence by that of ONE training subset as large as the
held-out set, whose own spread is ~8% at k = 4 on FOXA1. This script draws ``--subsets`` such subsets
for the same split, and re-expresses a results file's per-draw ratios over their mean floor:
sample JS (ratio x the file's floor) / mean floor.

    python benchmarks/generator_floor.py --results generator_quality-s13 --dataset FOXA1 --seed 0
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SHARED_DATA  # noqa: E402

from seqgen.generate import sample_codes  # noqa: E402
from seqgen.metrics import kmer_js  # noqa: E402

#: k-mer sizes of the generator benchmark's JS ratios
KS = (4, 6)


def mean_floor(train, held, k: int, subsets: int, seed: int) -> tuple[float, float]:
    """Mean and SD of the k-mer JS of ``subsets`` training subsets as large as ``held`` against it."""
    rng = np.random.default_rng(seed)
    values = [kmer_js(train.codes[rng.choice(len(train), len(held), replace=False)], held.codes, k, 4)
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


def draw_ratios(generator, reference: np.ndarray, floor: dict, seeds) -> list:
    """k-mer JS ratios ``{"k4": .., "k6": ..}`` of one sample set per seed, as many as ``reference (N, L)``.

    Each is the samples' JS against ``reference`` over ``floor[k]`` (a real-vs-real JS at the same size).
    """
    out = []
    for seed in seeds:
        codes = sample_codes(generator, len(reference), seed)
        out.append({f"k{k}": round(kmer_js(codes, reference, k, 4) / floor[k], 3) for k in KS})
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, help="results file name (generator_quality.py --name)")
    parser.add_argument("--dataset", default="FOXA1")
    parser.add_argument("--model", default="vae_ar_markov")
    parser.add_argument("--seed", type=int, default=0, help="the benchmark's --seed (its split)")
    parser.add_argument("--subsets", type=int, default=20)
    args = parser.parse_args(argv)
    if not (SHARED_DATA / "chipseq").is_dir():
        print("skipped: ../shared/data/chipseq is absent")
        return
    from generator_quality import load_peaks  # here: generator_quality imports this module
    row = json.loads((RESULTS / f"{args.results}.json").read_text())["results"][args.dataset][args.model]
    train, held = load_peaks(args.dataset).split(0.2, seed=args.seed)
    for k in KS:
        floor = row["metrics"]["kmer_js"][str(k)]["real"]
        mean, sd = mean_floor(train, held, k, args.subsets, 100 + args.seed)
        ratios = [d[f"k{k}"] * floor / mean for d in row["draws"]]
        print(json.dumps({"k": k, "file_floor": floor, "mean_floor": mean, "floor_sd": sd,
                          "ratios_over_mean_floor": [round(r, 3) for r in ratios],
                          "mean_ratio_over_mean_floor": round(float(np.mean(ratios)), 3)}))


if __name__ == "__main__":
    main()
