"""How much generated sequences look like real ones (and are not copies of them).

All functions take ``(N, L)`` uint8 codes (PAD and codes >= ``A`` are skipped
where it matters) and return plain numbers, so that :func:`evaluate` gives a
JSON-ready dict:

- k-mer spectrum Jensen-Shannon divergence (bits, in [0, 1]) against held-out
  real sequences, beside the same figure for real sequences at the same sample
  size (the floor set by sampling noise): ``ratio`` 1.0 is as good as real data;
- GC content distributions (nucleic acids);
- exact copies of training sequences, nearest-training Hamming distance;
- pairwise diversity;
- a two-sample classifier AUROC: a small CNN trained to tell real from
  generated, scored on sequences it did not see (0.5: indistinguishable).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from seqgen.alphabets import PAD, kmer_index
from seqgen.data import SequenceSet, one_hot
from seqgen.errors import SeqgenError
from seqgen.stats import auroc, js_divergence, ks_statistic

MAX_KMER_BINS = 2 ** 22  #: largest spectrum (A ** k) computed; protein k-mers stop at k = 5


# ---------------------------------------------------------------- k-mer spectra

KMER_WINDOWS = 2 ** 21  #: k-mer windows indexed at once by :func:`kmer_counts` (16 MiB of int64 indices)


def kmer_counts(codes: np.ndarray, k: int, alphabet_size: int) -> np.ndarray:
    """Counts of every k-mer, ``(A ** k,)`` int64, over all windows without padding of ``(N, L)`` codes.

    Rows are indexed a block at a time (about :data:`KMER_WINDOWS` windows), so memory does not grow with ``N``
    (the ``(N, L - k + 1)`` int64 indices of 500,000 sequences of 200 nt are 0.8 GB, their copies more)."""
    codes = np.asarray(codes)
    counts = np.zeros(alphabet_size ** k, dtype=np.int64)
    rows = max(1, KMER_WINDOWS // max(codes.shape[1], 1))
    for start in range(0, len(codes), rows):
        index = kmer_index(codes[start:start + rows], k, alphabet_size)
        counts += np.bincount(index[index >= 0], minlength=alphabet_size ** k)
    return counts


def kmer_sizes(alphabet_size: int, largest: int = 6) -> list[int]:
    """k = 1 .. ``largest`` where the spectrum has at most :data:`MAX_KMER_BINS` bins."""
    return [k for k in range(1, largest + 1) if alphabet_size ** k <= MAX_KMER_BINS]


def kmer_js(a: np.ndarray, b: np.ndarray, k: int, alphabet_size: int) -> float:
    """JS divergence of the k-mer spectra of two sets of codes."""
    return js_divergence(kmer_counts(a, k, alphabet_size), kmer_counts(b, k, alphabet_size))


# ---------------------------------------------------------------- composition

def gc_content(codes: np.ndarray, alphabet) -> np.ndarray:
    """``(N,)`` fraction of G or C over the letters of each sequence (nucleic alphabets)."""
    g, c = alphabet.letters.index("G"), alphabet.letters.index("C")
    valid = (codes < alphabet.size).sum(1)
    return ((codes == g) | (codes == c)).sum(1) / np.maximum(valid, 1)


def letter_fractions(codes: np.ndarray, alphabet_size: int) -> np.ndarray:
    """``(N, A)`` fraction of each letter over the letters of each sequence ``codes (N, L)`` (padding left out)."""
    counts = np.stack([(codes == a).sum(1) for a in range(alphabet_size)], 1)  # (N, A): A passes, no (N, A, L)
    return counts / np.maximum(counts.sum(1, keepdims=True), 1)


def gc_histogram(gc: np.ndarray, bins: int = 20) -> np.ndarray:
    """``(bins,)`` counts of GC fractions ``gc (N,)`` in equal bins of [0, 1], each holding its lower edge (the last
    also 1). A fraction on an edge (7/20 = 0.35) goes to the bin it starts, which ``np.histogram`` misses by a
    rounding error for some edges (0.35 * 20 = 6.9999...), emptying whole bins for sequences of 20 or 40."""
    index = np.floor(np.asarray(gc, dtype=float) * bins + 1e-9).astype(int).clip(0, bins - 1)
    return np.bincount(index, minlength=bins)


# ---------------------------------------------------------------- novelty and diversity

def _rows(codes: np.ndarray) -> np.ndarray:
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    return codes.view(np.dtype((np.void, codes.shape[1]))).ravel()


def rows_in(codes: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """``(N,)`` whether each row of ``codes`` ``(N, L)`` is also a row of ``pool`` ``(M, L)``."""
    return np.isin(_rows(codes), _rows(pool))


def copy_fraction(query: np.ndarray, training: np.ndarray) -> float:
    """Fraction of ``query`` ``(N, L)`` codes that occur exactly in ``training`` ``(M, L)``."""
    if len(query) == 0:
        return float("nan")
    return float(rows_in(query, training).mean())


def _matches(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``(Na, Nb)`` number of positions where two sets of one-hot ``(N, A*L)`` agree."""
    return a @ b.T


