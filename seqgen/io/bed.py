"""Genomic intervals: a BED file (BED3-BED12, ENCODE's narrowPeak and broadPeak) read against a genome FASTA, each
interval's letters cut out of it (minus-strand intervals reverse-complemented, as ``bedtools getfasta -s``), and
optionally re-centred to a fixed width on each peak's summit (narrowPeak's tenth column) or midpoint; optionally
followed by negatives of the genome (:mod:`seqgen.negatives`): the windows flanking them, or random windows
GC-matched to them.

Coordinates are BED's: 0-based starts, exclusive ends. The genome is read once (twice for GC-matched negatives), one
sequence at a time, by Biopython's FASTA parser (plain or gzip), and only the sequences the intervals name are kept,
so a mammalian genome needs the memory of its largest chromosome, not of all of it.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.io.records import OPEN_ERRORS, RawRecords, open_error
from seqgen.negatives import (BOUND, CANDIDATES_PER_NEGATIVE, FLANK_DISTANCE, GC_BINS, GENOMIC_NEGATIVES,
                              REPEAT_BINS, check_per_positive, composition_bin, compositions, flank_windows,
                              grid_windows, lowest_in_bins, overlapping, window_composition)

#: the columns of ENCODE's peak formats (narrowPeak: all ten; broadPeak: the first nine)
PEAK_COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "signalValue", "pValue", "qValue", "peak")
#: the columns that can be labels: BED's score, and the peak formats' three values
BED_LABELS = ("score", "signalValue", "pValue", "qValue")
#: the complement of every IUPAC letter, either case (N stays N)
_COMPLEMENT = bytes.maketrans(b"ACGTRYKMBDHVNacgtrykmbdhvn", b"TGCAYRMKVHDBNtgcayrmkvhdbn")


@dataclass
class Intervals:
    """The intervals of a BED file, one row each.

    Attributes
    ----------
    chrom : list of str
    start, end : np.ndarray
        ``(N,)`` int64, 0-based, ``end`` exclusive (as re-centred by ``width``).
    strands : np.ndarray
        ``(N,)`` str: ``+``, ``-`` (read reverse-complemented) or ``.`` (none given).
    names : list of str
    lines : np.ndarray
        ``(N,)`` int64, the 1-based line of each interval in the file.
    labels : np.ndarray
        ``(N, K)`` float32, the columns asked for (NaN where '.').
    given_start, given_end : np.ndarray
        ``(N,)`` int64, the interval as the file gives it (an end past its chromosome: an error; moved past it by
        ``width``: left out).
    kind : str
        'narrowPeak', 'broadPeak' or 'bed' (:func:`bed_kind`).
    """

    chrom: list
    start: np.ndarray
    end: np.ndarray
    strands: np.ndarray
    names: list
    lines: np.ndarray
    labels: np.ndarray
    given_start: np.ndarray
    given_end: np.ndarray
    kind: str

    @property
    def minus(self) -> np.ndarray:
        """``(N,)`` bool: on the minus strand."""
        return self.strands == "-"


def bed_kind(path, columns: int) -> str:
    """'narrowPeak' (ten columns), 'broadPeak' (nine, the file named so) or 'bed'."""
    name = Path(str(path)).name.lower().removesuffix(".gz")
    if columns == 10 and not name.endswith(".broadpeak"):
        return "narrowPeak"
    if columns == 9 and name.endswith(".broadpeak"):
        return "broadPeak"
    return "bed"


def label_column_index(kind: str, name: str, path) -> int:
    """The 0-based column of label ``name`` in a BED file of ``kind``; else an error naming what it has."""
    have = {"narrowPeak": BED_LABELS, "broadPeak": BED_LABELS}.get(kind, ("score",))
    if name not in have:
        raise SeqgenError(f"a {kind} file has no label column {name!r}; its label columns are {', '.join(have)}",
                          path)
    return PEAK_COLUMNS.index(name)


def _fields(data: bytes, path):
    """``(line number, fields)`` of every interval line (blank, '#', 'track' and 'browser' lines skipped, and a
    first line naming the columns, as a table exported with its header has: start and end not numbers)."""
    first = True
    for number, line in enumerate(data.decode("utf-8", "replace").split("\n"), 1):
        text = line.strip()
        if not text or text.startswith(("#", "track", "browser")):
            continue
        fields = text.split("\t") if "\t" in text else text.split()
        if first and len(fields) >= 3 and not any(f.lstrip("-").isdigit() for f in fields[1:3]):
            first = False
            continue
        first = False
        yield number, fields


def _integer(text: str, what: str, number: int, path) -> int:
    try:
        return int(text)
    except ValueError:
        raise SeqgenError(f"line {number}: the {what} {text!r} is not a whole number", path) from None


def _label(text: str, name: str, number: int, path, keep_missing: bool) -> float:
    if text in (".", "", "NA") and keep_missing:
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        what = "missing ('.'; --missing-labels drop leaves such intervals out)" if text in (".", "", "NA") \
            else f"{text!r}, not a finite number"
        raise SeqgenError(f"line {number}: the {name} is {what}", path)
    return value


def parse_intervals(data: bytes, path, label_columns=(), width: int | None = None,
                    keep_missing: bool = False) -> Intervals:
    """The intervals of a BED file's bytes, checked, re-centred to ``width`` when given: on a narrowPeak's summit
    where it has one, else on the middle, the extra letter of an even width upstream on either strand."""
    rows = list(_fields(data, path))
    if not rows:
        raise SeqgenError("no intervals: every line is blank, a comment, a track line or a header", path)
    kind = bed_kind(path, min(len(fields) for _, fields in rows))
    indexes = [label_column_index(kind, name, path) for name in label_columns]
    chrom, start, end, strands, names, lines, labels, given_start, given_end = [], [], [], [], [], [], [], [], []
    for number, fields in rows:
        if len(fields) < 3:
            raise SeqgenError(f"line {number}: a BED line has at least 3 fields (chrom, start, end), this one "
                              f"{len(fields)}", path)
        first, last = _integer(fields[1], "start", number, path), _integer(fields[2], "end", number, path)
        if not 0 <= first < last:
            raise SeqgenError(f"line {number}: the interval {fields[0]}:{first}-{last} is empty or starts below 0 "
                              f"(BED: 0-based start, exclusive end)", path)
        strand = fields[5] if len(fields) > 5 else "."
        if strand not in ("+", "-", "."):
            raise SeqgenError(f"line {number}: the strand is {strand!r}, not +, - or .", path)
        given_start.append(first)
        given_end.append(last)
        if width is not None:
            summit = _integer(fields[9], "peak", number, path) if kind == "narrowPeak" else -1
            centre = first + summit if summit >= 0 else (first + last) // 2
            below = width // 2 if strand != "-" else width - 1 - width // 2  # letters at lower coordinates
            first, last = centre - below, centre - below + width
        chrom.append(fields[0])
        start.append(first)
        end.append(last)
        strands.append(strand)
        name = fields[3] if len(fields) > 3 and fields[3] != "." else ""
        names.append(name or f"{fields[0]}:{first}-{last}" + (f"({strand})" if strand != "." else ""))
        lines.append(number)
        labels.append([_label(fields[i] if i < len(fields) else ".", n, number, path, keep_missing)
                       for i, n in zip(indexes, label_columns)])
    return Intervals(chrom, np.array(start, dtype=np.int64), np.array(end, dtype=np.int64), np.array(strands),
                     names, np.array(lines, dtype=np.int64),
                     np.array(labels, dtype=np.float32).reshape(len(rows), len(label_columns)),
                     np.array(given_start, dtype=np.int64), np.array(given_end, dtype=np.int64), kind)


def _open_text(path):
    """A text handle on a (possibly gzip-compressed) FASTA file; an error naming it where it cannot be read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
        if head in (b"\x43\x27\x41\x1a", b"\x1a\x41\x27\x43"):  # UCSC's .2bit signature, either byte order
            raise SeqgenError("a .2bit genome, not FASTA: convert it (twoBitToFa GENOME.2bit GENOME.fa)", path)
        gzipped = head[:2] == b"\x1f\x8b"
        return gzip.open(path, "rt", encoding="ascii", errors="replace") if gzipped else \
            open(path, encoding="ascii", errors="replace")
    except tuple(OPEN_ERRORS) as exc:
        raise open_error(exc, path) from None


