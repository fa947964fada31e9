import json

import numpy as np

from seqgen.alphabets import DNA, PAD, PROTEIN, encode
from seqgen.baselines import kmer_baseline, kmer_features, kmer_size, ridge_fit


def test_kmer_size_keeps_the_features_at_most_1024():
    assert kmer_size(4) == 5 and kmer_size(20) == 2 and kmer_size(21) == 2


def test_kmer_counts_by_hand_on_both_strands_and_without_padding():
    codes = encode(["ACGTA"], DNA)
    counts = kmer_features(codes, DNA, 2)  # ACGTA: AC CG GT TA; its reverse complement TACGT: TA AC CG GT
    index = {a + b: 4 * "ACGT".index(a) + "ACGT".index(b) for a in "ACGT" for b in "ACGT"}
    assert counts.sum() == 8 and all(counts[0, index[m]] == 2 for m in ("AC", "CG", "GT", "TA"))
    padded = np.concatenate([codes, np.full((1, 2), PAD, np.uint8)], 1)  # no window holds padding
    assert np.array_equal(kmer_features(padded, DNA, 2), counts)
    protein = kmer_features(encode(["MKVM"], PROTEIN), PROTEIN, 2)  # one strand
    assert protein.shape == (1, 400) and protein.sum() == 3


def test_ridge_recovers_a_linear_function_of_the_counts():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (600, 20)).astype(np.uint8)
    x = kmer_features(codes, DNA, 3)
    y = x[:, 5] - 2 * x[:, 40]
    predict = ridge_fit(x[:500], y[:500])
    assert np.corrcoef(predict(x[500:]), y[500:])[0, 1] > 0.99


def test_the_baseline_scores_a_classifier_and_a_regression_on_held_out_rows():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, (400, 30)).astype(np.uint8)
    site = encode(["GGGCGG"], DNA)[0]
    codes[:200, 10:16] = site  # class 1 holds the site
    y = (np.arange(400) < 200).astype(np.float32)
    train, val = np.arange(0, 400, 2), np.arange(1, 400, 2)
    out = kmer_baseline(codes, DNA, y, train, val, y[val], classification=True)
    assert out["model"] == "ridge regression on 5-mer counts (both strands)" and out["val_auroc"] > 0.95
    shuffled = kmer_baseline(codes, DNA, y[rng.permutation(400)], train, val, y[val], classification=True)
    assert 0.3 < shuffled["val_auroc"] < 0.7  # labels that no k-mer explains: chance
    signal = ((codes == 1) | (codes == 2)).sum(1) + rng.normal(0, 0.5, 400)  # GC count: a sum of k-mer counts
    out = kmer_baseline(codes, DNA, signal, train, val, signal[val], classification=False)
    assert out["val_spearman"] > 0.8 and out["val_pearson_model_scale"] > 0.8 and out["n_train"] == 200


def test_training_records_the_baseline_and_the_report_compares_it(tmp_path):
    from seqgen.cli import main
    from seqgen.report import build_report
    from seqgen.report.quality import baseline_sentence

    assert main(["simulate", "--n", "300", "--length", "30", "--out", str(tmp_path / "sim.tsv")]) == 0
    assert main(["encode", str(tmp_path / "sim.tsv"), "--label-column", "signal", "--out",
                 str(tmp_path / "results" / "data.npz")]) == 0
    assert main(["train", "predictor", "--data", str(tmp_path / "results" / "data.npz"), "--out",
                 str(tmp_path / "results" / "predictor"), "--steps", "5", "--no-progress"]) == 0
    metrics = json.loads((tmp_path / "results" / "predictor" / "metrics.json").read_text())
    assert metrics["baseline"]["val_spearman"] is not None and metrics["baseline"]["n_train"] == 270
    assert "Yardstick: a ridge regression on 5-mer counts (both strands), fitted to the same training sequences, " \
           "scores Spearman" in build_report(tmp_path / "results")[0]
    assert "adds 0.100 to counting" in baseline_sentence({"val_auroc": 0.9, "baseline": {"val_auroc": 0.8}})
    assert "does no better than counting" in baseline_sentence({"val_auroc": 0.9, "baseline": {"val_auroc": 0.95}})
    assert baseline_sentence({"val_auroc": 0.9}) == ""
