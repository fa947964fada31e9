import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqgen.alphabets import DNA, PAD, PROTEIN, decode, encode, reverse_complement
from seqgen.cli import main
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.io import write_fasta
from seqgen.jaspar import jaspar_motif, jaspar_motifs
from seqgen.motifs import (Motif, counts_to_pwm, discover_motifs, information_content, kmer_presence, read_meme, scan,
                           tomtom, trim, write_meme)
from seqgen.shuffle import shuffled
from seqgen.stats import bh_qvalues

EGR2 = "MA0472.2"


def planted(n_fg=150, n_bg=600, length=40, matrix=EGR2, strand="both", seed=0):
    """Random DNA; each foreground sequence gets one site sampled from a JASPAR matrix.

    Returns fg codes, bg codes, site starts and strands (+1/-1) of the foreground.
    """
    rng = np.random.default_rng(seed)
    _, counts, _ = jaspar_motif(matrix)
    pwm = counts_to_pwm(counts)
    width = pwm.shape[1]
    fg = rng.integers(0, 4, (n_fg, length), dtype=np.uint8)
    bg = rng.integers(0, 4, (n_bg, length), dtype=np.uint8)
    cum = pwm.cumsum(axis=0)  # (4, W)
    sites = (rng.random((n_fg, width))[:, None, :] > cum[None]).sum(axis=1).astype(np.uint8)  # (N, W)
    strands = rng.choice([1, -1], n_fg) if strand == "both" else np.full(n_fg, -1 if strand == "-" else 1)
    sites[strands < 0] = reverse_complement(sites[strands < 0], DNA)
    starts = rng.integers(0, length - width + 1, n_fg)
    fg[np.arange(n_fg)[:, None], starts[:, None] + np.arange(width)] = sites
    return fg, bg, starts, strands


def top_matches(motif, k=3):
    table = tomtom([motif], jaspar_motifs(), top=k)
    return table


def test_planted_motif_is_discovered_and_matched_to_jaspar():
    fg, bg, _, _ = planted()
    motifs = discover_motifs(fg, bg, "dna", n_motifs=2)
    assert motifs, "nothing found"
    m = motifs[0]
    assert m.stats["log10_p"] < -20 and m.stats["fg_hits"] > 0.6 * len(fg)
    # the E-value's multiplier: the 8-mers (strands merged) in at least two of the planted set's sequences
    from seqgen.motifs import kmer_presence

    assert m.stats["kmers_tested"] == int((kmer_presence(fg, 8, DNA) >= 2).sum()) > 100
    table = top_matches(m)
    assert EGR2 in set(table["target"])
    assert table.loc[table["target"] == EGR2, "q_value"].iloc[0] < 0.05
    assert (table["q_value"] >= table["p_value"]).all()


def test_discovery_is_strand_aware():
    fg, bg, _, _ = planted(strand="-", seed=3)  # every site on the minus strand
    both = discover_motifs(fg, bg, "dna", n_motifs=1)[0]
    assert both.stats["fg_hits"] > 0.6 * len(fg)
    # the canonical k-mer count merges a k-mer with its reverse complement
    codes = np.array([[0, 0, 1, 3]], dtype=np.uint8)  # AACT; its reverse complement is AGTT
    rc = reverse_complement(codes, DNA)
    assert np.array_equal(kmer_presence(codes, 4, DNA), kmer_presence(rc, 4, DNA))


def test_no_motif_in_random_sequences():
    rng = np.random.default_rng(1)
    fg, bg = rng.integers(0, 4, (100, 30), dtype=np.uint8), rng.integers(0, 4, (400, 30), dtype=np.uint8)
    assert discover_motifs(fg, bg, "dna") == []
    from seqgen.data import one_hot

    for bad_fg, bad_bg in ((one_hot(fg, 4), bg), (fg[0], bg)):  # one-hot, or one sequence: an IndexError before
        with pytest.raises(SeqgenError, match=r"reads \(N, L\) letter codes, not one-hot or single sequences"):
            discover_motifs(bad_fg, bad_bg, "dna")


def test_tomtom_reports_reverse_complement_matches():
    egr2 = next(m for m in jaspar_motifs() if m.name == EGR2)
    table = tomtom([egr2.reverse_complement()], jaspar_motifs(), top=1)
    assert table["target"].iloc[0] == EGR2 and table["orientation"].iloc[0] == "-"


def test_fimo_finds_planted_sites_at_their_positions():
    fg, _, starts, strands = planted(n_fg=20, seed=5)
    egr2 = next(m for m in jaspar_motifs() if m.name == EGR2)
    sites = scan([egr2], fg, ids=[f"s{i}" for i in range(20)], threshold=1e-4)
    best = sites.sort_values("p_value").groupby("index").head(1).set_index("index")
    found = 0
    for i in best.index:
        found += best.loc[i, "start"] == starts[i] and best.loc[i, "strand"] == ("+" if strands[i] > 0 else "-")
    assert found >= 15
    assert (sites["end"] - sites["start"] == egr2.width).all() and sites["sequence"].str.startswith("s").all()


def test_meme_file_round_trips_and_opens_in_memelite(tmp_path):
    from memelite.io import read_meme as memelite_read

    rng = np.random.default_rng(0)
    motifs = [Motif(f"m{i}", rng.dirichlet(np.ones(4), size=6 + i).T, DNA, "ACGT", nsites=10,
                    stats={"log10_p": -12.0}) for i in range(3)]
    path = tmp_path / "motifs.meme"
    write_meme(path, motifs)
    back = read_meme(path)
    assert [m.name for m in back] == ["m0", "m1", "m2"] and back[0].description == "ACGT" and back[0].nsites == 10
    for a, b in zip(motifs, back):
        np.testing.assert_allclose(a.pwm, b.pwm, atol=1e-6)
    theirs = memelite_read(str(path))
    assert list(theirs) == ["m0 ACGT", "m1 ACGT", "m2 ACGT"]
    np.testing.assert_allclose(theirs["m2 ACGT"], motifs[2].pwm, atol=1e-6)


def test_protein_meme_round_trip(tmp_path):
    pwm = np.random.default_rng(0).dirichlet(np.ones(20), size=5).T
    write_meme(tmp_path / "p.meme", [Motif("p1", pwm, PROTEIN)])
    (back,) = read_meme(tmp_path / "p.meme")
    assert back.alphabet == PROTEIN and np.allclose(back.pwm, pwm, atol=1e-6)
    assert "strands" not in (tmp_path / "p.meme").read_text()
    with pytest.raises(ValueError, match="motif p1: a protein motif has no reverse complement"):
        back.reverse_complement()  # it reversed the letters as if they were A, C, G, T


def test_bad_meme_file(tmp_path):
    path = tmp_path / "bad.meme"
    path.write_text("MEME version 4\n\nALPHABET= ACGT\n\nMOTIF x\nletter-probability matrix: alength= 4 w= 2\n"
                    "0.25 0.25 0.25 0.25\n")
    with pytest.raises(SeqgenError, match="bad.meme: motif 'x'"):
        read_meme(path)


def test_qvalues_match_benjamini_hochberg():
    p = np.array([[0.01, 0.04, 0.03, 0.5]])
    expected = [0.04 * 4 / 3, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5]
    expected[0] = min(0.01 * 4, expected[1])
    np.testing.assert_allclose(bh_qvalues(p)[0], expected)


def test_information_content_and_trim():
    pwm = np.array([[0.25, 1, 0, 0.25], [0.25, 0, 1, 0.25], [0.25, 0, 0, 0.25], [0.25, 0, 0, 0.25]])
    np.testing.assert_allclose(information_content(pwm), [0, 2, 2, 0])
    assert trim(pwm).shape == (4, 2)
    assert Motif("x", pwm).consensus == "aACa"


def test_shuffle_keeps_composition_and_padding():
    codes = np.array([[0, 1, 2, 3, 3, 255], [1, 1, 1, 0, 2, 2]], dtype=np.uint8)
    for kmer in (1, 2):
        s = shuffled(codes, 0, kmer=kmer)
        assert (np.sort(s, axis=1) == np.sort(codes, axis=1)).all() and s[0, -1] == 255


def _dinucleotides(row) -> list:
    row = [int(c) for c in row if c != 255]
    return sorted(zip(row, row[1:]))


def test_dinucleotide_shuffle_keeps_every_dinucleotide_and_the_ends():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, (300, 60)).astype(np.uint8)
    codes[:100, 40:] = 255  # shorter sequences, padded
    codes[100:110] = np.tile([1, 0], 30)  # a CA repeat: its shuffles are itself
    s = shuffled(codes, 3)
    assert all(_dinucleotides(a) == _dinucleotides(b) for a, b in zip(s, codes))
    assert (s[:, 0] == codes[:, 0]).all() and (s[:100, 39] == codes[:100, 39]).all() and (s[:, 40:][:100] == 255).all()
    assert (s[100:110] == codes[100:110]).all()
    assert (s[110:] != codes[110:]).any(1).mean() > 0.95  # random rows are shuffled
    assert (shuffled(codes, 3) == s).all() and (shuffled(codes, 4) != s).any()  # seeded
    blocks = encode(["A" * 330 + "C" * 330 + "G" * 330 + "T" * 10], DNA)  # long runs: a rare last-exit tree
    assert _dinucleotides(shuffled(blocks, 0)[0]) == _dinucleotides(blocks[0])  # drawn directly, not by rejection


