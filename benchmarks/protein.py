"""Mutation effects on TEM-1 beta-lactamase: family VAE vs deep mutational scanning.

Trains the family VAE (``arch: mlp``) on the BLAT_ECOLX alignment for at most
``--minutes`` of wall time with one seed, scores the Ranganathan 2015 mutants
(2500 ug/ml ampicillin column) by ELBO(mutant) - ELBO(wild type), and stores
the scores in ``results/protein/seedS.tsv``. Every run then recomputes
``results/protein.json``: each seed's Spearman, the ensemble's (scores averaged
over the seeds stored with the same settings) and the site-independent model's.
One seed per run keeps each run short on a shared machine.

The family VAE's decoder is variational unless ``--set bayesian_decoder=false``
(MAP weights); the setting is always stored with a run. With a variational decoder the ELBOs also average
over ``--weight-samples`` decoder weight draws (default: one per latent sample, as
DeepSequence; 0: the posterior means); ``--also-means`` additionally scores with the
posterior means and records that Spearman as ``spearman_posterior_mean``. ``--set
steps=N`` with a large ``--minutes`` fixes the number of training steps, so that
runs compare at the same steps whatever the machine's load. ``--score-at 6000,12000,20000``
trains once to the largest count and scores at each (stored as runs with ``steps`` set).
``--work-dir DIR`` trains in DIR instead of a temporary folder, so that a run stopped part way (the end of a
session) resumes from its last checkpoint when started again with the same DIR and settings (a schedule longer than one
sitting). ``--rescore DIR`` scores a model kept with ``--keep-model`` again (e.g. with more ``--samples``), trains
nothing and stores nothing: it prints the Spearman figures. ``--ensemble A.tsv B.tsv ...`` prints the
Spearman of the mean score over stored per-mutant tables (models of different settings, not only seeds).

Usage: ``flock /tmp/seqgen-bench.lock python benchmarks/protein.py --seed 0 [--minutes 10]
[--set encoder_hidden=[1000,1000]] [--samples 200] [--set bayesian_decoder=false]``
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import pandas as pd  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SHARED_DATA, locked, write_json, write_text  # noqa: E402

from seqgen.checkpoint import load_checkpoint  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.generate import load_generator  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402
from seqgen.mutations import ESTIMATORS, likelihood_differences, site_independent_differences  # noqa: E402
from seqgen.protein import apply_mutants, mutant_notes, parse_mutants  # noqa: E402
from seqgen.tasks import build_task, merge_config, recipe  # noqa: E402
from seqgen.tasks.vae import resolve_gaps  # noqa: E402
from seqgen.training import Trainer  # noqa: E402

ALIGNMENT = "protein/BLAT_ECOLX_hmmerbit_plmc_n5_m30_f50_t0.2_r24-286_id100_b105.a2m"
DMS = "protein/BLAT_ECOLX_Ranganathan2015.csv"
COLUMN = "2500"
SCORES = RESULTS / "protein"


#: how every stored run was scored unless it says otherwise
DEFAULT_SCORING = {"samples": 200, "weight_samples": None, "estimator": "elbo"}


def scoring_of(run: dict) -> dict:
    """How a stored run was scored (runs from before the field: the ELBO, weight draws as latent draws)."""
    if "scoring" in run:
        return run["scoring"]
    weights = run.get("weight_samples")
    return {"samples": run["samples"], "weight_samples": None if weights in (None, run["samples"]) else weights,
            "estimator": run.get("estimator", "elbo")}


def scores_path(seed: int, settings: dict, scoring: dict = DEFAULT_SCORING) -> Path:
    """The per-mutant table of a run; the name's tag is the settings' hash (and the scoring's, if not the
    default), so that a run scored another way never replaces one scored the default way."""
    key = settings if scoring == DEFAULT_SCORING else {"settings": settings, "scoring": scoring}
    tag = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8]
    return SCORES / f"seed{seed}-{tag}.tsv"


def load_family_and_scan():
    """The alignment (a SequenceSet) and the scan's mutants with a value in COLUMN at match columns."""
    data = read_sequences(SHARED_DATA / ALIGNMENT, "protein-gap", ambiguous="drop")
    dms = pd.read_csv(SHARED_DATA / DMS).dropna(subset=[COLUMN])
    scorable = np.array(mutant_notes(dms["mutant"], data.meta, source=DMS)) == ""
    return data, dms[scorable].reset_index(drop=True)


