import gzip
import io

import numpy as np
import pytest
from Bio.SeqIO.FastaIO import SimpleFastaParser
from Bio.SeqIO.QualityIO import FastqGeneralIterator
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.alphabets import PAD
from seqgen.errors import SeqgenError
from seqgen.io import UNIPROBE_LINKER, read_sequences, write_fasta

records = st.lists(st.tuples(st.from_regex(r"[A-Za-z0-9_.|]{1,12}", fullmatch=True),
                             st.text("ACGTacgtn", min_size=1, max_size=50)), min_size=1, max_size=15)
clean_records = st.lists(st.tuples(st.from_regex(r"[A-Za-z0-9_.|]{1,12}", fullmatch=True),
                                   st.text("ACGTacgt", min_size=1, max_size=50)), min_size=1, max_size=15)


def fasta_text(recs, width, newline, lead=""):
    out = []
    for name, seq in recs:
        out.append(f">{lead}{name} some description{newline}")
        for i in range(0, len(seq), width):
            out.append(seq[i:i + width] + newline)
    return "".join(out)


@given(records, st.integers(1, 60), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.sampled_from(["", " ", " \t "]))
@settings(max_examples=60, deadline=None)
def test_fasta_matches_biopython(tmp_path_factory, recs, width, newline, gz, lead):
    path = tmp_path_factory.mktemp("fa") / ("x.fa.gz" if gz else "x.fa")
    text = fasta_text(recs, width, newline, lead)  # "> id": blanks before the id, as some tools write
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    expected = [(h.split()[0], s.upper()) for h, s in SimpleFastaParser(io.StringIO(text.replace("\r", "")))]
    expected = [(h, s) for h, s in expected if "N" not in s]
    if not expected:
        with pytest.raises(SeqgenError, match="every record contains an ambiguity code"):
            read_sequences(path, "dna", ambiguous="drop")
        return
    data = read_sequences(path, "dna", ambiguous="drop", lengths="pad", duplicate_ids="keep")
    assert list(zip(data.ids.tolist(), data.sequences)) == expected
    assert data.lengths.tolist() == [len(s) for _, s in expected]


@given(clean_records, st.sampled_from(["", " "]))
@settings(max_examples=30, deadline=None)
def test_fastq_matches_biopython(tmp_path_factory, recs, lead):
    text = "".join(f"@{lead}{n} desc\n{s}\n+\n{'I' * len(s)}\n" for n, s in recs)
    path = tmp_path_factory.mktemp("fq") / "x.fq"
    path.write_text(text)
    data = read_sequences(path, "dna", ambiguous="drop", lengths="pad", duplicate_ids="keep")
    expected = [(h.split()[0], s.upper()) for h, s, _ in FastqGeneralIterator(io.StringIO(text))]
    assert list(zip(data.ids.tolist(), data.sequences)) == expected


def test_length_policies(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">a\nACGT\n>b\nAC\n")
    with pytest.raises(SeqgenError, match="'b' \\(line 4\\) has length 2.*choose --lengths pad or trim"):
        read_sequences(path)
    padded = read_sequences(path, lengths="pad")
    assert padded.codes.shape == (2, 4) and padded.codes[1, 2:].tolist() == [PAD, PAD]
    assert padded.lengths.tolist() == [4, 2] and padded.sequences == ["ACGT", "AC"]
    trimmed = read_sequences(path, lengths="trim")
    assert trimmed.sequences == ["AC", "AC"]
    assert read_sequences(path, lengths="pad", length=6).codes.shape == (2, 6)


def test_ambiguity_policy(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">a\nACGT\n>b\nACNT\n>c\nTTTT\n")
    with pytest.raises(SeqgenError, match="record 'b' \\(line 4, column 3\\): 'N' is an ambiguity code"):
        read_sequences(path)
    data = read_sequences(path, ambiguous="drop")
    assert data.ids.tolist() == ["a", "c"] and data.meta["n_dropped"] == 1
    path.write_text(">a\nACGTACGT\n>b\nACGTACGTNN\n>c\nACNTACGTAA\n")  # b's Ns are trimmed off, c's are not
    for options in ({}, {"length": 8}):
        trimmed = read_sequences(path, ambiguous="drop", lengths="trim", **options)
        assert trimmed.ids.tolist() == ["a", "b"] and trimmed.sequences == ["ACGTACGT", "ACGTACGT"]
    with pytest.raises(SeqgenError, match="record 'c' \\(line 6, column 3\\)"):
        read_sequences(path, lengths="trim")


