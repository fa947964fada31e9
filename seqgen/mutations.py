"""Mutation effects from a trained family VAE: ``seqgen score-mutants``.

The score of a mutant is ``log p(mutant) - log p(wild type)``, each estimated from
``samples`` latent draws shared by all sequences (common random numbers; with a
variational decoder, also decoder weight draws shared by all sequences): by default
the ELBO, as DeepSequence, or the importance-weighted bound (see
:func:`log_likelihoods`). Beside it the site-independent model's log-probability
ratio, from the log-frequencies stored in ``model.pt`` at training time.
"""
from __future__ import annotations

import contextlib
import io
import math
import sys

import numpy as np
import pandas as pd
import torch

from seqgen.atomic import atomic_path, check_writable
from seqgen.checkpoint import load_model_file
from seqgen.data import one_hot
from seqgen.errors import SeqgenError
from seqgen.protein import apply_mutants, mutant_notes, parse_mutants, unscorable


#: how a sequence's log-likelihood is estimated from the latent draws
ESTIMATORS = ("elbo", "iwae")


def likelihood_differences(model, focus_codes: np.ndarray, mutant_codes: np.ndarray, samples: int = 500,
                           seed: int = 0, batch: int = 64, weight_samples: int | None = None,
                           estimator: str = "elbo", progress: bool = False) -> np.ndarray:
    """``(M,)`` log-likelihood(mutant) - log-likelihood(focus) for ``(M, L)`` mutant codes and ``(L,)`` focus
    codes, every estimate from the same draws (see :func:`log_likelihoods`); numpy arrays or tensors."""
    focus_codes, mutant_codes = _as_codes(focus_codes), _as_codes(mutant_codes)
    if focus_codes.shape != (model.length,):
        raise ValueError(f"focus_codes must be one sequence's (L,) codes of the model's length {model.length}, not "
                         f"shape {focus_codes.shape}")
    if mutant_codes.ndim != 2 or mutant_codes.shape[1] != model.length:
        raise ValueError(f"mutant_codes must be (M, L) codes of the model's length {model.length}, not shape "
                         f"{mutant_codes.shape}")
    estimates = log_likelihoods(model, np.concatenate([focus_codes[None], mutant_codes]), samples, seed, batch,
                                weight_samples, estimator, progress)
    return estimates[1:] - estimates[0]


