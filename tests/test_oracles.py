import itertools

import numpy as np
import pytest

from seqgen.alphabets import DNA, encode, reverse_complement
from seqgen.oracles import KmerOracle, tfbind8_path, window_kmers


def toy_oracle(site="GCGTGGGC", strong=1000.0):
    """All 8-mers at median 1, one site (and its reverse complement) strong."""
    table = str.maketrans("ACGT", "TGCA")
    every = ["".join(p) for p in itertools.product("ACGT", repeat=8)]
    kmers = [k for k in every if k <= k.translate(table)[::-1]]  # reverse complements merged, as in real tables
    rc = [k.translate(table)[::-1] for k in kmers]
    median = np.random.default_rng(1).lognormal(0, 0.3, len(kmers))  # background spread
    escore = np.zeros(len(kmers))
    for i, k in enumerate(kmers):
        if k == site or rc[i] == site:
            median[i], escore[i] = strong, 0.5
    return KmerOracle(kmers, rc, median, escore)


def brute_force(oracle, seq):
    """Expected occupied windows by enumerating every non-overlapping placement."""
    codes = encode([seq], DNA)
    q = oracle.odds[window_kmers(codes)][0]
    total = z = 0.0
    n = len(q)
    for mask in range(1 << n):
        chosen = [i for i in range(n) if mask >> i & 1]
        if any(b - a < 8 for a, b in zip(chosen, chosen[1:])):
            continue
        w = np.prod([q[i] for i in chosen]) if chosen else 1.0
        z += w
        total += w * len(chosen)
    return total / z


def test_forward_backward_matches_enumeration():
    oracle = toy_oracle()
    rng = np.random.default_rng(0)
    for _ in range(3):
        seq = "".join(rng.choice(list("ACGT"), 14)) + "GCGTGGGC"
        assert oracle.occupancy(encode([seq], DNA))[0] == pytest.approx(brute_force(oracle, seq), rel=1e-9)


def test_sites_count_on_both_strands_and_cannot_overlap():
    oracle = toy_oracle()
    none = encode(["A" * 36], DNA)
    one = encode(["A" * 10 + "GCGTGGGC" + "A" * 18], DNA)
    two = encode(["GCGTGGGC" * 2 + "A" * 20], DNA)
    occ = oracle.occupancy(np.concatenate([none, one, reverse_complement(one, DNA), two]))
    assert occ[1] == pytest.approx(occ[2]) and occ[1] - occ[0] > 0.5 and occ[3] - occ[1] > 0.5
    assert occ.max() <= 36 / 8
    assert oracle.max_escore(one)[0] == 0.5 and oracle.max_escore(none)[0] == 0.0


@pytest.mark.realdata
def test_real_table_scores_a_site_above_random(shared_data):
    oracle = KmerOracle.from_file(tfbind8_path(shared_data / "tfbind8", "EGR2"))
    rng = np.random.default_rng(0)
    random = rng.integers(0, 4, (2000, 36)).astype(np.uint8)
    site = encode(["A" * 14 + "GCGTGGGCG" + "A" * 13], DNA)  # an EGR consensus site
    occ = oracle.occupancy(random)
    assert 0 <= occ.min() and occ.max() <= 4
    assert oracle.occupancy(site)[0] > np.percentile(occ, 99)


def test_binding_odds_are_the_documented_function_of_the_medians():
    """q = exp((log(M / bg) - h) / s), bg the median of the medians, h the 99.9th percentile of log(M / bg), s = h/4;
    both orientations of an 8-mer get its odds."""
    table = str.maketrans("ACGT", "TGCA")
    kmers = [k for k in ("".join(p) for p in itertools.product("ACGT", repeat=8)) if k <= k.translate(table)[::-1]]
    rc = [k.translate(table)[::-1] for k in kmers]
    median = np.random.default_rng(2).lognormal(0, 1.0, len(kmers)) + 0.5  # skewed: mean and median differ
    oracle = KmerOracle(kmers, rc, median, np.zeros(len(kmers)))
    log_ratio = np.log(median / np.median(median))
    h = np.percentile(log_ratio, 99.9)
    expected = np.exp((log_ratio - h) / (h / 4))
    assert (expected > 1).mean() == pytest.approx(0.001, abs=2 / len(kmers))  # odds above 1: the top 0.1%
    for orientation in (kmers, rc):
        np.testing.assert_allclose(oracle.odds[window_kmers(encode(orientation, DNA))[:, 0]], expected, rtol=1e-12)


def test_windows_past_a_shorter_sequences_end_bind_nothing():
    """kmer_index marks a window holding PAD -1: it must not be read as the last 8-mer, TTTTTTTT."""
    from seqgen.alphabets import PAD

    oracle = toy_oracle(site="AAAAAAAA")  # TTTTTTTT, its reverse complement, is the strong site
    codes = encode(["ACGCGCGCGCAC"], DNA)
    padded = np.concatenate([codes, np.full((1, 8), PAD, np.uint8)], 1)
    assert oracle.occupancy(padded)[0] == pytest.approx(oracle.occupancy(codes)[0], rel=1e-12)
    assert oracle.occupancy(codes)[0] < 0.5 and oracle.max_escore(padded)[0] == oracle.max_escore(codes)[0] == 0.0
