"""FASTA and FASTQ: a vectorized byte-level reader (numpy over the whole file, no per-record Python) that keeps the
line and column of every letter, and its line helpers (line ends, ranges, header ids)."""
from __future__ import annotations

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.io.records import RawRecords

_NL, _GT, _AT, _PLUS, _SPACE, _TAB = (ord(c) for c in "\n>@+ \t")


def _range_mask(size: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Boolean ``(size,)`` mask, True inside the half-open ranges ``[starts, ends)``.

    The ranges must be disjoint and given in increasing order (so that no start,
    and no end, repeats).
    """
    edges = np.empty(2 * len(starts) + 2, dtype=np.int64)  # 0, start, end, start, end, ..., size
    edges[0], edges[-1] = 0, size
    edges[1:-1:2], edges[2:-1:2] = starts, ends
    inside = np.zeros(len(edges) - 1, dtype=bool)
    inside[1::2] = True  # the stretches between a start and its end
    return np.repeat(inside, np.diff(edges))  # one pass writing bools: no int8 cumsum and cast over the whole file


def _split_lines(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, at the newline) of every line of ``arr`` (which ends with LF)."""
    ends = np.flatnonzero(arr == _NL)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    return starts, ends


def _ranges_index(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(starts[i], ends[i])`` for all i, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)


def _leading_blanks(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``(N,)`` number of spaces and tabs that open each ``arr[starts:ends]``."""
    lengths = ends - starts
    text = arr[_ranges_index(starts, ends)]
    offsets = np.cumsum(lengths) - lengths
    words = np.append(np.flatnonzero((text != _SPACE) & (text != _TAB)), len(text))
    return np.minimum(words[np.searchsorted(words, offsets)] - offsets, lengths)


def _header_ids(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """First word of each header line ``arr[starts:ends]`` (after its marker byte and any blanks), ``(N,)`` str."""
    starts = starts + 1
    starts = starts + _leading_blanks(arr, starts, ends)
    lengths = ends - starts
    text = arr[_ranges_index(starts, ends)]
    offsets = np.cumsum(lengths) - lengths
    ws = np.append(np.flatnonzero((text == _SPACE) | (text == _TAB)), len(text))
    id_lengths = np.minimum(ws[np.searchsorted(ws, offsets)] - offsets, lengths)
    width = int(id_lengths.max(initial=0))
    if width == 0:
        return np.array([f"record_{i + 1}" for i in range(len(starts))])
    index = starts[:, None] + np.arange(width)
    table = np.where(np.arange(width) < id_lengths[:, None], arr[np.minimum(index, len(arr) - 1)], 0)
    raw = np.ascontiguousarray(table.astype(np.uint8)).view(f"S{width}").ravel()
    try:
        ids = raw.astype(str)
    except UnicodeDecodeError:
        ids = np.array([r.decode("utf-8", "replace") for r in raw])
    empty = np.flatnonzero(id_lengths == 0)
    if len(empty):
        ids = ids.astype(object)
        ids[empty] = [f"record_{i + 1}" for i in empty]
        ids = ids.astype(str)
    return ids


def parse_fasta(data: bytes, path) -> RawRecords:
    """Parse FASTA bytes (single- or multi-line records; blank lines and spaces ignored)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends = _split_lines(arr)
    first = arr[starts]
    is_header = first == _GT
    headers = np.flatnonzero(is_header)
    content = np.flatnonzero((ends > starts) & ~is_header)
    if len(headers) == 0 or (len(content) and content[0] < headers[0]):
        line = int(content[0]) if len(content) else 0
        found = data[starts[line]:min(ends[line], starts[line] + 40)].decode("utf-8", "replace")
        raise SeqgenError(f"not a FASTA file: line {line + 1} does not start with '>' (it reads {found!r})", path)
    keep = np.ones(len(arr), dtype=bool)
    keep[ends] = False  # newlines
    keep[_ranges_index(starts[headers], ends[headers])] = False
    buffer = arr[keep]
    per_line = ends - starts
    per_line[headers] = 0
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(per_line, out=offsets[1:])
    blanks = np.flatnonzero(buffer <= _SPACE)  # spaces, tabs and other blanks inside sequence lines
    letters, source = offsets, None
    if len(blanks):  # letters are counted without the blanks; the line offsets (columns) keep counting them
        letters = offsets - np.searchsorted(blanks, offsets)
        source = np.delete(np.arange(len(buffer)), blanks)
        buffer = np.delete(buffer, blanks)
    rec_starts = letters[headers + 1]
    rec_ends = letters[np.append(headers[1:], len(starts))]
    ids = _header_ids(arr, starts[headers], ends[headers])
    empty = np.flatnonzero(rec_ends == rec_starts)
    if len(empty):
        k = empty[0]
        raise SeqgenError(f"record {str(ids[k])!r} (line {headers[k] + 1}) has no sequence", path)
    return RawRecords(ids, buffer, rec_starts, rec_ends, offsets[:-1], np.arange(1, len(starts) + 1), source=source)


def parse_fastq(data: bytes, path) -> RawRecords:
    """Parse FASTQ bytes (four lines a record: @id, sequence, +, qualities)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends = _split_lines(arr)
    nonblank = np.flatnonzero(ends > starts)
    if len(nonblank) == 0 or arr[starts[0]] != _AT:
        raise SeqgenError("not a FASTQ file: line 1 does not start with '@'", path)
    n_lines = int(nonblank[-1]) + 1  # trailing blank lines are ignored
    blank = np.flatnonzero(ends[:n_lines] == starts[:n_lines])
    if len(blank):
        raise SeqgenError(f"line {blank[0] + 1} of the FASTQ file is blank (records are 4 lines each: @id, "
                          f"sequence, +, qualities)", path)
    if n_lines % 4:
        raise SeqgenError(f"{n_lines} lines is not a multiple of 4: the FASTQ file is truncated, or its records span "
                          f"more than 4 lines (seqgen reads one line of sequence and one of qualities a record)", path)
    starts, ends = starts[:n_lines], ends[:n_lines]
    head, seq, plus, qual = (np.arange(k, n_lines, 4) for k in range(4))
    for rows, marker, name in ((head, _AT, "'@'"), (plus, _PLUS, "'+'")):
        bad = np.flatnonzero(arr[starts[rows]] != marker)
        if len(bad):
            raise SeqgenError(f"malformed FASTQ: line {rows[bad[0]] + 1} should start with {name}", path)
    ids = _header_ids(arr, starts[head], ends[head])
    seq_len = ends[seq] - starts[seq]
    bad = np.flatnonzero(seq_len != ends[qual] - starts[qual])
    if len(bad):
        k = bad[0]
        raise SeqgenError(f"record {str(ids[k])!r} (line {seq[k] + 1}): quality line length differs from the sequence",
                          path)
    keep = _range_mask(len(arr), starts[seq], ends[seq])
    rec_ends = np.cumsum(seq_len)
    rec_starts = rec_ends - seq_len
    return RawRecords(ids, arr[keep], rec_starts, rec_ends, rec_starts, seq + 1)