def test_a_dinucleotide_bias_is_no_motif_against_dinucleotide_shuffles():
    rng = np.random.default_rng(0)
    chain = np.array([[.1, .6, .1, .2], [.6, .1, .05, .25], [.3, .3, .2, .2], [.2, .2, .4, .2]])  # CA/AC-rich
    x = np.zeros((400, 100), np.uint8)
    x[:, 0] = rng.integers(0, 4, len(x))
    for t in range(1, x.shape[1]):  # a first-order Markov chain: no motif, only a bias of neighbouring letters
        x[:, t] = (rng.random(len(x))[:, None] > np.cumsum(chain[x[:, t - 1]], 1)).sum(1)
    found = {kmer: discover_motifs(x, np.concatenate([shuffled(x, i, kmer) for i in range(3)]), "dna", 2)
             for kmer in (1, 2)}
    assert found[2] == [] and "CACACA" in found[1][0].consensus.upper()  # letter shuffles call the bias a motif


def test_dinucleotide_shuffle_is_uniform_over_sequences_with_the_same_counts():
    row = np.array([0, 0, 1, 0, 2, 1, 1, 2, 0, 3], np.uint8)
    # Every sequence of the same length, ends and dinucleotide counts, by brute force.
    target = _dinucleotides(row)
    valid = {c for c in itertools.product(range(4), repeat=8)
             if _dinucleotides((0, *c, 3)) == target}
    draws = shuffled(np.tile(row, (6000, 1)), 0)
    seen = {tuple(int(c) for c in d[1:-1]) for d in draws}
    assert seen == valid and len(valid) > 5
    counts = np.array([sum(tuple(d[1:-1]) == v for d in draws) for v in valid])
    expected = len(draws) / len(valid)
    assert ((counts - expected) ** 2 / expected).sum() < 3 * len(valid)  # chi-square: about len(valid) - 1


def test_motifs_cli_on_unlabelled_fasta(tmp_path, capsys):
    fg, _, _, _ = planted(n_fg=150, seed=2)
    fasta = tmp_path / "designs.fa"
    write_fasta(fasta, [f"d{i}" for i in range(len(fg))] + ["withN"], decode(fg, DNA) + ["ACGN" * 9])
    out = tmp_path / "motifs"
    assert main(["motifs", "--input", str(fasta), "--out", str(out), "--n-motifs", "2"]) == 0
    assert "note: 1 of the 151 input sequences have ambiguity codes and are left out" in capsys.readouterr().err
    assert main(["encode", str(fasta), "--ambiguous", "drop", "--out", str(tmp_path / "d.npz")]) == 0
    assert main(["motifs", "--input", str(tmp_path / "d.npz"), "--out", str(tmp_path / "npz"), "--n-motifs", "1"]) == 0
    assert "left out" not in capsys.readouterr().err  # encode dropped it, and said so: nothing is left out here
    for name in ("motifs.meme", "motifs.tsv", "tomtom.tsv", "sites.tsv", "params.json"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "tomtom.tsv", sep="\t")
    first = table[table["query"] == "seqgen-1"]
    assert EGR2 in set(first["target"].head(3))
    assert (out / "logos" / "seqgen-1.png").is_file() and (out / "logos" / "seqgen-1.svg").is_file()
    assert len(read_meme(out / "motifs.meme")) >= 1
    params = json.loads((out / "params.json").read_text())
    assert params["n_foreground"] == 150
    assert params["k"] == 8 and "max_sequences" not in params  # the k used, not null; no subset, no limit recorded
    # weaker sites with a larger p-value threshold: every default site and more
    weak = tmp_path / "weak"
    assert main(["motifs", "--input", str(fasta), "--out", str(weak), "--n-motifs", "2", "--site-p", "1e-3"]) == 0
    strong_sites, weak_sites = (pd.read_csv(d / "sites.tsv", sep="\t") for d in (out, weak))
    assert len(weak_sites) > len(strong_sites) > 0 and weak_sites["p_value"].max() < 1e-3
    assert strong_sites["p_value"].max() < 1e-4 and json.loads((weak / "params.json").read_text())[
        "site_threshold"] == 1e-3
    # a large unlabelled input: a seeded random subset is searched
    sub = tmp_path / "subset"
    assert main(["motifs", "--input", str(fasta), "--out", str(sub), "--n-motifs", "1", "--max-sequences", "100"]) == 0
    params = json.loads((sub / "params.json").read_text())
    assert params["n_foreground"] == 100 and params["n_background"] == 300 and "random 100 of the 150" in params["background"]
    assert params["max_sequences"] == 100
    # named apart: the workflow's designs' motifs are design-N, not the data's seqgen-N
    named = tmp_path / "named"
    assert main(["motifs", "--input", str(fasta), "--out", str(named), "--n-motifs", "1", "--prefix", "design"]) == 0
    assert [m.name for m in read_meme(named / "motifs.meme")] == ["design-1"]
    assert (named / "logos" / "design-1.png").is_file()
    assert main(["motifs", "--input", str(fasta), "--out", str(tmp_path / "bad"), "--prefix", "a b"]) == 1
    assert "--prefix 'a b': a motif name prefix is" in capsys.readouterr().err
    assert EGR2 in set(pd.read_csv(sub / "tomtom.tsv", sep="\t")["target"].head(3))


def test_motifs_cli_errors(tmp_path, capsys):
    assert main(["motifs", "--input", str(tmp_path / "missing.fa"), "--out", str(tmp_path / "m")]) == 1
    assert "missing.fa: no such file" in capsys.readouterr().err
    assert main(["motifs", "--input", str(tmp_path / "missing.fa"), "--site-p", "2", "--out", str(tmp_path / "m")]) == 1
    assert "--site-p must be between 0 and 1, not 2" in capsys.readouterr().err and not (tmp_path / "m").exists()
    for option, value, message in [("--max-sequences", "1", "--max-sequences must be at least 2, not 1"),
                                    ("--seqlet-width", "1", "--seqlet-width must be at least 2, not 1"),
                                    ("--k", "0", "error: --k must be at least 1, not 0"),
                                    ("--top", "-1", "error: --top must be at least 1, not -1"),
                                    ("--n-motifs", "0", "--n-motifs must be at least 1, not 0"),
                                    ("--n-motifs", "-2", "--n-motifs must be at least 1, not -2")]:
        assert main(["motifs", "--input", str(tmp_path / "missing.fa"), option, value, "--out",
                     str(tmp_path / "m")]) == 1
        assert message in capsys.readouterr().err and not (tmp_path / "m").exists()


@pytest.mark.realdata
@pytest.mark.slow
def test_egr2_pbm_top_probes_give_the_egr_motif(shared_data):
    from seqgen.io import read_sequences
    from seqgen.motifs import top_and_rest

    path = shared_data / "pbm" / "dream5" / "Egr2_HK.txt"
    if not path.is_file():
        pytest.skip("no DREAM5 Egr2 data")
    data = read_sequences(path, "dna", "dream5")
    fg, bg = top_and_rest(data.codes, data.label("signal"), 500)
    (motif,) = discover_motifs(fg, bg, "dna", n_motifs=1)
    table = top_matches(motif)
    assert (table["target_name"].str.startswith("EGR") & (table["q_value"] < 0.05)).any()


def test_no_motif_still_writes_tables_with_headers(tmp_path):
    from seqgen.motifs import write_results

    write_results(tmp_path / "m", [], None, params={"n_foreground": 0})
    empty = pd.read_csv(tmp_path / "m" / "motifs.tsv", sep="\t")
    fg, bg, _, _ = planted(n_fg=150, seed=2)
    (found,) = discover_motifs(fg, bg, "dna", n_motifs=1)
    write_results(tmp_path / "f", [found], None, params={"n_foreground": 150})
    full = pd.read_csv(tmp_path / "f" / "motifs.tsv", sep="\t")
    assert list(empty.columns) == list(full.columns)  # the same columns whether or not a motif was found


def test_rna_is_read_on_one_strand():
    """A site in the positives and its reverse complement in the negatives: RNA (one strand) tells them apart,
    DNA (both strands merged) cannot."""
    rng = np.random.default_rng(0)
    site = np.array([3, 2, 3, 0, 0, 0, 3, 0], dtype=np.uint8)  # UGUAAAUA, a Pumilio site
    fg, bg = (rng.integers(0, 4, (200, 30), dtype=np.uint8) for _ in range(2))
    fg[:, 10:18] = site
    bg[:, 10:18] = reverse_complement(site[None], DNA)[0]
    rna = discover_motifs(fg, bg, "rna", n_motifs=1)
    assert rna and rna[0].consensus.upper().replace("T", "U").find("UGUAAAUA") >= 0
    assert not discover_motifs(fg, bg, "dna", n_motifs=1)