def genome_sequences(genome):
    """``(name, letters)`` of each sequence of a genome FASTA (plain or gzip), one at a time; an error naming the
    file where it cannot be read or holds no sequence."""
    import zlib

    from Bio.SeqIO.FastaIO import SimpleFastaParser

    any_read = False
    try:
        with _open_text(genome) as handle:
            for title, letters in SimpleFastaParser(handle):
                any_read = True
                yield (title.split(None, 1)[0] if title.strip() else ""), letters
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise SeqgenError(f"cannot read the genome FASTA ({exc})", genome) from None
    if not any_read:
        raise SeqgenError("no sequences in the genome FASTA (no '>' header line)", genome)


def genome_slices(genome, chrom: list, start: np.ndarray, end: np.ndarray) -> tuple[list, dict]:
    """The letters of each window ``chrom[i]:start[i]-end[i]`` (bytes, ``None`` where it runs off its chromosome)
    and the length of every genome sequence read (``{name: length}``), reading ``genome`` once, one sequence at a
    time."""
    wanted: dict = {}
    for i, name in enumerate(chrom):
        wanted.setdefault(name, []).append(i)
    slices, lengths = [None] * len(chrom), {}
    for name, letters in genome_sequences(genome):
        lengths[name] = len(letters)
        for i in wanted.get(name, ()):
            if 0 <= start[i] and end[i] <= len(letters):
                slices[i] = letters[start[i]:end[i]].encode("ascii")
    return slices, lengths


