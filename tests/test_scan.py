"""Scanning sequences longer than a predictor reads (seqgen.scan, seqgen predict --scan)."""
import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqgen.alphabets import AMBIGUOUS, DNA, decode, encode, get_alphabet
from seqgen.cli import main
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.predict import load_predictor
from seqgen.scan import (best_windows, check_scannable, clean_window_counts, empirical_pvalues, letters_only, null_bests,
                         scan_windows, shuffle_pvalues, shuffle_rounds, window_coordinates, window_counts)

#: float32 rounding of the members' outputs, relative to the predictions' scale: an ensemble's std is a difference of
#: close members' outputs, so its own relative error can be far larger (1.1e-4 of a std of 1.25 seen in a
#: 1.5e5-scale model when windows were convolved in tiles rather than one by one)
ROUNDING = 1e-6
SITE = "ACGCCCACGCA"  #: the consensus of JASPAR MA0472.2 (EGR2), the motif the probes are simulated from


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A 3-member predictor of 30-nt simulated EGR2 probes (the CLI's training, 250 steps, one thread)."""
    from seqgen.simulate import simulate_pbm

    folder = tmp_path_factory.mktemp("scan")
    table, _ = simulate_pbm(n=1500, length=30, seed=1, noise=0.1, threshold=8.0)
    data = SequenceSet(encode(table["sequence"].tolist(), "dna"), "dna", table["id"].to_numpy(),
                       labels=table[["signal"]].to_numpy(), label_names=["signal"])
    data.save(folder / "probes.npz")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(["train", "predictor", "--data", str(folder / "probes.npz"), "--out", str(folder / "model"),
                     "--steps", "250", "--no-progress", "--seed", "0", "--set", "members=3", "--set", "filters=16",
                     "--set", "kernel=9", "--set", "transform=log", "--set", "lr=0.01"]) == 0
    finally:
        torch.set_num_threads(threads)
    return folder / "model"


def random_dna(rng, n):
    return "".join(rng.choice(list("ACGT"), n))


def test_every_window_scores_as_predict_scores_it_cut_out(model):
    predictor = load_predictor(model)
    rng = np.random.default_rng(3)
    sequences = [random_dna(rng, n) for n in (30, 47, 95, 31)]
    codes = np.full((4, 95), 255, dtype=np.uint8)
    for i, s in enumerate(sequences):
        codes[i, :len(s)] = encode([s], DNA)[0]
    lengths = np.array([len(s) for s in sequences])
    for stride in (1, 4):
        found = scan_windows(predictor, codes, lengths, stride=stride, batch_size=7)
        counts = window_counts(lengths, 30, stride)
        assert counts.tolist() == [1, 17 // stride + 1, 65 // stride + 1, 1 // stride + 1]
        assert np.bincount(found["sequence"]).tolist() == counts.tolist()
        cut = [sequences[i][p:p + 30] for i, p in zip(found["sequence"], found["position"])]
        assert all(len(w) == 30 for w in cut) and all(p % stride == 0 for p in found["position"])
        mean, std = predictor.predict(encode(cut, DNA))
        np.testing.assert_allclose(found["mean"], mean, rtol=1e-5)
        np.testing.assert_allclose(found["std"], std, rtol=1e-4, atol=ROUNDING * np.abs(mean).max())
        whole = scan_windows(predictor, codes, lengths, stride=stride)  # the default batch: the same scores
        np.testing.assert_allclose(whole["mean"], found["mean"], rtol=1e-5)


def test_both_strands_score_each_window_s_reverse_complement_where_it_lies_in_the_sequence(model):
    predictor = load_predictor(model)
    rng = np.random.default_rng(9)
    sequences = [random_dna(rng, n) for n in (30, 52, 41)]
    codes = np.full((3, 52), 255, dtype=np.uint8)
    for i, s in enumerate(sequences):
        codes[i, :len(s)] = encode([s], DNA)[0]
    lengths = np.array([30, 52, 41])
    found = scan_windows(predictor, codes, lengths, stride=3, both_strands=True)
    one = scan_windows(predictor, codes, lengths, stride=3)
    assert np.bincount(found["sequence"]).tolist() == (2 * window_counts(lengths, 30, 3)).tolist()
    assert found["reverse"].sum() == len(one["mean"]) and not one["reverse"].any()
    complement = str.maketrans("ACGT", "TGCA")
    cut = [sequences[i][p:p + 30][::-1].translate(complement) if r else sequences[i][p:p + 30]
           for i, p, r in zip(found["sequence"], found["position"], found["reverse"])]
    assert all(len(w) == 30 for w in cut)
    np.testing.assert_allclose(found["mean"], predictor.predict(encode(cut, DNA))[0], rtol=1e-5)
    np.testing.assert_allclose(found["mean"][~found["reverse"]], one["mean"], rtol=1e-5)
    assert found["position"][found["reverse"]].min() == 0
    assert (found["position"] + 30 <= lengths[found["sequence"]]).all()
    proteins = load_predictor(model)
    proteins.alphabet = get_alphabet("protein")
    with pytest.raises(SeqgenError, match="both strands are read of DNA or RNA, and the model reads protein"):
        scan_windows(proteins, codes, lengths, both_strands=True)


def test_the_highest_window_of_a_long_sequence_holds_the_planted_site(model):
    predictor = load_predictor(model)
    rng = np.random.default_rng(5)
    places = [17, 140, 260]
    sequences = []
    for place in places:
        background = random_dna(rng, 300)
        sequences.append(background[:place] + SITE + background[place + len(SITE):])
    codes = encode(sequences, DNA)
    found = scan_windows(predictor, codes, np.full(3, 300))
    best = best_windows(found["sequence"], found["mean"])
    for k, (place, i) in enumerate(zip(places, best)):
        assert found["sequence"][i] == k
        assert found["position"][i] <= place and place + len(SITE) <= found["position"][i] + 30  # site inside
        mine = found["mean"][found["sequence"] == k]
        assert found["mean"][i] == mine.max() > 3 * np.median(mine)


def test_best_windows_take_the_first_of_equal_highs_and_minus_strand_windows_count_from_the_end():
    sequence = np.array([0, 0, 0, 1, 1, 2])
    mean = np.array([1.0, 3.0, 3.0, 5.0, 2.0, 0.5])
    assert best_windows(sequence, mean).tolist() == [1, 3, 5]
    data = SequenceSet(np.zeros((2, 50), dtype=np.uint8), "dna", ["a", "b"], lengths=[50, 40],
                       chroms=["chr1", "chr2"], starts=[1000, 2000], strands=["+", "-"])
    places = window_coordinates(data, np.array([0, 1, 1]), np.array([5, 0, 10]), 30)
    assert places["start"].tolist() == [1005, 2010, 2000] and places["end"].tolist() == [1035, 2040, 2030]
    assert places["chrom"].tolist() == ["chr1", "chr2", "chr2"] and places["strand"].tolist() == ["+", "-", "-"]
    assert window_coordinates(SequenceSet(data.codes, "dna", data.ids), np.array([0]), np.array([0]), 30) == {}


def test_records_shorter_than_the_model_and_a_stride_below_1_are_refused():
    data = SequenceSet(np.zeros((3, 40), dtype=np.uint8), "dna", ["a", "b", "c"], lengths=[40, 12, 20])
    with pytest.raises(SeqgenError, match=r"record 'b' has 12 letters, fewer than the 30 the model reads "
                                          r"\(2 records are so short\)"):
        check_scannable(data, 30, 1)
    with pytest.raises(SeqgenError, match="--stride is the letters between windows, at least 1, not 0"):
        check_scannable(data, 10, 0)


def test_cli_scans_a_bed_file_whole_and_writes_every_window_as_a_track(model, tmp_path, capsys):
    rng = np.random.default_rng(8)
    chrom = random_dna(rng, 2000)
    chrom = chrom[:700] + SITE + chrom[700 + len(SITE):]  # in the second interval, on the genome's + strand
    (tmp_path / "g.fa").write_text(f">chr1\n{chrom}\n")
    (tmp_path / "x.bed").write_text("chr1\t100\t220\ta\t0\t+\nchr1\t650\t790\tb\t0\t-\nchr1\t1500\t1530\tc\t0\t.\n")
    out, windows = tmp_path / "best.tsv", tmp_path / "windows.tsv"
    assert main(["predict", "--model", str(model), "--input", str(tmp_path / "x.bed"), "--genome",
                 str(tmp_path / "g.fa"), "--scan", "--stride", "2", "--out", str(out), "--windows", str(windows),
                 "--no-progress"]) == 0
    best, every = pd.read_csv(out, sep="\t"), pd.read_csv(windows, sep="\t")
    assert best.columns.tolist() == ["id", "sequence", "mean", "std", "position", "windows", "chrom", "start", "end",
                                     "strand"]
    assert best["windows"].tolist() == [46, 56, 1] and len(every) == 103
    complement = str.maketrans("ACGT", "TGCA")
    for _, row in best.iterrows():  # the best window's letters are where its genome columns say
        window = chrom[row.start:row.end]
        assert row.sequence == (window[::-1].translate(complement) if row.strand == "-" else window)
    interval = {"a": (100, 220), "b": (650, 790), "c": (1500, 1530)}
    for _, row in every.iterrows():  # a minus-strand window counts its position from the interval's end
        first, last = interval[row["id"]]
        assert (row.start, row.end) == ((last - row.position - 30, last - row.position) if row.strand == "-" else
                                        (first + row.position, first + row.position + 30))
    for _, row in best.iterrows():
        mine = every[every["id"] == row["id"]]
        assert row["mean"] == pytest.approx(mine["mean"].max(), rel=1e-5)
        assert row["position"] == mine["position"].iloc[int(np.argmax(mine["mean"].to_numpy()))]
    b = best.set_index("id").loc["b"]
    assert b.start <= 700 and 700 + len(SITE) <= b.end  # the planted site, found on the minus-strand interval
    assert main(["predict", "--model", str(model), "--input", str(tmp_path / "x.bed"), "--genome",
                 str(tmp_path / "g.fa"), "--scan", "--both-strands", "--stride", "2", "--out", str(out), "--windows",
                 str(windows), "--no-progress"]) == 0
    best, every = pd.read_csv(out, sep="\t"), pd.read_csv(windows, sep="\t")
    assert best.columns.tolist()[4:7] == ["position", "orientation", "windows"] and len(every) == 2 * 103
    assert sorted(set(every["orientation"])) == ["+", "-"] and best["windows"].tolist() == [92, 112, 2]
    for _, row in best.iterrows():  # the letters scored are the genome's on the strand the genome columns give
        window = chrom[row.start:row.end]
        assert row.sequence == (window[::-1].translate(complement) if row.strand == "-" else window)
    flipped = every.merge(every, on=["id", "position"])  # each window's two orientations: on opposite strands
    flipped = flipped[flipped.orientation_x != flipped.orientation_y]
    assert len(flipped) == 2 * 103 and (flipped.start_x == flipped.start_y).all()
    assert {tuple(sorted(pair)) for pair in zip(flipped.strand_x, flipped.strand_y)} == {("+", "-"), ("-", ".")}
    assert main(["predict", "--model", str(model), "--input", str(tmp_path / "x.bed"), "--genome",
                 str(tmp_path / "g.fa"), "--out", str(tmp_path / "plain.tsv")]) == 0  # without --scan: centred
    plain = pd.read_csv(tmp_path / "plain.tsv", sep="\t")
    assert len(plain) == 3 and (plain["end"] - plain["start"] == 30).all()


@pytest.mark.parametrize("options,message", [
    (["--windows", "w.tsv"], "--windows writes the score of every window that --scan scores: add --scan"),
    (["--scan", "--lengths", "pad"], "--scan scores windows of sequences of any length, which --lengths pad"),
    (["--scan", "--stride", "0"], "--stride is the letters between windows, at least 1, not 0"),
    (["--both-strands"], "--both-strands scans the reverse complement too: add --scan"),
    (["--shuffles", "3"], "--shuffles scans shuffled copies of each sequence as the background of its best window: "
                          "add --scan"),
    (["--ambiguous", "keep"], "--ambiguous keep scores the windows of a record that hold no ambiguity code: add "
                              "--scan"),
    (["--scan", "--shuffles", "0"], "--shuffles is the shuffles of each sequence scanned as its background, at least "
                                    "1, not 0"),
])
def test_cli_scan_options_are_checked(model, tmp_path, capsys, options, message):
    fasta = tmp_path / "x.fa"
    fasta.write_text(">a\n" + "ACGT" * 20 + "\n")
    out = tmp_path / "out.tsv"
    assert main(["predict", "--model", str(model), "--input", str(fasta), "--out", str(out), *options]) == 1
    assert message in capsys.readouterr().err and not out.exists() and not (tmp_path / "w.tsv").exists()


def test_an_output_that_cannot_be_written_stops_the_scan_before_any_table_is_written(model, tmp_path, capsys):
    fasta = tmp_path / "x.fa"
    fasta.write_text(">a\n" + "ACGT" * 20 + "\n")
    windows, blocked = tmp_path / "w.tsv", tmp_path / "x.fa" / "out.tsv"  # a folder that is a file
    assert main(["predict", "--model", str(model), "--input", str(fasta), "--scan", "--windows", str(windows),
                 "--out", str(blocked)]) == 1
    err = capsys.readouterr().err
    assert "out.tsv: cannot write output: cannot make folder" in err and err.count("\n") == 1
    assert not windows.exists()
    assert main(["predict", "--model", str(model), "--input", str(fasta), "--scan", "--windows", str(blocked),
                 "--out", str(tmp_path / "o.tsv")]) == 1
    assert not (tmp_path / "o.tsv").exists()


def test_cli_scan_refuses_a_record_shorter_than_the_model_naming_it(model, tmp_path, capsys):
    fasta = tmp_path / "x.fa"
    fasta.write_text(">long\n" + "ACGT" * 20 + "\n>short\nACGTACGTAC\n")
    assert main(["predict", "--model", str(model), "--input", str(fasta), "--scan", "--out", "-"]) == 1
    err = capsys.readouterr().err
    assert "x.fa: record 'short' has 10 letters, fewer than the 30 the model reads" in err and err.count("\n") == 1


@pytest.mark.gpu
def test_scanning_on_cuda_scores_as_on_the_cpu(model):
    rng = np.random.default_rng(4)
    codes = encode([random_dna(rng, 80) for _ in range(5)], DNA)
    lengths = np.array([80, 80, 61, 30, 79])
    codes[2, 61:] = codes[3, 30:] = codes[4, 79:] = 255
    on_cpu = scan_windows(load_predictor(model), codes, lengths, stride=2)
    for shared in (None, False):  # a tile of windows from one convolution (this model allows it), or one by one
        on_gpu = scan_windows(load_predictor(model, "cuda"), codes, lengths, stride=2, batch_size=9, shared=shared,
                              both_strands=True)
        forward = ~on_gpu["reverse"]
        assert on_gpu["sequence"][forward].tolist() == on_cpu["sequence"].tolist()
        np.testing.assert_allclose(on_gpu["mean"][forward], on_cpu["mean"], rtol=1e-3)


@pytest.mark.gpu
def test_shuffle_p_values_on_cuda_are_the_cpu_s(tmp_path):
    """The same shuffles (drawn on the host) scanned on the GPU rank the sequences' bests as on the CPU: p-values
    equal but for a background best within float rounding of a sequence's own."""
    from seqgen.simulate import simulate_pbm

    folder = str(tmp_path)

    table, _ = simulate_pbm(n=400, length=30, seed=1, noise=0.1, threshold=8.0)
    data = SequenceSet(encode(table["sequence"].tolist(), "dna"), "dna", table["id"].to_numpy(),
                       labels=table[["signal"]].to_numpy(), label_names=["signal"])
    data.save(f"{folder}/probes.npz")
    assert main(["train", "predictor", "--data", f"{folder}/probes.npz", "--out", f"{folder}/model", "--steps", "50",
                 "--no-progress", "--set", "members=2", "--set", "filters=8", "--device", "cpu"]) == 0
    rng = np.random.default_rng(6)
    lengths = rng.integers(40, 120, 30)
    codes = planted_and_plain(rng, lengths, 10)
    p = {}
    for device in ("cpu", "cuda"):
        predictor = load_predictor(f"{folder}/model", device)
        found = scan_windows(predictor, codes, lengths, both_strands=True)
        best = found["mean"][best_windows(found["sequence"], found["mean"])]
        p[device] = shuffle_pvalues(predictor, codes, lengths, best, 4, seed=1, both_strands=True)
    assert np.mean(np.isclose(p["cpu"], p["cuda"])) >= 0.9 and np.abs(p["cpu"] - p["cuda"]).max() < 0.1


def test_a_best_window_read_reverse_complemented_is_written_as_scored(model, monkeypatch):
    import seqgen.predict as predict

    rng = np.random.default_rng(12)
    sequence = random_dna(rng, 40)
    data = SequenceSet(encode([sequence], DNA), "dna", ["s"])
    found = {"sequence": np.array([0, 0]), "position": np.array([0, 7]), "reverse": np.array([False, True]),
             "mean": np.array([1.0, 5.0]), "std": np.array([0.1, 0.2])}
    monkeypatch.setattr(predict, "scan_windows", lambda *args: found)
    best, windows = predict._scanned(load_predictor(model), data, 1, None, False, True)
    assert best["sequence"][0] == sequence[7:37][::-1].translate(str.maketrans("ACGT", "TGCA"))
    assert (best["position"][0], best["orientation"][0], best["mean"][0], best["windows"][0]) == (7, "-", 5.0, 2)
    assert windows["orientation"].tolist() == ["+", "-"] and "chrom" not in windows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.integers(30, 70), min_size=1, max_size=4), stride=st.integers(1, 45),
       both=st.booleans(), seed=st.integers(0, 2**16))
