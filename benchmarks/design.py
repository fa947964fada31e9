"""Design methods against an independent oracle: PBM 8-mer tables (../shared/data/tfbind8/).

Protocol (as Killoran et al.'s scripts did, to test whether designs go beyond the data):
draw 20,000 uniform random 36-nt probes, score them with the TF's 8-mer oracle
(seqgen.oracles.KmerOracle) plus noise of 0.1 SD, keep only the lower half for training,
train the predictor ensemble, design 256 probes per method and score them with the oracle.
A design is a hit when it beats the best of the 20,000 random probes AND contains an 8-mer
with E-score > 0.45 (AND satisfies the constraints its method designs under, e.g. a maximum
homopolymer length). Reported per TF, method and budget (predictor calls per sequence), over
predictor seeds: hit fraction, mean oracle score, calls and seconds to 95% of the method's
final oracle gain, mean pairwise Hamming distance. Also a two-TF specificity task.
Speed: the designs' mean oracle score is taken after every step of every method (the gain is
counted from the first step; the oracle's own time is left out of the seconds), so the calls to
95% are exact to one step (1 call for Fast SeqProp and the softmax relaxation, 8 for annealing).

Usage: python benchmarks/design.py [--tfs EGR2 PAX3 CRX KLF1] [--seeds 0 1 2] [--methods ...] [--device auto]
       -> benchmarks/results/design.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqgen first
sys.path.insert(0, str(Path(__file__).resolve().parent))  # common

from common import RESULTS, SHARED_DATA, write_json, write_text  # noqa: E402
from seqgen.data import SequenceSet, one_hot  # noqa: E402
from seqgen.design.constraints import Constraints, data_gc_window  # noqa: E402
from seqgen.design.objectives import Objective, ObjectiveSet  # noqa: E402
from seqgen.design.run import DesignSettings, design  # noqa: E402
from seqgen.metrics import mean_pairwise_hamming  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.oracles import KmerOracle, tfbind8_path  # noqa: E402
from seqgen.predict import load_predictor  # noqa: E402
from seqgen.tasks import build_task, merge_config  # noqa: E402
from seqgen.training import Trainer  # noqa: E402

BUDGETS = (50, 200, 1000, 2000)
#: oracle-scored points of a run's curve kept in the results file (the speed figures use every step)
CURVE_POINTS = 200
LENGTH = 36
METHOD_SETTINGS = {  # settings of each method (an entry may name its `method`); steps follow from the budget
    "softmax": {"lr": 0.1},
    "fast-seqprop": {"lr": 0.1},
    # Fast SeqProp with its letter composition held (no learned offset: against the A/T-rich collapse), 50
    # gradient steps, then annealing from each chain's best up to the budget (discrete moves find the sites
    # a relaxation converges past)
    "fsp-polish": {"method": "fast-seqprop", "lr": 0.1, "learn_offset": False, "steps": 50, "polish": 1,
                   "proposals": 8},
    # the same with the offset learned (the composition may drift, as EGR2's GC-rich site needs)
    "fsp-polish-drift": {"method": "fast-seqprop", "lr": 0.1, "steps": 50, "polish": 1, "proposals": 8},
    "anneal": {"proposals": 8},
    # 20 Fast SeqProp steps, then annealing whose mutants are drawn by the predictor's gradient (HotFlip-style
    # first-order gains; each scored by a pass that also gives its gradient), stopped once the last 50 calls
    # added < 5% of the mean best score's rise (the plateau rule)
    "fsp-guided": {"method": "fast-seqprop", "lr": 0.1, "steps": 20, "polish": 1, "proposals": 8, "guided": True,
                   "plateau": 0.05},
    # the same with one proposal a step: the fewest calls per step, a greedier climb
    "fsp-guided-1": {"method": "fast-seqprop", "lr": 0.1, "steps": 20, "polish": 1, "proposals": 1, "guided": True,
                     "plateau": 0.05},
    # the same with two letters a step: the two positions of largest first-order gain, each with its best letter
    "fsp-guided-2": {"method": "fast-seqprop", "lr": 0.1, "steps": 20, "polish": 1, "proposals": 1, "guided": True,
                     "mutations": 2, "plateau": 0.05},
    # the same with Fast SeqProp at 3x the learning rate (more of EGR2's sites in its 20 steps)
    "fsp-guided-2-lr0.3": {"method": "fast-seqprop", "lr": 0.3, "steps": 20, "polish": 1, "proposals": 1,
                           "guided": True, "mutations": 2, "plateau": 0.05},
    # designs with no run of one letter longer than 6 (a synthesis constraint that also keeps designs off the
    # poly-G/poly-C runs EGR2's predictors over-rate), and the baselines under the same constraint; the guided
    # polish changes three letters a step
    "fsp-guided-3-h6": {"method": "fast-seqprop", "lr": 0.1, "steps": 20, "polish": 1, "proposals": 1,
                        "guided": True, "mutations": 3, "plateau": 0.05, "max_homopolymer": 6},
    # the same within the training probes' GC window (their 1st-99th percentile: the workflow's `auto` default)
    "fsp-guided-3-h6-gc": {"method": "fast-seqprop", "lr": 0.1, "steps": 20, "polish": 1, "proposals": 1,
                           "guided": True, "mutations": 3, "plateau": 0.05, "max_homopolymer": 6, "gc": "auto"},
    "anneal-h6": {"method": "anneal", "proposals": 8, "max_homopolymer": 6},
    "softmax-h6": {"method": "softmax", "lr": 0.1, "max_homopolymer": 6},
    # the gradient-free baseline under the same stopping rule (for a like-for-like speed comparison)
    "anneal-plateau": {"method": "anneal", "proposals": 8, "plateau": 0.05},
}
#: the predictor's training is bound by steps (early stopping within them), not by wall time, so that the
#: load of a shared machine does not change the predictors; --predictor-minutes adds a time limit
PREDICTOR = {"members": 4, "steps": 3000, "max_time": None, "transform": "none", "progress": False, "eval_every": 100, "patience": 8}


def make_training_set(oracle: KmerOracle, n: int, seed: int, keep_all: bool = False):
    """Random probes, oracle score + 0.1 SD noise, the lower half kept (``keep_all``: every probe); and the best
    random probe's score."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, (n, LENGTH)).astype(np.uint8)
    true = oracle.occupancy(codes)
    noisy = true + 0.1 * true.std() * rng.standard_normal(n)
    lower = noisy <= (np.inf if keep_all else np.median(noisy))
    data = SequenceSet(codes[lower], "dna", [f"p{i}" for i in np.flatnonzero(lower)],
                       labels=noisy[lower, None], label_names=["score"])
    return data, float(true.max()), float(true[lower].max())


