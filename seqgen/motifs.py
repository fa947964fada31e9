"""Motifs: PWMs, scanning, discovery, Tomtom and FIMO (memelite), MEME files, the `seqgen motifs` step.

A motif is a position probability matrix ``pwm`` of shape ``(A, W)`` (columns
sum to 1) over an alphabet. Motifs come from three places:

- :func:`discover_motifs`: enriched k-mer seeds in a foreground set against a
  background, refined to PWMs by a few rounds of site selection at the score
  threshold that best separates foreground from background (a STREME-like
  zero-or-one-site-per-sequence scheme, both strands for DNA);
- :mod:`seqgen.interpret`: a predictor's first-layer filters and its
  attributions (gradient x input, in-silico mutagenesis), cut into seqlets and
  clustered;
- :func:`seqgen.jaspar.jaspar_motifs`: the JASPAR database shipped offline by ``pyjaspar``.

Comparison with JASPAR uses memelite's Tomtom, site scanning its FIMO.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seqgen.alphabets import DNA, PAD, Alphabet, get_alphabet, kmer_index
from seqgen.atomic import atomic_path
from seqgen.errors import SeqgenError
from seqgen.jaspar import JASPAR_COLLECTION, JASPAR_RELEASE, JASPAR_TAX_GROUP, jaspar_motifs
from seqgen.settings import SITE_P
from seqgen.shuffle import shuffled
from seqgen.stats import bh_qvalues, hypergeom_log_tail, hypergeom_log_tail_bounds

DISCOVERY_STATS = ("source", "seed", "log10_p", "kmers_tested", "fg_hits", "n_fg", "bg_hits", "n_bg")  # motifs.tsv


@dataclass
class Motif:
    """A position probability matrix with a name.

    Attributes
    ----------
    name : str
        Identifier (``seqgen-1``, ``filter-12``, ``MA0472.2``...), no spaces.
    pwm : np.ndarray
        ``(A, W)`` float64 letter probabilities, columns summing to 1 (counts given are divided by their column
        sums; an all-zero column becomes uniform).
    alphabet : Alphabet
    description : str
        Free text on the MOTIF line (e.g. the consensus or TF name).
    nsites : int
        Number of sites the matrix was built from.
    stats : dict
        How it was found (source, enrichment counts, p-values, TF family...).
    """

    name: str
    pwm: np.ndarray
    alphabet: Alphabet = DNA
    description: str = ""
    nsites: int = 0
    stats: dict = field(default_factory=dict)

    def __post_init__(self):
        self.alphabet = get_alphabet(self.alphabet)
        self.pwm = np.asarray(self.pwm, dtype=np.float64)
        if self.pwm.ndim != 2 or self.pwm.shape[0] != self.alphabet.size:
            raise ValueError(f"motif {self.name}: pwm must be ({self.alphabet.size}, W), got {self.pwm.shape}")
        if not np.isfinite(self.pwm).all() or (self.pwm < 0).any():
            raise ValueError(f"motif {self.name}: pwm entries must be finite and not negative")
        if not np.allclose(self.pwm.sum(axis=0), 1.0, atol=1e-3):  # counts (a JASPAR matrix): to probabilities
            self.pwm = counts_to_pwm(self.pwm)

    @property
    def width(self) -> int:
        return self.pwm.shape[1]

    @property
    def consensus(self) -> str:
        """Most likely letter of each column (lower case where the column holds under 1 bit)."""
        letters = np.array(list(self.alphabet.letters))[self.pwm.argmax(axis=0)]
        weak = information_content(self.pwm) < 1.0
        return "".join(c.lower() if w else c for c, w in zip(letters, weak))

    def reverse_complement(self) -> "Motif":
        """The motif of the other strand (DNA or RNA: columns reversed, each letter its complement)."""
        if not self.alphabet.is_nucleic:
            raise ValueError(f"motif {self.name}: a {self.alphabet.name} motif has no reverse complement")
        return Motif(self.name, self.pwm[::-1, ::-1].copy(), self.alphabet, self.description, self.nsites,
                     dict(self.stats))


def counts_to_pwm(counts: np.ndarray, pseudocount: float = 0.0) -> np.ndarray:
    """``(A, W)`` counts -> probabilities; ``pseudocount`` is spread evenly over the letters."""
    counts = np.asarray(counts, dtype=np.float64) + pseudocount / counts.shape[0]
    total = counts.sum(axis=0, keepdims=True)
    return np.where(total > 0, counts / np.where(total > 0, total, 1), 1.0 / counts.shape[0])


def information_content(pwm: np.ndarray, background: np.ndarray | None = None) -> np.ndarray:
    """Information content of each column in bits, ``(W,)``, against ``background`` ``(A,)`` (uniform)."""
    a = pwm.shape[0]
    bg = np.full(a, 1.0 / a) if background is None else np.asarray(background, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(pwm > 0, pwm * np.log2(pwm / bg[:, None]), 0.0)
    return terms.sum(axis=0)


def trim(pwm: np.ndarray, min_ic: float = 0.3) -> np.ndarray:
    """Drop edge columns of ``(A, W)`` ``pwm`` with less than ``min_ic`` bits (keeps at least one column)."""
    ic = information_content(pwm)
    keep = np.flatnonzero(ic >= min_ic)
    if len(keep) == 0:
        return pwm[:, [int(ic.argmax())]]
    return pwm[:, keep[0]: keep[-1] + 1]


def log_odds(pwm: np.ndarray, background: np.ndarray, pseudo: float = 0.01) -> np.ndarray:
    """``(A, W)`` natural-log odds of a PWM (smoothed by ``pseudo``) against ``background`` ``(A,)``."""
    p = (pwm + pseudo) / (1 + pseudo * pwm.shape[0])
    return np.log(p / background[:, None])


def letter_frequencies(codes: np.ndarray, size: int) -> np.ndarray:
    """``(A,)`` letter frequencies of ``(N, L)`` codes (PAD ignored), with a pseudocount of 1."""
    counts = np.bincount(codes[codes < size].ravel(), minlength=size)[:size] + 1.0
    return counts / counts.sum()


# ---------------------------------------------------------------- scanning

#: window scores are held as integers in units of 1 / SCORE_SCALE (1e-9): rounded once summed, in any order
SCORE_SCALE = 10 ** 9
#: most entries in a table of letter groups: ``(A + 1) ** g`` (DNA: 5 letters with PAD, g = 5; protein: g = 2)
GROUP_ENTRIES = 4096
#: rows that :func:`best_sites` scores at a time: a block's (rows, positions) arrays stay in the CPU's cache
SCORE_ROWS = 1024


def group_size(size: int) -> int:
    """Letters per group for an alphabet of ``size`` letters: the most with ``(size + 1) ** g <= GROUP_ENTRIES``."""
    group = 1
    while (size + 1) ** (group + 1) <= GROUP_ENTRIES:
        group += 1
    return group


def letter_groups(codes: np.ndarray, size: int, group: int, dtype=np.int32) -> np.ndarray:
    """Index of the ``group`` letters from each position, ``(N, L)`` of ``dtype``, from ``(N, L)`` uint8 codes.

    The letters are digits in base ``size + 1``, the first most significant; PAD (any code from ``size`` up)
    and the positions past the end are the digit ``size``. (int32 by default, not intp: half the bytes to write,
    and ``np.take`` reads them faster.)
    """
    n, length = codes.shape
    digits = np.full((n, length + group - 1), size, dtype=dtype)
    np.minimum(codes, size, out=digits[:, :length], casting="unsafe")
    index = digits[:, :length].copy()
    for i in range(1, group):
        index *= size + 1
        index += digits[:, i:i + length]
    return index


def group_tables(lo: np.ndarray, group: int) -> np.ndarray:
    """Summed log-odds of each group of ``group`` columns for every group of letters, ``(G, (A + 1) ** group)``.

    ``lo``: ``(A, W)`` log-odds; ``G = ceil(W / group)``, table ``k`` covers columns ``k * group`` on, indexed as
    :func:`letter_groups`. PAD in a motif column scores ``-inf``; columns past ``W`` add 0 whatever the letter.
    """
    size, width = lo.shape
    n_groups = -(-width // group)
    columns = np.zeros((size + 1, n_groups * group))  # (A + 1, G * group): PAD last
    columns[:size, :width] = lo
    columns[size, :width] = -np.inf
    tables = np.zeros((n_groups, 1))
    for i in range(group):  # append one letter (a least significant digit) to every group
        tables = (tables[:, :, None] + columns[:, i::group].T[:, None, :]).reshape(n_groups, -1)
    return tables


def strand_tables(lo: np.ndarray, reverse: bool) -> np.ndarray:
    """:func:`group_tables` of ``lo`` ``(A, W)`` scaled by :data:`SCORE_SCALE`, float64 ``(G, (A + 1) ** g)`` with
    ``g = group_size(A)``; with ``reverse``, complex128: the real part the matrix, the imaginary part its reverse
    complement (``lo[::-1, ::-1]``, DNA's complement being the letters reversed), so that one gather scores both
    strands."""
    group = group_size(lo.shape[0])
    forward = group_tables(lo * SCORE_SCALE, group)
    if not reverse:
        return forward
    both = np.empty(forward.shape, dtype=np.complex128)
    both.real, both.imag = forward, group_tables(lo[::-1, ::-1] * SCORE_SCALE, group)
    return both


def scaled_scores(codes: np.ndarray, tables: np.ndarray, size: int, width: int) -> np.ndarray:
    """Score of every window of ``(N, L)`` uint8 codes in units of 1 / :data:`SCORE_SCALE`, rounded to integers:
    ``(N, P)`` (``P = L - width + 1``) of the dtype of ``tables``, the :func:`strand_tables` of an ``(size, width)``
    matrix. One gather (``np.take``: faster than fancy indexing) per group of columns (one float per window, or
    one complex for both strands)."""
    group = group_size(size)
    index = letter_groups(codes, size, group)
    positions = max(codes.shape[1] - width + 1, 0)
    score = np.take(tables[0], index[:, :positions])
    for k in range(1, len(tables)):
        score += np.take(tables[k], index[:, k * group:k * group + positions])
    return np.rint(score, out=score)


def window_scores(codes: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Log-odds score of every window, ``(N, P)``; windows touching PAD score ``-inf``.

    ``codes``: ``(N, L)`` uint8; ``lo``: ``(A, W)`` log-odds. Scores are rounded to 1e-9: windows whose scores
    are equal in exact arithmetic (frequent with matrices built from counts) tie exactly, whatever the order of
    summation, so site selection does not hang on the last bit of a float (it did: a refined DREAM5 motif moved
    from 267 to 217 sites with the summation order). Columns are summed in groups (:func:`scaled_scores`).
    """
    return scaled_scores(codes, strand_tables(lo, reverse=False), *lo.shape) / SCORE_SCALE


def best_sites(codes: np.ndarray, lo: np.ndarray, alphabet: Alphabet, both_strands: bool = True):
    """Best-scoring window of each sequence on either strand (ties: the forward strand, then the first window).

    ``codes``: ``(N, L)`` uint8; ``lo``: ``(A, W)`` log-odds. Scored :data:`SCORE_ROWS` rows at a time, both
    strands from one gather per group of columns.

    Returns
    -------
    score : (N,) float64, rounded to 1e-9 as :func:`window_scores`
    start : (N,) int64, 0-based start of the site on the forward strand
    strand : (N,) int8, +1 or -1 (-1: the site reads as the motif on the reverse complement)
    """
    tables = strand_tables(lo, both_strands and alphabet.double_stranded)
    if codes.shape[1] < lo.shape[1]:  # no windows
        n = len(codes)
        return np.full(n, -np.inf), np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int8)
    blocks = [_best_in_block(codes[i:i + SCORE_ROWS], tables, *lo.shape)
              for i in range(0, max(len(codes), 1), SCORE_ROWS)]
    return tuple(np.concatenate(part) for part in zip(*blocks))