def test_any_lengths_and_stride_score_every_window_inside_each_sequence(model, lengths, stride, both, seed):
    predictor = load_predictor(model)
    rng = np.random.default_rng(seed)
    sequences = [random_dna(rng, n) for n in lengths]
    codes = np.full((len(lengths), max(lengths)), 255, dtype=np.uint8)
    for i, s in enumerate(sequences):
        codes[i, :len(s)] = encode([s], DNA)[0]
    found = scan_windows(predictor, codes, np.array(lengths), stride=stride, both_strands=both)
    per_strand = [(n - 30) // stride + 1 for n in lengths]
    assert np.bincount(found["sequence"], minlength=len(lengths)).tolist() == [(2 if both else 1) * k
                                                                              for k in per_strand]
    complement = str.maketrans("ACGT", "TGCA")
    cut = [sequences[i][p:p + 30][::-1].translate(complement) if r else sequences[i][p:p + 30]
           for i, p, r in zip(found["sequence"], found["position"], found["reverse"])]
    assert all(len(w) == 30 for w in cut)
    np.testing.assert_allclose(found["mean"], predictor.predict(encode(cut, DNA))[0], rtol=1e-5)
    best = best_windows(found["sequence"], found["mean"])
    assert found["sequence"][best].tolist() == list(range(len(lengths)))
    for i, b in enumerate(best):
        assert found["mean"][b] == found["mean"][found["sequence"] == i].max()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.integers(30, 90), min_size=1, max_size=4), stride=st.integers(1, 7),
       tile=st.integers(1, 12), both=st.booleans(), seed=st.integers(0, 2**16))
