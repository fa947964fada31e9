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
bed        BED/narrowPeak intervals of ``genome=FASTA``  .bed .narrowPeak .broadPeak
========== ============================================ ==========================

FASTA and FASTQ are parsed by a vectorized byte-level reader (numpy over the
whole file, no per-record Python), which also knows the line and column of
every letter, so that errors can name them. Its output is checked against
Biopython's parsers in the tests. Every problem raises :class:`~seqgen.errors.SeqgenError`
with a one-line message naming the file, the record and the problem.

The modules, each importing only those above it:

- :mod:`seqgen.io.records`: the formats and policies, :class:`~seqgen.io.records.RawRecords` (parsed, not yet
  encoded), standard input and output, a file's format, reading its bytes and the memory check;
- :mod:`seqgen.io.fasta`: FASTA and FASTQ, and the vectorized line helpers;
- :mod:`seqgen.io.tables`: CSV/TSV tables and the PBM tables (DREAM5, UniPROBE);
- :mod:`seqgen.io.a2m`: alignments (A2M, A3M, aligned FASTA) and their focus sequence;
- :mod:`seqgen.io.bed`: genome intervals (BED, narrowPeak, broadPeak) cut out of a genome FASTA;
- :mod:`seqgen.io.encoding`: :func:`~seqgen.io.encoding.encode_records`, the ambiguity and length policies;
- :mod:`seqgen.io.read`: the entry points, :func:`~seqgen.io.read.parse` and :func:`read_sequences`;
- :mod:`seqgen.io.writers`: :func:`write_fasta`.

The names used outside the package are imported here: ``from seqgen.io import read_sequences`` works. A test
that replaces a function or a setting must replace it in the module that looks it up
(``seqgen.io.encoding.GATHER_BLOCK``; ``available_memory`` in ``seqgen.io.records`` for the check before parsing,
in ``seqgen.io.encoding`` for the one before padding).
"""
from __future__ import annotations

from seqgen.io.a2m import parse_a2m
from seqgen.io.read import read_sequences
from seqgen.io.records import (DUPLICATE_POLICIES, FORMATS, LENGTH_POLICIES, STDIN, STDOUT, detect_format,
                               read_bytes, resolve_format)
from seqgen.io.tables import UNIPROBE_LINKER
from seqgen.io.writers import write_fasta

__all__ = [
    "DUPLICATE_POLICIES", "FORMATS", "LENGTH_POLICIES", "STDIN", "STDOUT", "UNIPROBE_LINKER", "detect_format",
    "parse_a2m", "read_bytes", "read_sequences", "resolve_format", "write_fasta",
]
