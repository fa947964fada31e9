"""Reading sequence files into a :class:`~seqgen.data.SequenceSet`, and writing results.

Supported formats (chosen from the extension, ``.gz`` allowed, or named):

========== ============================================ ==========================
format     what                                         extensions
========== ============================================ ==========================
fasta      FASTA, single- or multi-line                 .fa .fasta .fna .fas .faa
fastq      FASTQ, four lines a record                   .fq .fastq
csv / tsv  a table with a header and a sequence column  .csv / .tsv .seq
dream5     DREAM5 PBM: probe, signal, background        (name it)
uniprobe   UniPROBE PBM: intensity, 60-nt probe          (name it)
a2m        A2M, A3M or aligned FASTA, focus first       .a2m .afa .a3m
========== ============================================ ==========================

FASTA and FASTQ are parsed by a vectorized byte-level reader (numpy over the
whole file, no per-record Python), which also knows the line and column of
every letter, so that errors can name them. Its output is checked against
Biopython's parsers in the tests. Every problem raises :class:`SeqgenError`
with a one-line message naming the file, the record and the problem.
"""
from __future__ import annotations

import gzip
import io
import re
import stat
import sys
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from seqgen.alphabets import AMBIGUITY_POLICIES, AMBIGUOUS, INVALID, PAD, Alphabet, get_alphabet
from seqgen.atomic import atomic_path
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.settings import PBM_LABELS

FORMATS = ("fasta", "fastq", "csv", "tsv", "dream5", "uniprobe", "a2m")
LENGTH_POLICIES = ("error", "pad", "trim")
DUPLICATE_POLICIES = ("error", "keep")
#: what ``read_sequences`` does with a record whose label is missing (an empty field, NA): stop, keep it as NaN
#: (predictions beside what was measured), or leave the record out
MISSING_LABEL_POLICIES = ("error", "keep", "drop")
EXTENSIONS = {
    ".fa": "fasta", ".fasta": "fasta", ".fna": "fasta", ".fas": "fasta", ".faa": "fasta", ".ffn": "fasta",
    ".fsa": "fasta", ".fq": "fastq", ".fastq": "fastq", ".csv": "csv", ".tsv": "tsv", ".seq": "tsv",
    ".a2m": "a2m", ".afa": "a2m", ".a3m": "a2m",
}
UNIPROBE_LINKER = "GTCTGTGTTCCGTTGTCCGTGCTG"  #: the 24-nt constant primer region of universal PBM probes

_NL, _GT, _AT, _PLUS, _SPACE, _TAB = (ord(c) for c in "\n>@+ \t")


@dataclass
class RawRecords:
    """Parsed but not yet encoded records.

    Attributes
    ----------
    ids : np.ndarray
        ``(N,)`` str.
    buffer : np.ndarray
        uint8 bytes of all sequences, concatenated.
    starts, ends : np.ndarray
        ``(N,)`` int64 slice of each record in ``buffer``.
    line_offsets, line_numbers : np.ndarray
        Where each file line's letters begin in ``buffer`` and its 1-based line
        number in the file; used to name the line and column of a bad letter.
    labels : np.ndarray
        ``(N, K)`` float32.
    label_names : list of str
    meta : dict
    source : np.ndarray or None
        ``(len(buffer),)`` int64: where each letter was in the buffer that ``line_offsets`` describe, when only
        some letters were kept (blanks inside FASTA lines, A2M match columns); None when ``buffer`` is that buffer.
    """

    ids: np.ndarray
    buffer: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    line_offsets: np.ndarray
    line_numbers: np.ndarray
    labels: np.ndarray | None = None
    label_names: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    source: np.ndarray | None = None
    table: bool = False  #: a table's row: the column of a letter is its place in the sequence field

    def _in_file(self, position: int) -> int:
        """A position in ``buffer`` as a position in the buffer of ``line_offsets``."""
        if self.source is None or not len(self.source):
            return int(position)
        return int(self.source[min(int(position), len(self.source) - 1)])

    def locate(self, position: int) -> tuple[int, int, int]:
        """Return ``(record, line, column)`` of a byte position in ``buffer`` (line, column 1-based)."""
        record = int(np.searchsorted(self.starts, position, side="right")) - 1
        position = self._in_file(position)
        k = int(np.searchsorted(self.line_offsets, position, side="right")) - 1
        return record, int(self.line_numbers[k]), int(position - self.line_offsets[k]) + 1

    def subset(self, rows: np.ndarray) -> RawRecords:
        """The records ``rows`` (``(M,)`` indices, in order) alone, their letters in a buffer of their own;
        ``source`` keeps where each letter was, so errors still name its line and column in the file."""
        lens = (self.ends - self.starts)[rows]
        ends = np.cumsum(lens)
        starts = ends - lens
        index = np.repeat(self.starts[rows] - starts, lens) + np.arange(int(ends[-1]) if len(ends) else 0)
        return replace(self, ids=self.ids[rows], buffer=self.buffer[index], starts=starts, ends=ends,
                       labels=None if self.labels is None else self.labels[rows], meta=dict(self.meta),
                       source=index if self.source is None else self.source[index])

    def record_line(self, record: int) -> int:
        """1-based file line of the first letter of ``record``."""
        k = int(np.searchsorted(self.line_offsets, self._in_file(self.starts[record]), side="right")) - 1
        return int(self.line_numbers[max(k, 0)])


