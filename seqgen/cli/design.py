"""``seqgen design``: its options are declared in :mod:`seqgen.design.options`, its work done in
:mod:`seqgen.design.command`."""
from __future__ import annotations

import sys

from seqgen.cli.common import _add_common


def _add_design(sub) -> None:
    from seqgen.design.options import add_arguments

    p = sub.add_parser("design", help="design sequences for a predictor (or a VAE's likelihood)",
                       description="Optimize sequences for a trained predictor or a VAE's likelihood "
                                   "(--naturalness) by softmax relaxation, Fast SeqProp, a generator's latent space "
                                   "or simulated annealing, under constraints. Writes the designs to --out (FASTA), "
                                   "and designs.tsv, trajectory.tsv and design.json beside it.")
    add_arguments(p)
    _add_common(p)


def _run_design(args) -> None:
    from seqgen.design.command import run

    summary = run(args)
    print(f"designed {summary['designs']} sequences with {args.method} ({summary['calls_per_sequence']} objective "
          f"calls each, best utility {summary['best_utility']:.4g}) -> {args.out}", file=sys.stderr)
    if summary.get("dropped"):
        duplicates = summary.get("duplicates", 0)
        print(f"note: {summary['dropped']} of the {summary['designs'] + summary['dropped']} candidates dropped "
              f"({duplicates} as duplicates of another design, {summary['dropped'] - duplicates} breaking a "
              f"constraint that could not be repaired)", file=sys.stderr)
    if summary.get("training_scored"):
        print(f"the same objective on {summary['training_scored']} training sequences: median "
              f"{summary['training_utility_median']:.4g}, best {summary['training_utility_max']:.4g}; "
              f"{summary['designs_above_training_max']} designs above the best", file=sys.stderr)
