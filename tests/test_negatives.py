"""Negatives for a classifier of bound sequences (seqgen.negatives): dinucleotide shuffles, a BED file's flanks in
its genome, and the generators' split of the positives alone."""
import numpy as np
import pytest

from seqgen.alphabets import DNA, encode, reverse_complement
from seqgen.cli import main
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.io import read_sequences
from seqgen.negatives import BOUND, flank_windows, overlapping, positives, with_shuffled_negatives

RNG = np.random.default_rng(11)
#: a soft-masked genome; chr1 holds an N at 1,230 (in the upper flank of the peak at 700-760 at distance 500)
CHR1 = "".join(RNG.choice(list("ACGTacgt"), 3000))
CHR1 = CHR1[:1230] + "N" + CHR1[1231:]
GENOME = {"chr1": CHR1, "chr2": "".join(RNG.choice(list("ACGT"), 2000))}


def write_genome(path):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in GENOME.items()))
    return path


def codes_of(text: str) -> np.ndarray:
    return encode([text.upper()], DNA)[0]


def dinucleotide_counts(codes: np.ndarray) -> np.ndarray:
    return np.bincount((codes[:-1].astype(int) * 4 + codes[1:]), minlength=16)


def test_overlapping_agrees_with_a_loop_over_every_pair():
    rng = np.random.default_rng(0)
    regions = rng.integers(0, 3, 40), rng.integers(0, 5000, 40)
    region_end = regions[1] + rng.integers(1, 400, 40)
    chrom, start = rng.integers(0, 3, 500), rng.integers(0, 5400, 500)
    end = start + rng.integers(1, 300, 500)
    expected = [any(c == rc and s < re and rs < e for rc, rs, re in zip(*regions, region_end))
                for c, s, e in zip(chrom, start, end)]
    assert overlapping(chrom, start, end, *regions, region_end).tolist() == expected
    assert 0 < sum(expected) < 500  # both kinds occur
    assert not overlapping(chrom, start, end, np.zeros(0, int), np.zeros(0, int), np.zeros(0, int)).any()


def test_flank_windows_move_each_interval_both_ways():
    start, end = flank_windows(np.array([100, 900]), np.array([150, 1000]), 300)
    assert start.tolist() == [-200, 400, 600, 1200] and end.tolist() == [-150, 450, 700, 1300]
    with pytest.raises(SeqgenError, match="at least 1, not 0"):
        flank_windows(np.array([1]), np.array([2]), 0)


def test_shuffled_negatives_keep_each_sequence_s_dinucleotides_and_are_labelled_0():
    codes = np.random.default_rng(1).integers(0, 4, (30, 50)).astype(np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(30)], meta={"source": "x"})
    both = with_shuffled_negatives(data, seed=3)
    assert len(both) == 60 and both.label_names == [BOUND] and both.label().tolist() == [1.0] * 30 + [0.0] * 30
    assert np.array_equal(both.codes[:30], codes) and both.ids[30] == "s0_shuffle"
    for original, negative in zip(codes, both.codes[30:]):
        assert np.array_equal(dinucleotide_counts(original), dinucleotide_counts(negative))
    assert (both.codes[30:] != codes).any(1).mean() > 0.9  # shuffled, not copied
    assert both.meta["negatives"] == {"kind": "shuffle", "kmer": 2, "n_positives": 30, "n_negatives": 30,
                                      "n_identical": 0, "seed": 3}
    assert np.array_equal(with_shuffled_negatives(data, seed=3).codes, both.codes)  # seeded
    labelled = SequenceSet(codes, "dna", data.ids, labels=np.ones(30), label_names=["signal"])
    with pytest.raises(SeqgenError, match=r"no value of the input's labels \(signal\)"):
        with_shuffled_negatives(labelled)


def test_proteins_get_letter_shuffles_and_a_shuffle_identical_to_its_sequence_is_left_out(tmp_path, capsys):
    proteins = SequenceSet(encode(["MKVLAAGIVLLLAWQ", "MKKLLPTAAAGLLLL"], "protein"), "protein", ["a", "b"])
    both = with_shuffled_negatives(proteins, seed=0)
    assert both.meta["negatives"]["kmer"] == 1 and len(both) == 4
    for original, negative in zip(proteins.codes, both.codes[2:]):
        assert sorted(original) == sorted(negative) and (original != negative).any()
    short = SequenceSet(encode(["ACGT", "AAAA", "AACA"], DNA), DNA, ["x", "y", "z"])  # one order, or two
    kept = with_shuffled_negatives(short, seed=0)
    assert not {"x_shuffle", "y_shuffle"} & set(kept.ids) and kept.meta["negatives"]["n_identical"] >= 2
    for i, negative in zip(kept.ids[3:], kept.codes[3:]):
        assert (negative != short.codes[short.ids.tolist().index(i.removesuffix("_shuffle"))]).any()
    fasta = tmp_path / "s.fa"
    fasta.write_text(">x\nACGT\n>z\nACGTTGCAAGTTACG\n")
    assert main(["encode", str(fasta), "--negatives", "shuffle", "--lengths", "pad", "--out",
                 str(tmp_path / "s.npz")]) == 0
    assert "1 shuffles came out as their own sequence (too short for another order) and were left out" in \
        capsys.readouterr().err


