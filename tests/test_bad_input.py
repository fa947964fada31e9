"""Every bad input gives a one-line error naming the file and the problem, exit 1, and no output."""
import gzip

import pytest

from seqgen.cli import main

GOOD = ">a\nACGT\n>b\nGGCC\n"


def run_encode(tmp_path, capsys, name, content, *extra):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out.npz"
    status = main(["encode", str(path), "--out", str(out), *extra])
    err = capsys.readouterr().err.strip()
    return status, err, out, path


CASES = [
    ("empty", "x.fa", "", (), "file is empty"),
    ("blank lines only", "x.fa", "\n\n  \n", (), "file is empty"),
    ("binary", "x.fa", bytes(range(256)) * 4, (), "binary content"),
    ("html", "x.fa", "<!DOCTYPE html><html><body>Not found</body></html>\n", (), "not a FASTA file: line 1"),
    ("pdf", "x.fa", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", (), "PDF document"),
    ("record without sequence", "x.fa", ">a\nACGT\n>empty\n>c\nACGT\n", (), "record 'empty' (line 3) has no sequence"),
    ("invalid character", "x.fa", ">a\nACGT\n>b\nAC\nGZ\n", (), "record 'b' (line 5, column 2): 'Z' is not a letter"),
    ("wrong alphabet", "x.fa", ">p\nMKVLA\n", (), "column 4): 'L' is not a letter of the dna alphabet (is this a "
                                                  "protein file? it needs the protein alphabet, or protein-gap for an alignment)"),
    ("duplicated ids", "x.fa", ">a\nACGT\n>a\nACGA\n", (), "duplicated id 'a' (sequences at lines 2 and 4)"),
    ("csv without the column", "x.csv", "id,seq\na,ACGT\n", (), "no column 'sequence'"),
    ("nan label", "x.csv", "sequence,y\nACGT,1\nACGA,NaN\n", ("--label-column", "y"), "line 3: label is a missing"),
    ("inf label", "x.csv", "sequence,y\nACGT,inf\n", ("--label-column", "y"), "not a finite number"),
    ("text label", "x.csv", "sequence,y\nACGT,high\n", ("--label-column", "y"), "'high', not a finite number"),
    ("mixed lengths", "x.fa", ">a\nACGT\n>b\nACG\n", (), "has length 3, but the first record 'a' has length 4"),
    ("truncated gzip", "x.fa.gz", gzip.compress(GOOD.encode() * 50)[:-30], (), "truncated or corrupt gzip"),
    ("truncated fastq", "x.fq", "@a\nACGT\n+\nIIII\n@b\nACGT\n", (), "the FASTQ file is truncated, or its records"),
    ("multi-line fastq", "x.fq", "@a\nAC\nGT\n+\nII\nII\n@b\nACGT\n+\nIIII\n", (), "span more than 4 lines"),
    ("blank line in fastq", "x.fq", "@a\nACGT\n+\nIIII\n\n@b\nACGT\n+\nIIII\n", (), "line 5 of the FASTQ file is "
                                                                                        "blank"),
    ("csv without an id", "x.csv", "id,sequence\n,ACGT\nb,ACGA\n", (), "column 'id', line 2: the id is missing"),
    ("fastq bad quality", "x.fq", "@a\nACGT\n+\nIII\n", (), "quality line length differs"),
    ("unknown extension", "x.dat", GOOD, (), "cannot tell the format"),
    ("dream5 wrong columns", "x.txt", "ACGT\t1\n", ("--format", "dream5"), "has 3 tab-separated columns"),
    ("ambiguity code", "x.fa", ">a\nACNT\n", (), "'N' is an ambiguity code"),
    ("stop in a protein", "x.fa", ">a\nMK*V*\n", ("--alphabet", "protein"), "column 3): '*' is a stop (use --ambiguous"),
    ("dna read as rna", "x.fa", ">a\nACGT\n", ("--alphabet", "rna"), "'T' is not a letter of the rna alphabet (is "
                                                                     "this DNA? it needs the dna alphabet)"),
    ("label of a fasta", "x.fa", GOOD, ("--label-column", "y"), "a fasta file has no label columns to read y"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_one_line_error_and_no_output(tmp_path, capsys, case):
    _, name, content, extra, message = case
    status, err, out, path = run_encode(tmp_path, capsys, name, content, *extra)
    assert status == 1
    assert len(err.splitlines()) == 1, err
    assert message in err and str(path) in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temp file left behind


def test_missing_input_file(tmp_path, capsys):
    assert main(["encode", str(tmp_path / "nope.fa"), "--out", str(tmp_path / "o.npz")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_output_in_missing_folder(tmp_path, capsys):
    (tmp_path / "x.fa").write_text(GOOD)
    assert main(["encode", str(tmp_path / "x.fa"), "--out", str(tmp_path / "new" / "o.npz")]) == 0  # folder made
    assert (tmp_path / "new" / "o.npz").is_file()
    (tmp_path / "file").write_text("")
    assert main(["encode", str(tmp_path / "x.fa"), "--out", str(tmp_path / "file" / "o.npz")]) == 1
    assert "cannot make folder" in capsys.readouterr().err


def test_good_input_crlf_and_lowercase(tmp_path, capsys):
    status, err, out, _ = run_encode(tmp_path, capsys, "x.fa", ">a\r\nacgt\r\n>b\r\nGGCC\r\n")
    assert status == 0 and out.exists() and "encoded 2 x 4 dna sequences" in err


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "x.fa").write_text("")
    with pytest.raises(Exception, match="file is empty"):
        main(["--debug", "encode", str(tmp_path / "x.fa"), "--out", str(tmp_path / "o.npz")])
    with pytest.raises(Exception, match="file is empty"):  # after the command too
        main(["encode", str(tmp_path / "x.fa"), "--out", str(tmp_path / "o.npz"), "--debug"])


def test_file_larger_than_memory_is_refused_before_reading(tmp_path, capsys, monkeypatch):
    from seqgen import io as seqgen_io

    path = tmp_path / "peaks.fa.gz"
    path.write_bytes(gzip.compress("".join(f">s{i}\nACGTACGT\n" for i in range(25_000)).encode()))  # 390 kB
    monkeypatch.setattr(seqgen_io, "available_memory", lambda: 1_000_000)  # pretend 1 MB is free
    out = tmp_path / "out.npz"
    assert main(["encode", str(path), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "peaks.fa.gz" in err and "too large to read here" in err
    assert not out.exists()
    monkeypatch.setattr(seqgen_io, "available_memory", lambda: 10_000_000)  # 6 x 400 kB fits in 10 MB
    assert main(["encode", str(path), "--out", str(out)]) == 0 and out.exists()


def test_encode_notes_what_it_ignores_or_suspects(tmp_path, capsys):
    status, err, out, _ = run_encode(tmp_path, capsys, "x.fa", ">a\nACGTN\n", "--alphabet", "protein",
                                     "--id-column", "name")
    assert status == 0 and out.exists()
    assert "note: --id-column ignored: only a CSV/TSV table has columns, and this is a fasta file" in err
    assert "is it DNA? it was read as protein" in err
    status, err, _, _ = run_encode(tmp_path, capsys, "y.fa", ">p\nMKVLA\n", "--alphabet", "protein")
    assert status == 0 and "note:" not in err
