"""The motif bar on the six DREAM5 PBM data sets (../shared/data/pbm/dream5/, skipped when absent).

For each TF (Egr2, Cebpb, Foxo1, Irf2, Sox14, Tbx3):

1. probes: the top ``--top`` probes of the HK array by signal against all other
   HK probes, :func:`seqgen.motifs.discover_motifs`; the first (most
   significant) motif is compared with JASPAR by Tomtom.
2. predictor: a small CNN (one conv layer, global max pool, linear) trained
   here on the HK array's log signal, checked on the ME array (the DREAM5
   protocol: train on one design, test on the other); its most influential
   first-layer filter, and the largest cluster of in-silico-mutagenesis
   seqlets over its top-scoring ME probes, are compared with JASPAR.
   ``predictor_motifs(score, model, x)`` is the hook to pass any other trained
   predictor instead.

A motif passes when the TF's own JASPAR matrix, or one of the same TF family
(JASPAR's family annotation), is among its top 3 Tomtom hits with q < 0.05.

With ``--project-predictor MINUTES`` the project's predictor ensemble replaces the small CNN: only its
attribution motif is judged (it has no single first layer to read filters from), so ``passed`` has no
``predictor_filter`` count, and its HK -> ME Pearson r is ``project_me_pearson`` (``cnn_me_pearson`` is the
small CNN's).

Usage: python benchmarks/motifs.py [--top 500] [--tfs Egr2 Irf2] [--no-predictor] [--device cpu]
  -> benchmarks/results/motifs.json
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqgen first
sys.path.insert(0, str(Path(__file__).resolve().parent))  # common

from common import SHARED_DATA, write_json  # noqa: E402
from seqgen.data import one_hot  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.interpret import attribution_motifs, filter_motifs  # noqa: E402
from seqgen.io import read_sequences  # noqa: E402
from seqgen.jaspar import JASPAR_RELEASE, jaspar_motifs  # noqa: E402
from seqgen.motifs import discover_motifs, match_strength, tomtom, top_and_rest  # noqa: E402

TFS = ["Egr2", "Cebpb", "Foxo1", "Irf2", "Sox14", "Tbx3"]


class SmallCNN(torch.nn.Module):
    """Conv1d(4 -> filters, width) -> ReLU -> global max -> linear: the classic DeepBind shape."""

    def __init__(self, filters: int = 32, width: int = 15):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, filters, width, padding=width // 2)
        self.out = torch.nn.Linear(filters, 1)

    def forward(self, x):
        return self.out(torch.relu(self.conv(x)).amax(dim=-1)).squeeze(-1)


def standardized_log(signal: np.ndarray) -> np.ndarray:
    y = np.log(np.maximum(signal, 1.0))
    return ((y - y.mean()) / y.std()).astype(np.float32)


def train_cnn(x: torch.Tensor, y: torch.Tensor, epochs: int = 5, seed: int = 0) -> SmallCNN:
    """The small CNN trained on ``x`` ``(N, 4, L)`` and ``y`` ``(N,)``, on their device."""
    torch.manual_seed(seed)
    net = SmallCNN().to(x.device)
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    gen = torch.Generator().manual_seed(seed)  # the batches' order: drawn on the CPU, the same on every device
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen).to(x.device)
        for i in range(0, len(x), 128):
            b = perm[i: i + 128]
            loss = ((net(x[b]) - y[b]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def predictor_motifs(score, model, x: torch.Tensor, top: int = 500) -> dict:
    """The hook for any trained predictor: top filter motif and top attribution motif.

    ``score``: (N, A, L) tensor -> (N,); ``model``: the nn.Module (for filters; None to skip);
    ``x``: (N, A, L) one-hot sequences, of which the ``top`` best-scoring are interpreted.
    """
    with torch.no_grad():
        s = torch.cat([score(x[i: i + 4096]) for i in range(0, len(x), 4096)])
    best = x[torch.argsort(s, descending=True)[:top]]
    out = {"attribution": attribution_motifs(score, best, "dna", method="ism", width=12, prefix="attr")[:1]}
    if model is not None:
        out["filter"] = filter_motifs(model, best, "dna", top=1)
    return out


def same_family(family: str, families: set) -> bool:
    """Whether a JASPAR family annotation ('A; B' for dimers) shares a family with ``families``."""
    mine = {f for fam in families for f in fam.split("; ")}
    return bool(mine & set(family.split("; "))) if family else False


def judge(motif, tf: str, targets, families: set) -> dict:
    """Top-3 Tomtom hits of ``motif`` and whether the TF's motif or family is among them with q < 0.05; with the
    motif's bits, order p-value and what ``seqgen motifs`` says of its best hit (``match_strength``)."""
    table = tomtom([motif], targets, top=3)
    hits = [{"target": r.target, "name": r.target_name, "family": r.target_family, "q": float(r.q_value),
             "p": float(r.p_value), "orientation": r.orientation} for r in table.itertuples()]
    ok = [h for h in hits if h["q"] < 0.05 and (h["name"].upper() == tf.upper() or same_family(h["family"], families))]
    best = table.iloc[0]
    return {"consensus": motif.consensus, "width": motif.width, "hits": hits, "pass": bool(ok),
            "rank": min((hits.index(h) + 1 for h in ok), default=None), "bits": float(best["query_bits"]),
            "order_p": float(best["order_p"]), "strength": match_strength(best)}


