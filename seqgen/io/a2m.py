"""Alignments: A2M, A3M or aligned FASTA, focus (query) sequence first: match columns kept, inserts dropped, the
focus residue numbering (:data:`FOCUS_RANGE`) and a focus record named by its id moved first."""
from __future__ import annotations

import re

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.io.fasta import parse_fasta
from seqgen.io.records import RawRecords, _letter_error

#: an alignment record's id NAME/START-END: the residue numbers its sequence spans
FOCUS_RANGE = re.compile(r".*/(\d+)-(\d+)$")


def parse_a2m(data: bytes, path, focus_id: str | None = None) -> RawRecords:
    """A2M / aligned FASTA with the focus (query) sequence first, or the record whose id is ``focus_id`` (moved
    first).

    Match columns are kept and insert columns dropped: when all rows have the
    same length and none has a lower-case letter or '.' where the focus has a
    match column (aligned FASTA, as EVcouplings writes), the kept columns are
    those where the focus sequence is upper case or '-'; otherwise (plain A2M,
    each row's inserts in its own frame) lower-case letters and '.' are removed
    from every row. Letters are then
    upper-cased and '.' becomes '-'. ``meta`` records the focus id, the
    focus residue number of every kept column (from a ``NAME/START-END`` id) and
    every focus residue, inserts included (``focus_residues``, from ``focus_start``); where the id's range
    does not span that many residues, ``focus_range_mismatch`` ([start, end, residues]); where the focus id has no
    range but another record's has, ``focus_without_range`` (that id).
    """
    raw = parse_fasta(data, path)
    which = "the first record"
    if focus_id is not None:
        raw, which = _record_first(raw, focus_id, path), "--focus"
    buf = raw.buffer
    lengths = raw.ends - raw.starts
    lower = (buf >= ord("a")) & (buf <= ord("z"))
    dot = buf == ord(".")
    focus = slice(int(raw.starts[0]), int(raw.ends[0]))
    insert = lower | dot
    keep = ~insert  # plain A2M
    if (lengths == lengths[0]).all():
        match = ~insert[focus]
        columns = np.broadcast_to(match, (len(lengths), len(match))).ravel()
        if not (insert & columns).any():  # aligned FASTA: the focus's match columns are every row's
            keep = columns
    counts = np.add.reduceat(keep.view(np.uint8), raw.starts, dtype=np.int64)
    if (lengths == lengths[0]).all() and (counts != counts[0]).any():  # rows of one length, but not one A2M frame
        position = int(np.flatnonzero(insert & columns)[0])
        raise SeqgenError(_letter_error(raw, position, f"is in a column where the focus sequence ({which}) "
                                                       "has a match column; A2M marks insert columns with lower case "
                                                       "and '.', a gap in a match column with '-'"), path)
    focus_match = buf[focus][keep[focus]]
    if not len(focus_match) or (focus_match == ord("-")).all():
        what = "no match columns: all its letters are lower case or '.'" if not len(focus_match) else \
            "only gaps in its match columns"
        raise SeqgenError(f"the focus sequence {str(raw.ids[0])!r} ({which}) has {what}; an A2M "
                          f"alignment's first record is its focus sequence, whose upper-case letters mark the match "
                          f"columns", path)
    ends = np.cumsum(counts)
    letters = np.char.upper(buf[keep].view("S1")).view(np.uint8).copy()
    letters[letters == ord(".")] = ord("-")
    id_range = FOCUS_RANGE.match(raw.ids[0])
    focus_start = int(id_range.group(1)) if id_range else 1
    focus_is_residue = ~(dot[focus] | (buf[focus] == ord("-")))
    residue_number = focus_start + np.cumsum(focus_is_residue) - 1
    focus_keep = keep[focus]
    positions = np.where(focus_is_residue[focus_keep], residue_number[focus_keep], -1)
    residues = np.char.upper(buf[focus][focus_is_residue].view("S1")).tobytes().decode("ascii", "replace")
    meta = {"focus_id": str(raw.ids[0]), "focus_start": focus_start, "focus_positions": positions.tolist(),
            "focus_residues": residues}
    if id_range and int(id_range.group(2)) - focus_start + 1 != len(residues):  # the numbering may be shifted
        meta["focus_range_mismatch"] = [focus_start, int(id_range.group(2)), len(residues)]
    ranged = None if id_range or focus_id is not None else \
        next((str(i) for i in raw.ids[1:] if FOCUS_RANGE.match(i)), None)
    if ranged:  # is the focus another record? (numbering from 1 either way)
        meta["focus_without_range"] = ranged
    return RawRecords(raw.ids, letters, ends - counts, ends, raw.line_offsets, raw.line_numbers, meta=meta,
                      source=np.flatnonzero(keep) if raw.source is None else raw.source[keep])


def _record_first(raw: RawRecords, record_id: str, path) -> RawRecords:
    """``raw`` with the record whose id is ``record_id`` moved first (its letters to the front of the buffer), the
    others in their order; error messages still name each letter's line and column in the file."""
    found = np.flatnonzero(raw.ids == record_id)
    if len(found) != 1:
        problem = "no record has" if not len(found) else f"{len(found)} records (lines " \
            f"{', '.join(str(raw.record_line(int(k)) - 1) for k in found[:3])}) have"
        raise SeqgenError(f"--focus {record_id!r}: {problem} this id (the first record's is {str(raw.ids[0])!r})",
                          path)
    k = int(found[0])
    if k == 0:
        return raw
    start, end = int(raw.starts[k]), int(raw.ends[k])
    order = np.concatenate([np.arange(start, end), np.arange(start), np.arange(end, len(raw.buffer))])
    size = end - start
    starts = np.concatenate([[0], raw.starts[:k] + size, raw.starts[k + 1:]])
    ends = np.concatenate([[size], raw.ends[:k] + size, raw.ends[k + 1:]])
    ids = np.concatenate([raw.ids[k:k + 1], raw.ids[:k], raw.ids[k + 1:]])
    return RawRecords(ids, raw.buffer[order], starts, ends, raw.line_offsets, raw.line_numbers,
                      source=order if raw.source is None else raw.source[order])
