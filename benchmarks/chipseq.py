"""ChIP-seq peaks with shuffled negatives, tested as DeepBind was (Alipanahi et al. 2015).

DeepBind's ENCODE sets (``../shared/data/chipseq/``, skipped when absent) give each TF's training peaks (folds A
and C, ``*_AC.seq.gz``: bound sequences only, 101 nt around the peak) and a test fold B of 500 bound peaks and
500 unbound sequences DeepBind made (``*_B.seq.gz``). For every TF this script does what a user of peaks
without negatives does:

1. ``seqgen encode AC --negatives shuffle``: the peaks plus one dinucleotide shuffle of each, label ``bound``;
2. ``seqgen train predictor`` on them (a classifier; its own validation split, ``--max-time`` minutes);
3. ``seqgen predict`` fold B, and the AUROC of bound against DeepBind's unbound sequences.

The yardstick in the same run: ridge regression on 5-mer counts (both strands, :mod:`seqgen.baselines`) fitted
on the same peaks and shuffles (at most 20,000 of them), scored on the same fold B. Writes
``results/chipseq.json``.

    flock /tmp/seqgen-bench.lock python benchmarks/chipseq.py [--tfs FOXA1_HepG2 REST_GM12878] [--max-time 2]
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
from seqgen.baselines import kmer_baseline  # noqa: E402
from seqgen.data import one_hot  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402
from seqgen.negatives import BOUND  # noqa: E402
from seqgen.predict import load_predictor  # noqa: E402
from seqgen.stats import auroc  # noqa: E402
from seqgen.tasks import train  # noqa: E402

CHIPSEQ = SHARED_DATA / "chipseq"
TABLE = {"format": "tsv", "sequence_column": "seq", "id_column": "EventID"}


def kmer_auroc(training, test, bound: np.ndarray) -> float:
    """The yardstick: :func:`seqgen.baselines.kmer_baseline` (the predictor's own, in ``metrics.json``) fitted on
    the training sequences' ``bound`` (a random 20,000 at most) and scored on the test sequences."""
    codes = np.concatenate([training.codes, test.codes])
    fit, score = np.arange(len(training)), np.arange(len(training), len(codes))
    return kmer_baseline(codes, training.alphabet, training.label(BOUND), fit, score, bound.astype(float),
                         classification=True)["val_auroc"]


def run_tf(name: str, max_time: float, device: torch.device, seed: int) -> dict:
    """One TF: encode its peaks with shuffles, train, score fold B; the figures and the seconds each step took."""
    started = time.perf_counter()
    training = read_sequences(CHIPSEQ / f"{name}_AC.seq.gz", **TABLE, negatives="shuffle", seed=seed)
    test = read_sequences(CHIPSEQ / f"{name}_B.seq.gz", **TABLE, label_columns=["Bound"])
    encoded = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        result = train("predictor", training, folder, {"max_time": max_time, "seed": seed, "progress": False},
                       device)
        predictor = load_predictor(folder, device)
        mean, _ = predictor.predict(test.codes)
        with torch.no_grad():  # (N, K) logits of the K members: each one's ranking alone
            members = predictor.outputs(one_hot(torch.from_numpy(test.codes).to(predictor.device), 4)).float()
        member_aurocs = [auroc(column, test.label("Bound") == 1) for column in members.cpu().numpy().T]
    trained = time.perf_counter()
    bound = test.label("Bound") == 1
    return {"tf": name, "n_peaks": int((training.label(BOUND) == 1).sum()), "n_test": len(test),
            "auroc": auroc(mean, bound), "auroc_members": member_aurocs,
            "auroc_kmer_ridge": kmer_auroc(training, test, bound), "steps": result.steps, "stopped": result.stopped,
            "seconds_encode": round(encoded - started, 1), "seconds_train_predict": round(trained - encoded, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tfs", nargs="*", help="TF_cell names (default: every *_AC.seq.gz with its _B)")
    add_training_options(parser, "chipseq", "TF")
    args = parser.parse_args(argv)
    if not CHIPSEQ.is_dir():
        print(f"skipped: no {CHIPSEQ}", file=sys.stderr)
        return 0
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    names = args.tfs or sorted(p.name.removesuffix("_AC.seq.gz") for p in CHIPSEQ.glob("*_AC.seq.gz")
                               if (CHIPSEQ / p.name.replace("_AC.", "_B.")).is_file())
    rows = []
    for name in names:
        rows.append(run_tf(name, args.max_time, device, args.seed))
        row = rows[-1]
        print(f"{name}: AUROC {row['auroc']:.3f} (k-mer ridge {row['auroc_kmer_ridge']:.3f}), {row['n_peaks']:,} "
              f"peaks, {row['steps']} steps in {row['seconds_train_predict']:.0f} s", file=sys.stderr)
    summary = {"mean_auroc": float(np.mean([r["auroc"] for r in rows])),
               "mean_auroc_kmer_ridge": float(np.mean([r["auroc_kmer_ridge"] for r in rows]))}
    path = write_json(args.name, {"max_time_minutes": args.max_time, "seed": args.seed, "tfs": rows, **summary})
    print(f"mean AUROC {summary['mean_auroc']:.3f} (k-mer ridge {summary['mean_auroc_kmer_ridge']:.3f}) -> {path}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
