import numpy as np
import pytest

from seqgen.alphabets import encode
from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError


def make_set(n=10, length=8, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, (n, length)).astype(np.uint8)
    return SequenceSet(codes, "dna", [f"s{i}" for i in range(n)], labels=rng.normal(size=(n, 2)),
                       label_names=["a", "b"], meta={"source": "test"})


def test_save_load_round_trip(tmp_path):
    data = make_set()
    data.save(tmp_path / "d.npz")
    back = SequenceSet.load(tmp_path / "d.npz")
    assert np.array_equal(back.codes, data.codes) and back.codes.dtype == np.uint8
    assert back.ids.tolist() == data.ids.tolist()
    assert np.allclose(back.labels, data.labels) and back.label_names == ["a", "b"]
    assert back.alphabet.name == "dna" and back.meta == {"source": "test"}
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]  # no temp file left


def test_split_is_disjoint_and_deterministic():
    data = make_set(100)
    rest, held = data.split(0.2, seed=3)
    assert len(held) == 20 and len(rest) == 80
    assert not set(rest.ids) & set(held.ids)
    assert data.split(0.2, seed=3)[1].ids.tolist() == held.ids.tolist()


def test_split_can_keep_the_first_sequence_an_alignment_s_focus():
    data = make_set(50)
    for seed in range(20):
        rest, held = data.split(0.5, seed=seed, keep_first=True)
        assert rest.ids[0] == "s0" and "s0" not in held.ids and len(held) == 24 and len(rest) == 26
        assert sorted([*rest.ids, *held.ids]) == sorted(data.ids)
    assert any("s0" in data.split(0.5, seed=seed)[1].ids for seed in range(20))  # without it, s0 is drawn too


def test_label_access():
    data = make_set()
    assert np.array_equal(data.label("b"), data.labels[:, 1])
    with pytest.raises(SeqgenError, match="no label 'c'"):
        data.label("c")


def test_load_refuses_a_file_that_is_not_a_data_set(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SeqgenError, match="not a seqgen data file"):
        SequenceSet.load(bad)
    np.savez(tmp_path / "other.npz", something=np.zeros(3))
    with pytest.raises(SeqgenError, match="missing"):
        SequenceSet.load(tmp_path / "other.npz")


def test_sequences_property_decodes():
    data = SequenceSet(encode(["ACGT", "TTTT"], "dna"), "dna", ["a", "b"])
    assert data.sequences == ["ACGT", "TTTT"]


def test_padded_appends_pad_and_keeps_the_rest():
    from seqgen.alphabets import PAD

    data = make_set(n=3, length=8)
    wide = data.padded(11)
    assert wide.codes.shape == (3, 11) and (wide.codes[:, 8:] == PAD).all()
    assert np.array_equal(wide.codes[:, :8], data.codes) and wide.sequences == data.sequences
    assert np.array_equal(wide.labels, data.labels) and wide.lengths.tolist() == [8, 8, 8]
    with pytest.raises(ValueError, match="cannot pad sequences of length 8 to 5"):
        data.padded(5)


def test_fingerprint_follows_codes_and_labels():
    data = make_set()
    same = make_set()
    relabelled = make_set()
    relabelled.labels[3, 1] += 1.0
    recoded = make_set()
    recoded.codes[0, 0] = (recoded.codes[0, 0] + 1) % 4
    assert data.fingerprint() == same.fingerprint()
    assert len({data.fingerprint(), relabelled.fingerprint(), recoded.fingerprint()}) == 3


def test_split_rounds_the_held_out_count_and_keeps_the_input_order():
    data = make_set(10)
    rest, held = data.split(0.29, seed=0)  # 2.9 sequences: 3 held out
    assert len(held) == 3 and len(rest) == 7
    for part in (rest, held):
        index = [int(i[1:]) for i in part.ids]
        assert index == sorted(index) and np.array_equal(part.codes, data.codes[index])
    assert sorted(int(i[1:]) for i in [*rest.ids, *held.ids]) == list(range(10))


def test_label_without_a_name_is_the_first_column():
    data = make_set()
    assert np.array_equal(data.label(), data.labels[:, 0])


def test_padded_protein_of_nucleotide_letters_looks_like_dna():
    protein = SequenceSet(encode(["ACGT", "TTGA"], "protein"), "protein", ["a", "b"])
    assert protein.looks_like_dna() and protein.padded(6).looks_like_dna()
    assert not SequenceSet(encode(["ACGW"], "protein"), "protein", ["a"]).looks_like_dna()
    assert not SequenceSet(encode(["ACGT"], "dna"), "dna", ["a"]).looks_like_dna()


