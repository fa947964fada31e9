"""Genomic intervals: a BED or narrowPeak file read against a genome FASTA (seqgen.io.bed)."""
import gzip

import numpy as np
import pandas as pd
import pytest

from seqgen.alphabets import DNA, encode, reverse_complement
from seqgen.cli import main
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.io import detect_format, read_sequences

RNG = np.random.default_rng(7)
#: a soft-masked genome of two sequences (lower case: repeats, as UCSC's FASTA writes them)
GENOME = {"chr1": "".join(RNG.choice(list("ACGTacgt"), 1000)), "chr2": "".join(RNG.choice(list("ACGT"), 300))}


def write_genome(path, genome=GENOME, gzipped=False):
    text = "".join(f">{name} some description\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n"
                   for name, seq in genome.items())
    if gzipped:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def write_bed(path, rows, header="track name=peaks\n# a comment\n"):
    path.write_text(header + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


def reverse_complement_text(text: str) -> str:
    return text[::-1].translate(str.maketrans("ACGT", "TGCA"))


def codes_of(text: str) -> np.ndarray:
    return encode([text.upper()], DNA)[0]


def test_bed_intervals_are_the_genome_letters_minus_strand_reverse_complemented(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    bed = write_bed(tmp_path / "x.bed", [("chr1", 10, 40, ".", 0, "+"), ("chr1", 500, 530, "b", 0, "-"),
                                         ("chr2", 0, 30, "c", 0, ".")])
    data = read_sequences(bed, genome=genome)
    assert data.ids.tolist() == ["chr1:10-40(+)", "b", "c"]
    assert np.array_equal(data.codes[0], codes_of(GENOME["chr1"][10:40]))
    assert np.array_equal(data.codes[1], reverse_complement(codes_of(GENOME["chr1"][500:530])[None], DNA)[0])
    assert np.array_equal(data.codes[2], codes_of(GENOME["chr2"][:30]))
    assert data.meta["format"] == "bed" and data.meta["bed_format"] == "bed"
    assert data.chroms.tolist() == ["chr1", "chr1", "chr2"] and data.meta["n_near_copies"] == 0


def assert_placed(data, genome=GENOME):
    """Every sequence is its genome place's letters: ``[start, start + length)`` of its chromosome, reverse-
    complemented on strand '-'."""
    assert data.starts is not None and data.strands is not None
    for row, length, chrom, start, strand in zip(data.codes, data.lengths, data.chroms, data.starts, data.strands):
        window = codes_of(genome[chrom][start:start + length])
        if strand == "-":
            window = reverse_complement(window[None], DNA)[0]
        assert np.array_equal(row[:length], window), (chrom, start, strand)


def test_genome_places_are_the_windows_read_also_once_trimmed(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    bed = write_bed(tmp_path / "x.bed", [("chr1", 10, 40, ".", 0, "+"), ("chr1", 500, 537, "b", 0, "-"),
                                         ("chr2", 3, 29, "c", 0, "."), ("chr1", 700, 745, "d", 0, "-")])
    data = read_sequences(bed, genome=genome, lengths="pad")
    assert data.starts.tolist() == [10, 500, 3, 700] and data.strands.tolist() == ["+", "-", ".", "-"]
    assert_placed(data)
    trimmed = read_sequences(bed, genome=genome, lengths="trim")  # the shortest, 26: a minus window's upper end
    assert trimmed.length == 26 and trimmed.starts.tolist() == [10, 511, 3, 719]
    assert_placed(trimmed)
    centred = read_sequences(bed, genome=genome, width=11)
    assert centred.starts.tolist() == [20, 513, 11, 717]
    assert_placed(centred)


def test_narrowpeak_width_centres_on_the_summit_else_the_middle(tmp_path):
    genome = write_genome(tmp_path / "g.fa.gz", gzipped=True)  # a gzip genome reads the same
    peaks = write_bed(tmp_path / "p.narrowPeak", [
        ("chr1", 100, 300, "summit", 5, "+", 8.5, 3.1, 2.0, 37),  # summit at 137
        ("chr1", 100, 300, "middle", 5, ".", 2.5, 3.1, 2.0, -1),  # no summit: the middle, 200
        ("chr1", 100, 300, "minus", 5, "-", 4.0, 3.1, 2.0, 37),
    ], header="")
    data = read_sequences(peaks, genome=genome, width=10, label_columns=["signalValue", "qValue"])
    chr1 = GENOME["chr1"]
    assert np.array_equal(data.codes[0], codes_of(chr1[132:142]))  # 5 letters below the summit, 4 above
    assert np.array_equal(data.codes[1], codes_of(chr1[195:205]))
    # on the minus strand the summit is the 6th letter read as well: 5 upstream of it (higher coordinates)
    assert np.array_equal(data.codes[2], reverse_complement(codes_of(chr1[133:143])[None], DNA)[0])
    assert data.labels.tolist() == [[8.5, 2.0], [2.5, 2.0], [4.0, 2.0]]
    assert data.label_names == ["signalValue", "qValue"] and data.meta["width"] == 10


def test_odd_width_is_symmetric_about_the_centre(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    bed = write_bed(tmp_path / "x.bed", [("chr2", 50, 60, "p", 0, "+"), ("chr2", 50, 60, "m", 0, "-")])
    data = read_sequences(bed, genome=genome, width=5)  # centre 55: 53-57 on either strand
    assert np.array_equal(data.codes[0], codes_of(GENOME["chr2"][53:58]))
    assert np.array_equal(data.codes[1], reverse_complement(codes_of(GENOME["chr2"][53:58])[None], DNA)[0])


def test_intervals_widened_off_their_chromosome_are_left_out_and_counted(tmp_path, capsys):
    genome = write_genome(tmp_path / "g.fa")
    bed = write_bed(tmp_path / "x.bed", [("chr2", 0, 20), ("chr2", 100, 120), ("chr2", 280, 300)])
    data = read_sequences(bed, genome=genome, width=50)
    assert data.ids.tolist() == ["chr2:85-135"] and data.meta["n_off_chromosome"] == 2
    out = tmp_path / "x.npz"
    assert main(["encode", str(bed), "--genome", str(genome), "--width", "50", "--out", str(out)]) == 0
    assert "2 of the 3 intervals run off their chromosome at --width 50" in capsys.readouterr().err
    assert len(SequenceSet.load(out)) == 1


def test_intervals_that_overlap_by_half_or_more_are_counted_as_near_copies(tmp_path, capsys):
    """Several summits of one region (ENCODE's narrowPeak repeats the region, one summit a line): re-centred, their
    windows overlap, so a random split puts near-copies on both sides; the note points at val_chromosomes."""
    genome = write_genome(tmp_path / "g.fa")
    rows = [("chr1", 100, 400, f"r{i}", 0, ".", 1, 1, 1, summit) for i, summit in enumerate((50, 60, 200))]
    rows += [("chr1", 600, 700, "lone", 0, ".", 1, 1, 1, 50), ("chr2", 100, 200, "other", 0, ".", 1, 1, 1, 10)]
    bed = write_bed(tmp_path / "p.narrowPeak", rows, header="")
    data = read_sequences(bed, genome=genome, width=40)  # summits at 150, 160, 300: the first two overlap by 30
    assert data.meta["n_near_copies"] == 2 and data.chroms.tolist() == ["chr1"] * 4 + ["chr2"]
    assert read_sequences(bed, genome=genome, width=18).meta["n_near_copies"] == 0  # overlap 8 of 18: less than half
    assert main(["encode", str(bed), "--genome", str(genome), "--width", "40", "--out", str(tmp_path / "d.npz")]) == 0
    assert ("2 of the 5 intervals overlap another by half their length or more (several summits of one region?): a "
            "random split holds near-copies of training sequences; seqgen split --chromosomes and the predictor's "
            "val_chromosomes (in the workflow, holdout_chromosomes) hold whole chromosomes out") in \
        capsys.readouterr().err
    assert SequenceSet.load(tmp_path / "d.npz").chroms.tolist() == data.chroms.tolist()


@pytest.mark.parametrize("rows, message", [
    ([("chr1", 10, 40), ("chr3", 0, 10)], "line 4: 'chr3' is not a sequence of the genome"),
    ([("chr2", 290, 310)], "line 3: the interval ends at 310, past the end of chr2 (300 letters"),
    ([("chr1", 40, 40)], "line 3: the interval chr1:40-40 is empty"),
    ([("chr1", "ten", 40)], "line 3: the start 'ten' is not a whole number"),
    ([("chr1", 10)], "line 3: a BED line has at least 3 fields"),
    ([("chr1", 10, 40, "x", 0, "*")], "line 3: the strand is '*'"),
])
def test_bad_intervals_name_their_line(tmp_path, rows, message):
    genome = write_genome(tmp_path / "g.fa")
    with pytest.raises(SeqgenError, match="x.bed: " + message.replace("(", r"\(").replace("*", r"\*")):
        read_sequences(write_bed(tmp_path / "x.bed", rows), genome=genome)


def test_a_header_line_naming_the_columns_is_skipped(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    bed = write_bed(tmp_path / "x.bed", [("chr2", 5, 9, "a")], header="chrom\tstart\tend\tname\n")
    assert read_sequences(bed, genome=genome).ids.tolist() == ["a"]
    later = write_bed(tmp_path / "y.bed", [("chr2", 5, 9, "a"), ("chrom", "start", "end", "name")], header="")
    with pytest.raises(SeqgenError, match="line 2: the start 'start' is not a whole number"):
        read_sequences(later, genome=genome)


def test_an_unknown_chromosome_is_named_with_the_genome_names(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    with pytest.raises(SeqgenError, match=r"'1' is not a sequence .* \(2 sequences: chr1, chr2\); do the BED"):
        read_sequences(write_bed(tmp_path / "x.bed", [("1", 10, 40)]), genome=genome)


def test_a_letter_error_names_the_bed_line(tmp_path):
    genome = write_genome(tmp_path / "g.fa", {"chr1": "ACGTNACGTACGT"})
    bed = write_bed(tmp_path / "x.bed", [("chr1", 0, 4, "clean"), ("chr1", 2, 8, "gap")])
    with pytest.raises(SeqgenError, match=r"record 'gap' \(line 4, letter 3 of its sequence\)"):
        read_sequences(bed, genome=genome)
    assert read_sequences(bed, genome=genome, ambiguous="drop", lengths="pad").ids.tolist() == ["clean"]
    twice = write_bed(tmp_path / "y.bed", [("chr1", 0, 4, "peak"), ("chr1", 6, 10, "peak")])
    with pytest.raises(SeqgenError, match=r"duplicated id 'peak' \(sequences at lines 3 and 4\)"):
        read_sequences(twice, genome=genome)


def test_label_columns_a_bed_file_has(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    bed6 = write_bed(tmp_path / "x.bed", [("chr1", 0, 10, "a", 3, "+"), ("chr1", 5, 15, "b", ".", "+")])
    with pytest.raises(SeqgenError, match="a bed file has no label column 'signalValue'; its label columns are score"):
        read_sequences(bed6, genome=genome, label_columns=["signalValue"])
    with pytest.raises(SeqgenError, match=r"line 4: the score is missing"):
        read_sequences(bed6, genome=genome, label_columns=["score"])
    data = read_sequences(bed6, genome=genome, label_columns=["score"], missing_labels="drop")
    assert data.ids.tolist() == ["a"] and data.labels.tolist() == [[3.0]]
    with pytest.raises(SeqgenError, match="a BED file's label columns are score, signalValue"):
        read_sequences(bed6, genome=genome, label_columns=["signal"])


def test_a_bed_file_needs_its_genome_and_the_genome_options_a_bed_file(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    bed = write_bed(tmp_path / "x.bed", [("chr1", 0, 10)])
    with pytest.raises(SeqgenError, match="a BED file gives intervals of a genome: name its FASTA"):
        read_sequences(bed)
    with pytest.raises(SeqgenError, match="--genome and --width read the intervals of a BED file, and this is read "
                                          "as fasta"):
        read_sequences(genome, genome=genome)
    with pytest.raises(SeqgenError, match="no such file"):
        read_sequences(bed, genome=tmp_path / "missing.fa")
    two_bit = tmp_path / "hg38.2bit"
    two_bit.write_bytes(b"\x43\x27\x41\x1a" + bytes(60))
    with pytest.raises(SeqgenError, match=r"hg38.2bit: a .2bit genome, not FASTA: convert it \(twoBitToFa"):
        read_sequences(bed, genome=two_bit)
    with pytest.raises(SeqgenError, match="no sequences in the genome FASTA"):
        read_sequences(bed, genome=write_bed(tmp_path / "not-fasta.fa", [("chr1", 0, 10)], header=""))
    assert [detect_format(name) for name in ("a.bed", "a.bed.gz", "b.narrowPeak.gz", "c.broadPeak")] == ["bed"] * 4


def test_broadpeak_labels_and_bed12_reads_the_span(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    broad = write_bed(tmp_path / "x.broadPeak", [("chr1", 0, 10, "a", 0, "+", 4.5, 2.0, 1.0)])
    assert read_sequences(broad, genome=genome, label_columns=["pValue"]).labels.tolist() == [[2.0]]
    bed12 = write_bed(tmp_path / "t.bed", [("chr1", 0, 30, "tx", 0, "+", 0, 30, 0, 2, "10,10", "0,20")])
    data = read_sequences(bed12, genome=genome)
    assert data.meta["bed_format"] == "bed" and np.array_equal(data.codes[0], codes_of(GENOME["chr1"][:30]))


def test_predict_scores_a_bed_file_at_the_model_s_length_as_encode_would(tmp_path, capsys):
    genome = write_genome(tmp_path / "g.fa")
    rows = [("chr1", 30 * i, 30 * i + 40, f"p{i}", i % 7, "+-"[i % 2]) for i in range(30)]
    bed = write_bed(tmp_path / "x.bed", rows)
    data, model = tmp_path / "x.npz", tmp_path / "model"
    assert main(["encode", str(bed), "--genome", str(genome), "--width", "20", "--label-column", "score",
                 "--out", str(data)]) == 0
    assert main(["train", "predictor", "--data", str(data), "--out", str(model), "--steps", "3", "--no-progress",
                 "--set", "members=1", "--set", "filters=4", "--set", "kernel=5"]) == 0
    from_bed, from_npz = tmp_path / "bed.tsv", tmp_path / "npz.tsv"
    assert main(["predict", "--model", str(model), "--input", str(bed), "--genome", str(genome), "--label-column",
                 "score", "--out", str(from_bed)]) == 0  # no --width: the model's 20
    assert main(["predict", "--model", str(model), "--input", str(data), "--out", str(from_npz)]) == 0
    assert from_bed.read_text() == from_npz.read_text() and from_bed.read_text().count("\n") == 31
    table = pd.read_csv(from_bed, sep="\t")
    assert table.columns.tolist() == ["id", "sequence", "mean", "std", "chrom", "start", "end", "strand",
                                      "measured_score"]
    assert (table.end - table.start == 20).all() and table.strand.tolist() == ["+-"[i % 2] for i in range(30)]
    for _, row in table.iterrows():  # each window scored is its row's sequence
        window = GENOME[row.chrom][row.start:row.end].upper()
        assert row.sequence == (window if row.strand == "+" else reverse_complement_text(window))
    assert main(["predict", "--model", str(model), "--input", str(bed), "--out", str(from_bed)]) == 1
    assert "a BED file gives intervals of a genome: name its FASTA (--genome FASTA" in capsys.readouterr().err
    out = tmp_path / "none.tsv"
    assert main(["predict", "--model", str(model), "--input", str(data), "--genome", str(genome),
                 "--out", str(out)]) == 1
    assert "this is an encoded .npz" in capsys.readouterr().err and not out.exists()
