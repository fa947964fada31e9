"""Quality metrics: k-mer JS, copies, Hamming, diversity, classifier AUROC, evaluate()."""
import numpy as np
import pytest

from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.metrics import classifier_auroc, copy_fraction, diversity, evaluate, kmer_counts, kmer_js, nearest_hamming
from seqgen.stats import auroc, js_divergence, ks_statistic

RNG = np.random.default_rng(0)


def dna(codes):
    return SequenceSet(codes, "dna", [f"s{i}" for i in range(len(codes))])


def random_codes(n, length, p=(0.25, 0.25, 0.25, 0.25), seed=0):
    return np.random.default_rng(seed).choice(4, (n, length), p=p).astype(np.uint8)


def test_kmer_counts_by_hand():
    codes = np.array([[0, 1, 2, 3], [0, 1, 255, 3]], dtype=np.uint8)  # PAD breaks windows
    counts = kmer_counts(codes, 2, 4)
    assert counts.sum() == 4 and counts[0 * 4 + 1] == 2 and counts[1 * 4 + 2] == 1 and counts[2 * 4 + 3] == 1


def test_js_identical_is_zero_disjoint_is_large():
    a = random_codes(300, 20)
    assert kmer_js(a, a.copy(), 4, 4) == pytest.approx(0.0, abs=1e-12)
    at_rich, gc_rich = random_codes(300, 20, (0.45, 0.05, 0.05, 0.45)), random_codes(300, 20, (0.05, 0.45, 0.45, 0.05))
    assert kmer_js(at_rich, gc_rich, 3, 4) > 0.5
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(1.0)
    p, q = np.array([3.0, 1.0, 0.0, 4.0]), np.array([1.0, 1.0, 2.0, 0.0])  # against the definition, in bits
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    kl = [sum(x * np.log2(x / y) for x, y in zip(a, m) if x > 0) for a in (p, q)]
    assert js_divergence(p * 8, q * 4) == pytest.approx(sum(kl) / 2)
    assert np.isnan(js_divergence([0, 0], [1, 1]))


def test_ks_statistic_is_the_largest_gap_between_the_empirical_cdfs():
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.5, 3.5, 4.5])
    grid = np.linspace(0, 5, 501)
    gaps = [abs((a <= x).mean() - (b <= x).mean()) for x in grid]
    assert ks_statistic(a, b) == pytest.approx(max(gaps)) and ks_statistic(a, a) == 0.0


def test_copies_and_nearest_hamming():
    train = random_codes(200, 15)
    assert copy_fraction(train[:50], train) == 1.0
    mutated = train[:50].copy()
    mutated[:, 3] = (mutated[:, 3] + 1) % 4
    assert copy_fraction(mutated, train) < 0.1
    assert np.array_equal(nearest_hamming(train[:10], train, 4), np.zeros(10))
    assert (nearest_hamming(mutated, train, 4) <= 1).all()


def test_diversity():
    assert diversity(np.zeros((5, 10), np.uint8), 4) == 0.0
    assert diversity(random_codes(400, 50), 4) == pytest.approx(0.75, abs=0.02)


def test_auroc_by_hand():
    assert auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert auroc([0.5, 0.5], [0, 1]) == 0.5


def test_classifier_auroc_same_vs_different():
    same = classifier_auroc(random_codes(400, 20, seed=1), random_codes(400, 20, seed=2), 4, epochs=3)
    other = classifier_auroc(random_codes(400, 20, seed=1), random_codes(400, 20, (0.45, 0.05, 0.05, 0.45)), 4, epochs=3)
    assert abs(same - 0.5) < 0.1
    assert other > 0.95


def test_evaluate_reports_everything():
    ref, query, train = random_codes(300, 20, seed=1), random_codes(300, 20, seed=2), random_codes(300, 20, seed=3)
    out = evaluate(dna(ref), dna(query), dna(train), classifier_epochs=2)
    assert set(out["kmer_js"]) == {"1", "2", "3", "4", "5", "6"}
    assert 0.5 < out["kmer_js"]["3"]["ratio"] < 2
    assert out["copies"]["fraction"] == 0 and out["gc"]["ks"] < 0.2
    alone = evaluate(dna(ref), dna(ref[:100]), classifier_epochs=2)
    assert alone["baseline"].startswith("reference half")
    with pytest.raises(SeqgenError, match="length"):
        evaluate(dna(ref), dna(query[:, :10]))