def test_shared_convolutions_score_as_every_window_on_its_own_across_tiles(model, monkeypatch, lengths, stride, tile,
                                                                           both, seed):
    """A one-layer model without end padding scores a tile of windows from one convolution of the tile; tiles of
    any size (TILE_WINDOWS), the last one of a sequence reading past its end, give every window's own score."""
    import seqgen.scan as scan

    predictor = load_predictor(model)
    assert predictor.model.shares_windows
    monkeypatch.setattr(scan, "TILE_WINDOWS", tile)
    rng = np.random.default_rng(seed)
    codes = np.full((len(lengths), max(lengths)), 255, dtype=np.uint8)
    for i, n in enumerate(lengths):
        codes[i, :n] = rng.integers(0, 4, n)
    one_by_one = scan_windows(predictor, codes, np.array(lengths), stride, both_strands=both, shared=False)
    shared = scan_windows(predictor, codes, np.array(lengths), stride, both_strands=both,
                          batch_size=int(rng.integers(1, 40)))
    for key in ("sequence", "position", "reverse"):
        assert shared[key].tolist() == one_by_one[key].tolist()
    np.testing.assert_allclose(shared["mean"], one_by_one["mean"], rtol=1e-5)
    np.testing.assert_allclose(shared["std"], one_by_one["std"], rtol=1e-4,
                               atol=ROUNDING * np.abs(one_by_one["mean"]).max())


