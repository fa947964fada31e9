"""Statistics the package shares, on scipy: agreement between predictions and measurements (Pearson, Spearman,
AUROC), distances between distributions (Jensen-Shannon, Kolmogorov-Smirnov), the Benjamini-Hochberg correction
and a vectorized hypergeometric tail (motif enrichment)."""
from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln, rel_entr
from scipy.stats import false_discovery_control, ks_2samp, rankdata


def pearson(x, y) -> float:
    """Pearson correlation of two ``(N,)`` arrays (nan when either is constant)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    x, y = x - x.mean(), y - y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float("nan")


def spearman(x, y) -> float:
    """Spearman rank correlation (ties get their average rank)."""
    return pearson(rankdata(x), rankdata(y))


def auroc(scores, positive) -> float:
    """Area under the ROC curve of ``scores`` for boolean ``positive`` (Mann-Whitney; ties count half).

    nan when all items are of one class.
    """
    positive = np.asarray(positive, bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def js_divergence(p, q) -> float:
    """Jensen-Shannon divergence in bits (0: same distribution, 1: disjoint) of two ``(K,)`` count vectors (nan
    when either is empty)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.sum() == 0 or q.sum() == 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)
    return max(0.0, float(rel_entr(p, m).sum() + rel_entr(q, m).sum()) / (2 * math.log(2)))


def ks_statistic(a, b) -> float:
    """Two-sample Kolmogorov-Smirnov statistic of ``(N,)`` and ``(M,)`` samples: the largest gap between their
    empirical CDFs."""
    return float(ks_2samp(a, b, method="asymp").statistic)


def bh_qvalues(p) -> np.ndarray:
    """Benjamini-Hochberg q-values (adjusted p-values) along the last axis of ``p``."""
    return false_discovery_control(np.asarray(p, dtype=np.float64), axis=-1, method="bh")


def hypergeom_log_tail(k, population: int, successes: int, draws) -> np.ndarray:
    """``log P(X >= k)`` for ``X`` hypergeometric (``draws`` from ``population`` holding ``successes``).

    Elementwise over broadcast ``k`` and ``draws``, vectorized (scipy's ``hypergeom.logsf`` loops in Python
    over elements). The smaller tail is summed from its inner end outwards, term ratios read off the
    probability mass function, until a term adds less than 1e-17 of the sum; log-concavity bounds what is
    left. Exact to rounding where the tail underflows a float (log p of -10,000 and below).
    """
    k, draws = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(draws, dtype=np.float64))
    shape, k, draws = k.shape, k.ravel(), draws.ravel()
    m, n, others = float(population), float(successes), float(population - successes)
    low, high = np.maximum(0.0, draws - others), np.minimum(n, draws)

    def log_pmf(x):
        return (gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1) + gammaln(others + 1) - gammaln(draws - x + 1)
                - gammaln(others - draws + x + 1) - gammaln(m + 1) + gammaln(draws + 1) + gammaln(m - draws + 1))

    mode = np.floor((draws + 1) * (n + 1) / (m + 2))
    upper = k > mode  # sum P(X >= k) upwards; else P(X <= k - 1) downwards, and take its complement
    start = np.clip(np.where(upper, k, k - 1), low, high)
    total, term, x = np.ones_like(k), np.ones_like(k), start.copy()
    active = np.ones(k.shape, dtype=bool)
    while active.any():
        xa, da = x[active], draws[active]
        ratio = np.where(upper[active], (n - xa) * (da - xa) / ((xa + 1) * (others - da + xa + 1)),
                         xa * (others - da + xa) / np.maximum((n - xa + 1) * (da - xa + 1), 1.0))
        term[active] *= ratio
        total[active] += term[active]
        x[active] += np.where(upper[active], 1.0, -1.0)
        active[active] = term[active] > 1e-17 * total[active]
    tail = log_pmf(start) + np.log(total)
    with np.errstate(divide="ignore"):  # a lower tail of 1 where the upper one is taken or is empty
        result = np.where(upper, tail, np.log1p(-np.exp(np.minimum(tail, 0.0))))
    result = np.where(~upper & (k - 1 < low), 0.0, result)  # the lower tail is empty: P(X >= k) = 1
    return np.where(upper & (k > high), -np.inf, result).reshape(shape)
