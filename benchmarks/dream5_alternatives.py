"""Two alternatives to the DREAM5 predictor, measured on validation splits of the training arrays only.

- ``kmer``: each probe scored by the mean of its ``--top`` best 8-mers' median log signal over the
  training probes that contain them (reverse complements merged), the classic PBM 8-mer summary, as a
  possible second kind of ensemble member.
- ``multitask``: one convolutional trunk of the benchmark's shape (two layers, kernel 9 then 5 with
  dilation 2, ``padding: full``, max and mean pooling) with a head per TF, trained on several TFs' arrays
  of one design at once (the probes each TF lacks are masked out of the loss); with one TF it is the
  single-task baseline. The validation probes are one random 10% of the union of the TFs' probes, held
  out for every TF, so no TF's validation probe is trained on with another TF's label. ``--only TF`` trains
  on that TF's labels alone over the same probes and split: the single-task baseline on the same validation
  probes.

Neither is part of the package (RESULTS.md, DREAM5 round 6: neither beat the package's predictor).
The printed figures also go to ``results/dream5_alternatives-kmer[-NAME].json`` or
``results/dream5_alternatives-multitask[-NAME].json``; ``--device`` (multitask) trains and predicts there.
Usage::

    python benchmarks/dream5_alternatives.py kmer --tfs Egr2:HK Foxo1:HK Tbx3:ME
    python benchmarks/dream5_alternatives.py multitask --tfs Cebpb Egr2 Foxo1 Irf2 Sox14 Tbx3 --only Egr2 --minutes 3
    python benchmarks/dream5_alternatives.py multitask --tfs Cebpb Egr2 Foxo1 Irf2 Sox14 Tbx3 --filters 128 --minutes 12
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqgen first
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_json  # noqa: E402
from dream5 import DREAM5, read_array  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.stats import pearson, spearman  # noqa: E402
from seqgen.tasks.predictor import split_index  # noqa: E402

K = 8


def log_signal(data) -> np.ndarray:
    """``(N,)`` log(signal + 1) of a DREAM5 array, the benchmark's target scale."""
    return np.log(np.maximum(data.label("signal"), 0) + 1)


def canonical_kmers(codes: np.ndarray) -> np.ndarray:
    """``(N, L)`` base codes -> ``(N, L - K + 1)`` index of each K-mer or its reverse complement (the smaller)."""
    n, length = codes.shape
    c, span = codes.astype(np.int64), length - K + 1
    forward, reverse = np.zeros((n, span), np.int64), np.zeros((n, span), np.int64)
    for j in range(K):
        forward = forward * 4 + c[:, j:j + span]
        reverse = reverse * 4 + (3 - c[:, K - 1 - j:K - 1 - j + span])
    return np.minimum(forward, reverse)


def kmer_scores(train_codes: np.ndarray, y: np.ndarray, test_codes: np.ndarray, top: int) -> np.ndarray:
    """``(M,)`` test scores: the mean of each test probe's ``top`` best 8-mer medians over the training probes."""
    kmers = canonical_kmers(train_codes)
    table = pd.DataFrame({"k": kmers.ravel(), "y": np.repeat(y, kmers.shape[1])}).drop_duplicates()
    medians = table.groupby("k")["y"].median()
    lookup = np.full(4 ** K, np.median(y))
    lookup[medians.index.to_numpy()] = medians.to_numpy()
    best = -np.sort(-lookup[canonical_kmers(test_codes)], axis=1)
    return best[:, :top].mean(1)


def run_kmer(pairs: list[str], tops: list[int]) -> list[dict]:
    """Prints, and returns as rows, the validation figures of each TF:ARRAY pair and ``top``."""
    rows = []
    for pair in pairs:
        tf, array = pair.split(":")
        data = read_array(tf, array)
        y = log_signal(data)
        train, val = split_index(len(data), 0.1, 0)  # the benchmark's validation split
        for top in tops:
            p = kmer_scores(data.codes[train], y[train], data.codes[val], top)
            print(f"kmer {tf} {array} top {top}: val log-Pearson {pearson(p, y[val]):.3f} "
                  f"Spearman {spearman(p, y[val]):.3f}", flush=True)
            rows.append({"tf": tf, "array": array, "top": top, "val_pearson_log": float(pearson(p, y[val])),
                         "val_spearman": float(spearman(p, y[val]))})
    return rows


class MultiTaskCNN(nn.Module):
    """``(N, 4, L)`` -> ``(N, T)``: a shared two-layer trunk and a hidden-32 head per task."""

    def __init__(self, tasks: int, filters: int, hidden: int = 32, dropout: float = 0.1):
        super().__init__()
        self.conv1 = nn.Conv1d(4, filters, 9, padding=8)  # padding: full
        self.conv2 = nn.Conv1d(filters, filters, 5, padding=4, dilation=2)
        self.w1 = nn.Parameter(torch.randn(tasks, 2 * filters, hidden) / (2 * filters) ** 0.5)
        self.b1 = nn.Parameter(torch.zeros(tasks, hidden))
        self.w2 = nn.Parameter(torch.randn(tasks, hidden) / hidden ** 0.5)
        self.b2 = nn.Parameter(torch.zeros(tasks))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv1(x))
        h = h + torch.relu(self.conv2(h))
        f = self.dropout(torch.cat([h.amax(-1), h.mean(-1)], -1))  # (N, 2F)
        g = self.dropout(torch.relu(torch.einsum("nd,tdh->nth", f, self.w1) + self.b1))  # (N, T, H)
        return (g * self.w2).sum(-1) + self.b2