def test_a_model_whose_windows_cannot_share_convolutions_scores_each_window(tmp_path):
    """Full padding (and a second layer) reach past a window's ends, so each window is scored on its own."""
    from seqgen.simulate import simulate_pbm

    table, _ = simulate_pbm(n=200, length=30, seed=2)
    data = SequenceSet(encode(table["sequence"].tolist(), "dna"), "dna", table["id"].to_numpy(),
                       labels=table[["signal"]].to_numpy(), label_names=["signal"])
    data.save(tmp_path / "d.npz")
    assert main(["train", "predictor", "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "m"), "--steps",
                 "2", "--no-progress", "--set", "members=2", "--set", "filters=4", "--set", "padding=full"]) == 0
    predictor = load_predictor(tmp_path / "m")
    assert not predictor.model.shares_windows
    rng = np.random.default_rng(1)
    sequence = random_dna(rng, 50)
    found = scan_windows(predictor, encode([sequence], DNA), np.array([50]), stride=4)
    cut = [sequence[p:p + 30] for p in found["position"]]
    np.testing.assert_allclose(found["mean"], predictor.predict(encode(cut, DNA))[0], rtol=1e-5)
    with pytest.raises(ValueError, match="window_outputs needs one convolution layer and padding 'valid'"):
        scan_windows(predictor, encode([sequence], DNA), np.array([50]), shared=True)


