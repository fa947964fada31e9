"""A PBM-like demo data set simulated from a real JASPAR motif (offline, deterministic), and longer sequences to
scan with a site of it planted in some (:func:`simulate_sites`).

Model
-----
Probes are uniform random DNA of length ``L``. The transcription factor's
position weight matrix comes from JASPAR (shipped offline by ``pyjaspar``);
each window ``w`` of either strand has a binding energy given by its log-odds
score ``s_w`` (natural log, pseudocount 0.8 spread over the letters, uniform
background), and is occupied with probability ``sigmoid(s_w - mu)``, where
``mu`` is ``threshold`` below the motif's best score. The probe's signal is

    signal = background + scale * sum_w occupancy_w,   times lognormal noise (sigma = ``noise``).

This is the textbook independent-site occupancy model behind PBM intensities
(Berger et al. 2006; Zhao & Stormo 2011), so the demo has a known motif to
recover and a known oracle to score designs with.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from seqgen.alphabets import DNA, decode, reverse_complement
from seqgen.atomic import atomic_path
from seqgen.errors import SeqgenError
from seqgen.jaspar import jaspar_motif


def counts_log_odds(counts: np.ndarray, pseudocount: float = 0.8) -> np.ndarray:
    """``(4, W)`` natural-log odds of JASPAR ``counts`` ``(4, W)`` (smoothed by ``pseudocount``) against a uniform
    background (:func:`seqgen.motifs.log_odds` takes probabilities and a background)."""
    freqs = (counts + pseudocount / 4) / (counts.sum(axis=0, keepdims=True) + pseudocount)
    return np.log(freqs / 0.25)


def occupancy(codes: np.ndarray, pwm: np.ndarray, threshold: float = 8.0) -> np.ndarray:
    """Expected number of bound sites per sequence, both strands.

    Parameters
    ----------
    codes : np.ndarray
        ``(N, L)`` uint8 DNA codes.
    pwm : np.ndarray
        ``(4, W)`` log-odds.
    threshold : float
        Half-occupancy point, in nats below the best possible score.

    Returns
    -------
    np.ndarray
        ``(N,)`` float64.
    """
    width = pwm.shape[1]
    mu = pwm.max(axis=0).sum() - threshold
    total = np.zeros(len(codes))
    for strand in (codes, reverse_complement(codes, DNA)):
        windows = np.lib.stride_tricks.sliding_window_view(strand, width, axis=1)  # (N, L-W+1, W)
        scores = pwm[windows, np.arange(width)].sum(axis=-1)
        total += (1.0 / (1.0 + np.exp(-(scores - mu)))).sum(axis=1)
    return total


def simulate_pbm(matrix_id: str = "MA0472.2", n: int = 5000, length: int = 35, seed: int = 0,
                 noise: float = 0.15, threshold: float = 8.0, background: float = 500.0, scale: float = 20000.0,
                 release: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Simulate a PBM-like table of random probes and their signal.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``id``, ``sequence``, ``signal`` (``n`` rows).
    info : dict
        The motif and the settings used.
    """
    if n <= 0 or length <= 0:
        raise SeqgenError(f"--n and --length must be positive (got {n} and {length})")
    if not (np.isfinite(noise) and 0 <= noise <= 5):
        raise SeqgenError(f"--noise is the lognormal sigma: between 0 and 5, not {noise}")
    if not (np.isfinite(threshold) and threshold > 0):
        raise SeqgenError(f"--threshold must be a positive number of nats below the best score, not {threshold}")
    name, counts, matrix_id = jaspar_motif(matrix_id, release)
    if counts.shape[1] > length:
        raise SeqgenError(f"motif {matrix_id} is {counts.shape[1]} wide, longer than the probes ({length})")
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    occ = occupancy(codes, counts_log_odds(counts), threshold)
    signal = (background + scale * occ) * np.exp(noise * rng.standard_normal(n))
    table = pd.DataFrame({"id": [f"probe_{i + 1}" for i in range(n)], "sequence": decode(codes, DNA),
                          "signal": np.round(signal, 2)})
    info = {"motif_id": matrix_id, "motif_name": name, "n": n, "length": length, "seed": seed, "noise": noise,
            "threshold": threshold, "background": background, "scale": scale,
            "fraction_bound": float((scale * occ > background).mean())}  #: probes whose sites outshine the background
    return table, info


def simulate_sites(matrix_id: str = "MA0472.2", n: int = 200, length: int = 300, planted: float = 0.25,
                   seed: int = 0, release: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Simulate longer sequences to scan: uniform random DNA, one site of the motif planted in a share of them.

    A planted site is drawn letter by letter from the motif's frequencies (JASPAR counts, the pseudocount of
    :func:`counts_log_odds`), so it is as strong as the motif's real sites are, not always its consensus; it goes
    to a uniform random place, on a random strand.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``id`` (``planted_i`` or ``plain_i``, in random order), ``sequence``, and the site's ``site_start``
        (0-based; -1 where none), ``site_strand`` (``+``/``-``/``.``) and ``site`` (its letters, as on the +
        strand) (``n`` rows).
    info : dict
        The motif and the settings used.
    """
    if n <= 0:
        raise SeqgenError(f"--n must be positive, not {n}")
    if not (np.isfinite(planted) and 0 <= planted <= 1):
        raise SeqgenError(f"--planted is the share of sequences given a site: between 0 and 1, not {planted}")
    name, counts, matrix_id = jaspar_motif(matrix_id, release)
    width = counts.shape[1]
    if width > length:
        raise SeqgenError(f"motif {matrix_id} is {width} wide, longer than the sequences ({length})")
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    has_site = rng.permutation(n) < round(planted * n)
    freqs = np.exp(counts_log_odds(counts)) / 4  # (4, W): each column sums to one
    sites = (rng.random((n, width, 1)) > freqs.T.cumsum(axis=1)[:, :3]).sum(axis=2).astype(np.uint8)  # (N, W) drawn
    minus = rng.random(n) < 0.5
    sites[minus] = reverse_complement(sites[minus], DNA)
    starts = rng.integers(0, length - width + 1, n)
    rows = np.flatnonzero(has_site)
    codes[rows[:, None], starts[rows, None] + np.arange(width)] = sites[rows]
    kind = np.where(has_site, "planted", "plain")
    table = pd.DataFrame({
        "id": [f"{k}_{i + 1}" for i, k in enumerate(kind)], "sequence": decode(codes, DNA),
        "site_start": np.where(has_site, starts, -1), "site_strand": np.where(has_site, np.where(minus, "-", "+"), "."),
        "site": [seq if site else "" for seq, site in zip(decode(sites, DNA), has_site)]})
    info = {"motif_id": matrix_id, "motif_name": name, "n": n, "length": length, "planted": int(has_site.sum()),
            "seed": seed}
    return table, info


def write_table(table: pd.DataFrame, path) -> None:
    """Write a table as TSV, atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