def _best_in_block(codes: np.ndarray, tables: np.ndarray, size: int, width: int):
    """:func:`best_sites` of ``(n, L)`` codes (a block of rows), given the :func:`strand_tables` of an
    ``(size, width)`` matrix."""
    score = scaled_scores(codes, tables, size, width)  # (n, P): real forward, imaginary reverse
    rows = np.arange(len(codes))
    start = score.real.argmax(axis=1)
    best = score.real[rows, start]
    strand = np.ones(len(codes), dtype=np.int8)
    if np.iscomplexobj(score):
        rev_start = score.imag.argmax(axis=1)
        rev_best = score.imag[rows, rev_start]
        minus = rev_best > best  # a tie stays on the forward strand
        best, start = np.where(minus, rev_best, best), np.where(minus, rev_start, start)
        strand[minus] = -1
    return best / SCORE_SCALE, start, strand


def site_counts(codes: np.ndarray, starts: np.ndarray, strands: np.ndarray, width: int,
                alphabet: Alphabet) -> np.ndarray:
    """``(A, W)`` letter counts over sites (read on their strand); sites past an end count nothing."""
    n, length = codes.shape
    pos = starts[:, None] + np.arange(width)[None]  # (S, W)
    inside = (pos >= 0) & (pos < length)
    letters = codes[np.arange(len(starts))[:, None], np.clip(pos, 0, length - 1)]
    letters = np.where(inside, letters, PAD)
    minus = strands < 0
    if minus.any():
        letters[minus] = alphabet.complement_codes()[letters[minus][:, ::-1]]
    counts = np.zeros((alphabet.size, width))
    valid = letters < alphabet.size
    cols = np.broadcast_to(np.arange(width), letters.shape)
    np.add.at(counts, (letters[valid], cols[valid]), 1.0)
    return counts


# ---------------------------------------------------------------- discovery

