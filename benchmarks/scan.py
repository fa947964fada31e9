"""PBM models scanned along ChIP-seq peaks: DeepBind's in vitro -> in vivo test of ``seqgen predict --scan``.

A predictor trained on PBM probes reads 35 letters; ChIP-seq peaks are longer (DeepBind's ENCODE sets: 101 nt).
DeepBind scored peaks with PBM-trained models to ask whether what a TF binds on the array is what it binds in
cells (Alipanahi et al. 2015, Fig. 2). This script does that with the real data in ``../shared/data`` (skipped
when absent):

1. a predictor of each PBM TF, trained on its DREAM5 HK array with the settings the DREAM5 benchmark chose
   (``benchmarks/RESULTS.md``), ``--max-time`` minutes;
2. each ChIP-seq test fold B (500 bound peaks, 500 unbound sequences of DeepBind's) scored four ways: **scan**,
   the highest of a sequence's 67 windows (:mod:`seqgen.scan`, what ``--scan`` writes); **both**, the highest of
   its 134 windows on both strands (``--scan --both-strands``); **centre**, the middle 35 letters only; **first**,
   the first 35 (what ``--lengths trim`` scores);
3. the AUROC of bound against unbound for each model and ChIP set: related TFs (Foxo1 and FOXA1, both forkhead;
   Egr2 and SP1, both GC-box zinc fingers) against unrelated pairs, the control.

The speed: every window of FOXA1's fold B scored by :func:`seqgen.scan.scan_windows` (``scan``: windows
gathered from device-resident codes a batch at a time, or, for a model whose windows share their convolutions,
a tile of windows from one convolution; ``one_by_one``: every window on its own) against the baseline in the same
run, the windows cut out with numpy (``sliding_window_view``, copied: ``N x W x L`` bytes) and scored by
``LoadedPredictor.predict``; the scores must agree. Twice: with the DREAM5 settings (full padding, two layers:
windows cannot share), and with Foxo1 trained on the package's default architecture (one layer of kernel 13, no
padding: they can), whose scan AUROC is measured as well.

What a best window is worth (``--scan --both-strands --shuffles K``): the default-architecture model's p-values of
each fold-B sequence's best window against ``--shuffles`` dinucleotide shuffles of every sequence
(:func:`seqgen.scan.shuffle_pvalues`), and the shares of bound and unbound sequences with p below 0.05, 0.01 and
0.001 and with q < 0.05 (Benjamini-Hochberg over the fold), on the related ChIP-seq set and the control's. Fold B's unbound
sequences are themselves dinucleotide shuffles of peaks (``SOURCE.txt``), so their p-values should be uniform:
about 5% below 0.05. Writes ``results/scan.json``.

    flock /tmp/seqgen-bench.lock python benchmarks/scan.py [--max-time 2] [--shuffles 10] [--device cuda]
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # no spinning threads on a shared machine

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqgen first

from common import SHARED_DATA, add_training_options, write_json  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402
from seqgen.predict import load_predictor  # noqa: E402
from seqgen.scan import best_windows, scan_windows, shuffle_pvalues  # noqa: E402
from seqgen.stats import bh_qvalues  # noqa: E402
from seqgen.stats import auroc  # noqa: E402
from seqgen.tasks import train  # noqa: E402

DREAM5 = SHARED_DATA / "pbm" / "dream5"
CHIPSEQ = SHARED_DATA / "chipseq"
#: the DREAM5 benchmark's choice (RESULTS.md, "Final table, session 10")
SETTINGS = {"label": "signal", "transform": "log", "strands": "forward", "layers": 2, "dilation": 2, "kernel": 9,
            "padding": "full", "members": 3, "progress": False}
#: PBM TF -> the ChIP-seq set of a TF of its family
RELATED = {"Foxo1": "FOXA1_HepG2", "Egr2": "SP1_GM12878"}
#: the package's default architecture (one layer, kernel 13, padding valid), forward strand as the PBM choice
DEFAULT_ARCHITECTURE = {"label": "signal", "transform": "log", "strands": "forward", "members": 3, "progress": False}


def train_pbm(tf: str, folder: str, max_time: float, device, seed: int, settings: dict | None = None) -> dict:
    """Train ``tf``'s predictor on its HK array into ``folder`` (``settings``: :data:`SETTINGS`); the steps and
    seconds."""
    probes = read_sequences(DREAM5 / f"{tf}_HK.txt", "dna", "dream5")
    started = time.perf_counter()
    result = train("predictor", probes, folder, {**(settings or SETTINGS), "max_time": max_time, "seed": seed},
                   device)
    return {"steps": result.steps, "seconds": round(time.perf_counter() - started, 1)}


def scores(predictor, test) -> dict:
    """Fold-B scores, ``(N,)`` each: the highest window, the highest on both strands, the centre window, the
    first window."""
    width = predictor.length
    found = scan_windows(predictor, test.codes, test.lengths)
    both = scan_windows(predictor, test.codes, test.lengths, both_strands=True)
    middle = (test.length - width) // 2
    return {"scan": found["mean"][best_windows(found["sequence"], found["mean"])],
            "both": both["mean"][best_windows(both["sequence"], both["mean"])],
            "centre": predictor.predict(test.codes[:, middle:middle + width])[0],
            "first": predictor.predict(test.codes[:, :width])[0]}


def significance(predictor, test, shuffles: int, seed: int) -> dict:
    """Shares of the bound and unbound sequences of ``test`` whose best window on both strands has p below 0.05,
    0.01 and 0.001 and q below 0.05 against ``shuffles`` dinucleotide shuffles of each sequence, the AUROC of the
    p-values (lower: bound), the smallest q-value, and the seconds it took."""
    started = time.perf_counter()
    found = scan_windows(predictor, test.codes, test.lengths, both_strands=True)
    best = found["mean"][best_windows(found["sequence"], found["mean"])]
    p = shuffle_pvalues(predictor, test.codes, test.lengths, best, shuffles, seed, both_strands=True)
    q = bh_qvalues(p)
    bound = test.label("Bound") == 1
    shares = {f"{kind}_{name}": round(float((values[rows] < cut).mean()), 3)
              for kind, rows in (("bound", bound), ("unbound", ~bound))
              for name, values, cut in (("p05", p, 0.05), ("p01", p, 0.01), ("p001", p, 0.001), ("q05", q, 0.05))}
    return {"shuffles": shuffles, "seconds": round(time.perf_counter() - started, 1), **shares,
            "auroc_p": auroc(-p, bound), "q_min": float(q.min())}


def speed(predictor, test, repeats: int = 3) -> dict:
    """Windows a second of :func:`scan_windows` (as it chooses, and every window on its own) and of the numpy
    baseline (best of ``repeats``), and the largest difference between their scores."""
    width = predictor.length
    timings = {"scan": [], "one_by_one": [], "numpy": []}
    scores = {}
    for _ in range(repeats):
        for name, shared in (("scan", None), ("one_by_one", False)):
            t0 = time.perf_counter()
            scores[name] = scan_windows(predictor, test.codes, test.lengths, shared=shared)["mean"]
            timings[name].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        windows = np.lib.stride_tricks.sliding_window_view(test.codes, width, axis=1).reshape(-1, width).copy()
        scores["numpy"], _ = predictor.predict(windows)
        timings["numpy"].append(time.perf_counter() - t0)
    n = len(scores["numpy"])
    return {"windows": n, "baseline_bytes": int(windows.nbytes), "shares_windows": predictor.model.shares_windows,
            "windows_per_second": {k: round(n / min(v), 0) for k, v in timings.items()},
            "max_abs_difference": max(float(np.abs(scores[k] - scores["numpy"]).max()) for k in ("scan", "one_by_one")),
            "max_score": float(np.abs(scores["numpy"]).max())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_training_options(parser, "scan", "PBM model")
    parser.add_argument("--shuffles", type=int, default=10, help="shuffles of each sequence as its best window's "
                                                                   "background")
    args = parser.parse_args(argv)
    if not (DREAM5.is_dir() and CHIPSEQ.is_dir()):
        print(f"skipped: no {DREAM5} or {CHIPSEQ}", file=sys.stderr)
        return 0
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    tests = {name: read_sequences(CHIPSEQ / f"{name}_B.seq.gz", format="tsv", sequence_column="seq",
                                  id_column="EventID", label_columns=["Bound"]) for name in RELATED.values()}
    models, rows, timing = {}, [], None
    with tempfile.TemporaryDirectory() as root:
        for tf in RELATED:
            models[tf] = train_pbm(tf, f"{root}/{tf}", args.max_time, device, args.seed)
            predictor = load_predictor(f"{root}/{tf}", device)
            for name, test in tests.items():
                bound = test.label("Bound") == 1
                row = {"pbm": tf, "chipseq": name, "related": RELATED[tf] == name,
                       **{f"auroc_{k}": auroc(v, bound) for k, v in scores(predictor, test).items()}}
                rows.append(row)
                print(f"{tf} -> {name}: AUROC scan {row['auroc_scan']:.3f}, both strands {row['auroc_both']:.3f}, "
                      f"centre {row['auroc_centre']:.3f}, first {row['auroc_first']:.3f}", file=sys.stderr)
            if timing is None:
                timing = speed(predictor, tests[RELATED[tf]])
                print(f"speed: {timing['windows_per_second']} windows/s", file=sys.stderr)
        tf, chipseq = next(iter(RELATED.items()))  # the first pair, Foxo1's, on the default architecture
        models[f"{tf}, default architecture"] = train_pbm(tf, f"{root}/default", args.max_time, device, args.seed,
                                                          DEFAULT_ARCHITECTURE)
        predictor = load_predictor(f"{root}/default", device)
        test = tests[chipseq]
        shared = {"auroc_scan": auroc(scores(predictor, test)["scan"], test.label("Bound") == 1),
                  **speed(predictor, test)}
        print(f"default architecture: AUROC scan {shared['auroc_scan']:.3f}, {shared['windows_per_second']} "
              f"windows/s", file=sys.stderr)
        shared["significance"] = {name: significance(predictor, other, args.shuffles, args.seed)
                                  for name, other in tests.items()}
        print(f"significance: {shared['significance']}", file=sys.stderr)
    path = write_json(args.name, {"device": str(device), "threads": args.threads, "max_time_minutes": args.max_time,
                                  "seed": args.seed, "settings": SETTINGS, "models": models, "pairs": rows,
                                  "speed": timing, "default_architecture": {"settings": DEFAULT_ARCHITECTURE,
                                                                            **shared}})
    print(f"-> {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