def test_trimming_to_the_shortest_kept_record_counts_the_ambiguity_codes_of_that_length(tmp_path):
    """Trimmed to the shortest record, but that record is dropped for its N: the others are kept at a greater
    length, which must not hold an ambiguity code (it was encoded as a letter code 253)."""
    path = tmp_path / "x.fa"
    path.write_text(">a\nACGTACGT\n>b\nACGTNCGT\n>c\nANG\n")
    data = read_sequences(path, ambiguous="drop", lengths="trim")
    assert data.ids.tolist() == ["a"] and data.sequences == ["ACGTACGT"] and data.meta["n_dropped"] == 2
    path.write_text(">a\nACGTACGT\n>b\nACGTNCGT\n>c\nANG\n>d\nACGTA\n")  # then d, 5 long, sets the length
    data = read_sequences(path, ambiguous="drop", lengths="trim")  # and b's N (letter 5) is in it
    assert data.ids.tolist() == ["a", "d"] and data.sequences == ["ACGTA", "ACGTA"]


def test_csv_with_labels_and_ids(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,seq,score,other\nr1,ACGT,1.5,x\nr2,acgg,-2,y\n")
    data = read_sequences(path, sequence_column="seq", label_columns=["score"], id_column="name")
    assert data.ids.tolist() == ["r1", "r2"] and data.sequences == ["ACGT", "ACGG"]
    assert data.labels[:, 0].tolist() == [1.5, -2.0] and data.label_names == ["score"]


def test_gzipped_tsv_like_the_chipseq_tables(tmp_path):
    path = tmp_path / "peaks.seq.gz"
    path.write_bytes(gzip.compress(b"FoldID\tEventID\tseq\tBound\nA\tp1\tACGTA\t1\nA\tp2\tTTTTA\t0\n"))
    data = read_sequences(path, sequence_column="seq", label_columns=["Bound"], id_column="EventID")
    assert data.ids.tolist() == ["p1", "p2"] and data.labels[:, 0].tolist() == [1, 0]


def test_dream5_table(tmp_path):
    path = tmp_path / "tf.txt"
    path.write_text("ACGTACGT\t100.5\t10\nTTTTACGT\t20\t11\n")
    data = read_sequences(path, format="dream5")
    assert data.codes.shape == (2, 8) and data.label_names == ["signal", "background"]
    assert data.labels.tolist() == [[100.5, 10], [20, 11]]


def test_uniprobe_table_strips_the_constant_linker(tmp_path, capsys):
    from seqgen.cli import main

    path = tmp_path / "wt1.txt"
    path.write_text(f"1000.5\t{'A' * 36}{UNIPROBE_LINKER}\n20\t{'C' * 36}{UNIPROBE_LINKER}\n")
    data = read_sequences(path, format="uniprobe")
    assert data.sequences == ["A" * 36, "C" * 36] and data.meta["linker"] == UNIPROBE_LINKER
    assert data.labels[:, 0].tolist() == [1000.5, 20]
    assert main(["encode", str(path), "--format", "uniprobe", "--out", str(tmp_path / "x.npz")]) == 0
    assert (f"the universal PBM linker (24 nt) ending every probe was removed, leaving the 36-nt variable regions; "
            f"design --linker {UNIPROBE_LINKER}") in capsys.readouterr().err  # 60-nt probes became 36 nt: say why


def test_uniprobe_keeps_the_linker_unless_every_probe_has_it_and_reads_a_bad_first_row(tmp_path, capsys):
    from seqgen.cli import main

    path = tmp_path / "wt1.txt"
    other = UNIPROBE_LINKER[:-1] + "A"
    path.write_text(f"1000.5\t{'A' * 36}{UNIPROBE_LINKER}\n20\t{'C' * 36}{other}\n")
    data = read_sequences(path, format="uniprobe")
    assert data.length == 60 and "linker" not in data.meta and data.meta["linker_missing"] == 1
    assert main(["encode", str(path), "--format", "uniprobe", "--out", str(tmp_path / "x.npz")]) == 0
    assert "1 of the 2 probes do not end with the universal PBM linker" in capsys.readouterr().err
    path.write_text(f"x\t{'A' * 36}\n20\t{'C' * 36}\n")  # a probe with a broken intensity, not a header
    with pytest.raises(SeqgenError, match="column 'intensity', line 1: label is 'x'"):
        read_sequences(path, format="uniprobe")


def test_a2m_keeps_focus_match_columns(tmp_path):
    path = tmp_path / "fam.a2m"
    path.write_text(">FOCUS/10-16\nmkVLa-GH\n>s2\n.-ILcAGH\n>s3\naaVIkAG-\n")
    data = read_sequences(path, alphabet="protein-gap")
    assert data.sequences == ["VL-GH", "ILAGH", "VIAG-"]
    assert data.meta["focus_start"] == 10
    assert data.meta["focus_positions"] == [12, 13, -1, 15, 16]


def test_a2m_plain_variable_length_rows(tmp_path):
    path = tmp_path / "fam.a2m"
    path.write_text(">q\nACDE\n>s\nAcc.CD-\n")
    assert read_sequences(path, alphabet="protein-gap").sequences == ["ACDE", "ACD-"]


def test_a2m_plain_rows_of_equal_length_keep_their_own_inserts_out(tmp_path):
    path = tmp_path / "fam.a2m"  # every row one insert letter, each in its own frame: not aligned FASTA
    path.write_text(">focus/1-5\nACdEF\n>s2\nAkCEF\n>s3\nA-EFm\n")
    data = read_sequences(path, alphabet="protein-gap")
    assert data.sequences == ["ACEF", "ACEF", "A-EF"]
    assert data.meta["focus_positions"] == [1, 2, 4, 5]


def test_a2m_never_drops_its_focus_nor_pads_its_rows(tmp_path):
    path = tmp_path / "fam.a2m"
    path.write_text(">focus/24-28\nAXDEF\n>s2\nACDEF\n>s3\nAXDEF\n")
    with pytest.raises(SeqgenError, match=r"record 'focus/24-28' \(line 2, column 2\): 'X' is an ambiguity code in "
                                          r"the focus sequence, which cannot be dropped"):
        read_sequences(path, alphabet="protein-gap", ambiguous="drop")
    path.write_text(">focus/24-28\nACDEF\n>s2\nAXDEF\n>s3\nACDEF\n")
    assert read_sequences(path, alphabet="protein-gap", ambiguous="drop").ids.tolist() == ["focus/24-28", "s3"]
    path.write_text(">focus/24-28\nACDEF\n>s2\nACDE\n")
    for policy in ("pad", "trim"):
        with pytest.raises(SeqgenError, match=f"--lengths {policy} would shift an alignment's columns"):
            read_sequences(path, alphabet="protein-gap", lengths=policy)


def test_a2m_errors_name_the_file_line_and_column(tmp_path):
    path = tmp_path / "fam.a2m"  # wrapped rows, as alignments often are; the X is on line 6, column 2
    path.write_text(">q/1-8\nmkVL\nAGHK\n>s\n..IL\nCXHK\n")
    with pytest.raises(SeqgenError, match=r"record 's' \(line 6, column 2\): 'X' is an ambiguity code"):
        read_sequences(path, alphabet="protein-gap")
    path.write_text(">q/1-8\nmkVL\nAGHK\n>s\nmkIL\nCGHK\n>t\nmkILCGHKA\n")
    with pytest.raises(SeqgenError, match=r"record 't' \(line 8\) has length 7.*must have the same match columns"):
        read_sequences(path, alphabet="protein-gap")


def test_write_fasta_round_trip(tmp_path):
    write_fasta(tmp_path / "o.fa", ["a", "b"], ["ACGT", "GGCC"], descriptions=["score=1", None])
    assert (tmp_path / "o.fa").read_text() == ">a score=1\nACGT\n>b\nGGCC\n"
    assert read_sequences(tmp_path / "o.fa").sequences == ["ACGT", "GGCC"]


def test_soft_masked_lowercase_is_accepted(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">a\nacgtACGT\n")
    assert read_sequences(path).sequences == ["ACGTACGT"]


@pytest.mark.realdata
def test_real_dream5_egr2(shared_data):
    data = read_sequences(shared_data / "pbm/dream5/Egr2_HK.txt", "dna", format="dream5")
    assert data.codes.shape == (39809, 35)
    assert data.label_names[0] == "signal" and data.labels[0, 0] == 3065.0
    assert data.sequences[0] == "AAAAAACAACAGGAGGGCATCATGGAGCTGTCCAG"


@pytest.mark.realdata
def test_real_alignment(shared_data):
    path = shared_data / "protein/BLAT_ECOLX_hmmerbit_plmc_n5_m30_f50_t0.2_r24-286_id100_b105.a2m"
    data = read_sequences(path, "protein-gap", ambiguous="drop")
    assert data.codes.shape[1] == 253 and data.ids[0] == "BLAT_ECOLX/24-286"
    assert data.meta["focus_positions"][0] == 29 and data.meta["focus_positions"][-1] == 283


@pytest.mark.parametrize("lengths", ["error", "pad", "trim"])
def test_records_with_a_missing_label_can_be_left_out(tmp_path, lengths):
    """A PBM table's flagged spots, a scan's unmeasured variants: encode stopped at the first, with no way on but
    editing the file. The records left out set no padded or trimmed length, and errors still name their lines."""
    path = tmp_path / "x.tsv"
    rows = [("a", "ACGTAC", "1.5"), ("b", "ACGTACGTAA", ""), ("c", "GGCCTA", "NA"), ("d", "TTGACA", "-2"),
            ("e", "ACG", "")]
    path.write_text("id\tsequence\tscore\n" + "".join("\t".join(r) + "\n" for r in rows))
    with pytest.raises(SeqgenError, match="line 3: label is a missing value \\(--missing-labels drop"):
        read_sequences(path, label_columns=["score"], lengths=lengths)
    data = read_sequences(path, label_columns=["score"], missing_labels="drop", lengths=lengths)
    assert data.ids.tolist() == ["a", "d"] and data.label("score").tolist() == [1.5, -2.0]
    assert data.sequences == ["ACGTAC", "TTGACA"]  # neither padded to 10 nor trimmed to 3 by the records left out
    assert data.meta["n_missing_labels"] == 3 and data.meta["n_read"] == 5
    path.write_text("id\tsequence\tscore\na\tACGT\t\nb\tACGT\t1\nc\tACXT\t2\n")
    with pytest.raises(SeqgenError, match=r"record 'c' \(line 4, letter 3 of its sequence\): 'X' is not"):
        read_sequences(path, label_columns=["score"], missing_labels="drop")
    path.write_text("id\tsequence\tscore\na\tACGT\t\n")
    with pytest.raises(SeqgenError, match="every one of the 1 records has a missing label"):
        read_sequences(path, label_columns=["score"], missing_labels="drop")


def test_table_errors_name_the_file_line_after_blank_lines_and_quoted_newlines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,sequence,score\na,ACGT,1.5\n\n  \nb,ACGT,2\nc,ACGT,\n")
    with pytest.raises(SeqgenError, match=r"column 'score', line 6: label is a missing value"):
        read_sequences(path, label_columns=["score"])
    kept = read_sequences(path, label_columns=["score"], missing_labels="keep")  # NaN, for predictions beside it
    assert np.isnan(kept.label("score")).tolist() == [False, False, True]
    path.write_text("id,sequence,score\na,ACGT,1.5\nb,ACGT,high\n")
    with pytest.raises(SeqgenError, match=r"line 3: label is 'high', not a finite number"):
        read_sequences(path, label_columns=["score"], missing_labels="keep")  # a word is still no number
    with pytest.raises(SeqgenError, match="missing-label policy must be one of error, keep, drop, not 'skip'"):
        read_sequences(path, label_columns=["score"], missing_labels="skip")
    path.write_text('id,sequence,score\n"a\nsecond line",ACGT,1.5\r\nb,ACGX,2\n')
    with pytest.raises(SeqgenError, match=r"record 'b' \(line 4, letter 4 of its sequence\): 'X' is not a letter"):
        read_sequences(path, label_columns=["score"])


def test_a_first_row_one_field_longer_than_the_header_is_refused_unless_every_row_is(tmp_path):
    """pandas reads the first field of such a row as a row name: the id became the sequence, the sequence a label.
    R's write.table layout (a row name on every row, none in the header) still reads right."""
    path = tmp_path / "x.csv"
    path.write_text("id,sequence,score\na,ACGT,1.0,extra\nb,ACGT,2\n")
    with pytest.raises(SeqgenError, match=r"x\.csv: cannot read as a comma-separated table: its first row has 4 "
                                          r"fields, the header 3 \(and other rows 3\)"):
        read_sequences(path, label_columns=["score"])
    path.write_text('sequence,score\n"r1",ACGT,1.5\n"r2",GGCA,2\n')  # R: write.table(df, sep=","): row names
    data = read_sequences(path, label_columns=["score"])
    assert data.sequences == ["ACGT", "GGCA"] and data.label("score").tolist() == [1.5, 2.0]


def test_fasta_error_columns_count_the_blanks_of_the_line(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">s1\nAC GT\nAC  GTNA\n>s2\nACGTACGTAC\n")
    with pytest.raises(SeqgenError, match=r"record 's1' \(line 3, column 7\): 'N' is an ambiguity code"):
        read_sequences(path)
    path = tmp_path / "x.a2m"  # an alignment's letters kept after the blanks
    path.write_text(">q/1-8\nmk VL\nAGHK\n>s\n..IL\nC XHK\n")
    with pytest.raises(SeqgenError, match=r"record 's' \(line 6, column 3\): 'X' is an ambiguity code"):
        read_sequences(path, alphabet="protein-gap")


@pytest.mark.parametrize("lengths", ["pad", "trim"])
def test_padding_and_trimming_copy_in_blocks_with_the_same_result(tmp_path, monkeypatch, lengths):
    import random

    from seqgen.io import encoding

    rng = random.Random(0)
    records = ["".join(rng.choice("ACGT") for _ in range(rng.randint(3, 40))) for _ in range(60)]
    path = tmp_path / "var.fa"
    path.write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(records)))
    whole = read_sequences(path, lengths=lengths)
    monkeypatch.setattr(encoding, "GATHER_BLOCK", 7)  # shorter than most records: many blocks (_gather_rows)
    blocks = read_sequences(path, lengths=lengths)
    assert (blocks.codes == whole.codes).all() and blocks.sequences == whole.sequences
    width = whole.length
    assert whole.sequences == [s[:width] for s in records]


