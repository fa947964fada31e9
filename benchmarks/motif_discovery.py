"""Motif discovery speed and memory: seqgen's vectorized parts against the forms they replaced.

A JASPAR motif (Egr2) is planted in one site of each foreground sequence; ``discover_motifs`` runs on the
foreground against a random background (or, with ``--peaks``, on ChIP-seq peaks against dinucleotide shuffles of
them, as ``seqgen motifs``), in these forms, interleaved in one run:

- ``seqgen``: as shipped;
- ``session27``: the three parts that session 28 rewrote, as session 27 left them: every candidate threshold's
  (and k-mer's) hypergeometric tail summed, over all elements each round (``masked_log_tail``), then the argmin,
  where ``most_enriched`` sums only the candidates its bounds cannot rule out; k-mer presence from int64 indices
  of the whole set at once; window scores from intp letter groups gathered by fancy indexing (not ``np.take``);
- ``columns``: best sites as session 22 left them: each strand's window scores summed column by column (``W``
  ``(N, P)`` gathers of float64, the reverse strand a second pass), both strands' ``(N, 2P)`` scores concatenated;
- ``baseline``: three parts in their straightforward form: the hypergeometric tail from scipy's
  ``hypergeom.logsf`` (a Python loop over elements) instead of ``hypergeom_log_tail``, for every candidate; k-mer
  presence from ``np.unique`` over (sequence, k-mer) pairs; window scores from an ``(N, P, W)`` gather summed over
  its last axis.

All must find the same motifs (asserted; window scores are rounded to 1e-9 in every form, so the order of summation
does not decide ties), ``session27`` the same matrices and statistics to the bit. Time is the best of ``--repeats``
runs on one core, the forms taking turns; memory is tracemalloc's peak of Python and numpy allocations in a
separate run.

Usage: python benchmarks/motif_discovery.py [--sizes 2000x8000x100,5000x20000x200] [--peaks FOXA1:42614]
[--forms seqgen,session27,columns,baseline]  ->  results/motif_discovery.json
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
from seqgen.motifs import discovery, windows  # noqa: E402
from common import SHARED_DATA, write_json  # noqa: E402
from seqgen.alphabets import DNA, kmer_index, reverse_complement  # noqa: E402
from seqgen.jaspar import jaspar_motif  # noqa: E402

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


def peaks(name: str, n: int, seed: int = 0):
    """The first ``n`` ChIP-seq peaks of ``name`` (``shared/data/chipseq/NAME_*_AC.seq.gz``), ``(n, 101)`` codes,
    and :data:`seqgen.motifs.SHUFFLED_COPIES` dinucleotide shuffles of them, as ``seqgen motifs`` builds them."""
    import pandas as pd

    from seqgen.alphabets import encode
    from seqgen.data import SequenceSet

    path = next((SHARED_DATA / "chipseq").glob(f"{name}_*_AC.seq.gz"))
    seqs = pd.read_csv(path, sep="\t")["seq"].head(n).tolist()
    data = SequenceSet(encode(seqs, DNA), DNA, ids=np.arange(len(seqs)).astype(str))
    fg, _, bg, _, _ = motifs.foreground_and_background(data, seed=seed)
    return fg, bg


# ---------------------------------------------------------------- the forms replaced

def baseline_log_tail(k, population, successes, draws):
    from scipy.stats import hypergeom

    return hypergeom.logsf(np.asarray(k) - 1, population, successes, draws)


def full_most_enriched(fg_hits, n_fg, bg_hits, n_bg, counted=None):
    """``most_enriched`` as the argmin of every candidate's p-value (sessions 22 to 27)."""
    logp = motifs.enrichment_log10p(fg_hits, n_fg, bg_hits, n_bg)
    if counted is not None:
        logp[~counted] = 0.0
    best = int(np.argmin(logp))
    return best, float(logp[best])


def masked_log_tail(k, population, successes, draws):
    """``hypergeom_log_tail`` as session 27 left it: each round of the tails' sums masks every element."""
    from scipy.special import gammaln

    k, draws = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(draws, dtype=np.float64))
    shape, k, draws = k.shape, k.ravel(), draws.ravel()
    m, n, others = float(population), float(successes), float(population - successes)
    low, high = np.maximum(0.0, draws - others), np.minimum(n, draws)
    mode = np.floor((draws + 1) * (n + 1) / (m + 2))
    upper = k > mode
    start = np.clip(np.where(upper, k, k - 1), low, high)
    total, term, x = np.ones_like(k), np.ones_like(k), start.copy()
    active = np.ones(k.shape, dtype=bool)
    while active.any():
        xa, da = x[active], draws[active]
        ratio = np.where(upper[active], (n - xa) * (da - xa) / ((xa + 1) * (others - da + xa + 1)),
                         xa * (others - da + xa) / np.maximum((n - xa + 1) * (da - xa + 1), 1.0))
        term[active] *= ratio
        total[active] += term[active]
        x[active] += np.where(upper[active], 1.0, -1.0)
        active[active] = term[active] > 1e-17 * total[active]
    log_pmf = (gammaln(n + 1) - gammaln(start + 1) - gammaln(n - start + 1) + gammaln(others + 1)
               - gammaln(draws - start + 1) - gammaln(others - draws + start + 1) - gammaln(m + 1) + gammaln(draws + 1)
               + gammaln(m - draws + 1))
    tail = log_pmf + np.log(total)
    with np.errstate(divide="ignore"):
        result = np.where(upper, tail, np.log1p(-np.exp(np.minimum(tail, 0.0))))
    result = np.where(~upper & (k - 1 < low), 0.0, result)
    return np.where(upper & (k > high), -np.inf, result).reshape(shape)


