"""Statistics the package shares, on scipy: agreement between predictions and measurements (Pearson, Spearman,
AUROC), distances between distributions (Jensen-Shannon, Kolmogorov-Smirnov) and the Benjamini-Hochberg
correction."""
from __future__ import annotations

import math

import numpy as np
from scipy.special import rel_entr
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
