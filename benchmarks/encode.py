"""Parse + encode speed: seqgen's vectorized reader against a naive Biopython baseline.

Writes 1,000,000 random 100-nt FASTA records, then times, on one core:
- seqgen: ``read_sequences`` (vectorized parse, validate, encode to (N, L) uint8);
- baseline: ``Bio.SeqIO.parse`` plus a per-character dictionary lookup into a numpy array.
Also encodes the real DREAM5 files in ../shared/data/pbm/dream5/ when present, and genome intervals: a random
genome FASTA (``--genome-mb`` Mb in three sequences) and ``--peaks`` narrowPeak intervals re-centred to 200 nt on
their summits, read by seqgen (``read_sequences(..., genome=, width=)``) against Biopython's ``SeqIO.to_dict`` of the
genome, sliced, reverse-complemented and encoded a letter at a time.

Usage: python benchmarks/encode.py [--records N] [--genome-mb M --peaks P]  ->  benchmarks/results/encode.json
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqgen first
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA, write_json  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402


def write_random_fasta(path: Path, n: int, length: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, (n, length))]
    with open(path, "wb") as f:
        for start in range(0, n, 100_000):
            block = letters[start:start + 100_000]
            f.write(b"".join(b">r%d\n%s\n" % (start + i, row.tobytes()) for i, row in enumerate(block)))


def baseline(path: Path) -> np.ndarray:
    from Bio import SeqIO

    table = {"A": 0, "C": 1, "G": 2, "T": 3}
    rows = []
    for record in SeqIO.parse(str(path), "fasta"):
        rows.append([table[c] for c in str(record.seq)])
    return np.array(rows, dtype=np.uint8)


def write_genome_and_peaks(folder: Path, megabases: int, peaks: int, seed: int = 0) -> tuple[Path, Path]:
    """A random genome FASTA of three equal sequences (60-letter lines) and a narrowPeak file of ``peaks`` intervals
    on them, a third on the minus strand."""
    rng = np.random.default_rng(seed)
    size = megabases * 1_000_000 // 3
    genome, bed = folder / "genome.fa", folder / "peaks.narrowPeak"
    with open(genome, "wb") as f:
        for c in range(3):
            letters = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size)].tobytes()
            f.write(b">chr%d\n" % (c + 1) + b"\n".join(letters[i:i + 60] for i in range(0, size, 60)) + b"\n")
    chrom, start = rng.integers(1, 4, peaks), rng.integers(1000, size - 2000, peaks)
    strand, summit = rng.choice(list("+-."), peaks), rng.integers(50, 250, peaks)
    bed.write_text("".join(f"chr{c}\t{s}\t{s + 300}\tp{i}\t0\t{d}\t1.5\t2\t3\t{m}\n"
                           for i, (c, s, d, m) in enumerate(zip(chrom, start, strand, summit))))
    return genome, bed


def baseline_intervals(genome: Path, bed: Path, width: int) -> np.ndarray:
    """The same intervals by Biopython: the genome as a dict of records, sliced, reverse-complemented, encoded."""
    from Bio import SeqIO

    table = {"A": 0, "C": 1, "G": 2, "T": 3}
    chromosomes = SeqIO.to_dict(SeqIO.parse(str(genome), "fasta"))
    rows = []
    for line in bed.read_text().splitlines():
        chrom, start, _, _, _, strand, *_, summit = line.split("\t")
        first = int(start) + int(summit) - (width // 2 if strand != "-" else width - 1 - width // 2)
        seq = chromosomes[chrom].seq[first:first + width]
        rows.append([table[c] for c in str(seq.reverse_complement() if strand == "-" else seq)])
    return np.array(rows, dtype=np.uint8)


def intervals(megabases: int, peaks: int, width: int = 200) -> dict:
    """Seconds to read ``peaks`` intervals of a ``megabases`` genome, seqgen's reader (best of two) and the
    baseline, whose codes must agree."""
    with tempfile.TemporaryDirectory() as tmp:
        genome, bed = write_genome_and_peaks(Path(tmp), megabases, peaks)
        runs = [timed(lambda: read_sequences(bed, "dna", genome=genome, width=width)) for _ in range(2)]
        theirs, t_base = timed(baseline_intervals, genome, bed, width)
    ours, t_ours = runs[0][0], min(t for _, t in runs)
    assert np.array_equal(ours.codes, theirs), "seqgen and the baseline disagree on the intervals"
    return {"genome_mb": megabases, "peaks": peaks, "width": width, "seqgen_seconds": t_ours,
            "baseline_biopython_seconds": t_base, "speedup": t_base / t_ours}


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--genome-mb", type=int, default=240, help="genome size of the intervals' case (0: skip it)")
    parser.add_argument("--peaks", type=int, default=100_000, help="intervals of that case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.fa"
        write_random_fasta(path, args.records, args.length)
        ours, t_ours = timed(read_sequences, path, "dna")
        ours, t_ours2 = timed(read_sequences, path, "dna")
        t_ours = min(t_ours, t_ours2)
        theirs, t_base = timed(baseline, path)
    assert np.array_equal(ours.codes, theirs), "seqgen and the baseline disagree"
    n, nt = args.records, args.records * args.length
    result = {"records": n, "length": args.length,
              "seqgen": {"seconds": t_ours, "records_per_s": n / t_ours, "nt_per_s": nt / t_ours},
              "baseline_biopython_dict_loop": {"seconds": t_base, "records_per_s": n / t_base,
                                               "nt_per_s": nt / t_base},
              "speedup": t_base / t_ours}
    dream5 = SHARED_DATA / "pbm" / "dream5"
    if dream5.is_dir():
        files = {}
        for f in sorted(dream5.glob("*_??.txt")):
            data, seconds = timed(read_sequences, f, "dna", "dream5")
            files[f.name] = {"records": len(data), "length": data.length, "seconds": seconds}
        result["dream5"] = files
    if args.genome_mb:
        result["intervals"] = intervals(args.genome_mb, args.peaks)
    out = write_json("encode", result)
    print(f"seqgen  : {n / t_ours:,.0f} records/s, {nt / t_ours:,.0f} nt/s ({t_ours:.2f} s)")
    print(f"baseline: {n / t_base:,.0f} records/s, {nt / t_base:,.0f} nt/s ({t_base:.2f} s)")
    print(f"speedup : {t_base / t_ours:.1f}x")
    if "dream5" in result:
        total = sum(v["seconds"] for v in result["dream5"].values())
        print(f"DREAM5  : {len(result['dream5'])} files in {total:.2f} s")
    if "intervals" in result:
        bed = result["intervals"]
        print(f"BED     : {bed['peaks']:,} intervals of a {bed['genome_mb']} Mb genome in {bed['seqgen_seconds']:.2f} s "
              f"(baseline {bed['baseline_biopython_seconds']:.2f} s, {bed['speedup']:.1f}x)")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
