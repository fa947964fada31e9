"""Encoding parsed records under the ambiguity and length policies (:func:`encode_records`): letters refused or
dropped, trailing stops, the common length, and the gather of padded or trimmed rows in blocks."""
from __future__ import annotations

import numpy as np

from seqgen.alphabets import AMBIGUITY_POLICIES, AMBIGUOUS, INVALID, KEEP_AMBIGUOUS, PAD, Alphabet, get_alphabet
from seqgen.errors import SeqgenError
from seqgen.io.records import LENGTH_POLICIES, RawRecords, _letter_error, available_memory

def encode_records(raw: RawRecords, alphabet: str | Alphabet, path, ambiguous: str = "error",
                   lengths: str = "error", length: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encode parsed records under the ambiguity and length policies.

    Returns
    -------
    codes : np.ndarray
        ``(M, L)`` uint8, PAD past each record's end; under ``ambiguous='keep'`` (scanning only: the windows that
        hold one are skipped), an ambiguity code is kept as :data:`~seqgen.alphabets.AMBIGUOUS`.
    lengths : np.ndarray
        ``(M,)`` int32 kept lengths.
    kept : np.ndarray
        ``(M,)`` int64 indices of the records kept (records with ambiguity
        codes are dropped under ``ambiguous='drop'``).
    """
    alphabet = get_alphabet(alphabet)
    if len(raw.ids) == 0:
        raise SeqgenError("no sequences in the file", path)
    if ambiguous not in (*AMBIGUITY_POLICIES, KEEP_AMBIGUOUS):
        raise SeqgenError(f"ambiguity policy must be one of {', '.join(AMBIGUITY_POLICIES)}, not {ambiguous!r}")
    if lengths not in LENGTH_POLICIES:
        raise SeqgenError(f"length policy must be one of {', '.join(LENGTH_POLICIES)}, not {lengths!r}")
    if "focus_id" in raw.meta and lengths != "error":
        raise SeqgenError(f"--lengths {lengths} would shift an alignment's columns: its rows must have the same match "
                          f"columns", path)
    stripped = _strip_trailing_stops(raw) if not alphabet.is_nucleic else 0
    flat = alphabet.encode_table[raw.buffer]
    suspicious = len(flat) and flat.max() >= AMBIGUOUS  # one pass; the details only when needed
    if suspicious:
        _refuse_invalid_letters(raw, flat, alphabet, path)
    kept = _without_ambiguous(raw, flat, stripped, ambiguous, lengths, length, path) \
        if suspicious and ambiguous != KEEP_AMBIGUOUS else np.arange(len(raw.ids))
    starts, ends = raw.starts[kept], raw.ends[kept]
    lens = ends - starts
    width = _target_length(raw, kept, lens, lengths, length, path)
    take = np.minimum(lens, width)
    n = len(kept)
    if (take == width).all() and (np.diff(starts) == width).all():  # contiguous, equal lengths: no gather
        codes = flat[starts[0]:starts[0] + n * width].reshape(n, width)
    else:
        free = available_memory()
        if free is not None and n * width > free // 2:  # padding to the longest record can outgrow the file
            raise SeqgenError(f"{n} records padded to length {width} need {n * width / 2**30:.1f} GiB, more than half "
                              f"of the {free / 2**30:.1f} GiB available; trim (--lengths trim, --length) or split "
                              f"the long records off", path)
        codes = _gather_rows(flat, starts, take, width)
    return np.ascontiguousarray(codes), take.astype(np.int32), kept


def _refuse_invalid_letters(raw: RawRecords, flat: np.ndarray, alphabet: Alphabet, path) -> None:
    """Refuse the first letter of ``flat`` (the buffer's codes) that is not of ``alphabet``, naming its record,
    line and column, with a hint where it belongs to another alphabet."""
    bad = np.flatnonzero(flat == INVALID)
    if not len(bad):
        return
    letter = chr(raw.buffer[bad[0]]).upper()
    hint = ""
    if alphabet.is_nucleic and letter in "TU":
        other = "rna" if letter == "U" else "dna"
        hint = f" (is this {other.upper()}? {letter} is a letter of the {other} alphabet)"
    elif alphabet.is_nucleic and letter in get_alphabet("protein").letters:
        hint = " (is this a protein file? it is a letter of the protein alphabet, and of protein-gap for alignments)"
    raise SeqgenError(_letter_error(raw, int(bad[0]), f"is not a letter of the {alphabet.name} alphabet{hint}"), path)


def _trimmed_length(raw: RawRecords, amb: np.ndarray, record: np.ndarray, inside: np.ndarray, length: int | None,
                    dropping: bool) -> int:
    """The letters of each record that ``lengths='trim'`` keeps: ``length``, or the shortest record kept.

    Records dropped for an ambiguity code (``amb``, in record ``record``, counted where ``inside``) no longer set
    that length, and the longer part kept may hold more codes: repeated until the length stays.
    """
    if length is not None:
        return length
    lens = raw.ends - raw.starts
    keep_to = int(lens.min())
    while dropping:
        left = np.setdiff1d(np.arange(len(lens)), record[inside & (amb - raw.starts[record] < keep_to)])
        if not len(left) or int(lens[left].min()) == keep_to:
            break
        keep_to = int(lens[left].min())
    return keep_to


def _without_ambiguous(raw: RawRecords, flat: np.ndarray, stripped: int, ambiguous: str, lengths: str,
                       length: int | None, path) -> np.ndarray:
    """``(M,)`` indices of the records kept: all but those holding an ambiguity code (or a stop) where it counts,
    within each record's end (past a stripped stop) and, under ``lengths='trim'``, within the part kept.
    ``ambiguous='error'`` refuses the first; an alignment's focus sequence cannot be dropped."""
    amb = np.flatnonzero(flat == AMBIGUOUS)
    record = np.searchsorted(raw.starts, amb, side="right") - 1
    inside = amb < raw.ends[record] if stripped else np.ones(len(amb), dtype=bool)  # a stripped stop lies past
    if lengths == "trim":  # only the letters kept count: each record's first --length, or the shortest kept
        inside &= amb - raw.starts[record] < _trimmed_length(raw, amb, record, inside, length, ambiguous == "drop")
    amb, record = amb[inside], record[inside]
    kept = np.arange(len(raw.ids))
    if not len(amb):
        return kept
    if ambiguous == "error":
        what = {"*": "is a stop", "U": "is selenocysteine, not one of the 20 amino acids",
                "O": "is pyrrolysine, not one of the 20 amino acids"}.get(chr(raw.buffer[amb[0]]).upper(),
                                                                           "is an ambiguity code")
        hint = "use --ambiguous drop (in Python: ambiguous='drop') to drop such records"
        raise SeqgenError(_letter_error(raw, int(amb[0]), f"{what} ({hint})"), path)
    if "focus_id" in raw.meta and record[0] == 0:
        raise SeqgenError(_letter_error(raw, int(amb[0]), "is an ambiguity code in the focus sequence, which cannot "
                                                          "be dropped: the alignment is numbered by it"), path)
    kept = np.setdiff1d(kept, record)
    if len(kept) == 0:
        raise SeqgenError("every record contains an ambiguity code; nothing left to encode", path)
    return kept


GATHER_BLOCK = 1 << 22  #: letters copied per block when records are padded or trimmed (int64 indices: 32 MiB each)


def _gather_rows(flat: np.ndarray, starts: np.ndarray, take: np.ndarray, width: int) -> np.ndarray:
    """``(N, width)`` uint8: record ``i``'s first ``take[i]`` letters from ``flat[starts[i]:]``, then PAD.

    Copied in blocks of about :data:`GATHER_BLOCK` letters, so the index arrays stay small whatever the file size.
    """
    codes = np.full((len(starts), width), PAD, dtype=np.uint8)
    ends = np.cumsum(take)
    edges = np.unique(np.concatenate([[0], np.searchsorted(ends, np.arange(GATHER_BLOCK, ends[-1], GATHER_BLOCK)),
                                      [len(starts)]])) if len(starts) else [0]
    for lo, hi in zip(edges[:-1], edges[1:]):
        part = take[lo:hi]
        rows = np.repeat(np.arange(lo, hi), part)
        cols = np.arange(int(part.sum())) - np.repeat(np.cumsum(part) - part, part)
        codes[rows, cols] = flat[np.repeat(starts[lo:hi], part) + cols]
    return codes


def _target_length(raw, kept, lens, policy, length, path) -> int:
    """The common length ``L`` under the length policy."""
    if length is not None and length <= 0:
        raise SeqgenError(f"--length must be positive, not {length}")
    if policy == "error":
        target = int(lens[0]) if length is None else length
        bad = np.flatnonzero(lens != target)
        if len(bad):
            k = kept[bad[0]]
            fix = "the rows of an alignment must have the same match columns" if "focus_id" in raw.meta else \
                "choose --lengths pad or trim"
            reference = f"the first record {str(raw.ids[kept[0]])!r} has length {target}" if length is None \
                else f"--length is {target}"
            raise SeqgenError(f"record {str(raw.ids[k])!r} (line {raw.record_line(k)}) has length {lens[bad[0]]}, but "
                              f"{reference} ({fix})", path)
        return target
    if policy == "pad":
        target = int(lens.max()) if length is None else length
        bad = np.flatnonzero(lens > target)
        if len(bad):
            k = kept[bad[0]]
            raise SeqgenError(f"record {str(raw.ids[k])!r} (line {raw.record_line(k)}) has length {lens[bad[0]]}, "
                              f"longer than --length {target}", path)
        return target
    target = int(lens.min()) if length is None else length
    bad = np.flatnonzero(lens < target)
    if len(bad):
        k = kept[bad[0]]
        raise SeqgenError(f"record {str(raw.ids[k])!r} (line {raw.record_line(k)}) has length {lens[bad[0]]}, "
                          f"shorter than --length {target}", path)
    return target


def _strip_trailing_stops(raw: RawRecords) -> int:
    """End each protein record that ends with a stop ('*', as translated FASTA files write them) before it; the
    count goes to ``raw.meta['trailing_stops']``. A stop inside a record stays (an error, or dropped)."""
    last = raw.buffer[np.maximum(raw.ends - 1, 0)] if len(raw.buffer) else np.zeros(len(raw.ends), np.uint8)
    stop = (raw.ends > raw.starts) & (last == ord("*"))
    if stop.any():
        raw.ends = np.where(stop, raw.ends - 1, raw.ends)
        raw.meta = {**raw.meta, "trailing_stops": int(stop.sum())}
    return int(stop.sum())
