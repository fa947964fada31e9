"""Does ``seqgen evaluate`` tell good generators from bad ones? Generators whose answer is known, on real peaks.

The workflow holds out ``evaluate.holdout`` of each data set from its generators (``seqgen split``) and evaluates
their samples against it. This script draws, from a random ``--n`` ChIP-seq peaks split as the workflow splits
them, four stand-in "generators" whose verdict is known and evaluates each with and without the held-out part:

- ``copies``: training sequences themselves (memorization: copies 1.0; held out, as close as real data),
- ``shuffled``: each copy's letters shuffled (the right composition, no motifs: JS ratios far above 1),
- ``iid``: letters drawn from the training composition (likewise),
- ``fresh``: other peaks of the same file, never in the data set (a perfect generator: ratios near 1,
  classifier AUROC near 0.5); drawn ``--repeats`` times, to give the spread of a perfect generator's figures.

    python benchmarks/evaluation_calibration.py --dataset FOXA1 --n 5000 --repeats 10
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SHARED_DATA, machine, write_text  # noqa: E402
from generator_quality import load_peaks  # noqa: E402

from seqgen.data import SequenceSet  # noqa: E402
from seqgen.metrics import evaluate  # noqa: E402


def stand_ins(training: SequenceSet, fresh: np.ndarray, n: int, rng: np.random.Generator) -> dict:
    """``{name: (n, L) codes}``: copies, shuffled copies, iid letters of the training composition, fresh peaks."""
    copies = training.codes[rng.choice(len(training), min(n, len(training)), replace=False)]
    shuffled = rng.permuted(copies, axis=1)
    size = training.alphabet.size
    composition = np.bincount(training.codes.ravel(), minlength=size)[:size] / training.codes.size
    iid = rng.choice(size, size=(n, training.length), p=composition).astype(np.uint8)
    return {"copies": copies, "shuffled": shuffled, "iid": iid,
            "fresh": fresh[rng.choice(len(fresh), min(n, len(fresh)), replace=False)]}


def figures(result: dict) -> dict:
    """The headline figures of one evaluation: JS ratio by k, copies, nearest Hamming, classifier AUROC."""
    return {"js_ratio": {k: v["ratio"] for k, v in result["kmer_js"].items()},
            "copies": result["copies"]["fraction"], "nearest_hamming": result["nearest_hamming"]["mean"],
            "auroc": result["classifier_auroc"], "n_reference": result["n_reference"],
            "n_compared": result["n_compared"]}


def evaluate_both(training: SequenceSet, heldout: SequenceSet, codes: np.ndarray, seed: int) -> dict:
    """Figures of ``codes`` against the held-out part (copies against the training part), and without a holdout
    (against the training part in halves, the workflow's ``holdout: 0``)."""
    query = SequenceSet(codes, training.alphabet, [f"q{i}" for i in range(len(codes))])
    return {"held_out": figures(evaluate(heldout, query, training, seed=seed)),
            "no_holdout": figures(evaluate(training, query, None, seed=seed))}


def spread(runs: list[dict]) -> dict:
    """Min, mean and max of each k's JS ratio and of the AUROC over repeated fresh draws."""
    ks = runs[0]["js_ratio"]
    out = {f"js_ratio_k{k}": [float(f([r["js_ratio"][k] for r in runs])) for f in (np.min, np.mean, np.max)]
           for k in ks}
    out["auroc"] = [float(f([r["auroc"] for r in runs])) for f in (np.min, np.mean, np.max)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="FOXA1", help="ChIP-seq peaks of ../shared/data/chipseq (name prefix)")
    parser.add_argument("--n", type=int, default=5000, help="peaks in the data set (a random subset)")
    parser.add_argument("--holdout", type=float, default=0.1, help="the share held out (the workflow's default)")
    parser.add_argument("--samples", type=int, default=1000, help="sequences per stand-in generator (sample.n)")
    parser.add_argument("--repeats", type=int, default=10, help="fresh draws for the perfect generator's spread")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "evaluation_calibration.json"))
    args = parser.parse_args()
    if not (SHARED_DATA / "chipseq").is_dir():
        print(f"skipped: no {SHARED_DATA / 'chipseq'}", file=sys.stderr)
        return
    peaks = load_peaks(args.dataset)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(peaks))
    data, fresh = peaks.subset(np.sort(order[:args.n])), peaks.codes[order[args.n:]]
    training, heldout = data.split(args.holdout, args.seed)
    generators = {name: evaluate_both(training, heldout, codes, args.seed)
                  for name, codes in stand_ins(training, fresh, args.samples, rng).items()}
    repeats = [evaluate(heldout, SequenceSet(fresh[rng.choice(len(fresh), args.samples, replace=False)],
                                             training.alphabet, [f"q{i}" for i in range(args.samples)]),
                        training, seed=args.seed + 1 + i) for i in range(args.repeats)]
    out = {"machine": machine(), "dataset": args.dataset, "n": args.n, "n_training": len(training),
           "n_heldout": len(heldout), "samples": args.samples, "generators": generators,
           "fresh_spread": spread([figures(r) for r in repeats]) if repeats else None}
    write_text(args.out, json.dumps(out, indent=2) + "\n")
    for name, modes in generators.items():
        for mode, f in modes.items():
            ratios = " ".join(f"{r:.2f}" for r in f["js_ratio"].values())
            print(f"{name:9s} {mode:10s} JS ratio k=1..{len(f['js_ratio'])}: {ratios}; copies {f['copies']:.3f}; "
                  f"AUROC {f['auroc']:.3f}")
    for key, (low, mean, high) in (out["fresh_spread"] or {}).items():
        print(f"fresh x{args.repeats} {key}: {low:.2f} - {high:.2f} (mean {mean:.2f})")


if __name__ == "__main__":
    main()