def planted_and_plain(rng, lengths, planted):
    """``(N, max(lengths))`` codes of random DNA of ``lengths``, the first ``planted`` holding SITE somewhere."""
    codes = np.full((len(lengths), max(lengths)), 255, dtype=np.uint8)
    for i, n in enumerate(lengths):
        s = random_dna(rng, n)
        if i < planted:
            place = rng.integers(0, n - len(SITE) + 1)
            s = s[:place] + SITE + s[place + len(SITE):]
        codes[i, :n] = encode([s], DNA)[0]
    return codes


def test_shuffle_p_values_are_calibrated_without_a_site_and_small_with_one(model):
    """Sequences of mixed lengths (40 to 250 letters), a third with the EGR2 site planted, against 5 shuffles each:
    the plain sequences' p-values are near uniform (measured: 8% below 0.1), the planted ones' below 0.05."""
    predictor = load_predictor(model)
    rng = np.random.default_rng(11)
    lengths = rng.integers(40, 251, 240)
    codes = planted_and_plain(rng, lengths, 80)
    found = scan_windows(predictor, codes, lengths, stride=2, both_strands=True)
    best = found["mean"][best_windows(found["sequence"], found["mean"])]
    p = shuffle_pvalues(predictor, codes, lengths, best, 5, seed=2, stride=2, both_strands=True)
    assert ((p > 0) & (p <= 1)).all()
    assert (p[:80] < 0.05).all() and np.median(p[:80]) < 0.005  # the longest have few shuffles as long: p >= 1/21
    assert 0.03 <= (p[80:] < 0.1).mean() <= 0.2 and 0.35 <= np.median(p[80:]) <= 0.65


