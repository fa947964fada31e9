"""Generator quality on real ChIP-seq peaks within a fixed training budget.

For each data set (``../shared/data/chipseq/NAME_AC.seq.gz``, 101 nt), hold out
20%, train each generator for at most ``--minutes`` of wall time, sample as many
sequences as the held-out set and evaluate them (:func:`seqgen.metrics.evaluate`,
the held-out peaks as reference, the training set for copies and for the
real-vs-real k-mer baseline). Three baselines go through the same evaluation:
uniform random sequences, sequences drawn i.i.d. from the training base
composition, and an order-5 Markov chain counted on the training set (the k-mer
statistics by counting alone). Writes ``results/generator_quality.json``.

Usage: ``flock /tmp/seqgen-bench.lock python benchmarks/generator_quality.py [--minutes 10]
[--datasets FOXA1 REST] [--models vae vae_ar vae_ar_markov gan]``; ``vae`` is the conv VAE with the
independent (per-position) decoder, ``vae_ar`` the same with the autoregressive decoder, ``vae_ar_markov``
that with the order-5 chain added to its logits (``markov_order: 5``, no KL warm-up, ``ema: 0.998``, a
cosine learning-rate decay over the budget). ``--draws D`` samples D sets from each trained model and
reports every set's k-mer JS ratios and their mean.
"""
from __future__ import annotations

import argparse
import os
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # no spinning threads on a shared machine (4x faster here)
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SHARED_DATA, locked, write_json  # noqa: E402
from generator_floor import KS, draw_ratios  # noqa: E402

from seqgen.data import SequenceSet  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.generate import load_generator, sample_codes  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402
from seqgen.metrics import evaluate  # noqa: E402
from seqgen.models.markov import fit_log_probs, sample_chain  # noqa: E402
from seqgen.tasks import build_task, merge_config  # noqa: E402
from seqgen.training import Trainer  # noqa: E402

#: settings for a CPU budget (the rest are each kind's defaults)
CPU_SETTINGS = {
    "vae": {"latent_dim": 64, "channels": 64, "blocks": 3, "batch_size": 128, "kl_warmup": 500, "lr": 1e-3},
    "vae_ar": {"latent_dim": 64, "channels": 64, "blocks": 3, "batch_size": 128, "kl_warmup": 500, "lr": 1e-3,
               "decoder": "autoregressive", "dilations": [1, 2, 4, 8], "causal_kernel": 3, "free_bits": 0.05},
    "gan": {"channels": 32},  # Killoran's C = 100 runs 3-17 s a step here: 35-200 generator steps in 10 minutes
}
# the chain starts the decoder at the data's k-mer statistics; no KL warm-up, a weight average and a learning
# rate decaying to 0 over the budget keep the network's step-to-step noise out of the samples (selection
# trials: benchmarks/RESULTS.md)
CPU_SETTINGS["vae_ar_markov"] = {**CPU_SETTINGS["vae_ar"], "markov_order": 5, "kl_warmup": 0, "ema": 0.998,
                                 "lr_schedule": "cosine"}
#: the training recipe of each benchmarked model
KINDS = {"vae": "vae", "vae_ar": "vae", "vae_ar_markov": "vae", "gan": "gan"}
#: order of the Markov-chain baseline
MARKOV_ORDER = 5
BASELINES = ("uniform", "composition", "markov")


def load_peaks(name: str) -> SequenceSet:
    path = SHARED_DATA / "chipseq" / f"{name}_AC.seq.gz"
    matches = sorted((SHARED_DATA / "chipseq").glob(f"{name}*_AC.seq.gz"))
    path = matches[0] if matches else path
    return read_sequences(path, "dna", sequence_column="seq", id_column="EventID", ambiguous="drop",
                          duplicate_ids="keep")


def baseline(kind: str, train: SequenceSet, n: int, rng: np.random.Generator) -> np.ndarray:
    size = train.alphabet.size
    if kind == "markov":
        log_probs = fit_log_probs(torch.from_numpy(train.codes), MARKOV_ORDER, size)
        generator = torch.Generator().manual_seed(int(rng.integers(2 ** 31)))
        return sample_chain(log_probs, MARKOV_ORDER, n, train.length, generator).numpy()
    if kind == "uniform":
        p = np.full(size, 1.0 / size)
    else:
        p = np.bincount(train.codes.ravel(), minlength=256)[:size].astype(float)
        p /= p.sum()
    return rng.choice(size, (n, train.length), p=p).astype(np.uint8)


