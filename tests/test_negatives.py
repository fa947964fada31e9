"""Negatives for a classifier of bound sequences (seqgen.negatives): dinucleotide shuffles, a BED file's flanks in
its genome, random genome windows GC-matched to its intervals, and the generators' split of the positives alone."""
import numpy as np
import pytest

from seqgen.alphabets import DNA, encode, reverse_complement
from seqgen.cli import main
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.io import read_sequences
from seqgen.negatives import (BOUND, GC_BINS, REPEAT_BINS, composition_bin, compositions, flank_windows, lowest_in_bins,
                              overlapping, positives, window_composition, with_shuffled_negatives)

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
                                      "n_identical": 0, "seed": 3, "per_positive": 1}
    assert np.array_equal(with_shuffled_negatives(data, seed=3).codes, both.codes)  # seeded
    labelled = SequenceSet(codes, "dna", data.ids, labels=np.ones(30), label_names=["signal"])
    with pytest.raises(SeqgenError, match=r"no value of the input's labels \(signal\)"):
        with_shuffled_negatives(labelled)


def test_several_shuffles_a_sequence_are_drawn_each_on_its_own(tmp_path, capsys):
    codes = np.random.default_rng(2).integers(0, 4, (20, 40)).astype(np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(20)], chroms=[f"chr{i % 2}" for i in range(20)],
                       starts=np.arange(20) * 100, strands=["+"] * 20)
    one, three = with_shuffled_negatives(data, seed=5), with_shuffled_negatives(data, seed=5, per_positive=3)
    assert len(three) == 80 and three.label().tolist() == [1.0] * 20 + [0.0] * 60
    assert np.array_equal(three.codes[:40], one.codes)  # the first shuffles are those of one a sequence
    assert three.ids[20:].tolist() == [f"s{i}{suffix}" for suffix in ("_shuffle", "_shuffle2", "_shuffle3")
                                       for i in range(20)]
    rounds = three.codes[20:].reshape(3, 20, 40)
    assert all((rounds[a] != rounds[b]).any(1).mean() > 0.9 for a, b in ((0, 1), (0, 2), (1, 2)))  # drawn apart
    for r in range(3):
        for original, negative in zip(codes, rounds[r]):
            assert np.array_equal(dinucleotide_counts(original), dinucleotide_counts(negative))
    assert three.chroms[20:].tolist() == data.chroms.tolist() * 3 and three.starts[40:60].tolist() == \
        data.starts.tolist()  # a shuffle's place: its sequence's
    assert three.meta["negatives"]["per_positive"] == 3 and three.meta["negatives"]["n_negatives"] == 60
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">s{i}\n{seq}\n" for i, seq in enumerate(data.sequences)))
    assert main(["encode", str(fasta), "--negatives", "shuffle", "--negatives-per-positive", "2", "--out",
                 str(tmp_path / "s.npz")]) == 0
    assert "40 negatives (shuffle, 2 a sequence read) added after the 20 sequences read" in capsys.readouterr().err
    assert len(SequenceSet.load(tmp_path / "s.npz")) == 60


