"""Model selection for ``generator_quality.py`` on a validation split of the TRAINING peaks only.

The benchmark's held-out 20% is never read: the training 80% (same split and seed as the
benchmark) is split again, ``--val-fraction`` (10%) for validation; 0.25 gives a validation set as
large as the benchmark's held-out one, so about the same real-vs-real floor. Each candidate
(``NAME KEY=JSON ...``, settings over the benchmark's ``--base`` model) trains for ``--minutes`` of
wall time, then reports per nucleotide the validation ELBO (nats, higher is better) and the k-mer JS
ratio (k = 4, 6) of as many samples as validation sequences against the validation set, over the
same figure for training subsets of that size (the mean of 5, one floor for every candidate). With
``--draws D`` the ratios are the mean over D sample draws (one draw of a FOXA1-sized set is +-0.2 at
k = 4; each draw's ratios are kept); ``--train-seed`` varies the model's seed without moving the splits.

    flock /tmp/seqgen-bench.lock python benchmarks/generator_select.py --dataset FOXA1 --minutes 4 \\
        "A" "B blocks=1 lr=0.002"
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA, write_json  # noqa: E402
from generator_floor import KS, draw_ratios, mean_floor  # noqa: E402
from generator_quality import CPU_SETTINGS, load_peaks  # noqa: E402

from seqgen.data import one_hot  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.generate import load_generator  # noqa: E402
from seqgen.tasks import build_task, merge_config  # noqa: E402
from seqgen.training import Trainer  # noqa: E402


def validation_elbo(model, codes: np.ndarray, samples: int = 4, chunk: int = 1024) -> float:
    """Mean ELBO per nucleotide (nats) of ``codes (N, L)``, on the model's device."""
    device = next(model.parameters()).device
    # the draws from a CPU generator, then moved: the same eps on every device
    eps = torch.randn(samples, model.latent_dim, generator=torch.Generator().manual_seed(0)).to(device)
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(codes), chunk):
            x = one_hot(torch.from_numpy(codes[start:start + chunk]).to(device), model.alphabet_size).float()
            total += float(model.elbo(x, eps).sum())
    return total / codes.size


def run(name: str, overrides: dict, fit, val, floor: dict, minutes: float, seed: int, base: str = "vae_ar",
        draws: int = 1, device: torch.device = torch.device("cpu")) -> dict:
    config, settings = merge_config("vae", {**CPU_SETTINGS[base], **overrides, "steps": 10 ** 7,
                                            "max_time": minutes, "checkpoint_every": 10 ** 6, "progress": False,
                                            "seed": seed})
    with tempfile.TemporaryDirectory() as out:
        task, _ = build_task("vae", config, settings, fit, device)
        result = Trainer(task, settings, out, "dna", fit.length).fit(device)
        model, _ = load_generator(out, device)
    model.eval()
    ratios = draw_ratios(model, val.codes, floor, range(seed, seed + draws))
    row = {"name": name, "base": base, "settings": overrides, "steps": result.steps,
           "val_elbo_per_nt": round(validation_elbo(model, val.codes), 4)}
    for k in KS:
        row[f"js_ratio_k{k}"] = round(float(np.mean([r[f"k{k}"] for r in ratios])), 2)
    row["draws"] = ratios
    print(json.dumps(row), flush=True)
    return row


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="+", help='"NAME KEY=JSON ..." (settings over vae_ar)')
    parser.add_argument("--dataset", default="FOXA1")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--base", default="vae_ar", choices=sorted(k for k in CPU_SETTINGS if k.startswith("vae")),
                        help="the benchmark model whose settings the candidates change")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="validation share of the training part (0.25: the benchmark's held-out size)")
    parser.add_argument("--draws", type=int, default=1, help="sample draws averaged per candidate")
    parser.add_argument("--train-seed", type=int,
                        help="seed of the models and samples (default --seed, which also fixes the data splits)")
    parser.add_argument("--name", help="results file name (default generator_select-DATASET)")
    parser.add_argument("--device", default="cpu",
                        help="cpu, cuda, cuda:1... or auto (CUDA, then MPS, then the CPU): where the candidates "
                             "train, sample and are scored")
    args = parser.parse_args(argv)
    if not (SHARED_DATA / "chipseq").is_dir():
        print("skipped: ../shared/data/chipseq is absent")
        return
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    train, _ = load_peaks(args.dataset).split(0.2, seed=args.seed)  # the benchmark's held-out part is dropped
    fit, val = train.split(args.val_fraction, seed=args.seed + 1)
    floor = {k: mean_floor(fit, val, k, 5, args.seed)[0] for k in KS}  # one floor for every candidate
    rows = []
    for candidate in args.candidates:
        name, *items = candidate.split()
        rows.append(run(name, {k: json.loads(v) for k, v in (i.split("=", 1) for i in items)}, fit, val, floor,
                        args.minutes, args.seed if args.train_seed is None else args.train_seed, args.base,
                        args.draws, device))
    write_json(args.name or f"generator_select-{args.dataset}",
               {"minutes": args.minutes, "threads": args.threads, "base": args.base, "device": str(device),
                "val_fraction": args.val_fraction, "draws": args.draws, "train_seed": args.train_seed, "rows": rows})


if __name__ == "__main__":
    main()
