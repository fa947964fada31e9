"""DREAM5 PBM protocol: train the predictor on one array design, test on the other (HK -> ME, ME -> HK).

For every TF in ``../shared/data/pbm/dream5/`` (skipped when absent) and both directions, trains an
ensemble on the training array (its own validation split for early stopping, within ``--max-time``
minutes), then scores the other array's probes. Figures per TF and direction, for the ensemble
(mean over members) and for single models (each member alone; their mean and member 0):

- Pearson on raw signal (predictions mapped back from the log scale, averaged over members),
- Pearson on log signal, Spearman,
- AUROC with positives at mean + 4 SD of the test array's signal (nan when no probe is above).

``--no-test`` trains and reports only validation figures of the training array (for model
selection without touching the test arrays). Writes ``results/dream5[-NAME].json``.

    flock /tmp/seqgen-bench.lock python benchmarks/dream5.py [--tfs Egr2 Irf2] [--set KEY=VALUE ...]
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # no spinning threads on a shared machine

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import sys  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqgen first

from common import SHARED_DATA, write_json, write_text  # noqa: E402
from seqgen.alphabets import PAD, encode  # noqa: E402
from seqgen.data import SequenceSet, one_hot  # noqa: E402
from seqgen.device import adam, autocast, select_device  # noqa: E402
from seqgen.stats import auroc, pearson, spearman  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402
from seqgen.models.predictor import Predictor  # noqa: E402
from seqgen.predict import load_predictor  # noqa: E402
from seqgen.tasks import build_task, merge_config  # noqa: E402
from seqgen.tasks.predictor import ARCHITECTURE, split_index  # noqa: E402
from seqgen.training import Trainer  # noqa: E402

DREAM5 = SHARED_DATA / "pbm" / "dream5"
BASE = {"label": "signal", "transform": "log", "progress": False}


def member_outputs(predictor, codes: np.ndarray) -> np.ndarray:
    """``(N, K)`` member predictions of log signal (model outputs mapped back to the log scale)."""
    x, rows = torch.from_numpy(codes), predictor.batch_rows()
    outs = []
    with torch.no_grad():
        for start in range(0, len(codes), rows):
            outs.append(predictor.outputs(one_hot(x[start:start + rows], 4)).float())
    z = torch.cat(outs).double().cpu().numpy()
    norm = predictor.normalization
    return z * norm.std + norm.mean


#: the figures' log scale, log(signal + 1), whatever ``log_offset`` the model was trained with
EVAL_OFFSET = 1.0


def figures(log_pred: np.ndarray, signal: np.ndarray, offset: float) -> dict:
    """The four DREAM5 figures of one prediction ``(N,)`` of log(signal + ``offset``), the model's training
    scale, against ``signal``; the log figures on the scale log(signal + 1)."""
    raw_pred = np.exp(log_pred) - offset
    log_signal = np.log(np.maximum(signal, 0) + EVAL_OFFSET)
    positive = signal > signal.mean() + 4 * signal.std()
    return {"pearson_raw": pearson(raw_pred, signal),
            "pearson_log": pearson(np.log(np.maximum(raw_pred, 0) + EVAL_OFFSET), log_signal),
            "spearman": spearman(log_pred, signal), "auroc": auroc(log_pred, positive)}


def ensemble_figures(log_members: np.ndarray, signal: np.ndarray, offset: float) -> dict:
    """Ensemble (members averaged) and single-model figures."""
    ens = figures(log_members.mean(1), signal, offset)
    raw_mean = (np.exp(log_members) - offset).mean(1)  # raw scale: average the members' raw predictions
    ens["pearson_raw"] = pearson(raw_mean, signal)
    singles = [figures(log_members[:, k], signal, offset) for k in range(log_members.shape[1])]
    return {"ensemble": ens, "member0": singles[0],
            "members_mean": {k: float(np.nanmean([s[k] for s in singles])) for k in ens}}


def read_array(tf: str, array: str, flank: str = "") -> SequenceSet:
    """One TF's probes on one array design, with ``flank`` (a constant region) appended to every probe.

    An ``N`` in ``flank`` is an unknown base (a zero one-hot column).
    """
    probes = read_sequences(DREAM5 / f"{tf}_{array}.txt", "dna", "dream5")
    if not flank:
        return probes
    known = encode([flank.replace("N", "A")], "dna")[0]
    codes = np.where(np.array(list(flank)) == "N", PAD, known).astype(np.uint8)
    tail = np.broadcast_to(codes, (len(probes), len(flank)))
    return SequenceSet(np.concatenate([probes.codes, tail], axis=1), probes.alphabet, probes.ids, None,
                       probes.labels, probes.label_names, {**probes.meta, "flank": flank})


def run_one(tf: str, train_array: str, test_array: str, user: dict, device, test: bool, flank: str = "") -> dict:
    train = read_array(tf, train_array, flank)
    config, settings = merge_config("predictor", {**BASE, **user})
    with tempfile.TemporaryDirectory() as out:
        task, _ = build_task("predictor", config, settings, train, device)
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = Trainer(task, settings, out, "dna", train.length, task.model_extra).fit(device)
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - cpu0
        predictor = load_predictor(out, device)
    offset = config["log_offset"]
    _, val_index = split_index(len(train), config["val_fraction"], config["val_seed"])
    val = train.subset(val_index)
    row = {"tf": tf, "train": train_array, "test": test_array, "steps": result.steps, "stopped": result.stopped,
           "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), "members": predictor.members,
           "validation": ensemble_figures(member_outputs(predictor, val.codes), val.label("signal"), offset)}
    if test:
        held = read_array(tf, test_array, flank)
        row.update(ensemble_figures(member_outputs(predictor, held.codes), held.label("signal"), offset))
    return row


def ensemble_cost(user: dict, device, steps: int = 30, length: int = 35) -> dict:
    """Time per training step of one K-member ensemble against K separate single models (same batch per member)."""
    config, settings = merge_config("predictor", {**BASE, **user})
    members, batch = config["members"], settings.batch_size
    arch = {k: config[k] for k in ARCHITECTURE if k not in ("members", "strands")}
    strands = "concat" if config["strands"] == "auto" else config["strands"]
    timings = {}
    for k in (1, members):
        model = Predictor(4, length, members=k, strands=strands, **arch).to(device)
        opt = adam(model.parameters(), device, lr=1e-3)  # as training: fused Adam, bf16 autocast on CUDA
        codes = torch.randint(0, 4, (batch * k, length), dtype=torch.uint8, device=device)
        x = one_hot(codes, 4).reshape(batch, k, 4, length)  # each member its own batch
        y = torch.randn(batch, k, device=device)
        for i in range(steps + 5):
            if i == 5:
                if device.type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
            with autocast(device):
                loss = ((model(x).float() - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        timings[k] = 1000 * (time.perf_counter() - t0) / steps
    return {"members": members, "ms_per_step_single": round(timings[1], 2),
            "ms_per_step_ensemble": round(timings[members], 2),
            "ensemble_vs_separate": round(timings[members] / (members * timings[1]), 3)}


def summary(rows: list[dict], part: str) -> dict:
    """Mean of each figure per direction for ``part`` (ensemble, member0, members_mean, validation)."""
    out = {}
    for direction in sorted({(r["train"], r["test"]) for r in rows}):
        sel = [r for r in rows if (r["train"], r["test"]) == direction]
        figs = [r["validation"]["ensemble"] if part == "validation" else r[part] for r in sel if part in r
                or part == "validation"]
        if figs:
            out[f"{direction[0]}->{direction[1]}"] = {k: float(np.nanmean([f[k] for f in figs])) for k in figs[0]}
    return out


def markdown(rows: list[dict], summ: dict) -> str:
    """Per-TF table (ensemble and member 0) and the means per direction, as Markdown."""
    figs = ("pearson_raw", "pearson_log", "spearman", "auroc")
    lines = ["| TF | train -> test | steps (stop) | s | " + " | ".join(f"ens. {f}" for f in figs)
             + " | " + " | ".join(f"single {f}" for f in figs) + " |", "|---" * (4 + 2 * len(figs)) + "|"]
    for r in rows:
        lines.append(f"| {r['tf']} | {r['train']} -> {r['test']} | {r['steps']} ({r['stopped']}) | {r['seconds']:.0f} | "
                     + " | ".join(f"{r['ensemble'][f]:.3f}" for f in figs) + " | "
                     + " | ".join(f"{r['member0'][f]:.3f}" for f in figs) + " |")
    lines += ["", "| mean over TFs | direction | " + " | ".join(figs) + " |", "|---" * (2 + len(figs)) + "|"]
    for part, label in (("ensemble", "ensemble"), ("member0", "single model (member 0)"),
                        ("members_mean", "single model (mean over members)"), ("validation", "validation (train array)")):
        for direction, values in summ.get(part, {}).items():
            lines.append(f"| {label} | {direction} | " + " | ".join(f"{values[f]:.3f}" for f in figs) + " |")
    return "\n".join(lines) + "\n"


def report(row: dict) -> dict:
    """Print one TF-direction's figures to stderr; returns ``row``."""
    shown = row.get("ensemble", row["validation"]["ensemble"])
    print(f"{row['tf']} {row['train']}-{row['test']}: {row['steps']} steps ({row['stopped']}, {row['seconds']} s, "
          f"cpu {row['cpu_seconds']} s) val log-r {row['validation']['ensemble']['pearson_log']:.3f} | "
          + " ".join(f"{k} {v:.3f}" for k, v in shown.items()), file=sys.stderr, flush=True)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tfs", nargs="*", help="TFs (default: every TF in the folder)")
    parser.add_argument("--directions", nargs="*", default=["HK-ME", "ME-HK"])
    parser.add_argument("--max-time", type=float, default=5.0, help="minutes of training per TF and direction")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="predictor setting")
    parser.add_argument("--name", help="suffix of the JSON file")
    parser.add_argument("--flank", default="", metavar="SEQ",
                        help="constant region appended to every probe (the array's linker, between the variable "
                             "region and the slide)")
    parser.add_argument("--no-test", action="store_true", help="validation figures only (model selection)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (the budget is per core)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="TF-directions trained at once, each in its own process with --threads threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", "Mean of empty slice")  # AUROC is nan where no probe is a positive
    if not DREAM5.is_dir():
        print(f"skipped: {DREAM5} is absent", file=sys.stderr)
        return 0
    user = {"max_time": args.max_time}
    for item in args.set:
        key, _, value = item.partition("=")
        user[key] = yaml.safe_load(value)
    tfs = args.tfs or sorted({p.name.split("_")[0] for p in DREAM5.glob("*_HK.txt")})
    device = select_device(args.device)
    tasks = [(tf, *direction.split("-")) for tf in tfs for direction in args.directions]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=torch.set_num_threads, initargs=(args.threads,)) as pool:
            futures = [pool.submit(run_one, tf, tr, te, user, device, not args.no_test, args.flank)
                       for tf, tr, te in tasks]
            rows = [report(f.result()) for f in futures]
    else:
        rows = [report(run_one(tf, tr, te, user, device, not args.no_test, args.flank)) for tf, tr, te in tasks]
    parts = ["validation"] + ([] if args.no_test else ["ensemble", "member0", "members_mean"])
    cost = ensemble_cost(user, device, length=35 + len(args.flank))  # DREAM5 probes: 35 nt
    print(f"ensemble cost: {cost}", file=sys.stderr)
    payload = {"settings": user, "flank": args.flank, "device": str(device), "threads": args.threads,
               "ensemble_cost": cost, "rows": rows,
               "summary": {part: summary(rows, part) for part in parts}}
    path = write_json("dream5" + (f"-{args.name}" if args.name else ""), payload)
    if not args.no_test:
        write_text(path.with_suffix(".md"), markdown(rows, payload["summary"]))
    for part in parts:
        for direction, figs in payload["summary"][part].items():
            print(f"{part:13s} {direction}: " + " ".join(f"{k} {v:.3f}" for k, v in figs.items()), file=sys.stderr)
    print(f"-> {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
