"""Agreement between predictions and measurements: Pearson, Spearman, AUROC (numpy, vectorized)."""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


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
