"""Tables: CSV/TSV with a header naming the sequence, label and id columns, and the PBM tables (DREAM5, UniPROBE
with its constant linker :data:`UNIPROBE_LINKER`); each row's file line is kept for error messages."""
from __future__ import annotations

import io
import re

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.io.records import RawRecords
from seqgen.settings import PBM_LABELS

UNIPROBE_LINKER = "GTCTGTGTTCCGTTGTCCGTGCTG"  #: the 24-nt constant primer region of universal PBM probes


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