# ---------------------------------------------------------------- file access

#: the file names that stand for standard input and output (``seqgen predict --input - --format fasta --out -``)
STDIN = STDOUT = "-"


def detect_format(path, option: str = "--format") -> str:
    """The format implied by the file name (``.gz`` ignored); else an error naming the command-line ``option``."""
    if str(path) == STDIN:
        raise SeqgenError(f"no file name to tell the format by; pass {option} "
                          f"({'|'.join(FORMATS)})", path)
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    fmt = EXTENSIONS.get(Path(name).suffix)
    if fmt is None:
        raise SeqgenError(f"cannot tell the format from the extension; pass {option} ({'|'.join(FORMATS)})", path)
    return fmt


#: peak memory of parsing a file, in multiples of its (uncompressed) size; measured: 5.3x for FASTA
PARSE_MEMORY_FACTOR = 6


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_memory_for(path) -> None:
    """Refuse, with the figures, a file whose parsing would need more memory than is available.

    The uncompressed size of a gzip file is read from its trailer (exact below 4 GiB) and taken as at
    least three times the compressed size.
    """
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a pipe (/dev/stdin, <(zcat ...)) has no size, and is read once
            return
        size = path.stat().st_size
        with open(path, "rb") as handle:
            if handle.read(2) == b"\x1f\x8b" and size >= 18:
                handle.seek(-4, 2)
                size = max(int.from_bytes(handle.read(4), "little"), 3 * size)
    except OSError:
        return  # missing or unreadable files get their own message from the reader
    need, free = PARSE_MEMORY_FACTOR * size, available_memory()
    if free is not None and need > free:
        raise SeqgenError(f"too large to read here: parsing needs about {need / 2**30:.1f} GiB of memory and "
                          f"{free / 2**30:.1f} GiB is available; split the file or use a machine with more memory",
                          path)