def test_flanks_are_the_genome_windows_either_way_less_overlaps_ends_and_ns(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    bed = tmp_path / "p.bed"
    bed.write_text("chr1\t700\t760\tup\t0\t+\n"      # flanks 200-260 and 1200-1260 (holds the N at 1230)
                   "chr1\t1500\t1560\tmid\t0\t-\n"   # flanks 1000-1060 and 2000-2060, read reverse-complemented
                   "chr1\t2500\t2560\tnear\t0\t+\n"  # flanks 2000-2060 (mid's, once) and 3000-3060 (off chr1)
                   "chr2\t100\t160\tleft\t0\t+\n"    # flanks -400 (off chr2) and 600-660, overlapping 'over'
                   "chr2\t620\t700\tover\t0\t+\n")   # flanks 120-200 (overlaps 'left') and 1120-1200
    data = read_sequences(bed, genome=genome, negatives="flanks", flank_distance=500, lengths="pad")
    assert data.ids.tolist() == ["up", "mid", "near", "left", "over",
                                 "up_flank-500", "mid_flank-500", "mid_flank+500", "over_flank+500"]
    assert data.label(BOUND).tolist() == [1.0] * 5 + [0.0] * 4
    expected = [CHR1[200:260], CHR1[1000:1060], CHR1[2000:2060], GENOME["chr2"][1120:1200]]
    for row, letters, minus in zip(data.codes[5:], expected, [False, True, True, False]):
        want = codes_of(letters)
        assert np.array_equal(row[:len(want)], reverse_complement(want[None], DNA)[0] if minus else want)
    assert data.meta["negatives"] == {"kind": "flanks", "distance": 500, "n_windows": 10, "n_negatives": 4,
                                      "n_duplicates": 1, "n_off_chromosome": 2, "n_overlapping": 2,
                                      "n_ambiguous": 1, "n_positives": 5}


def test_negatives_refuse_labels_and_flanks_need_a_bed_file(tmp_path):
    genome = write_genome(tmp_path / "g.fa")
    peaks = tmp_path / "p.narrowPeak"
    peaks.write_text("chr1\t700\t760\tup\t0\t+\t2.5\t1\t1\t30\n")
    with pytest.raises(SeqgenError, match="encode with negatives or with a label column, not both"):
        read_sequences(peaks, genome=genome, negatives="flanks", label_columns=["signalValue"])
    with pytest.raises(SeqgenError, match="read as fasta .--negatives shuffle makes negatives of any input"):
        read_sequences(genome, negatives="flanks")
    with pytest.raises(SeqgenError, match="negatives must be one of shuffle, flanks, not 'random'"):
        read_sequences(genome, negatives="random")
    probes = tmp_path / "probes.txt"  # a DREAM5 table: its format gives the labels
    probes.write_text("ACGTACGTAC\t1500\t90\nTTGCATGCAA\t800\t85\n")
    with pytest.raises(SeqgenError, match=r"probes.txt: .*no value of the input's labels \(signal, background\)"):
        read_sequences(probes, format="dream5", negatives="shuffle")
    shuffled = read_sequences(genome, negatives="shuffle", lengths="trim", length=1000, seed=2)  # any input
    assert shuffled.label(BOUND).tolist() == [1, 1, 0, 0] and shuffled.ids[2:].tolist() == ["chr1_shuffle",
                                                                                           "chr2_shuffle"]


def test_positives_are_the_ones_of_a_class_label():
    data = SequenceSet(np.zeros((4, 3), np.uint8), "dna", list("abcd"), labels=[1, 0, 1, 0], label_names=[BOUND])
    assert positives(data).ids.tolist() == ["a", "c"]
    with pytest.raises(SeqgenError, match="no sequence has bound 1"):
        positives(data.subset([1, 3]))
    scores = SequenceSet(np.zeros((2, 3), np.uint8), "dna", list("ab"), labels=[0.5, 2], label_names=["signal"])
    with pytest.raises(SeqgenError, match="'signal' is not a class of 0s and 1s .it has 0.5 to 2."):
        positives(scores, "signal")


def test_encode_negatives_then_split_the_positives_for_the_generators(tmp_path, capsys):
    genome = write_genome(tmp_path / "g.fa")
    peaks = tmp_path / "p.narrowPeak"
    peaks.write_text("".join(f"chr2\t{i}\t{i + 40}\tp{i}\t0\t+\t1\t1\t1\t20\n" for i in range(600, 1400, 40)))
    data, training, heldout = tmp_path / "d.npz", tmp_path / "t.npz", tmp_path / "h.npz"
    assert main(["encode", str(peaks), "--genome", str(genome), "--width", "30", "--negatives", "flanks",
                 "--flank-distance", "600", "--out", str(data)]) == 0
    err = capsys.readouterr().err
    assert "30 negatives (flanks) added after the 20 sequences read, labelled bound 0" in err
    assert "of the 40 flanks 600 letters either way of the intervals, 10 overlap an interval, 0 run off" in err
    assert main(["train", "vae", "--data", str(data), "--out", str(tmp_path / "v"), "--steps", "1",
                 "--no-progress"]) == 0
    assert "30 of the 50 sequences are negatives that encode --negatives added (bound 0)" in capsys.readouterr().err
    assert main(["split", str(data), "--positives", BOUND, "--holdout", "0.25", "--training", str(training),
                 "--heldout", str(heldout)]) == 0
    assert "30 of the 50 sequences have bound 0 and are in neither part" in capsys.readouterr().err
    parts = SequenceSet.load(training), SequenceSet.load(heldout)
    assert [len(p) for p in parts] == [15, 5] and all((p.label(BOUND) == 1).all() for p in parts)
    assert parts[0].meta["split"] == {"part": "training", "holdout": 0.25, "seed": 0, "of": 20, "positives": BOUND}
    assert main(["train", "vae", "--data", str(training), "--out", str(tmp_path / "v2"), "--steps", "1",
                 "--no-progress"]) == 0
    assert "negatives that encode" not in capsys.readouterr().err
