"""Motifs as position probability matrices: :class:`Motif` and the PWM maths (counts to probabilities,
information content, trimming, log-odds, letter frequencies)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seqgen.alphabets import DNA, Alphabet, get_alphabet


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