def test_padding_beyond_the_memory_available_is_refused(tmp_path, monkeypatch):
    from seqgen.io import encoding

    path = tmp_path / "x.fa"
    path.write_text(">a\n" + "A" * 1000 + "\n" + "".join(f">b{i}\nAC\n" for i in range(99)))  # ~1.8 kB
    monkeypatch.setattr(encoding, "available_memory", lambda: 20_000)  # enough to parse, not to pad to 100 kB
    with pytest.raises(SeqgenError, match=r"x\.fa: 100 records padded to length 1000 need .* GiB, more than half"):
        read_sequences(path, lengths="pad")
    assert read_sequences(path, lengths="trim").length == 2


def test_numeric_columns_left_unread_draw_a_note(tmp_path, capsys):
    from seqgen.cli import main

    path = tmp_path / "probes.tsv"
    path.write_text("id\tsequence\tsignal\tbatch\tnote\np1\tACGT\t10.5\t1\tok\np2\tGGCA\t3\t2\tbad\n")
    assert main(["encode", str(path), "--out", str(tmp_path / "a.npz")]) == 0
    assert "note: " + str(path) + ": numeric columns signal, batch not read: --label-column signal keeps one" \
        in capsys.readouterr().err
    assert main(["encode", str(path), "--label-column", "signal", "--out", str(tmp_path / "b.npz")]) == 0
    assert "not read" not in capsys.readouterr().err
    assert main(["encode", str(path), "--negatives", "shuffle", "--out", str(tmp_path / "c.npz")]) == 0
    err = capsys.readouterr().err  # the negatives make the label: no advice that encode would then refuse
    assert "numeric columns signal, batch not read: --negatives shuffle makes the label, bound: 1 for these " \
        "sequences, 0 for their negatives" in err and "--label-column" not in err