def test_a_class_label_searches_the_positives_against_the_negatives(tmp_path):
    rng = np.random.default_rng(1)
    fg, _, _, _ = planted(n_fg=60, n_bg=0, seed=1)
    codes = np.concatenate([fg, rng.integers(0, 4, (240, 40), dtype=np.uint8)])
    labels = np.r_[np.ones(60), np.zeros(240)].astype(np.float32)[:, None]
    SequenceSet(codes, "dna", [f"s{i}" for i in range(300)], labels=labels, label_names=["bound"]).save(
        tmp_path / "d.npz")
    assert main(["motifs", "--input", str(tmp_path / "d.npz"), "--n-motifs", "1", "--out", str(tmp_path / "m")]) == 0
    params = json.loads((tmp_path / "m" / "params.json").read_text())
    assert params["n_foreground"] == 60 and params["n_background"] == 240  # not the default --top 500
    assert params["background"] == "the sequences of bound 0"
    # fewer than the positives: a random 40 of them, and still only the 0s as background
    assert main(["motifs", "--input", str(tmp_path / "d.npz"), "--n-motifs", "1", "--top", "40", "--out",
                 str(tmp_path / "t")]) == 0
    params = json.loads((tmp_path / "t" / "params.json").read_text())
    assert params["n_foreground"] == 40 and params["n_background"] == 240 and params["top"] == 40
    # the subset is the foreground's, and is named as such (the report prints this after "background:")
    assert params["background"] == ("the sequences of bound 0 (the foreground: a random 40 of the 60 sequences "
                                    "of bound 1)")
    assert main(["motifs", "--input", str(tmp_path / "d.npz"), "--top", "-5", "--out", str(tmp_path / "x")]) == 1


def test_a_top_that_leaves_no_background_names_the_option():
    """A scored input smaller than the default --top 500 said only 'got 200 and 0' sequences."""
    from seqgen.motifs import foreground_and_background

    codes = np.random.default_rng(0).integers(0, 4, (200, 20), dtype=np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(200)], labels=np.arange(200.0)[:, None],
                       label_names=["signal"])
    with pytest.raises(SeqgenError, match="the 500 top-scoring sequences \\(--top\\) leave fewer than 2 of the 200"):
        foreground_and_background(data, top=500)
    fg, _, bg, how, top = foreground_and_background(data, top=40)
    assert len(fg) == 40 and len(bg) == 160 and top == 40 and how == "the rest of the input, ranked by signal"


def test_a_label_of_one_value_searches_against_shuffles(tmp_path, capsys):
    """A bound-only ChIP-seq table (Bound 1 for every peak, the _AC files) said only 'got 500 and 0' sequences."""
    from seqgen.cli import main
    from seqgen.motifs import SHUFFLED_COPIES, foreground_and_background

    codes = np.random.default_rng(0).integers(0, 4, (30, 20), dtype=np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(30)], labels=np.ones((30, 1)), label_names=["Bound"])
    fg, _, bg, how, top = foreground_and_background(data, top=500)
    assert len(fg) == 30 and len(bg) == 30 * SHUFFLED_COPIES and top is None
    assert how.endswith("; Bound is 1 for every sequence, so it ranks nothing")
    table = tmp_path / "peaks.tsv"
    table.write_text("EventID\tseq\tBound\n" + "".join(
        f"p{i}\t{''.join('ACGT'[c] for c in row)}\t1\n" for i, row in enumerate(codes)))
    assert main(["motifs", "--input", str(table), "--sequence-column", "seq", "--n-motifs", "1",
                 "--jaspar-tax-group", "", "--out", str(tmp_path / "m")]) == 0
    assert "note: Bound is 1 for every sequence, so it ranks nothing" in capsys.readouterr().err


def test_a_search_of_near_copies_against_their_shuffles_is_noted(tmp_path, capsys):
    """Designs within 3 edits of one protein 'found' its segments as motifs (E = 5e-13 in 16 of 16) against their
    shuffles, with no word that the shared sequence, not a motif, was found."""
    from seqgen.cli import main
    from seqgen.motifs import shared_sequence_note

    rng = np.random.default_rng(0)
    start = rng.integers(0, 4, 40, dtype=np.uint8)
    near = np.tile(start, (20, 1))
    near[np.arange(20)[:, None], rng.integers(0, 40, (20, 3))] = rng.integers(0, 4, (20, 3))
    identity = np.mean([(a == b).mean() for i, a in enumerate(near) for b in near[i + 1:]])  # pair by pair
    assert f"the 20 sequences share {identity:.0%} of their letters" in shared_sequence_note(near)
    assert shared_sequence_note(rng.integers(0, 4, (20, 40), dtype=np.uint8)) == ""  # random DNA: ~25%
    fasta = tmp_path / "designs.fasta"
    fasta.write_text("".join(f">d{i}\n{''.join('ACGT'[c] for c in row)}\n" for i, row in enumerate(near)))
    assert main(["motifs", "--input", str(fasta), "--n-motifs", "1", "--jaspar-tax-group", "", "--out",
                 str(tmp_path / "m")]) == 0
    assert "of their letters on average (designs from one start?)" in capsys.readouterr().err
    assert main(["motifs", "--input", str(fasta), "--background", str(fasta), "--n-motifs", "1",
                 "--jaspar-tax-group", "", "--out", str(tmp_path / "b")]) == 0
    assert "designs from one start?" not in capsys.readouterr().err  # real sequences as the background


def test_too_long_seed_kmers_are_refused():
    codes = np.zeros((3, 50), dtype=np.uint8)
    with pytest.raises(SeqgenError, match="k-mers of length 13 are too many to count for dna \\(at most k = 12\\)"):
        discover_motifs(codes, codes, "dna", k=13)


def test_load_input_reads_a_named_sequence_column(tmp_path):
    from seqgen.motifs import load_input

    path = tmp_path / "probes.csv"
    path.write_text("name,probe,intensity\na,ACGTAC,1.5\nb,TTGCAA,0.2\n")
    data = load_input(path, sequence_column="probe")
    assert data.sequences == ["ACGTAC", "TTGCAA"] and data.label_names == ["intensity"]
    with pytest.raises(SeqgenError, match="no column 'sequence'"):
        load_input(path)


def test_a_table_of_peaks_is_ranked_by_the_named_score_only(tmp_path):
    from seqgen.motifs import load_input

    path = tmp_path / "peaks.tsv"  # coordinates are numbers too; a q-value column with a gap
    path.write_text("chrom\tstart\tend\tsequence\tscore\tqvalue\n"
                    "chr1\t100\t106\tACGTAC\t7.5\t0.01\nchr2\t900\t906\tTTGCAA\t2.0\t\n")
    data = load_input(path, label="score")
    assert data.label_names == ["score"] and data.labels[:, 0].tolist() == [7.5, 2.0]
    with pytest.raises(SeqgenError, match=r"several numeric columns \(start, end, score, qvalue\): name the score"):
        load_input(path)
    assert load_input(path, scores=False).label_names == []  # a background needs no score


def test_a_score_column_with_a_placeholder_is_not_dropped_silently(tmp_path):
    """A '.' in a score column's first rows made it text: the search ran against shuffles, --top unused, no word."""
    from seqgen.motifs import load_input

    path = tmp_path / "scores.tsv"
    path.write_text("sequence\tscore\nACGTAC\t7.5\nTTGCAA\t.\nGGATCC\t2.0\nCCATGG\t1.0\n")
    with pytest.raises(SeqgenError, match="column 'score', line 3: label is '.', not a finite number"):
        load_input(path)
    fold = tmp_path / "fold.tsv"  # a column of letters (FoldID) stays no score
    fold.write_text("FoldID\tseq\tBound\nA\tACGTAC\t1\nB\tTTGCAA\t0\n")
    assert load_input(fold, sequence_column="seq").label_names == ["Bound"]


def test_exact_site_pvalues_of_a_protein_motif():
    """Protein sites: p-values under a uniform background of 20 letters (memelite's FIMO assumes 0.25 a letter)."""
    import itertools

    from seqgen.alphabets import PROTEIN
    from seqgen.motifs import scan, score_tail

    rng = np.random.default_rng(0)
    pwm = rng.dirichlet(np.ones(20) * 0.3, size=2).T  # (20, 2)
    background = np.full(20, 0.05)
    lo = np.log2(pwm + 1e-4) - np.log2(background)[:, None]
    binned, lowest, tail = score_tail(lo, background)
    scores = np.array([binned[a, 0] + binned[b, 1] for a, b in itertools.product(range(20), repeat=2)])
    for s in np.unique(scores)[::7]:  # brute force over all 400 windows
        assert tail[s - lowest] == pytest.approx((scores >= s).mean())
    sharp = np.full((20, 6), 1e-6)
    sharp[[3, 5, 7, 9, 11, 13], np.arange(6)] = 1.0
    motif = Motif("m", counts_to_pwm(sharp), PROTEIN)
    codes = rng.integers(0, 20, (3, 30)).astype(np.uint8)
    codes[0, 10:16] = [3, 5, 7, 9, 11, 13]
    codes[2, 25:] = PAD  # a shorter sequence
    codes[2, 19:25] = [3, 5, 7, 9, 11, 13]
    sites = scan([motif], codes, ["a", "b", "c"])
    assert sites[["sequence", "start", "end"]].values.tolist() == [["a", 10, 16], ["c", 19, 25]]
    assert sites["p_value"].tolist() == pytest.approx([0.05 ** 6] * 2, rel=1e-3)


def test_sites_do_not_reach_into_the_padding_of_a_shorter_sequence():
    from seqgen.motifs import scan

    pwm = counts_to_pwm(np.eye(4)[:, [3, 2, 3, 3, 3, 0, 1, 3, 3, 0, 2]] * 20 + 0.1)  # TGTTTACTTAG
    codes = np.full((2, 40), PAD, dtype=np.uint8)
    codes[0] = encode(["C" * 10 + "TGTTTACTTAG" + "C" * 19], DNA)[0]
    codes[1, :29] = encode(["C" * 19 + "TGTTTACTTA"], DNA)[0]  # 29 letters: the site's last one would be padding
    sites = scan([Motif("m", pwm, DNA)], codes)
    assert sites["index"].tolist() == [0] and sites["start"].tolist() == [10]