def read_bytes(path) -> bytes:
    """Read a (possibly gzip-compressed) text file, with LF line endings and without a byte-order mark; ``-``:
    standard input.

    Raises :class:`SeqgenError` for a missing, empty, binary or truncated file, and for a file too
    large to parse in the available memory (:func:`check_memory_for`).
    """
    check_memory_for(path)
    try:
        data = sys.stdin.buffer.read() if str(path) == STDIN else Path(path).read_bytes()
    except MemoryError:
        raise SeqgenError("file too large to read into memory", path) from None
    except FileNotFoundError:
        raise SeqgenError("no such file", path) from None
    except IsADirectoryError:
        raise SeqgenError("is a folder, not a file", path) from None
    except PermissionError:
        raise SeqgenError("permission denied", path) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except MemoryError:
            raise SeqgenError("file too large to decompress into memory", path) from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise SeqgenError(f"truncated or corrupt gzip file ({exc})", path) from None
    data = data.removeprefix(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark Windows editors write first
    if not data or data.isspace():
        raise SeqgenError("file is empty", path)
    head = data[:65536]
    if head.startswith(b"%PDF"):
        raise SeqgenError("not a sequence file: this is a PDF document", path)
    if b"\x00" in head or data[:4] in (b"PK\x03\x04", b"\x89PNG"):
        raise SeqgenError("not a sequence file: binary content", path)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    return data


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


# ---------------------------------------------------------------- parsers

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


def _row_lines(data: bytes, sep: str, rows: int) -> np.ndarray:
    """``(rows,)`` the file line on which each of a table's first ``rows`` rows (a header included) starts, as
    pandas reads them: blank lines skipped, a quoted field possibly over several lines."""
    text = data.replace(b"\r\n", b"\n")
    body = text.rstrip()  # a blank line: at the start, or after a newline (a search that begins with a literal
    # newline skips to the next one; '(^|\n)' tried every byte and took seconds on a 100 MB table)
    if b'"' not in text and not (re.match(rb"[ \t]*\n", body) or re.search(rb"\n[ \t]*\n", body)):
        return np.arange(1, rows + 1)  # one line a row
    import csv

    reader = csv.reader(io.StringIO(text.decode("utf-8", "replace")), delimiter=sep)
    lines, read = [], 0
    for row in reader:
        if len(lines) == rows:
            break
        if len(row) > 1 or (row and row[0].strip()):
            lines.append(read + 1)
        read = reader.line_num
    return np.array(lines + list(range(read + 1, read + 1 + rows - len(lines))), dtype=np.int64)


def _records_from_strings(sequences, ids, path, lines: np.ndarray) -> RawRecords:
    """RawRecords from per-record strings (table rows); row ``i`` starts on file line ``lines[i]``."""
    encoded = []
    for i, s in enumerate(sequences):
        if not isinstance(s, str) or not s.strip():
            raise SeqgenError(f"record {str(ids[i])!r} (line {lines[i]}) has no sequence", path)
        encoded.append(s.strip().encode("utf-8", "surrogateescape"))
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return RawRecords(np.asarray(ids, dtype=str), buffer, starts, ends, starts, np.asarray(lines[:len(encoded)]),
                      table=True)


def _numeric_columns(table, names, path, lines: np.ndarray, keep_missing: bool = False) -> np.ndarray:
    """Table columns ``names`` as ``(N, K)`` float32, refusing missing, non-numeric and infinite values (with
    ``keep_missing``, a missing value, an empty field or NA, is kept as NaN)."""
    import pandas as pd

    out = np.zeros((len(table), len(names)), dtype=np.float32)
    for k, name in enumerate(names):
        raw = table[name]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values) & ~(keep_missing & raw.isna().to_numpy()))
        if len(bad):
            i = bad[0]
            what = "a missing value (--missing-labels drop leaves such records out)" if pd.isna(raw.iloc[i]) \
                else f"{raw.iloc[i]!r}, not a finite number"
            raise SeqgenError(f"column {name!r}, line {lines[i]}: label is {what}", path)
        out[:, k] = values
    return out


def _read_table(data: bytes, path, sep: str, header: bool, names=None):
    import pandas as pd

    kind = f"{'comma' if sep == ',' else 'tab'}-separated table"
    try:
        table = pd.read_csv(io.BytesIO(data), sep=sep, header=0 if header else None, names=names, dtype=str,
                            keep_default_na=True, skip_blank_lines=True, comment=None, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split())
        raise SeqgenError(f"cannot read as a {kind}: {message}", path) from None
    if not isinstance(table.index, pd.RangeIndex):  # pandas read the first field of each row as row names
        _check_row_names(data, sep, len(table.columns), kind, path)
    return table


def _check_row_names(data: bytes, sep: str, columns: int, kind: str, path) -> None:
    """A table whose first row has one field more than its header is read with that field as the row's name.
    Right where every row has it (R's ``write.table`` writes row names so); where only the first row has it, every
    column of that row would be shifted by one: refused, as pandas refuses a longer row further down."""
    import csv
    import itertools

    rows = csv.reader(io.StringIO(data.decode("utf-8", errors="replace")), delimiter=sep)
    widths = [len(row) for row in itertools.islice(rows, 1, 1001) if row]  # the first data rows
    if widths and min(widths) < max(widths):
        raise SeqgenError(f"cannot read as a {kind}: its first row has {widths[0]} fields, the header {columns} "
                          f"(and other rows {min(widths)}): every value of that row would be in the wrong column", path)


