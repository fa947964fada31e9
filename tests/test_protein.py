import numpy as np
import pytest
from scipy.stats import spearmanr

from seqgen.alphabets import PROTEIN_GAP, encode
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError
from seqgen.io import read_sequences
from seqgen.protein import (OUTSIDE, STOP, SiteIndependentModel, apply_mutants, mutant_names_of, mutant_notes,
                            parse_mutants, sequence_weights)


def brute_weights(seqs, theta):
    out = []
    for a in seqs:
        residues = sum(c != "-" for c in a)
        near = sum(sum(x == y and x != "-" for x, y in zip(a, b)) / residues > 1 - theta for b in seqs)
        out.append(1 / near)
    return np.array(out)


def test_weights_match_the_definition():
    rng = np.random.default_rng(0)
    base = rng.choice(list("ACDEFGHIKL-"), 20)
    seqs = []
    for i in range(12):
        s = base.copy()
        s[rng.integers(0, 20, i)] = rng.choice(list("MNPQ"), i)
        seqs.append("".join(s))
    codes = encode(seqs, PROTEIN_GAP)
    w = sequence_weights(codes, theta=0.2, chunk=5)
    assert np.allclose(w, brute_weights(seqs, 0.2))
    assert w.min() < 1 and w.max() == pytest.approx(1.0)
    with_empty = sequence_weights(encode(seqs + ["-" * 20], PROTEIN_GAP), theta=0.2)  # a row of gaps only
    assert with_empty[-1] == 0 and np.allclose(with_empty[:-1], w)


def test_site_independent_counts_without_the_one_hot_equal_the_einsum():
    """The weighted column counts, summed a block of rows at a time (float64) without the (N, A, L) one-hot: equal
    to the old float32 einsum over the one-hot (exactly for unit weights, to float32 rounding for fractions)."""
    from seqgen.data import one_hot
    from seqgen.protein import weighted_counts

    rng = np.random.default_rng(2)
    codes = rng.integers(0, 21, (300, 17)).astype(np.uint8)
    codes[4, 10:] = 255  # padding counts for no letter
    for weights in (np.ones(300, np.float32), rng.random(300).astype(np.float32)):
        old = np.einsum("n,nal->al", weights, one_hot(codes, 21))
        for rows in (1, 7, 4096):
            new = weighted_counts(codes, weights, 21, rows=rows)
            assert new.dtype == old.dtype and new.shape == (21, 17)
            np.testing.assert_allclose(new, old, rtol=1e-6, atol=0)
    unit = np.einsum("n,nal->al", np.ones(300, np.float32), one_hot(codes, 21))
    np.testing.assert_array_equal(weighted_counts(codes, np.ones(300), 21), unit)  # integer sums: exact


def family():
    seqs = ["MKVLA", "MKVLA", "MRVLA", "MKILA", "MKVLG"]
    return SequenceSet(encode(seqs, PROTEIN_GAP), "protein-gap", [f"s{i}" for i in range(5)],
                       meta={"focus_positions": [10, 11, 12, 13, 14]})


def test_mutant_parsing_and_application():
    data = family()
    mutants = parse_mutants(["K11R", "K11R:L13I"], data.meta["focus_positions"], data.codes[0])
    codes = apply_mutants(data.codes[0], mutants)
    assert ["".join(PROTEIN_GAP.letters[c] for c in row) for row in codes] == ["MRVLA", "MRVIA"]
    with pytest.raises(SeqgenError, match="residue 11 is K, not A"):
        parse_mutants(["A11R"], data.meta["focus_positions"], data.codes[0])
    with pytest.raises(SeqgenError, match="residue 99 is not a match column"):
        parse_mutants(["K99R"], data.meta["focus_positions"], data.codes[0])
    old_model = {"focus_positions": data.meta["focus_positions"]}  # no focus residues stored: no range check
    assert mutant_notes(["K11R", "K99R", "K11R;L13I", "K11*", "WT"], old_model) == ["", OUTSIDE, "", STOP, ""]
    for junk, message in (("junk", "not of the form"), ("K11R:K11W", "substituted twice")):
        with pytest.raises(SeqgenError, match=message):  # named, not skipped as if outside the alignment
            mutant_notes(["K11R", junk], old_model)
    with pytest.raises(SeqgenError, match="not of the form"):
        parse_mutants(["K11"], data.meta["focus_positions"], data.codes[0])
    wild = apply_mutants(data.codes[0], parse_mutants(["WT"], data.meta["focus_positions"], data.codes[0]))
    assert np.array_equal(wild[0], data.codes[0])


