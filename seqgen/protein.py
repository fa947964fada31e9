"""Protein families: sequence reweighting, mutant notation, and a site-independent baseline.

Conventions follow DeepSequence (Riesselman et al. 2018): a family alignment
is encoded in the ``protein-gap`` alphabet over the focus sequence's match
columns (see :func:`seqgen.io.parse_a2m`); identity between two sequences
counts the positions where both hold the same amino acid (gaps never match),
over the first sequence's non-gap positions; each sequence is weighted by
1 / (number of sequences, itself included, with identity above ``1 - theta``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch

from seqgen.alphabets import PROTEIN_GAP
from seqgen.data import SequenceSet, one_hot
from seqgen.errors import SeqgenError

GAP = PROTEIN_GAP.letters.index("-")
_MUTATION = re.compile(r"^([A-Z])(\d+)([A-Z*])$")
#: names of the wild type in deep mutational scanning tables (no substitution: score 0)
WILD_TYPE_NAMES = ("wt", "_wt", "wildtype", "wild-type", "wild_type")


def sequence_weights(codes: np.ndarray, theta: float = 0.2, device: torch.device | str = "cpu",
                     chunk: int = 2048, progress: bool = False) -> np.ndarray:
    """DeepSequence sequence weights of an alignment.

    Only the blocks on and above the diagonal of the ``(N, N)`` identity counts are computed (each gives the
    neighbours of both its row and its column chunk: half the work), from one-hot chunks made as they are needed
    (memory: a few ``(chunk, 20 L)`` blocks, not the whole alignment's one-hot).

    Parameters
    ----------
    codes : np.ndarray
        ``(N, L)`` uint8 codes in the protein-gap alphabet.
    theta : float
        Sequences closer than ``1 - theta`` identity count as neighbours.
    progress : bool
        A progress bar over the blocks (on a terminal).

    Returns
    -------
    np.ndarray
        ``(N,)`` float32 weights; their sum is the effective number of sequences. A row of gaps only has no
        neighbour, not even itself, and weight 0.
    """
    from tqdm.auto import tqdm

    codes = torch.as_tensor(codes, device=torch.device(device))
    residues = (codes < GAP).sum(1).float().clamp_min(1)  # (N,): the one-hot's letters, gaps and padding not
    neighbours = torch.zeros(len(codes), dtype=torch.int64, device=codes.device)
    starts = list(range(0, len(codes), chunk))
    with tqdm(total=len(starts) * (len(starts) + 1) // 2, desc="sequence weights", unit="block", leave=False,
              disable=None if progress else True) as bar:
        for i, first in enumerate(starts):
            rows = slice(first, first + chunk)
            x = _residue_one_hot(codes[rows])
            for second in starts[i:]:
                cols = slice(second, second + chunk)
                same = x @ (x if second == first else _residue_one_hot(codes[cols])).T  # (chunk, chunk) exact
                neighbours[rows] += (same / residues[rows, None] > 1 - theta).sum(1)
                if second != first:
                    neighbours[cols] += (same.T / residues[cols, None] > 1 - theta).sum(1)
                bar.update()
    weights = torch.where(neighbours > 0, 1.0 / neighbours.float().clamp_min(1), 0.0)
    return weights.cpu().numpy().astype(np.float32)


def _residue_one_hot(codes: torch.Tensor) -> torch.Tensor:
    """``(n, 20 L)`` float32 one-hot of ``(n, L)`` protein-gap codes, gaps (and padding) as all-zero columns."""
    return one_hot(codes, PROTEIN_GAP.size)[:, :GAP].reshape(len(codes), -1)


@dataclass
class Mutant:
    """A set of substitutions, e.g. ``H24A:G26C``, as alignment columns."""

    name: str
    columns: np.ndarray  #: ``(M,)`` column indices in the encoded alignment
    wild: np.ndarray  #: ``(M,)`` wild-type letter codes
    mutant: np.ndarray  #: ``(M,)`` substituted letter codes


def parse_mutants(names, focus_positions, focus_codes: np.ndarray, source="mutants") -> list[Mutant]:
    """Parse mutant names against the focus sequence.

    Parameters
    ----------
    names : list of str
        ``H24A`` or ``H24A:G26C`` (residue numbers as in the focus header ``NAME/START-END``).
    focus_positions : list of int
        Residue number of each encoded column (-1 where the focus has a gap).
    focus_codes : np.ndarray
        ``(L,)`` the focus sequence's codes.
    """
    column_of = {int(p): i for i, p in enumerate(focus_positions) if p >= 0}
    letters = PROTEIN_GAP.letters
    out = []
    for name in names:
        cols, wild, mut = [], [], []
        for w, pos, v in _substitutions(name, source):
            if pos not in column_of:
                raise SeqgenError(f"mutant {name!r}: residue {pos} is not a match column of the alignment", source)
            col = column_of[pos]
            if letters[focus_codes[col]] != w:
                raise SeqgenError(f"mutant {name!r}: residue {pos} is {letters[focus_codes[col]]}, not {w}", source)
            if v not in letters[:GAP]:
                raise SeqgenError(f"mutant {name!r}: {v!r} is not an amino acid", source)
            cols.append(col)
            wild.append(letters.index(w))
            mut.append(letters.index(v))
        out.append(Mutant(str(name), np.array(cols, np.int64), np.array(wild, np.uint8), np.array(mut, np.uint8)))
    return out


def _substitutions(name, source) -> list[tuple[str, int, str]]:
    """``[(wild letter, residue number, new letter), ...]`` of a mutant name such as ``H24A:G26C`` (or
    ``H24A;G26C``; ``H24*``: a stop; ``WT``: none); an error naming the mutant when a part is not of that form
    or a residue is substituted twice."""
    if str(name).strip().lower() in WILD_TYPE_NAMES:
        return []
    parts = []
    for part in re.split("[:;]", str(name).strip()):
        m = _MUTATION.match(part.strip())
        if not m:
            raise SeqgenError(f"mutant {name!r}: {part!r} is not of the form H24A (substitutions joined by ':')",
                              source)
        parts.append((m.group(1), int(m.group(2)), m.group(3)))
    residues = [pos for _, pos, _ in parts]
    if len(set(residues)) < len(residues):
        raise SeqgenError(f"mutant {name!r}: a residue is substituted twice", source)
    return parts


#: the ``note`` of a mutant that cannot be scored, by reason
OUTSIDE = "not scored: a residue outside the alignment's match columns"
STOP = "not scored: a stop codon"


def mutant_notes(names, family: dict, source="mutants") -> list[str]:
    """Why each mutant cannot be scored (``""``: it can): a stop, or a residue outside the match columns.

    ``family``: the alignment summary a family VAE stores (``focus_positions``, and where stored ``focus_start``
    and ``focus_residues``, every focus residue, inserts included). An error names the first mutant whose name
    does not parse, whose residue is not in the focus sequence, or whose wild-type letter is not the focus's.
    """
    present = {int(p) for p in family["focus_positions"] if p >= 0}
    notes = []
    for name in names:
        parts = _substitutions(name, source)
        if family.get("focus_residues") is not None and family.get("focus_start") is not None:
            _check_focus_residues(name, parts, family["focus_residues"], family["focus_start"], source)
        if any(v == "*" for _, _, v in parts):
            notes.append(STOP)
        else:
            notes.append("" if all(pos in present for _, pos, _ in parts) else OUTSIDE)
    return notes


def unscorable(names, notes) -> str:
    """``none of the 2 mutants can be scored (a residue outside the alignment's match columns: H24A; a stop codon:
    V29*)``: each reason of :func:`mutant_notes` with its first mutant, for a file of which no mutant can be
    scored."""
    first = {}
    for name, note in zip(names, notes):
        first.setdefault(note.removeprefix("not scored: "), name)
    return f"none of the {len(names)} mutants can be scored ({'; '.join(f'{n}: {m}' for n, m in first.items())})"


def _check_focus_residues(name, parts, residues: str, start: int, source) -> None:
    """Refuse a mutant whose residue is not in the focus sequence (``residues`` from number ``start``, inserts
    included) or whose wild-type letter is not the focus's."""
    for w, pos, _ in parts:
        if not start <= pos < start + len(residues):
            raise SeqgenError(f"mutant {name!r}: residue {pos} is not in the focus sequence (residues {start}-"
                              f"{start + len(residues) - 1})", source)
        if residues[pos - start] != w:
            raise SeqgenError(f"mutant {name!r}: residue {pos} is {residues[pos - start]}, not {w}", source)


def mutant_names_of(codes: np.ndarray, focus_codes: np.ndarray, focus_positions) -> list[str]:
    """Each sequence as substitutions of the focus sequence, in the notation :func:`parse_mutants` reads.

    Parameters
    ----------
    codes : np.ndarray
        ``(N, L)`` uint8 sequences of the alignment's match columns (``protein`` or ``protein-gap`` codes: the
        amino acids have the same codes in both).
    focus_codes : np.ndarray
        ``(L,)`` the focus sequence's codes.
    focus_positions : list of int
        Residue number of each column (-1 where the focus has a gap there: a residue in such a column is an
        insertion, which this notation cannot name, so it is left out).

    Returns
    -------
    list of str
        ``H24A:G26C`` (residues in order), ``WT`` where none differs.
    """
    codes = np.asarray(codes)
    positions = np.asarray(focus_positions)
    differs = (codes != np.asarray(focus_codes)[None]) & (positions >= 0)[None]  # (N, L)
    letters = np.array(list(PROTEIN_GAP.letters))
    wild = [f"{letters[w]}{p}" for w, p in zip(np.asarray(focus_codes), positions)]
    return [":".join(f"{wild[j]}{letters[codes[i, j]]}" for j in np.flatnonzero(row)) or "WT"
            for i, row in enumerate(differs)]


def whole_proteins(codes: np.ndarray, focus_positions, focus_residues: str, focus_start: int) -> list[str]:
    """Each sequence of an alignment's match columns as the whole protein it stands for: the focus protein with
    the sequence's residues at the match columns, the focus's own residues at its insert columns (which the
    alignment's models never see), gaps removed, and a residue where the focus has a gap inserted just before the
    next match column's residue.

    Parameters
    ----------
    codes : np.ndarray
        ``(N, L)`` uint8 ``protein`` or ``protein-gap`` codes of the match columns.
    focus_positions : list of int
        ``(L,)`` residue number of each column (-1 where the focus has a gap).
    focus_residues : str
        Every residue of the focus, inserts included, numbered from ``focus_start``.
    focus_start : int

    Returns
    -------
    list of str
        ``N`` proteins; the focus sequence's own row gives ``focus_residues``.
    """
    codes = np.asarray(codes)
    positions = np.asarray(focus_positions)
    letters = np.array(list(PROTEIN_GAP.letters))
    match = positions >= 0
    index = positions[match] - focus_start  # (M,) of each match column's residue in focus_residues
    table = np.repeat(np.array(list(focus_residues))[None], len(codes), axis=0)  # (N, R)
    table[:, index] = letters[codes[:, match]]
    inserted = np.flatnonzero(~match)
    following = np.where(match, positions - focus_start, table.shape[1])  # the residue of the next match column
    before = np.minimum.accumulate(following[::-1])[::-1][inserted]
    order = np.argsort(np.concatenate([2 * np.arange(table.shape[1]), 2 * before - 1]), kind="stable")
    table = np.concatenate([table, letters[codes[:, inserted]]], axis=1)[:, order]
    return ["".join(row).replace("-", "") for row in table]


def apply_mutants(focus_codes: np.ndarray, mutants: list[Mutant]) -> np.ndarray:
    """``(M, L)`` codes of each mutant of the focus sequence."""
    codes = np.repeat(focus_codes[None], len(mutants), axis=0)
    for i, m in enumerate(mutants):
        codes[i, m.columns] = m.mutant
    return codes


def weighted_counts(codes: np.ndarray, weights: np.ndarray, size: int, rows: int = 4096) -> np.ndarray:
    """``(A, L)`` float32: the summed ``(N,)`` weights of the sequences with letter ``a`` at column ``l`` of ``(N, L)``
    codes (PAD and codes >= ``size`` count for no letter), summed in float64 a block of rows at a time, without the
    ``(N, A, L)`` one-hot (2 GB for 50,000 x 500)."""
    n, length = codes.shape
    counts = np.zeros(size * length, dtype=np.float64)
    for start in range(0, n, rows):
        block = codes[start:start + rows].astype(np.int64)
        valid = block < size
        index = (block * length + np.arange(length))[valid]
        w = np.broadcast_to(np.asarray(weights[start:start + rows], np.float64)[:, None], block.shape)[valid]
        counts += np.bincount(index, weights=w, minlength=size * length)
    return counts.reshape(size, length).astype(np.float32)


class SiteIndependentModel:
    """Weighted per-column amino-acid frequencies (a PSSM) with a pseudocount.

    ``score(codes)`` is the log-probability of each sequence under independent columns;
    the mutation-effect score of a mutant is its log-probability minus the wild type's.
    """

    def __init__(self, data: SequenceSet, weights: np.ndarray | None = None, pseudocount: float = 1.0):
        w = np.ones(len(data), np.float32) if weights is None else np.asarray(weights, np.float32)
        counts = weighted_counts(data.codes, w, PROTEIN_GAP.size) + pseudocount / PROTEIN_GAP.size
        self.log_freq = np.log(counts / counts.sum(0, keepdims=True))  # (A, L)

    def score(self, codes: np.ndarray) -> np.ndarray:
        """``(N,)`` log-probability of ``(N, L)`` codes."""
        return self.log_freq[codes, np.arange(codes.shape[1])].sum(1)

    def mutation_effects(self, focus_codes: np.ndarray, mutants: list[Mutant]) -> np.ndarray:
        """``(M,)`` log p(mutant) - log p(wild type)."""
        return self.score(apply_mutants(focus_codes, mutants)) - self.score(focus_codes[None])[0]