def whole_set_kmer_presence(codes, k, alphabet, canonical=True):
    """``kmer_presence`` as session 27 left it: int64 k-mer indices of all rows at once (``kmer_index`` as it was:
    a new int64 array each pass)."""
    size = alphabet.size
    n, length = codes.shape
    width = max(length - k + 1, 0)
    idx = np.zeros((n, width), dtype=np.int64)
    valid = np.ones((n, width), dtype=bool)
    for j in range(k):
        window = codes[:, j:j + width]
        valid &= window < size
        idx = idx * size + np.minimum(window, size - 1)
    idx[~valid] = -1
    if canonical and alphabet.double_stranded:
        every = np.arange(size ** k)
        idx = np.append(np.minimum(every, discovery._kmer_rc(every, k)), -1)[idx]
    idx = np.sort(idx, axis=1)
    first = np.ones(idx.shape, dtype=bool)
    first[:, 1:] = idx[:, 1:] != idx[:, :-1]
    return np.bincount(idx[first & (idx >= 0)], minlength=size ** k)


def fancy_scaled_scores(codes, tables, size, width):
    """``scaled_scores`` as session 27 left it: intp letter groups, gathered by fancy indexing."""
    group = motifs.group_size(size)
    index = motifs.letter_groups(codes, size, group, dtype=np.intp)
    positions = max(codes.shape[1] - width + 1, 0)
    score = tables[0][index[:, :positions]]
    for k in range(1, len(tables)):
        score += tables[k][index[:, k * group:k * group + positions]]
    return np.rint(score, out=score)


def baseline_kmer_presence(codes, k, alphabet, canonical=True):
    size = alphabet.size
    idx = kmer_index(codes, k, size)
    if canonical and alphabet.double_stranded:
        idx = np.where(idx >= 0, np.minimum(idx, discovery._kmer_rc(np.maximum(idx, 0), k)), -1)
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


def column_window_scores(codes, lo):
    size, width = lo.shape
    table = np.vstack([lo, np.full((256 - size, width), -np.inf)])
    n, length = codes.shape
    positions = max(length - width + 1, 0)
    score = np.zeros((n, positions))
    for j in range(width if positions else 0):  # one (N, P) column gather per motif column
        score += table[codes[:, j:j + positions], j]
    return np.round(score, 9, out=score)


def strand_by_strand_best_sites(window_scores):
    """``best_sites`` as session 22 left it: each strand's ``(N, P)`` window scores, then their ``(N, 2P)``
    concatenation's first best."""
    def best_sites(codes, lo, alphabet, both_strands=True):
        fwd = window_scores(codes, lo)
        scores, strands = [fwd], [np.ones_like(fwd, dtype=np.int8)]
        if both_strands and alphabet.double_stranded:
            rev = window_scores(codes, lo[::-1, ::-1])
            scores.append(rev)
            strands.append(-np.ones_like(rev, dtype=np.int8))
        allscores = np.concatenate(scores, axis=1)
        best = allscores.argmax(axis=1) if allscores.shape[1] else np.zeros(len(codes), dtype=np.int64)
        n_pos = fwd.shape[1]
        score = allscores[np.arange(len(codes)), best] if n_pos else np.full(len(codes), -np.inf)
        return score, best % max(n_pos, 1), np.where(best >= n_pos, -1, 1).astype(np.int8)
    return best_sites


FORMS = {
    "seqgen": {},
    "session27": {"most_enriched": full_most_enriched, "hypergeom_log_tail": masked_log_tail,
                  "kmer_presence": whole_set_kmer_presence, "scaled_scores": fancy_scaled_scores},
    "columns": {"best_sites": strand_by_strand_best_sites(column_window_scores)},
    "baseline": {"most_enriched": full_most_enriched, "hypergeom_log_tail": baseline_log_tail,
                 "kmer_presence": baseline_kmer_presence,
                 "best_sites": strand_by_strand_best_sites(baseline_window_scores)},
}


