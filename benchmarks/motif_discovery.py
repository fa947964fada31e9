"""Motif discovery speed and memory: seqgen's vectorized parts against the straightforward forms they replaced.

A JASPAR motif (Egr2) is planted in one site of each foreground sequence; ``discover_motifs`` runs on the
foreground against a random background, once as shipped and once with three parts swapped for their
straightforward forms (the baseline, in the same run):

- the hypergeometric tail: scipy's ``hypergeom.logsf`` (a Python loop over elements) instead of
  ``hypergeom_log_tail``;
- k-mer presence: ``np.unique`` over (sequence, k-mer) pairs and the reverse complement of every window;
- window scores: an ``(N, P, W)`` gather summed over its last axis instead of ``W`` column sums.

Both must find the same motifs (asserted; window scores are rounded to 1e-9 in both, so the order of summation
does not decide ties). Time is the best of ``--repeats`` runs on one core; memory is
tracemalloc's peak of Python and numpy allocations in a separate run.

Usage: python benchmarks/motif_discovery.py [--sizes 2000x8000x100,5000x20000x200]  ->  results/motif_discovery.json
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core

import argparse  # noqa: E402
import contextlib  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqgen first
sys.path.insert(0, str(Path(__file__).resolve().parent))

import seqgen.motifs as motifs  # noqa: E402
from common import write_json  # noqa: E402
from seqgen.alphabets import DNA, kmer_index, reverse_complement  # noqa: E402
from seqgen.simulate import jaspar_motif  # noqa: E402

MATRIX = "MA0472.2"  # Egr2


def planted(n_fg: int, n_bg: int, length: int, seed: int = 0):
    """``(n_fg, L)`` random DNA with one sampled Egr2 site each, and ``(n_bg, L)`` random DNA."""
    rng = np.random.default_rng(seed)
    _, counts, _ = jaspar_motif(MATRIX)
    pwm = motifs.counts_to_pwm(counts)
    width = pwm.shape[1]
    fg = rng.integers(0, 4, (n_fg, length), dtype=np.uint8)
    bg = rng.integers(0, 4, (n_bg, length), dtype=np.uint8)
    sites = (rng.random((n_fg, width))[:, None, :] > pwm.cumsum(0)[None]).sum(1).astype(np.uint8)
    minus = rng.random(n_fg) < 0.5
    sites[minus] = reverse_complement(sites[minus], DNA)
    starts = rng.integers(0, length - width + 1, n_fg)
    fg[np.arange(n_fg)[:, None], starts[:, None] + np.arange(width)] = sites
    return fg, bg


# ---------------------------------------------------------------- the baseline forms

def baseline_log_tail(k, population, successes, draws):
    from scipy.stats import hypergeom

    return hypergeom.logsf(np.asarray(k) - 1, population, successes, draws)


def baseline_kmer_presence(codes, k, alphabet, canonical=True):
    size = alphabet.size
    idx = kmer_index(codes, k, size)
    if canonical and alphabet.double_stranded:
        idx = np.where(idx >= 0, np.minimum(idx, motifs._kmer_rc(np.maximum(idx, 0), k)), -1)
    rows = np.broadcast_to(np.arange(len(codes))[:, None], idx.shape)
    ok = idx >= 0
    pairs = np.unique(rows[ok] * size ** k + idx[ok])
    return np.bincount(pairs % size ** k, minlength=size ** k)


def baseline_window_scores(codes, lo):
    size, width = lo.shape
    table = np.vstack([lo, np.full((256 - size, width), -np.inf)])
    if codes.shape[1] < width:
        return np.zeros((len(codes), 0))
    win = np.lib.stride_tricks.sliding_window_view(codes, width, axis=1)  # (N, P, W) view
    return np.round(table[win, np.arange(width)].sum(axis=-1), 9)  # (N, P, W) float64 gathered


@contextlib.contextmanager
def baseline_parts():
    saved = motifs.hypergeom_log_tail, motifs.kmer_presence, motifs.window_scores
    motifs.hypergeom_log_tail, motifs.kmer_presence, motifs.window_scores = (
        baseline_log_tail, baseline_kmer_presence, baseline_window_scores)
    try:
        yield
    finally:
        motifs.hypergeom_log_tail, motifs.kmer_presence, motifs.window_scores = saved


# ---------------------------------------------------------------- measuring

def run(fg, bg, n_motifs):
    return motifs.discover_motifs(fg, bg, "dna", n_motifs=n_motifs)


def timed(fg, bg, n_motifs, repeats):
    best, found = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        found = run(fg, bg, n_motifs)
        best = min(best, time.perf_counter() - start)
    return found, best


def peak_bytes(fg, bg, n_motifs):
    tracemalloc.start()
    try:
        run(fg, bg, n_motifs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(n_fg, n_bg, length, n_motifs, repeats):
    fg, bg = planted(n_fg, n_bg, length)
    ours, t_ours = timed(fg, bg, n_motifs, repeats)
    with baseline_parts():
        theirs, t_base = timed(fg, bg, n_motifs, repeats)
        m_base = peak_bytes(fg, bg, n_motifs)
    m_ours = peak_bytes(fg, bg, n_motifs)
    assert [m.consensus for m in ours] == [m.consensus for m in theirs], "the two forms found different motifs"
    for a, b in zip(ours, theirs):
        assert np.allclose(a.pwm, b.pwm), "the two forms built different matrices"
        assert math.isclose(a.stats["log10_p"], b.stats["log10_p"], rel_tol=1e-6)
    return {"foreground": n_fg, "background": n_bg, "length": length,
            "motifs": [[m.consensus, m.stats["log10_p"], m.nsites] for m in ours],
            "seqgen": {"seconds": t_ours, "peak_mib": m_ours / 2**20},
            "baseline": {"seconds": t_base, "peak_mib": m_base / 2**20},
            "speedup": t_base / t_ours, "memory_ratio": m_base / m_ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000x8000x100,5000x20000x200",
                        help="comma-separated FOREGROUNDxBACKGROUNDxLENGTH")
    parser.add_argument("--motifs", type=int, default=3, help="motifs to find")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        n_fg, n_bg, length = (int(v) for v in size.split("x"))
        row = measure(n_fg, n_bg, length, args.motifs, args.repeats)
        rows.append(row)
        print(f"{n_fg} x {n_bg} x {length} nt: seqgen {row['seqgen']['seconds']:.2f} s, "
              f"{row['seqgen']['peak_mib']:.0f} MiB; baseline {row['baseline']['seconds']:.2f} s, "
              f"{row['baseline']['peak_mib']:.0f} MiB; {row['speedup']:.1f}x faster, "
              f"{row['memory_ratio']:.1f}x less memory; motifs {', '.join(m[0] for m in row['motifs'])}")
    print(f"-> {write_json('motif_discovery', {'matrix': MATRIX, 'runs': rows})}")


if __name__ == "__main__":
    main()