def test_a_protein_records_final_stop_is_removed_and_an_inner_one_refused(tmp_path, capsys):
    from seqgen.cli import main

    path = tmp_path / "translated.fa"
    path.write_text(">a\nMKVL*\n>b\nMKAL\n>c\nMK*LA*\n")
    with pytest.raises(SeqgenError, match=r"record 'c' \(line 6, column 3\): '\*' is a stop"):
        read_sequences(path, "protein")
    data = read_sequences(path, "protein", ambiguous="drop")
    assert data.sequences == ["MKVL", "MKAL"] and data.meta["trailing_stops"] == 2 and data.meta["n_dropped"] == 1
    path.write_text(">a\nMKVL*\n>b\nMKAL*\n")
    assert main(["encode", str(path), "--alphabet", "protein", "--out", str(tmp_path / "p.npz")]) == 0
    assert "the stop '*' ending 2 of the 2 records was removed" in capsys.readouterr().err
    with pytest.raises(SeqgenError, match="is not a letter of the dna alphabet"):  # DNA has no stop letter
        read_sequences(path, "dna")


def test_encode_loads_no_pytorch(tmp_path):
    """Commands that need no model do not wait for PyTorch's import (2-3 s a call; the workflow's encode jobs)."""
    import subprocess
    import sys

    (tmp_path / "s.fa").write_text(">a\nACGT\n>b\nTTGA\n")
    code = ("import sys; from seqgen.cli import main; "
            f"assert main(['encode', {str(tmp_path / 's.fa')!r}, '--out', {str(tmp_path / 's.npz')!r}]) == 0; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False") and (tmp_path / "s.npz").exists()


