import numpy as np
import pytest

from seqgen.alphabets import encode
from seqgen.cli import main
from seqgen.errors import SeqgenError
from seqgen.io import read_sequences
from seqgen.jaspar import jaspar_motif
from seqgen.simulate import counts_log_odds, occupancy, simulate_pbm, simulate_sites


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


def test_planted_sites_lie_where_the_table_says_drawn_from_the_motif():
    table, info = simulate_sites(n=2000, length=60, planted=0.25, seed=3)
    assert info["planted"] == 500 and table["sequence"].str.len().eq(60).all()
    planted = table[table["site_start"] >= 0]
    assert len(planted) == 500 and planted["id"].str.startswith("planted_").all()
    assert table.loc[table["site_start"] < 0, "id"].str.startswith("plain_").all()
    assert (table.loc[table["site_start"] < 0, "site_strand"] == ".").all()
    _, counts, _ = jaspar_motif("MA0472.2")
    width = counts.shape[1]
    for seq, start, site in planted[["sequence", "site_start", "site"]].itertuples(index=False):
        assert seq[start:start + width] == site  # the site's letters as on the + strand, where it says
    assert 200 < (planted["site_strand"] == "-").sum() < 300
    complement = str.maketrans("ACGT", "TGCA")
    forward = [s if strand == "+" else s.translate(complement)[::-1]
               for s, strand in planted[["site", "site_strand"]].itertuples(index=False)]  # on the motif's strand
    letters = encode(forward, "dna")  # (500, W)
    drawn = np.stack([(letters == a).mean(axis=0) for a in range(4)])  # (4, W) frequencies of the drawn letters
    expected = np.exp(counts_log_odds(counts)) / 4
    assert np.abs(drawn - expected).max() < 0.08  # 500 draws a column: within 4 standard errors
    pwm = counts_log_odds(counts)
    plain = encode(table.loc[table["site_start"] < 0, "sequence"].tolist(), "dna")
    with_site = encode(planted["sequence"].tolist(), "dna")
    assert np.median(occupancy(with_site, pwm)) > 5 * np.median(occupancy(plain, pwm))


def test_simulate_planted_writes_fasta_that_says_where_the_sites_are(tmp_path, capsys):
    out = tmp_path / "scan.fasta"
    assert main(["simulate", "--planted", "0.5", "--n", "10", "--length", "40", "--seed", "2", "--out", str(out)]) == 0
    assert "10 sequences of 40 nt, 5 with a planted EGR2 (MA0472.2) site" in capsys.readouterr().err
    headers = [line for line in out.read_text().splitlines() if line.startswith(">")]
    data = read_sequences(out)
    assert data.codes.shape == (10, 40) and sum(h.startswith(">planted_") for h in headers) == 5
    table, _ = simulate_sites(n=10, length=40, planted=0.5, seed=2)
    assert list(data.ids) == table["id"].tolist() and data.sequences == table["sequence"].tolist()
    for header, (start, strand, site) in zip(headers, table[["site_start", "site_strand", "site"]].itertuples(
            index=False)):
        assert header.endswith(f"site {start} {strand} {site}" if start >= 0 else "no site")
    for option, value, message in (("--planted", "1.5", "--planted is the share"), ("--length", "5", "longer than"),
                                   ("--n", "0", "--n must be positive")):
        args = ["simulate", "--planted", "0.5", "--n", "10", "--length", "40", option, value, "--out",
                str(tmp_path / "bad.fasta")]
        assert main(args) == 1 and message in capsys.readouterr().err and not (tmp_path / "bad.fasta").exists()
    assert main(["simulate", "--planted", "0.5", "--n", "10", "--length", "40", "--out", str(tmp_path / "s.tsv")]) == 1
    assert "writes FASTA, not a table: name it .fasta" in capsys.readouterr().err and not (tmp_path / "s.tsv").exists()