def _flat_one_hot(codes: np.ndarray, alphabet_size: int) -> torch.Tensor:
    """``(N, (A + 1) * L)``: one-hot with padding as one more letter, so that padding agrees with padding (two
    copies of a padded sequence are at distance 0) and differs from any letter."""
    codes = np.where(codes == PAD, alphabet_size, codes).astype(np.uint8)
    return one_hot(torch.from_numpy(np.ascontiguousarray(codes)), alphabet_size + 1).flatten(1)


def nearest_hamming(query: np.ndarray, training: np.ndarray, alphabet_size: int, chunk: int = 4096) -> np.ndarray:
    """``(Nq,)`` Hamming distance of each query sequence to its nearest training sequence."""
    q = _flat_one_hot(query, alphabet_size)
    best = torch.zeros(len(q))
    for start in range(0, len(training), chunk):
        t = _flat_one_hot(training[start:start + chunk], alphabet_size)
        best = torch.maximum(best, _matches(q, t).max(1).values)
    return (query.shape[1] - best).numpy().astype(np.int64)


def diversity(codes: np.ndarray, alphabet_size: int) -> float:
    """Mean pairwise Hamming distance between distinct sequences of ``codes`` ``(N, L)``, as a fraction of ``L``."""
    n, length = codes.shape
    if n < 2:
        return float("nan")
    x = _flat_one_hot(codes, alphabet_size)
    same = _matches(x, x)
    total = same.sum() - same.diagonal().sum()
    return float(1 - total / (n * (n - 1) * length))


def mean_pairwise_hamming(codes: np.ndarray) -> float:
    """Mean Hamming distance over all pairs of ``(N, L)`` codes (0 for fewer than 2)."""
    n = len(codes)
    if n < 2:
        return 0.0
    length = codes.shape[1]
    counts = one_hot(codes, int(codes.max()) + 1).sum(0, dtype=np.float64)  # (A, L): no (N, N) matrix
    same = (counts ** 2).sum() - n * length  # ordered pairs i != j agreeing at a position
    return float((length * n * (n - 1) - same) / (n * (n - 1)))


# ---------------------------------------------------------------- two-sample classifier