def masked_mse(pred: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the entries of ``z`` ``(N, T)`` that are not NaN."""
    known = ~torch.isnan(z)
    return ((pred - torch.nan_to_num(z)) ** 2 * known).sum() / known.sum()


def union_table(tfs: list[str], array: str) -> tuple[np.ndarray, np.ndarray]:
    """The union of the TFs' probes ``(P, L)`` and their log signals ``(P, T)`` (NaN where a TF lacks a probe)."""
    probes, columns = {}, []
    for tf in tfs:
        data = read_array(tf, array)
        columns.append(dict(zip(map(bytes, data.codes), log_signal(data))))
        probes.update(zip(map(bytes, data.codes), data.codes))
    keys = sorted(probes)
    y = np.array([[column.get(k, np.nan) for column in columns] for k in keys], np.float32)
    return np.stack([probes[k] for k in keys]), y


def run_multitask(tfs: list[str], array: str, minutes: float, filters: int, only: str | None = None,
                  seed: int = 0, device: torch.device = torch.device("cpu")) -> dict:
    """Trains on ``device``; prints, and returns, the validation figures per TF (and the steps trained)."""
    codes, y = union_table(tfs, array)
    train, val = split_index(len(codes), 0.1, seed)
    z = torch.tensor((y - np.nanmean(y[train], 0)) / np.nanstd(y[train], 0), device=device)
    if only:  # the single-task baseline: the other TFs' labels are not learned
        z[:, [tf != only for tf in tfs]] = float("nan")
    x = nn.functional.one_hot(torch.tensor(codes, dtype=torch.long, device=device), 4).float().transpose(1, 2)
    val_index = torch.as_tensor(val, device=device)
    torch.manual_seed(seed)
    net = MultiTaskCNN(len(tfs), filters).to(device)  # initialized on the CPU: the same weights on every device
    opt = torch.optim.Adam(net.parameters(), 1e-3)

    def predict(index):
        net.eval()
        with torch.no_grad():
            out = torch.cat([net(x[index[i:i + 8192]]) for i in range(0, len(index), 8192)])
        net.train()
        return out

    best, waited, step, start, pool = float("inf"), 0, 0, time.time(), torch.tensor(train, device=device)
    kept = {k: v.clone() for k, v in net.state_dict().items()}
    while time.time() - start < minutes * 60 and waited < 10:  # early stopping as the package: patience 10
        index = pool[torch.randint(len(pool), (256,)).to(device)]  # drawn on the CPU, as before
        loss = masked_mse(net(x[index]), z[index])
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            score = float(masked_mse(predict(val_index), z[val_index]))
            best, waited = (score, 0) if score < best else (best, waited + 1)
            if waited == 0:
                kept = {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(kept)
    pred = predict(val_index).cpu().numpy()
    rows = []
    for j, tf in enumerate(tfs):
        if only and tf != only:
            continue
        known = ~np.isnan(y[val, j])
        p, t = pred[known, j], y[val, j][known]
        print(f"multitask {array} {tf} (tasks {1 if only else len(tfs)}, filters {filters}, {step} steps): "
              f"val log-Pearson {pearson(p, t):.3f} Spearman {spearman(p, t):.3f}", flush=True)
        rows.append({"tf": tf, "val_pearson_log": float(pearson(p, t)), "val_spearman": float(spearman(p, t))})
    return {"array": array, "tfs": tfs, "only": only, "tasks": 1 if only else len(tfs), "filters": filters,
            "minutes": minutes, "seed": seed, "steps": step, "device": str(device), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    both = argparse.ArgumentParser(add_help=False)  # the options of both subcommands
    both.add_argument("--name", help="suffix of the JSON file (results/dream5_alternatives-WHAT-NAME.json)")
    both.add_argument("--device", default="cpu",
                      help="cpu, cuda, cuda:1... or auto (CUDA, then MPS, then the CPU): where multitask trains "
                           "and predicts (kmer runs in numpy)")
    sub = parser.add_subparsers(dest="what", required=True)
    k = sub.add_parser("kmer", parents=[both])
    k.add_argument("--tfs", nargs="+", default=["Egr2:HK", "Foxo1:HK", "Tbx3:ME"], help="TF:ARRAY pairs")
    k.add_argument("--top", nargs="+", type=int, default=[1, 3, 5])
    m = sub.add_parser("multitask", parents=[both])
    m.add_argument("--array", default="HK")
    m.add_argument("--tfs", nargs="+", required=True)
    m.add_argument("--minutes", type=float, default=3.0)
    m.add_argument("--filters", type=int, default=64)
    m.add_argument("--only", help="learn this TF's labels alone (the single-task baseline on the same split)")
    args = parser.parse_args()
    if not DREAM5.is_dir():
        print(f"skipped: {DREAM5} is absent", file=sys.stderr)
        return
    if args.what == "multitask" and args.only and args.only not in args.tfs:
        parser.error(f"--only {args.only} is not one of --tfs")
    torch.set_num_threads(1)
    device = select_device(args.device)
    if args.what == "kmer":
        payload = {"tfs": args.tfs, "top": args.top, "rows": run_kmer(args.tfs, args.top)}
    else:
        payload = run_multitask(args.tfs, args.array, args.minutes, args.filters, args.only, device=device)
    path = write_json(f"dream5_alternatives-{args.what}" + (f"-{args.name}" if args.name else ""), payload)
    print(f"-> {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
