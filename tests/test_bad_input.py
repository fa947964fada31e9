"""Every bad input gives a one-line error naming the file and the problem, exit 1, and no output."""
import gzip
import struct
import zipfile

import pytest

from seqgen.cli import main
from seqgen.data import SequenceSet

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
                                                  "protein file? it is a letter of the protein alphabet, and of protein-gap"),
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
    ("stop in a protein", "x.fa", ">a\nMK*V*\n", ("--alphabet", "protein"), "column 3): '*' is a stop (use --ambiguous drop (in Python: ambiguous='drop')"),
    ("selenocysteine", "x.fa", ">a\nMKuV\n", ("--alphabet", "protein"),
     "column 3): 'u' is selenocysteine, not one of the 20 amino acids (use --ambiguous"),
    ("dna read as rna", "x.fa", ">a\nACGT\n", ("--alphabet", "rna"), "'T' is not a letter of the rna alphabet (is "
                                                                     "this DNA? T is a letter of the dna alphabet)"),
    ("semicolon csv", "x.csv", "sequence;y\nACGT;1\n", (), "the columns are 'sequence;y' (is it separated by ';'? "
                                                           "a CSV is by ',')"),
    ("label of a fasta", "x.fa", GOOD, ("--label-column", "y"), "a fasta file has no label columns to read y"),
    ("label column of a PBM table", "x.txt", "1.5\tACGT\n", ("--format", "uniprobe", "--label-column", "intensity"),
     "a uniprobe table's labels are read without naming them: intensity; label columns (intensity) are named only"),
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
    for name in ("bom.fa", "bom.fa.gz"):  # Notepad's UTF-8 byte-order mark before the first '>'
        content = b"\xef\xbb\xbf>a\r\nACGT\r\n>b\r\nGGCC\r\n"
        status, err, out, _ = run_encode(tmp_path, capsys, name, gzip.compress(content) if "gz" in name else content)
        assert status == 0 and "encoded 2 x 4 dna sequences" in err, err
    status, err, _, _ = run_encode(tmp_path, capsys, "bom.fa", b"\xef\xbb\xbf")
    assert status == 1 and "file is empty" in err


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "x.fa").write_text("")
    with pytest.raises(Exception, match="file is empty"):
        main(["--debug", "encode", str(tmp_path / "x.fa"), "--out", str(tmp_path / "o.npz")])
    with pytest.raises(Exception, match="file is empty"):  # after the command too
        main(["encode", str(tmp_path / "x.fa"), "--out", str(tmp_path / "o.npz"), "--debug"])


