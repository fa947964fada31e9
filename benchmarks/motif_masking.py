"""Motif discovery's masking between rounds: every site of a motif against each sequence's best site only.

After each motif, ``discover_motifs`` masks its sites in foreground and background so the next round finds another
motif. Until session 35 only each sequence's best site was masked, so a motif present twice in a sequence could
come back as the next motif. These forms run on ChIP-seq peaks against their dinucleotide shuffles, as
``seqgen motifs`` builds them, one after another in one run:

- ``best only``: each sequence's best site, one pass (the form before session 35);
- ``every site, full rescans``: pass after pass over every sequence until none holds a site;
- ``every site`` (shipped): each pass rescans only the sequences the last one masked a site of.

The last two must give the same motifs (asserted). Time: best of ``--repeats``, one core.

Usage: python benchmarks/motif_masking.py [--peaks FOXA1:42614] [--motifs 5]  ->  results/motif_masking.json
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import SHARED_DATA, write_json  # noqa: E402


def best_only(codes, lo, alphabet, threshold):
    """Each sequence's best site at or above ``threshold`` masked, one pass."""
    from seqgen.motifs import best_sites
    from seqgen.motifs.discovery import _mask_sites

    score, start, strand = best_sites(codes, lo, alphabet)
    return _mask_sites(codes, start, strand, score >= threshold, lo.shape[1])


def full_rescans(codes, lo, alphabet, threshold):
    """Every site masked, each pass over every sequence."""
    from seqgen.motifs import best_sites
    from seqgen.motifs.discovery import _mask_sites

    while True:
        score, start, strand = best_sites(codes, lo, alphabet)
        hit = score >= threshold
        if not hit.any():
            return codes
        codes = _mask_sites(codes, start, strand, hit, lo.shape[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peaks", default="FOXA1:42614", help="NAME:N, the first N peaks of shared/data/chipseq")
    parser.add_argument("--motifs", type=int, default=5, help="motifs to find")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if not (SHARED_DATA / "chipseq").is_dir():
        sys.exit(f"skipped: {SHARED_DATA / 'chipseq'} is absent")
    from motif_discovery import peaks

    from seqgen.motifs import discovery

    name, n = args.peaks.split(":")
    fg, bg = peaks(name, int(n))
    shipped = discovery._mask_all_sites
    rows = {}
    for form, mask in (("best only", best_only), ("every site, full rescans", full_rescans), ("every site", shipped)):
        discovery._mask_all_sites = mask
        try:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                found = discovery.discover_motifs(fg, bg, "dna", n_motifs=args.motifs)
                times.append(time.perf_counter() - start)
        finally:
            discovery._mask_all_sites = shipped
        rows[form] = {"seconds": round(min(times), 2), "motifs": [m.consensus for m in found]}
        print(f"{form:26s} {rows[form]['seconds']:6.2f} s  {' '.join(rows[form]['motifs'])}", flush=True)
    assert rows["every site"]["motifs"] == rows["every site, full rescans"]["motifs"]
    write_json("motif_masking", {"peaks": args.peaks, "n_fg": len(fg), "n_bg": len(bg), "forms": rows})


if __name__ == "__main__":
    main()