def parse_table(data: bytes, path, sep: str, sequence_column="sequence", label_columns=(), id_column=None,
                keep_missing: bool = False) -> RawRecords:
    """Parse a CSV/TSV table with a header row naming the sequence, label and id columns (``keep_missing``: a
    missing label is NaN, not an error)."""
    table = _read_table(data, path, sep, header=True)
    table.columns = [str(c).strip() for c in table.columns]
    wanted = [sequence_column, *label_columns] + ([id_column] if id_column else [])
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        other = next((c for c in ";,\t|" if c != sep and len(table.columns) == 1 and c in table.columns[0]), None)
        kind = "TSV" if sep == "\t" else "CSV"
        hint = f" (is it separated by {other!r}? a {kind} is by {sep!r})" if other else ""
        raise SeqgenError(f"no column {missing[0]!r}; the columns are {', '.join(map(repr, table.columns))}{hint}",
                          path)
    if id_column is None and "id" in table.columns:
        id_column = "id"
    lines = _row_lines(data, sep, len(table) + 1)[1:]
    if id_column and table[id_column].isna().any():
        i = int(np.flatnonzero(table[id_column].isna())[0])
        raise SeqgenError(f"column {id_column!r}, line {lines[i]}: the id is missing", path)
    ids = table[id_column].astype(str).tolist() if id_column else [f"row_{i + 1}" for i in range(len(table))]
    raw = _records_from_strings(table[sequence_column].tolist(), ids, path, lines)
    raw.labels = _numeric_columns(table, list(label_columns), path, lines, keep_missing)
    raw.label_names = list(label_columns)
    if not label_columns:  # numbers a user may have meant as labels (a note, not an error: sequences alone are fine)
        others = [c for c in table.columns if c not in (sequence_column, id_column)]
        numeric = [c for c in others if len(table) and _is_number_column(table[c])]
        if numeric:
            raw.meta = {**raw.meta, "unread_numeric_columns": numeric}
    return raw


def _is_number_column(column) -> bool:
    """Whether every value of a table column (strings) is a number."""
    import pandas as pd

    return bool(pd.to_numeric(column, errors="coerce").notna().all())


def parse_dream5(data: bytes, path, keep_missing: bool = False) -> RawRecords:
    """DREAM5 PBM table: no header; probe sequence, median signal, median background (``keep_missing``: a missing
    value is NaN, not an error)."""
    table = _read_table(data, path, "\t", header=False)
    if table.shape[1] != 3:
        raise SeqgenError(f"a DREAM5 PBM table has 3 tab-separated columns (probe, signal, background), "
                          f"this one has {table.shape[1]}", path)
    table.columns = ["sequence", *PBM_LABELS["dream5"]]
    lines = _row_lines(data, "\t", len(table))
    raw = _records_from_strings(table["sequence"].tolist(), [f"probe_{i + 1}" for i in range(len(table))], path,
                                lines)
    raw.label_names = list(PBM_LABELS["dream5"])
    raw.labels = _numeric_columns(table, raw.label_names, path, lines, keep_missing)
    return raw


def parse_uniprobe(data: bytes, path, keep_missing: bool = False) -> RawRecords:
    """UniPROBE PBM table: intensity, probe (60 nt: 36-nt variable region + the constant linker); ``keep_missing``:
    a missing intensity is NaN, not an error.

    The constant linker is removed when every probe ends with it (recorded in ``meta['linker']``); when only some
    do, it is kept and ``meta['linker_missing']`` counts the others.
    """
    table = _read_table(data, path, "\t", header=False)
    if table.shape[1] != 2:
        raise SeqgenError(f"a UniPROBE probe table has 2 tab-separated columns (intensity, probe), "
                          f"this one has {table.shape[1]}", path)
    table.columns = [*PBM_LABELS["uniprobe"], "sequence"]
    lines = _row_lines(data, "\t", len(table))
    first = table.iloc[0]
    if not _is_number(first["intensity"]) and not re.fullmatch(r"[ACGTNacgtn]+", str(first["sequence"]).strip()):
        table, lines = table.iloc[1:].reset_index(drop=True), lines[1:]  # a header row
    sequences = table["sequence"].fillna("").str.strip().str.upper()
    meta = {}
    with_linker = int(sequences.str.endswith(UNIPROBE_LINKER).sum())
    if len(sequences) and with_linker == len(sequences):
        sequences = sequences.str.slice(0, -len(UNIPROBE_LINKER))
        meta["linker"] = UNIPROBE_LINKER
    elif with_linker:
        meta["linker_missing"] = len(sequences) - with_linker  # the linker is kept: the probes would differ
    raw = _records_from_strings(sequences.tolist(), [f"probe_{i + 1}" for i in range(len(table))], path, lines)
    raw.label_names = list(PBM_LABELS["uniprobe"])
    raw.labels = _numeric_columns(table, raw.label_names, path, lines, keep_missing)
    raw.meta = meta
    return raw