class _Classifier(nn.Module):
    """Conv1d -> ReLU -> global max and mean pooling -> linear; ``x (N, A, L)`` -> ``(N,)`` logits."""

    def __init__(self, alphabet_size: int, channels: int = 64, kernel_size: int = 9):
        super().__init__()
        self.conv = nn.Conv1d(alphabet_size, channels, kernel_size, padding=kernel_size // 2)
        self.linear = nn.Linear(2 * channels, 1)

    def forward(self, x):
        h = torch.relu(self.conv(x))
        return self.linear(torch.cat([h.amax(2), h.mean(2)], 1)).squeeze(1)


#: fewest Adam steps the two-sample classifier takes, whatever ``epochs``: its AUROC rises with training until about
#: 1,000 (REST peaks against an order-5 Markov chain of them, 1,000 a class: 0.63 after 10 epochs, 80 steps; 0.70
#: after 200; 0.79 after 1,000 and 2,000), while real against real stays at 0.5 (benchmarks/RESULTS.md)
CLASSIFIER_MIN_STEPS = 1000


def classifier_auroc(real: np.ndarray, generated: np.ndarray, alphabet_size: int, seed: int = 0,
                     epochs: int = 10, batch_size: int = 128, max_per_class: int = 5000,
                     min_steps: int = CLASSIFIER_MIN_STEPS) -> float:
    """AUROC of a small CNN told ``real`` ``(N, L)`` from ``generated`` ``(M, L)`` codes, on a held-out half of each
    set.

    The sets are subsampled to the same size (at most ``max_per_class`` each);
    half of each trains the classifier, the other half scores it, less any sequence the classifier was trained
    on (under either label): a sequence in both sets would otherwise be learnt as one class and scored as the
    other, and identical sets would rank below 0.5. Training runs ``epochs`` epochs, more where they would be
    fewer than ``min_steps`` steps: an under-trained classifier calls different sets alike (150 sequences a class
    are 2 batches an epoch, and 10 epochs left a GC shift of 0.06 unseen: AUROC 0.53).
    """
    rng = np.random.default_rng(seed)
    n = min(len(real), len(generated), max_per_class)
    if n < 4:
        return float("nan")
    real = real[rng.choice(len(real), n, replace=False)]
    generated = generated[rng.choice(len(generated), n, replace=False)]
    half = n // 2
    x = torch.from_numpy(np.concatenate([real[:half], generated[:half], real[half:], generated[half:]]))
    y = torch.cat([torch.ones(half), torch.zeros(half), torch.ones(n - half), torch.zeros(n - half)])
    train = torch.arange(2 * half)
    seen = np.isin(_rows(x[2 * half:].numpy()), _rows(x[:2 * half].numpy()))
    test = torch.arange(2 * half, 2 * n)[torch.from_numpy(~seen)]
    if min(int((y[test] > 0.5).sum()), int((y[test] < 0.5).sum())) < 2:
        return float("nan")
    torch_gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # CPU only: starts no CUDA context
        torch.manual_seed(seed)
        model = _Classifier(alphabet_size)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = -(-len(train) // batch_size)
    for _ in range(max(epochs, -(-min_steps // batches))):
        for idx in train[torch.randperm(len(train), generator=torch_gen)].split(batch_size):
            loss = nn.functional.binary_cross_entropy_with_logits(model(one_hot(x[idx], alphabet_size)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        scores = torch.cat([model(one_hot(x[idx], alphabet_size)) for idx in test.split(1024)])
    return auroc(scores.numpy(), y[test].numpy() > 0.5)


# ---------------------------------------------------------------- everything at once

def _subsample(codes: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return codes if len(codes) <= n else codes[np.sort(rng.choice(len(codes), n, replace=False))]


def _like_with_like(reference: SequenceSet, query: SequenceSet, training: SequenceSet | None):
    """Where the query holds no gap and the real sequences do (a family VAE's samples, which read gaps as missing
    data and never write one, against its alignment), the real sequences without a gap, so that the metrics compare
    residues with residues and not the gaps' absence; as given where fewer than 2 real sequences are gap-free.
    Returns ``(reference, training, summary)``, the summary's ``gap_free`` the real sequences kept and read."""
    if "-" not in reference.alphabet.letters:
        return reference, training, {}
    gap = reference.alphabet.letters.index("-")
    if (query.codes == gap).any() or not (reference.codes == gap).any():
        return reference, training, {}
    real = {"reference": reference} if training is None else {"reference": reference, "training": training}
    kept = {name: s.subset(np.flatnonzero((s.codes != gap).all(1))) for name, s in real.items()}
    if min(len(s) for s in kept.values()) < 2:
        return reference, training, {}
    summary = {"gap_free": {name: [len(kept[name]), len(s)] for name, s in real.items()}}
    return kept["reference"], kept.get("training"), summary


#: real sequences differing at fewer than this fraction of their positions on average (a scan of one sequence's
#: mutants) leave the JS ratios and the classifier without a meaningful real-vs-real yardstick
NEAR_COPIES_DIVERSITY = 0.1


def near_copies_note(evaluation: dict) -> str:
    """A sentence where an :func:`evaluate` result's real sequences are near copies of one another (their
    ``diversity.reference`` below :data:`NEAR_COPIES_DIVERSITY`, e.g. a mutant library of one protein): two real
    subsets then have almost the same k-mer spectra, so the real-vs-real divergence is near 0 and every JS ratio is
    large, and the classifier tells samples from real by any change beyond the library's few; '' otherwise."""
    real = (evaluation.get("diversity") or {}).get("reference")
    if real is None or not np.isfinite(real) or real >= NEAR_COPIES_DIVERSITY:
        return ""
    length = evaluation.get("length")
    letters = f" ({real * length:.1f} of {length} letters)" if length else ""
    return (f"the real sequences differ at {real:.1%} of their positions on average{letters}: near copies of one "
            f"sequence (a mutant library?), whose subsets have almost the same k-mer spectra, so the JS ratios "
            f"are large for any generator and the classifier spots any change beyond the library's; judge the "
            f"samples by their diversity and nearest Hamming distance beside the real sequences'")


def evaluate(reference: SequenceSet, query: SequenceSet, training: SequenceSet | None = None, seed: int = 0,
             max_nearest: int = 2000, max_diversity: int = 1000, classifier_epochs: int = 10) -> dict:
    """Every metric of ``query`` (generated) against ``reference`` (held-out real sequences).

    Parameters
    ----------
    reference, query : SequenceSet
        Same alphabet; equal lengths for the classifier and copies.
    training : SequenceSet, optional
        The generator's training set: copies and nearest distances are measured
        against it, and the real-vs-real k-mer baseline is a training subset of
        the query's size. Without it, the reference is split in two halves for the k-mer spectra: one
        to compare against, one for the baseline; copies and nearest distances are measured against the whole
        reference (the workflow's, the generator's training data: a copy of either half is a copy). Gap-free
        samples of an alignment (a family VAE's) are compared with its gap-free rows (``gap_free``: rows kept and
        read, of reference and training).
    """
    if reference.alphabet.name != query.alphabet.name:
        raise SeqgenError(f"reference is {reference.alphabet.name} but query is {query.alphabet.name}")
    if reference.length != query.length:
        raise SeqgenError(f"reference sequences have length {reference.length} but query sequences {query.length}")
    if len(reference) < 2 or len(query) < 2:
        raise SeqgenError("reference and query need at least 2 sequences each")
    if training is not None and (training.alphabet.name, training.length) != (query.alphabet.name, query.length):
        raise SeqgenError(f"training sequences are {training.alphabet.name} of length {training.length}, but query "
                          f"sequences {query.alphabet.name} of length {query.length}")
    rng = np.random.default_rng(seed)
    alphabet, size = reference.alphabet, reference.alphabet.size
    reference, training, gap_free = _like_with_like(reference, query, training)
    if training is not None:
        compare, pool, source = reference.codes, training.codes, "training"
        known, known_source = pool, source
    else:
        order = rng.permutation(len(reference))
        half = len(reference) // 2
        compare, pool, source = reference.codes[order[:half]], reference.codes[order[half:]], "reference half"
        known, known_source = reference.codes, "reference"  # not the baseline's half: a copy of the other is one too
    n = min(len(query), len(pool))
    q, real = _subsample(query.codes, n, rng), _subsample(pool, n, rng)
    out = {"n_reference": len(reference), "n_query": len(query), "n_compared": n, "alphabet": alphabet.name,
           "length": reference.length, "baseline": f"{source} subset of {n}", **gap_free}
    out["kmer_js"] = {}
    for k in kmer_sizes(size):
        ref_counts = kmer_counts(compare, k, size)
        js_q = js_divergence(kmer_counts(q, k, size), ref_counts)
        js_real = js_divergence(kmer_counts(real, k, size), ref_counts)
        out["kmer_js"][str(k)] = {"query": js_q, "real": js_real, "ratio": js_q / js_real if js_real > 0 else None}
    if alphabet.is_nucleic:
        gq, gr = gc_content(query.codes, alphabet), gc_content(reference.codes, alphabet)
        out["gc"] = {"query_mean": float(gq.mean()), "query_sd": float(gq.std()),
                     "reference_mean": float(gr.mean()), "reference_sd": float(gr.std()), "ks": ks_statistic(gq, gr),
                     "bins": np.linspace(0, 1, 21).round(2).tolist(),
                     "query_histogram": gc_histogram(gq).tolist(),
                     "reference_histogram": gc_histogram(gr).tolist()}
    near = nearest_hamming(_subsample(query.codes, max_nearest, rng), known, size)
    out["copies"] = {"fraction": copy_fraction(query.codes, known), "of": known_source}
    out["nearest_hamming"] = {"mean": float(near.mean()), "median": float(np.median(near)), "min": int(near.min()),
                              "mean_fraction": float(near.mean() / reference.length), "n": len(near),
                              "of": known_source}
    out["diversity"] = {"query": diversity(_subsample(query.codes, max_diversity, rng), size),
                        "reference": diversity(_subsample(reference.codes, max_diversity, rng), size)}
    out["classifier_auroc"] = classifier_auroc(reference.codes, query.codes, size, seed, classifier_epochs)
    return out