def seqgen_predictor(hk, minutes: float, folder, device: torch.device):
    """The project's predictor (seqgen train predictor's recipe) trained on the HK array on ``device``; returns
    the loaded ensemble (on ``device``)."""
    from seqgen.predict import load_predictor
    from seqgen.tasks import build_task, merge_config
    from seqgen.training import Trainer

    config, settings = merge_config("predictor", {"members": 4, "strands": "forward", "transform": "log",
                                                  "steps": 3000, "max_time": minutes, "progress": False})
    task, _ = build_task("predictor", config, settings, hk, device)
    Trainer(task, settings, folder, "dna", hk.length, task.model_extra).fit(device)
    return load_predictor(folder, device)


def run_tf(tf: str, top: int, predictor: bool, targets, project_minutes: float | None = None,
           device: torch.device = torch.device("cpu")) -> dict:
    own = [t for t in targets if t.description.upper() == tf.upper()]
    families = {f for t in own for f in t.stats["family"].split("; ") if f}
    result = {"jaspar": [t.name for t in own], "families": sorted(families)}
    hk = read_sequences(SHARED_DATA / "pbm" / "dream5" / f"{tf}_HK.txt", "dna", "dream5")
    start = time.perf_counter()
    fg, bg = top_and_rest(hk.codes, hk.label("signal"), top)
    found = discover_motifs(fg, bg, "dna", n_motifs=1)
    result["probes"] = judge(found[0], tf, targets, families) if found else {"pass": False, "hits": []}
    result["probes"]["seconds"] = time.perf_counter() - start
    if predictor:
        start = time.perf_counter()
        me = read_sequences(SHARED_DATA / "pbm" / "dream5" / f"{tf}_ME.txt", "dna", "dream5")
        x_hk = torch.tensor(one_hot(hk.codes, 4), device=device)
        x_me = torch.tensor(one_hot(me.codes, 4), device=device)
        if project_minutes:  # the project's own predictor ensemble; attribution motifs only
            import tempfile

            loaded = seqgen_predictor(hk, project_minutes, tempfile.mkdtemp(), device)
            net = lambda x: loaded.score(x)[0]  # noqa: E731
            model, which = None, "project"  # the figures are the ensemble's, not the small CNN's
        else:
            net = model = train_cnn(x_hk, torch.tensor(standardized_log(hk.label("signal")), device=device))
            which = "cnn"
        with torch.no_grad():
            pred = torch.cat([net(x_me[i: i + 4096]) for i in range(0, len(x_me), 4096)]).cpu().numpy()
        result[f"{which}_me_pearson"] = float(np.corrcoef(pred, standardized_log(me.label("signal")))[0, 1])
        result[f"{which}_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        for kind, motifs in predictor_motifs(net, model, x_me, top).items():
            result[f"predictor_{kind}"] = judge(motifs[0], tf, targets, families) if motifs else \
                {"pass": False, "hits": []}
        result["interpret_seconds"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=500)
    parser.add_argument("--tfs", nargs="*", default=TFS)
    parser.add_argument("--no-predictor", action="store_true")
    parser.add_argument("--project-predictor", type=float, metavar="MINUTES",
                        help="interpret the project's predictor ensemble (trained MINUTES per TF) instead of the "
                             "small CNN; results go to results/motifs_project.json")
    parser.add_argument("--device", default="cpu",
                        help="cpu, cuda, cuda:1... or auto (CUDA, then MPS, then the CPU): where the predictor "
                             "trains, predicts and is interpreted")
    args = parser.parse_args()
    if not (SHARED_DATA / "pbm" / "dream5").is_dir():
        print("../shared/data/pbm/dream5 is absent: nothing to measure")
        return
    torch.set_num_threads(1)
    device = select_device(args.device)
    targets = jaspar_motifs(JASPAR_RELEASE)
    results = {}
    for tf in args.tfs:
        results[tf] = r = run_tf(tf, args.top, not args.no_predictor, targets, args.project_predictor, device)
        line = f"{tf:6s} probes {r['probes'].get('consensus', '-'):18s} pass={r['probes']['pass']}"
        for kind in ("filter", "attribution"):
            if f"predictor_{kind}" in r:
                line += f" | {kind} {r[f'predictor_{kind}'].get('consensus', '-'):16s} " \
                        f"pass={r[f'predictor_{kind}']['pass']}"
        if "cnn_me_pearson" in r:
            line += f" | CNN HK->ME r={r['cnn_me_pearson']:.3f}"
        if "project_me_pearson" in r:
            line += f" | project ensemble HK->ME r={r['project_me_pearson']:.3f}"
        print(line, flush=True)
    kinds = ["probes"]  # only the motifs this run computed: one not run is no failure
    if not args.no_predictor:
        kinds += ["predictor_attribution"] if args.project_predictor else ["predictor_filter", "predictor_attribution"]
    summary = {k: sum(r.get(k, {}).get("pass", False) for r in results.values()) for k in kinds}
    write_json("motifs_project" if args.project_predictor else "motifs",
               {"jaspar_release": JASPAR_RELEASE, "top": args.top, "device": str(device), "tfs": results,
                "passed": summary, "n_tfs": len(results)})
    print("passed:", summary, "of", len(results))


if __name__ == "__main__":
    main()