def _kmer_rc(index: np.ndarray, k: int) -> np.ndarray:
    """Index of the reverse complement of DNA k-mer ``index`` (A,C,G,T = 0..3, complement = 3 - x)."""
    digits = (index[..., None] // 4 ** np.arange(k)) % 4  # least significant first = last letter first
    return ((3 - digits) * 4 ** np.arange(k - 1, -1, -1)).sum(axis=-1)


#: rows whose k-mers :func:`kmer_presence` counts at a time (at least; more when the k-mers outnumber the windows)
KMER_ROWS = 4096


def kmer_presence(codes: np.ndarray, k: int, alphabet: Alphabet, canonical: bool = True) -> np.ndarray:
    """Number of sequences containing each k-mer, ``(A**k,)`` int64.

    With ``canonical`` (double-stranded DNA), a k-mer and its reverse complement are merged and
    counted at the lower index. Counted in blocks of rows (:data:`KMER_ROWS`, or enough rows to hold as many
    windows as there are k-mers): a block's ``(rows, L - k + 1)`` k-mer indices are int32 where ``A**k``
    allows, and stay small (whole-set temporaries of hundreds of MB cost more in page faults than in work).
    """
    size = alphabet.size
    dtype = np.int32 if size ** k < 2 ** 31 else np.int64
    lowest = None
    if canonical and alphabet.double_stranded:
        every = np.arange(size ** k)
        lowest = np.append(np.minimum(every, _kmer_rc(every, k)), -1).astype(dtype)  # index -1 (PAD) stays -1
    rows = max(KMER_ROWS, size ** k // max(codes.shape[1] - k + 1, 1))
    counts = np.zeros(size ** k, dtype=np.int64)
    for i in range(0, len(codes), rows):
        counts += _kmers_once(codes[i:i + rows], k, size, dtype, lowest)
    return counts


def _kmers_once(codes: np.ndarray, k: int, size: int, dtype, lowest: np.ndarray | None) -> np.ndarray:
    """:func:`kmer_presence` of ``(n, L)`` codes (a block of rows); ``lowest``: ``(A**k + 1,)`` the canonical
    index of each k-mer index (the last for PAD, -1), or None."""
    idx = kmer_index(codes, k, size, dtype)
    if lowest is not None:
        idx = lowest[idx]
    idx.sort(axis=1)  # a k-mer's repeats in a sequence side by side, counted once
    first = idx >= 0
    first[:, 1:] &= idx[:, 1:] != idx[:, :-1]
    return np.bincount(idx[first], minlength=size ** k)


def enrichment_log10p(fg_hits, n_fg: int, bg_hits, n_bg: int) -> np.ndarray:
    """One-sided hypergeometric (Fisher) log10 p-value that ``fg_hits`` of ``n_fg`` is enriched.

    Arrays broadcast; each test asks whether the foreground holds more of the
    ``fg_hits + bg_hits`` sequences with a hit than its share.
    """
    fg_hits = np.asarray(fg_hits)
    total = fg_hits + np.asarray(bg_hits)
    return hypergeom_log_tail(fg_hits, n_fg + n_bg, n_fg, total) / math.log(10)


def most_enriched(fg_hits: np.ndarray, n_fg: int, bg_hits: np.ndarray, n_bg: int,
                  counted: np.ndarray | None = None) -> tuple[int, float]:
    """The first of the smallest :func:`enrichment_log10p` and its value, from ``(K,)`` hit counts, as
    ``argmin`` of the p-values of all (those not ``counted``, ``(K,)`` bool, count as 0).

    Only the candidates that :func:`seqgen.stats.hypergeom_log_tail_bounds` cannot rule out are summed: of
    tens of thousands of thresholds or k-mers, one to three.
    """
    lower, upper = hypergeom_log_tail_bounds(fg_hits, n_fg + n_bg, n_fg, np.asarray(fg_hits) + bg_hits)
    if counted is not None:
        lower, upper = np.where(counted, lower, 0.0), np.where(counted, upper, 0.0)
    maybe = np.flatnonzero(lower <= upper.min())
    logp = enrichment_log10p(np.asarray(fg_hits)[maybe], n_fg, np.asarray(bg_hits)[maybe], n_bg)
    if counted is not None:
        logp[~counted[maybe]] = 0.0
    best = int(np.argmin(logp))
    return int(maybe[best]), float(logp[best])


def _best_threshold(fg_scores: np.ndarray, bg_scores: np.ndarray):
    """The score threshold that best separates foreground from background: every distinct foreground score is
    tried (a foreground of thousands of sites has its best threshold far down the range).

    Returns (threshold, log10 p, fg hits, bg hits).
    """
    n_fg, n_bg = len(fg_scores), len(bg_scores)
    cand = np.unique(fg_scores[np.isfinite(fg_scores)])
    if len(cand) == 0:
        return np.inf, 0.0, 0, 0
    fg_sorted, bg_sorted = np.sort(fg_scores), np.sort(bg_scores)
    fg_hits = n_fg - np.searchsorted(fg_sorted, cand, side="left")
    bg_hits = n_bg - np.searchsorted(bg_sorted, cand, side="left")
    best, logp = most_enriched(fg_hits, n_fg, bg_hits, n_bg)
    return float(cand[best]), logp, int(fg_hits[best]), int(bg_hits[best])


def _seed_pwm(kmer: int, k: int, size: int, flank: int, weight: float = 0.7) -> np.ndarray:
    """A soft ``(A, k + 2 flank)`` PWM for one k-mer, uniform flanks."""
    digits = (kmer // size ** np.arange(k - 1, -1, -1)) % size
    pwm = np.full((size, k + 2 * flank), 1.0 / size)
    core = np.full((size, k), (1 - weight) / (size - 1))
    core[digits, np.arange(k)] = weight
    pwm[:, flank: flank + k] = core
    return pwm


def _mask_sites(codes, starts, strands, hit, width) -> np.ndarray:
    """Copy of ``codes`` with the sites of sequences ``hit`` set to PAD."""
    codes = codes.copy()
    rows = np.flatnonzero(hit)
    cols = starts[rows, None] + np.arange(width)[None]
    codes[np.repeat(rows, width), np.clip(cols, 0, codes.shape[1] - 1).ravel()] = PAD
    return codes


def refine(pwm: np.ndarray, fg: np.ndarray, bg: np.ndarray, alphabet: Alphabet, background: np.ndarray,
           iterations: int = 5):
    """Refine a PWM by rounds of: score, best threshold, rebuild from foreground sites.

    Parameters
    ----------
    pwm : (A, W) starting probabilities.
    fg, bg : (N, L) and (M, L) uint8 codes.

    Returns
    -------
    pwm : (A, W) refined (not trimmed)
    """
    width = pwm.shape[1]
    for _ in range(iterations):
        info = site_statistics(pwm, fg, bg, alphabet, background)
        hit, start, strand = info["fg_sites"]
        if hit.sum() < 2:
            break
        new = counts_to_pwm(site_counts(fg[hit], start[hit], strand[hit], width, alphabet), pseudocount=0.5)
        if np.allclose(new, pwm, atol=1e-3):
            break
        pwm = new
    return pwm


def site_statistics(pwm: np.ndarray, fg: np.ndarray, bg: np.ndarray, alphabet: Alphabet,
                    background: np.ndarray) -> dict:
    """How ``pwm`` ``(A, W)`` separates ``fg`` from ``bg``: each sequence's best site, the best threshold on their
    scores, its log10 p, fg/bg hits, and ``fg_sites``/``bg_sites`` = (hit (N,) bool, start, strand)."""
    lo = log_odds(pwm, background)
    fs, fstart, fstrand = best_sites(fg, lo, alphabet)
    bs, bstart, bstrand = best_sites(bg, lo, alphabet)
    thr, logp, nf, nb = _best_threshold(fs, bs)
    return {"threshold": thr, "log10_p": logp, "fg_hits": nf, "bg_hits": nb, "n_fg": len(fg), "n_bg": len(bg),
            "fg_sites": (fs >= thr, fstart, fstrand), "bg_sites": (bs >= thr, bstart, bstrand)}


#: the most k-mers counted in a table (``A ** k``; 4 ** 12 for DNA)
MAX_KMERS = 4 ** 12


def seed_length(k: int | None, alphabet, *lengths: int) -> int:
    """The seed k-mer length :func:`discover_motifs` uses: ``k`` (default 8 for nucleic acids, 4 for proteins), at
    most the sequences' ``lengths``; a one-line error where its k-mers are too many to count."""
    alphabet = get_alphabet(alphabet)
    k = k or (8 if alphabet.is_nucleic else 4)
    if alphabet.size ** k > MAX_KMERS:
        longest = next(j for j in range(1, k) if alphabet.size ** (j + 1) > MAX_KMERS)
        raise SeqgenError(f"k-mers of length {k} are too many to count for {alphabet.name} (at most k = {longest})")
    return min(k, *lengths)


def discover_motifs(fg: np.ndarray, bg: np.ndarray, alphabet="dna", n_motifs: int = 5, k: int | None = None,
                    flank: int = 4, max_log10_p: float = -5.0, min_ic: float = 0.3, prefix: str = "seqgen"
                    ) -> list[Motif]:
    """Find motifs enriched in ``fg`` over ``bg``.

    Each round: count in how many sequences each k-mer occurs (DNA: strands
    merged), take the most enriched k-mer (hypergeometric) as a seed, widen it
    by ``flank`` uniform columns each side, refine it (:func:`refine`), trim
    weak edge columns, then mask its sites in both sets so the next round finds
    a different motif.

    Parameters
    ----------
    fg, bg : (N, L) and (M, L) uint8 codes (PAD allowed).
    alphabet : str or Alphabet
    n_motifs : int
        At most this many motifs.
    k : int, optional
        Seed length (default 8 for nucleic acids, 4 for proteins).
    max_log10_p : float
        Stop when the best motif's enrichment log10 p-value is above this.

    Returns
    -------
    list of Motif
        Ordered by discovery; ``stats`` holds ``log10_p`` (site enrichment), ``kmers_tested`` (the seed k-mers
        of its round, which the MEME file's E-value multiplies the p-value by), ``fg_hits``/``n_fg``,
        ``bg_hits``/``n_bg`` and the seed.
    """
    alphabet = get_alphabet(alphabet)
    if np.ndim(fg) != 2 or np.ndim(bg) != 2:
        raise SeqgenError(f"motif discovery reads (N, L) letter codes, not one-hot or single sequences (fg shape "
                          f"{np.shape(fg)}, bg shape {np.shape(bg)})")
    fg, bg = np.asarray(fg, dtype=np.uint8), np.asarray(bg, dtype=np.uint8)
    if len(fg) < 2 or len(bg) < 2:
        raise SeqgenError(f"motif discovery needs at least 2 foreground and 2 background sequences "
                          f"(got {len(fg)} and {len(bg)})")
    k = seed_length(k, alphabet, fg.shape[1], bg.shape[1])
    background = letter_frequencies(bg, alphabet.size)
    if alphabet.double_stranded:  # strand-symmetric background
        background = (background + background[::-1]) / 2
    motifs = []
    for number in range(1, n_motifs + 1):
        pf, pb = kmer_presence(fg, k, alphabet), kmer_presence(bg, k, alphabet)
        seed, logp = most_enriched(pf, len(fg), pb, len(bg), counted=pf >= 2)
        if logp > max_log10_p:
            break
        width = min(k + 2 * flank, fg.shape[1])
        pwm = refine(_seed_pwm(seed, k, alphabet.size, (width - k) // 2), fg, bg, alphabet, background)
        trimmed = trim(pwm, min_ic)
        info = site_statistics(trimmed, fg, bg, alphabet, background)  # of the matrix reported, and its sites
        if info["fg_hits"] < 2 or info["log10_p"] > max_log10_p:
            break
        seed_text = "".join(alphabet.letters[d] for d in (seed // alphabet.size ** np.arange(k - 1, -1, -1))
                            % alphabet.size)
        m = Motif(f"{prefix}-{number}", trimmed, alphabet, nsites=info["fg_hits"],
                  stats={"source": "sequences", "seed": seed_text, "log10_p": info["log10_p"],
                         "kmers_tested": int((pf >= 2).sum()), "fg_hits": info["fg_hits"], "n_fg": info["n_fg"],
                         "bg_hits": info["bg_hits"], "n_bg": info["n_bg"]})
        m.description = m.consensus
        motifs.append(m)
        lo = log_odds(trimmed, background)
        fg = _mask_all_sites(fg, lo, alphabet, info["threshold"])
        bg = _mask_all_sites(bg, lo, alphabet, info["threshold"])
    return motifs


def _mask_all_sites(codes: np.ndarray, lo: np.ndarray, alphabet: Alphabet, threshold: float) -> np.ndarray:
    """Copy of ``codes`` with every window scoring at least ``threshold`` under ``lo`` set to PAD, not only each
    sequence's best: a sequence with two copies of a motif otherwise keeps one, and the next round finds the same
    motif again. Each pass rescans only the sequences the last one masked a site of (masking one sequence leaves
    the others' best sites as they were)."""
    codes, rows = codes.copy(), np.arange(len(codes))
    while len(rows):
        score, start, strand = best_sites(codes[rows], lo, alphabet)
        hit = score >= threshold
        rows = rows[hit]
        codes[rows] = _mask_sites(codes[rows], start[hit], strand[hit], np.ones(len(rows), bool), lo.shape[1])
    return codes


def top_and_rest(codes: np.ndarray, scores: np.ndarray, top: int):
    """Split ``(N, L)`` codes into the ``top`` highest-scoring sequences and the rest."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    return codes[order[:top]], codes[order[top:]]


#: shuffled copies of each foreground sequence in the background of an input without scores or background
SHUFFLED_COPIES = 3


def one_valued_label(data, label: str | None = None) -> str | None:
    """Why ``data``'s label (``label``, else its first) ranks nothing: it has one value for every sequence (a table of
    bound sequences only, its ``Bound`` column all 1s); None when it has two or more values, or there is no label."""
    if not data.label_names or not len(data):
        return None
    values = np.unique(data.label(label))
    name = label or data.label_names[0]
    return f"{name} is {values[0]:g} for every sequence, so it ranks nothing" if len(values) == 1 else None


def foreground_and_background(data, background: np.ndarray | None = None, background_name: str | None = None,
                              label: str | None = None, top: int = 500, max_sequences: int | None = None,
                              seed: int = 0):
    """The two sets a motif search compares (``seqgen motifs``), chosen by what the input holds.

    - ``background`` ``(M, L)`` codes given: all of ``data`` against them;
    - ``data`` has a label (``label``, else its first): a 0/1 label's 1s (at most ``top``, a random subset seeded by
      ``seed``) against its 0s; a score's ``top`` highest against the rest;
    - else (also when the label has one value only, as a table of bound sequences' ``Bound`` column of 1s):
      ``data`` (at most ``max_sequences``, a seeded random subset) against :data:`SHUFFLED_COPIES` shuffles
      of it (dinucleotide shuffles for nucleic acids, as MEME does; letters for proteins).

    Parameters
    ----------
    data : SequenceSet
        ``codes (N, L)``, ``ids (N,)`` and any labels.
    background_name : str, optional
        How the background is described (its file).

    Returns
    -------
    fg : (F, L) uint8 codes; fg_ids : (F,) ids; bg : (M, L) uint8 codes;
    how : str, the background in words (``params.json``); top : int or None, ``top`` where it ranked the input.
    """
    if background is not None:
        return data.codes, data.ids, background, background_name, None
    constant = one_valued_label(data, label)
    if data.label_names and constant is None:
        score, name = data.label(label), label or data.label_names[0]
        if set(np.unique(score)) <= {0.0, 1.0}:  # a class label: the positives against the negatives only
            pos, neg = np.flatnonzero(score == 1), np.flatnonzero(score == 0)
            how = f"the sequences of {name} 0"
            if len(pos) > top:
                how += f" (the foreground: a random {top} of the {len(pos)} sequences of {name} 1)"
                pos = np.sort(np.random.default_rng(seed).choice(pos, top, replace=False))
            return data.codes[pos], data.ids[pos], data.codes[neg], how, top
        if top > len(data) - 2:
            raise SeqgenError(f"the {top} top-scoring sequences (--top) leave fewer than 2 of the {len(data)} input "
                              f"sequences as background: give a smaller --top (a tenth to a fifth of the input)")
        fg, bg = top_and_rest(data.codes, score, top)
        fg_ids = data.ids[np.argsort(-score, kind="stable")[:top]]
        return fg, fg_ids, bg, f"the rest of the input, ranked by {name}", top
    kmer = 2 if data.alphabet.is_nucleic else 1  # nucleic acids: dinucleotides kept, as MEME does
    fg, fg_ids = data.codes, data.ids
    how = f"{'dinucleotide-' if kmer == 2 else ''}shuffled input ({SHUFFLED_COPIES} copies)"
    if max_sequences is not None and len(fg) > max_sequences:
        keep = np.sort(np.random.default_rng(seed).choice(len(fg), max_sequences, replace=False))
        fg, fg_ids = fg[keep], fg_ids[keep]
        how += f"; a random {max_sequences} of the {len(data)} input sequences"
    how += f"; {constant}" if constant else ""
    bg = np.concatenate([shuffled(fg, seed + i, kmer) for i in range(SHUFFLED_COPIES)])
    return fg, fg_ids, bg, how, None


#: foreground sequences more alike than this on average (the fraction of positions two of them share) are
#: mostly one sequence: designs from one --start, near copies
SHARED_IDENTITY = 0.6


def shared_sequence_note(fg: np.ndarray) -> str:
    """A note where the ``(F, L)`` foreground codes searched against their shuffles are mostly one sequence (mean
    pairwise identity above :data:`SHARED_IDENTITY`): the sequence they share, not a motif, is what shuffling
    destroys, so its segments come out as motifs; '' otherwise (or with padding)."""
    from seqgen.metrics import mean_pairwise_hamming

    if len(fg) < 2 or (fg == PAD).any():
        return ""
    identity = 1 - mean_pairwise_hamming(fg) / fg.shape[1]
    if identity <= SHARED_IDENTITY:
        return ""
    return (f"note: the {len(fg)} sequences share {identity:.0%} of their letters on average (designs from one "
            f"start?): against their shuffles, segments of the sequence they share come out as motifs; give "
            f"--background real sequences of the kind (e.g. the training data) to find what sets them apart")


# ---------------------------------------------------------------- Tomtom and FIMO

#: a JASPAR match is named as the motif's match (drawn under its logo, in summaries) only at q <= MATCH_Q
MATCH_Q = 0.05
#: ... and only for a motif of at least MIN_MATCH_BITS bits in all (two fully specified DNA letters): Tomtom's
#: p-values are conditional on the query, and a near-flat query (whose columns all score alike against every target
#: column) gets tiny ones against long, low-information JASPAR matrices (a flat 8-column motif: CTCF or GATA1::TAL1
#: at q < 1e-10)
MIN_MATCH_BITS = 4.0
#: a named match is marked weak evidence when column-shuffled copies of the motif match JASPAR as well in more than
#: ORDER_P of ORDER_COPIES cases (:func:`order_p_values`): then the match rests on the motif's letters, not on their
#: order. Random motifs of 4-10 bits get a best match at q <= 0.05 in 10-52% of cases, mostly long, low-information
#: matrices; 2.5-6% get one that passes this test, at every information content, while 99-100% of motifs
#: re-estimated from 20 sites of a JASPAR matrix pass it (benchmarks/tomtom_calibration.py)
ORDER_P = 0.05
ORDER_COPIES = 199

TOMTOM_COLUMNS = ["query", "rank", "target", "target_name", "target_family", "p_value", "e_value", "q_value",
                  "offset", "overlap", "orientation", "query_consensus", "query_bits", "order_p"]


def _query_bits(matches: pd.DataFrame) -> pd.Series:
    """The ``query_bits`` column (infinite in a table written before it was added: q decides alone)."""
    return matches["query_bits"] if "query_bits" in matches else pd.Series(np.inf, index=matches.index)


def _order_p(matches: pd.DataFrame) -> pd.Series:
    """The ``order_p`` column (0 in a table written before it was added, or where it was not computed: no mark)."""
    return matches["order_p"].fillna(0.0) if "order_p" in matches else pd.Series(0.0, index=matches.index)


def significant(matches: pd.DataFrame) -> pd.Series:
    """Which rows of a Tomtom table (:func:`tomtom`) name a match: q <= :data:`MATCH_Q` for a query of at least
    :data:`MIN_MATCH_BITS` bits."""
    return (matches["q_value"] <= MATCH_Q) & (_query_bits(matches) >= MIN_MATCH_BITS)


def match_strength(row) -> str:
    """What a Tomtom row says of its query: ``none`` (q above :data:`MATCH_Q`), ``too little information`` (a
    query under :data:`MIN_MATCH_BITS` bits), ``weak`` (a named match that column-shuffled copies of the query
    equal too often: ``order_p`` above :data:`ORDER_P`) or ``named``; the same rule as :func:`significant`."""
    frame = pd.DataFrame([row])
    if row["q_value"] > MATCH_Q:
        return "none"
    if not significant(frame).iloc[0]:
        return "too little information"
    return "weak" if _order_p(frame).iloc[0] > ORDER_P else "named"


def match_verdict(row) -> str:
    """A Tomtom row's :func:`match_strength` as a phrase for a motif's line: ``best JASPAR match ...``, ``too
    little information ...`` or ``no significant JASPAR match ...``."""
    q, strength = f"q = {row['q_value']:.2g}", match_strength(row)
    if strength in ("named", "weak"):
        weak = (f"; weak evidence: shuffled copies match as well, order p = {row['order_p']:.2g}"
                if strength == "weak" else "")
        return f"best JASPAR match {row['target_name']} ({row['target']}, {q}{weak})"
    if strength == "too little information":
        return (f"too little information ({row['query_bits']:.2f} bits, under {MIN_MATCH_BITS:g}) to name a JASPAR "
                f"match (best {row['target_name']}, {q})")
    return f"no significant JASPAR match (best {row['target_name']}, {q})"


def column_shuffles(pwm: np.ndarray, copies: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``copies`` copies of ``(A, W)`` ``pwm`` with its columns in a random order each: the same letters and bits,
    none of the order."""
    return [np.ascontiguousarray(pwm[:, rng.permutation(pwm.shape[1])]) for _ in range(copies)]


def order_p_values(queries: list[Motif], targets: list[Motif], best_p: np.ndarray, copies: int = ORDER_COPIES,
                   seed: int = 0) -> np.ndarray:
    """How often column-shuffled copies of each query match some target as well as the query does.

    A transcription factor's motif is an ordered string of columns; a match that shuffled copies reach as well
    rests on the query's letters alone (a G-rich query against long, low-information matrices), not on what the
    two motifs share. Under the null that the order carries nothing, the query is one more shuffle, so
    ``(1 + #copies whose best p <= the query's best p) / (1 + copies)`` is a valid permutation p-value.

    Parameters
    ----------
    queries, targets : lists of DNA motifs, as for :func:`tomtom`.
    best_p : np.ndarray
        ``(Q,)`` each query's smallest Tomtom p-value over ``targets``.
    copies : int
        Shuffled copies per query (the smallest p-value is ``1 / (1 + copies)``).
    seed : int
        Seeds the shuffles (the same queries give the same p-values).

    Returns
    -------
    np.ndarray
        ``(Q,)`` p-values in ``[1 / (1 + copies), 1]``.
    """
    from memelite import tomtom as _tomtom

    rng = np.random.default_rng(seed)
    shuffles = [s for m in queries for s in column_shuffles(m.pwm, copies, rng)]
    p = _tomtom(shuffles, [np.ascontiguousarray(m.pwm) for m in targets], n_nearest=1)[0]  # (Q * copies, 1)
    as_good = (p.reshape(len(queries), copies) <= np.asarray(best_p)[:, None]).sum(1)
    return (1.0 + as_good) / (1.0 + copies)


def tomtom(queries: list[Motif], targets: list[Motif], top: int = 5, order_copies: int = ORDER_COPIES
           ) -> pd.DataFrame:
    """Compare each query with every target by Tomtom (memelite), both strands.

    Parameters
    ----------
    queries, targets : lists of DNA motifs.
    top : int
        Matches kept per query, best first.
    order_copies : int
        Column-shuffled copies of each query behind ``order_p`` (:func:`order_p_values`); 0 leaves it empty.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TOMTOM_COLUMNS`. ``e_value`` = p x number of targets;
        ``q_value``: Benjamini-Hochberg over all targets of the query;
        ``orientation`` is ``-`` when the query matches the target's reverse
        complement; ``offset`` is memelite's alignment offset; ``query_bits``
        the query's information content in bits, summed over its columns;
        ``order_p`` the query's order p-value, the same on each of its rows
        (:func:`significant` and :func:`match_strength` use the last two).
    """
    from memelite import tomtom as _tomtom

    if not queries:
        return pd.DataFrame(columns=TOMTOM_COLUMNS)
    q = [np.ascontiguousarray(m.pwm) for m in queries]
    t = [np.ascontiguousarray(m.pwm) for m in targets]
    p, _, offsets, overlaps, strands = _tomtom(q, t)
    qv = bh_qvalues(p)
    order_p = (order_p_values(queries, targets, p.min(1), order_copies) if order_copies
               else np.full(len(queries), np.nan))
    rows = []
    for i, m in enumerate(queries):
        bits = float(information_content(m.pwm).sum())
        for rank, j in enumerate(np.argsort(p[i], kind="stable")[:top], start=1):
            rows.append({"query": m.name, "rank": rank, "target": targets[j].name,
                         "target_name": targets[j].description, "target_family": targets[j].stats.get("family", ""),
                         "p_value": p[i, j], "e_value": p[i, j] * len(targets), "q_value": qv[i, j],
                         "offset": int(offsets[i, j]), "overlap": int(overlaps[i, j]),
                         "orientation": "-" if strands[i, j] else "+", "query_consensus": m.consensus,
                         "query_bits": bits, "order_p": order_p[i]})
    return pd.DataFrame(rows, columns=TOMTOM_COLUMNS)


SITE_COLUMNS = ["motif", "sequence", "index", "start", "end", "strand", "score", "p_value"]


def best_site_p(motif: Motif) -> float:
    """The smallest p-value a window can reach for ``motif`` under the scan's uniform background: the chance that a
    random window has a best letter at every column. A motif whose best p-value is above the scan's threshold has no
    site anywhere (a 6-wide DNA motif: 4^-6 = 2.4e-4 > 1e-4)."""
    ties = (motif.pwm >= motif.pwm.max(0, keepdims=True) - 1e-12).sum(0)  # best letters per column
    return float(np.prod(ties / motif.alphabet.size))


def unreachable_note(motifs: list[Motif], threshold: float) -> str | None:
    """A sentence naming the motifs that cannot have a site at p < ``threshold`` (None when every one can)."""
    short = [m for m in motifs if best_site_p(m) >= threshold]
    if not short:
        return None
    named = ", ".join(f"{m.name} ({m.consensus}, best p {best_site_p(m):.2g})" for m in short)
    return (f"{named} cannot reach p < {threshold:g} at any window (too short or too degenerate), so no sites of "
            f"{'it' if len(short) == 1 else 'them'} are listed; a larger site p-value threshold (--site-p, the "
            f"workflow's motifs.site_p) lists them")


def scan(motifs: list[Motif], codes: np.ndarray, ids=None, threshold: float = SITE_P) -> pd.DataFrame:
    """Motif sites in sequences, by FIMO (memelite) for DNA/RNA; for proteins by :func:`scan_exact` (memelite's
    FIMO scores against a background of 0.25 a letter, which is right for 4 letters only). Sites reach no further
    than each sequence's own end (not into the padding of a shorter one).

    Parameters
    ----------
    motifs : list of Motif (one alphabet)
    codes : (N, L) uint8 codes.
    ids : (N,) sequence names (default: indices).
    threshold : float
        Site p-value threshold.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SITE_COLUMNS`; ``start``/``end`` are 0-based, end exclusive.
    """
    from memelite import fimo

    from seqgen.data import one_hot

    if not motifs or len(codes) == 0:
        return pd.DataFrame(columns=SITE_COLUMNS)
    alphabet = motifs[0].alphabet
    codes = np.asarray(codes, dtype=np.uint8)
    names = np.asarray(ids if ids is not None else np.arange(len(codes))).astype(str)
    if alphabet.size != 4:
        return scan_exact(motifs, codes, names, threshold)
    x = one_hot(codes, alphabet.size)
    named = {m.name: np.ascontiguousarray(m.pwm) for m in motifs}
    hits = fimo(named, x, alphabet=list(alphabet.letters), threshold=threshold,
                reverse_complement=alphabet.double_stranded)
    hits = [h for h in hits if len(h)]
    if not hits:
        return pd.DataFrame(columns=SITE_COLUMNS)
    table = pd.concat(hits, ignore_index=True)
    index = table["sequence_name"].to_numpy(dtype=np.int64)
    table = table[table["end"].to_numpy() <= (codes != PAD).sum(1)[index]]  # not into the padding
    index = table["sequence_name"].to_numpy(dtype=np.int64)
    name = table["motif_name"]  # a motif's own name stays whole; NAME-rc (memelite's reverse strand) is NAME
    motif = name.where(name.isin({m.name for m in motifs}), name.str.replace(r"-rc$", "", regex=True))
    out = pd.DataFrame({"motif": motif, "sequence": names[index],
                        "index": index, "start": table["start"].astype(int), "end": table["end"].astype(int),
                        "strand": table["strand"], "score": table["score"], "p_value": table["p-value"]})
    return out.sort_values(["index", "start", "p_value"], kind="stable").reset_index(drop=True)


def score_tail(lo: np.ndarray, background: np.ndarray, bin_size: float = 0.1) -> tuple[np.ndarray, int, np.ndarray]:
    """Exact p-values of a log-odds matrix's window scores under a background, as FIMO computes them.

    Parameters
    ----------
    lo : (A, W) log-odds in bits; background : (A,) letter probabilities.

    Returns
    -------
    binned : (A, W) int64 scores in units of ``bin_size``
    lowest : int, the lowest window score (binned)
    tail : (S,) P(score >= lowest + i) for a background window
    """
    binned = np.round(lo / bin_size).astype(np.int64)
    shift = binned - binned.min(0)
    dist = np.ones(1)
    for column in shift.T:  # W columns, A letters each: the score distribution, one column at a time
        new = np.zeros(len(dist) + int(column.max()))
        for letter, step in enumerate(column):
            new[step: step + len(dist)] += background[letter] * dist
        dist = new
    return binned, int(binned.min(0).sum()), np.cumsum(dist[::-1])[::-1]


def scan_exact(motifs: list[Motif], codes: np.ndarray, names: np.ndarray, threshold: float = SITE_P,
               eps: float = 1e-4, bin_size: float = 0.1) -> pd.DataFrame:
    """Forward-strand sites of ``(N, L)`` codes with an exact p-value below ``threshold`` under a uniform
    background of the motifs' alphabet (scores in bits, as FIMO: log2(p + eps) - log2(1 / A)); windows that
    reach into padding are not scanned."""
    size = motifs[0].alphabet.size
    background = np.full(size, 1.0 / size)
    parts = []
    for m in motifs:
        lo = np.log2(m.pwm + eps) - np.log2(background)[:, None]
        binned, lowest, tail = score_tail(lo, background, bin_size)
        score = window_scores(codes, binned.astype(np.float64))  # (N, P) binned; -inf touching padding
        p = np.ones_like(score)
        ok = np.isfinite(score)
        p[ok] = tail[score[ok].astype(np.int64) - lowest]
        seq, start = np.nonzero(p < threshold)
        parts.append(pd.DataFrame({"motif": m.name, "sequence": names[seq], "index": seq, "start": start,
                                   "end": start + m.width, "strand": "+", "score": score[seq, start] * bin_size,
                                   "p_value": p[seq, start]}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SITE_COLUMNS)
    return out[SITE_COLUMNS].sort_values(["index", "start", "p_value"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- MEME format

def log10_text(log10_value: float) -> str:
    """``10 ** log10_value`` written with 3 significant digits, as MEME writes E-values: also below float's range
    (a motif in thousands of sequences has log10 p-values of -2000, which ``10 **`` would round to 0)."""
    exponent = int(np.floor(log10_value))
    mantissa = round(10 ** (log10_value - exponent), 2)
    if mantissa >= 10:  # 9.995 rounds up
        mantissa, exponent = 1.0, exponent + 1
    if -300 < exponent < 300:
        return f"{mantissa * 10.0 ** exponent:.3g}"
    return f"{mantissa:.3g}e{exponent:+03d}"


def log10_evalue(log10_p: float, kmers_tested: int = 1) -> float:
    """log10 of a discovered motif's E-value: its enrichment p-value times the seed k-mers it was the best of
    (Bonferroni: how many motifs this enriched the search would find by chance)."""
    return log10_p + float(np.log10(kmers_tested))


def write_meme(path, motifs: list[Motif], background: np.ndarray | None = None) -> None:
    """Write motifs to a MEME (version 4) text file, atomically.

    All motifs must share one alphabet; ``background`` ``(A,)`` defaults to uniform.
    """
    alphabet = motifs[0].alphabet if motifs else DNA
    if any(m.alphabet != alphabet for m in motifs):
        raise SeqgenError("cannot write motifs of different alphabets to one MEME file", path)
    spaced = [m.name for m in motifs if not m.name or re.search(r"\s", m.name)]
    if spaced:  # the MOTIF line's first word is the name: read back, "my motif" would be "my", described "motif"
        raise SeqgenError(f"motif name {spaced[0]!r} is empty or holds white space, which a MEME file cannot keep; "
                          f"rename it (e.g. {'_'.join(spaced[0].split()) or 'motif-1'!r})", path)
    bg = np.full(alphabet.size, 1.0 / alphabet.size) if background is None else np.asarray(background)
    lines = ["MEME version 4", "", f"ALPHABET= {alphabet.letters}", ""]
    lines += ["strands: + -" if alphabet.double_stranded else "strands: +", ""] if alphabet.is_nucleic else []
    lines += ["Background letter frequencies", " ".join(f"{c} {f:.4f}" for c, f in zip(alphabet.letters, bg)), ""]
    for m in motifs:
        evalue = "0"  # where there is none (a predictor's motif), as JASPAR writes
        if "log10_p" in m.stats:
            evalue = log10_text(log10_evalue(m.stats["log10_p"], m.stats.get("kmers_tested", 1)))
        lines.append(f"MOTIF {m.name} {m.description}".rstrip())
        lines.append(f"letter-probability matrix: alength= {alphabet.size} w= {m.width} nsites= {m.nsites} "
                     f"E= {evalue}")
        lines += [" ".join(f"{v:.6f}" for v in col) for col in m.pwm.T]
        lines.append("")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def read_meme(path) -> list[Motif]:
    """Read the motifs of a MEME text file (any MEME alphabet that seqgen knows)."""
    from pathlib import Path

    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SeqgenError(f"cannot read MEME file: {exc.strerror or exc}", path) from None
    letters = re.search(r"^ALPHABET=\s*(\S+)", text, re.M)
    letters = letters.group(1).upper() if letters else "ACGT"
    matches = [a for a in ("dna", "rna", "protein", "protein-gap") if get_alphabet(a).letters == letters]
    if not matches:
        raise SeqgenError(f"unsupported MEME alphabet {letters!r}", path)
    alphabet = get_alphabet(matches[0])
    motifs = []
    blocks = re.split(r"^MOTIF[ \t]+", text, flags=re.M)[1:]
    for block in blocks:
        head, _, body = block.partition("\n")
        fields = head.split(None, 1)
        mat = re.search(r"letter-probability matrix:([^\n]*)\n", body)
        if not fields or not mat:
            raise SeqgenError(f"motif {head.strip()!r} has no letter-probability matrix", path)
        width = int(re.search(r"w=\s*(\d+)", mat.group(1)).group(1))
        nsites = re.search(r"nsites=\s*([\d.eE+-]+)", mat.group(1))
        rows = body[mat.end():].strip().splitlines()[:width]
        try:
            pwm = np.array([[float(v) for v in r.split()] for r in rows]).T
        except ValueError:
            raise SeqgenError(f"motif {fields[0]!r}: bad number in its matrix", path) from None
        if pwm.shape != (alphabet.size, width):
            raise SeqgenError(f"motif {fields[0]!r}: matrix is not {width} rows of {alphabet.size} numbers", path)
        motifs.append(Motif(fields[0], pwm, alphabet, fields[1].strip() if len(fields) > 1 else "",
                            int(float(nsites.group(1))) if nsites else 0))
    return motifs


# ---------------------------------------------------------------- the `seqgen motifs` step

def versions() -> dict:
    """Versions of the packages behind a motif analysis or a report."""
    import importlib.metadata as md
    import platform

    out = {"python": platform.python_version()}
    for pkg in ("seqgen", "numpy", "pandas", "torch", "memelite", "pyjaspar", "logomaker", "matplotlib", "scipy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            if pkg == "seqgen":
                from seqgen import __version__

                out[pkg] = __version__
    return out


def write_results(out_dir, motifs: list[Motif], fg_codes: np.ndarray | None = None, fg_ids=None,
                  release: str = JASPAR_RELEASE, collection: str | None = JASPAR_COLLECTION,
                  tax_group: str | None = JASPAR_TAX_GROUP, params: dict | None = None,
                  background: np.ndarray | None = None, site_threshold: float = SITE_P,
                  stat_columns: tuple[str, ...] = DISCOVERY_STATS, residue_numbers=None) -> pd.DataFrame:
    """Write a motif folder: ``motifs.meme``, ``motifs.tsv``, ``tomtom.tsv``, ``sites.tsv``, ``logos/``,
    ``params.json``.

    Parameters
    ----------
    out_dir : folder (created if needed).
    motifs : list of Motif (one alphabet).
    fg_codes, fg_ids : (N, L) codes and ids of the sequences to scan for sites (FIMO).
    release, collection, tax_group : the JASPAR database to compare with (DNA/RNA motifs only).
    params : settings to record in ``params.json``.
    stat_columns : the ``motifs.tsv`` columns after motif, consensus, width and nsites when no motif was found
        (found motifs give their own ``stats``).
    residue_numbers : (L,) ints, optional
        The focus sequence's residue number of each column of an alignment (-1 where it has a gap): sites then
        also give ``focus_start`` and ``focus_end``, the residues of their first and last column (:func:`number_sites`).

    Returns
    -------
    pandas.DataFrame
        The Tomtom table (top 5 matches per motif).
    """
    import json
    from pathlib import Path

    from seqgen import plots
    from seqgen.atomic import write_text

    out = Path(out_dir)
    targets, matches = _jaspar_matches(motifs, release, collection, tax_group)
    # every slow step (Tomtom, FIMO) before the first file: a run killed on the way leaves the earlier run's
    # folder whole, not its tables beside this run's motifs.meme
    sites = None if fg_codes is None else number_sites(scan(motifs, fg_codes, fg_ids, site_threshold),
                                                       residue_numbers)
    _remove_earlier_outputs(out, motifs)
    write_meme(out / "motifs.meme", motifs, background)
    with atomic_path(out / "tomtom.tsv") as tmp:
        matches.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    summary = pd.DataFrame([{"motif": m.name, "consensus": m.consensus, "width": m.width, "nsites": m.nsites,
                             **{k: v for k, v in m.stats.items() if np.isscalar(v)}} for m in motifs],
                           columns=None if motifs else ["motif", "consensus", "width", "nsites", *stat_columns])
    if "log10_p" in summary:  # 4 digits of -211.3 would move the report's E-value off the MEME file's
        summary["log10_p"] = summary["log10_p"].map(lambda v: f"{v:.8g}" if pd.notna(v) else "")
    with atomic_path(out / "motifs.tsv") as tmp:
        summary.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    if sites is not None:
        with atomic_path(out / "sites.tsv") as tmp:
            sites.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    by_id = {t.name: t for t in targets}
    best = matches[(matches["rank"] == 1) & significant(matches)].set_index("query") if len(matches) else None
    for m in motifs:
        if best is not None and m.name in best.index:
            row = best.loc[m.name]
            fig = plots.motif_with_match(m, by_id[row["target"]], int(row["offset"]), row["orientation"],
                                         f"q = {row['q_value']:.2g}")
        else:
            fig = plots.logo(m)
        plots.save(fig, out / "logos" / m.name)
    info = {"n_motifs": len(motifs), "jaspar": {"release": release, "collection": collection,
                                                "tax_group": tax_group, "n_targets": len(targets)},
            "site_threshold": site_threshold, **(params or {}), "versions": versions()}
    write_text(out / "params.json", json.dumps(info, indent=2, default=str) + "\n")
    return matches


def _jaspar_matches(motifs: list[Motif], release: str, collection: str | None,
                    tax_group: str | None) -> tuple[list[Motif], pd.DataFrame]:
    """The JASPAR motifs compared with and Tomtom's table (top 5 matches per motif); DNA/RNA motifs only (JASPAR
    holds DNA motifs of transcription factors), none for protein."""
    nucleic = bool(motifs) and motifs[0].alphabet.double_stranded
    if not nucleic:
        return [], pd.DataFrame(columns=TOMTOM_COLUMNS)
    targets = jaspar_motifs(release, collection, tax_group)
    as_dna = [Motif(m.name, m.pwm, DNA, m.description, m.nsites, m.stats) for m in motifs]
    return targets, tomtom(as_dna, targets, top=5)


def _remove_earlier_outputs(out, motifs: list[Motif]) -> None:
    """Make the folder ``out`` and its ``logos/``; remove an earlier run's ``params.json`` (written last: a folder
    without it is unfinished), its ``sites.tsv`` (this run may scan none) and its logos of motifs this run has not.
    """
    from pathlib import Path

    logos = Path(out) / "logos"
    logos.mkdir(parents=True, exist_ok=True)
    for name in ("params.json", "sites.tsv"):
        (Path(out) / name).unlink(missing_ok=True)
    keep = {f"{m.name}.{fmt}" for m in motifs for fmt in ("png", "svg")}
    for path in logos.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink()


def number_sites(sites: pd.DataFrame, residue_numbers=None) -> pd.DataFrame:
    """``sites`` (:func:`scan`'s table, columns of an alignment) with ``focus_start`` and ``focus_end``: the focus
    sequence's residue numbers at the site's first and last column (empty where the focus has a gap there), so a
    protein family's motif reads as residues 69-79, not as columns. Unchanged without ``residue_numbers``."""
    if residue_numbers is None:
        return sites
    numbers = pd.array(np.asarray(residue_numbers, dtype=np.int64), dtype="Int64")
    numbers[np.asarray(residue_numbers) < 0] = pd.NA
    starts, ends = sites["start"].to_numpy(np.int64), sites["end"].to_numpy(np.int64) - 1
    return sites.assign(focus_start=numbers[starts], focus_end=numbers[ends])


def load_input(path, alphabet="dna", format: str | None = None, sequence_column: str = "sequence",
               label: str | None = None, scores: bool = True):
    """Read sequences for motif work: a seqgen ``.npz`` or any file :func:`seqgen.io.read_sequences` reads.

    A table (CSV/TSV) keeps the column ``label`` as its score; without ``label``, its one numeric column other
    than the sequence (``sequence_column``), ``id`` and ``index`` (several are an error: which one ranks the
    input is the user's choice). ``scores=False`` reads no scores (a background).
    """
    from pathlib import Path

    from seqgen.data import SequenceSet
    from seqgen.io import detect_format, read_sequences

    if str(path).endswith(".npz"):
        return SequenceSet.load(path)
    if not Path(path).is_file():
        raise SeqgenError("no such file", path)
    fmt = (format or detect_format(path)).lower()
    labels = ()
    if fmt in ("csv", "tsv") and scores:
        labels = [label] if label is not None else _score_column(path, fmt, sequence_column)
    return read_sequences(path, alphabet, fmt, sequence_column, label_columns=labels, ambiguous="drop", lengths="pad",
                          duplicate_ids="keep")


def _score_column(path, fmt: str, sequence_column: str) -> list[str]:
    """The score column of a table, as a list of at most one name (see :func:`load_input`)."""
    head = pd.read_csv(path, sep="," if fmt == "csv" else "\t", nrows=50)
    # a score column with a placeholder ('.', '-') in its first rows reads as text: count it as numeric when most of
    # its values are numbers (reading it then names the bad cell), not drop it and search against shuffles unasked
    numeric = [c for c in head.columns if c not in ("id", "index", sequence_column)
               and (pd.api.types.is_numeric_dtype(head[c])
                    or pd.to_numeric(head[c].dropna(), errors="coerce").notna().mean() > 0.5)]
    if len(numeric) > 1:
        raise SeqgenError(f"the table has several numeric columns ({', '.join(map(str, numeric))}): name the score "
                          "that ranks the sequences with --label", path)
    return numeric