def test_sequences_are_named_as_mutants_of_the_focus():
    """mutant_names_of writes what parse_mutants reads: the focus's numbering, residues in order, WT for none; a
    residue where the focus has a gap (an insertion) has no name in this notation and is left out."""
    data = family()
    positions, focus = data.meta["focus_positions"], data.codes[0]
    codes = apply_mutants(focus, parse_mutants(["WT", "L13I:K11R", "M10A"], positions, focus))
    assert mutant_names_of(codes, focus, positions) == ["WT", "K11R:L13I", "M10A"]
    gapped = [10, -1, 12, 13, 14]  # the focus has a gap in the second column
    assert mutant_names_of(codes, focus, gapped) == ["WT", "L13I", "M10A"]


def test_mutants_are_checked_against_every_focus_residue():
    """An insert residue (lower case in the focus, no match column) is checked too; residues past the focus are
    errors, not skipped."""
    path_family = {"focus_positions": [10, 11, -1, 13, 14], "focus_start": 9, "focus_residues": "GMKHVLA"}
    assert mutant_notes(["K11R", "H12A", "G9A"], path_family) == ["", OUTSIDE, OUTSIDE]
    with pytest.raises(SeqgenError, match="mutant 'A12G': residue 12 is H, not A"):
        mutant_notes(["A12G"], path_family)
    with pytest.raises(SeqgenError, match=r"mutant 'V1000A': residue 1000 is not in the focus sequence \(residues "
                                          r"9-15\)"):
        mutant_notes(["V1000A"], path_family)


def test_site_independent_model_prefers_observed_residues():
    data = family()
    model = SiteIndependentModel(data)
    mutants = parse_mutants(["K11R", "K11W"], data.meta["focus_positions"], data.codes[0])
    effects = model.mutation_effects(data.codes[0], mutants)
    assert effects[0] > effects[1] and effects[0] < 0


@pytest.mark.realdata
@pytest.mark.slow
def test_site_independent_baseline_on_beta_lactamase(shared_data):
    import pandas as pd

    aln = shared_data / "protein/BLAT_ECOLX_hmmerbit_plmc_n5_m30_f50_t0.2_r24-286_id100_b105.a2m"
    data = read_sequences(aln, "protein-gap", ambiguous="drop")
    weights = sequence_weights(data.codes, 0.2)
    dms = pd.read_csv(shared_data / "protein/BLAT_ECOLX_Ranganathan2015.csv").dropna(subset=["2500"])
    dms = dms[np.array(mutant_notes(dms["mutant"], data.meta)) == ""]
    assert len(dms) > 4000
    mutants = parse_mutants(dms["mutant"], data.meta["focus_positions"], data.codes[0])
    effects = SiteIndependentModel(data, weights).mutation_effects(data.codes[0], mutants)
    rho = spearmanr(effects, dms["2500"]).statistic
    assert 1000 < weights.sum() < 8000
    assert rho > 0.55  # DeepSequence reports 0.614 for its site-independent model


def test_site_independent_frequencies_are_weighted_counts_with_a_pseudocount():
    data = family()  # MKVLA twice, MRVLA, MKILA, MKVLG
    weights = np.array([0.5, 0.5, 1.0, 0.25, 2.0], np.float32)
    model = SiteIndependentModel(data, weights, pseudocount=2.1)
    k, r = PROTEIN_GAP.letters.index("K"), PROTEIN_GAP.letters.index("R")
    per_letter = 2.1 / PROTEIN_GAP.size
    total = weights.sum() + 2.1
    assert np.exp(model.log_freq[k, 1]) == pytest.approx((0.5 + 0.5 + 0.25 + 2.0 + per_letter) / total)
    assert np.exp(model.log_freq[r, 1]) == pytest.approx((1.0 + per_letter) / total)
    assert np.allclose(np.exp(model.log_freq).sum(0), 1.0)


def test_a_mutant_is_scored_only_when_every_residue_is_a_match_column():
    path_family = {"focus_positions": [10, 11, -1, 13, 14], "focus_start": 9, "focus_residues": "GMKHVLA"}
    assert mutant_notes(["K11R:H12A", "H12A:K11R", "K11R:V13I"], path_family) == [OUTSIDE, OUTSIDE, ""]
    assert mutant_notes(["A15C"], path_family) == [OUTSIDE]  # the last focus residue (an insert): no error
    with pytest.raises(SeqgenError, match="residue 16 is not in the focus sequence"):
        mutant_notes(["A16C"], path_family)  # one past it


def test_weights_count_neighbours_strictly_above_the_threshold_over_the_first_sequences_residues():
    """theta 0.25: identity exactly 0.75 is no neighbour; a gap never matches, and identity is over the first
    sequence's residues (AC-E is 3/3 like ACDE, ACDE only 3/4 like AC-E)."""
    codes = encode(["ACDE", "ACDE", "ACDF", "AC-E"], PROTEIN_GAP)
    # neighbours by hand: ACDE {0, 1}; ACDF {2}; AC-E {0, 1, 3}
    assert np.allclose(sequence_weights(codes, theta=0.25), [1 / 2, 1 / 2, 1, 1 / 3])
    assert np.allclose(sequence_weights(codes, theta=0.25, chunk=1), [1 / 2, 1 / 2, 1, 1 / 3])


