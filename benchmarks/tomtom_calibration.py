"""How often Tomtom (memelite, as ``seqgen motifs`` runs it) names a JASPAR match for a random motif.

Random DNA motifs (columns drawn from a Dirichlet of concentration ``alpha``; small alpha: sharp columns, large: flat
ones; widths 8-14) are compared with JASPAR's vertebrate CORE matrices exactly as discovered motifs are
(``seqgen.motifs.tomtom``). A random motif matches no transcription factor, so the share whose best match has
q <= 0.05 is the rate of spurious matches, binned by the motif's information content (bits summed over its columns).
The share that ``seqgen.motifs.significant`` names (q <= 0.05 and at least ``MIN_MATCH_BITS`` bits), the share it
names without marking the match weak (its order p-value, from column-shuffled copies, at most ``ORDER_P``) and the
targets that attract the spurious matches are reported too.

The order test's power: planted motifs, each re-estimated from ``--sites`` letters drawn from every column of a
random JASPAR matrix (pseudocount 1, weak edges trimmed as discovery trims them), go through the same comparison; a
planted motif should be named, not marked weak, and named after its source (the same TF name).

Usage: python benchmarks/tomtom_calibration.py [--per-cell 100] [--planted 600] [--sites 20] [--seed 1]
  ->  results/tomtom_calibration.json
"""
from __future__ import annotations

import argparse
import sys
import time
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


def planted_motifs(rng: np.random.Generator, targets: list, n: int, sites: int) -> list:
    """``n`` motifs, each re-estimated from ``sites`` letters drawn from every column of a random target (pseudocount
    1, edges under 0.3 bits trimmed); ``stats["source"]`` is the target's TF name."""
    from seqgen.motifs import Motif, counts_to_pwm, trim

    motifs = []
    for i, j in enumerate(rng.choice(len(targets), n)):
        source = targets[j]
        letters = np.stack([rng.choice(4, sites, p=column) for column in source.pwm.T / source.pwm.sum(0)[:, None]])
        counts = (letters[..., None] == np.arange(4)).sum(1).T  # (4, W)
        motifs.append(Motif(f"planted-{i}", trim(counts_to_pwm(counts, 1.0)), stats={"source": source.description}))
    return motifs


def spurious_rates(best: pd.DataFrame) -> pd.DataFrame:
    """Per information bin of the rank-1 Tomtom rows ``best``: n, the share with q <= 0.05, the share named and the
    share named without the weak mark (``strong``); with a ``source`` column, also the share named strongly after
    the source (``right``)."""
    from seqgen.motifs import MATCH_Q, match_strength, significant

    strong = best.apply(match_strength, axis=1) == "named"
    right = (best["target_name"].str.upper() == best["source"].str.upper()) if "source" in best else strong
    table = best.assign(matched=best["q_value"] <= MATCH_Q, named=significant(best), strong=strong,
                        right=strong & right)
    bins = pd.cut(best["query_bits"], BINS, right=False).rename("bits")  # ordered: low bits first
    columns = {"n": ("matched", "size"), "matched": ("matched", "mean"), "named": ("named", "mean"),
               "strong": ("strong", "mean")} | ({"right": ("right", "mean")} if "source" in best else {})
    rates = table.groupby(bins, observed=True).agg(**columns).reset_index()
    return rates.assign(bits=rates["bits"].astype(str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=100, help="random motifs per (alpha, width)")
    parser.add_argument("--planted", type=int, default=600, help="planted motifs (the order test's power)")
    parser.add_argument("--sites", type=int, default=20, help="sites behind each planted motif")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from seqgen.jaspar import jaspar_motifs
    from seqgen.motifs import MATCH_Q, ORDER_COPIES, tomtom

    targets = jaspar_motifs()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    best = pd.concat([tomtom(random_motifs(rng, alpha, width, args.per_cell), targets, top=1)
                      for alpha in ALPHAS for width in WIDTHS], ignore_index=True)
    seconds = time.perf_counter() - start
    rates = spurious_rates(best)
    attractors = best[best["q_value"] <= MATCH_Q].groupby(["target", "target_name"]).size()
    attractors = attractors.sort_values(ascending=False).head(8)
    planted = planted_motifs(rng, targets, args.planted, args.sites)
    found = tomtom(planted, targets, top=1).assign(source=[m.stats["source"] for m in planted])
    power = spurious_rates(found)
    print("random motifs:\n" + rates.round(3).to_string(index=False))
    print(attractors.to_string())
    print(f"planted motifs ({args.sites} sites):\n" + power.round(3).to_string(index=False))
    payload = {"targets": len(targets), "motifs": len(best), "seed": args.seed, "order_copies": ORDER_COPIES,
               "seconds_random": seconds, "by_bits": rates.to_dict("records"),
               "attractors": [{"target": t, "name": n, "matches": int(c)} for (t, n), c in attractors.items()],
               "planted": {"motifs": len(planted), "sites": args.sites, "by_bits": power.to_dict("records")}}
    print(f"-> {write_json('tomtom_calibration', payload)}")


if __name__ == "__main__":
    main()
