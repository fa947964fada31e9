"""SequenceSet: encoded sequences with ids and labels, saved as ``.npz``.

Sequences are held as ``(N, L)`` uint8 codes (see :mod:`seqgen.alphabets`) and
turned into channels-first one-hot ``(N, A, L)`` only when needed, in numpy or
torch.
"""
from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass, field

import numpy as np

from seqgen.alphabets import PAD, Alphabet, decode, get_alphabet
from seqgen.atomic import atomic_path
from seqgen.errors import SeqgenError

FORMAT_VERSION = 1

#: The optional ``(N,)`` arrays that place each sequence on a genome (a BED input's), in order.
LOCUS_FIELDS = ("chroms", "starts", "strands")
_LOCUS_DTYPES = {"chroms": str, "starts": np.int64, "strands": str}


@dataclass
class SequenceSet:
    """Encoded sequences.

    Attributes
    ----------
    codes : np.ndarray
        ``(N, L)`` uint8 letter codes; positions past a sequence's end hold PAD.
    alphabet : Alphabet
    ids : np.ndarray
        ``(N,)`` str record identifiers.
    lengths : np.ndarray
        ``(N,)`` int32 true lengths (``L`` unless padded).
    labels : np.ndarray
        ``(N, K)`` float32 labels (``K`` may be 0).
    label_names : list of str
        ``K`` names of the label columns.
    meta : dict
        JSON-serializable provenance (source file, format, settings).
    path : str or None
        The ``.npz`` it was loaded from (named in errors), None when built in memory.
    chroms : np.ndarray or None
        ``(N,)`` str, the genome sequence (chromosome) each sequence was cut from (a BED input's intervals and
        their genomic negatives), for splits that hold whole chromosomes out; None for other inputs.
    starts : np.ndarray or None
        ``(N,)`` int64, where on its chromosome each sequence begins (0-based, as BED): the sequence is the genome's
        ``[start, start + length)``, reverse-complemented on strand ``-``; a shuffle's are its sequence's. None
        for other inputs.
    strands : np.ndarray or None
        ``(N,)`` str, ``+``, ``-`` (read reverse-complemented) or ``.`` (no strand given); None for other inputs.
    """

    codes: np.ndarray
    alphabet: Alphabet
    ids: np.ndarray
    lengths: np.ndarray | None = None
    labels: np.ndarray | None = None
    label_names: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    path: str | None = field(default=None, compare=False, repr=False)
    chroms: np.ndarray | None = field(default=None, repr=False)
    starts: np.ndarray | None = field(default=None, repr=False)
    strands: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        self.codes = np.ascontiguousarray(self.codes, dtype=np.uint8)
        if self.codes.ndim != 2:
            raise ValueError(f"codes must be (N, L), got shape {self.codes.shape}")
        n, length = self.codes.shape
        self.alphabet = get_alphabet(self.alphabet)
        self.ids = np.asarray(self.ids, dtype=str)
        if self.lengths is None:
            self.lengths = np.full(n, length, dtype=np.int32)
        self.lengths = np.asarray(self.lengths, dtype=np.int32)
        if self.labels is None:
            self.labels = np.zeros((n, 0), dtype=np.float32)
        self.labels = np.asarray(self.labels, dtype=np.float32)
        if self.labels.ndim != 2:  # (N,) one label; (0, K) stays (0, K): no sequences, K labels
            self.labels = self.labels.reshape(n, -1)
        self.label_names = [str(x) for x in self.label_names]
        if len(self.ids) != n or len(self.lengths) != n:
            raise ValueError("ids, lengths and codes disagree on the number of sequences")
        if self.labels.shape[1] != len(self.label_names):
            raise ValueError("labels and label_names disagree on the number of labels")
        for name in LOCUS_FIELDS:
            if getattr(self, name) is not None:
                setattr(self, name, np.asarray(getattr(self, name), dtype=_LOCUS_DTYPES[name]))
                if getattr(self, name).shape != (n,):
                    raise ValueError(f"{name} and codes disagree on the number of sequences")

    def __eq__(self, other) -> bool:
        """Same alphabet, codes, ids, lengths, labels, label names, meta and genome places (``path`` is not
        compared)."""
        if not isinstance(other, SequenceSet):
            return NotImplemented
        mine, theirs = self.locus(), other.locus()
        return (self.alphabet == other.alphabet and self.label_names == other.label_names and self.meta == other.meta
                and mine.keys() == theirs.keys()
                and all(np.array_equal(a, b) for a, b in ((self.codes, other.codes), (self.ids, other.ids),
                                                          (self.lengths, other.lengths), (self.labels, other.labels),
                                                          *((mine[k], theirs[k]) for k in mine))))

    __hash__ = None  # mutable arrays

    def __len__(self) -> int:
        return self.codes.shape[0]

    @property
    def length(self) -> int:
        """``L``, the (padded) sequence length."""
        return self.codes.shape[1]

    @property
    def sequences(self) -> list[str]:
        """The sequences as strings."""
        return decode(self.codes, self.alphabet)

    def label(self, name: str | None = None) -> np.ndarray:
        """One label column, ``(N,)`` float32; the first one when ``name`` is None."""
        if not self.label_names:
            raise SeqgenError("the data set has no labels; encode it with a label column (--label-column)",
                              self.path)
        if name is None:
            return self.labels[:, 0]
        if name not in self.label_names:
            raise SeqgenError(f"no label {name!r}; the data set has {', '.join(self.label_names)}", self.path)
        return self.labels[:, self.label_names.index(name)]

    def locus(self, index=slice(None)) -> dict:
        """``{name: array}`` of the :data:`LOCUS_FIELDS` the set has (none but a BED input's), rows ``index``."""
        return {name: getattr(self, name)[index] for name in LOCUS_FIELDS if getattr(self, name) is not None}

    def coordinates(self, index=slice(None)) -> dict:
        """``{"chrom", "start", "end", "strand"}``, each ``(N,)`` (rows ``index``): the genome window of each
        sequence as BED gives it (0-based, ``end`` exclusive), for genome intervals (:attr:`starts`); ``{}`` for
        other input."""
        if self.starts is None or self.chroms is None or self.strands is None:
            return {}
        return {"chrom": self.chroms[index], "start": self.starts[index],
                "end": self.starts[index] + self.lengths[index], "strand": self.strands[index]}

    def subset(self, index) -> "SequenceSet":
        """The sequences selected by ``index`` (a boolean mask or integer array)."""
        return SequenceSet(self.codes[index], self.alphabet, self.ids[index], self.lengths[index],
                           self.labels[index], list(self.label_names), dict(self.meta), self.path,
                           **self.locus(index))

    def padded(self, length: int) -> "SequenceSet":
        """The same sequences with ``codes`` ``(N, length)``: PAD appended to reach ``length`` (no shorter than
        :attr:`length`); ``lengths`` keep each sequence's own."""
        if length < self.length:
            raise ValueError(f"cannot pad sequences of length {self.length} to {length}")
        codes = np.pad(self.codes, ((0, 0), (0, length - self.length)), constant_values=PAD)
        return SequenceSet(codes, self.alphabet, self.ids, self.lengths, self.labels, list(self.label_names),
                           dict(self.meta), self.path, **self.locus())

    def split(self, fraction: float, seed: int = 0, keep_first: bool = False) -> tuple["SequenceSet", "SequenceSet"]:
        """Random split into ``(rest, held_out)`` with ``fraction`` (between 0 and 1) of the sequences held out
        (of all of them but the first with ``keep_first``, which stays in ``rest``: an alignment's focus sequence,
        the first row to the models trained on it)."""
        if not 0 <= fraction <= 1:
            raise ValueError(f"split: fraction is the share of sequences held out, between 0 and 1, not {fraction}")
        first = int(bool(keep_first and len(self)))
        order = first + np.random.default_rng(seed).permutation(len(self) - first)
        n_out = int(round(fraction * len(order)))
        rest = np.concatenate([np.arange(first), np.sort(order[n_out:])])
        return self.subset(rest), self.subset(np.sort(order[:n_out]))

    def chromosome_split(self, names, option: str = "chromosomes") -> tuple[np.ndarray, np.ndarray]:
        """Sorted ``(rest, held_out)`` indices: every sequence of the chromosomes ``names`` held out (genome
        intervals, :attr:`chroms`), so that overlapping ones are never on both sides; an error naming ``option``
        where the set has no chromosomes or no sequence is on one of ``names``."""
        names = [str(name) for name in names]
        if self.chroms is None:
            raise SeqgenError(f"{option} holds out the sequences of whole chromosomes, and this data set has none: "
                              f"encode genome intervals (a BED file with --genome) to have them", self.path)
        missing = sorted(set(names) - set(self.chroms.tolist()))
        if missing:
            have = sorted(set(self.chroms.tolist()))
            raise SeqgenError(f"{option} names {', '.join(missing)}, which no sequence is on (the data set's "
                              f"chromosomes: {', '.join(have[:10])}{', ...' if len(have) > 10 else ''})", self.path)
        held = np.isin(self.chroms, names)
        return np.flatnonzero(~held), np.flatnonzero(held)

    def looks_like_dna(self) -> bool:
        """True for protein sequences made of A, C, G, T and N only: likely DNA read with the wrong alphabet."""
        if self.alphabet.is_nucleic:
            return False
        nucleotides = [self.alphabet.letters.index(c) for c in "ACGTN" if c in self.alphabet.letters]
        return bool(np.isin(self.codes, [*nucleotides, PAD]).all())

    def fingerprint(self) -> str:
        """SHA-1 of the alphabet, codes ``(N, L)`` and labels ``(N, K)``: which data a model was trained on."""
        digest = hashlib.sha1(self.alphabet.name.encode())
        for array in (self.codes, self.labels):
            digest.update(str(array.shape).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def save(self, path) -> None:
        """Write the set to ``path`` (``.npz``) atomically."""
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez(tmp, codes=self.codes, lengths=self.lengths, ids=self.ids, labels=self.labels,
                     label_names=np.asarray(self.label_names, dtype=str),
                     alphabet=np.asarray(self.alphabet.name),
                     meta=np.asarray(json.dumps(self.meta)), format_version=np.asarray(FORMAT_VERSION),
                     **self.locus())

    @classmethod
    def load(cls, path) -> "SequenceSet":
        """Read a set written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
        except FileNotFoundError:
            raise SeqgenError("no such file", path) from None
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            hint = "encode it first with 'seqgen encode'" if not str(path).endswith(".npz") else str(exc)
            raise SeqgenError(f"not a seqgen data file (.npz from 'seqgen encode'): {hint}", path) from None
        missing = {"codes", "ids", "alphabet"} - set(arrays)
        if missing:
            raise SeqgenError(f"not a seqgen data file: missing {', '.join(sorted(missing))}", path)
        try:
            return cls(arrays["codes"], str(arrays["alphabet"]), arrays["ids"], arrays.get("lengths"),
                       arrays.get("labels"), list(arrays.get("label_names", [])),
                       json.loads(str(arrays.get("meta", "{}"))), str(path),
                       **{name: arrays.get(name) for name in LOCUS_FIELDS})
        except ValueError as exc:
            raise SeqgenError(f"corrupt seqgen data file: {exc}", path) from None


def one_hot(codes, alphabet_size: int):
    """Channels-first one-hot encoding of codes, in numpy or torch.

    Parameters
    ----------
    codes : np.ndarray or torch.Tensor
        ``(N, L)`` uint8 codes (a list of lists is read as numpy); PAD (or any code >= ``alphabet_size``) becomes
        a zero column. One sequence is ``codes[None]``: 1-D codes are refused.
    alphabet_size : int
        ``A``.

    Returns
    -------
    np.ndarray or torch.Tensor
        ``(N, A, L)`` float32, of the same kind (and device) as ``codes``.
    """
    torch = sys.modules.get("torch")  # not imported: codes cannot be a tensor (and numpy needs no PyTorch)
    if torch is None or not torch.is_tensor(codes):
        codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"one_hot reads (N, L) codes, not shape {tuple(codes.shape)} (one sequence: codes[None])")
    if isinstance(codes, np.ndarray):  # one comparison pass, written channels-first (no (N, L, A) transposed)
        return (codes[:, None, :] == np.arange(alphabet_size)[:, None]).astype(np.float32)
    letters = torch.arange(alphabet_size, device=codes.device)  # on the device: no blocking host copy per batch
    table = torch.zeros(256, alphabet_size, device=codes.device)
    table[letters, letters] = 1.0
    return table[codes.long()].permute(0, 2, 1)


def codes_from_one_hot(x) -> np.ndarray:
    """Inverse of :func:`one_hot` (argmax over letters; all-zero columns become PAD).

    ``x``: ``(N, A, L)`` numpy array or torch tensor; returns ``(N, L)`` uint8.
    """
    x = x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)
    codes = x.argmax(axis=1).astype(np.uint8)
    codes[x.max(axis=1) <= 0] = PAD
    return codes