def test_a_subset_or_split_with_no_sequences_keeps_the_labels():
    data = SequenceSet(encode(["ACGT", "GGCC"], "dna"), "dna", ["a", "b"], labels=np.array([[1.0], [2.0]]),
                       label_names=["y"])
    empty = data.subset(np.zeros(2, dtype=bool))
    assert empty.codes.shape == (0, 4) and empty.labels.shape == (0, 1) and empty.label_names == ["y"]
    rest, held_out = data.split(0.0)
    assert len(rest) == 2 and len(held_out) == 0 and held_out.labels.shape == (0, 1)
    assert SequenceSet(np.zeros((0, 5), np.uint8), "dna", []).labels.shape == (0, 0)


def test_sets_compare_by_content_and_a_round_trip_is_equal(tmp_path):
    data = make_set()
    data.save(tmp_path / "d.npz")
    back = SequenceSet.load(tmp_path / "d.npz")
    assert back == data  # the path it was loaded from is not compared
    assert data.subset(np.arange(len(data))) == data
    assert data.subset(np.arange(len(data) - 1)) != data
    assert data != data.subset(np.arange(len(data))[::-1])


def test_chromosomes_of_genome_intervals_follow_subsets_padding_and_round_trips(tmp_path):
    data = make_set()
    assert data.chroms is None
    data.save(tmp_path / "plain.npz")
    assert "chroms" not in np.load(tmp_path / "plain.npz").files and SequenceSet.load(tmp_path / "plain.npz") == data
    chroms = np.array([f"chr{i % 3}" for i in range(len(data))])
    genomic = SequenceSet(data.codes, data.alphabet, data.ids, data.lengths, data.labels, data.label_names,
                          dict(data.meta), chroms=chroms)
    assert genomic != data and genomic.chroms.tolist() == chroms.tolist()
    genomic.save(tmp_path / "g.npz")
    back = SequenceSet.load(tmp_path / "g.npz")
    assert back == genomic and back.chroms.tolist() == chroms.tolist()
    rest, held = genomic.split(0.4, seed=1)
    assert sorted([*rest.chroms, *held.chroms]) == sorted(chroms)
    assert all(chroms[data.ids.tolist().index(i)] == c for i, c in zip(held.ids, held.chroms))
    assert genomic.padded(genomic.length + 3).chroms.tolist() == chroms.tolist()
    other = SequenceSet(data.codes, data.alphabet, data.ids, data.lengths, data.labels, data.label_names,
                        dict(data.meta), chroms=chroms[::-1])
    assert other != genomic
    with pytest.raises(ValueError, match="chroms and codes disagree"):
        SequenceSet(data.codes, data.alphabet, data.ids, chroms=chroms[:-1])


def test_genome_places_follow_subsets_padding_and_round_trips(tmp_path):
    data = make_set()
    n = len(data)
    place = {"chroms": np.array([f"chr{i % 2}" for i in range(n)]), "starts": np.arange(n) * 1000 + 7,
             "strands": np.array(["+", "-", "."] * n)[:n]}
    placed = SequenceSet(data.codes, data.alphabet, data.ids, data.lengths, data.labels, data.label_names,
                         dict(data.meta), **place)
    assert placed.starts.dtype == np.int64 and placed != data
    assert placed != SequenceSet(data.codes, data.alphabet, data.ids, data.lengths, data.labels, data.label_names,
                                 dict(data.meta), chroms=place["chroms"])  # a chromosome alone is not a place
    placed.save(tmp_path / "p.npz")
    back = SequenceSet.load(tmp_path / "p.npz")
    assert back == placed and {"chroms", "starts", "strands"} <= set(np.load(tmp_path / "p.npz").files)
    rows = np.array([4, 0, 2])
    part = placed.subset(rows)
    assert part.starts.tolist() == place["starts"][rows].tolist()
    assert part.strands.tolist() == place["strands"][rows].tolist()
    assert placed.padded(placed.length + 2).locus().keys() == place.keys()
    moved = dict(place, starts=place["starts"] + 1)
    assert placed != SequenceSet(data.codes, data.alphabet, data.ids, data.lengths, data.labels, data.label_names,
                                 dict(data.meta), **moved)
    with pytest.raises(ValueError, match="starts and codes disagree"):
        SequenceSet(data.codes, data.alphabet, data.ids, starts=place["starts"][:-1])


@pytest.mark.parametrize("fraction", [-0.2, 1.5, 100])
def test_split_refuses_a_fraction_outside_0_and_1(fraction):
    """-0.2 held out 80% without a word (a negative slice)."""
    with pytest.raises(ValueError, match="between 0 and 1"):
        make_set().split(fraction)