def test_evaluate_writes_strict_json(tmp_path):
    import json

    from seqgen.cli import main

    (tmp_path / "ref.fa").write_text(">a\nACGTACGTAC\n>b\nTTGCAACGTA\n")
    (tmp_path / "query.fa").write_text(">c\nACGTTCGTAC\n>d\nGGGCAACGTA\n")
    out = tmp_path / "e.json"
    assert main(["evaluate", "--reference", str(tmp_path / "ref.fa"), "--query", str(tmp_path / "query.fa"),
                 "--out", str(out)]) == 0

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    result = json.loads(out.read_text(), parse_constant=refuse)
    assert result["classifier_auroc"] is None  # too few sequences to train the classifier: null, not NaN


def test_evaluate_reads_a_named_sequence_column(tmp_path):
    import json

    from seqgen.cli import main

    (tmp_path / "ref.csv").write_text("seq\nACGTACGTAC\nTTGCAACGTA\n")
    (tmp_path / "query.csv").write_text("seq\nACGTACGTAC\nGGGCAACGTA\n")
    out = tmp_path / "e.json"
    assert main(["evaluate", "--reference", str(tmp_path / "ref.csv"), "--query", str(tmp_path / "query.csv"),
                 "--training", str(tmp_path / "ref.csv"), "--sequence-column", "seq", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["copies"]["fraction"] == 0.5  # ACGTACGTAC is a training sequence


def test_padding_agrees_with_padding_in_distances_and_diversity():
    from seqgen.alphabets import PAD
    from seqgen.metrics import diversity, nearest_hamming

    codes = np.array([[0, 1, 2, PAD, PAD], [0, 1, 3, PAD, PAD]], dtype=np.uint8)
    assert nearest_hamming(codes, codes, 4).tolist() == [0, 0]  # each is its own nearest: distance 0
    assert nearest_hamming(codes[:1], codes[1:], 4).tolist() == [1]  # one letter differs, the padding does not
    assert nearest_hamming(np.array([[0, 1, 2, 3, 3]], np.uint8), codes[:1], 4).tolist() == [2]  # letters vs pad
    assert diversity(np.repeat(codes[:1], 5, axis=0), 4) == 0.0  # identical copies


def test_identical_sets_are_indistinguishable_to_the_classifier():
    """A sequence in both sets must not be learnt as one class and scored as the other (AUROC would fall below
    0.5 for identical sets)."""
    from seqgen.metrics import classifier_auroc

    codes = np.random.default_rng(0).integers(0, 4, (600, 30)).astype(np.uint8)
    values = [classifier_auroc(codes, codes.copy(), 4, seed=s, epochs=5) for s in range(3)]
    assert all(0.4 < v < 0.6 for v in values), values
    assert abs(np.mean(values) - 0.5) < 0.05


def test_evaluate_pads_variable_lengths_when_asked(tmp_path, capsys):
    import json

    from seqgen.cli import main

    (tmp_path / "ref.fa").write_text(">a\nACGTACGTAC\n>b\nTTGCAACG\n>c\nACGTAC\n>d\nGGCATTAC\n")
    args = ["evaluate", "--reference", str(tmp_path / "ref.fa"), "--query", str(tmp_path / "ref.fa"),
            "--out", str(tmp_path / "e.json")]
    assert main(args) == 1 and "choose --lengths pad" in capsys.readouterr().err
    assert main(args + ["--lengths", "pad"]) == 0
    result = json.loads((tmp_path / "e.json").read_text())
    assert result["length"] == 10 and result["nearest_hamming"]["min"] == 0


def test_evaluate_reads_a_pbm_table_given_its_format(tmp_path, capsys):
    import json

    from seqgen.cli import main

    (tmp_path / "probes.txt").write_text("ACGTACGTAC\t3065.0\t1021.0\nTTGCAACGTA\t10033.5\t1639.0\n")  # DREAM5
    (tmp_path / "query.fa").write_text(">q1\nACGTACGTAC\n>q2\nGGGCAACGTA\n")
    args = ["evaluate", "--reference", str(tmp_path / "probes.txt"), "--query", str(tmp_path / "query.fa"),
            "--training", str(tmp_path / "probes.txt"), "--out", str(tmp_path / "e.json")]
    assert main(args) == 1 and "pass --reference-format" in capsys.readouterr().err
    assert main(args + ["--reference-format", "dream5", "--training-format", "dream5"]) == 0
    assert json.loads((tmp_path / "e.json").read_text())["copies"]["fraction"] == 0.5


def test_gc_content_skips_padding_and_kmer_counts_keep_the_first_k_mer():
    from seqgen.alphabets import DNA
    from seqgen.metrics import gc_content

    codes = np.array([[2, 1, 0, 0, 255, 255], [3, 3, 3, 2, 2, 1]], dtype=np.uint8)  # GCAA + padding, TTTGGC
    np.testing.assert_allclose(gc_content(codes, DNA), [0.5, 0.5])
    counts = kmer_counts(np.zeros((2, 5), np.uint8), 2, 4)  # AA, whose index is 0
    assert counts[0] == 8 and counts.sum() == 8


def test_evaluate_ratio_is_the_query_divergence_over_the_real_one():
    ref, query = dna(random_codes(200, 20, seed=1)), dna(random_codes(100, 20, (0.4, 0.1, 0.1, 0.4), seed=2))
    result = evaluate(ref, query, classifier_epochs=1)
    for k, entry in result["kmer_js"].items():
        assert entry["query"] > entry["real"] > 0, k
        assert entry["ratio"] == pytest.approx(entry["query"] / entry["real"])


def test_spearman_gives_ties_their_average_rank_as_scipy():
    from scipy.stats import spearmanr

    from seqgen.stats import pearson, spearman

    x, y = [1.0, 2.0, 2.0, 3.0, 5.0, 5.0], [1.0, 3.0, 2.0, 4.0, 4.0, 6.0]
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, rel=1e-12)
    assert spearman(x, y) == pytest.approx(pearson([1, 2.5, 2.5, 4, 5.5, 5.5], [1, 3, 2, 4.5, 4.5, 6]), rel=1e-12)
    assert np.isnan(pearson([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))


def test_js_divergence_of_an_empty_count_vector_is_nan_either_way():
    assert np.isnan(js_divergence([1, 1], [0, 0])) and np.isnan(js_divergence([0, 0], [1, 1]))


def test_ks_statistic_is_symmetric_in_its_samples():
    from scipy.stats import ks_2samp

    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.5, 3.5, 4.5])
    grid = np.linspace(0, 5, 501)
    gap = max(abs((a <= x).mean() - (b <= x).mean()) for x in grid)  # 0.5: a's CDF above b's
    assert ks_statistic(b, a) == pytest.approx(gap) == pytest.approx(ks_statistic(a, b))
    assert ks_statistic(b, a) == pytest.approx(ks_2samp(b, a).statistic)


