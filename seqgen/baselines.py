"""A simple yardstick for a predictor's held-out figures: ridge regression on k-mer counts.

A CNN is worth its cost where it beats a linear model of k-mer counts fitted to the same training sequences
(a helper's audit found a 2-minute CNN of promoters against gene-body fragments at held-out AUROC 0.90, below
a logistic regression on 4-mer counts, 0.96). :func:`kmer_baseline` fits that model on the predictor's own
training split and target scale and scores its validation split; ``seqgen train predictor`` records the result
in ``metrics.json`` (``baseline``) and the report shows it beside the predictor's figures.
"""
from __future__ import annotations

import numpy as np

#: most k-mer features: k is the largest with A^k at most this (DNA/RNA: 5-mers, 1,024; protein: 2-mers, 400)
MAX_FEATURES = 1024
#: ridge penalty per training sequence, on standardized features
RIDGE = 1e-3


def kmer_size(alphabet_size: int) -> int:
    """The largest k with ``alphabet_size ** k <= MAX_FEATURES`` (at least 1)."""
    k = 1
    while alphabet_size ** (k + 1) <= MAX_FEATURES:
        k += 1
    return k


def kmer_features(codes: np.ndarray, alphabet, k: int) -> np.ndarray:
    """``(N, A^k)`` counts of each k-mer in each sequence ``codes (N, L)``; windows holding padding are skipped,
    and a double-stranded alphabet also counts the reverse complement's k-mers (a site on either strand)."""
    from seqgen.alphabets import kmer_index, reverse_complement

    counts = np.zeros((len(codes), alphabet.size ** k), dtype=np.float32)
    strands = [codes, reverse_complement(codes, alphabet)] if alphabet.double_stranded else [codes]
    for strand in strands:
        index = kmer_index(strand, k, alphabet.size)  # (N, L - k + 1); -1 where a window holds padding
        rows = np.broadcast_to(np.arange(len(codes))[:, None], index.shape)
        valid = index >= 0
        np.add.at(counts, (rows[valid], index[valid]), 1.0)
    return counts


def ridge_fit(x: np.ndarray, y: np.ndarray, penalty: float = RIDGE):
    """Ridge regression of ``y (N,)`` on ``x (N, F)``, features standardized on these rows; returns a function
    from ``(M, F)`` features to ``(M,)`` predictions."""
    mean, std = x.mean(0), x.std(0)
    std[std == 0] = 1.0
    a, offset = (x - mean) / std, y.mean()
    weights = np.linalg.solve(a.T @ a + penalty * len(a) * np.eye(a.shape[1]), a.T @ (y - offset))
    return lambda features: ((features - mean) / std) @ weights + offset


#: most training sequences the baseline fits on (a random subset beyond: 1,024 features need far fewer) and rows
#: of features held at once (20,000 x 1,024 counts are 80 MB)
MAX_TRAIN = CHUNK = 20_000


def kmer_baseline(codes: np.ndarray, alphabet, target: np.ndarray, train: np.ndarray, val: np.ndarray,
                  measured: np.ndarray, classification: bool) -> dict:
    """The k-mer ridge model fitted on ``codes[train]`` to ``target[train]`` (the predictor's own target: the
    standardized label, or 0/1 classes; a random :data:`MAX_TRAIN` of them at most) and scored on ``codes[val]``
    against ``measured`` (the validation labels): ``{"model", "val_auroc"}`` for a classifier, ``{"model",
    "val_spearman", "val_pearson_model_scale"}`` otherwise (ranks are the label's; Pearson is on the target's
    scale, where the model was fitted)."""
    from seqgen.stats import auroc, pearson, spearman

    k = kmer_size(alphabet.size)
    if len(train) > MAX_TRAIN:
        train = np.sort(np.random.default_rng(0).choice(train, MAX_TRAIN, replace=False))
    model = ridge_fit(kmer_features(codes[train], alphabet, k), target[train].astype(np.float64))
    predicted = np.concatenate([model(kmer_features(codes[part], alphabet, k))
                                for part in np.array_split(val, max(1, -(-len(val) // CHUNK)))])
    out = {"model": f"ridge regression on {k}-mer counts{' (both strands)' if alphabet.double_stranded else ''}",
           "n_train": int(len(train))}
    if classification:
        out["val_auroc"] = auroc(predicted, measured > 0.5)
    else:
        out["val_spearman"] = spearman(predicted, measured)
        out["val_pearson_model_scale"] = pearson(predicted, target[val])
    return out