#: the module whose global each part of a form is: the one that calls it
HOMES = {"most_enriched": discovery, "hypergeom_log_tail": discovery, "kmer_presence": discovery,
         "best_sites": discovery, "scaled_scores": windows}

#: forms that must give the very floats of ``seqgen`` (the others: the same motifs, p-values to 1e-6)
EXACT = ("session27",)


@contextlib.contextmanager
def form(name):
    """``seqgen.motifs`` with the parts of form ``name`` swapped in (each in its :data:`HOMES` module)."""
    saved = {part: getattr(HOMES[part], part) for part in FORMS[name]}
    for part, function in FORMS[name].items():
        setattr(HOMES[part], part, function)
    try:
        yield
    finally:
        for part, function in saved.items():
            setattr(HOMES[part], part, function)


# ---------------------------------------------------------------- measuring

def run(fg, bg, n_motifs):
    return motifs.discover_motifs(fg, bg, "dna", n_motifs=n_motifs)


def timed(fg, bg, n_motifs, repeats, forms):
    """Best time of each form over ``repeats`` rounds, the forms taking turns; and what each found."""
    best, found = {name: math.inf for name in forms}, {}
    for _ in range(repeats):
        for name in forms:
            with form(name):
                start = time.perf_counter()
                found[name] = run(fg, bg, n_motifs)
                best[name] = min(best[name], time.perf_counter() - start)
    return found, best


def peak_bytes(fg, bg, n_motifs, name):
    with form(name):
        tracemalloc.start()
        try:
            run(fg, bg, n_motifs)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def measure(fg, bg, n_motifs, repeats, forms):
    found, seconds = timed(fg, bg, n_motifs, repeats, forms)
    ours = found[forms[0]]
    for name in forms[1:]:
        assert [m.consensus for m in ours] == [m.consensus for m in found[name]], f"{name} found different motifs"
        for a, b in zip(ours, found[name]):
            assert np.allclose(a.pwm, b.pwm), f"{name} built different matrices"
            if name in EXACT:
                assert a.pwm.tobytes() == b.pwm.tobytes() and a.stats == b.stats, f"{name}: other floats"
            assert math.isclose(a.stats["log10_p"], b.stats["log10_p"], rel_tol=1e-6)
            assert (a.stats["fg_hits"], a.stats["bg_hits"]) == (b.stats["fg_hits"], b.stats["bg_hits"])
    row = {"foreground": len(fg), "background": len(bg), "length": fg.shape[1],
           "motifs": [[m.consensus, m.stats["log10_p"], m.stats["fg_hits"], m.stats["bg_hits"]] for m in ours]}
    for name in forms:
        row[name] = {"seconds": seconds[name], "peak_mib": peak_bytes(fg, bg, n_motifs, name) / 2**20}
    for name in forms[1:]:
        row[f"speedup_vs_{name}"] = seconds[name] / seconds[forms[0]]
        row[f"memory_ratio_vs_{name}"] = row[name]["peak_mib"] / row[forms[0]]["peak_mib"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000x8000x100,5000x20000x200",
                        help="comma-separated FOREGROUNDxBACKGROUNDxLENGTH of planted sets ('' for none)")
    parser.add_argument("--peaks", default="",
                        help="comma-separated TF:N, the first N ChIP-seq peaks of shared/data/chipseq/TF_*_AC "
                             "against their shuffles (e.g. FOXA1:42614)")
    parser.add_argument("--forms", default="seqgen,session27,columns,baseline",
                        help="forms to compare, the first measured")
    parser.add_argument("--motifs", type=int, default=3, help="motifs to find")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--name", default="motif_discovery", help="results/NAME.json")
    args = parser.parse_args()
    forms = args.forms.split(",")
    sets = [(f"planted {size}", *planted(*(int(v) for v in size.split("x")))) for size in filter(None,
                                                                                              args.sizes.split(","))]
    sets += [(f"peaks {spec}", *peaks(spec.split(":")[0], int(spec.split(":")[1])))
             for spec in filter(None, args.peaks.split(","))]
    rows = []
    for label, fg, bg in sets:
        row = {"set": label, **measure(fg, bg, args.motifs, args.repeats, forms)}
        rows.append(row)
        print(f"{label}: {len(fg)} x {len(bg)} x {fg.shape[1]} nt: " + "; ".join(
            f"{name} {row[name]['seconds']:.2f} s, {row[name]['peak_mib']:.0f} MiB" for name in forms)
            + "".join(f"; {row[f'speedup_vs_{name}']:.1f}x faster than {name}" for name in forms[1:])
            + f"; motifs {', '.join(m[0] for m in row['motifs'])}", flush=True)
    print(f"-> {write_json(args.name, {'matrix': MATRIX, 'forms': forms, 'runs': rows})}")


if __name__ == "__main__":
    main()