def train_and_score(args, user: dict):
    """Train one seed and score the mutants; with ``--score-at``, score at each of those steps
    (training resumes from the previous stage's checkpoint, exactly as an uninterrupted run).
    Yields one run record per scored stage, as soon as it is scored."""
    device = select_device(args.device)
    data, dms = load_family_and_scan()
    stages = args.score_at or [None]
    trained = 0.0
    with (contextlib.nullcontext(args.work_dir) if args.work_dir else tempfile.TemporaryDirectory()) as out:
        done = checkpoint_step(out)
        if stages[0] is not None and any(stage < done for stage in stages):
            print(f"checkpoint at step {done}: skipping --score-at {[st for st in stages if st < done]} "
                  "(past; scored in an earlier sitting)", file=sys.stderr)
            stages = [stage for stage in stages if stage >= done]
        t0 = time.perf_counter()
        config, settings = merge_config("vae", {**user, "seed": args.seed, "max_time": args.minutes,
                                                "progress": False})
        task, _ = build_task("vae", config, settings, data, device)
        prep = time.perf_counter() - t0
        for stage in stages:
            stage_user = user if stage is None else {**user, "steps": stage}
            _, settings = merge_config("vae", {**stage_user, "seed": args.seed, "max_time": args.minutes,
                                               "progress": False})
            result = Trainer(task, settings, out, data.alphabet.name, data.length,
                             task.model_extra).fit(device, resume=True)
            trained += result.seconds
            model, payload = load_generator(out, device)
            if args.keep_model:
                Path(args.keep_model).mkdir(parents=True, exist_ok=True)
                shutil.copy(Path(out) / "model.pt", Path(args.keep_model) / "model.pt")
            record = score(args, stage_user, model, payload["family"], dms)
            yield {**record, "device": str(device), "steps": result.steps, "stopped": result.stopped,
                   "train_seconds": round(trained, 1), "weights_seconds": round(prep, 1),
                   "final_elbo": result.last_metrics.get("elbo"),
                   "final_reconstruction": result.last_metrics.get("reconstruction"),
                   "final_weight_kl": result.last_metrics.get("weight_kl")}


def checkpoint_step(folder) -> int:
    """The step of ``folder/checkpoint.pt`` (a ``--work-dir`` of an earlier sitting), 0 without one."""
    path = Path(folder) / "checkpoint.pt"
    return int(load_checkpoint(path)["step"]) if path.exists() else 0


def score(args, user: dict, model, family: dict, dms: pd.DataFrame, out: Path | None = None) -> dict:
    """Score the mutants of ``dms`` with ``model``; writes the scores table (to ``out``, default the run's
    ``scores_path``), returns the Spearman figures."""
    focus = np.asarray(family["focus_codes"], np.uint8)
    codes = apply_mutants(focus, parse_mutants(dms["mutant"], family["focus_positions"], focus))
    t1 = time.perf_counter()
    vae = likelihood_differences(model, focus, codes, args.samples, seed=args.seed, weight_samples=args.weight_samples,
                                 estimator=args.estimator)
    score_s = time.perf_counter() - t1
    extra = {}
    if getattr(model, "bayesian", False):
        extra["weight_samples"] = args.samples if args.weight_samples is None else args.weight_samples
        if args.also_means:
            means = likelihood_differences(model, focus, codes, args.samples, seed=args.seed, weight_samples=0,
                                           estimator=args.estimator)
            extra["spearman_posterior_mean"] = float(spearmanr(means, dms[COLUMN]).statistic)
    site = site_independent_differences(np.asarray(family["site_log_freq"]), focus, codes)
    scoring = {"samples": args.samples, "weight_samples": None if args.weight_samples in (None, args.samples)
               else args.weight_samples, "estimator": args.estimator}
    out = scores_path(args.seed, user, scoring) if out is None else out
    write_text(out, pd.DataFrame({"mutant": dms["mutant"], "measured": dms[COLUMN], "vae": vae,
                                  "site_independent": site}).to_csv(sep="\t", index=False))
    return {"seed": args.seed, "settings": user, "scoring": scoring, "score_seconds": round(score_s, 1),
            "samples": args.samples,
            "neff": round(family["neff"], 1), "n_sequences": family["n_sequences"], "n_mutants": len(dms),
            "spearman": float(spearmanr(vae, dms[COLUMN]).statistic),
            "spearman_site_independent": float(spearmanr(site, dms[COLUMN]).statistic), **extra}