def test_file_larger_than_memory_is_refused_before_reading(tmp_path, capsys, monkeypatch):
    from seqgen.io import records  # check_memory_for's available_memory

    path = tmp_path / "peaks.fa.gz"
    path.write_bytes(gzip.compress("".join(f">s{i}\nACGTACGT\n" for i in range(25_000)).encode()))  # 390 kB
    monkeypatch.setattr(records, "available_memory", lambda: 1_000_000)  # pretend 1 MB is free
    out = tmp_path / "out.npz"
    assert main(["encode", str(path), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "peaks.fa.gz" in err and "too large to read here" in err
    assert not out.exists()
    monkeypatch.setattr(records, "available_memory", lambda: 10_000_000)  # 6 x 400 kB fits in 10 MB
    assert main(["encode", str(path), "--out", str(out)]) == 0 and out.exists()


def test_encode_leaves_out_records_with_a_missing_label_on_request(tmp_path, capsys):
    table = "id\tsequence\tsignal\na\tACGT\t1\nb\tACGA\tNA\nc\tTTGA\t3\n"
    status, err, out, path = run_encode(tmp_path, capsys, "x.tsv", table, "--label-column", "signal")
    assert status == 1 and not out.exists() and "(--missing-labels drop leaves such records out)" in err
    status, err, out, _ = run_encode(tmp_path, capsys, "x.tsv", table, "--label-column", "signal",
                                     "--missing-labels", "drop")
    assert status == 0 and SequenceSet.load(out).ids.tolist() == ["a", "c"]
    assert f"note: {path}: 1 of the 3 records have a missing label and were left out" in err


def test_encode_notes_what_it_ignores_or_suspects(tmp_path, capsys):
    status, err, out, _ = run_encode(tmp_path, capsys, "x.fa", ">a\nACGTN\n", "--alphabet", "protein",
                                     "--id-column", "name")
    assert status == 0 and out.exists()
    assert "note: --id-column ignored: only a CSV/TSV table has columns, and this is a fasta file" in err
    assert "is it DNA? it was read as protein" in err
    status, err, _, _ = run_encode(tmp_path, capsys, "y.fa", ">p\nMKVLA\n", "--alphabet", "protein")
    assert status == 0 and "note:" not in err
    alignments = [  # (first two ids, the note expected or None)
        (("F/10-20", "s"), "range 10-20 spans 11 residues, but the focus sequence has 6 (inserts included), numbered "
                           "10-15"),  # the numbering may be shifted
        (("F/10-15", "s"), None),
        (("hit", "F/10-15"), "the first record, 'hit', is read as the focus sequence; its id has no /START-END range "
                             "while others have one ('F/10-15'), so mutant numbers start at 1: is the focus first?"),
        (("F", "s"), None),
    ]
    for i, ((first, second), note) in enumerate(alignments):
        status, err, _, _ = run_encode(tmp_path, capsys, f"{i}.a2m", f">{first}\nACDefG\n>{second}\nACDefG\n",
                                       "--alphabet", "protein-gap")
        assert status == 0 and (note in err if note else "note:" not in err), first


@pytest.mark.parametrize("command", ["encode", "predict", "sample", "design"])
def test_out_that_is_an_input_is_refused_and_the_input_kept(tmp_path, capsys, command):
    table = tmp_path / "x.csv"
    table.write_text("sequence,y\nACGTACGT,1\nGGCCAATT,2\nTTGACCAA,3\nCAGTCAGT,4\n")
    assert main(["encode", str(table), "--label-column", "y", "--out", str(tmp_path / "d.npz")]) == 0
    model = tmp_path / "m" / "model.pt"
    if command != "encode":
        kind, setting = ("vae", "latent_dim=2") if command == "sample" else ("predictor", "kernel=3")
        assert main(["train", kind, "--data", str(tmp_path / "d.npz"), "--out", str(model.parent), "--steps", "1",
                     "--no-progress", "--set", setting, "--set", "members=1" if kind == "predictor" else "beta=1",
                     "--device", "cpu"]) == 0
    argv, victim = {
        "encode": (["encode", str(table), "--out", str(table)], table),
        "predict": (["predict", "--model", str(model.parent), "--input", str(table), "--out",
                     str(tmp_path / "." / "x.csv")], table),
        "sample": (["sample", "--model", str(model.parent), "--n", "2", "--out", str(model)], model),
        "design": (["design", "--predictor", str(model.parent), "--steps", "1", "--n", "2", "--out", str(model)],
                   model),
    }[command]
    before = victim.read_bytes()
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "that this command reads: it would be overwritten" in err, err
    assert victim.read_bytes() == before


def test_truncated_or_changed_checkpoint_is_refused(tmp_path, capsys):
    """torch.load checks no checksum: a model.pt whose weights changed on a bad copy loaded and predicted wrongly."""
    table = tmp_path / "x.csv"
    table.write_text("sequence,y\nACGTACGT,1\nGGCCAATT,2\nTTGACCAA,3\nCAGTCAGT,4\n")
    assert main(["encode", str(table), "--label-column", "y", "--out", str(tmp_path / "d.npz")]) == 0
    assert main(["train", "predictor", "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "m"), "--steps",
                 "1", "--no-progress", "--set", "kernel=3", "--set", "members=1", "--device", "cpu"]) == 0
    good = (tmp_path / "m" / "model.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "m" / "model.pt") as archive:  # the largest tensor's bytes, mid-way
        part = max(archive.infolist(), key=lambda info: info.file_size)
    name_length, extra_length = struct.unpack("<HH", good[part.header_offset + 26:part.header_offset + 30])
    weights = part.header_offset + 30 + name_length + extra_length + part.file_size // 2
    changed = bytearray(good)
    changed[weights:weights + 16] = bytes(b ^ 0xFF for b in changed[weights:weights + 16])
    for name, content, message in [("changed.pt", bytes(changed), "fails its checksum"),
                                   ("cut.pt", good[:len(good) // 2], "truncated or corrupt checkpoint")]:
        (tmp_path / name).write_bytes(content)
        out = tmp_path / f"{name}.tsv"
        capsys.readouterr()
        assert main(["predict", "--model", str(tmp_path / name), "--input", str(tmp_path / "d.npz"), "--out",
                     str(out), "--device", "cpu"]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err and name in err, err
        assert not out.exists()


def test_motifs_background_of_another_alphabet_is_refused(tmp_path, capsys):
    """An encoded background keeps its own alphabet: protein codes were searched as DNA letters without a word."""
    dna = "".join(f">d{i}\n{'ACGTTGCAGGCATC'[i % 5:] + 'ACGTA'[:i % 5]}\n" for i in range(6))
    (tmp_path / "dna.fa").write_text(dna)
    (tmp_path / "prot.fa").write_text("".join(f">p{i}\nMKVLAWYHKLMNPQ\n" for i in range(6)))
    assert main(["encode", str(tmp_path / "prot.fa"), "--alphabet", "protein", "--out", str(tmp_path / "p.npz"),
                 "--duplicate-ids", "keep"]) == 0
    capsys.readouterr()
    out = tmp_path / "motifs"
    assert main(["motifs", "--input", str(tmp_path / "dna.fa"), "--background", str(tmp_path / "p.npz"), "--out",
                 str(out), "--n-motifs", "1", "--k", "4"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "p.npz: --background holds protein sequences, but the input is dna" in err
    assert not out.exists()


@pytest.mark.parametrize("setting, message", [
    ("steps=null", "setting 'steps' cannot be empty (null): give an integer, or leave it out for its default"),
    ("max_time=10 min", "setting 'max_time' must be a number, not '10 min'"),
    ("patience=-1", "setting 'patience' must be 0 or more (0 or null: no early stopping), not -1"),
    ("eval_every=-5", "setting 'eval_every' must be 0 or more"),
])
def test_null_or_mistyped_engine_settings_are_refused(tmp_path, capsys, setting, message):
    """steps: null and max_time: '10 min' ended in a TypeError traceback; patience: -1 wrote an untrained model.pt
    ("trained predictor for 0 steps (early_stopping)") with exit 0."""
    table = tmp_path / "x.csv"
    table.write_text("sequence,y\nACGTACGT,1\nGGCCAATT,2\nTTGACCAA,3\nCAGTCAGT,4\n")
    assert main(["encode", str(table), "--label-column", "y", "--out", str(tmp_path / "d.npz")]) == 0
    config = tmp_path / "c.yaml"
    key, _, value = setting.partition("=")
    config.write_text(f"{key}: {value}\nmembers: 1\nkernel: 3\n")
    capsys.readouterr()
    assert main(["train", "predictor", "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "m"), "--config",
                 str(config), "--no-progress", "--device", "cpu"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and str(config) in err, err
    assert not (tmp_path / "m").exists()


def test_an_alignment_read_as_fasta_is_named(tmp_path, capsys):
    """An MSA in a .fasta file (as aligners write it) encoded as protein-gap was silently a set of unrelated sequences:
    no focus or numbering, and no sequence weights in the family VAE; score-mutants said so only after training."""
    status, err, out, path = run_encode(tmp_path, capsys, "msa.fasta", ">F/10-14\nMKVLA\n>s1\nMKV-A\n",
                                        "--alphabet", "protein-gap")
    assert status == 0 and f"note: {path}: read as fasta, not as an alignment" in err and "--format a2m" in err
    status, err, _, _ = run_encode(tmp_path, capsys, "msa.fasta", ">F/10-14\nMKVLA\n>s1\nMKV-A\n", "--alphabet",
                                   "protein-gap", "--format", "a2m")
    assert status == 0 and "not as an alignment" not in err
    status, err, _, _ = run_encode(tmp_path, capsys, "p.fasta", ">a\nMKVLA\n>b\nMKVAA\n", "--alphabet", "protein-gap")
    assert status == 0 and "not as an alignment" not in err  # no gap: nothing suggests an alignment


@pytest.mark.parametrize("content, message", [
    (">FOCUS/10-14\nacdef\n>s\nacdef\n", "has no match columns: all its letters are lower case or '.'"),
    (">FOCUS/10-14\n-----\n>s\nACDEF\n", "has only gaps in its match columns"),
])
def test_alignment_whose_focus_has_no_match_columns(tmp_path, capsys, content, message):
    """An all-lower-case focus encoded 2 x 0 sequences (training then died of a ZeroDivisionError traceback); an
    all-gap focus encoded an alignment that no mutant could be scored on."""
    status, err, out, path = run_encode(tmp_path, capsys, "x.a2m", content, "--alphabet", "protein-gap")
    assert status == 1 and len(err.splitlines()) == 1, err
    assert f"{path}: the focus sequence 'FOCUS/10-14' (the first record) {message}" in err
    assert not out.exists()


@pytest.mark.parametrize("row, where", [("MK.LA", "column 3): '.'"), ("MKvLA", "column 3): 'v'")])
def test_aligned_rows_with_an_insert_mark_in_a_match_column(tmp_path, capsys, row, where):
    """Rows of one length (aligned FASTA) with '.' or a lower-case letter where the focus has a match column: the
    error named a length of 4 that is in no row of the file; it names the letter, its record and column."""
    status, err, out, path = run_encode(tmp_path, capsys, "x.a2m", f">F/1-5\nMKVLA\n>s1\n{row}\n>s2\nMRVLA\n",
                                        "--alphabet", "protein-gap")
    assert status == 1 and len(err.splitlines()) == 1, err
    assert f"{path}: record 's1' (line 4, {where} is in a column where the focus sequence" in err
    assert "a gap in a match column with '-'" in err and not out.exists()


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    """SIGTERM (a cluster's cancel or time limit) killed seqgen inside atomic_path: its hidden temporary file (as
    large as the output) stayed beside the output."""
    import os
    import signal

    import numpy as np

    savez = np.savez

    def savez_then_terminated(file, **arrays):
        savez(file, **arrays)  # the temporary file is written, then the signal comes before its rename
        os.kill(os.getpid(), signal.SIGTERM)

    def caller_handler(signum, frame):  # what SIGTERM meets outside main (the default would end pytest)
        raise RuntimeError("SIGTERM reached the caller's handler")

    monkeypatch.setattr(np, "savez", savez_then_terminated)
    previous = signal.signal(signal.SIGTERM, caller_handler)
    try:
        status, err, out, path = run_encode(tmp_path, capsys, "x.fa", GOOD)
        assert signal.getsignal(signal.SIGTERM) is caller_handler  # the caller's handler is back
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert status == 143 and err.endswith("terminated (SIGTERM)"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.fa"]  # neither the output nor a temporary file


def test_atomic_writes_get_the_usual_permissions_and_refuse_unwritable_places(tmp_path, monkeypatch):
    """mkstemp makes its file 0600: an output renamed from it would be private to its writer."""
    import json
    import os

    from seqgen.atomic import write_json, write_text
    from seqgen.errors import SeqgenError

    umask = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    write_json(tmp_path / "n.json", {"a": float("nan"), "b": [1.5, float("nan")], "c": {"d": float("nan")}})
    assert json.loads((tmp_path / "n.json").read_text()) == {"a": None, "b": [1.5, None], "c": {"d": None}}
    with pytest.raises(SeqgenError, match="cannot write output: it is a folder"):
        write_text(tmp_path, "x")
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as a user who may not write there (not root)
    with pytest.raises(SeqgenError, match=f"folder {str(tmp_path)!r} is not writable"):
        write_text(tmp_path / "b.txt", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "n.json"]


def test_ctrl_c_ends_a_command_with_status_130_and_one_line(tmp_path, capsys, monkeypatch):
    import seqgen.cli
    import seqgen.cli.report

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(seqgen.cli.COMMANDS, "report", (seqgen.cli.report._add_report, interrupted))
    assert main(["report", "--results", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 130
    assert capsys.readouterr().err == "seqgen report: interrupted\n"


def test_a_folder_that_refuses_the_file_or_a_full_disk_is_a_one_line_error(tmp_path, monkeypatch):
    """Root passes os.access on a read-only file system: mkstemp then failed with a traceback; so did a write that
    ran out of disk space. Both are one line, and leave no temporary file."""
    import errno
    import tempfile

    from seqgen.atomic import atomic_path, write_text
    from seqgen.errors import SeqgenError

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    with monkeypatch.context() as m:
        m.setattr(tempfile, "mkstemp", read_only)
        with pytest.raises(SeqgenError, match=r"x\.txt: cannot write output: cannot make a file in folder .*"
                                              r"\(Read-only file system\)$"):
            write_text(tmp_path / "x.txt", "x")
    with pytest.raises(SeqgenError, match=r"y\.txt: cannot write output: No space left on device$"):
        with atomic_path(tmp_path / "y.txt") as tmp:
            tmp.write_text("partial")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError):  # an error of reading is not told as one of writing
        with atomic_path(tmp_path / "z.txt"):
            open(tmp_path / "missing")


def test_atomic_writes_reach_the_disk_before_the_rename(tmp_path, monkeypatch):
    """A power cut after the rename must not leave an empty or cut file under the final name: the temporary file
    is fsync'ed before it is renamed, and its folder after; an fsync that fails for want of space is one line."""
    import errno
    import os

    from seqgen.atomic import write_text
    from seqgen.errors import SeqgenError

    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_text(tmp_path / "a.txt", "x\n")
    assert [e[0] for e in events] == ["fsync", "replace", "fsync"]
    assert events[0][1].startswith(str(tmp_path / ".a.txt.")) and events[2][1] == str(tmp_path)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SeqgenError, match=r"b\.txt: cannot write output: No space left on device$"):
        write_text(tmp_path / "b.txt", "x\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_ctrl_c_or_sigterm_while_starting_up_is_one_line_too(tmp_path, capsys, monkeypatch):
    """Ctrl-C in the first tenth of a second (importing numpy while the command line's parser is built, seconds on
    a cold disk) ended in a 20-40 line KeyboardInterrupt traceback; SIGTERM there had no handler yet."""
    import os
    import signal

    import seqgen.cli

    real_build = seqgen.cli.build_parser

    def interrupted(command=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(seqgen.cli, "build_parser", interrupted)
    assert main(["report", "--results", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 130
    assert capsys.readouterr().err == "seqgen report: interrupted\n"

    def terminated(command=None):
        os.kill(os.getpid(), signal.SIGTERM)
        return real_build(command)

    def caller_handler(signum, frame):  # what SIGTERM meets outside main (the default would end pytest)
        raise RuntimeError("SIGTERM reached the caller's handler")

    monkeypatch.setattr(seqgen.cli, "build_parser", terminated)
    previous = signal.signal(signal.SIGTERM, caller_handler)
    try:
        assert main(["report", "--results", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 143
        assert signal.getsignal(signal.SIGTERM) is caller_handler
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert capsys.readouterr().err == "seqgen report: terminated (SIGTERM)\n"


def test_a_killed_writer_s_old_temporary_is_removed_by_the_next_write_of_its_file(tmp_path):
    """SIGKILL leaves atomic_path's hidden temporary (as large as the output); the next write of the same file
    removes it once it is an hour old, and leaves a recent one (a live writer's) and other files' alone."""
    import os
    import time

    from seqgen.atomic import STALE_TEMPORARY, write_text

    old, recent, other = (tmp_path / n for n in (".data.npz.abc123.npz", ".data.npz.def456.npz", ".x.tsv.a1.tsv"))
    for path in (old, recent, other):
        path.write_text("partial")
    hours_ago = time.time() - STALE_TEMPORARY - 60
    os.utime(old, (hours_ago, hours_ago))
    os.utime(other, (hours_ago, hours_ago))
    write_text(tmp_path / "data.npz", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".data.npz.def456.npz", ".x.tsv.a1.tsv", "data.npz"]
