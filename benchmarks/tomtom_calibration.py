"""How often Tomtom (memelite, as ``seqgen motifs`` runs it) names a JASPAR match for a random motif.

Random DNA motifs (columns drawn from a Dirichlet of concentration ``alpha``; small alpha: sharp columns, large: flat
ones; widths 8-14) are compared with JASPAR's vertebrate CORE matrices exactly as discovered motifs are
(``seqgen.motifs.tomtom``). A random motif matches no transcription factor, so the share whose best match has
q <= 0.05 is the rate of spurious matches, binned by the motif's information content (bits summed over its columns).
The share that ``seqgen.motifs.significant`` names (q <= 0.05 and at least ``MIN_MATCH_BITS`` bits) and the targets
that attract the spurious matches are reported too.

Usage: python benchmarks/tomtom_calibration.py [--per-cell 100] [--seed 1]  ->  results/tomtom_calibration.json
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_json  # noqa: E402

ALPHAS = (0.2, 0.3, 0.5, 0.7, 1.0, 2.0)
WIDTHS = (8, 10, 12, 14)
BINS = [0, 4, 6, 8, 10, 12, 16, 64]


def random_motifs(rng: np.random.Generator, alpha: float, width: int, n: int) -> list:
    """``n`` motifs of ``width`` columns, each column a Dirichlet(alpha, alpha, alpha, alpha) draw."""
    from seqgen.motifs import Motif

    return [Motif(f"a{alpha}-w{width}-{i}", rng.dirichlet(np.full(4, alpha), width).T) for i in range(n)]


def spurious_rates(best: pd.DataFrame) -> pd.DataFrame:
    """Per information bin of the rank-1 Tomtom rows ``best``: n, the share with q <= 0.05 and the share named."""
    from seqgen.motifs import MATCH_Q, significant

    table = best.assign(matched=best["q_value"] <= MATCH_Q, named=significant(best))
    bins = pd.cut(best["query_bits"], BINS, right=False).rename("bits")  # ordered: low bits first
    rates = table.groupby(bins, observed=True).agg(n=("matched", "size"), matched=("matched", "mean"),
                                                   named=("named", "mean")).reset_index()
    return rates.assign(bits=rates["bits"].astype(str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=100, help="random motifs per (alpha, width)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from seqgen.jaspar import jaspar_motifs
    from seqgen.motifs import MATCH_Q, tomtom

    targets = jaspar_motifs()
    rng = np.random.default_rng(args.seed)
    best = pd.concat([tomtom(random_motifs(rng, alpha, width, args.per_cell), targets, top=1)
                      for alpha in ALPHAS for width in WIDTHS], ignore_index=True)
    rates = spurious_rates(best)
    attractors = best[best["q_value"] <= MATCH_Q].groupby(["target", "target_name"]).size()
    attractors = attractors.sort_values(ascending=False).head(8)
    print(rates.round(3).to_string(index=False))
    print(attractors.to_string())
    payload = {"targets": len(targets), "motifs": len(best), "seed": args.seed, "by_bits": rates.to_dict("records"),
               "attractors": [{"target": t, "name": n, "matches": int(c)} for (t, n), c in attractors.items()]}
    print(f"-> {write_json('tomtom_calibration', payload)}")


if __name__ == "__main__":
    main()
