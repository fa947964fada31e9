"""Parsed records and file access: the formats and the policies, :class:`RawRecords` (records parsed but not yet
encoded, which name the line and column of any letter), standard input and output, the format of a file
(:func:`detect_format`, :func:`resolve_format`), and reading a file's bytes (:func:`read_bytes`) once the memory
that parsing needs is known to be there (:func:`check_memory_for`)."""
from __future__ import annotations

import gzip
import stat
import sys
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.settings import PBM_LABELS

FORMATS = ("fasta", "fastq", "csv", "tsv", "dream5", "uniprobe", "a2m", "bed")
LENGTH_POLICIES = ("error", "pad", "trim")
DUPLICATE_POLICIES = ("error", "keep")
#: what ``read_sequences`` does with a record whose label is missing (an empty field, NA): stop, keep it as NaN
#: (predictions beside what was measured), or leave the record out
MISSING_LABEL_POLICIES = ("error", "keep", "drop")
EXTENSIONS = {
    ".fa": "fasta", ".fasta": "fasta", ".fna": "fasta", ".fas": "fasta", ".faa": "fasta", ".ffn": "fasta",
    ".fsa": "fasta", ".fq": "fastq", ".fastq": "fastq", ".csv": "csv", ".tsv": "tsv", ".seq": "tsv",
    ".a2m": "a2m", ".afa": "a2m", ".a3m": "a2m", ".bed": "bed", ".narrowpeak": "bed", ".broadpeak": "bed",
}


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
    locus : dict or None
        Where on a genome each record was cut from (BED input), else None: ``chroms`` ``(N,)`` str, ``starts``
        ``(N,)`` int64 (0-based) and ``strands`` ``(N,)`` str, as :class:`~seqgen.data.SequenceSet` holds them.
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
    locus: dict | None = None

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
                       source=index if self.source is None else self.source[index],
                       locus=None if self.locus is None else {k: v[rows] for k, v in self.locus.items()})

    def record_line(self, record: int) -> int:
        """1-based file line of the first letter of ``record``."""
        k = int(np.searchsorted(self.line_offsets, self._in_file(self.starts[record]), side="right")) - 1
        return int(self.line_numbers[max(k, 0)])


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


#: what an error opening a file means, in a message naming it
OPEN_ERRORS = {FileNotFoundError: "no such file", IsADirectoryError: "is a folder, not a file",
               PermissionError: "permission denied"}


def open_error(exc: OSError, path) -> SeqgenError:
    """The one-line error of ``exc``, one of :data:`OPEN_ERRORS`' kinds, raised opening ``path``."""
    return SeqgenError(next(text for kind, text in OPEN_ERRORS.items() if isinstance(exc, kind)), path)


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
    except tuple(OPEN_ERRORS) as exc:
        raise open_error(exc, path) from None
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


def _letter_error(raw: RawRecords, position: int, problem: str) -> str:
    record, line, column = raw.locate(position)
    letter = chr(raw.buffer[position])
    where = f"letter {column} of its sequence" if raw.table else f"column {column}"
    return f"record {str(raw.ids[record])!r} (line {line}, {where}): {letter!r} {problem}"


def resolve_format(path, format: str | None = None, label_columns=(), option: str = "--format") -> str:
    """The format of ``path`` (``format``, else from its extension; an error names ``option``), after checking
    that it can hold ``label_columns``. The workflow calls it at start, before any file is read."""
    fmt = (format or detect_format(path, option)).lower()
    if fmt not in FORMATS:
        raise SeqgenError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", path)
    if label_columns and fmt in PBM_LABELS:  # e.g. config/README's `label: intensity` taken for a column to name
        raise SeqgenError(f"a {fmt} table's labels are read without naming them: {', '.join(PBM_LABELS[fmt])}; "
                          f"label columns ({', '.join(label_columns)}) are named only in a CSV/TSV table", path)
    if fmt == "bed":
        from seqgen.io.bed import BED_LABELS

        unknown = [name for name in label_columns if name not in BED_LABELS]
        if unknown:
            raise SeqgenError(f"a BED file's label columns are {', '.join(BED_LABELS)} (signalValue, pValue and "
                              f"qValue of narrowPeak and broadPeak), not {unknown[0]!r}", path)
    elif label_columns and fmt not in ("csv", "tsv"):
        raise SeqgenError(f"a {fmt} file has no label columns to read {', '.join(label_columns)} from; give the "
                          f"labels as columns of a CSV/TSV table", path)
    return fmt
