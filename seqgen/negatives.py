"""Negatives for a classifier of bound sequences, such as ChIP-seq peaks, which come without any: the label
:data:`BOUND` (1 for the input's sequences, 0 for the negatives added) and three kinds of negatives.

- ``shuffle``: a dinucleotide shuffle of each sequence, or several (``per_positive``; DeepBind's background for
  ChIP-seq, Alipanahi et al. 2015): the same letters and neighbouring-letter counts, no motif. A classifier
  against them learns what makes a sequence more than its composition. Proteins get letter shuffles (a short
  protein's dinucleotides, nearly all different, often allow no other order), and a shuffle that comes out as its
  own sequence is left out.
- ``flanks``: the genome's windows of each interval's width centred ``distance`` letters either way of its centre
  (the interval moved along the genome), leaving out those that overlap any interval, run off their chromosome or
  hold a letter other than A, C, G, T. Real genomic sequence of the peaks' neighbourhoods (their GC content,
  repeats, other factors' sites): a classifier against them learns what sets bound sites apart from the sequence
  around them.
- ``gc-matched``: random windows of the genome (of the chromosomes the intervals are on), as many as there are
  intervals (or ``per_positive`` times as many) and of their length, drawn so that their GC content and
  soft-masked (repeat) share follow the intervals' (in bins of :data:`GC_BINS` and :data:`REPEAT_BINS`), overlapping no interval and of A, C, G, T only:
  the genome-wide background, matched as gkm-SVM's ``genNullSeqs`` matches it (HOMER's matches GC). Genomic
  negatives chosen for their similarity to the positives did best in Tourne et al. (2026); composition is the
  similarity these keep. A classifier against them cannot tell bound from unbound by GC content or repeats alone.

The generators should learn the bound sequences only: ``seqgen split --positives bound`` (the workflow does it).
"""
from __future__ import annotations

import numpy as np

from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.shuffle import shuffled

#: the kinds of negatives ``seqgen encode --negatives`` adds
NEGATIVES = ("shuffle", "flanks", "gc-matched")
#: the kinds cut out of a BED file's genome
GENOMIC_NEGATIVES = ("flanks", "gc-matched")
#: the label negatives make: 1 for the input's sequences, 0 for the negatives
BOUND = "bound"
#: letters between an interval and its flanks, by default (``--flank-distance``)
FLANK_DISTANCE = 3000
#: the GC-content bins ``gc-matched`` negatives match the intervals' in: fractions 0-0.02, 0.02-0.04, ..., 0.98-1
GC_BINS = 50
#: the bins of soft-masked (lowercase: repeat) share they match them in as well, within each GC bin: 0-0.1, ...
REPEAT_BINS = 10
#: ``gc-matched``: genome windows drawn a negative at most (all the windows of the chromosomes, side by side,
#: where there are fewer), from which those of the right composition are kept
CANDIDATES_PER_NEGATIVE = 1000
#: a letter's class: 0 for A and T, 1 for C and G, 2 and 3 for a, t and c, g (soft-masked), 4 for anything else
_CLASS = np.full(256, 4, dtype=np.uint8)
for _letters, _class in ((b"AT", 0), (b"CG", 1), (b"at", 2), (b"cg", 3)):
    _CLASS[np.frombuffer(_letters, dtype=np.uint8)] = _class
#: letters :func:`window_composition` weighs at a time
_CHUNK = 1 << 22


