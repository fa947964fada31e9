"""Property-based fuzzing of every reader: random bytes and near-valid files raise SeqgenError or parse."""
import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqgen.errors import SeqgenError
from seqgen.io import FORMATS, read_sequences

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

VALID = {
    "fasta": b">a desc\nACGT\nAC\n>b\nGGCCAA\n",
    "fastq": b"@a\nACGT\n+\nIIII\n@b\nGGCC\n+\nIIII\n",
    "csv": b"id,sequence,y\na,ACGT,1.5\nb,GGCC,2\n",
    "tsv": b"id\tsequence\ty\na\tACGT\t1.5\nb\tGGCC\t2\n",
    "dream5": b"ACGTACGT\t100\t10\nGGCCAATT\t20.5\t11\n",
    "uniprobe": b"100.5\tACGTACGTGTCTGTGTTCCGTTGTCCGTGCTG\n20\tGGCCAATTGTCTGTGTTCCGTTGTCCGTGCTG\n",
    "a2m": b">q/1-4\nACDE\n>s\nAc-.DE\n",
    "bed": b"chr1\t2\t10\tp1\t5\t+\nchr2\t0\t6\t.\t7\t-\n",
}
GENOME = b">chr1 one\nACGTacgtAC\nGTNNACGT\n>chr2\nGGGCCCAAATTT\n"  #: the genome the BED examples' intervals are in
EXTENSION = {"fasta": "fa", "fastq": "fq", "csv": "csv", "tsv": "tsv", "dream5": "txt", "uniprobe": "txt",
             "a2m": "a2m", "bed": "bed"}


def read(tmp_path, fmt, content, name="x", **options):
    path = tmp_path / f"{name}.{EXTENSION[fmt]}"
    path.write_bytes(content)
    alphabet = "protein-gap" if fmt == "a2m" else "dna"
    labels = [] if options.get("negatives") else {"csv": ["y"], "tsv": ["y"], "bed": ["score"]}.get(fmt, [])
    genome = tmp_path / "genome.fa" if fmt == "bed" else None
    if genome:
        genome.write_bytes(GENOME)
    try:
        return read_sequences(path, alphabet, format=fmt, label_columns=labels, ambiguous="drop",
                              lengths="error" if fmt == "a2m" else "pad",  # padding would shift an alignment
                              genome=genome, **options)
    except SeqgenError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return None


@pytest.mark.parametrize("fmt", FORMATS)
def test_valid_examples_parse(tmp_path, fmt):
    assert read(tmp_path, fmt, VALID[fmt]) is not None


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path, fmt, data):
    read(tmp_path, fmt, data)


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_near_valid_files_never_crash(tmp_path, fmt, data):
    read(tmp_path, fmt, near_valid(VALID[fmt], data))


@FUZZ
@given(data=st.data())
def test_near_valid_intervals_with_negatives_never_crash(tmp_path, data):
    """Negatives of every kind, at any width, flank distance and number a positive, of intervals that may run off,
    overlap or hold N."""
    options = {"negatives": data.draw(st.sampled_from(["shuffle", "flanks", "gc-matched"])),
               "width": data.draw(st.one_of(st.none(), st.integers(1, 14))),
               "flank_distance": data.draw(st.integers(1, 20)), "seed": data.draw(st.integers(0, 3))}
    if options["negatives"] != "flanks":
        options["negatives_per_positive"] = data.draw(st.integers(1, 3))
    result = read(tmp_path, "bed", near_valid(VALID["bed"], data), **options)
    if result is not None:  # every sequence but a shuffle is the genome's letters at its place
        genome = dict(part.split("\n", 1) for part in GENOME.decode().split(">")[1:])
        genome = {name.split()[0]: letters.replace("\n", "").upper() for name, letters in genome.items()}
        for sequence, chrom, start, end, strand, name in zip(result.sequences, *result.coordinates().values(),
                                                             result.ids):
            window = genome[chrom][start:end]
            expected = window[::-1].translate(str.maketrans("ACGT", "TGCA")) if strand == "-" else window
            assert name.endswith("_shuffle") or sequence == expected


def near_valid(valid: bytes, data) -> bytes:
    """``valid`` with 1 to 4 letters flipped, deleted or inserted (line ends, field separators, N...), or cut."""
    content = bytearray(valid)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        pos = data.draw(st.integers(0, max(len(content) - 1, 0)))
        if op == "flip" and content:
            content[pos] = data.draw(st.integers(0, 255))
        elif op == "delete" and content:
            del content[pos]
        elif op == "insert":
            content[pos:pos] = data.draw(st.sampled_from([b"\n", b">", b"@", b"+", b"\t", b",", b"N", b"\r", b" "]))
        else:
            content = content[:pos]
    return bytes(content)


@FUZZ
@given(cut=st.integers(1, 60))
def test_truncated_gzip_never_crashes(tmp_path, cut):
    data = gzip.compress(VALID["fasta"] * 5)
    read(tmp_path, "fasta", data[:-cut])