def test_evaluate_reads_the_query_in_the_reference_s_alphabet_and_keeps_repeated_ids(tmp_path, capsys):
    import json

    from seqgen.cli import main

    SequenceSet(np.array([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [1, 2, 3, 4, 5, 6]], np.uint8), "protein",
                ["a", "b", "c"]).save(tmp_path / "ref.npz")
    (tmp_path / "query.fa").write_text(">q\nACDEFG\n>q\nHIKLMN\n")  # protein letters; one id twice (generated)
    out = tmp_path / "e.json"
    assert main(["evaluate", "--reference", str(tmp_path / "ref.npz"), "--query", str(tmp_path / "query.fa"),
                 "--out", str(out)]) == 0, capsys.readouterr().err
    assert json.loads(out.read_text())["nearest_hamming"]["min"] == 0  # ACDEFG and HIKLMN are reference sequences


def test_evaluate_notes_a_reference_mostly_made_of_training_sequences(tmp_path, capsys):
    from seqgen.cli import main

    (tmp_path / "ref.fa").write_text(">a\nACGTACGTAC\n>b\nTTGCAACGTA\n>c\nGGGCAACGTA\n>d\nCCCCAACGTA\n")
    (tmp_path / "half.fa").write_text(">a\nACGTACGTAC\n>b\nTTGCAACGTA\n")
    (tmp_path / "most.fa").write_text(">a\nACGTACGTAC\n>b\nTTGCAACGTA\n>c\nGGGCAACGTA\n")
    for training, note in (("half.fa", False), ("most.fa", True)):
        assert main(["evaluate", "--reference", str(tmp_path / "ref.fa"), "--query", str(tmp_path / "ref.fa"),
                     "--training", str(tmp_path / training), "--out", str(tmp_path / "e.json")]) == 0
        err = capsys.readouterr().err
        assert ("note: 75% of the --reference sequences are --training sequences" in err) is note, err
        assert "held out" in err if note else "held out" not in err


