"""Alphabets and the vectorized mapping between letters and uint8 codes.

Sequences are stored as ``(N, L)`` uint8 codes: letter ``i`` of the alphabet is
code ``i``; :data:`PAD` marks positions past the end of a shorter sequence.
Every conversion goes through a 256-entry lookup table, so no Python loop ever
touches a single character.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PAD = 255  #: code of a padding position (one-hot: all zeros)
INVALID = 254  #: lookup-table value of a byte that is no letter of the alphabet
AMBIGUOUS = 253  #: lookup-table value of an ambiguity code (N, X, IUPAC ...)

AMBIGUITY_POLICIES = ("error", "drop")
#: a further policy, for scanning only (``seqgen predict --scan``): ambiguity codes kept as :data:`AMBIGUOUS` (a zero
#: one-hot column), and every window that holds one left out
KEEP_AMBIGUOUS = "keep"


@dataclass(frozen=True)
class Alphabet:
    """An ordered set of letters, case-insensitive.

    Parameters
    ----------
    name : str
        Short name used on the command line and in files (``dna``, ``protein``...).
    letters : str
        The letters in code order (upper case).
    ambiguous : str
        Letters that are valid in the field but stand for several letters
        (``N`` for DNA, ``X`` for protein); what happens to them is the
        caller's choice (see :data:`AMBIGUITY_POLICIES`).
    complement : str or None
        For nucleic acids, the complement of each letter in code order.
    double_stranded : bool
        A site may lie on either strand (DNA): motif searches, scans and forbidden k-mers cover the reverse
        complement too. RNA is single-stranded: its sites read one way only.
    """

    name: str
    letters: str
    ambiguous: str = ""
    complement: str | None = None
    double_stranded: bool = False
    encode_table: np.ndarray = field(init=False, repr=False, compare=False)
    decode_table: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        enc = np.full(256, INVALID, dtype=np.uint8)
        for code, letter in enumerate(self.letters):
            enc[ord(letter.upper())] = code
            enc[ord(letter.lower())] = code
        for letter in self.ambiguous:
            enc[ord(letter.upper())] = AMBIGUOUS
            enc[ord(letter.lower())] = AMBIGUOUS
        dec = np.zeros(256, dtype=np.uint8)  # PAD and unknown codes decode to b"" (NUL)
        dec[: self.size] = np.frombuffer(self.letters.encode("ascii"), dtype=np.uint8)
        object.__setattr__(self, "encode_table", enc)
        object.__setattr__(self, "decode_table", dec)

    @property
    def size(self) -> int:
        """Number of letters, ``A``."""
        return len(self.letters)

    @property
    def is_nucleic(self) -> bool:
        return self.complement is not None

    def complement_codes(self) -> np.ndarray:
        """Lookup table code -> complement code, shape ``(256,)`` uint8 (PAD stays PAD)."""
        if self.complement is None:
            raise ValueError(f"alphabet {self.name!r} has no complement")
        table = np.arange(256, dtype=np.uint8)
        for code, letter in enumerate(self.complement):
            table[code] = self.letters.index(letter)
        return table


DNA = Alphabet("dna", "ACGT", ambiguous="NRYKMSWBDHV", complement="TGCA", double_stranded=True)
RNA = Alphabet("rna", "ACGU", ambiguous="NRYKMSWBDHV", complement="UGCA")
PROTEIN = Alphabet("protein", "ACDEFGHIKLMNPQRSTVWY", ambiguous="XBZJUO*")
PROTEIN_GAP = Alphabet("protein-gap", "ACDEFGHIKLMNPQRSTVWY-", ambiguous="XBZJUO*")

ALPHABETS = {a.name: a for a in (DNA, RNA, PROTEIN, PROTEIN_GAP)}


def get_alphabet(name: str | Alphabet) -> Alphabet:
    """Return the alphabet called ``name`` (``dna``, ``rna``, ``protein``, ``protein-gap``)."""
    if isinstance(name, Alphabet):
        return name
    try:
        return ALPHABETS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown alphabet {name!r}; choose one of {', '.join(ALPHABETS)}") from None


def encode(sequences, alphabet: str | Alphabet) -> np.ndarray:
    """Encode equal-length strings to codes.

    Parameters
    ----------
    sequences : sequence of str or bytes
        ``N`` sequences of one length ``L``; a single str (or bytes) is one sequence, ``N = 1``.
    alphabet : str or Alphabet

    Returns
    -------
    np.ndarray
        ``(N, L)`` uint8 codes.

    Raises
    ------
    ValueError
        On unequal lengths, or a letter that is not in the alphabet (ambiguity
        codes included: use :mod:`seqgen.io` to read files with a policy).
    """
    alphabet = get_alphabet(alphabet)
    if isinstance(sequences, (str, bytes)):  # one sequence, not L sequences of one letter
        sequences = [sequences]
    seqs = [s.encode("ascii") if isinstance(s, str) else bytes(s) for s in sequences]
    if not seqs:
        return np.zeros((0, 0), dtype=np.uint8)
    length = len(seqs[0])
    if any(len(s) != length for s in seqs):
        raise ValueError("sequences have different lengths")
    raw = np.frombuffer(b"".join(seqs), dtype=np.uint8).reshape(len(seqs), length)
    codes = alphabet.encode_table[raw]
    bad = np.argwhere(codes >= AMBIGUOUS)
    if len(bad):
        i, j = bad[0]
        raise ValueError(
            f"sequence {i}: {chr(raw[i, j])!r} at position {j + 1} is not a letter of the {alphabet.name} alphabet"
        )
    return codes


def decode(codes: np.ndarray, alphabet: str | Alphabet) -> list[str]:
    """Decode ``(N, L)`` codes (or one sequence's ``(L,)``) to ``N`` strings; PAD positions (and codes that are no
    letter of the alphabet) are dropped wherever they are."""
    alphabet = get_alphabet(alphabet)
    codes = np.asarray(codes, dtype=np.uint8)
    if codes.ndim == 1:
        codes = codes[None]
    n, length = codes.shape
    if length == 0:
        return [""] * n
    letters = np.ascontiguousarray(alphabet.decode_table[codes])
    out = letters.view(f"S{length}").ravel()  # trailing NULs (PAD) drop here; leading or inner ones do not
    inner = ((letters[:, :-1] == 0) & (letters[:, 1:] != 0)).any(axis=1)
    if inner.any():  # e.g. codes_from_one_hot of a zero column (an N) inside a sequence
        out[inner] = [row.replace(b"\x00", b"") for row in out[inner].tolist()]  # np.char.replace keeps NULs
    return out.astype(str).tolist()


def reverse_complement(codes: np.ndarray, alphabet: str | Alphabet) -> np.ndarray:
    """Reverse complement of ``(N, L)`` codes (nucleic acids only).

    Padding of shorter sequences stays at the end, so a padded sequence maps to
    its own reverse complement, padded.
    """
    alphabet = get_alphabet(alphabet)
    codes = np.asarray(codes, dtype=np.uint8)
    rc = alphabet.complement_codes()[codes[..., ::-1]]
    padded = rc == PAD
    if padded.any():  # shift each row left by its number of pads
        n_pad = padded.sum(axis=-1, keepdims=True)
        cols = (np.arange(codes.shape[-1]) + n_pad) % codes.shape[-1]
        rc = np.take_along_axis(rc, cols, axis=-1)
    return rc


def kmer_index(codes: np.ndarray, k: int, base: int, dtype=np.int64) -> np.ndarray:
    """Every k-window of ``(N, L)`` codes read as a base-``base`` number (first letter most significant).

    Returns
    -------
    np.ndarray
        ``(N, L-k+1)`` of ``dtype`` (signed, large enough for ``base ** k``); -1 for windows holding PAD (or any
        code >= ``base``).
    """
    codes = np.asarray(codes)
    n, length = codes.shape
    width = max(length - k + 1, 0)
    index = np.zeros((n, width), dtype=dtype)
    valid = np.ones((n, width), dtype=bool)
    for j in range(k):  # k passes over (N, L) arrays, in place: no (N, L, k) temporary
        window = codes[:, j:j + width]
        valid &= window < base
        index *= base
        index += np.minimum(window, base - 1)
    index[~valid] = -1
    return index