def summarize(runs: list[dict], settings: dict, scoring: dict) -> dict:
    """One group's figures: its seeds (the stored runs of these settings, scored this way) and their ensemble."""
    same = [r for r in runs if r["settings"] == settings and scoring_of(r) == scoring]
    tables = [pd.read_csv(scores_path(r["seed"], settings, scoring), sep="\t") for r in same]
    measured = tables[0]["measured"]
    mean = np.mean([t["vae"] for t in tables], axis=0)
    return {"settings": settings, "scoring": scoring, "seeds": [r["seed"] for r in same],
            "single_spearman": [round(r["spearman"], 4) for r in same],
            "single_mean": round(float(np.mean([r["spearman"] for r in same])), 4),
            "ensemble_spearman": round(float(spearmanr(mean, measured).statistic), 4),
            "site_independent_spearman": round(same[0]["spearman_site_independent"], 4),
            "train_seconds_per_model": round(float(np.mean([r["train_seconds"] for r in same])), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--minutes", type=float, default=10.0, help="training wall-time budget per model")
    p.add_argument("--samples", type=int, default=DEFAULT_SCORING["samples"], help="latent samples per ELBO")
    p.add_argument("--weight-samples", type=int, default=None,
                   help="decoder weight draws of a variational decoder (default: --samples; 0: posterior means)")
    p.add_argument("--estimator", choices=ESTIMATORS, default="elbo",
                   help="log-likelihood estimate of each sequence: the ELBO (DeepSequence) or the importance-weighted "
                        "bound (iwae; with a variational decoder give --weight-samples < --samples)")
    p.add_argument("--also-means", action="store_true",
                   help="with a variational decoder, also score with the posterior means")
    p.add_argument("--keep-model", metavar="DIR", help="also copy the trained model.pt into DIR")
    p.add_argument("--score-at", type=lambda v: sorted(int(x) for x in v.split(",")), metavar="N1,N2,...",
                   help="train to each of these step counts in turn and score the mutants at each (a learning "
                        "curve for the cost of the longest run); each stage is stored as a run with steps=N")
    p.add_argument("--work-dir", metavar="DIR",
                   help="train in DIR (kept) and resume from its checkpoint if there is one: a long run over sittings")
    p.add_argument("--rescore", metavar="DIR",
                   help="score the model.pt kept in DIR (with --keep-model) again and print the figures; no training")
    p.add_argument("--ensemble", nargs="+", metavar="TSV",
                   help="only print the Spearman of the scores averaged over these per-mutant tables")
    p.add_argument("--device", default="cpu")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="VAE setting (arch is mlp)")
    args = p.parse_args()
    if args.ensemble:
        ensemble(args.ensemble)
        return
    if not (SHARED_DATA / ALIGNMENT).is_file():
        print(f"skipped: {SHARED_DATA / ALIGNMENT} is absent")
        return
    torch.set_num_threads(max(1, min(torch.get_num_threads(), os.cpu_count() or 1)))
    # the decoder kind is always named, so that runs before and after a change of its default never share a group
    user = {"arch": "mlp", "steps": 1_000_000, "bayesian_decoder": recipe("vae").DEFAULTS["bayesian_decoder"]}
    for item in args.set:
        key, _, value = item.partition("=")
        user[key] = yaml.safe_load(value)
    # the gap model is always named too (resolved: 'auto' is 'missing' here), so that runs from before 'auto'
    # (gaps as a letter, unnamed) keep a group of their own
    user["gaps"] = resolve_gaps({**recipe("vae").DEFAULTS, **user}, "protein-gap")
    if args.rescore:
        rescore(args)
        return
    for run in train_and_score(args, user):
        store(run)


def ensemble(paths: list[str]) -> None:
    """Print the Spearman of each per-mutant table and of their scores averaged (needs no data)."""
    tables = [pd.read_csv(path, sep="\t") for path in paths]
    if any(not t["mutant"].equals(tables[0]["mutant"]) for t in tables):
        sys.exit("--ensemble: the tables do not list the same mutants in the same order")
    single = [float(spearmanr(t["vae"], t["measured"]).statistic) for t in tables]
    mean = np.mean([t["vae"] for t in tables], axis=0)
    print(json.dumps({"tables": paths, "single_spearman": single,
                      "ensemble_spearman": float(spearmanr(mean, tables[0]["measured"]).statistic)}, indent=1))


def rescore(args) -> None:
    """Score a kept model again (``--samples``, ``--weight-samples``, ``--seed``); prints, stores nothing."""
    model, payload = load_generator(Path(args.rescore) / "model.pt", select_device(args.device))
    _, dms = load_family_and_scan()
    record = score(args, {"rescored": args.rescore}, model, payload["family"], dms,
                   out=Path(args.rescore) / f"scores-seed{args.seed}-samples{args.samples}.tsv")
    print(json.dumps({**record, "settings": payload["config"]}, indent=1))


def store(run: dict) -> None:
    """Add ``run`` to ``results/protein.json`` (re-read now, under a lock: runs side by side each add their own;
    it replaces only a run of the same seed, settings and scoring) and recompute every group's figures:
    ``groups`` (one per settings and scoring, in the order first stored) and ``summary`` (the group of this run)."""
    with locked("protein"):
        path = RESULTS / "protein.json"
        runs = json.loads(path.read_text())["runs"] if path.is_file() else []
        same = (run["seed"], run["settings"], scoring_of(run))
        runs = [r for r in runs if (r["seed"], r["settings"], scoring_of(r)) != same] + [run]
        keys = []
        for r in runs:
            if (r["settings"], scoring_of(r)) not in keys:
                keys.append((r["settings"], scoring_of(r)))
        groups = [summarize(runs, settings, scoring) for settings, scoring in keys]
        summary = summarize(runs, run["settings"], scoring_of(run))
        print(json.dumps(run, indent=1), json.dumps(summary, indent=1), sep="\n", flush=True)
        write_json("protein", {"summary": summary, "groups": groups, "runs": runs})


if __name__ == "__main__":
    main()
