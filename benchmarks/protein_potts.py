"""A pairwise (Potts) model of the BLAT_ECOLX family, EVmutation's kind, as a baseline and ensemble member.

Fits fields h (L, q) and couplings J (L, q, L, q) to the alignment by weighted pseudo-likelihood with L-BFGS
(the method of plmc, which EVmutation runs): gaps are the 21st state, DeepSequence's sequence weights
(theta 0.2, as ``seqgen.protein.sequence_weights``), L2 penalties lambda_h = 0.01 and lambda_J = 0.01 (q - 1)
(L - 1) (EVcouplings' defaults). A mutant's score is its Hamiltonian minus the wild type's. The Spearman with
the Ranganathan 2015 scan (2500 ug/ml column, the mutants of ``benchmarks/protein.py``) is written to
``results/protein-potts.json``, the per-mutant scores to ``results/protein/potts.tsv``; with the six stored
default family-VAE seeds (``--vae-tag``), also the Spearman of their mean with this model's scores added
(both standardized), i.e. whether a model of another kind lifts the VAE ensemble.

A one-off experiment over the package's reading and weighting code, not a package feature: the fit takes
about 15 minutes on two CPU threads (a full-batch pass over 8,355 x 253 positions per L-BFGS evaluation).

Usage: ``python benchmarks/protein_potts.py [--iterations 200] [--threads 2]``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA, write_json, write_text  # noqa: E402
from protein import ALIGNMENT, COLUMN, SCORES, load_family_and_scan  # noqa: E402

from seqgen.alphabets import PROTEIN_GAP  # noqa: E402
from seqgen.device import select_device  # noqa: E402
from seqgen.protein import apply_mutants, parse_mutants, sequence_weights  # noqa: E402


class Potts(torch.nn.Module):
    """Fields ``h: (L, q)`` and symmetric couplings ``J: (L q, L q)`` (no coupling of a column with itself)."""

    def __init__(self, length: int, q: int):
        super().__init__()
        self.length, self.q = length, q
        self.h = torch.nn.Parameter(torch.zeros(length, q))
        self.w = torch.nn.Parameter(torch.zeros(length * q, length * q))
        self.register_buffer("own_column", torch.block_diag(*[torch.ones(q, q)] * length).bool())

    def couplings(self) -> torch.Tensor:
        """``(L q, L q)``: J[i q + a, j q + b] = J_ij(a, b), symmetric, zero within a column."""
        return ((self.w + self.w.T) / 2).masked_fill(self.own_column, 0.0)

    def conditional_log_probs(self, codes: torch.Tensor) -> torch.Tensor:
        """``(N, L, q)`` log p(x_i = a | the rest of each sequence) for ``(N, L)`` int64 codes."""
        flat = codes + torch.arange(self.length, device=codes.device) * self.q  # (N, L): the rows of J each reads
        logits = torch.nn.functional.embedding_bag(flat, self.couplings(), mode="sum") + self.h.reshape(1, -1)
        return torch.log_softmax(logits.view(len(codes), self.length, self.q), -1)

    def energy(self, codes: torch.Tensor) -> torch.Tensor:
        """``(N,)`` Hamiltonian sum_i h_i(x_i) + sum_{i<j} J_ij(x_i, x_j) of ``(N, L)`` int64 codes."""
        x = torch.nn.functional.one_hot(codes, self.q).float().view(len(codes), -1)
        fields = self.h[torch.arange(self.length, device=codes.device), codes].sum(1)
        return fields + 0.5 * ((x @ self.couplings()) * x).sum(1)


def fit(model: Potts, codes: torch.Tensor, weights: torch.Tensor, iterations: int, lambda_h: float,
        lambda_j: float) -> list[float]:
    """Minimize the weighted negative pseudo-log-likelihood plus the L2 penalties with L-BFGS; the objective per
    evaluation."""
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=iterations, history_size=20,
                                  line_search_fn="strong_wolfe", tolerance_grad=1e-9, tolerance_change=1e-12)
    trace = []

    def objective():
        optimizer.zero_grad()
        log_p = model.conditional_log_probs(codes).gather(2, codes[:, :, None]).squeeze(2).sum(1)  # (N,)
        loss = -(weights * log_p).sum() + lambda_h * (model.h ** 2).sum() \
            + lambda_j * 0.5 * (model.couplings() ** 2).sum()  # each pair i < j once
        loss.backward()
        trace.append(float(loss.detach()))
        return loss

    optimizer.step(objective)
    return trace


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iterations", type=int, default=200, help="L-BFGS iterations")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--vae-tag", default="b90141a9",
                   help="settings tag of the stored family-VAE tables (results/protein/seedS-TAG.tsv) to combine with")
    args = p.parse_args()
    if not (SHARED_DATA / ALIGNMENT).is_file():
        print(f"skipped: {SHARED_DATA / ALIGNMENT} is absent")
        return
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    data, dms = load_family_and_scan()
    codes = torch.as_tensor(np.asarray(data.codes, np.int64), device=device)
    length, q = codes.shape[1], PROTEIN_GAP.size
    weights = torch.as_tensor(sequence_weights(data.codes, 0.2, device), device=device)
    model = Potts(length, q).to(device)
    t0 = time.perf_counter()
    trace = fit(model, codes, weights, args.iterations, 0.01, 0.01 * (q - 1) * (length - 1))
    seconds = time.perf_counter() - t0
    focus = np.asarray(data.codes[0], np.uint8)
    mutants = apply_mutants(focus, parse_mutants(dms["mutant"], data.meta["focus_positions"], focus))
    with torch.no_grad():
        scores = (model.energy(torch.as_tensor(mutants.astype(np.int64), device=device))
                  - model.energy(torch.as_tensor(focus[None].astype(np.int64), device=device))[0]).cpu().numpy()
    write_text(SCORES / "potts.tsv", pd.DataFrame({"mutant": dms["mutant"], "measured": dms[COLUMN], "vae": scores})
               .to_csv(sep="\t", index=False))  # column 'vae': protein.py --ensemble reads it
    result = {"spearman": round(float(spearmanr(scores, dms[COLUMN]).statistic), 4), "fit_seconds": round(seconds, 1),
              "evaluations": len(trace), "final_objective": trace[-1], "iterations": args.iterations,
              "threads": args.threads, "device": str(device), "neff": round(float(weights.sum()), 1),
              "n_mutants": len(dms)}
    result.update(combined_with_vae(scores, dms, args.vae_tag))
    print(result)
    write_json("protein-potts", result)


def combined_with_vae(scores: np.ndarray, dms: pd.DataFrame, tag: str) -> dict:
    """Spearman of the stored VAE seeds' mean score, alone and with the Potts scores added (both standardized)."""
    tables = [pd.read_csv(path, sep="\t") for path in sorted(SCORES.glob(f"seed*-{tag}.tsv"))]
    if not tables or any(not t["mutant"].equals(dms["mutant"]) for t in tables):
        return {}
    vae = np.mean([t["vae"] for t in tables], axis=0)
    z = [(v - v.mean()) / v.std() for v in (vae, scores)]
    rho = [float(spearmanr(v, dms[COLUMN]).statistic) for v in (vae, z[0] + z[1], z[0] + 0.5 * z[1])]
    return {"vae_tables": len(tables), "vae_ensemble_spearman": round(rho[0], 4),
            "vae_ensemble_plus_potts_spearman": round(rho[1], 4),
            "vae_ensemble_plus_half_potts_spearman": round(rho[2], 4),
            "rank_correlation_with_vae": round(float(spearmanr(vae, scores).statistic), 4)}


if __name__ == "__main__":
    main()
