"""Scoring every window of a set of sequences under a log-odds matrix, fast: integer-rounded scores from tables of
letter groups (one gather per group of columns, both strands at once), each sequence's best site, site letter
counts."""
from __future__ import annotations

import numpy as np

from seqgen.alphabets import PAD, Alphabet

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