def test_weights_default_to_theta_0_2():
    codes = encode(["ACDE", "ACDF"], PROTEIN_GAP)  # identity 0.75: neighbours at theta 0.3, not at 0.2
    assert np.allclose(sequence_weights(codes), [1, 1])
    assert np.allclose(sequence_weights(codes, theta=0.3), [0.5, 0.5])


def test_a_substitution_to_a_letter_that_is_no_amino_acid_is_named():
    data = family()
    for letter in "XB":
        with pytest.raises(SeqgenError, match=f"mutant 'K11{letter}': '{letter}' is not an amino acid"):
            parse_mutants([f"K11{letter}"], data.meta["focus_positions"], data.codes[0])


def test_site_independent_scores_are_sums_of_column_log_frequencies():
    data = family()
    model = SiteIndependentModel(data)
    expected = [sum(model.log_freq[c, j] for j, c in enumerate(row)) for row in data.codes]
    assert np.allclose(model.score(data.codes), expected)
    mutants = parse_mutants(["K11R:L13I"], data.meta["focus_positions"], data.codes[0])
    k, r, l, i = (PROTEIN_GAP.letters.index(c) for c in "KRLI")
    by_hand = model.log_freq[r, 1] - model.log_freq[k, 1] + model.log_freq[i, 3] - model.log_freq[l, 3]
    assert model.mutation_effects(data.codes[0], mutants)[0] == pytest.approx(by_hand)


def test_a_stop_is_noted_as_a_stop_even_outside_the_match_columns():
    path_family = {"focus_positions": [10, 11, -1, 13, 14], "focus_start": 9, "focus_residues": "GMKHVLA"}
    assert mutant_notes(["H12*", "K11R:H12*", "H12A:K11*"], path_family) == [STOP, STOP, STOP]


def _old_sequence_weights(codes, theta):
    """The weights as computed before the blocked, triangular version: every row chunk against the whole one-hot."""
    import torch

    from seqgen.data import one_hot
    from seqgen.protein import GAP

    x = one_hot(torch.as_tensor(codes), PROTEIN_GAP.size)[:, :GAP].reshape(len(codes), -1)
    residues = x.sum(1).clamp_min(1)
    neighbours = ((x @ x.T) / residues[:, None] > 1 - theta).sum(1).float()
    return torch.where(neighbours > 0, 1.0 / neighbours.clamp_min(1), 0.0).numpy().astype(np.float32)


@pytest.mark.parametrize("chunk", [1, 7, 16, 64, 2048])
def test_blocked_weights_equal_the_full_computation(chunk):
    """Blocks above the diagonal only, one-hot made chunk by chunk: exactly the old weights (close relatives,
    a row of gaps only, a padded row), whatever the chunk."""
    rng = np.random.default_rng(1)
    base = rng.integers(0, 21, 40)
    codes = np.where(rng.random((61, 40)) < 0.15, rng.integers(0, 21, (61, 40)), base).astype(np.uint8)
    codes[5] = PROTEIN_GAP.letters.index("-")
    codes[9, 30:] = 255  # padding
    for theta in (0.2, 0.5):
        np.testing.assert_array_equal(sequence_weights(codes, theta, chunk=chunk), _old_sequence_weights(codes, theta))


def test_whole_proteins_put_back_the_focus_s_inserts_and_the_design_s_insertions():
    """Match columns of a focus F/5-12 'AC-DE' + inserts 'g' after C and 'hk' after E: residues 5 A, 6 C, 7 G
    (insert), 8 D, 9 E, 10 H, 11 K (inserts); its third column is a gap of the focus."""
    from seqgen.protein import whole_proteins

    positions, residues = [5, 6, -1, 8, 9], "ACGDEHK"
    codes = encode(["AC-DE", "WCYD-", "-C-DE"], PROTEIN_GAP)
    assert whole_proteins(codes, positions, residues, 5) == [
        "ACGDEHK",  # the focus itself
        "WCGYDHK",  # A5W, Y inserted after C6 (and its insert G7: after it), E9 deleted
        "CGDEHK",  # A5 deleted
    ]
    assert whole_proteins(encode(["-AC", "WAC"], PROTEIN_GAP), [-1, 1, 2], "ACK", 1) == ["ACK", "WACK"]
    assert whole_proteins(encode(["AC-", "ACW"], PROTEIN_GAP), [1, 2, -1], "ACK", 1) == ["ACK", "ACKW"]