def _is_number(text) -> bool:
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


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


# ---------------------------------------------------------------- encoding

def encode_records(raw: RawRecords, alphabet: str | Alphabet, path, ambiguous: str = "error",
                   lengths: str = "error", length: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encode parsed records under the ambiguity and length policies.

    Returns
    -------
    codes : np.ndarray
        ``(M, L)`` uint8, PAD past each record's end.
    lengths : np.ndarray
        ``(M,)`` int32 kept lengths.
    kept : np.ndarray
        ``(M,)`` int64 indices of the records kept (records with ambiguity
        codes are dropped under ``ambiguous='drop'``).
    """
    alphabet = get_alphabet(alphabet)
    if len(raw.ids) == 0:
        raise SeqgenError("no sequences in the file", path)
    if ambiguous not in AMBIGUITY_POLICIES:
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
    kept = _without_ambiguous(raw, flat, stripped, ambiguous, lengths, length, path) if suspicious else \
        np.arange(len(raw.ids))
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


def _letter_error(raw: RawRecords, position: int, problem: str) -> str:
    record, line, column = raw.locate(position)
    letter = chr(raw.buffer[position])
    where = f"letter {column} of its sequence" if raw.table else f"column {column}"
    return f"record {str(raw.ids[record])!r} (line {line}, {where}): {letter!r} {problem}"


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


# ---------------------------------------------------------------- public entry points

def resolve_format(path, format: str | None = None, label_columns=(), option: str = "--format") -> str:
    """The format of ``path`` (``format``, else from its extension; an error names ``option``), after checking
    that it can hold ``label_columns``. The workflow calls it at start, before any file is read."""
    fmt = (format or detect_format(path, option)).lower()
    if fmt not in FORMATS:
        raise SeqgenError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", path)
    if label_columns and fmt in PBM_LABELS:  # e.g. config/README's `label: intensity` taken for a column to name
        raise SeqgenError(f"a {fmt} table's labels are read without naming them: {', '.join(PBM_LABELS[fmt])}; "
                          f"label columns ({', '.join(label_columns)}) are named only in a CSV/TSV table", path)
    if label_columns and fmt not in ("csv", "tsv"):
        raise SeqgenError(f"a {fmt} file has no label columns to read {', '.join(label_columns)} from; give the "
                          f"labels as columns of a CSV/TSV table", path)
    return fmt


def parse(path, format: str | None = None, sequence_column: str = "sequence", label_columns=(),
          id_column: str | None = None, missing_labels: str = "error", focus: str | None = None) -> RawRecords:
    """Parse ``path`` into :class:`RawRecords` (no alphabet applied yet); ``label_columns``: names, or one name;
    ``missing_labels``: 'error', or 'keep' as NaN; ``focus``: an alignment's focus id (default: its first record)."""
    if missing_labels not in ("error", "keep"):
        raise SeqgenError(f"missing-label policy must be 'error' or 'keep', not {missing_labels!r}")
    keep = missing_labels == "keep"
    if isinstance(label_columns, str):  # one column, not a column per character
        label_columns = [label_columns]
    fmt = resolve_format(path, format, label_columns)
    if focus is not None and fmt != "a2m":
        raise SeqgenError(f"--focus names an alignment's focus sequence, but this is read as {fmt} (--format a2m "
                          f"reads an aligned FASTA as an alignment)", path)
    data = read_bytes(path)
    if fmt == "fasta":
        return parse_fasta(data, path)
    if fmt == "fastq":
        return parse_fastq(data, path)
    if fmt == "a2m":
        return parse_a2m(data, path, focus)
    if fmt == "dream5":
        return parse_dream5(data, path, keep)
    if fmt == "uniprobe":
        return parse_uniprobe(data, path, keep)
    return parse_table(data, path, "," if fmt == "csv" else "\t", sequence_column, label_columns, id_column, keep)


def read_sequences(path, alphabet: str | Alphabet = "dna", format: str | None = None,
                   sequence_column: str = "sequence", label_columns=(), id_column: str | None = None,
                   ambiguous: str = "error", lengths: str = "error", length: int | None = None,
                   duplicate_ids: str = "error", missing_labels: str = "error", focus: str | None = None
                   ) -> SequenceSet:
    """Read and encode a sequence file.

    Parameters
    ----------
    path : str or Path
    alphabet : {'dna', 'rna', 'protein', 'protein-gap'}
    format : str, optional
        One of :data:`FORMATS`; from the extension when None.
    sequence_column, label_columns, id_column
        Column names for CSV/TSV tables (``label_columns``: a list of names, or one name).
    ambiguous : {'error', 'drop'}
        What to do with records holding ambiguity codes (N, X, IUPAC).
    lengths : {'error', 'pad', 'trim'}
        What to do with records of different lengths; ``length`` fixes ``L``.
    duplicate_ids : {'error', 'keep'}
    missing_labels : {'error', 'keep', 'drop'}
        A missing label value (an empty field, NA) is an error, kept as NaN (for reading what a model
        predicts, beside what was measured where it was), or its record is left out (counted in
        ``meta['n_missing_labels']``).
    focus : str, optional
        The id of an alignment's focus sequence (its match columns and numbering), which is moved first;
        default: the first record, as EVcouplings, DeepSequence and HHblits write it.

    Returns
    -------
    SequenceSet
        ``codes (N, L)`` uint8, ids, labels.
    """
    alphabet = get_alphabet(alphabet)
    fmt = (format or detect_format(path)).lower()
    if missing_labels not in MISSING_LABEL_POLICIES:
        raise SeqgenError(f"missing-label policy must be one of {', '.join(MISSING_LABEL_POLICIES)}, not "
                          f"{missing_labels!r}")
    raw = parse(path, fmt, sequence_column, label_columns, id_column,
                "keep" if missing_labels == "drop" else missing_labels, focus)
    n_read, missing = len(raw.ids), 0
    if missing_labels == "drop" and raw.labels is not None:
        whole = np.isfinite(raw.labels).all(1)
        missing = int((~whole).sum())
        if missing == len(whole):
            raise SeqgenError(f"every one of the {missing} records has a missing label; nothing left to encode", path)
        raw = raw.subset(np.flatnonzero(whole)) if missing else raw
    codes, lens, kept = encode_records(raw, alphabet, path, ambiguous, lengths, length)
    ids = raw.ids[kept]
    if duplicate_ids not in DUPLICATE_POLICIES:
        raise SeqgenError(f"duplicate-id policy must be one of {', '.join(DUPLICATE_POLICIES)}")
    if duplicate_ids == "error":
        _check_unique(ids, raw, kept, path)
    labels = raw.labels[kept] if raw.labels is not None else None
    meta = {"source": str(path), "format": fmt, "ambiguous": ambiguous, "lengths": lengths,
            "n_read": int(n_read), "n_dropped": int(len(raw.ids) - len(kept)), **raw.meta}
    if missing_labels == "drop":
        meta["n_missing_labels"] = missing
    return SequenceSet(codes, alphabet, ids, lens, labels, raw.label_names, meta)


def _strip_trailing_stops(raw: RawRecords) -> int:
    """End each protein record that ends with a stop ('*', as translated FASTA files write them) before it; the
    count goes to ``raw.meta['trailing_stops']``. A stop inside a record stays (an error, or dropped)."""
    last = raw.buffer[np.maximum(raw.ends - 1, 0)] if len(raw.buffer) else np.zeros(len(raw.ends), np.uint8)
    stop = (raw.ends > raw.starts) & (last == ord("*"))
    if stop.any():
        raw.ends = np.where(stop, raw.ends - 1, raw.ends)
        raw.meta = {**raw.meta, "trailing_stops": int(stop.sum())}
    return int(stop.sum())


def _check_unique(ids: np.ndarray, raw: RawRecords, kept: np.ndarray, path) -> None:
    unique, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = unique[counts > 1][0]
        where = np.flatnonzero(ids == dup)[:2]
        lines = " and ".join(str(raw.record_line(kept[i])) for i in where)
        raise SeqgenError(f"duplicated id {str(dup)!r} (sequences at lines {lines}); ids must be unique "
                          f"(use --duplicate-ids keep to allow)", path)


def write_fasta(path, ids, sequences, descriptions=None) -> None:
    """Write sequences as FASTA, atomically (one line a sequence)."""
    ids = list(ids)
    lines = []
    for i, (name, seq) in enumerate(zip(ids, sequences)):
        desc = f" {descriptions[i]}" if descriptions is not None and descriptions[i] else ""
        lines.append(f">{name}{desc}\n{seq}\n")
    with atomic_path(path) as tmp:
        tmp.write_text("".join(lines))