@pytest.mark.parametrize("options,message", [
    ({"negatives": "flanks", "negatives_per_positive": 2},
     "--negatives-per-positive 2 is for --negatives shuffle or gc-matched, and flanks are the two windows"),
    ({"negatives_per_positive": 3}, "--negatives-per-positive 3 is for --negatives shuffle or gc-matched, and no "),
    ({"negatives": "shuffle", "negatives_per_positive": 0}, "a whole number of negatives, at least 1, not 0"),
])
def test_negatives_per_positive_is_refused_where_it_cannot_apply(tmp_path, options, message):
    genome = write_genome(tmp_path / "g.fa")
    bed = tmp_path / "p.bed"
    bed.write_text("chr1\t700\t760\tup\t0\t+\n")
    with pytest.raises(SeqgenError, match=message):
        read_sequences(bed, genome=genome, **options)


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
    assert data.chroms.tolist() == ["chr1"] * 3 + ["chr2"] * 2 + ["chr1"] * 3 + ["chr2"]
    expected = [CHR1[200:260], CHR1[1000:1060], CHR1[2000:2060], GENOME["chr2"][1120:1200]]
    assert data.starts.tolist() == [700, 1500, 2500, 100, 620, 200, 1000, 2000, 1120]
    assert data.strands.tolist() == ["+", "-", "+", "+", "+", "+", "-", "-", "+"]  # a flank: its peak's
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
    with pytest.raises(SeqgenError, match="negatives must be one of shuffle, flanks, gc-matched, not 'random'"):
        read_sequences(genome, negatives="random")
    probes = tmp_path / "probes.txt"  # a DREAM5 table: its format gives the labels
    probes.write_text("ACGTACGTAC\t1500\t90\nTTGCATGCAA\t800\t85\n")
    with pytest.raises(SeqgenError, match=r"probes.txt: .*no value of the input's labels \(signal, background\)"):
        read_sequences(probes, format="dream5", negatives="shuffle")
    peaks.write_text("chr1\t700\t760\tup\t0\t+\t2.5\t1\t1\t30\nchr2\t100\t160\tb\t0\t+\t2.5\t1\t1\t30\n")
    with_shuffles = read_sequences(peaks, genome=genome, negatives="shuffle")
    assert with_shuffles.chroms.tolist() == ["chr1", "chr2", "chr1", "chr2"]  # a shuffle: its sequence's
    assert with_shuffles.starts.tolist() == [700, 100, 700, 100] and with_shuffles.strands.tolist() == ["+"] * 4
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


@pytest.mark.parametrize("chunk", [1 << 22, 64])  # the default, and stretches shorter than the gaps
def test_window_composition_counts_each_window_s_gc_and_other_letters(monkeypatch, chunk):
    monkeypatch.setattr("seqgen.negatives._CHUNK", chunk)
    rng = np.random.default_rng(4)
    letters = "".join(rng.choice(list("ACGTacgtN"), 1000)).encode()
    starts = np.array([0, 30, 60, 90, 400, 977])  # windows that touch; the last one ends where the sequence does
    gc, masked, plain = window_composition(letters, starts, 23)
    windows = [letters[a:a + 23] for a in starts]
    assert gc.tolist() == [sum(w.upper().count(c) for c in b"CG") for w in windows]
    assert masked.tolist() == [sum(w.count(c) for c in b"acgt") for w in windows]
    assert [gc.tolist(), masked.tolist()] == [counts.tolist() for counts in compositions(windows)]
    assert plain.tolist() == [b"N" not in w for w in windows]
    assert window_composition(letters, np.zeros(0, int), 23)[0].shape == (0,)
    gc_bins = composition_bin(np.array([0, 49, 50, 99, 100]), np.zeros(5, int), 100) // REPEAT_BINS
    assert gc_bins.tolist() == [0, 24, 25, 49, GC_BINS - 1]
    assert (composition_bin(np.zeros(4, int), np.array([0, 9, 10, 100]), 100) % REPEAT_BINS).tolist() == [0, 0, 1, 9]


def test_lowest_in_bins_is_a_sample_of_each_bin_that_merging_chunks_keeps():
    rng = np.random.default_rng(5)
    bins, keys = rng.integers(0, 6, 3000), rng.random(3000)
    quota = np.array([0, 5, 40, 600, 9, 2])
    keep = lowest_in_bins(bins, keys, quota)
    for b in range(6):
        in_bin = bins == b
        want = min(quota[b], in_bin.sum())
        assert keep[in_bin].sum() == want
        assert set(np.flatnonzero(keep & in_bin)) == set(np.flatnonzero(in_bin)[np.argsort(keys[in_bin])[:want]])
    running = np.zeros(0, dtype=int)  # chunk by chunk, as a genome is read: the same sample
    for chunk in np.array_split(np.arange(3000), 7):
        both = np.concatenate([running, chunk])
        running = both[lowest_in_bins(bins[both], keys[both], quota)]
    assert set(running) == set(np.flatnonzero(keep))