def test_window_scores_sum_each_windows_log_odds_and_padding_scores_minus_infinity():
    from seqgen.motifs import window_scores

    rng = np.random.default_rng(3)
    lo = rng.normal(size=(4, 5))
    codes = rng.integers(0, 4, (6, 12)).astype(np.uint8)
    codes[1, 9:] = PAD
    scores = window_scores(codes, lo)
    assert scores.shape == (6, 8)
    for i, j in itertools.product(range(6), range(8)):
        window = codes[i, j:j + 5]
        expected = -np.inf if (window == PAD).any() else lo[window, np.arange(5)].sum()
        assert scores[i, j] == pytest.approx(expected)
    assert window_scores(codes[:, :4], lo).shape == (6, 0)  # shorter than the motif: no windows


def _naive_best_sites(codes, lo, both_strands):
    """Every window of every sequence scored one by one; the first best window, forward strand first."""
    size, width = lo.shape
    matrices = [lo, lo[::-1, ::-1]] if both_strands else [lo]
    out = []
    for row in codes:
        scores = [round(lo_s[row[j:j + width], np.arange(width)].sum(), 9) if (row[j:j + width] < size).all()
                  else -np.inf for lo_s in matrices for j in range(len(row) - width + 1)]
        best = int(np.argmax(scores))
        positions = len(row) - width + 1
        out.append((scores[best], best % positions, -1 if best >= positions else 1))
    return [np.array(column) for column in zip(*out)]


@pytest.mark.parametrize("size, width, length", [(4, 1, 9), (4, 5, 12), (4, 7, 15), (4, 11, 30), (4, 16, 40),
                                                 (20, 3, 10), (20, 5, 14)])
def test_grouped_scores_match_window_by_window_sums_with_padding_on_both_strands(size, width, length):
    from seqgen.motifs import best_sites, group_size, window_scores

    rng = np.random.default_rng(width)
    lo = np.round(rng.normal(size=(size, width)), 1) / 3  # thirds of tenths: windows tie in exact arithmetic
    codes = rng.integers(0, size, (40, length)).astype(np.uint8)
    codes[rng.random(codes.shape) < 0.03] = PAD  # padding inside sequences too: any code >= size
    codes[1, length - 3:] = PAD
    codes[2, :] = codes[3, ::-1]  # reverse (not complement)
    codes[4] = 200
    scores = window_scores(codes, lo)
    for i, j in itertools.product(range(len(codes)), range(length - width + 1)):
        window = codes[i, j:j + width]
        expected = -np.inf if (window >= size).any() else round(lo[window, np.arange(width)].sum(), 9)
        assert scores[i, j] == expected
    alphabet = DNA if size == 4 else PROTEIN
    got = best_sites(codes, lo, alphabet)
    want = _naive_best_sites(codes, lo, both_strands=alphabet.double_stranded)
    assert all(np.array_equal(a, b) for a, b in zip(got, want))
    assert got[0].dtype == np.float64 and got[1].dtype == np.int64 and got[2].dtype == np.int8
    assert group_size(size) > 1 and (width > group_size(size) or length < 15)  # several groups, a short last one


def test_best_sites_scores_both_strands_and_prefers_the_forward_strand_and_the_first_window_on_ties():
    from seqgen.motifs import best_sites, windows

    lo = np.full((4, 4), -1.0)
    lo[encode(["ACGT"], DNA)[0], np.arange(4)] = 1.0  # ACGT is its own reverse complement: a tie of strands
    codes = encode(["TTACGTTTACGT", "TTAACGTTTTTT", "GGGTTTTCCGGG", "CCCAAAAGGGCC"], DNA)
    score, start, strand = best_sites(codes, lo, DNA)
    assert start[:2].tolist() == [2, 3] and strand[:2].tolist() == [1, 1] and score[0] == 4.0
    lo[:, 3] = [-1.0, 1.0, -1.0, -1.0]  # ACGC; its reverse complement GCGT
    score, start, strand = best_sites(encode(["TTGCGTTTTT", "ACGCTTGCGT"], DNA), lo, DNA)
    assert strand.tolist() == [-1, 1] and start.tolist() == [2, 0] and score.tolist() == [4.0, 4.0]
    assert best_sites(codes[:, :3], lo, DNA)[0].tolist() == [-np.inf] * 4  # shorter than the motif
    rows = windows.SCORE_ROWS
    try:  # blocks of rows: the same answer
        windows.SCORE_ROWS = 3
        blocked = best_sites(codes, lo, DNA)
    finally:
        windows.SCORE_ROWS = rows
    assert all(np.array_equal(a, b) for a, b in zip(blocked, best_sites(codes, lo, DNA)))
    assert all(len(part) == 0 for part in best_sites(codes[:0], lo, DNA))


def test_kmer_presence_counts_sequences_not_occurrences_and_merges_strands():
    codes = encode(["AAAAC", "GTTTT", "ACGTA", "CCCCC"], DNA)
    codes[2, 4] = PAD  # a shorter sequence: "TA" is no k-mer
    counts = kmer_presence(codes, 2, DNA)
    index = {a + b: 4 * "ACGT".index(a) + "ACGT".index(b) for a in "ACGT" for b in "ACGT"}
    assert counts[index["AA"]] == 2  # AA three times in one sequence, TT (its complement) in another
    assert counts[index["AC"]] == 3 and counts[index["GT"]] == 0  # GT (in 2 sequences) counted as AC
    assert counts[index["CG"]] == 1 and counts[index["CC"]] == 1 and counts[index["GG"]] == 0
    assert counts.sum() == 2 + 3 + 1 + 1  # the padding ends "ACGT": no "T" k-mer after it
    assert kmer_presence(codes, 2, DNA, canonical=False)[index["TT"]] == 1


def test_hypergeometric_tail_matches_scipy_far_into_the_tail():
    from scipy.stats import hypergeom

    from seqgen.stats import hypergeom_log_tail

    rng = np.random.default_rng(0)
    for population, successes in [(10, 4), (2000, 1000), (25000, 5000), (50, 49)]:
        draws = rng.integers(0, population + 1, 500)
        k = rng.integers(-1, population + 2, 500)
        expected = hypergeom.logsf(k - 1, population, successes, draws)
        got = hypergeom_log_tail(k, population, successes, draws)
        assert np.array_equal(np.isfinite(got), np.isfinite(expected))
        finite = np.isfinite(expected)
        assert got[finite] == pytest.approx(expected[finite], rel=1e-9, abs=1e-12)
    assert hypergeom_log_tail(3, 20, 5, 6) == pytest.approx(hypergeom.logsf(2, 20, 5, 6))


def test_windows_tied_in_exact_arithmetic_tie_in_their_scores():
    from seqgen.motifs import window_scores

    lo = np.zeros((4, 2))
    lo[0, 0], lo[1, 1], lo[2, 0], lo[0, 1] = 0.1, 0.2, 0.3, 0.0  # AC: 0.1 + 0.2, GA: 0.3 + 0.0
    assert 0.1 + 0.2 != 0.3 + 0.0  # in floats
    scores = window_scores(encode(["AC", "GA"], DNA), lo)
    assert scores[0, 0] == scores[1, 0]


def test_the_best_site_p_value_a_motif_can_reach():
    from seqgen.motifs import best_site_p, unreachable_note

    sharp = np.full((4, 6), 0.02)
    sharp[encode(["TATAAT"], DNA)[0], np.arange(6)] = 0.94
    assert best_site_p(Motif("six", sharp, DNA)) == pytest.approx(4.0 ** -6)
    tied = sharp.copy()
    tied[:, 0] = 0.25  # any letter is best in the first column
    assert best_site_p(Motif("tied", tied, DNA)) == pytest.approx(4.0 ** -5)
    long = np.tile(sharp, 2)
    assert best_site_p(Motif("twelve", long, DNA)) == pytest.approx(4.0 ** -12)
    motifs = [Motif("six", sharp, DNA), Motif("twelve", long, DNA)]
    assert unreachable_note(motifs, 1e-4).startswith("six (TATAAT, best p 0.00024) cannot reach p < 0.0001")
    assert unreachable_note(motifs, 1e-3) is None
    # and the scan agrees: the six-wide motif's own site is found at 1e-3, never at 1e-4
    codes = encode(["GGGGTATAATGGGG"], DNA)
    assert len(scan(motifs[:1], codes, threshold=1e-4)) == 0 and len(scan(motifs[:1], codes, threshold=1e-3)) >= 1