def with_shuffled_negatives(data: SequenceSet, seed: int = 0, source=None, per_positive: int = 1) -> SequenceSet:
    """``data`` followed by ``per_positive`` shuffles of each of its sequences (ids ``ID_shuffle``, then
    ``ID_shuffle2``...; dinucleotide shuffles of DNA and RNA, letter shuffles of proteins), labelled :data:`BOUND`
    1 and 0; a shuffle identical to its sequence (a short one's only order) is left out.

    Parameters
    ----------
    data : SequenceSet
        ``codes (N, L)``, without labels (a negative has no value of the input's labels).
    seed : int
        Seed of the shuffles.
    source : str or Path, optional
        The file ``data`` was read from, named in errors (default: ``data.path``).
    per_positive : int
        Shuffles of each sequence, each drawn on its own (the first as with one).

    Returns
    -------
    SequenceSet
        ``codes (N + M, L)``, ``labels (N + M, 1)``, the ``M <= per_positive * N`` shuffles after the sequences
        (every sequence's first, then every sequence's second...);
        ``meta['negatives']`` says how they were made.
    """
    if data.label_names:
        raise SeqgenError(f"negatives are labelled {BOUND} 0, and have no value of the input's labels "
                          f"({', '.join(data.label_names)}): encode the input without them (no --label-column; a PBM "
                          f"table's signal is a label to regress on)", source or data.path)
    kmer = 2 if data.alphabet.is_nucleic else 1
    check_per_positive(per_positive, "shuffle", source or data.path)
    rounds = [shuffled(data.codes, seed if r == 0 else [seed, r], kmer=kmer) for r in range(per_positive)]
    negatives = np.concatenate(rounds)  # (per_positive * N, L)
    new = np.flatnonzero((negatives != np.tile(data.codes, (per_positive, 1))).any(1))
    of = new % len(data)  # the sequence each negative shuffles
    suffix = np.array(["_shuffle"] + [f"_shuffle{r + 1}" for r in range(1, per_positive)])[new // len(data)]
    codes = np.concatenate([data.codes, negatives[new]])
    ids = np.concatenate([data.ids, np.char.add(data.ids[of].astype(str), suffix)])
    bound = np.repeat(np.array([1.0, 0.0], dtype=np.float32), [len(data), len(new)])
    meta = {**data.meta, "negatives": {"kind": "shuffle", "kmer": kmer, "n_positives": len(data),
                                       "n_negatives": len(new), "n_identical": per_positive * len(data) - len(new),
                                       "seed": int(seed), "per_positive": int(per_positive)}}
    locus = {name: np.concatenate([values, values[of]]) for name, values in data.locus().items()}  # its sequence's
    return SequenceSet(codes, data.alphabet, ids, np.concatenate([data.lengths, data.lengths[of]]), bound[:, None],
                       [BOUND], meta, **locus)


def check_per_positive(per_positive, kind: str | None, path=None) -> None:
    """Refuse, naming the option, a number of negatives a positive that is not a whole number of at least 1, or
    other than 1 where ``kind`` (the negatives) cannot make more: none, or flanks (two an interval)."""
    if isinstance(per_positive, bool) or not isinstance(per_positive, (int, np.integer)) or per_positive < 1:
        raise SeqgenError(f"--negatives-per-positive is a whole number of negatives, at least 1, not "
                          f"{per_positive!r}", path)
    if per_positive != 1 and kind not in ("shuffle", "gc-matched"):
        what = "flanks are the two windows either way of each interval" if kind == "flanks" else "no --negatives"
        raise SeqgenError(f"--negatives-per-positive {per_positive} is for --negatives shuffle or gc-matched, and "
                          f"{what}", path)


def overlapping(chrom: np.ndarray, start: np.ndarray, end: np.ndarray, region_chrom: np.ndarray,
                region_start: np.ndarray, region_end: np.ndarray) -> np.ndarray:
    """Which windows overlap any region, without a loop over either.

    Parameters
    ----------
    chrom, start, end : np.ndarray
        ``(N,)`` windows: integer chromosome codes, 0-based starts, exclusive ends.
    region_chrom, region_start, region_end : np.ndarray
        ``(M,)`` regions, chromosome codes as ``chrom``'s.

    Returns
    -------
    np.ndarray
        ``(N,)`` bool.
    """
    if not len(region_start):
        return np.zeros(len(start), dtype=bool)
    shift = np.int64(1) << 40  # past any chromosome: coordinates of all chromosomes on one line, never adjacent
    order = np.argsort(region_chrom * shift + region_start, kind="stable")
    lo = (region_chrom * shift + region_start)[order]
    reach = np.maximum.accumulate((region_chrom * shift + region_end)[order])  # the furthest end of regions so far
    before = np.searchsorted(lo, chrom * shift + end, side="left")  # regions starting before each window's end
    return (before > 0) & (reach[np.maximum(before - 1, 0)] > chrom * shift + start)


def flank_windows(start: np.ndarray, end: np.ndarray, distance: int) -> tuple[np.ndarray, np.ndarray]:
    """The two flanks of each interval: ``(2N,)`` starts and ends, the interval moved ``distance`` letters down
    then up the genome, so centred ``distance`` letters from its centre (rows ``2i`` and ``2i + 1`` of interval
    ``i``)."""
    if distance < 1:
        raise SeqgenError(f"--flank-distance is a number of letters, at least 1, not {distance}")
    offsets = np.array([-distance, distance], dtype=np.int64)
    return (start[:, None] + offsets).ravel(), (end[:, None] + offsets).ravel()


def positives(data: SequenceSet, label: str = BOUND) -> SequenceSet:
    """The sequences of ``data`` whose 0/1 ``label`` is 1: what generators should learn of a classifier's data.

    Parameters
    ----------
    data : SequenceSet
        ``codes (N, L)`` with the label ``label`` (a class: every value 0 or 1).

    Returns
    -------
    SequenceSet
        ``codes (P, L)``, the ``P`` positives in their order, all labels kept.
    """
    values = data.label(label)
    if not np.isin(values, (0.0, 1.0)).all():
        raise SeqgenError(f"the label {label!r} is not a class of 0s and 1s (it has {values.min():g} to "
                          f"{values.max():g}): only a class's positives can be picked out", data.path)
    if not (values == 1).any():
        raise SeqgenError(f"no sequence has {label} 1: nothing positive to keep", data.path)
    return data.subset(values == 1)


def composition_bin(gc: np.ndarray, masked: np.ndarray, length: int) -> np.ndarray:
    """``(N,)`` bins (0 to ``GC_BINS * REPEAT_BINS - 1``) of windows of ``length`` letters holding ``gc`` C or G
    and ``masked`` soft-masked letters: the GC bin, then the soft-masked share's bin within it."""
    gc_part = np.minimum(np.asarray(gc, dtype=np.int64) * GC_BINS // length, GC_BINS - 1)
    masked_part = np.minimum(np.asarray(masked, dtype=np.int64) * REPEAT_BINS // length, REPEAT_BINS - 1)
    return gc_part * REPEAT_BINS + masked_part


def compositions(sequences: list) -> tuple[np.ndarray, np.ndarray]:
    """``(N,)`` C and G (either case), and ``(N,)`` soft-masked (lowercase) letters, of each of ``sequences``
    (bytes, all of one length), in one pass: :func:`window_composition` over them joined."""
    if not sequences:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    length = len(sequences[0])
    starts = np.arange(len(sequences), dtype=np.int64) * length
    gc, masked, _ = window_composition(b"".join(sequences), starts, length)
    return gc, masked


def window_composition(letters: bytes, starts: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Composition of windows of one sequence, without a loop over them: one sum a window of a weight a letter
    (with ``m = length + 1``: A, T 0; C, G 1; a, t ``m``; c, g ``m + 1``; others ``m * m``), over stretches of
    :data:`_CHUNK` letters at a time, so that a chromosome needs little more memory than its bytes.

    Parameters
    ----------
    letters : bytes
        A chromosome, any case.
    starts : np.ndarray
        ``(K,)`` increasing window starts, ``starts[i] + length <= starts[i + 1]`` and ``<= len(letters)``.
    length : int

    Returns
    -------
    gc : np.ndarray
        ``(K,)`` int64, the C and G (either case) in each window.
    masked : np.ndarray
        ``(K,)`` int64, the soft-masked (lowercase) letters in each window.
    plain : np.ndarray
        ``(K,)`` bool, the window is of A, C, G, T only (either case).
    """
    m = length + 1
    dtype = np.int32 if length * m * m < 2 ** 31 else np.int64
    weights = np.array([0, 1, m, m + 1, m * m], dtype=dtype)[_CLASS]
    raw, sums = np.frombuffer(letters, dtype=np.uint8), np.zeros(len(starts), dtype=np.int64)
    edges = np.searchsorted(starts, np.arange(0, len(raw) + _CHUNK, _CHUNK))
    for first, last in zip(edges[:-1], edges[1:]):
        if first == last:
            continue
        low = starts[first]
        stretch = weights[raw[low:starts[last - 1] + length]]
        bounds = (np.stack([starts[first:last], starts[first:last] + length], 1) - low).ravel()[:-1]
        sums[first:last] = np.add.reduceat(stretch, bounds)[::2]  # the last window runs to the stretch's end
    return sums % m, sums // m % m, sums < m * m


def grid_windows(size: int, stride: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``(K,)`` starts of windows of ``length`` letters, one in each ``stride`` letters of a sequence of ``size``
    (``stride >= length``), placed at random within it: windows that never overlap."""
    slots = np.arange(size // stride, dtype=np.int64) * stride
    return slots + rng.integers(0, stride - length + 1, size=len(slots))


def lowest_in_bins(bins: np.ndarray, keys: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """Which of ``(N,)`` items to keep: in each bin ``b``, the ``quota[b]`` with the lowest keys (all of a bin that
    has fewer). With random keys: a uniform sample of each bin, which merging samples keeps (the lowest of a union
    are the lowest of the lowest of each part), so a genome can be sampled one chromosome at a time."""
    order = np.lexsort((keys, bins))
    sorted_bins = bins[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_bins, sorted_bins, side="left")
    keep = np.zeros(len(bins), dtype=bool)
    keep[order[rank < quota[sorted_bins]]] = True
    return keep
