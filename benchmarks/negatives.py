"""Genomic negatives against composition: how far each kind follows the peaks' GC content and repeats.

A classifier of peaks against negatives learns whatever tells them apart; where the negatives differ from the peaks
in GC content or repeats, it can score well by composition alone. Measured on a simulated genome built as a
mammalian one is where it matters (sizes are options): isochores (300-kb blocks whose GC is drawn around 0.41),
soft-masked repeats over ~45% of it, a run of N in each chromosome, and peaks of 200 nt placed as TF peaks are, in
GC-rich blocks and outside repeats. For each kind of negatives (``seqgen encode --negatives``): the seconds to
encode the peaks with them, their mean GC and soft-masked share against the peaks', and the AUROC of each of the
two alone between peaks and negatives (direction-free: 0.5 when it tells nothing, 1 when it separates them).
Baseline in the same run: uniform random windows of the same chromosomes outside the peaks, as ``bedtools shuffle
-excl`` draws them.

Usage: python benchmarks/negatives.py [--genome-mb M] [--peaks P] [--name negatives]
    -> benchmarks/results/NAME.json
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

from common import write_json  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402
from seqgen.negatives import BOUND, overlapping  # noqa: E402
from seqgen.stats import auroc  # noqa: E402

WIDTH = 200
#: isochore length, and the spread of their GC around the mean
BLOCK, GC_MEAN, GC_SD = 300_000, 0.41, 0.05


def simulate_chromosome(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``(size,)`` ASCII letters (isochores, soft-masked repeats over ~45%, a 1% run of N in the middle) and the
    ``(size // BLOCK + 1,)`` GC of its blocks."""
    gc = np.clip(rng.normal(GC_MEAN, GC_SD, size // BLOCK + 1), 0.3, 0.65)
    p_gc = np.repeat(gc, BLOCK)[:size].astype(np.float32)
    u = rng.random(size, dtype=np.float32)  # A/T or C/G by the block's GC, then which of the two
    strong = u < p_gc
    letters = np.where(strong, np.where(rng.random(size) < 0.5, ord("C"), ord("G")),
                       np.where(rng.random(size) < 0.5, ord("A"), ord("T"))).astype(np.uint8)
    masked = np.zeros(size + 1, dtype=np.int32)  # repeats: a +1/-1 at each start and end, then a running sum
    starts = rng.integers(0, size, int(0.6 * size / 1000))
    ends = np.minimum(starts + rng.exponential(1000, len(starts)).astype(np.int64) + 100, size)
    np.add.at(masked, starts, 1)
    np.add.at(masked, ends, -1)
    letters[np.cumsum(masked[:-1]) > 0] += 32  # lowercase
    letters[size // 2:size // 2 + size // 100] = ord("N")
    return letters, gc


def place_peaks(chromosomes: dict, n: int, rng: np.random.Generator) -> list:
    """``n`` non-overlapping ``(chrom, start)`` of WIDTH letters without N, drawn in GC-rich blocks (weight
    ``exp((gc - GC_MEAN) / 0.04)``, capped at its 99th percentile) and 4 times less often where the middle letter is
    soft-masked."""
    names = list(chromosomes)
    sizes = np.array([len(chromosomes[c][0]) for c in names])
    peaks: list = []
    while len(peaks) < n:
        chrom = rng.choice(len(names), 20 * n, p=sizes / sizes.sum())
        start = (rng.random(20 * n) * (sizes[chrom] - WIDTH)).astype(np.int64)
        weight = np.empty(len(start))
        for c, name in enumerate(names):
            letters, gc = chromosomes[name]
            on = chrom == c
            middle = letters[start[on] + WIDTH // 2]
            weight[on] = np.exp((gc[start[on] // BLOCK] - GC_MEAN) / 0.04) * np.where(middle >= ord("a"), 0.25, 1.0)
        accepted = rng.random(len(start)) < weight / np.quantile(weight, 0.99)
        for c, s in zip(chrom[accepted], start[accepted]):
            window = chromosomes[names[c]][0][s:s + WIDTH]
            if not (window == ord("N")).any():
                peaks.append((names[c], int(s)))
    chosen = sorted(set(peaks[:n]))
    keep = [0] + [i for i in range(1, len(chosen)) if chosen[i][0] != chosen[i - 1][0]
                  or chosen[i][1] >= chosen[i - 1][1] + WIDTH]  # no two overlapping
    return [chosen[i] for i in keep]


def write_inputs(folder: Path, megabases: int, n_peaks: int, seed: int) -> tuple[Path, Path, dict, list]:
    """The genome FASTA (three chromosomes), the peaks' BED file, the chromosomes and the peaks."""
    rng = np.random.default_rng(seed)
    size = megabases * 1_000_000 // 3
    chromosomes = {f"chr{i + 1}": simulate_chromosome(size, rng) for i in range(3)}
    genome, bed = folder / "genome.fa", folder / "peaks.bed"
    with open(genome, "wb") as f:
        for name, (letters, _) in chromosomes.items():
            raw = letters.tobytes()
            f.write(b">" + name.encode() + b"\n" + b"\n".join(raw[i:i + 60] for i in range(0, size, 60)) + b"\n")
    peaks = place_peaks(chromosomes, n_peaks, rng)
    bed.write_text("".join(f"{c}\t{s}\t{s + WIDTH}\tp{i}\n" for i, (c, s) in enumerate(peaks)))
    return genome, bed, chromosomes, peaks


def random_windows(chromosomes: dict, peaks: list, n: int, rng: np.random.Generator) -> list:
    """The baseline: ``n`` uniform random windows of WIDTH letters without N on the chromosomes, overlapping no
    peak (``bedtools shuffle -excl``)."""
    names = list(chromosomes)
    sizes = np.array([len(chromosomes[c][0]) for c in names])
    peak_chrom = np.array([names.index(c) for c, _ in peaks])
    peak_start = np.array([s for _, s in peaks])
    chosen: list = []
    while len(chosen) < n:
        chrom = rng.choice(len(names), 4 * n, p=sizes / sizes.sum())
        start = (rng.random(4 * n) * (sizes[chrom] - WIDTH)).astype(np.int64)
        free = ~overlapping(chrom, start, start + WIDTH, peak_chrom, peak_start, peak_start + WIDTH)
        chosen += [(names[c], int(s)) for c, s in zip(chrom[free], start[free])
                   if not (chromosomes[names[c]][0][s:s + WIDTH] == ord("N")).any()]
    return chosen[:n]


def composition(chromosomes: dict, windows: list) -> tuple[np.ndarray, np.ndarray]:
    """``(N,)`` GC and soft-masked shares of windows ``(chrom, start)`` of WIDTH letters."""
    rows = np.stack([chromosomes[c][0][s:s + WIDTH] for c, s in windows])
    upper = rows & 0xDF  # ASCII upper case
    return np.isin(upper, (ord("C"), ord("G"))).mean(1), (rows >= ord("a")).mean(1)


def windows_of(data, peaks: list) -> list:
    """The genome windows of the negatives ``seqgen encode`` added, from their ids: ``gc-matched_CHROM:A-B``, or
    ``pI_flank-D`` / ``pI_flank+D`` (peak ``I`` moved ``D`` letters)."""
    windows = []
    for name in data.ids[data.label(BOUND) == 0]:
        if name.startswith("gc-matched_"):
            chrom, span = name.removeprefix("gc-matched_").rsplit(":", 1)
            windows.append((chrom, int(span.split("-")[0])))
        else:
            peak, shift = name.split("_flank")
            chrom, start = peaks[int(peak[1:])]
            windows.append((chrom, start + int(shift)))
    return windows


def figures(chromosomes: dict, peaks: list, windows: list) -> dict:
    """Mean GC and soft-masked share of ``windows``, and the direction-free AUROC of each between peaks and them."""
    peak_gc, peak_masked = composition(chromosomes, peaks)
    gc, masked = composition(chromosomes, windows)
    label = np.r_[np.ones(len(peaks), bool), np.zeros(len(windows), bool)]

    def separation(a, b):
        value = auroc(np.r_[a, b], label)
        return max(value, 1 - value)

    return {"n": len(windows), "gc": float(gc.mean()), "masked": float(masked.mean()),
            "auroc_gc": separation(peak_gc, gc), "auroc_masked": separation(peak_masked, masked)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genome-mb", type=int, default=120, help="simulated genome size (three chromosomes)")
    parser.add_argument("--peaks", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="negatives", help="results/NAME.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        genome, bed, chromosomes, peaks = write_inputs(Path(tmp), args.genome_mb, args.peaks, args.seed)
        start = time.perf_counter()
        read_sequences(bed, genome=genome)
        kinds = {"peaks alone": {"seconds": time.perf_counter() - start}}
        for kind in ("flanks", "gc-matched"):
            start = time.perf_counter()
            data = read_sequences(bed, genome=genome, negatives=kind, seed=args.seed)
            seconds = time.perf_counter() - start
            kinds[kind] = {"seconds": seconds, **figures(chromosomes, peaks, windows_of(data, peaks))}
    baseline = random_windows(chromosomes, peaks, len(peaks), np.random.default_rng(args.seed + 1))
    kinds["random windows (baseline)"] = figures(chromosomes, peaks, baseline)
    peak_gc, peak_masked = composition(chromosomes, peaks)
    genome_letters = np.concatenate([letters for letters, _ in chromosomes.values()])
    genome_letters = genome_letters[genome_letters != ord("N")]
    result = {"genome_mb": args.genome_mb, "width": WIDTH, "n_peaks": len(peaks), "seed": args.seed,
              "peaks": {"gc": float(peak_gc.mean()), "masked": float(peak_masked.mean())},
              "genome": {"gc": float(np.isin(genome_letters & 0xDF, (ord("C"), ord("G"))).mean()),
                         "masked": float((genome_letters >= ord("a")).mean())},
              "kinds": kinds}
    out = write_json(args.name, result)
    print(f"{len(peaks):,} peaks: GC {peak_gc.mean():.3f}, soft-masked {peak_masked.mean():.3f} (genome "
          f"{result['genome']['gc']:.3f}, {result['genome']['masked']:.3f})")
    for kind, row in kinds.items():
        if "n" in row:
            print(f"{kind:>26}: {row['n']:>6,} GC {row['gc']:.3f} (AUROC {row['auroc_gc']:.3f}), soft-masked "
                  f"{row['masked']:.3f} (AUROC {row['auroc_masked']:.3f})"
                  + (f", {row['seconds']:.1f} s" if "seconds" in row else ""))
        else:
            print(f"{kind:>26}: {row['seconds']:.1f} s")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