def train_predictor(data: SequenceSet, seed: int, folder: Path, device) -> float:
    config, settings = merge_config("predictor", {**PREDICTOR, "seed": seed})
    task, _ = build_task("predictor", config, settings, data, device)
    start = time.perf_counter()
    Trainer(task, settings, folder, "dna", LENGTH, getattr(task, "model_extra", None)).fit(device)
    return time.perf_counter() - start


#: METHOD_SETTINGS keys that are constraints of the designs (seqgen design's --max-homopolymer), not settings
CONSTRAINT_KEYS = ("max_homopolymer", "gc")


def method_constraints(method: str, data: SequenceSet | None = None) -> Constraints:
    """The hard constraints a method designs under (none unless its entry names some); a ``gc`` of ``auto`` is the
    training ``data``'s window (:func:`~seqgen.design.constraints.data_gc_window`), as ``seqgen design`` makes it."""
    options = {k: METHOD_SETTINGS[method][k] for k in CONSTRAINT_KEYS if k in METHOD_SETTINGS[method]}
    if options.get("gc") == "auto":
        options["gc"] = data_gc_window(data.codes, data.alphabet)
    return Constraints("dna", LENGTH, **options)


def hit_mask(oracle: KmerOracle, codes: np.ndarray, best_random: float, constraints: Constraints) -> np.ndarray:
    """``(N,)`` bool: the designs ``(N, L)`` that are hits (above the best random probe, an 8-mer with E-score
    > 0.45, and the method's constraints hold)."""
    return (oracle.occupancy(codes) > best_random) & (oracle.max_escore(codes) > 0.45) & constraints.satisfied(codes)


