import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.alphabets import DNA, PAD, PROTEIN, RNA, decode, encode, get_alphabet, reverse_complement
from seqgen.data import codes_from_one_hot, one_hot

dna_seqs = st.integers(1, 40).flatmap(lambda n: st.lists(st.text("ACGTacgt", min_size=n, max_size=n), min_size=1,
                                                         max_size=20))


@given(dna_seqs)
def test_dna_round_trip_is_case_insensitive(seqs):
    codes = encode(seqs, "dna")
    assert codes.dtype == np.uint8 and codes.shape == (len(seqs), len(seqs[0]))
    assert decode(codes, "dna") == [s.upper() for s in seqs]


@given(st.lists(st.text(PROTEIN.letters, min_size=7, max_size=7), min_size=1, max_size=10))
def test_protein_round_trip(seqs):
    assert decode(encode(seqs, PROTEIN), PROTEIN) == seqs


@given(dna_seqs)
def test_reverse_complement_is_an_involution_and_matches_letters(seqs):
    codes = encode(seqs, DNA)
    rc = reverse_complement(codes, DNA)
    assert np.array_equal(reverse_complement(rc, DNA), codes)
    table = str.maketrans("ACGT", "TGCA")
    assert decode(rc, DNA) == [s.upper().translate(table)[::-1] for s in seqs]


def test_reverse_complement_keeps_padding_at_the_end():
    codes = np.array([[0, 0, 2, PAD, PAD]], dtype=np.uint8)  # AAG
    assert decode(reverse_complement(codes, DNA), DNA) == ["CTT"]
    assert reverse_complement(codes, DNA)[0, 3:].tolist() == [PAD, PAD]


def test_rna_uses_u():
    assert decode(reverse_complement(encode(["AACU"], RNA), RNA), RNA) == ["AGUU"]


def test_ambiguous_and_invalid_letters_are_refused():
    with pytest.raises(ValueError, match="'N' at position 3"):
        encode(["ACNT"], DNA)
    with pytest.raises(ValueError, match="'Z'"):
        encode(["AZ"], "protein")
    with pytest.raises(ValueError, match="unknown alphabet"):
        get_alphabet("klingon")


@given(dna_seqs)
@settings(max_examples=30)
def test_one_hot_numpy_and_torch_agree_and_invert(seqs):
    import torch

    codes = encode(seqs, DNA)
    x = one_hot(codes, 4)
    assert x.shape == (len(seqs), 4, codes.shape[1])
    assert np.array_equal(x.sum(axis=1), np.ones(codes.shape))
    xt = one_hot(torch.from_numpy(codes), 4)
    assert np.array_equal(xt.numpy(), x)
    assert np.array_equal(codes_from_one_hot(x), codes)


def test_one_hot_of_padding_is_zero():
    x = one_hot(np.array([[1, PAD]], dtype=np.uint8), 4)
    assert x[0, :, 1].sum() == 0 and x[0, 1, 0] == 1
    assert codes_from_one_hot(x)[0, 1] == PAD


def test_one_hot_in_numpy_is_the_table_lookup_it_replaced():
    rng = np.random.default_rng(0)
    for size in (4, 20, 21):
        codes = rng.integers(0, size + 3, (50, 17)).astype(np.uint8)  # letters, codes past the alphabet
        codes[rng.random(codes.shape) < 0.1] = PAD
        table = np.zeros((256, size), dtype=np.float32)
        table[np.arange(size), np.arange(size)] = 1.0
        got = one_hot(codes, size)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        assert np.array_equal(got, table[codes].transpose(0, 2, 1))


def test_kmer_index_reads_windows_as_numbers_and_marks_padding():
    from seqgen.alphabets import kmer_index

    codes = np.array([[0, 1, 2, 3, PAD]], dtype=np.uint8)  # ACGT + pad
    assert kmer_index(codes, 2, 4).tolist() == [[0 * 4 + 1, 1 * 4 + 2, 2 * 4 + 3, -1]]
    assert kmer_index(codes, 6, 4).shape == (1, 0)


def test_a_single_string_encodes_as_one_sequence():
    assert encode("ACGT", "dna").shape == (1, 4)
    assert encode(b"ACGT", "dna").shape == (1, 4)
    assert decode(encode("ACGT", "dna"), "dna") == ["ACGT"]


def test_decode_drops_padding_inside_a_sequence_too():
    """A zero column (an N) inside a one-hot sequence becomes PAD; decoding gave 'AC\\x00GT'."""
    x = one_hot(np.array([[0, 1, PAD, 2, 3], [PAD, 0, 1, 2, 3], [0, 1, 2, 3, PAD]], np.uint8), 4)
    assert decode(codes_from_one_hot(x), "dna") == ["ACGT", "ACGT", "ACGT"]


def test_one_hot_takes_lists_and_refuses_one_dimensional_codes():
    assert one_hot([[0, 1, 2, 3]], 4).shape == (1, 4, 4)
    np.testing.assert_array_equal(one_hot([[0, 3]], 4), one_hot(np.array([[0, 3]], np.uint8), 4))
    with pytest.raises(ValueError, match=r"\(N, L\) codes.*codes\[None\]"):
        one_hot(np.array([0, 1, 2], np.uint8), 4)
    with pytest.raises(ValueError, match=r"\(N, L\) codes"):
        one_hot(torch.zeros(3, dtype=torch.uint8), 4)
