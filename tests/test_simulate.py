import numpy as np
import pytest

from seqgen.alphabets import encode
from seqgen.cli import main
from seqgen.errors import SeqgenError
from seqgen.io import read_sequences
from seqgen.jaspar import jaspar_motif
from seqgen.simulate import counts_log_odds, occupancy, simulate_pbm


def test_jaspar_motif_is_read_offline():
    name, counts, _ = jaspar_motif("MA0472.2")
    assert name == "EGR2" and counts.shape[0] == 4 and counts.shape[1] >= 10


def test_occupancy_counts_sites_on_both_strands():
    _, counts, _ = jaspar_motif("MA0472.2")
    pwm = counts_log_odds(counts)
    best = "".join("ACGT"[i] for i in pwm.argmax(axis=0))
    table = str.maketrans("ACGT", "TGCA")
    flank = "A" * 12
    one_site = encode([flank + best + flank], "dna")
    rc_site = encode([flank + best.translate(table)[::-1] + flank], "dna")
    no_site = encode(["A" * (24 + len(best))], "dna")
    occ = occupancy(np.concatenate([one_site, rc_site, no_site]), pwm)
    assert occ[0] > 0.9 and abs(occ[0] - occ[1]) < 1e-3 and occ[2] < 0.05


def test_simulation_is_deterministic_and_has_signal():
    a, info = simulate_pbm(n=300, seed=1)
    b, _ = simulate_pbm(n=300, seed=1)
    assert a.equals(b) and info["motif_name"] == "EGR2"
    assert a["sequence"].str.len().eq(35).all() and (a["signal"] > 0).all()
    assert a["signal"].max() > 5 * a["signal"].median()  # some probes carry strong sites


def test_simulate_cli_writes_a_table_that_encodes(tmp_path):
    out = tmp_path / "demo.tsv"
    assert main(["simulate", "--n", "50", "--out", str(out)]) == 0
    data = read_sequences(out, label_columns=["signal"])
    assert data.codes.shape == (50, 35) and data.ids[0] == "probe_1"


def test_unknown_motif():
    with pytest.raises(SeqgenError, match="no JASPAR motif"):
        simulate_pbm("MA9999.9", n=5)


def test_settings_that_give_no_signal_are_refused_or_noted(tmp_path, capsys):
    for option, value, message in (("--noise", "nan", "--noise is the lognormal sigma"),
                                   ("--noise", "-1", "--noise is the lognormal sigma"),
                                   ("--threshold", "nan", "--threshold must be a positive number"),
                                   ("--threshold", "-5", "--threshold must be a positive number")):
        assert main(["simulate", "--n", "5", option, value, "--out", str(tmp_path / "x.tsv")]) == 1
        assert message in capsys.readouterr().err and not (tmp_path / "x.tsv").exists()
    assert main(["simulate", "--n", "300", "--out", str(tmp_path / "egr2.tsv")]) == 0
    err = capsys.readouterr().err
    assert "for EGR2 (MA0472.2)" in err and "note" not in err  # the demo's motif: a usable share of bound probes
    assert main(["simulate", "--n", "300", "--motif", "MA0472", "--threshold", "1", "--out",
                 str(tmp_path / "none.tsv")]) == 0  # half occupancy 1 nat below the best score: hardly any site
    err = capsys.readouterr().err
    assert "(MA0472.2)" in err and "note: in 0.0% of the probes" in err and "raise it" in err
    _, info = simulate_pbm(n=300, threshold=30.0)  # every window half occupied
    assert info["fraction_bound"] == 1.0


def test_counts_log_odds_spread_the_pseudocount_over_the_letters():
    counts = np.array([[8.0, 2.0], [0.0, 2.0], [0.0, 2.0], [0.0, 2.0]])
    freqs = np.array([[8.2, 2.2], [0.2, 2.2], [0.2, 2.2], [0.2, 2.2]]) / 8.8
    np.testing.assert_allclose(counts_log_odds(counts), np.log(freqs / 0.25))
    np.testing.assert_allclose(np.exp(counts_log_odds(counts)).sum(0) / 4, [1.0, 1.0])