def test_no_motif_found_says_why(tmp_path, capsys):
    rng = np.random.default_rng(3)
    fasta = tmp_path / "random.fa"
    write_fasta(fasta, [f"r{i}" for i in range(60)], decode(rng.integers(0, 4, (60, 30), dtype=np.uint8), DNA))
    assert main(["motifs", "--input", str(fasta), "--n-motifs", "1", "--out", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert "note: no motif is enriched at p <= 1e-5 in the 60 foreground sequences" in err
    assert "0 motifs from 60 sequences" in err


def _log_tail_one_by_one(k, population, successes, draws):
    """hypergeom_log_tail of one ``k`` and ``draws``, its sum written out term by term (the reference: the same
    operations, in the same order, as session 22's masked loop made on each element)."""
    from scipy.special import gammaln

    m, n, others = float(population), float(successes), float(population - successes)
    k, draws = float(k), float(draws)
    low, high = max(0.0, draws - others), min(n, draws)
    upper = k > np.floor((draws + 1) * (n + 1) / (m + 2))  # above the mode: the upper tail, else the lower one's
    if upper and k > high:
        return -np.inf
    if not upper and k - 1 < low:
        return 0.0
    x = min(max(k if upper else k - 1, low), high)
    log_pmf = (gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1) + gammaln(others + 1) - gammaln(draws - x + 1)
               - gammaln(others - draws + x + 1) - gammaln(m + 1) + gammaln(draws + 1) + gammaln(m - draws + 1))
    total = term = 1.0
    while True:
        if upper:
            term *= (n - x) * (draws - x) / ((x + 1) * (others - draws + x + 1))
            x += 1.0
        else:
            term *= x * (others - draws + x) / max((n - x + 1) * (draws - x + 1), 1.0)
            x -= 1.0
        total += term
        if not term > 1e-17 * total:
            break
    tail = log_pmf + np.log(total)
    return tail if upper else np.log1p(-np.exp(min(tail, 0.0)))


def test_hypergeometric_tail_sums_each_element_as_the_one_by_one_reference_to_the_bit():
    from seqgen.stats import hypergeom_log_tail

    rng = np.random.default_rng(1)
    for population, successes in [(10, 4), (2000, 1000), (25000, 5000), (50, 49), (170000, 42000)]:
        draws = rng.integers(0, population + 1, 400)
        k = np.concatenate([rng.integers(-1, population + 2, 200), draws[200:] * successes // population
                            + rng.integers(-30, 200, 200)])
        want = np.array([_log_tail_one_by_one(*args) for args in zip(k, [population] * 400, [successes] * 400,
                                                                        draws)])
        assert hypergeom_log_tail(k, population, successes, draws).tobytes() == want.tobytes()


def test_hypergeometric_tail_bounds_hold_the_tail():
    from seqgen.stats import hypergeom_log_tail, hypergeom_log_tail_bounds

    rng = np.random.default_rng(2)
    for population, successes in [(10, 4), (2000, 1000), (25000, 5000), (50, 49), (170000, 42000)]:
        draws = rng.integers(0, population + 1, 1000)
        k = rng.integers(-1, population + 2, 1000)
        k[500:] = draws[500:] * successes // population + rng.integers(-20, 100, 500)
        lower, upper = hypergeom_log_tail_bounds(k, population, successes, draws)
        tail = hypergeom_log_tail(k, population, successes, draws)
        assert (lower <= tail).all() and (tail <= upper).all()


def test_most_enriched_is_the_first_smallest_p_value_of_all():
    from seqgen.motifs import enrichment_log10p, most_enriched

    rng = np.random.default_rng(3)
    for n_fg, n_bg, size in [(20, 60, 30), (500, 1500, 400), (5000, 15000, 3000), (40000, 120000, 4000)]:
        bg_hits = rng.integers(0, n_bg + 1, size)
        fg_hits = np.minimum(rng.binomial(n_fg, np.clip(bg_hits / n_bg * rng.uniform(0.5, 3, size), 0, 1)), n_fg)
        fg_hits[size // 2:], bg_hits[size // 2:] = fg_hits[:size - size // 2], bg_hits[:size - size // 2]  # ties
        order = rng.permutation(size)
        fg_hits, bg_hits = fg_hits[order], bg_hits[order]
        logp = enrichment_log10p(fg_hits, n_fg, bg_hits, n_bg)
        assert most_enriched(fg_hits, n_fg, bg_hits, n_bg) == (int(np.argmin(logp)), float(logp.min()))
        counted = fg_hits >= np.median(fg_hits)
        logp[~counted] = 0.0
        assert most_enriched(fg_hits, n_fg, bg_hits, n_bg, counted) == (int(np.argmin(logp)), float(logp.min()))
    nothing = most_enriched(np.array([0, 1, 1]), 10, np.array([5, 9, 9]), 30)  # nothing enriched: all p near 1
    logp = enrichment_log10p(np.array([0, 1, 1]), 10, np.array([5, 9, 9]), 30)
    assert nothing == (int(np.argmin(logp)), float(logp.min()))


def test_kmer_presence_counts_as_sets_of_k_mers_per_sequence(monkeypatch):
    from seqgen.motifs import discovery

    rng = np.random.default_rng(4)
    for alphabet, k in [(DNA, 3), (DNA, 5), (PROTEIN, 2)]:
        codes = rng.integers(0, alphabet.size, (60, 30)).astype(np.uint8)
        codes[rng.random(codes.shape) < 0.05] = PAD
        codes[::3, 20:] = codes[::3, :10]  # repeats within a sequence
        for canonical in (True, False):
            want = np.zeros(alphabet.size ** k, dtype=np.int64)
            for row in codes:
                seen = set()
                for j in range(len(row) - k + 1):
                    window = row[j:j + k]
                    if (window < alphabet.size).all():
                        index = int(sum(int(c) * alphabet.size ** (k - 1 - i) for i, c in enumerate(window)))
                        if canonical and alphabet.double_stranded:
                            rc = int(sum((3 - int(c)) * 4 ** i for i, c in enumerate(window)))
                            index = min(index, rc)
                        seen.add(index)
                want[list(seen)] += 1
            got = kmer_presence(codes, k, alphabet, canonical)
            assert got.dtype == np.int64 and np.array_equal(got, want)
            monkeypatch.setattr(discovery, "KMER_ROWS", 7)  # blocks of 7 rows (or as many as hold A**k windows)
            assert np.array_equal(kmer_presence(codes, k, alphabet, canonical), want)
            monkeypatch.undo()


def test_packed_row_order_is_lexsort_ties_included():
    from seqgen.shuffle import _order

    rng = np.random.default_rng(5)
    for m, e in [(50, 3), (200, 40), (30, 300)]:
        letters = rng.integers(0, 4, (m, e)).astype(np.uint8)
        keys = rng.integers(0, 8, (m, e)).astype(np.float32) / 8  # many ties: the column decides, as in lexsort
        keys[rng.random(keys.shape) < 0.1] = 2.0
        assert np.array_equal(_order(letters, keys), np.lexsort((keys, letters)))
        keys = rng.random((m, e), dtype=np.float32)
        assert np.array_equal(_order(letters, keys), np.lexsort((keys, letters)))
    letters = rng.integers(0, 300, (5, 9)).astype(np.int64)  # letters past 8 bits: lexsort itself
    keys = rng.random((5, 9), dtype=np.float32)
    assert np.array_equal(_order(letters, keys), np.lexsort((keys, letters)))


def test_pwm_pseudocounts_and_log_odds_by_hand():
    from seqgen.motifs import log_odds

    counts = np.array([[3.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(counts_to_pwm(counts, pseudocount=2.0),
                               [[3.5 / 6, 0.25], [1.5 / 6, 0.25], [0.5 / 6, 0.25], [0.5 / 6, 0.25]])
    background = np.array([0.4, 0.1, 0.1, 0.4])
    pwm = np.array([[1.0, 0.25], [0.0, 0.25], [0.0, 0.25], [0.0, 0.25]])
    lo = log_odds(pwm, background, pseudo=0.01)
    np.testing.assert_allclose((background[:, None] * np.exp(lo)).sum(0), [1.0, 1.0])  # smoothed columns sum to 1
    np.testing.assert_allclose(lo[:, 0], np.log(np.array([1.01, 0.01, 0.01, 0.01]) / 1.04 / background))


def test_tomtom_q_values_are_benjamini_hochberg_over_the_targets_and_e_values_scale_p():
    targets = jaspar_motifs()[:40]
    _, counts, _ = jaspar_motif(EGR2)
    query = Motif("q", counts_to_pwm(counts, pseudocount=1.0))
    table = tomtom([query], targets, top=len(targets))
    p = table["p_value"].to_numpy()
    assert len(p) == 40 and np.all(np.diff(p) >= 0)  # all targets, best first
    ratio = p * 40 / np.arange(1, 41)  # by hand: q_i = min over j >= i of p_j m / j
    expected = np.minimum(np.minimum.accumulate(ratio[::-1])[::-1], 1.0)
    np.testing.assert_allclose(table["q_value"], expected, rtol=1e-9)
    np.testing.assert_allclose(table["e_value"], p * 40)
    assert (table["q_value"] > table["p_value"]).any()


def test_shuffled_background_copies_differ_from_each_other():
    from seqgen.motifs import SHUFFLED_COPIES, foreground_and_background

    codes = np.random.default_rng(0).integers(0, 4, (20, 30)).astype(np.uint8)
    data = SequenceSet(codes, DNA, [f"s{i}" for i in range(20)])
    fg, _, bg, _, _ = foreground_and_background(data)
    copies = bg.reshape(SHUFFLED_COPIES, 20, 30)
    assert np.array_equal(fg, codes)
    for i, j in itertools.combinations(range(SHUFFLED_COPIES), 2):
        assert (copies[i] != copies[j]).any(1).mean() > 0.9


def test_discovery_scores_dna_against_a_strand_symmetric_background(monkeypatch):
    """DNA sites lie on either strand: the background letter frequencies are averaged with their complements."""
    from seqgen.motifs import discovery

    class Stop(Exception):
        pass

    seen = []

    def refine(pwm, fg, bg, alphabet, background, iterations=5):
        seen.append(background)
        raise Stop

    fg, bg, _, _ = planted(n_fg=60, n_bg=60)
    bg[:, :20] = 0  # an A-rich background
    monkeypatch.setattr(discovery, "refine", refine)
    with pytest.raises(Stop):
        discover_motifs(fg, bg, max_log10_p=0.0)
    counts = np.bincount(bg.ravel(), minlength=4) + 1.0
    freq = counts / counts.sum()
    np.testing.assert_allclose(seen[0], (freq + freq[::-1]) / 2)


def test_site_statistics_sites_are_the_hits_it_counts():
    from seqgen.motifs import letter_frequencies, site_statistics

    fg, bg, _, _ = planted(n_fg=60, n_bg=200)
    _, counts, _ = jaspar_motif(EGR2)
    info = site_statistics(counts_to_pwm(counts, 1.0), fg, bg, DNA, letter_frequencies(bg, 4))
    assert info["fg_sites"][0].sum() == info["fg_hits"] > 0
    assert info["bg_sites"][0].sum() == info["bg_hits"]


def test_letter_shuffles_keep_each_rows_padding_at_its_end():
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 4, (50, 12)).astype(np.uint8)
    lengths = rng.integers(3, 13, 50)
    codes[np.arange(12)[None] >= lengths[:, None]] = PAD
    s = shuffled(codes, 0, kmer=1)
    assert np.array_equal(s == PAD, codes == PAD)
    assert (np.sort(s, axis=1) == np.sort(codes, axis=1)).all() and (s != codes).any(1).mean() > 0.5


def test_motifs_tsv_keeps_log10_p_to_the_digits_the_e_value_needs(tmp_path):
    """motifs.tsv wrote log10_p with 4 digits (-211.3), so the E-value the report derives from it (8.63e-208) was
    not the MEME file's (8.61e-208): both now give the same."""
    from seqgen.motifs import log10_evalue, log10_text, write_results

    fg = np.random.default_rng(0).integers(0, 4, (20, 12)).astype(np.uint8)
    motif = Motif("m", np.full((4, 6), 0.25), DNA, stats={"log10_p": -211.34567, "kmers_tested": 1721, "fg_hits": 5,
                                                         "n_fg": 20, "bg_hits": 1, "n_bg": 60})
    write_results(tmp_path, [motif], fg, release="JASPAR2024", tax_group="vertebrates")
    row = pd.read_csv(tmp_path / "motifs.tsv", sep="\t").iloc[0]
    meme_e = next(line for line in (tmp_path / "motifs.meme").read_text().splitlines() if "E=" in line).split()[-1]
    assert log10_text(log10_evalue(row["log10_p"], row["kmers_tested"])) == meme_e == "7.76e-209"


def test_meme_e_value_of_a_motif_in_thousands_of_sequences_is_not_zero(tmp_path):
    """FOXA1's Forkhead motif in 5,000 ChIP-seq peaks has log10 p = -2202: its E-value was written as E= 0."""
    pwm = np.full((4, 3), 0.25)
    write_meme(tmp_path / "d.meme", [Motif("d", pwm, DNA, stats={"log10_p": -2202.0, "kmers_tested": 28916})])
    head = [line for line in (tmp_path / "d.meme").read_text().splitlines() if line.startswith("letter-")]
    assert head == ["letter-probability matrix: alength= 4 w= 3 nsites= 0 E= 2.89e-2198"]
    assert read_meme(tmp_path / "d.meme")[0].width == 3


def test_meme_header_gives_strands_background_and_e_values(tmp_path):
    from seqgen.alphabets import RNA

    pwm = np.full((4, 3), 0.25)
    write_meme(tmp_path / "d.meme", [Motif("d", pwm, DNA, stats={"log10_p": -12.0, "kmers_tested": 5000}),
                                     Motif("e", pwm, DNA)], background=np.array([0.1, 0.2, 0.3, 0.4]))
    lines = (tmp_path / "d.meme").read_text().splitlines()
    assert "strands: + -" in lines and "Background letter frequencies" in lines
    assert lines[lines.index("Background letter frequencies") + 1] == "A 0.1000 C 0.2000 G 0.3000 T 0.4000"
    heads = [line for line in lines if line.startswith("letter-probability")]
    assert heads == ["letter-probability matrix: alength= 4 w= 3 nsites= 0 E= 5e-09",  # p x the k-mers tested
                     "letter-probability matrix: alength= 4 w= 3 nsites= 0 E= 0"]
    write_meme(tmp_path / "r.meme", [Motif("r", pwm, RNA)])
    text = (tmp_path / "r.meme").read_text()
    assert "ALPHABET= ACGU\n" in text and "strands: +\n" in text and "strands: + -" not in text
    assert read_meme(tmp_path / "r.meme")[0].alphabet == RNA
    with pytest.raises(SeqgenError, match="cannot write motifs of different alphabets to one MEME file"):
        write_meme(tmp_path / "x.meme", [Motif("d", pwm, DNA), Motif("r", pwm, RNA)])
    assert not (tmp_path / "x.meme").exists()


def test_read_meme_takes_dna_without_an_alphabet_line_and_stops_at_the_matrix_width(tmp_path):
    path = tmp_path / "jaspar.meme"  # as JASPAR writes them: no ALPHABET line, a URL after each matrix
    path.write_text("MEME version 4\n\nstrands: + -\n\nMOTIF MA0001.1 AGL3\n\n"
                    "letter-probability matrix: alength= 4 w= 2 nsites= 97 E= 0\n"
                    " 0.1  0.2  0.3  0.4\n 0.7  0.1  0.1  0.1\n\nURL http://jaspar.genereg.net/matrix/MA0001.1\n\n"
                    "MOTIF MA0002.1 RUNX1\nletter-probability matrix: alength= 4 w= 1 nsites= 1.2e1\n"
                    "0.25 0.25 0.25 0.25\nURL http://jaspar.genereg.net/matrix/MA0002.1\n")
    first, second = read_meme(path)
    assert first.alphabet == DNA and first.name == "MA0001.1" and first.description == "AGL3"
    np.testing.assert_allclose(first.pwm, [[0.1, 0.7], [0.2, 0.1], [0.3, 0.1], [0.4, 0.1]])
    assert (first.nsites, second.nsites, second.width) == (97, 12, 1)


def test_scan_names_sequences_strands_and_ends_and_reads_rna_on_one_strand():
    from seqgen.alphabets import RNA

    pwm = counts_to_pwm(np.eye(4)[:, [3, 2, 3, 3, 3, 0, 1, 3, 3, 0, 2]] * 20 + 0.1)  # TGTTTACTTAG
    site = "TGTTTACTTAG"
    rc = site.translate(str.maketrans("ACGT", "TGCA"))[::-1]
    codes = np.full((3, 30), PAD, dtype=np.uint8)
    codes[0] = encode(["C" * 19 + site], DNA)[0]  # the site ends where the sequence ends
    codes[1, :25] = encode(["C" * 3 + rc + "C" * 11], DNA)[0]
    codes[2] = encode(["C" * 30], DNA)[0]
    sites = scan([Motif("m", pwm, DNA)], codes, ids=["first", "second", "third"])
    assert sites[["motif", "sequence", "index", "start", "end", "strand"]].values.tolist() == [
        ["m", "first", 0, 19, 30, "+"], ["m", "second", 1, 3, 14, "-"]]
    rna = scan([Motif("m", pwm, RNA)], codes, ids=["first", "second", "third"])  # RNA: no reverse strand
    assert rna[["sequence", "start", "strand"]].values.tolist() == [["first", 19, "+"]]


def test_scan_keeps_motif_names_that_end_in_rc():
    """A motif named 'site-rc' was reported as 'site' on both strands: the '-rc' that memelite gave reverse-strand
    hits was cut from every name, though memelite 0.5 gives each hit its motif's own name."""
    pwm = counts_to_pwm(np.eye(4)[:, [3, 2, 3, 3, 3, 0, 1, 3, 3, 0, 2]] * 20 + 0.1)  # TGTTTACTTAG
    codes = encode(["C" * 10 + "TGTTTACTTAG" + "C" * 10, "C" * 10 + "CTAAGTAAACA" + "C" * 10], DNA)
    sites = scan([Motif("site-rc", pwm, DNA)], codes)
    assert sites[["motif", "index", "strand"]].values.tolist() == [["site-rc", 0, "+"], ["site-rc", 1, "-"]]


def test_exact_protein_sites_are_those_strictly_below_the_threshold():
    from seqgen.alphabets import PROTEIN

    sharp = np.full((20, 3), 1e-6)
    sharp[[3, 5, 7], np.arange(3)] = 1.0
    codes = np.zeros((1, 10), dtype=np.uint8)
    codes[0, 4:7] = [3, 5, 7]
    motif = Motif("m", counts_to_pwm(sharp), PROTEIN)
    (p,) = scan([motif], codes, threshold=1e-3)["p_value"]
    assert p == pytest.approx(0.05 ** 3, rel=1e-6)
    assert len(scan([motif], codes, threshold=p)) == 0 and len(scan([motif], codes, threshold=p * 1.0001)) == 1


def test_consensus_is_lower_case_under_one_bit_only():
    pwm = np.array([[0.5, 0.5], [0.5, 0.3], [0.0, 0.2], [0.0, 0.0]])  # 1 bit exactly, then 0.51 bits
    np.testing.assert_allclose(information_content(pwm), [1.0, 2 + 0.5 * np.log2(0.5) + 0.3 * np.log2(0.3)
                                                          + 0.2 * np.log2(0.2)])
    assert Motif("x", pwm).consensus == "Aa"


def test_masking_sets_the_sites_of_the_hit_sequences_to_padding():
    from seqgen.motifs.discovery import _mask_sites

    codes = np.zeros((3, 8), dtype=np.uint8)
    masked = _mask_sites(codes, np.array([1, 5, 2]), np.array([1, -1, 1]), np.array([True, True, False]), 3)
    want = np.zeros((3, 8), dtype=np.uint8)
    want[0, 1:4], want[1, 5:8] = PAD, PAD
    assert np.array_equal(masked, want) and (codes == 0).all()  # a copy


def test_write_results_draws_a_match_under_a_logo_only_when_significant_and_skips_jaspar_for_rna(tmp_path,
                                                                                                monkeypatch):
    from seqgen import plots
    from seqgen.alphabets import RNA
    from seqgen.motifs import write_results

    drawn = []
    monkeypatch.setattr(plots, "motif_with_match", lambda m, match, *a: drawn.append((m.name, match.name))
                        or plots.plt.figure())
    monkeypatch.setattr(plots, "logo", lambda m, *a: drawn.append((m.name, None)) or plots.plt.figure())
    egr2 = next(m for m in jaspar_motifs() if m.name == EGR2)
    weak = Motif("weak", counts_to_pwm(np.eye(4)[:, encode(["TACGAT"], DNA)[0]] * 20 + 1), DNA)  # no JASPAR match
    flat = Motif("flat", np.full((4, 8), 0.25), DNA)  # a tiny q, but no information
    matches = write_results(tmp_path / "d", [Motif("egr", egr2.pwm, DNA), weak, flat], None)
    assert drawn == [("egr", EGR2), ("weak", None), ("flat", None)]
    assert matches.groupby("query").size().to_dict() == {"egr": 5, "weak": 5, "flat": 5}  # the top 5 of each
    assert (matches[matches["query"] == "weak"]["q_value"] > 0.05).all()
    assert (matches[matches["query"] == "flat"]["q_value"] < 1e-6).any()
    write_results(tmp_path / "r", [Motif("r", egr2.pwm, RNA)], None)  # RNA: no JASPAR (DNA motifs)
    assert pd.read_csv(tmp_path / "r" / "tomtom.tsv", sep="\t").empty
    assert json.loads((tmp_path / "r" / "params.json").read_text())["jaspar"]["n_targets"] == 0


def test_jaspar_matrices_of_a_release_collection_and_taxon():
    vertebrates, insects = jaspar_motifs(), jaspar_motifs(tax_group="insects")
    names, fly = {m.name for m in vertebrates}, {m.name for m in insects}
    assert "MA0013.1" in fly and "MA0013.1" not in names and EGR2 in names and EGR2 not in fly  # br, a fly factor
    assert all(m.name.startswith("MA") for m in vertebrates)  # CORE only, not the UN (unvalidated) collection
    assert all(m.name.startswith("UN") for m in jaspar_motifs(collection="UNVALIDATED", tax_group="nematodes"))
    egr2 = next(m for m in vertebrates if m.name == EGR2)
    name, counts, _ = jaspar_motif(EGR2)
    assert egr2.description == name == "EGR2" and egr2.nsites == int(counts[:, 0].sum())
    np.testing.assert_allclose(egr2.pwm, counts / counts.sum(0))
    assert jaspar_motif("MA0116")[2] == "MA0116.1"  # JASPAR2024's newest, not pyjaspar's newest release's (MA0116.2)


def test_a_motif_whose_best_p_value_is_the_threshold_is_unreachable():
    from seqgen.motifs import best_site_p, unreachable_note

    five = np.full((4, 5), 0.02)
    five[encode(["TATAA"], DNA)[0], np.arange(5)] = 0.94
    assert best_site_p(Motif("five", five, DNA)) == 4.0 ** -5
    assert unreachable_note([Motif("five", five, DNA)], 4.0 ** -5).startswith("five (TATAA, best p 0.00098)")


def test_a_table_is_scored_by_its_one_numeric_column_besides_id_and_index(tmp_path):
    from seqgen.motifs import load_input

    path = tmp_path / "ranked.tsv"
    path.write_text("id\tindex\tsequence\tsignal\na\t0\tACGTAC\t7.5\nb\t1\tTTGCAA\t2.0\n")
    data = load_input(path)
    assert data.label_names == ["signal"] and data.labels[:, 0].tolist() == [7.5, 2.0]


def test_a_table_searched_against_a_background_has_its_numeric_columns_left_unread(tmp_path):
    """With --background the input's scores rank nothing: two numeric columns need no --label to choose one."""
    seqs = decode(np.random.default_rng(0).integers(0, 4, (40, 20)).astype(np.uint8), DNA)
    pd.DataFrame({"sequence": seqs[:20], "a": range(20), "b": range(20)}).to_csv(tmp_path / "in.csv", index=False)
    write_fasta(tmp_path / "bg.fa", [f"b{i}" for i in range(20)], seqs[20:])
    out = tmp_path / "m"
    assert main(["motifs", "--input", str(tmp_path / "in.csv"), "--background", str(tmp_path / "bg.fa"), "--out",
                 str(out), "--n-motifs", "1", "--k", "4"]) == 0
    params = json.loads((out / "params.json").read_text())
    assert params["n_foreground"] == params["n_background"] == 20 and params["top"] is None


def test_each_motif_line_names_its_best_jaspar_match_when_it_is_significant(capsys):
    from seqgen.cli.motifs import _print_motifs
    from seqgen.motifs import MATCH_Q

    pwm = np.full((4, 8), 0.01) + 0.96 * np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]].T
    found = [Motif(f"seqgen-{i}", p) for i, p in enumerate([pwm, pwm[:, ::-1].copy(), pwm, pwm], start=1)]
    matches = pd.DataFrame({"query": ["seqgen-1", "seqgen-1", "seqgen-2", "seqgen-3", "seqgen-4"],
                            "rank": [2, 1, 1, 1, 1], "target": ["MA1", "MA2", "MA3", "MA4", "MA5"],
                            "target_name": ["A", "B", "C", "D", "E"], "q_value": [0.001, MATCH_Q, 0.2, 1e-6, 0.01],
                            "query_bits": [12.0, 12.0, 12.0, 3.99, 9.5], "order_p": [0.005, 0.005, 0.5, 0.9, 0.25]})
    _print_motifs(found, matches, 10, 20, 1e-4, "out")
    assert capsys.readouterr().err.splitlines() == [
        "seqgen-1 ACGTACGT, best JASPAR match B (MA2, q = 0.05)",
        "seqgen-2 TGCATGCA, no significant JASPAR match (best C, q = 0.2)",
        "seqgen-3 ACGTACGT, too little information (3.99 bits, under 4) to name a JASPAR match (best D, q = 1e-06)",
        "seqgen-4 ACGTACGT, best JASPAR match E (MA5, q = 0.01; weak evidence: shuffled copies match as well, "
        "order p = 0.25)",
        "4 motifs from 10 sequences against 20 -> out"]


def test_a_flat_motif_gets_a_tiny_tomtom_q_but_names_no_match():
    """Tomtom's p-values are conditional on the query: a flat query's are tiny against long, low-information JASPAR
    matrices. The match is named only for a query of at least MIN_MATCH_BITS bits."""
    from seqgen.jaspar import jaspar_motifs
    from seqgen.motifs import MIN_MATCH_BITS, information_content, significant, tomtom

    targets = jaspar_motifs()
    egr1 = next(t for t in targets if t.name.startswith("MA0162"))
    queries = [Motif("flat", np.full((4, 8), 0.25)), Motif("egr1", egr1.pwm)]
    matches = tomtom(queries, targets, top=1).set_index("query")
    assert matches.loc["flat", "q_value"] < 1e-6 and matches.loc["flat", "query_bits"] == pytest.approx(0, abs=1e-9)
    assert matches.loc["egr1", "target"] == egr1.name and matches.loc["egr1", "q_value"] < 1e-6
    assert matches.loc["egr1", "query_bits"] == pytest.approx(information_content(egr1.pwm).sum())
    assert matches.loc["egr1", "query_bits"] > MIN_MATCH_BITS
    assert significant(matches).to_dict() == {"flat": False, "egr1": True}


def test_the_order_p_value_is_small_for_a_real_motif_and_one_for_a_motif_whose_columns_are_alike():
    """EGR1's matrix matches itself far better than any column-shuffled copy matches anything: p = 1 / (1 + copies).
    A motif of eight identical columns has shuffles identical to it, each as good: p = 1."""
    from seqgen.motifs import order_p_values, tomtom

    targets = jaspar_motifs()
    egr1 = next(t for t in targets if t.name.startswith("MA0162"))
    same = Motif("same", np.tile([[0.7], [0.1], [0.1], [0.1]], 8))
    matches = tomtom([Motif("egr1", egr1.pwm), same], targets, top=1, order_copies=39).set_index("query")
    assert matches["order_p"].to_dict() == {"egr1": pytest.approx(1 / 40), "same": pytest.approx(1.0)}
    p = order_p_values([same], targets, np.array([0.0]), copies=9)  # nothing is as good as p = 0
    assert p == pytest.approx([0.1])
    assert tomtom([same], targets, top=1, order_copies=0)["order_p"].isna().all()


def test_order_p_values_are_valid_for_random_motifs():
    """A random motif's column order is one of its shuffles', so its order p-value is uniform: about 1 in 20 at or
    under 0.05 (choosing the best target first and testing the shuffles against that one target alone gives
    0.09-0.19, the trap this guards against). Seeded: the same motifs and shuffles every run."""
    from seqgen.motifs import order_p_values, tomtom

    rng = np.random.default_rng(7)
    queries = [Motif(f"r{i}", rng.dirichlet(np.full(4, 0.5), 10).T) for i in range(150)]
    targets = jaspar_motifs()
    table = tomtom(queries, targets, top=1, order_copies=19)
    share = (table["order_p"] <= 0.05).mean()
    assert 0.0 < share <= 0.08 and 0.4 < table["order_p"].mean() < 0.6
    again = order_p_values(queries[:5], targets, table["p_value"].to_numpy()[:5], copies=19)
    assert again == pytest.approx(table["order_p"].to_numpy()[:5])  # seeded: the same p-values again


def test_a_named_match_is_weak_when_shuffled_copies_equal_it_too_often():
    from seqgen.motifs import ORDER_P, match_strength

    row = {"q_value": 0.01, "query_bits": 12.0}
    assert [match_strength({**row, "order_p": p}) for p in (0.005, ORDER_P, 0.051, 1.0, np.nan)] == [
        "named", "named", "weak", "weak", "named"]  # NaN: not tested (order_copies=0), no mark
    assert match_strength(row) == "named"  # a table from before order_p
    assert match_strength({**row, "q_value": 0.2, "order_p": 1.0}) == "none"
    assert match_strength({**row, "query_bits": 3.0, "order_p": 0.005}) == "too little information"


def test_dinucleotide_shuffles_of_four_letters_are_drawn_too():
    """ACAA (AC, CA, AA, from A to A) has one other sequence of its dinucleotides: AACA."""
    draws = shuffled(np.tile(encode(["ACAA"], DNA), (200, 1)), 0)
    assert set(decode(draws, DNA)) == {"ACAA", "AACA"}
    assert set(decode(shuffled(np.tile(encode(["ACA"], DNA), (50, 1)), 0), DNA)) == {"ACA"}


def test_shuffles_of_other_word_lengths_are_refused():
    for kmer in (0, 3):
        with pytest.raises(ValueError, match=f"kmer must be 1 or 2, not {kmer}"):
            shuffled(np.zeros((1, 8), np.uint8), 0, kmer=kmer)


def test_the_jaspar_taxon_all_on_the_command_line_and_a_wrong_one_before_the_search(tmp_path, monkeypatch, capsys):
    """The config's jaspar_tax_group takes 'all'; the command line said 'no JASPAR motifs ... tax group all', and only
    after the motif search. Now 'all' (or '') means every taxon, and a taxon or collection that JASPAR lacks stops
    the command before the search."""
    import yaml

    from seqgen import motifs as m
    from seqgen.jaspar import JASPAR_TAX_GROUPS

    schema = yaml.safe_load((Path(__file__).parents[1] / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert schema["$defs"]["jaspar_tax_group"]["enum"] == [*JASPAR_TAX_GROUPS, "all"]  # one list of taxa
    fg, _, _, _ = planted(n_fg=60, n_bg=60)
    fasta = tmp_path / "in.fa"
    write_fasta(fasta, [f"s{i}" for i in range(len(fg))], decode(fg, DNA))
    args = ["motifs", "--input", str(fasta), "--n-motifs", "1"]
    assert main([*args, "--jaspar-tax-group", "all", "--out", str(tmp_path / "all")]) == 0
    assert main([*args, "--out", str(tmp_path / "vert")]) == 0
    n_targets = [json.loads((tmp_path / d / "params.json").read_text())["jaspar"]["n_targets"] for d in ("all", "vert")]
    assert n_targets[0] > n_targets[1] > 800  # every taxon's matrices against the vertebrates' alone
    monkeypatch.setattr(m, "discover_motifs", lambda *a, **k: pytest.fail("searched before checking JASPAR"))
    with pytest.raises(SystemExit):
        main([*args, "--jaspar-tax-group", "plant", "--out", str(tmp_path / "typo")])
    assert "invalid choice: 'plant'" in capsys.readouterr().err
    assert main([*args, "--jaspar-collection", "COREE", "--out", str(tmp_path / "c")]) == 1
    assert "no JASPAR motifs for release JASPAR2024, collection COREE" in capsys.readouterr().err


def test_a_motif_of_counts_holds_their_probabilities():
    """Counts in place of probabilities gave 50-bit columns and scan p-values of 0 without a word."""
    counts = np.array([[10, 0, 0, 5], [0, 10, 0, 5], [0, 0, 10, 0], [0, 0, 0, 0]], float)
    motif = Motif("counts", counts)
    np.testing.assert_allclose(motif.pwm, counts_to_pwm(counts))
    assert information_content(motif.pwm).max() <= 2.0 and motif.consensus == "ACGA"
    pwm = np.full((4, 2), 0.249999)  # a MEME file's rounding (6 decimals): kept as it is
    np.testing.assert_array_equal(Motif("rounded", pwm).pwm, pwm)
    with pytest.raises(ValueError, match="not negative"):
        Motif("negative", np.array([[1.5], [-0.5], [0.0], [0.0]]))


def test_a_motif_name_with_white_space_is_refused_not_split_on_reading(tmp_path):
    pwm = np.full((4, 3), 0.25)
    with pytest.raises(SeqgenError, match="'my motif'.*'my_motif'"):
        write_meme(tmp_path / "m.meme", [Motif("my motif", pwm, DNA)])
    assert not (tmp_path / "m.meme").exists()
    write_meme(tmp_path / "m.meme", [Motif("my_motif", pwm, DNA, "a description")])
    back = read_meme(tmp_path / "m.meme")[0]
    assert (back.name, back.description) == ("my_motif", "a description")


def test_protein_family_sites_are_numbered_as_the_focus_residues(tmp_path):
    """Motif sites in an alignment are columns; sites.tsv also gives the focus sequence's residue numbers of
    their first and last column (its header's range), and none where the focus has a gap."""
    from seqgen.motifs import number_sites

    rng = np.random.default_rng(0)
    letters = np.array(list(PROTEIN.letters))
    rows = rng.choice(letters, (300, 30))
    rows[:, 10:16] = list("WHCWMY")  # a conserved stretch in every sequence
    text = "".join(f">{'FOC/30-59' if i == 0 else f's{i}'}\n{''.join(r)}\n" for i, r in enumerate(rows))
    (tmp_path / "fam.a2m").write_text(text)
    npz = tmp_path / "f.npz"
    assert main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)]) == 0
    assert main(["motifs", "--input", str(npz), "--n-motifs", "1", "--out", str(tmp_path / "m")]) == 0
    sites = pd.read_csv(tmp_path / "m" / "sites.tsv", sep="\t")
    assert len(sites) >= 100
    assert (sites["focus_start"] == sites["start"] + 30).all() and (sites["focus_end"] == sites["end"] + 29).all()
    gapped = number_sites(sites.head(3), [-1 if c == sites["start"].iloc[0] else c + 30 for c in range(30)])
    assert gapped["focus_start"].isna().iloc[0] and gapped["focus_end"].tolist() == sites["focus_end"].head(3).tolist()
    assert "focus_start" not in number_sites(sites.drop(columns=["focus_start", "focus_end"])).columns


def test_a_motif_run_killed_before_writing_leaves_the_earlier_folder_whole(tmp_path, monkeypatch):
    from seqgen.motifs import files, write_results

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 20, (20, 12)).astype(np.uint8)
    ids = [f"s{i}" for i in range(20)]
    one, two, three = (Motif(name, rng.dirichlet(np.ones(20), 4).T, "protein") for name in ("one", "two", "three"))
    write_results(tmp_path, [one, two], codes, ids)
    before = {name: (tmp_path / name).read_bytes() for name in ("motifs.meme", "motifs.tsv", "params.json")}

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C (or SIGTERM) while FIMO scans: nothing of this run may be written yet

    monkeypatch.setattr(files, "scan", killed)  # write_results' scan
    with pytest.raises(KeyboardInterrupt):
        write_results(tmp_path, [three], codes, ids)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    monkeypatch.undo()
    write_results(tmp_path, [three], None, None)  # fewer motifs, no scan: no logo or site of the earlier run left
    assert sorted(p.name for p in (tmp_path / "logos").iterdir()) == ["three.png", "three.svg"]
    assert not (tmp_path / "sites.tsv").exists()


def test_a_motif_found_twice_in_each_sequence_is_reported_once():
    """Only each sequence's best site was masked, so RNA with two UGCAUG per bound sequence gave seqgen-1 UGCAUG
    and seqgen-2 UGCAUG again (the second copies), instead of a different motif or none."""
    rng = np.random.default_rng(0)
    fg = ["".join(rng.choice(list("ACGU"), 36)) for _ in range(200)]
    fg = [s[:4] + "UGCAUG" + s[10:20] + "UGCAUG" + s[26:] for s in fg]
    bg = ["".join(rng.choice(list("ACGU"), 36)) for _ in range(600)]
    motifs = discover_motifs(encode(fg, "rna"), encode(bg, "rna"), "rna", n_motifs=3)
    assert motifs and "UGCAUG" in motifs[0].consensus.upper()
    assert not any("UGCAUG" in m.consensus.upper() for m in motifs[1:]), [m.consensus for m in motifs]