def test_gap_free_samples_of_an_alignment_are_compared_with_its_gap_free_rows():
    """A family VAE never writes a gap; against every row of its alignment the gap letter alone made its k = 1 JS
    ratio 150 on BLAT_ECOLX. Samples equal to the gap-free rows now compare as real data; samples with gaps (a conv
    VAE's) are compared with every row, as before."""
    from seqgen.alphabets import PROTEIN_GAP, encode

    rng = np.random.default_rng(0)
    full = ["".join(rng.choice(list("ACDEFGHIKL"), 12)) for _ in range(60)]
    gapped = [s[:4] + "----" + s[8:] for s in full[:60]]
    reference = SequenceSet(encode(full + gapped, PROTEIN_GAP), PROTEIN_GAP, [f"r{i}" for i in range(120)])
    query = SequenceSet(encode(full[:30], PROTEIN_GAP), PROTEIN_GAP, [f"q{i}" for i in range(30)])
    out = evaluate(reference, query, reference, classifier_epochs=1)
    assert out["gap_free"] == {"reference": [60, 120], "training": [60, 120]}
    assert out["kmer_js"]["1"]["ratio"] < 3 and out["copies"]["fraction"] == 1.0  # copies of gap-free rows
    with_gaps = SequenceSet(encode(gapped[:30], PROTEIN_GAP), PROTEIN_GAP, [f"q{i}" for i in range(30)])
    assert "gap_free" not in evaluate(reference, with_gaps, reference, classifier_epochs=1)


@pytest.mark.parametrize("windows", [1, 7, 100, 2 ** 21])
def test_kmer_counts_in_row_blocks_equal_the_whole_index(monkeypatch, windows):
    """Counting a block of rows at a time gives exactly the counts of the whole (N, L - k + 1) index, padding
    and all, whatever the block."""
    import seqgen.metrics
    from seqgen.alphabets import PAD, kmer_index

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(53, 12)).astype(np.uint8)
    codes[3, 8:] = PAD
    codes[7, :] = PAD
    monkeypatch.setattr(seqgen.metrics, "KMER_WINDOWS", windows)
    for k in (1, 3, 6, 13):
        index = kmer_index(codes, k, 4)
        old = np.bincount(index[index >= 0], minlength=4 ** k)
        new = kmer_counts(codes, k, 4)
        assert new.dtype == old.dtype
        np.testing.assert_array_equal(new, old)
    assert kmer_counts(codes[:0], 2, 4).tolist() == [0] * 16


def test_evaluate_gc_histogram_puts_a_fraction_on_a_bin_edge_in_the_bin_it_starts():
    # 20-mers holding 7, 12 and 14 G/C (GC 0.35, 0.6, 0.7): np.histogram put them one bin low, by rounding
    codes = np.zeros((3, 20), np.uint8)
    for row, gc in enumerate((7, 12, 14)):
        codes[row, :gc] = 1  # C
    out = evaluate(dna(codes), dna(codes))
    expected = [0] * 20
    for bin_ in (7, 12, 14):
        expected[bin_] = 1
    assert out["gc"]["reference_histogram"] == expected
    assert out["gc"]["query_histogram"] == expected


def test_pearson_is_nan_for_a_constant_whose_mean_is_inexact():
    # the mean of seven 0.1s is not 0.1 in floating point: the centred values were a constant ~1e-17, not 0, so
    # two constants correlated at -1 or 1 and one constant at ~1e-16, instead of nan (as the docstring says)
    from seqgen.stats import pearson

    assert np.isnan(pearson([0.1] * 7, [0.7] * 7))
    assert np.isnan(pearson([0.1] * 7, [2.2] * 7))
    assert np.isnan(pearson([0.1] * 7, [1.0, 5.0, 2.0, 8.0, 3.0, 9.0, 4.5]))
    assert np.isnan(pearson([1.0, 5.0, 2.0, 8.0, 3.0, 9.0, 4.5], [0.7] * 7))
    assert pearson([0.1, 0.2, 0.4], [1.0, 2.0, 4.0]) == pytest.approx(1.0)


