"""Statistics the package shares, on scipy: agreement between predictions and measurements (Pearson, Spearman,
AUROC), distances between distributions (Jensen-Shannon, Kolmogorov-Smirnov), the Benjamini-Hochberg correction
and a vectorized hypergeometric tail (motif enrichment)."""
from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln, rel_entr

# scipy.stats is imported by the functions that use it: it takes half a second, which a command importing this
# module without calling them (seqgen design, through seqgen.metrics) paid on every run


def pearson(x, y) -> float:
    """Pearson correlation of two ``(N,)`` arrays (nan when either is constant)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) == 0 or np.ptp(x) == 0 or np.ptp(y) == 0:  # the mean of a constant can differ from it by rounding
        return float("nan")
    x, y = x - x.mean(), y - y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float("nan")


def spearman(x, y) -> float:
    """Spearman rank correlation (ties get their average rank)."""
    from scipy.stats import rankdata

    return pearson(rankdata(x), rankdata(y))


def auroc(scores, positive) -> float:
    """Area under the ROC curve of ``scores`` for boolean ``positive`` (Mann-Whitney; ties count half).

    nan when all items are of one class.
    """
    positive = np.asarray(positive, bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy.stats import rankdata

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
    from scipy.stats import ks_2samp

    return float(ks_2samp(a, b, method="asymp").statistic)


def bh_qvalues(p) -> np.ndarray:
    """Benjamini-Hochberg q-values (adjusted p-values) along the last axis of ``p``."""
    from scipy.stats import false_discovery_control

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
    n, others = float(successes), float(population - successes)
    low, high = np.maximum(0.0, draws - others), np.minimum(n, draws)
    upper = k > _mode(population, successes, draws)  # sum P(X >= k) upwards; else P(X <= k - 1) downwards,
    start = np.clip(np.where(upper, k, k - 1), low, high)  # and take its complement
    total = np.empty_like(k)
    total[upper] = _summed_ratios(start[upper], draws[upper], n, others, upwards=True)
    total[~upper] = _summed_ratios(start[~upper], draws[~upper], n, others, upwards=False)
    tail = _log_pmf(start, population, successes, draws) + np.log(total)
    with np.errstate(divide="ignore"):  # a lower tail of 1 where the upper one is taken or is empty
        result = np.where(upper, tail, np.log1p(-np.exp(np.minimum(tail, 0.0))))
    result = np.where(~upper & (k - 1 < low), 0.0, result)  # the lower tail is empty: P(X >= k) = 1
    return np.where(upper & (k > high), -np.inf, result).reshape(shape)


def hypergeom_log_tail_bounds(k, population: int, successes: int, draws) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on :func:`hypergeom_log_tail` as it computes it, without summing the tails: ``(lower, upper)``,
    each shaped as broadcast ``k`` and ``draws``.

    Above the mode, ``P(X >= k)`` lies between its first term ``P(X = k)`` and ``P(X = k) / (1 - r)``, ``r`` the
    ratio of the second term to the first (log-concavity: the ratios fall); at or below it, between ``P(X = mode)``
    and 1. Both are widened by ``1e-9 * (1 + log population!)``, far more than the rounding of the log
    factorials (``lower`` and ``upper`` are for telling which of many tails can be the smallest).
    """
    k, draws = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(draws, dtype=np.float64))
    n, others = float(successes), float(population - successes)
    low, high = np.maximum(0.0, draws - others), np.minimum(n, draws)
    mode = _mode(population, successes, draws)
    upper = k > mode
    x = np.clip(np.where(upper, k, mode), low, high)
    first = _log_pmf(x, population, successes, draws)  # (the upper tail's first term, or the mode's)
    with np.errstate(divide="ignore", invalid="ignore"):  # r = 0 at x = high; 0 / 0 where not above the mode
        ratio = (n - x) * (draws - x) / ((x + 1) * (others - draws + x + 1))
        lower = np.where(upper & (k > high), -np.inf, first)
        upper = np.where(upper, first - np.log1p(-np.where(upper, np.minimum(ratio, 1.0), 0.0)), 0.0)
    margin = 1e-9 * (1.0 + gammaln(population + 1.0))
    return lower - margin, upper + margin


def _mode(population: int, successes: int, draws: np.ndarray) -> np.ndarray:
    """The hypergeometric distribution's mode (the higher of two), float64 shaped as ``draws``."""
    return np.floor((draws + 1) * (float(successes) + 1) / (float(population) + 2))


def _log_pmf(x: np.ndarray, population: int, successes: int, draws: np.ndarray) -> np.ndarray:
    """``log P(X = x)``, float64 ``x`` and ``draws`` broadcast."""
    m, n, others = float(population), float(successes), float(population - successes)
    return (gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1) + gammaln(others + 1) - gammaln(draws - x + 1)
            - gammaln(others - draws + x + 1) - gammaln(m + 1) + gammaln(draws + 1) + gammaln(m - draws + 1))


def _summed_ratios(x: np.ndarray, draws: np.ndarray, n: float, others: float, upwards: bool) -> np.ndarray:
    """``sum_j pmf(x +- j) / pmf(x)`` (``j >= 0``) of :func:`hypergeom_log_tail`'s tails, ``(K,)`` float64.

    ``x``, ``draws``: ``(K,)`` float64 starts and draws; ``n`` successes and ``others`` failures in the population.
    Terms are summed from ``x`` up (``upwards``) or down until a term adds less than 1e-17 of the sum. Elements
    that are done leave the arrays, so each round costs what is still summing (not ``K``); every element sees
    the same operations in the same order as when all were summed together.
    """
    total = np.ones_like(x)
    left = np.arange(len(x))  # elements still summing; x, draws, term and partial sum of those only
    x, draws, term, partial = x.copy(), draws.copy(), np.ones_like(x), np.ones_like(x)
    while len(left):
        if upwards:
            term *= (n - x) * (draws - x) / ((x + 1) * (others - draws + x + 1))
            x += 1.0
        else:
            term *= x * (others - draws + x) / np.maximum((n - x + 1) * (draws - x + 1), 1.0)
            x -= 1.0
        partial += term
        going = term > 1e-17 * partial
        if not going.all():
            total[left[~going]] = partial[~going]
            left, x, draws, term, partial = left[going], x[going], draws[going], term[going], partial[going]
    return total