def test_fastq_errors_name_the_line_at_fault(tmp_path):
    path = tmp_path / "x.fq"
    path.write_text("@a\nACGT\n+\nIIII\n@b\nACG\n+\nII\n")  # b's qualities (line 8) are one short of line 6
    with pytest.raises(SeqgenError, match=r"record 'b' \(line 6\): quality line length differs"):
        read_sequences(path)
    path.write_text("@a\nACGT\n+\nIIII\n@b\nACGT\n-\nIIII\n")
    with pytest.raises(SeqgenError, match=r"malformed FASTQ: line 7 should start with '\+'"):
        read_sequences(path)
    path.write_text("@a\nACGT\n+\nIIII\nb\nACGT\n+\nIIII\n")
    with pytest.raises(SeqgenError, match=r"malformed FASTQ: line 5 should start with '@'"):
        read_sequences(path)
    path.write_text("@a\nACGT\n+\nIIII\n@b\nGGCA\n+\nIIII\n\n\n")  # blank lines at the end are not a record
    assert read_sequences(path).sequences == ["ACGT", "GGCA"]


def test_a2m_focus_residues_numbering_without_a_range_and_unnamed_records(tmp_path):
    path = tmp_path / "fam.a2m"
    path.write_text(">F/5-10\nAC-de.FG\n>s\nAC-..FG\n")  # plain A2M: inserts d, e upper-cased in focus_residues
    data = read_sequences(path, alphabet="protein-gap")
    assert data.meta["focus_residues"] == "ACDEFG" and "focus_range_mismatch" not in data.meta
    assert data.sequences == ["AC-FG", "AC-FG"] and data.meta["focus_positions"] == [5, 6, -1, 9, 10]
    path.write_text(">F\nACdEF\n>s\nACdEF\n")  # no NAME/START-END: numbered from 1
    assert read_sequences(path, alphabet="protein-gap").meta["focus_positions"] == [1, 2, 4, 5]
    path = tmp_path / "x.fa"
    path.write_text(">a\nACGT\n>\nGGCC\n>  \nTTAA\n")  # headers without an id: named by their record number
    assert read_sequences(path).ids.tolist() == ["a", "record_2", "record_3"]