def method_settings(method: str, n: int, seed: int, budget: int) -> DesignSettings:
    """``METHOD_SETTINGS[method]`` with its steps (or polish steps) set to spend ``budget`` calls per sequence."""
    options = {k: v for k, v in METHOD_SETTINGS[method].items() if k not in CONSTRAINT_KEYS}
    method = options.pop("method", method)
    if options.get("polish"):  # a gradient phase of `steps` (or until `patience`), then annealing up to the budget
        per_step = replace(DesignSettings(method=method, **options), method="anneal").calls_per_step  # as design()
        options["polish"] = -(-(budget - options["steps"] * options.get("samples", 1)) // per_step)
    else:
        options["steps"] = budget // DesignSettings(method=method, **options).calls_per_step
    return DesignSettings(method=method, n=n, seed=seed, **options)


def run_method(method, objectives, oracle, best_random, n, device, seed, data=None):
    """Design ``n`` probes with a budget of max(BUDGETS) calls; oracle-score the current designs as it goes
    (``data``: the predictor's training set, for a GC window of ``auto``)."""
    settings, constraints = method_settings(method, n, seed, max(BUDGETS)), method_constraints(method, data)
    curve, snapshots, last = [], {}, {}
    clock = {"start": time.perf_counter(), "oracle": 0.0}  # the oracle's own time is not the method's

    def record(calls, codes):
        now = time.perf_counter()
        elapsed = now - clock["start"] - clock["oracle"]
        curve.append((calls, elapsed, float(oracle.occupancy(codes).mean())))
        clock["oracle"] += time.perf_counter() - now

    def callback(step, calls, codes):
        last["codes"], last["calls"] = codes.copy(), calls
        record(calls, codes)  # every step: the same call resolution for every method
        for budget in [b for b in BUDGETS if b not in snapshots and calls >= b]:  # first step at or past it
            snapshots[budget] = codes.copy()

    result = design(objectives, constraints, settings, device, callback=callback)
    for budget in BUDGETS:  # budgets past a run the stopping rule ended: its last designs
        snapshots.setdefault(budget, last["codes"])
    out = {}
    for budget, codes in snapshots.items():
        occ = oracle.occupancy(codes)
        hits = hit_mask(oracle, codes, best_random, constraints)  # a design that breaks a constraint is no hit
        out[budget] = {"hit_fraction": float(hits.mean()), "oracle_mean": float(occ.mean()),
                       "valid_fraction": float(constraints.satisfied(codes).mean()),
                       "mean_pairwise_hamming": mean_pairwise_hamming(np.unique(codes, axis=0))}
    calls, seconds, score = map(np.array, zip(*curve))
    gain = score - score[0]
    reached = np.flatnonzero(gain >= 0.95 * gain[-1])[0] if gain[-1] > 0 else len(gain) - 1
    kept = sorted({*range(0, len(calls), -(-len(calls) // CURVE_POINTS)), reached, len(calls) - 1})
    return out, {"calls_used": result.calls_per_sequence, "restarts": result.restarts,
                 "calls_to_95": int(calls[reached]), "seconds_to_95": float(seconds[reached]),
                 "curve": [[int(calls[i]), round(float(score[i]), 4)] for i in kept]}


def main() -> None:
    global BUDGETS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tfs", nargs="+", default=["EGR2", "PAX3", "CRX", "KLF1"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=list(METHOD_SETTINGS))
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS))
    parser.add_argument("--predictor-minutes", type=float, default=None,
                        help="wall-time limit of the predictor's training (default: none; --predictor-steps bounds it)")
    parser.add_argument("--predictor-steps", type=int, default=PREDICTOR["steps"])
    parser.add_argument("--probes", type=int, default=20000)
    parser.add_argument("--specificity", nargs=2, default=["EGR2", "KLF1"], metavar=("UP", "DOWN"))
    parser.add_argument("--specificity-only", action="store_true",
                        help="only the specificity task, with the predictors kept in --models (seed: the first of "
                             "--seeds); merge it into the main file with --merge")
    parser.add_argument("--conservative", nargs="+", type=float, default=[], metavar="K",
                        help="specificity task: also each K as design's --conservative (ensemble mean -/+ K x std)")
    parser.add_argument("--down-trained-on-all", action="store_true",
                        help="specificity task: the down TF's predictor trained on every random probe, not the lower "
                             "half (so it has seen its sites; kept in --models as DOWN_all_SEED)")
    parser.add_argument("--up-trained-on-all", action="store_true",
                        help="specificity task: the up TF's predictor trained on every random probe too (UP_all_SEED)")
    parser.add_argument("--specificity-budget", type=int, default=200, metavar="CALLS",
                        help="specificity task: predictor calls a design (default 200)")
    parser.add_argument("--oracle-ceiling", action="store_true",
                        help="specificity task: also annealing on the two oracles themselves (perfect predictors)")
    parser.add_argument("--name", default="design", help="results file name (for runs split over processes)")
    parser.add_argument("--merge", nargs="+", metavar="NAME",
                        help="only merge the results files NAME.json (TFs and specificity) into --name.json")
    parser.add_argument("--models", help="folder that keeps the trained predictors (TF_SEED); one already there "
                                         "is reused, so trials of the design settings need not retrain")
    parser.add_argument("--device", default="auto",
                        help="auto (CUDA, then MPS, then the CPU), cpu, cuda, cuda:1...: where the predictors train, "
                             "predict and design")
    args = parser.parse_args()
    if args.merge:
        merged = merge(args.merge, args.name)
        BUDGETS = tuple(merged["protocol"]["budgets"])
        summarize(merged)
        write_text(RESULTS / f"{args.name}.md", markdown(merged))
        return
    BUDGETS = tuple(sorted(args.budgets))
    PREDICTOR["max_time"], PREDICTOR["steps"] = args.predictor_minutes, args.predictor_steps
    folder = SHARED_DATA / "tfbind8"
    if not folder.is_dir():
        print("skipped: ../shared/data/tfbind8 is absent")
        return
    device = select_device(args.device)
    results = {"protocol": {"probes": args.probes, "n": args.n, "budgets": BUDGETS, "predictor": PREDICTOR,
                            "methods": METHOD_SETTINGS, "device": str(device)}, "tfs": {}}
    if args.specificity_only:
        if not args.models:
            raise SystemExit("--specificity-only needs --models (the folder that kept the predictors)")
        results["specificity"] = specificity(*args.specificity, Path(args.models), args.seeds[0], args.n, device,
                                             folder, args.methods, args.probes,
                                             args.specificity_budget, tuple(args.conservative),
                                             args.down_trained_on_all, args.oracle_ceiling, args.up_trained_on_all)
        write_json(args.name, results)
        return
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(args.models) if args.models else Path(tmp)
        for tf in args.tfs:
            oracle = KmerOracle.from_file(tfbind8_path(folder, tf))
            data, best_random, best_train = make_training_set(oracle, args.probes, seed=0)
            entry = {"best_random": best_random, "best_training": best_train, "runs": []}
            for seed in args.seeds:
                model_dir = models / f"{tf}_{seed}"
                predictor = trained_predictor(oracle, model_dir, args.probes, seed, device)  # one kept: reused
                train_seconds = float((model_dir / "train_seconds.txt").read_text())
                metrics = (model_dir / "metrics.csv").read_text().strip().splitlines()
                train_steps = int(metrics[-1].split(",")[0]) if len(metrics) > 1 else None  # time-bound: varies
                objectives = ObjectiveSet([Objective(tf, predictor.score)])
                for method in args.methods:
                    budgets, speed = run_method(method, objectives, oracle, best_random, args.n, device, seed,
                                                data)
                    entry["runs"].append({"seed": seed, "method": method, "train_seconds": train_seconds,
                                          "train_steps": train_steps,
                                          "budgets": budgets, **speed})
                    print(f"{tf} seed {seed} {method:13s} " + "  ".join(
                        f"{b}: {v['hit_fraction']:.2f}/{v['oracle_mean']:.2f}" for b, v in budgets.items())
                        + f"  calls to 95%: {speed['calls_to_95']}", flush=True)
            results["tfs"][tf] = entry
            write_json(args.name, results)  # after every TF, so a partial run still leaves its figures
        up, down = args.specificity
        if {up, down} <= set(args.tfs):
            results["specificity"] = specificity(up, down, models, args.seeds[0], args.n, device, folder,
                                                 args.methods, args.probes, args.specificity_budget,
                                                 tuple(args.conservative), args.down_trained_on_all,
                                                 args.oracle_ceiling, args.up_trained_on_all)
    write_json(args.name, results)
    summarize(results)
    write_text(RESULTS / f"{args.name}.md", markdown(results))


def merge(names: list[str], out: str) -> dict:
    """Union of the TFs' runs (and the specificity task) of results files run with the same protocol.

    A later file's run of a TF, seed and method replaces an earlier file's (a method rerun); the specificity
    task's methods are merged the same way.
    """
    parts = [json.loads((RESULTS / f"{name}.json").read_text()) for name in names]
    merged = {"protocol": {**parts[0]["protocol"], "methods": {}}, "tfs": {}}
    for name, part in zip(names, parts):
        methods = part["protocol"]["methods"]  # a part may add methods; a method's settings must agree
        if {k: v for k, v in part["protocol"].items() if k != "methods"} != \
                {k: v for k, v in merged["protocol"].items() if k != "methods"} or \
                any(merged["protocol"]["methods"].get(m, s) != s for m, s in methods.items()):
            raise SystemExit(f"{RESULTS / name}.json: its protocol differs from {names[0]}.json's")
        merged["protocol"]["methods"].update(methods)
        for tf, entry in part["tfs"].items():  # a TF split over files (e.g. by seed): its runs are joined
            if tf in merged["tfs"]:
                rerun = {(r["seed"], r["method"]) for r in entry["runs"]}
                kept = [r for r in merged["tfs"][tf]["runs"] if (r["seed"], r["method"]) not in rerun]
                merged["tfs"][tf]["runs"] = kept + entry["runs"]
            else:
                merged["tfs"][tf] = entry
        if "specificity" in part:
            earlier = merged.get("specificity", {}).get("methods", {})
            merged["specificity"] = {**part["specificity"], "methods": {**earlier, **part["specificity"]["methods"]}}
    write_json(out, merged)
    return merged


def trained_predictor(oracle: KmerOracle, folder: Path, probes: int, seed: int, device, keep_all: bool = False):
    """The predictor kept in ``folder``, trained there first (by the protocol, on ``probes`` random probes' lower
    half, or all of them) when it is not."""
    if not (folder / "train_seconds.txt").is_file():
        data, _, _ = make_training_set(oracle, probes, seed=0, keep_all=keep_all)
        write_text(folder / "train_seconds.txt", f"{train_predictor(data, seed, folder, device)}\n")
    return load_predictor(folder, device)


def oracle_scorer(oracle: KmerOracle):
    """``score(x)`` of a design objective from an oracle: ``x (B, 4, L)`` one-hot -> its occupancy ``(B,)`` and a std
    of 0 (no gradient: for annealing only)."""
    def score(x: torch.Tensor):
        occupancy = torch.as_tensor(oracle.occupancy(x.argmax(1).cpu().numpy().astype(np.uint8)), dtype=x.dtype)
        return occupancy.to(x.device), torch.zeros_like(occupancy, device=x.device)
    return score


def specificity(up: str, down: str, models: Path, seed: int, n: int, device, folder, methods, probes: int,
                budget: int = 200, conservative: tuple[float, ...] = (), down_all: bool = False,
                ceiling: bool = False, up_all: bool = False) -> dict:
    """Design for ``up`` and against ``down`` with each method at ``budget`` calls; score the designs with
    both oracles, against random probes. Two ways to say "not ``down``" (weight 1 each): ``min`` (minimize
    its prediction) and ``below`` (penalize it only above its mean prediction on random probes,
    ``seqgen design --avoid-below``), and for each K of ``conservative`` ``below, K``: the same held below
    at its mean + K x std over the down ensemble's members (``seqgen design --conservative K``, which applies
    it to every objective: the up TF's mean - K x std too). ``down_all``: the down TF's predictor is trained on all
    the random probes, not their lower half (kept as ``DOWN_all_SEED``), so that it has seen its own sites; ``up_all``
    the same for the up TF's (no extrapolation asked of it).
    ``ceiling``: also ``oracle ceiling`` (annealing, ``anneal-h6``, on the two oracles themselves, the down one held
    below its median random probe): what designs could reach with perfect predictors.

    Per method and formulation: each oracle's mean occupancy; ``up_hits``, the up TF's hit fraction (the
    main protocol's definition); ``specific``, the fraction that is an up hit AND scores below the down
    oracle's median random probe.
    """
    oracles = {tf: KmerOracle.from_file(tfbind8_path(folder, tf)) for tf in (up, down)}
    up_model, down_model = (
        trained_predictor(oracles[tf], models / f"{tf}_all_{seed}", probes, seed, device, keep_all=True) if every
        else load_predictor(models / f"{tf}_{seed}", device) for tf, every in ((up, up_all), (down, down_all)))
    data, best_random, _ = make_training_set(oracles[up], probes, seed=0)
    random = np.random.default_rng(1).integers(0, 4, (probes, LENGTH)).astype(np.uint8)
    down_median = float(np.median(oracles[down].occupancy(random)))
    with torch.no_grad():
        level = float(torch.cat([down_model.score(torch.as_tensor(one_hot(chunk, 4), device=device))[0].cpu()
                                 for chunk in np.array_split(random, 20)]).mean())
    formulations = {"min": Objective(down, down_model.score, "min"),
                    "below": Objective(down, down_model.score, "below", target=level)}
    cautious = {f"below, conservative {k:g}": k for k in conservative}
    formulations.update({form: Objective(down, down_model.score, "below", target=level, conservative=k)
                         for form, k in cautious.items()})
    out = {"up": up, "down": down, "seed": seed, "budget": budget, "designs": n, "down_trained_on_all": down_all,
           "up_trained_on_all": up_all,
           "random": {tf: float(o.occupancy(random).mean()) for tf, o in oracles.items()},
           "down_median_random": down_median, "below_level": level, "methods": {}}
    runs = {f"{method} ({form})": (method, ObjectiveSet([
        Objective(up, up_model.score, conservative=cautious.get(form, 0.0)), against]))
        for method in methods for form, against in formulations.items()}
    if ceiling:
        runs["oracle ceiling: anneal-h6 (below)"] = ("anneal-h6", ObjectiveSet([
            Objective(up, oracle_scorer(oracles[up])),
            Objective(down, oracle_scorer(oracles[down]), "below", target=down_median)]))
    for name, (method, objectives) in runs.items():
        start = time.perf_counter()
        constraints = method_constraints(method, data)
        result = design(objectives, constraints, method_settings(method, n, seed, budget), device)
        up_occ, down_occ = oracles[up].occupancy(result.codes), oracles[down].occupancy(result.codes)
        up_hits = hit_mask(oracles[up], result.codes, best_random, constraints)
        out["methods"][name] = {
            up: float(up_occ.mean()), down: float(down_occ.mean()), "up_hits": float(up_hits.mean()),
            "specific": float((up_hits & (down_occ < down_median)).mean()),
            "calls_used": result.calls_per_sequence, "seconds": round(time.perf_counter() - start, 1)}
        print(f"specificity {up} up / {down} down, {name}: " + json.dumps(out["methods"][name]), flush=True)
    return out


def get(run: dict, budget: int) -> dict:
    """A run's figures at ``budget`` (int keys in a live run, str keys in a file read back)."""
    return run["budgets"][budget if budget in run["budgets"] else str(budget)]


def markdown(results) -> str:
    """Per TF and method, means over seeds (hits at each budget, oracle mean and pairwise Hamming at 200
    calls or the nearest budget, calls to 95%); then per seed the mean hits over the main TFs."""
    mid = min(BUDGETS, key=lambda b: abs(b - 200))
    lines = ["| TF | method | seeds | " + " | ".join(f"hits @{b}" for b in BUDGETS)
             + f" | oracle mean @{mid} | calls to 95% (per seed) | pairwise Hamming @{mid} |",
             "|---" * (6 + len(BUDGETS)) + "|"]
    for tf, entry in results["tfs"].items():
        for method in dict.fromkeys(r["method"] for r in entry["runs"]):
            runs = [r for r in entry["runs"] if r["method"] == method]
            lines.append(f"| {tf} | {method} | {len(runs)} | "
                         + " | ".join(f"{np.mean([get(r, b)['hit_fraction'] for r in runs]):.2f}" for b in BUDGETS)
                         + f" | {np.mean([get(r, mid)['oracle_mean'] for r in runs]):.2f} | "
                         + f"{np.mean([r['calls_to_95'] for r in runs]):.0f} ("
                         + " / ".join(str(r["calls_to_95"]) for r in runs) + ") | "
                         + f"{np.mean([get(r, mid)['mean_pairwise_hamming'] for r in runs]):.1f} |")
    main_tfs = [tf for tf in results["tfs"] if tf != "KLF1"]
    lines += specificity_markdown(results.get("specificity"))
    lines += ["", f"| method | seed | mean hits @{mid} over {', '.join(main_tfs)} | lowest TF |", "|---|---|---|---|"]
    methods = dict.fromkeys(r["method"] for tf in main_tfs for r in results["tfs"][tf]["runs"])
    seeds = sorted({r["seed"] for tf in main_tfs for r in results["tfs"][tf]["runs"]})
    for method in methods:
        for seed in seeds:
            hits = [get(r, mid)["hit_fraction"] for tf in main_tfs for r in results["tfs"][tf]["runs"]
                    if r["method"] == method and r["seed"] == seed]
            if len(hits) == len(main_tfs):
                lines.append(f"| {method} | {seed} | {np.mean(hits):.2f} | {min(hits):.2f} |")
    return "\n".join(lines) + "\n"


def specificity_markdown(spec: dict | None) -> list[str]:
    """The specificity task's table (one row per method), or nothing for a run without it (or an older format)."""
    if not spec or "methods" not in spec:
        return []
    up, down = spec["up"], spec["down"]
    lines = ["", f"Specificity: {up} up, {down} down, seed {spec['seed']}, {spec['designs']} designs, "
                 f"{spec['budget']} calls; random probes: {up} {spec['random'][up]:.2f}, {down} {spec['random'][down]:.2f}",
             "", f"| method | {up} oracle | {down} oracle | {up} hits | specific (hit, {down} below random median) |",
             "|---|---|---|---|---|"]
    for method, m in spec["methods"].items():
        lines.append(f"| {method} | {m[up]:.2f} | {m[down]:.2f} | {m['up_hits']:.2f} | {m['specific']:.2f} |")
    return lines


def summarize(results) -> None:
    """Mean hit fraction per TF and method at each budget."""
    print("\nhit fraction (mean over seeds) at budgets", BUDGETS)
    for tf, entry in results["tfs"].items():
        for method in {r["method"] for r in entry["runs"]}:
            runs = [r for r in entry["runs"] if r["method"] == method]
            hits = [np.mean([get(r, b)["hit_fraction"] for r in runs]) for b in BUDGETS]
            calls = np.mean([r["calls_to_95"] for r in runs])
            print(f"{tf:5s} {method:13s} " + " ".join(f"{h:.2f}" for h in hits) + f"  calls to 95%: {calls:.0f}")


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("SEQGEN_THREADS", "1")))
    main()