@torch.no_grad()
def log_likelihoods(model, codes: np.ndarray, samples: int = 500, seed: int = 0, batch: int = 64,
                    weight_samples: int | None = None, estimator: str = "elbo", progress: bool = False) -> np.ndarray:
    """``(N,)`` estimates of ``log p(x)`` (nats) for ``(N, L)`` codes, ``samples`` latent draws shared by all.

    ``estimator``: ``"elbo"`` (DeepSequence) averages ``log p(x|z) - KL(q(z|x) || p(z))`` over the
    draws; ``"iwae"`` is the importance-weighted bound ``log mean_k p(x|z_k) p(z_k) / q(z_k|x)``
    (Burda et al. 2016), tighter than the ELBO for the same draws.

    A model with a variational decoder (``model.bayesian``) is scored as DeepSequence does, the
    log-likelihood averaged over decoder weight draws as well: ``weight_samples`` draws
    (default None: one per latent draw, ``samples``), each used for ``samples / weight_samples``
    latent draws, every draw shared by the wild type and all mutants (common random numbers);
    ``weight_samples=0`` decodes with the posterior means instead. With ``"iwae"`` the bound is
    taken over the latent draws of each weight draw, then averaged over weight draws (one weight
    draw per latent draw makes it the ELBO again: use fewer weight draws). Other models ignore it.

    Work is ``N * samples`` decoder passes, ``batch * samples`` at a time (memory:
    ``batch * samples * A * L`` floats); ``progress``: a progress bar over them (on a terminal).
    """
    from tqdm.auto import tqdm

    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, not {estimator!r}")
    codes = _as_codes(codes)
    if codes.ndim != 2 or codes.shape[1] != model.length:
        raise ValueError(f"codes must be (N, {model.length}) letter codes (not one-hot) of the model's length, not "
                         f"shape {codes.shape}")
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    eps = torch.randn(samples, model.latent_dim, generator=generator, device=device)
    a = model.alphabet_size
    draws = samples if weight_samples is None else int(weight_samples)
    variational = getattr(model, "bayesian", False) and draws != 0
    if variational and not 0 < draws <= samples:
        raise ValueError(f"weight_samples must lie in [0, samples = {samples}], not {draws}")
    groups = eps.tensor_split(draws) if variational else (eps,)  # latent draws of each weight draw, (K_j, D)
    chunk = max(1, batch * samples // max(len(g) for g in groups))  # sequences decoded at once
    parts = [torch.as_tensor(codes[i:i + chunk], device=device) for i in range(0, len(codes), chunk)]
    posteriors = [model.encode(one_hot(c, a)) for c in parts]  # (mu, log_sigma), each (n, D): encoded once
    total = torch.zeros(len(codes), dtype=torch.float64, device=device)  # summed over groups (and draws: elbo)
    bar = tqdm(total=len(groups) * len(parts), desc="score", unit="pass", leave=False,
               disable=None if progress else True)
    for group in groups:
        with model.weight_draw(generator=generator) if variational else contextlib.nullcontext():
            start = 0
            for c, (mu, log_sigma) in zip(parts, posteriors):
                z = mu.unsqueeze(0) + log_sigma.exp().unsqueeze(0) * group.unsqueeze(1)  # (K_j, n, D)
                log_px = model.log_px_given_z(one_hot(c, a), z).double()  # (K_j, n)
                if estimator == "iwae":
                    log_ratio = model.log_prior_ratio(z, group.unsqueeze(1), log_sigma).double()  # (K_j, n)
                    total[start:start + len(c)] += torch.logsumexp(log_px + log_ratio, 0) - math.log(len(group))
                else:
                    total[start:start + len(c)] += log_px.sum(0)
                start += len(c)
                bar.update()
    bar.close()
    if estimator == "iwae":
        estimate = total / len(groups)
    else:  # the VAE's ELBO (model.elbo), averaged over every draw
        estimate = total / samples - torch.cat([model.kl(mu, log_sigma) for mu, log_sigma in posteriors]).double()
    return estimate.cpu().numpy()


def _as_codes(codes) -> np.ndarray:
    """Letter codes as a numpy array (a tensor is copied to the host)."""
    return codes.cpu().numpy() if torch.is_tensor(codes) else np.asarray(codes)


def site_independent_differences(log_freq: np.ndarray, focus_codes: np.ndarray, mutant_codes: np.ndarray) -> np.ndarray:
    """``(M,)`` log p(mutant) - log p(focus) under independent columns, ``log_freq (A, L)``."""
    cols = np.arange(log_freq.shape[1])
    return log_freq[mutant_codes, cols].sum(1) - log_freq[focus_codes, cols].sum()


def read_mutants(path, measured=()) -> tuple[list[str], pd.DataFrame]:
    """Mutant names from a CSV/TSV with a ``mutant`` column (any case), or a plain list (one per line, an optional
    ``mutant`` header); gzip-compressed or not. Every row needs a name: the output keeps the input's rows. With the
    table's ``measured`` columns (e.g. a scan's fitness, ``2500``) as floats, an empty or NA cell NaN:
    ``(names, DataFrame of M rows)``."""
    from seqgen.io import read_bytes

    try:
        text = read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeqgenError(f"not UTF-8 text (byte {exc.start})", path) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    sep = "\t" if "\t" in first else "," if "," in first else None
    table = None
    if sep is None and ";" in first and first.split(";")[0].strip('"\'').lower() == "mutant":
        raise SeqgenError("a table separated by ';' (as some spreadsheets save CSV): save it comma- or tab-separated "
                          "(';' joins the substitutions of one mutant, H24A;G26C)", path)
    if sep is None:
        names = [line.strip('"\'') for line in lines]
        names = names[1:] if names and names[0].lower() == "mutant" else names
    else:
        names, table = _mutant_column(text, sep, path)
    if not names:
        raise SeqgenError("no mutants in the file", path)
    return names, _measured_columns(table, measured, path)


def _measured_columns(table: pd.DataFrame | None, measured, path) -> pd.DataFrame:
    """The ``measured`` columns of a mutants ``table`` (read as text) as floats; an error names a missing column
    or a cell that is no number."""
    values = pd.DataFrame(index=range(0 if table is None else len(table)))
    for column in map(str, measured):
        if table is None or column not in table.columns:
            has = "no columns (a plain list)" if table is None else f"columns {', '.join(map(str, table.columns))}"
            raise SeqgenError(f"no column {column!r} of measured values: the file has {has}", path)
        cells = table[column].str.strip()
        missing = cells.str.upper().isin(["", "NA", "NAN", "N/A"])
        numbers = pd.to_numeric(cells.where(~missing), errors="coerce")
        bad = np.flatnonzero((numbers.isna() | np.isinf(numbers)) & ~missing)  # inf would rank above every fitness
        if len(bad):
            raise SeqgenError(f"column {column!r}, row {bad[0] + 1}: {cells.iloc[bad[0]]!r} is not a finite number",
                              path)
        values[column] = numbers.to_numpy(dtype=float)
    return values


def _mutant_column(text: str, sep: str, path) -> tuple[list[str], pd.DataFrame]:
    """The ``mutant`` column of a table, each row's name (an error for an empty one), and the table (text)."""
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise SeqgenError(f"cannot read as a {'comma' if sep == ',' else 'tab'}-separated table: "
                          f"{' '.join(str(exc).split())}", path) from None
    column = [c for c in table.columns if str(c).strip().lower() == "mutant"]
    if not column:
        raise SeqgenError(f"a table of mutants needs a 'mutant' column; it has {', '.join(map(str, table.columns))} "
                          f"(several substitutions are one mutant joined by ':', e.g. H24A:G26C)", path)
    names = table[column[0]].str.strip()
    empty = np.flatnonzero(names == "")
    if len(empty):
        raise SeqgenError(f"row {empty[0] + 1} of the table has no mutant", path)
    return names.tolist(), table


def score_mutants(model_path, mutants_path, out, samples: int = 500, seed: int = 0, device="cpu",
                  weight_samples: int | None = None, estimator: str = "elbo", progress: bool = False,
                  measured=()) -> dict:
    """Score the mutants in ``mutants_path`` with the family VAE at ``model_path``; write a TSV to ``out``.

    ``model_path`` is one model folder (or ``model.pt``) or a list of them, an ensemble trained on the same
    alignment (e.g. other seeds): each model scores every mutant, and ``vae`` is the mean of their scores.

    One row per input mutant, in input order. Columns: ``mutant``, ``vae`` (log-likelihood difference, nats),
    with an ensemble ``vae_std`` (the models' standard deviation), ``site_independent`` (from the first
    model's alignment statistics), ``note``. Mutants at residues that are not match columns, and stops,
    cannot be scored: their scores are empty and their ``note`` says why (none scored is an error). A residue
    outside the focus sequence, or a wild-type letter that is not the focus's, is an error naming the mutant.
    ``weight_samples``: decoder weight draws of a variational decoder, and ``estimator`` (``"elbo"`` or
    ``"iwae"``), as in :func:`log_likelihoods`; ``progress``: a progress bar for each model (on a terminal).
    ``measured``: columns of the mutants table (a scan's measurements) copied as ``measured_<column>``; the
    returned summary's ``spearman`` gives, for each, the rank correlation of ``vae`` and of ``site_independent``
    with it over the mutants that have both (``n``).
    """
    from seqgen.generate import generator_from_payload

    paths = list(model_path) if isinstance(model_path, (list, tuple)) else [model_path]
    check_writable(out)
    names, values = read_mutants(mutants_path, measured)
    payloads = family_payloads(paths)
    family = payloads[0]["family"]
    notes = np.array(mutant_notes(names, family, source=mutants_path), dtype=object)
    ok = notes == ""
    if not ok.any():
        raise SeqgenError(unscorable(names, notes), mutants_path)
    kept = [n for n, k in zip(names, ok) if k]
    focus = np.asarray(family["focus_codes"], dtype=np.uint8)
    codes = apply_mutants(focus, parse_mutants(kept, family["focus_positions"], focus, source=mutants_path))
    models = [generator_from_payload(payload, device) for payload in payloads]
    if estimator == "iwae" and weight_samples is None and any(getattr(m, "bayesian", False) for m in models):
        print("note: with one decoder weight draw per latent draw (--weight-samples not given) the importance-"
              "weighted bound is the ELBO; give --weight-samples well below --samples, or 0", file=sys.stderr)
    scores = [likelihood_differences(model, focus, codes, samples, seed, weight_samples=weight_samples,
                                     estimator=estimator, progress=progress) for model in models]
    site = site_independent_differences(np.asarray(family["site_log_freq"]), focus, codes)
    table = pd.DataFrame({"mutant": names, "vae": np.nan})
    table.loc[ok, "vae"] = _rounded(np.mean(scores, axis=0))
    if len(scores) > 1:
        table["vae_std"] = np.nan
        table.loc[ok, "vae_std"] = _rounded(np.std(scores, axis=0, ddof=1))
    table["site_independent"] = np.nan
    table.loc[ok, "site_independent"] = _rounded(site)
    table["note"] = notes
    for column in values:
        table[f"measured_{column}"] = values[column].to_numpy()
    with atomic_path(out) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    return {"scored": len(kept), "models": len(scores), "skipped": [n for n, k in zip(names, ok) if not k],
            "spearman": {column: measured_agreement(table, f"measured_{column}") for column in values}}


def measured_agreement(table: pd.DataFrame, column: str) -> dict:
    """Spearman rank correlation of a mutations table's ``vae`` and ``site_independent`` scores with its measured
    ``column``, over the ``n`` mutants that have all three (NaN for fewer than 3)."""
    rows = table.dropna(subset=["vae", "site_independent", column])
    rho = {k: float(rows[k].corr(rows[column], method="spearman")) if len(rows) > 2 else float("nan")
           for k in ("vae", "site_independent")}
    return {**rho, "n": len(rows)}


def _rounded(values) -> np.ndarray:
    """Float64 values to 5 decimals, without a negative zero (float32 would print as -3.7532401084899902)."""
    return np.round(np.asarray(values, dtype=np.float64), 5) + 0.0


def family_payloads(paths) -> list[dict]:
    """The checkpoint payloads of the family VAEs at ``paths``, each read once; an error unless every model
    was trained on an alignment (its ``family``: focus sequence, numbering, site-independent model) with the
    same focus sequence and numbering, checked before any scoring."""
    from seqgen.generate import GENERATOR_KINDS

    payloads, first = [], None
    for path in paths:
        payloads.append(load_model_file(path, kind=GENERATOR_KINDS))
        family = payloads[-1].get("family")
        if not family:
            raise SeqgenError("this VAE was not trained on an alignment (no focus sequence stored); train it on "
                              "an encoded .a2m", path)
        if first is None:
            first = family
        elif (list(family["focus_positions"]) != list(first["focus_positions"])
              or not np.array_equal(family["focus_codes"], first["focus_codes"])):
            raise SeqgenError("an ensemble needs models of one alignment: this model's focus sequence or "
                              "numbering differs from the first model's", path)
    return payloads
