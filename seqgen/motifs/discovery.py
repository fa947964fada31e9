"""Motif discovery: enriched k-mer seeds in a foreground against a background, refined to PWMs by rounds of
site selection at the score threshold that best separates the two (a STREME-like zero-or-one-site-per-sequence
scheme, both strands for DNA), each motif's sites masked before the next; and the foreground and background a
``seqgen motifs`` search compares."""
from __future__ import annotations

import math

import numpy as np

from seqgen.alphabets import PAD, Alphabet, get_alphabet, kmer_index
from seqgen.errors import SeqgenError
from seqgen.motifs.pwm import Motif, counts_to_pwm, letter_frequencies, log_odds, trim
from seqgen.motifs.windows import best_sites, site_counts
from seqgen.shuffle import shuffled
from seqgen.stats import hypergeom_log_tail, hypergeom_log_tail_bounds


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