def test_table_rows_without_an_id_column_are_numbered_from_1(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("sequence,y\nACGT,1\nGGCC,2\n")
    assert read_sequences(path).ids.tolist() == ["row_1", "row_2"]


def test_duplicated_ids_name_their_lines_after_a_dropped_record(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">n\nACNT\n>a\nACGT\n>b\nACGA\n>a\nGGCC\n")  # n (line 2) is dropped first
    with pytest.raises(SeqgenError, match=r"duplicated id 'a' \(sequences at lines 4 and 8\)"):
        read_sequences(path, ambiguous="drop")


def test_lengths_error_names_the_first_record_as_reference_and_refuses_length_0(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">a\nAC\n>b\nACGT\n>c\nAC\n")  # the first record is the shortest
    with pytest.raises(SeqgenError, match=r"record 'b' \(line 4\) has length 4, but the first record 'a' has "
                                          r"length 2 \(choose --lengths pad or trim\)"):
        read_sequences(path)
    for policy in ("pad", "trim"):
        with pytest.raises(SeqgenError, match="--length must be positive, not 0"):
            read_sequences(path, lengths=policy, length=0)


def test_old_mac_line_endings_are_read(tmp_path):
    path = tmp_path / "x.fa"
    path.write_bytes(b">a\rACGT\r>b\rGG\rCC\r")  # a lone CR ends each line
    data = read_sequences(path)
    assert data.ids.tolist() == ["a", "b"] and data.sequences == ["ACGT", "GGCC"]


def test_a_gzip_whose_size_field_wrapped_is_taken_as_three_times_its_size(tmp_path, monkeypatch):
    """The gzip trailer holds the size modulo 4 GiB: a 4.1 GiB file may claim 100 MB. The check takes at least
    three times the compressed size."""
    from seqgen.io import records

    path = tmp_path / "x.fa.gz"
    packed = gzip.compress(b"".join(b">s%d\nACGTACGTACGT\n" % i for i in range(2000)), mtime=0)
    path.write_bytes(packed[:-4] + (0).to_bytes(4, "little"))  # the size field of a file of exactly 4 GiB
    monkeypatch.setattr(records, "available_memory", lambda: 5 * 3 * len(packed))  # 6 x 3 x size would not fit
    with pytest.raises(SeqgenError, match="too large to read here"):
        read_sequences(path)


def test_padding_needing_more_than_half_the_memory_is_refused(tmp_path, monkeypatch):
    from seqgen.io import encoding

    path = tmp_path / "x.fa"
    path.write_text(">a\n" + "A" * 1000 + "\n" + "".join(f">b{i}\nAC\n" for i in range(99)))  # pads to 100 kB
    monkeypatch.setattr(encoding, "available_memory", lambda: 150_000)  # parsing fits; 100 kB is above half
    with pytest.raises(SeqgenError, match=r"100 records padded to length 1000 need .* more than half"):
        read_sequences(path, lengths="pad")
    monkeypatch.setattr(encoding, "available_memory", lambda: 250_000)
    assert read_sequences(path, lengths="pad").codes.shape == (100, 1000)


def test_uniprobe_header_row_is_skipped_and_lines_still_counted(tmp_path):
    path = tmp_path / "wt1.txt"
    path.write_text(f"Intensity\tSequence\n1000.5\t{'A' * 36}{UNIPROBE_LINKER}\n20\t{'C' * 36}{UNIPROBE_LINKER}\n")
    data = read_sequences(path, format="uniprobe")
    assert data.ids.tolist() == ["probe_1", "probe_2"] and data.sequences == ["A" * 36, "C" * 36]
    assert data.labels[:, 0].tolist() == [1000.5, 20]
    path.write_text(f"Intensity\tSequence\n1000.5\t{'A' * 36}\nNA\t{'C' * 36}\n")
    with pytest.raises(SeqgenError, match="column 'intensity', line 3: label is a missing value"):
        read_sequences(path, format="uniprobe")


def test_an_a3m_file_is_read_as_an_alignment(tmp_path):
    """A3M (HHblits, ColabFold): lower-case inserts without A2M's '.' padding, so rows differ in length."""
    path = tmp_path / "fam.a3m"
    path.write_text(">F/1-5\nMKVLA\n>s1\nMKgvVLA\n>s2\nM-VLAk\n")
    data = read_sequences(path, "protein-gap")
    assert data.sequences == ["MKVLA", "MKVLA", "M-VLA"] and data.meta["focus_id"] == "F/1-5"


def test_one_label_column_may_be_named_by_a_string(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("id\tsequence\tsignal\na\tACGT\t1.5\nb\tGGCC\t2\n")
    data = read_sequences(path, "dna", label_columns="signal")  # was: "no column 's'"
    assert data.label_names == ["signal"] and data.labels[:, 0].tolist() == [1.5, 2.0]


def test_a2m_focus_named_by_id_is_moved_first_and_errors_still_name_file_lines(tmp_path):
    first = tmp_path / "first.a2m"  # aligned FASTA (equal rows), the focus F/10-15 first
    first.write_text(">F/10-15\nmK-VLaGH\n>s1\nmKIVLaGH\n>s2\naK-ILcAG\n")
    later = tmp_path / "later.a2m"  # the same records, the focus third and wrapped over two lines
    later.write_text(">s1\nmKIVLaGH\n>s2\naK-ILcAG\n>F/10-15\nmK-V\nLaGH\n")
    expected = read_sequences(first, alphabet="protein-gap")
    data = read_sequences(later, alphabet="protein-gap", focus="F/10-15")
    assert data.ids.tolist() == ["F/10-15", "s1", "s2"] and data.sequences == expected.sequences == [
        "K-VLGH", "KIVLGH", "K-ILAG"]
    for key in ("focus_id", "focus_start", "focus_positions", "focus_residues"):
        assert data.meta[key] == expected.meta[key]
    assert read_sequences(later, alphabet="protein-gap").meta["focus_id"] == "s1"  # the default: the first record
    later.write_text(">s1\nmKIVLaGH\n>s2\naK-ILcAX\n>F/10-15\nmK-V\nLaGH\n")
    with pytest.raises(SeqgenError, match=r"record 's2' \(line 4, column 8\): 'X' is an ambiguity code"):
        read_sequences(later, alphabet="protein-gap", focus="F/10-15")
    with pytest.raises(SeqgenError, match=r"--focus 'G': no record has this id \(the first record's is 's1'\)"):
        read_sequences(later, alphabet="protein-gap", focus="G")
    later.write_text(">s1\nmKIVLaGH\n>F\nmK-VLaGH\n>F\naK-ILcAG\n")
    with pytest.raises(SeqgenError, match=r"--focus 'F': 2 records \(lines 3, 5\) have this id"):
        read_sequences(later, alphabet="protein-gap", focus="F", duplicate_ids="keep")
    with pytest.raises(SeqgenError, match="--focus names an alignment's focus sequence, but this is read as fasta"):
        read_sequences(later, alphabet="protein-gap", format="fasta", focus="F")


def test_encode_focus_option(tmp_path):
    from seqgen.cli import main
    from seqgen.data import SequenceSet

    path = tmp_path / "fam.a2m"
    path.write_text(">s1\nKIVLaGH\n>F/3-8\nK-VLaGH\n")
    assert main(["encode", str(path), "--alphabet", "protein-gap", "--focus", "F/3-8",
                 "--out", str(tmp_path / "f.npz")]) == 0
    data = SequenceSet.load(tmp_path / "f.npz")
    assert data.meta["focus_id"] == "F/3-8" and data.meta["focus_positions"] == [3, -1, 4, 5, 7, 8]


def test_a_pipe_and_standard_input_are_read_whole(monkeypatch):
    """`seqgen predict --input /dev/stdin` (or `<(zcat x.fa.gz)`) read a pipe twice: the memory check's first
    bytes took the data, and the reader found the file empty; `-` is standard input."""
    import os
    import sys

    text = b">a\nACGTACGT\n>b\nTTTTGGGG\n"
    read, write = os.pipe()
    os.write(write, gzip.compress(text))  # a pipe gives no size, and may hold gzip
    os.close(write)
    try:
        data = read_sequences(f"/proc/self/fd/{read}", "dna", "fasta")
    finally:
        os.close(read)
    assert list(data.ids) == ["a", "b"] and data.sequences == ["ACGTACGT", "TTTTGGGG"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    assert read_sequences("-", "dna", "fasta").sequences == ["ACGTACGT", "TTTTGGGG"]
    with pytest.raises(SeqgenError, match="^standard input: no file name to tell the format by; pass --format"):
        read_sequences("-", "dna")