def train_and_sample(model: str, train: SequenceSet, n: int, minutes: float, device, out: Path, seed: int):
    kind = KINDS[model]
    config, settings = merge_config(kind, {**CPU_SETTINGS[model], "steps": 10 ** 7, "max_time": minutes,
                                           "checkpoint_every": 10 ** 6, "log_every": 50, "progress": False,
                                           "seed": seed})
    task, _ = build_task(kind, config, settings, train, device)
    result = Trainer(task, settings, out, train.alphabet.name, train.length).fit(device)
    generator, _ = load_generator(out, device)
    t0 = time.perf_counter()
    codes = sample_codes(generator, n, seed)
    info = {"config": config, "steps": result.steps, "stopped": result.stopped, "seconds": round(result.seconds, 1),
            "sample_s": round(time.perf_counter() - t0, 1), "last_metrics": result.last_metrics}
    return codes, info, generator


def summary(metrics: dict) -> dict:
    js = metrics["kmer_js"]
    return {"js_ratio_k4": js["4"]["ratio"], "js_ratio_k6": js["6"]["ratio"], "js_k4": js["4"]["query"],
            "js_k6": js["6"]["query"], "copies": metrics["copies"]["fraction"],
            "auroc": metrics["classifier_auroc"], "nearest_hamming": metrics["nearest_hamming"]["mean"],
            "gc_ks": metrics["gc"]["ks"], "diversity": metrics["diversity"]["query"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["FOXA1", "REST"])
    parser.add_argument("--models", nargs="+", default=["vae", "vae_ar", "vae_ar_markov", "gan"], choices=sorted(KINDS))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-baselines", action="store_true",
                        help="keep the baseline rows already in the results file (they depend on --seed only)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="override a setting of every model in --models (for trials), e.g. free_bits=0")
    parser.add_argument("--name", default="generator_quality")
    parser.add_argument("--draws", type=int, default=1,
                        help="sample sets drawn from each trained model; the k-mer JS ratios of every draw and "
                             "their mean are reported (one FOXA1-sized draw is +-0.2 at k = 4)")
    args = parser.parse_args(argv)
    for item in args.set:
        key, value = item.split("=", 1)
        for model in args.models:
            CPU_SETTINGS[model][key] = json.loads(value)
    if not (SHARED_DATA / "chipseq").is_dir():
        print("skipped: ../shared/data/chipseq is absent")
        return
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    previous = RESULTS / f"{args.name}.json"
    results = json.loads(previous.read_text()).get("results", {}) if previous.is_file() else {}
    for name in args.datasets:
        data = load_peaks(name)
        train, held = data.split(0.2, seed=args.seed)
        rows = results.setdefault(name, {"n_train": len(train), "n_held_out": len(held), "length": data.length})
        rng = np.random.default_rng(args.seed)
        for kind in [b for b in BASELINES if not (args.skip_baselines and b in rows)]:
            query = SequenceSet(baseline(kind, train, len(held), rng), "dna", np.arange(len(held)).astype(str))
            rows[kind] = summary(evaluate(held, query, train, seed=args.seed))
            print(name, kind, rows[kind], flush=True)
        for kind in args.models:
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                codes, info, generator = train_and_sample(kind, train, len(held), args.minutes, device, Path(tmp),
                                                          args.seed)
                query = SequenceSet(codes, "dna", np.arange(len(codes)).astype(str))
                metrics = evaluate(held, query, train, seed=args.seed)
                floor = {k: metrics["kmer_js"][str(k)]["real"] for k in KS}  # more draws over the first's floor
                first = {f"k{k}": round(metrics["kmer_js"][str(k)]["ratio"], 3) for k in KS}
                more_seeds = range(args.seed + 1, args.seed + args.draws)
                draws = [first, *draw_ratios(generator, held.codes, floor, more_seeds)]
                means = {f"js_ratio_k{k}_mean": round(float(np.mean([d[f"k{k}"] for d in draws])), 3) for k in KS}
                rows[kind] = {**summary(metrics), **means, "draws": draws, "device": str(device),
                              "minutes": args.minutes, "threads": args.threads, **info,
                              "wall_s": round(time.perf_counter() - t0, 1), "metrics": metrics}
                print(name, kind, {k: v for k, v in rows[kind].items() if k not in ("metrics", "config")}, flush=True)
            store(args.name, results)
    print(f"-> {store(args.name, results)}")


def store(name: str, results: dict):
    """Write this run's rows into ``results/NAME.json``, re-read now under a lock, so that runs side by side (other
    data sets or models) each keep theirs."""
    with locked(name):
        path = RESULTS / f"{name}.json"
        stored = json.loads(path.read_text()).get("results", {}) if path.is_file() else {}
        for dataset, rows in results.items():
            stored.setdefault(dataset, {}).update(rows)
        return write_json(name, {"results": stored})


if __name__ == "__main__":
    main()