def letter_pairs(codes):
    """The sorted pairs of neighbouring letters of one row of codes (PAD left out)."""
    letters = codes[codes != 255]
    return sorted(zip(letters[:-1], letters[1:]))


def test_shuffle_rounds_keep_each_sequence_s_length_and_letter_pairs_and_differ():
    codes = planted_and_plain(np.random.default_rng(1), [50, 35, 44], 1)
    rounds = list(shuffle_rounds(codes, 3, seed=5))
    assert len(rounds) == 3 and all((r == 255).tolist() == (codes == 255).tolist() for r in rounds)
    for r in rounds:
        for row, original in zip(r, codes):
            assert letter_pairs(row) == letter_pairs(original)
    assert not (rounds[0] == rounds[1]).all()
    assert all((a == b).all() for a, b in zip(rounds, shuffle_rounds(codes, 3, seed=5)))  # the seed repeats them
    with pytest.raises(SeqgenError, match="at least 1, not 0"):
        next(shuffle_rounds(codes, 0))


@pytest.mark.parametrize("with_n", [False, True])
def test_p_values_compare_each_best_with_the_shuffles_best_over_as_many_windows(model, with_n):
    """The vectorized p-values against a loop: every shuffle with at least a sequence's windows, its highest over
    that many window positions (both strands), counted where it reaches the sequence's best; with an N in two
    sequences, a sequence's windows without one, against shuffles of its other letters."""
    predictor = load_predictor(model)
    rng = np.random.default_rng(4)
    lengths = np.array([30, 33, 45, 45, 60, 38])
    codes = planted_and_plain(rng, lengths, 2)
    if with_n:
        codes[3, 40] = codes[4, 2] = AMBIGUOUS
    found = scan_windows(predictor, codes, lengths, stride=3, both_strands=True)
    best = found["mean"][best_windows(found["sequence"], found["mean"])]
    counts = clean_window_counts(codes, lengths, 30, 3)
    assert (counts == window_counts(lengths, 30, 3) - ([0, 0, 0, 2, 1, 0] if with_n else 0)).all()
    letters, letter_lengths = letters_only(codes, lengths)
    nulls = [[] for _ in lengths]
    for shuffled_codes in shuffle_rounds(letters, 4, seed=0):
        background = scan_windows(predictor, shuffled_codes, letter_lengths, stride=3, both_strands=True)
        available = window_counts(letter_lengths, 30, 3)
        for i, n in enumerate(counts):
            for j in np.flatnonzero(available >= n):
                mine = (background["sequence"] == j) & (background["position"] // 3 < n)
                nulls[i].append(background["mean"][mine].max())
    expected = [(1 + np.sum(np.array(v) >= b)) / (1 + len(v)) for v, b in zip(nulls, best)]
    np.testing.assert_allclose(shuffle_pvalues(predictor, codes, lengths, best, 4, seed=0, stride=3,
                                               both_strands=True), expected)


def test_p_values_by_hand_and_many_lengths_compared_at_longer_stretches(monkeypatch):
    import seqgen.scan as scan

    found = {"sequence": np.array([0, 0, 0, 1, 1]), "position": np.array([0, 1, 2, 0, 1]),
             "mean": np.array([1.0, 5.0, 2.0, 4.0, 0.0])}
    nulls = null_bests(found, np.array([3, 2]), np.array([1, 2, 3]), 1, 1)
    # one window: the shuffles' first, 1 and 4; two: 5 and 4; three: only the first shuffle has them, best 5
    assert {n: v.tolist() for n, v in nulls.items()} == {1: [1.0, 4.0], 2: [5.0, 4.0], 3: [5.0]}
    p = empirical_pvalues(np.array([4.5, 4.5, 4.0, 6.0]), np.array([2, 3, 2, 1]), nulls)
    np.testing.assert_allclose(p, [2 / 3, 1.0, 1.0, 1 / 3])
    monkeypatch.setattr(scan, "MAX_BACKGROUND_COUNTS", 3)
    compared = scan._compared_counts(np.array([1, 2, 3, 5, 9, 40]))
    assert (compared >= [1, 2, 3, 5, 9, 40]).all() and compared.max() == 40 and len(np.unique(compared)) <= 3


def test_cli_shuffles_add_p_and_q_values_that_find_the_planted_sequences(model, tmp_path, capsys):
    rng = np.random.default_rng(8)
    codes = planted_and_plain(rng, [120] * 40, 10)
    fasta = tmp_path / "x.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(decode(codes, DNA))))
    out = tmp_path / "best.tsv"
    assert main(["predict", "--model", str(model), "--input", str(fasta), "--out", str(out), "--scan",
                 "--both-strands", "--shuffles", "20", "--seed", "3", "--no-progress"]) == 0
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == ["id", "sequence", "mean", "std", "position", "orientation", "windows", "p_value",
                                   "q_value"]
    assert (table["q_value"] >= table["p_value"]).all()
    found, planted = set(table.loc[table["q_value"] < 0.05, "id"]), {f"s{i}" for i in range(10)}
    assert planted <= found and len(found - planted) <= 2  # a false discovery rate of 5%, in expectation
    assert (f"note: {len(found)} of the 40 sequences have a best window with q < 0.05 against 20 dinucleotide "
            f"shuffles of each") in capsys.readouterr().err
    again = tmp_path / "again.tsv"
    assert main(["predict", "--model", str(model), "--input", str(fasta), "--out", str(again), "--scan",
                 "--both-strands", "--shuffles", "20", "--seed", "3", "--no-progress"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(again, sep="\t"), table)  # the seed draws the same shuffles


def test_windows_holding_an_n_are_left_out_and_the_others_score_as_without_it(model):
    predictor = load_predictor(model)
    rng = np.random.default_rng(21)
    lengths = np.array([70, 52, 40])
    codes = planted_and_plain(rng, lengths, 0)
    plain = scan_windows(predictor, codes, lengths, stride=2, both_strands=True)
    codes[0, 35] = codes[0, 36] = codes[2, 39] = AMBIGUOUS
    found = scan_windows(predictor, codes, lengths, stride=2, both_strands=True)
    holds = ((found["sequence"] == 0) & (found["position"] <= 36) & (found["position"] + 30 > 35)) | (
        (found["sequence"] == 2) & (found["position"] + 30 > 39))
    assert not holds.any() and len(found["mean"]) == len(plain["mean"]) - 2 * (16 + 1)  # 16 and 1 positions
    kept = ~(((plain["sequence"] == 0) & (plain["position"] <= 36) & (plain["position"] + 30 > 35))
             | ((plain["sequence"] == 2) & (plain["position"] + 30 > 39)))
    for key in ("sequence", "position", "reverse"):
        assert found[key].tolist() == plain[key][kept].tolist()
    np.testing.assert_allclose(found["mean"], plain["mean"][kept], rtol=1e-5)
    assert np.bincount(found["sequence"]).tolist() == (2 * clean_window_counts(codes, lengths, 30, 2)).tolist()
    letters, kept_lengths = letters_only(codes, lengths)
    assert kept_lengths.tolist() == [68, 52, 39] and (letters[1] == codes[1]).all()
    assert decode(letters[0], DNA)[0] == decode(np.delete(codes[0, :70], [35, 36]), DNA)[0]
    assert (letters[2, 39:] == 255).all() and (letters[2, :39] == codes[2, :39]).all()


def test_cli_scans_around_the_n_of_a_record_kept_with_ambiguous_keep(model, tmp_path, capsys):
    rng = np.random.default_rng(3)
    first, second = random_dna(rng, 60), random_dna(rng, 50)
    first = first[:20] + "NN" + first[22:]
    fasta = tmp_path / "n.fa"
    fasta.write_text(f">a\n{first}\n>b\n{second}\n")
    out, windows = tmp_path / "best.tsv", tmp_path / "windows.tsv"
    args = ["predict", "--model", str(model), "--input", str(fasta), "--out", str(out), "--scan", "--both-strands",
            "--no-progress"]
    assert main(args) == 1 and "is an ambiguity code" in capsys.readouterr().err  # the default: refused
    assert main([*args, "--ambiguous", "keep", "--windows", str(windows), "--shuffles", "3"]) == 0
    err = capsys.readouterr().err
    assert f"note: {fasta}: 44 windows hold an ambiguity code (N) and were not scored" in err  # 22 positions
    best, every = pd.read_csv(out, sep="\t"), pd.read_csv(windows, sep="\t")
    assert best["windows"].tolist() == [2 * 9, 2 * 21] and best["p_value"].between(0, 1).all()
    assert not ((every["id"] == "a") & (every["position"] <= 21) & (every["position"] + 30 > 20)).any()
    assert "N" not in "".join(best["sequence"])
    fasta.write_text(f">a\n{first}\n>c\n{second[:25]}N{second[26:]}\n")
    assert main([*args, "--ambiguous", "keep"]) == 1
    assert "record 'c' has no window of 30 letters without an ambiguity code (N) at stride 1" in capsys.readouterr().err
