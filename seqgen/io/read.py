"""The entry points: :func:`parse` (a file into :class:`~seqgen.io.records.RawRecords`, by its format) and
:func:`read_sequences` (a file into a :class:`~seqgen.data.SequenceSet`: parsed, encoded and checked)."""
from __future__ import annotations

import numpy as np

from seqgen.alphabets import Alphabet, get_alphabet
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.io.a2m import parse_a2m
from seqgen.io.bed import parse_bed
from seqgen.io.encoding import encode_records
from seqgen.io.fasta import parse_fasta, parse_fastq
from seqgen.io.records import (DUPLICATE_POLICIES, MISSING_LABEL_POLICIES, RawRecords, detect_format, read_bytes,
                               resolve_format)
from seqgen.io.tables import parse_dream5, parse_table, parse_uniprobe
from seqgen.negatives import (FLANK_DISTANCE, GENOMIC_NEGATIVES, NEGATIVES, check_per_positive,
                              with_shuffled_negatives)


def parse(path, format: str | None = None, sequence_column: str = "sequence", label_columns=(),
          id_column: str | None = None, missing_labels: str = "error", focus: str | None = None, genome=None,
          width: int | None = None, negatives: str | None = None, flank_distance: int = FLANK_DISTANCE,
          seed: int = 0, negatives_per_positive: int = 1) -> RawRecords:
    """Parse ``path`` into :class:`RawRecords` (no alphabet applied yet); ``label_columns``: names, or one name;
    ``missing_labels``: 'error', or 'keep' as NaN; ``focus``: an alignment's focus id (default: its first record);
    ``genome``, ``width``: a BED file's genome FASTA and the width its intervals are re-centred to;
    ``negatives``: 'flanks' or 'gc-matched', a BED file's intervals followed by negatives of its genome
    (:func:`parse_bed`: flanks at ``flank_distance``, GC-matched windows drawn by ``seed``,
    ``negatives_per_positive`` an interval)."""
    if missing_labels not in ("error", "keep"):
        raise SeqgenError(f"missing-label policy must be 'error' or 'keep', not {missing_labels!r}")
    keep = missing_labels == "keep"
    if isinstance(label_columns, str):  # one column, not a column per character
        label_columns = [label_columns]
    fmt = resolve_format(path, format, label_columns)
    if focus is not None and fmt != "a2m":
        raise SeqgenError(f"--focus names an alignment's focus sequence, but this is read as {fmt} (--format a2m "
                          f"reads an aligned FASTA as an alignment)", path)
    if fmt != "bed" and (genome is not None or width is not None):
        raise SeqgenError(f"--genome and --width read the intervals of a BED file, and this is read as {fmt}", path)
    if fmt != "bed" and negatives is not None:
        raise SeqgenError(f"{negatives} negatives are cut out of a BED file's genome, and this is read as {fmt} "
                          f"(--negatives shuffle makes negatives of any input)", path)
    data = read_bytes(path)
    if fmt == "bed":
        return parse_bed(data, path, genome, label_columns, width, keep, negatives, flank_distance, seed,
                         negatives_per_positive)
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
                   duplicate_ids: str = "error", missing_labels: str = "error", focus: str | None = None,
                   genome=None, width: int | None = None, negatives: str | None = None,
                   flank_distance: int = FLANK_DISTANCE, seed: int = 0, negatives_per_positive: int = 1) -> SequenceSet:
    """Read and encode a sequence file.

    Parameters
    ----------
    path : str or Path
    alphabet : {'dna', 'rna', 'protein', 'protein-gap'}
    format : str, optional
        One of :data:`~seqgen.io.records.FORMATS`; from the extension when None.
    sequence_column, label_columns, id_column
        Column names for CSV/TSV tables (``label_columns``: a list of names, or one name).
    ambiguous : {'error', 'drop', 'keep'}
        What to do with records holding ambiguity codes (N, X, IUPAC); ``'keep'``, for scanning only, keeps them as
        :data:`~seqgen.alphabets.AMBIGUOUS` codes (:mod:`seqgen.scan` leaves out the windows that hold one).
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
    genome : str or Path, optional
        A BED file's genome FASTA, whose letters its intervals name (:func:`~seqgen.io.bed.parse_bed`).
    width : int, optional
        A BED file's intervals re-centred to this many letters on their summit (narrowPeak) or middle.
    negatives : {None, 'shuffle', 'flanks', 'gc-matched'}
        Add negatives after the sequences read, with the label ``bound`` (1 for the sequences read, 0 for the
        negatives; no other labels then): a dinucleotide shuffle of each (``seed``), a BED file's flanks at
        ``flank_distance``, or random windows of its genome matched to its intervals' GC and repeats (``seed``;
        :mod:`seqgen.negatives`).
    negatives_per_positive : int
        Shuffles, or GC-matched windows, a sequence read (flanks are always two an interval).

    Returns
    -------
    SequenceSet
        ``codes (N, L)`` uint8, ids, labels.
    """
    alphabet = get_alphabet(alphabet)
    fmt = (format or detect_format(path)).lower()
    if negatives not in (None, *NEGATIVES):
        raise SeqgenError(f"negatives must be one of {', '.join(NEGATIVES)}, not {negatives!r}")
    if negatives is not None and label_columns:
        raise SeqgenError("negatives are labelled bound 0, and have no value of a --label-column: encode with "
                          "negatives or with a label column, not both", path)
    check_per_positive(negatives_per_positive, negatives, path)
    if missing_labels not in MISSING_LABEL_POLICIES:
        raise SeqgenError(f"missing-label policy must be one of {', '.join(MISSING_LABEL_POLICIES)}, not "
                          f"{missing_labels!r}")
    raw = parse(path, fmt, sequence_column, label_columns, id_column,
                "keep" if missing_labels == "drop" else missing_labels, focus, genome, width,
                negatives if negatives in GENOMIC_NEGATIVES else None, flank_distance, seed, negatives_per_positive)
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
    if negatives in GENOMIC_NEGATIVES:
        meta["negatives"]["n_positives"] = int((labels[:, 0] == 1).sum())  # less those --ambiguous drop left out
    data = SequenceSet(codes, alphabet, ids, lens, labels, raw.label_names, meta, **_locus(raw, kept, lens))
    return with_shuffled_negatives(data, seed, path, negatives_per_positive) if negatives == "shuffle" else data


def _locus(raw: RawRecords, kept: np.ndarray, lens: np.ndarray) -> dict:
    """The genome places of the records ``kept`` (``{}`` for input other than BED), once encoded at ``lens``
    letters: ``--lengths trim`` keeps a sequence's first letters, the end of a reverse-complemented window."""
    if raw.locus is None:
        return {}
    locus = {name: values[kept] for name, values in raw.locus.items()}
    cut = (raw.ends - raw.starts)[kept] - lens
    locus["starts"] = locus["starts"] + np.where(locus["strands"] == "-", cut, 0)
    return locus


def _check_unique(ids: np.ndarray, raw: RawRecords, kept: np.ndarray, path) -> None:
    unique, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = unique[counts > 1][0]
        where = np.flatnonzero(ids == dup)[:2]
        lines = " and ".join(str(raw.record_line(kept[i])) for i in where)
        raise SeqgenError(f"duplicated id {str(dup)!r} (sequences at lines {lines}); ids must be unique "
                          f"(use --duplicate-ids keep to allow)", path)
