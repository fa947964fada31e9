"""Shuffled copies of sequences, the background of a motif search without one: letter shuffles, and uniform
dinucleotide shuffles (Altschul and Erickson 1985) drawn for many sequences at once."""
from __future__ import annotations

import numpy as np

from seqgen.alphabets import PAD


def shuffled(codes: np.ndarray, seed: int = 0, kmer: int = 2) -> np.ndarray:
    """Each sequence of ``(N, L)`` codes shuffled, keeping its ``kmer``-letter counts (PAD stays at the end).

    ``kmer=1`` keeps the letter composition; ``kmer=2`` (the default, as MEME's ``fasta-shuffle-letters -kmer 2``)
    keeps every dinucleotide count and the first and last letter, so that a background of shuffles has the
    input's dinucleotide composition (CpG depletion, CA/TG-rich sequence): a bias of neighbouring letters is not
    called a motif (with ``kmer=1`` it is), while longer words, motifs and repeats, are lost. Dinucleotide
    shuffles are uniform over the sequences with the same counts (Altschul and Erickson 1985, as in Kandel et
    al. 1996: a random last-exit tree by Wilson's algorithm, then a random order of the other edges, walked as an
    Eulerian path),
    drawn for all sequences of one length at once.
    """
    if kmer not in (1, 2):
        raise ValueError(f"kmer must be 1 or 2, not {kmer}")
    rng = np.random.default_rng(seed)
    if kmer == 1:
        keys = rng.random(codes.shape) + (codes == PAD)  # PAD sorts last
        return np.take_along_axis(codes, np.argsort(keys, axis=1, kind="stable"), axis=1)
    out = codes.copy()
    lengths = (codes != PAD).sum(1)
    for n in np.unique(lengths):
        rows = np.flatnonzero(lengths == n)
        if n > 3:
            out[rows, :n] = _dinucleotide_shuffle(codes[rows, :n], rng)
    return out


def _dinucleotide_shuffle(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(M, n)`` codes, each row shuffled keeping its dinucleotide counts (see :func:`shuffled`).

    Each row is a walk over the multigraph of its ``n - 1`` dinucleotides (letters are vertices). A uniformly
    random shuffle is an Eulerian walk from the row's first letter whose last exits from the letters form a
    random spanning tree towards its last letter; the tree is drawn with Wilson's loop-erased random walks (in
    time bounded by the walks' hitting times, also on low-complexity rows such as long single-letter runs), and
    every other out-edge of a letter is taken in a random order before its last exit.
    """
    m, n = x.shape
    size = int(x.max()) + 1
    src, dst = x[:, :-1], x[:, 1:]  # (M, n - 1) the edges of each row
    rows = np.arange(m)
    by_source = _order(src, rng.random(src.shape, dtype=np.float32))  # per row: each letter's edges together
    src, dst = np.take_along_axis(src, by_source, 1), np.take_along_axis(dst, by_source, 1)
    degree = np.stack([(src == a).sum(1) for a in range(size)], 1).astype(np.int32)  # (M, size) out-degrees
    first_edge = np.cumsum(degree, 1, dtype=np.int32) - degree
    last_exit = _wilson_tree(dst, degree, first_edge, x[:, -1], rng)  # (M, size) edge index, -1: none
    keys = rng.random(src.shape, dtype=np.float32)  # the other edges of a letter in random order ...
    has = last_exit >= 0
    keys[np.broadcast_to(rows[:, None], has.shape)[has], last_exit[has]] = 2.0  # ... and its last exit last
    dst = np.take_along_axis(dst, _order(src, keys), 1)
    next_edge = first_edge.copy()  # index of each letter's next unused out-edge
    walk = np.empty_like(x)
    walk[:, 0] = current = x[:, 0]
    for t in range(1, n):
        edge = next_edge[rows, current]
        next_edge[rows, current] += 1
        walk[:, t] = current = dst[rows, edge]
    return walk


def _order(letters: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.lexsort((keys, letters))`` along each row: ``(M, E)`` int64 column order by letter, then key, then
    column, for ``letters`` ``(M, E)`` uint8 and ``keys`` ``(M, E)`` float32 ``>= 0``.

    One sort of int64 values packing the letter, the key's bits (a float ``>= 0`` orders as its bits do) and the
    column (so no two tie): several times faster than lexsort's indirect sort; lexsort where they do not fit.
    """
    m, e = letters.shape
    column_bits = max(int(e - 1).bit_length(), 1)
    if column_bits > 24 or (e and int(letters.max()) > 255):
        return np.lexsort((keys, letters))
    packed = letters.astype(np.int64) << (31 + column_bits)
    packed |= keys.view(np.int32).astype(np.int64) << column_bits
    packed |= np.arange(e)
    packed.sort(axis=1)
    return packed & ((1 << column_bits) - 1)


def _wilson_tree(dst, degree, first_edge, root, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random spanning tree towards ``root`` of each row's edge multigraph (Wilson's algorithm).

    ``dst``: ``(M, E)`` edge heads, each letter's edges contiguous from ``first_edge[:, a]`` (``degree[:, a]`` of
    them). Returns ``(M, size)``: for each letter with out-edges but the root, the index of its tree edge (its
    last exit); -1 elsewhere.
    """
    m, size = degree.shape
    in_tree = degree == 0  # letters without out-edges (absent, or only last) need no exit
    in_tree[np.arange(m), root] = True
    exit_edge = np.full((m, size), -1, np.int64)
    for start in range(size):
        walking = np.flatnonzero(~in_tree[:, start])
        current = np.full(len(walking), start)
        while len(walking):  # random walks from `start` until the tree; a letter's latest exit erases loops
            edge = first_edge[walking, current] + (rng.random(len(walking)) * degree[walking, current]).astype(int)
            exit_edge[walking, current] = edge
            current = dst[walking, edge]
            going = ~in_tree[walking, current]
            walking, current = walking[going], current[going]
        tracing = np.flatnonzero(~in_tree[:, start])
        current = np.full(len(tracing), start)
        while len(tracing):  # the loop-erased path joins the tree
            in_tree[tracing, current] = True
            current = dst[tracing, exit_edge[tracing, current]]
            going = ~in_tree[tracing, current]
            tracing, current = tracing[going], current[going]
    exit_edge[np.arange(m), root] = -1
    return exit_edge