def _check_chromosomes(intervals: Intervals, lengths: dict, path, genome) -> None:
    """Refuse an interval on a sequence the genome lacks, or past its end as the file gives it (another assembly)."""
    for i, name in enumerate(intervals.chrom):
        if name not in lengths:
            some = ", ".join(list(lengths)[:5]) + (", ..." if len(lengths) > 5 else "")
            raise SeqgenError(f"line {intervals.lines[i]}: {name!r} is not a sequence of the genome {genome} "
                              f"({len(lengths)} sequences: {some}); do the BED file and the genome use the same "
                              f"names and assembly?", path)
        if intervals.given_end[i] > lengths[name]:
            raise SeqgenError(f"line {intervals.lines[i]}: the interval ends at {intervals.given_end[i]:,}, past the "
                              f"end of {name} ({lengths[name]:,} letters in {genome}): is it of another assembly?",
                              path)


def parse_bed(data: bytes, path, genome, label_columns=(), width: int | None = None, keep_missing: bool = False,
              negatives: str | None = None, flank_distance: int = FLANK_DISTANCE, seed: int = 0,
              per_positive: int = 1) -> RawRecords:
    """The letters of every interval of a BED file's bytes, cut out of ``genome`` (a FASTA file).

    Parameters
    ----------
    data : bytes
        The BED file (:func:`~seqgen.io.records.read_bytes`).
    path : str or Path
        Its name, for messages.
    genome : str or Path
        The genome FASTA (plain or gzip), sequences named as the BED file's first column.
    label_columns : sequence of str
        Of :data:`BED_LABELS` (``signalValue``, ``pValue``, ``qValue``: narrowPeak and broadPeak only).
    width : int, optional
        Re-centre every interval to this many letters on its summit (narrowPeak) or middle. An interval that this
        moves past an end of its chromosome is left out (``meta['n_off_chromosome']``).
    keep_missing : bool
        A label given as '.' is NaN, not an error.
    negatives : {None, 'flanks', 'gc-matched'}
        Add negatives of the genome after the intervals, with the label :data:`~seqgen.negatives.BOUND` (1 for the
        intervals, 0 for the negatives; no ``label_columns`` then): each interval's flanks, the interval moved
        ``flank_distance`` letters either way (:func:`_flanks`), or random windows of the intervals' chromosomes
        whose GC content and soft-masked share follow theirs (:func:`_gc_matched`, drawn by ``seed``,
        ``per_positive`` an interval).

    Returns
    -------
    RawRecords
        One record an interval, ids the interval's name (else ``chrom:start-end``, with ``(strand)`` where
        given), ``locus`` the windows' chromosomes, starts and strands; a letter's place in an error is its line
        in the BED file and its place in the interval's sequence.
    """
    if genome is None:
        raise SeqgenError("a BED file gives intervals of a genome: name its FASTA (--genome FASTA of seqgen encode "
                          "or predict; in the workflow, the data set's genome key), or give the .npz that seqgen "
                          "encode --genome writes", path)
    if width is not None and width < 1:
        raise SeqgenError(f"--width is a number of letters, at least 1, not {width}", path)
    if negatives not in (None, *GENOMIC_NEGATIVES):
        raise SeqgenError(f"negatives of a genome are {' or '.join(GENOMIC_NEGATIVES)}, not {negatives!r}", path)
    if negatives is not None and label_columns:
        raise SeqgenError(f"negatives are labelled {BOUND} 0, and have no {', '.join(label_columns)}: encode the "
                          f"intervals with negatives or with --label-column, not both", path)
    check_per_positive(per_positive, negatives, path)
    intervals = parse_intervals(data, path, label_columns, width, keep_missing)
    n = len(intervals.chrom)
    chrom, start, end = intervals.chrom, intervals.start, intervals.end
    if negatives == "flanks":
        flank_start, flank_end = flank_windows(start, end, flank_distance)
        chrom, start, end = chrom + [c for c in chrom for _ in (0, 1)], np.concatenate([start, flank_start]), \
            np.concatenate([end, flank_end])
    slices, lengths = genome_slices(genome, chrom, start, end)
    _check_chromosomes(intervals, lengths, path, genome)
    kept = [i for i in range(n) if slices[i] is not None]
    if not kept:
        raise SeqgenError(f"every interval runs off its chromosome at --width {width}", path)
    sequences = [_stranded(slices[i], intervals.minus[i]) for i in kept]
    ids, lines = [intervals.names[i] for i in kept], list(intervals.lines[kept])
    chroms, firsts, strands = [intervals.chrom[i] for i in kept], list(intervals.start[kept]), \
        list(intervals.strands[kept])
    labels, label_names = intervals.labels[kept], list(label_columns)
    meta = {"genome": str(genome), "bed_format": intervals.kind, "n_intervals": n,
            "n_near_copies": _near_copies(intervals, kept)}
    if width is not None:
        meta.update(width=int(width), n_off_chromosome=n - len(kept))
    if negatives == "flanks":
        flanks, meta["negatives"] = _flanks(intervals, slices[n:], flank_start, flank_end, flank_distance)
        sequences += [_stranded(slices[n + j], intervals.minus[j // 2]) for j in flanks]
        ids += [f"{intervals.names[j // 2]}_flank{flank_distance if j % 2 else -flank_distance:+d}" for j in flanks]
        lines += [intervals.lines[j // 2] for j in flanks]
        chroms += [intervals.chrom[j // 2] for j in flanks]
        firsts += [flank_start[j] for j in flanks]
        strands += [intervals.strands[j // 2] for j in flanks]
    if negatives == "gc-matched":
        windows, meta["negatives"] = _gc_matched(genome, intervals, kept, sequences, lengths, path, seed,
                                                 per_positive)
        sequences += windows["letters"]
        ids += [f"gc-matched_{c}:{a}-{b}" for c, a, b in zip(windows["chrom"], windows["start"], windows["end"])]
        lines += [0] * len(windows["letters"])  # of no line of the file
        chroms += windows["chrom"]
        firsts += list(windows["start"])
        strands += windows["strand"]
    if negatives is not None:
        meta["negatives"]["n_positives"] = len(kept)
        labels = np.repeat(np.array([1.0, 0.0], dtype=np.float32), [len(kept), len(sequences) - len(kept)])[:, None]
        label_names = [BOUND]
    lens = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    ends = np.cumsum(lens)
    starts = ends - lens
    return RawRecords(np.array(ids, dtype=str), np.frombuffer(b"".join(sequences), dtype=np.uint8), starts, ends,
                      starts, np.array(lines, dtype=np.int64), labels=labels, label_names=label_names, meta=meta,
                      table=True, locus={"chroms": np.array(chroms, dtype=str),
                                         "starts": np.array(firsts, dtype=np.int64),
                                         "strands": np.array(strands, dtype=str)})


def _near_copies(intervals: Intervals, kept: list) -> int:
    """How many of the intervals ``kept`` (as re-centred) overlap a neighbour by half the shorter's length or more:
    several summits of one peak region, whose sequences a random split puts on both sides."""
    if len(kept) < 2:
        return 0
    _, chrom = np.unique(np.array(intervals.chrom, dtype=str)[kept], return_inverse=True)
    start, end = intervals.start[kept], intervals.end[kept]
    order = np.lexsort((start, chrom))
    chrom, start, end = chrom[order], start[order], end[order]
    overlap, size = np.minimum(end[:-1], end[1:]) - start[1:], end - start
    near = (chrom[:-1] == chrom[1:]) & (2 * overlap >= np.minimum(size[:-1], size[1:]))
    marked = np.zeros(len(order), dtype=bool)
    marked[:-1] |= near
    marked[1:] |= near
    return int(marked.sum())


def _stranded(letters: bytes, minus: bool) -> bytes:
    """A window's letters as read on its strand: reverse-complemented on the minus strand."""
    return letters.translate(_COMPLEMENT)[::-1] if minus else letters


def _flanks(intervals: Intervals, slices: list, start: np.ndarray, end: np.ndarray, distance: int):
    """Which of the ``(2N,)`` flank windows (:func:`~seqgen.negatives.flank_windows`) are negatives: on their
    chromosome, overlapping no interval (as given or re-centred), of A, C, G, T only (either case), each window
    once (two intervals with one centre share their flanks).

    Returns
    -------
    kept : list of int
        The flanks kept, indexes into the ``2N`` windows (``j // 2`` is the interval of flank ``j``).
    meta : dict
        What was kept and left out, by reason.
    """
    _, codes = np.unique(np.array(intervals.chrom, dtype=str), return_inverse=True)  # chromosomes as numbers
    flank_chrom = np.repeat(codes, 2)
    covered = overlapping(flank_chrom, start, end, codes, *_covering(intervals))
    on_chromosome = np.array([letters is not None for letters in slices], dtype=bool)
    plain = np.array([letters is not None and not letters.upper().translate(None, b"ACGT") for letters in slices],
                     dtype=bool)
    candidates = np.flatnonzero(on_chromosome & ~covered & plain)
    _, first = np.unique(flank_chrom[candidates] * (np.int64(1) << 40) + start[candidates], return_index=True)
    kept = sorted(candidates[first].tolist())
    meta = {"kind": "flanks", "distance": int(distance), "n_windows": len(start), "n_negatives": len(kept),
            "n_duplicates": len(candidates) - len(kept),
            "n_off_chromosome": int((~on_chromosome).sum()), "n_overlapping": int((on_chromosome & covered).sum()),
            "n_ambiguous": int((on_chromosome & ~covered & ~plain).sum())}
    return kept, meta


def _covering(intervals: Intervals) -> tuple[np.ndarray, np.ndarray]:
    """``(N,)`` starts and ends spanning each interval as given and as re-centred: what negatives must not touch."""
    return np.minimum(intervals.given_start, intervals.start), np.maximum(intervals.given_end, intervals.end)


def _gc_matched(genome, intervals: Intervals, kept: list, peaks: list, lengths: dict, path, seed: int,
                per_positive: int = 1):
    """Random genome windows as negatives, ``per_positive`` times as many as ``peaks`` and of their length,
    matched to them in GC content and soft-masked (repeat) share, as gkm-SVM's ``genNullSeqs`` matches them: in
    each bin of the two (:func:`~seqgen.negatives.composition_bin`) ``per_positive`` times as many as the peaks
    have there, a uniform sample of the windows of that bin on the peaks' chromosomes that overlap no interval and
    are of A, C, G, T only. The genome is read a second time, one sequence at a time; up to
    :data:`~seqgen.negatives.CANDIDATES_PER_NEGATIVE` windows a negative are drawn on a grid (so they never overlap
    one another), and a running sample of each bin is kept (:func:`~seqgen.negatives.lowest_in_bins`).

    Parameters
    ----------
    kept : list of int
        The intervals ``peaks`` are of.
    peaks : list of bytes
        Their letters, all of one length.
    lengths : dict
        ``{name: length}`` of the genome's sequences.

    Returns
    -------
    windows : dict
        ``letters`` (list of bytes, each on a strand drawn as the peaks' strands are), ``chrom``, ``start``,
        ``end``, ``strand`` (``+`` or ``-``: reverse-complemented): the negatives, sorted by chromosome and start.
    meta : dict
        What was drawn and left out, by reason, and the mean GC and soft-masked shares of the peaks and of the
        negatives.
    """
    sizes = {len(p) for p in peaks}
    if len(sizes) > 1:
        raise SeqgenError(f"gc-matched negatives are windows of one length, and the intervals have {min(sizes):,} to "
                          f"{max(sizes):,} letters: give --width (in the workflow, width:) to re-centre them", path)
    length = sizes.pop()
    peak_gc, peak_masked = compositions(peaks)
    quota = per_positive * np.bincount(composition_bin(peak_gc, peak_masked, length), minlength=GC_BINS * REPEAT_BINS)
    names = sorted({intervals.chrom[i] for i in kept})
    codes = {name: code for code, name in enumerate(names)}
    region_chrom = np.array([codes.get(name, -1) for name in intervals.chrom], dtype=np.int64)
    region_start, region_end = _covering(intervals)
    stride = max(length, sum(lengths[name] for name in names) // (CANDIDATES_PER_NEGATIVE * int(quota.sum())))
    rng = np.random.default_rng(seed)
    chrom, start, bins, keys = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), \
        np.zeros(0, dtype=np.int64), np.zeros(0)
    letters, counts = [], {"n_windows": 0, "n_overlapping": 0, "n_ambiguous": 0}
    for name, sequence in genome_sequences(genome):
        if name not in codes:
            continue
        raw = sequence.encode("ascii")
        starts = grid_windows(len(raw), stride, length, rng)
        gc, masked, plain = window_composition(raw, starts, length)
        covered = overlapping(np.full(len(starts), codes[name]), starts, starts + length, region_chrom, region_start,
                              region_end)
        counts["n_windows"] += len(starts)
        counts["n_overlapping"] += int(covered.sum())
        counts["n_ambiguous"] += int((~covered & ~plain).sum())
        usable = plain & ~covered
        chrom = np.concatenate([chrom, np.full(int(usable.sum()), codes[name])])
        start = np.concatenate([start, starts[usable]])
        bins = np.concatenate([bins, composition_bin(gc[usable], masked[usable], length)])
        keys = np.concatenate([keys, rng.random(int(usable.sum()))])
        keep = lowest_in_bins(bins, keys, quota)
        new = keep[len(letters):]
        letters = [w for w, k in zip(letters, keep) if k] + [raw[a:a + length] for a in starts[usable][new]]
        chrom, start, bins, keys = chrom[keep], start[keep], bins[keep], keys[keep]
    if not letters:
        usable = counts["n_windows"] - counts["n_overlapping"] - counts["n_ambiguous"]
        what = f"none of the {usable:,} windows of {length:,} letters outside them (of A, C, G, T only) has an " \
               f"interval's GC content and soft-masked share" if usable else \
            f"no window of {length:,} letters of A, C, G, T only lies outside them"
        raise SeqgenError(f"on the intervals' chromosomes in {genome}, {what}: no gc-matched negatives (--negatives "
                          f"flanks or shuffle make others)", path)
    order = np.lexsort((start, chrom))
    flip = rng.random(len(order)) < intervals.minus[kept].mean()
    windows = {"letters": [_stranded(letters[i], minus) for i, minus in zip(order, flip)],
               "chrom": [names[c] for c in chrom[order]], "start": start[order], "end": start[order] + length,
               "strand": ["-" if minus else "+" for minus in flip]}
    short = np.flatnonzero(np.bincount(bins, minlength=len(quota)) < quota) // REPEAT_BINS
    drawn_gc, drawn_masked = compositions(letters)
    meta = {"kind": "gc-matched", "length": int(length), "seed": int(seed), "per_positive": int(per_positive),
            "n_chromosomes": len(names), **counts, "n_negatives": len(letters),
            "n_short": int(quota.sum()) - len(letters),
            "short_gc": [float(short.min() / GC_BINS), float((short.max() + 1) / GC_BINS)] if len(short) else None,
            "gc_positives": float(peak_gc.mean() / length), "gc_negatives": float(drawn_gc.mean() / length),
            "masked_positives": float(peak_masked.mean() / length),
            "masked_negatives": float(drawn_masked.mean() / length)}
    return windows, meta