def test_stats_import_scipy_stats_only_when_used():
    """seqgen.metrics (imported by seqgen design, which calls none of these) no longer imports scipy.stats (half a
    second) until a function that uses it runs; the functions give scipy's numbers."""
    import subprocess
    import sys

    code = "import sys, seqgen.metrics; print('scipy.stats' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    from scipy import stats as sps

    from seqgen.stats import auroc, bh_qvalues, ks_statistic, spearman

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(0.5, size=40)
    assert spearman(a, a ** 3) == 1.0 and ks_statistic(a, b) == sps.ks_2samp(a, b, method="asymp").statistic
    p = rng.random(30)
    assert np.array_equal(bh_qvalues(p), sps.false_discovery_control(p, method="bh"))
    scores = np.r_[a, b]
    positive = np.r_[np.ones(50, bool), np.zeros(40, bool)]
    assert auroc(scores, positive) == (sps.rankdata(scores)[positive].sum() - 50 * 51 / 2) / (50 * 40)


def test_copies_without_training_count_the_whole_reference():
    """Without --training (the workflow: the reference is the generator's training data) the reference is split in
    halves for the k-mer baseline, but a copy of a sequence in either half is a copy: a memorized reference scores
    1.0, not the half that landed in the baseline's half."""
    ref = random_codes(200, 20, seed=4)
    out = evaluate(dna(ref), dna(ref.copy()), classifier_epochs=1)
    assert out["copies"]["fraction"] == 1.0 and out["copies"]["of"] == "reference"
    assert out["nearest_hamming"]["mean"] == 0 and out["nearest_hamming"]["of"] == "reference"


def mutant_library(n, length, seed=0):
    """``n`` single mutants of one random sequence ``(n, length)`` (a scan of one protein or promoter)."""
    rng = np.random.default_rng(seed)
    codes = np.repeat(random_codes(1, length, seed=seed), n, axis=0)
    codes[np.arange(n), rng.integers(0, length, n)] = rng.integers(0, 4, n)
    return codes


def test_a_mutant_library_gets_a_note_that_its_ratios_have_no_real_yardstick(tmp_path, capsys):
    """Single mutants of one sequence: real subsets share their k-mer spectra almost exactly, so a generator with
    a few more changes per sequence gets huge JS ratios; the evaluation says so, and diverse data says nothing."""
    from seqgen.cli import main
    from seqgen.io import write_fasta
    from seqgen.metrics import near_copies_note
    from seqgen.report.quality import near_copies_sentence

    real = dna(mutant_library(400, 60))
    samples = mutant_library(400, 60, seed=0)
    samples[:, :6] = random_codes(400, 6, seed=1)  # six more changes each
    result = evaluate(real, dna(samples), classifier_epochs=2)
    assert result["diversity"]["reference"] < 0.05 and result["kmer_js"]["4"]["ratio"] > 5  # the trap noted
    note = near_copies_note(result)
    assert f"differ at {result['diversity']['reference']:.1%} of their positions" in note and "of 60 letters" in note
    assert near_copies_sentence({"vae": result, "gan": evaluate(dna(random_codes(400, 60)), dna(random_codes(
        400, 60, seed=2)), classifier_epochs=1)}) == f" For vae, {note}."
    assert near_copies_note(evaluate(dna(random_codes(400, 60)), dna(samples), classifier_epochs=1)) == ""
    for name, codes in (("real", real.codes), ("samples", samples)):
        write_fasta(tmp_path / f"{name}.fa", dna(codes).ids, dna(codes).sequences)
    assert main(["evaluate", "--reference", str(tmp_path / "real.fa"), "--query", str(tmp_path / "samples.fa"),
                 "--out", str(tmp_path / "e.json")]) == 0
    assert "note: the real sequences differ at" in capsys.readouterr().err


def test_classifier_auroc_small_sets_still_train():
    """150 sequences a class (a VAE's 10% hold-out of a promoter set) give 2 batches an epoch: 10 epochs were 20
    Adam steps, too few to see a GC shift (Arabidopsis promoters: AUROC 0.53 where GC alone gives 0.81)."""
    real = random_codes(150, 251, (0.32, 0.18, 0.18, 0.32), seed=1)  # GC 0.36
    generated = random_codes(150, 251, (0.29, 0.21, 0.21, 0.29), seed=2)  # GC 0.42
    assert classifier_auroc(real, generated, 4) > 0.8