@pytest.mark.parametrize("each", [1, 3])
def test_gc_matched_negatives_follow_the_intervals_gc_and_repeats_outside_them(tmp_path, each):
    rng = np.random.default_rng(6)

    def letters(n, gc):
        return "".join(rng.choice(list("ATCG"), n, p=[(1 - gc) / 2] * 2 + [gc / 2] * 2))

    # chr1: AT-rich, then GC-rich and soft-masked (a repeat), then GC-rich; two thirds of its peaks in the repeat
    genome = {"chr1": letters(60000, 0.3) + letters(40000, 0.7).lower() + letters(150000, 0.7),
              "chr2": letters(50000, 0.45) + "N" * 3000, "chrU": letters(40000, 0.7)}  # no interval: never sampled
    fasta = tmp_path / "g.fa"
    fasta.write_text("".join(f">{name} assembled\n{seq}\n" for name, seq in genome.items()))
    bed = tmp_path / "p.bed"
    starts = np.concatenate([rng.choice(np.arange(60000, 99700, 600), 60, replace=False),
                             rng.choice(np.arange(100000, 249000, 600), 30, replace=False)])
    bed.write_text("".join(f"chr1\t{s}\t{s + 250}\tp{i}\t0\t-\n" for i, s in enumerate(starts))
                   + "".join(f"chr2\t{s}\t{s + 250}\tq{s}\t0\t-\n" for s in range(1000, 40000, 1300)))
    options = dict(genome=fasta, negatives="gc-matched", width=100, negatives_per_positive=each)
    data = read_sequences(bed, **options, seed=1)
    n = 90 + len(range(1000, 40000, 1300))
    negatives = data.subset(data.label(BOUND) == 0)
    assert data.label(BOUND)[:n].tolist() == [1.0] * n and 0.9 * each * n <= len(negatives) <= each * n
    meta = data.meta["negatives"]
    assert meta["kind"] == "gc-matched" and meta["n_positives"] == n and meta["n_negatives"] == len(negatives)
    assert meta["n_negatives"] + meta["n_short"] == each * n and meta["per_positive"] == each
    assert meta["n_overlapping"] > 0 and meta["n_ambiguous"] > 0
    gc_of = dict(zip(data.ids, np.isin(data.codes, [DNA.letters.index("C"), DNA.letters.index("G")]).sum(1)))
    peaks = np.array([gc_of[i] for i in data.ids[:n]])
    drawn = np.array([gc_of[i] for i in negatives.ids])
    assert abs(drawn.mean() - peaks.mean()) < 2 and peaks.mean() > 60  # 100 letters: GC counts; the genome's ~52
    assert (np.bincount(composition_bin(drawn, 0, 100), minlength=GC_BINS * REPEAT_BINS) <= each * np.bincount(
        composition_bin(peaks, 0, 100), minlength=GC_BINS * REPEAT_BINS)).all()
    # soft-masked: half the peaks, and as many negatives (of chr1's GC-rich windows, a fifth are)
    assert meta["masked_positives"] > 0.45 and abs(meta["masked_negatives"] - meta["masked_positives"]) < 0.05
    spans = []
    for name, row, on, at, strand in zip(negatives.ids, negatives.codes, negatives.chroms, negatives.starts,
                                         negatives.strands):
        chrom, span = name.removeprefix("gc-matched_").split(":")
        first, last = map(int, span.split("-"))
        assert on == chrom and at == first and strand in "+-"
        assert chrom in ("chr1", "chr2") and last - first == 100
        window = codes_of(genome[chrom][first:last])
        assert np.array_equal(row, window if strand == "+" else reverse_complement(window[None], DNA)[0])
        spans.append((chrom, first, last))
    peak_spans = [("chr1", s, s + 250) for s in starts] + [("chr2", s, s + 250) for s in range(1000, 40000, 1300)]
    assert not any(c == pc and a < pe and ps < b for c, a, b in spans for pc, ps, pe in peak_spans)
    assert len(set(spans)) == len(spans)
    again = read_sequences(bed, **options, seed=1)
    assert np.array_equal(again.codes, data.codes)
    assert not np.array_equal(read_sequences(bed, **options, seed=2).ids, data.ids)


def test_gc_matched_negatives_need_one_length_and_a_bed_file(tmp_path, capsys):
    genome = write_genome(tmp_path / "g.fa")
    bed = tmp_path / "p.bed"
    bed.write_text("chr1\t700\t760\ta\nchr2\t100\t190\tb\n")
    with pytest.raises(SeqgenError, match="p.bed: gc-matched negatives are windows of one length, and the "
                                          "intervals have 60 to 90 letters: give --width"):
        read_sequences(bed, genome=genome, negatives="gc-matched", lengths="pad")
    with pytest.raises(SeqgenError, match="gc-matched negatives are cut out of a BED file's genome, and this is "
                                          "read as fasta"):
        read_sequences(genome, negatives="gc-matched")
    assert main(["encode", str(bed), "--genome", str(genome), "--width", "50", "--negatives", "gc-matched",
                 "--out", str(tmp_path / "d.npz")]) == 0
    err = capsys.readouterr().err
    assert "negatives (gc-matched) added after the 2 sequences read" in err
    assert "windows of 50 letters on the intervals' 2 chromosomes" in err
    assert SequenceSet.load(tmp_path / "d.npz").meta["negatives"]["seed"] == 0
    tiny = tmp_path / "tiny.fa"
    tiny.write_text(">chr1\nACGTACGTACNNACGT\n>chr2\nGGGGCCCCATATATAT\n")
    bed.write_text("chr2\t0\t8\tgc\n")  # GC 1; chr2's one window outside it, ATATATAT, has none
    with pytest.raises(SeqgenError, match="on the intervals' chromosomes in .*tiny.fa, none of the 1 windows of 8 "
                                          "letters outside them .of A, C, G, T only. has an interval's GC content"):
        read_sequences(bed, genome=tiny, negatives="gc-matched")
    bed.write_text("chr1\t0\t8\ta\n")  # chr1's other window holds N
    with pytest.raises(SeqgenError, match="no window of 8 letters of A, C, G, T only lies outside them: no "
                                          "gc-matched negatives .--negatives flanks or shuffle make others."):
        read_sequences(bed, genome=tiny, negatives="gc-matched")


def test_split_holds_out_whole_chromosomes_of_genome_intervals(tmp_path, capsys):
    genome = write_genome(tmp_path / "g.fa")
    peaks = tmp_path / "p.narrowPeak"
    peaks.write_text("".join(f"chr{1 + i % 2}\t{s}\t{s + 40}\tp{i}\t0\t+\t1\t1\t1\t20\n"
                             for i, s in enumerate(range(100, 1900, 60))))
    data, training, heldout = tmp_path / "d.npz", tmp_path / "t.npz", tmp_path / "h.npz"
    assert main(["encode", str(peaks), "--genome", str(genome), "--width", "30", "--negatives", "gc-matched",
                 "--out", str(data)]) == 0
    assert main(["split", str(data), "--chromosomes", "chr2", "--positives", BOUND, "--training", str(training),
                 "--heldout", str(heldout)]) == 0
    parts = SequenceSet.load(training), SequenceSet.load(heldout)
    assert set(parts[0].chroms) == {"chr1"} and set(parts[1].chroms) == {"chr2"}
    assert all((p.label(BOUND) == 1).all() for p in parts)
    whole = SequenceSet.load(data)
    assert len(parts[1]) == ((whole.chroms == "chr2") & (whole.label(BOUND) == 1)).sum() > 2
    assert parts[1].meta["split"] == {"part": "held out", "chromosomes": ["chr2"], "of": len(parts[0]) + len(parts[1]),
                                      "positives": BOUND}
    capsys.readouterr()
    assert main(["split", str(data), "--chromosomes", "chr3", "--training", str(training), "--heldout",
                 str(heldout)]) == 1
    assert "--chromosomes names chr3, which no sequence is on (the data set's chromosomes: chr1, chr2)" in \
        capsys.readouterr().err
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">s{i}\nACGTACGTTGCA\n" for i in range(6)))
    assert main(["encode", str(fasta), "--out", str(tmp_path / "s.npz")]) == 0
    capsys.readouterr()
    assert main(["split", str(tmp_path / "s.npz"), "--chromosomes", "chr1", "--training", str(training),
                 "--heldout", str(heldout)]) == 1
    assert "--chromosomes holds out the sequences of whole chromosomes, and this data set has none" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):  # one way to hold out, not both
        main(["split", str(data), "--chromosomes", "chr1", "--holdout", "0.2", "--training", str(training),
              "--heldout", str(heldout)])
