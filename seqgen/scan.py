"""Scanning sequences longer than a predictor reads: every window of its length scored, and each sequence's best.

A predictor reads sequences of one length ``L`` (a PBM probe's variable region, a peak re-centred to 200 letters),
and the sequences a user asks about are often longer: promoters, enhancers, whole peaks. Sliding the model along
them, as DeepBind and PBM k-mer scans do, gives the predicted signal of every window (a profile, or a genome track
for genome intervals) and each sequence's highest window, its likeliest site.

The sequences stay on the device as ``(N, L_max)`` codes; windows are views of them (``Tensor.unfold``), gathered a
batch at a time, so memory does not grow with the number of windows scored. Where the model has one convolution
layer and no end padding, overlapping windows share that convolution exactly: tiles of windows are cut instead,
each convolved once and pooled window by window (:meth:`~seqgen.models.predictor.Predictor.window_outputs`).
"""
from __future__ import annotations

import numpy as np
import torch

from seqgen.alphabets import AMBIGUOUS, PAD, reverse_complement
from seqgen.data import SequenceSet, one_hot
from seqgen.errors import SeqgenError

#: when a model's windows share their convolution: windows a tile holds, times the stride (a tile spans about this
#: many letters beyond one window; fewer where a sequence has fewer windows); a batch of tiles takes the
#: predictor's memory budget
TILE_WINDOWS = 2048


def window_counts(lengths: np.ndarray, width: int, stride: int) -> np.ndarray:
    """``(N,)`` int64: windows of ``width`` letters, ``stride`` apart from each sequence's first letter, that lie
    within each of ``lengths`` (0 for a sequence shorter than ``width``)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.where(lengths >= width, (lengths - width) // stride + 1, 0)


def clean_window_counts(codes: np.ndarray, lengths: np.ndarray, width: int, stride: int) -> np.ndarray:
    """``(N,)`` int64: as :func:`window_counts`, less the windows that hold an ambiguity code (an N kept as
    :data:`~seqgen.alphabets.AMBIGUOUS` by ``ambiguous='keep'``)."""
    counts = window_counts(lengths, width, stride)
    rows, held = _ambiguity_counts(codes)
    if not len(rows):
        return counts
    starts = np.arange(int(counts[rows].max())) * stride
    inside = starts < (counts[rows, None] * stride)
    ends = np.minimum(starts + width, codes.shape[1])
    counts[rows] = (inside & (held[:, ends] == held[:, starts])).sum(axis=1)
    return counts


def _ambiguity_counts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``(N, L)`` codes that hold an ambiguity code, ``(R,)``, and for each the number of them before
    each position, ``(R, L + 1)`` (a window from ``a`` to ``b`` holds ``held[:, b] - held[:, a]``)."""
    ambiguous = codes == AMBIGUOUS
    rows = np.flatnonzero(ambiguous.any(axis=1))
    held = np.zeros((len(rows), codes.shape[1] + 1), dtype=np.int32)
    held[:, 1:] = np.cumsum(ambiguous[rows], axis=1)
    return rows, held


def check_scannable(data: SequenceSet, width: int, stride: int, path=None) -> None:
    """Refuse, naming it, a stride below 1, the first sequence shorter than ``width`` (the model's length), or one
    whose every window holds an ambiguity code."""
    if stride < 1:
        raise SeqgenError(f"--stride is the letters between windows, at least 1, not {stride}")
    short = np.flatnonzero(data.lengths < width)
    if len(short):
        i = short[0]
        raise SeqgenError(f"record {str(data.ids[i])!r} has {int(data.lengths[i])} letters, fewer than the {width} "
                          f"the model reads ({len(short)} record{'s are' if len(short) > 1 else ' is'} so short): "
                          f"--scan scores windows of {width} letters; predict such records without --scan, with "
                          f"--lengths pad", path or data.path)
    unclean = np.flatnonzero(clean_window_counts(data.codes, data.lengths, width, stride) == 0)
    if len(unclean):
        i = unclean[0]
        raise SeqgenError(f"record {str(data.ids[i])!r} has no window of {width} letters without an ambiguity code "
                          f"(N) at stride {stride} ({len(unclean)} record{'s' if len(unclean) > 1 else ''} so): "
                          f"leave such records out (--ambiguous drop)", path or data.path)


def scan_windows(predictor, codes: np.ndarray, lengths: np.ndarray, stride: int = 1, batch_size: int | None = None,
                 progress: bool = False, both_strands: bool = False, shared: bool | None = None) -> dict:
    """Score every window of ``predictor.length`` letters, ``stride`` apart, of each sequence (and, with
    ``both_strands``, of its reverse complement).

    Parameters
    ----------
    predictor : seqgen.predict.LoadedPredictor
    codes : np.ndarray
        ``(N, L_max)`` uint8, PAD past each sequence's end; ``L_max`` at least the predictor's length ``L``.
    lengths : np.ndarray
        ``(N,)`` each sequence's own length.
    stride : int
        Letters between the starts of consecutive windows.
    batch_size : int, optional
        Windows a batch; by default as many as the predictor's memory budget allows.
    progress : bool
        A progress bar over windows on stderr (only on a terminal).
    both_strands : bool
        Nucleic acids: also score the windows of each sequence's reverse complement (as FIMO scans both strands).
    shared : bool, optional
        Compute each convolution once for all the windows that read it (a model of one layer without end
        padding, :attr:`~seqgen.models.predictor.Predictor.shares_windows`; the default where it has them), or
        score every window on its own (``False``). Both give the same scores, up to float rounding.

    Returns
    -------
    dict
        ``sequence`` ``(M,)`` int64 (the row of ``codes``), ``position`` ``(M,)`` int64 (where the window lies in
        the sequence as given: its first letter there, 0-based), ``reverse`` ``(M,)`` bool (the window read
        reverse-complemented), ``mean`` and ``std`` ``(M,)`` float64 (over the ensemble, on the label's scale, as
        :meth:`~seqgen.predict.LoadedPredictor.predict` gives them): every window, by sequence, then the given
        strand's by position, then the reverse complement's; a window that holds an ambiguity code
        (:data:`~seqgen.alphabets.AMBIGUOUS`, read with ``ambiguous='keep'``) is left out.
    """
    return _without_ambiguous_windows(codes, predictor.length, _scan_strands(
        predictor, codes, lengths, stride, batch_size, progress, both_strands, shared))


def _scan_strands(predictor, codes: np.ndarray, lengths: np.ndarray, stride: int, batch_size: int | None,
                  progress: bool, both_strands: bool, shared: bool | None) -> dict:
    """:func:`scan_windows` of every window, those holding ambiguity codes included."""
    if not both_strands:
        return {**_scan_one_strand(predictor, codes, lengths, stride, batch_size, progress, shared),
                "reverse": np.zeros(int(window_counts(lengths, predictor.length, stride).sum()), dtype=bool)}
    if not predictor.alphabet.is_nucleic:
        raise SeqgenError(f"both strands are read of DNA or RNA, and the model reads {predictor.alphabet.name}")
    n = len(codes)
    found = _scan_one_strand(predictor, np.concatenate([codes, reverse_complement(codes, predictor.alphabet)]),
                             np.concatenate([lengths, lengths]), stride, batch_size, progress, shared)
    reverse = found["sequence"] >= n
    sequence = found["sequence"] % n
    position = np.where(reverse, lengths[sequence] - found["position"] - predictor.length, found["position"])
    order = np.argsort(sequence, kind="stable")  # by sequence; each one's given strand, then its reverse
    return {"sequence": sequence[order], "position": position[order], "reverse": reverse[order],
            "mean": found["mean"][order], "std": found["std"][order]}


def _without_ambiguous_windows(codes: np.ndarray, width: int, found: dict) -> dict:
    """``found`` less the windows (``sequence``, ``position``: ``width`` letters of ``codes`` from there) that hold
    an ambiguity code; as it is where no sequence holds one."""
    rows, held = _ambiguity_counts(codes)
    if not len(rows):
        return found
    slot = np.full(len(codes), -1)
    slot[rows] = np.arange(len(rows))
    affected = np.flatnonzero(slot[found["sequence"]] >= 0)
    row, start = slot[found["sequence"][affected]], found["position"][affected]
    keep = np.ones(len(found["sequence"]), dtype=bool)
    keep[affected] = held[row, start + width] == held[row, start]
    return {key: values[keep] for key, values in found.items()}


@torch.no_grad()
def _scan_one_strand(predictor, codes: np.ndarray, lengths: np.ndarray, stride: int, batch_size: int | None,
                     progress: bool, shared: bool | None = None) -> dict:
    """:func:`scan_windows` of the sequences as given: ``sequence``, ``position``, ``mean``, ``std``; windows
    that share their convolutions (``shared``; by default where the model allows it) are scored a tile at a
    time (:func:`_shared_scores`), others one at a time."""
    width = predictor.length
    counts = window_counts(lengths, width, stride)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    total = int(offsets[-1])
    sequence = np.repeat(np.arange(len(counts)), counts)
    position = (np.arange(total) - offsets[sequence]) * stride
    if shared is None:
        shared = predictor.model.shares_windows
    score = _shared_scores if shared else _window_scores
    mean, std = score(predictor, codes, counts, sequence, position, stride, batch_size, progress)
    return {"sequence": sequence, "position": position, "mean": mean, "std": std}


def _window_scores(predictor, codes: np.ndarray, counts: np.ndarray, sequence: np.ndarray, position: np.ndarray,
                   stride: int, batch_size: int | None, progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(M,)`` means and stds of the windows (``sequence``, ``position``), each window scored on its own:
    gathered from the device-resident codes a batch at a time."""
    from tqdm.auto import tqdm

    width, total = predictor.length, len(sequence)
    device = predictor.device
    windows = torch.from_numpy(np.ascontiguousarray(codes)).to(device).unfold(1, width, stride)  # (N, W, L) view
    rows = torch.from_numpy(sequence).to(device)  # (M,): each window's place in the view, on the device
    starts = torch.from_numpy(position // stride).to(device)
    means, stds = [], []
    batch_size = batch_size or predictor.batch_rows()
    bar = tqdm(total=total, unit="window", desc="scan", leave=False, disable=None if progress else True)
    for a in range(0, total, batch_size):
        mean, std = predictor.label_mean_std(windows[rows[a:a + batch_size], starts[a:a + batch_size]])
        means.append(mean)  # stays on the device: one copy to the host at the end
        stds.append(std)
        bar.update(len(mean))
    bar.close()
    return _to_host(means, stds)


def _shared_scores(predictor, codes: np.ndarray, counts: np.ndarray, sequence: np.ndarray, position: np.ndarray,
                   stride: int, batch_size: int | None, progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`_window_scores`, each convolution computed once: the sequences cut into tiles of up to
    :data:`TILE_WINDOWS` letters' worth of windows (``T`` windows, ``(T - 1) * stride + width`` letters; a
    sequence's last tile reads past its end, and its windows there are dropped), each scored by
    :meth:`~seqgen.models.predictor.Predictor.window_outputs`."""
    from tqdm.auto import tqdm

    from seqgen.device import batch_rows

    width, model, device = predictor.length, predictor.model, predictor.device
    per_tile = max(1, min(TILE_WINDOWS // stride, int(counts.max())))  # T
    span = (per_tile - 1) * stride + width
    tiles = -(-counts // per_tile)  # (N,) tiles of each sequence
    tile_sequence = np.repeat(np.arange(len(counts)), tiles)
    first_window = (np.arange(int(tiles.sum())) - np.repeat(np.cumsum(tiles) - tiles, tiles)) * per_tile
    real = (first_window[:, None] + np.arange(per_tile) < counts[tile_sequence, None]).reshape(-1)  # (tiles * T,)
    padded = np.pad(codes, ((0, 0), (0, span)), constant_values=PAD)  # the last tiles read PAD past the end
    letters = torch.from_numpy(np.ascontiguousarray(padded)).to(device)
    rows = torch.from_numpy(tile_sequence).to(device)
    starts = torch.from_numpy(first_window * stride).to(device)
    real = torch.from_numpy(real).to(device)
    batch = max(1, batch_size // per_tile) if batch_size else batch_rows(model.forward_bytes(span), device)
    columns = torch.arange(span, device=device)
    means, stds = [], []
    bar = tqdm(total=len(sequence), unit="window", desc="scan", leave=False, disable=None if progress else True)
    for a in range(0, len(tile_sequence), batch):
        x = one_hot(letters[rows[a:a + batch, None], starts[a:a + batch, None] + columns], predictor.alphabet.size)
        out = model.window_outputs(x, width, stride).reshape(-1, predictor.members)  # (tiles * T, K)
        mean, std = predictor.mean_std_of(out[real[a * per_tile:(a + batch) * per_tile]])
        means.append(mean)
        stds.append(std)
        bar.update(len(mean))
    bar.close()
    return _to_host(means, stds)


def _to_host(means: list, stds: list) -> tuple[np.ndarray, np.ndarray]:
    """Batches of means and stds on the device -> ``(M,)`` float64 numpy arrays (one copy to the host)."""
    if not means:
        return np.zeros(0), np.zeros(0)
    return torch.cat(means).double().cpu().numpy(), torch.cat(stds).double().cpu().numpy()


def best_windows(sequence: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``(N,)`` indexes into the windows of :func:`scan_windows`: each sequence's highest ``mean`` (the first of
    equal ones); every sequence must have a window."""
    order = np.lexsort((-mean, sequence))  # by sequence, then highest mean; a stable sort keeps position order
    first = np.flatnonzero(np.r_[True, sequence[order][1:] != sequence[order][:-1]])
    return order[first]


def window_coordinates(data: SequenceSet, sequence: np.ndarray, position: np.ndarray, width: int,
                       reverse: np.ndarray | None = None) -> dict:
    """``chrom, start, end, strand`` of windows (``sequence``, ``position``, ``reverse``: as :func:`scan_windows`
    gives them) of genome intervals (:meth:`SequenceSet.coordinates`; ``{}`` for other input): a window
    ``position`` letters into a minus-strand sequence, which is reverse-complemented, ends ``position`` letters
    below its end on the genome; a window read reverse-complemented is on the other strand (``-`` of an
    interval without one)."""
    if not data.coordinates():
        return {}
    start, strand = data.starts[sequence], data.strands[sequence]
    first = np.where(strand == "-", start + data.lengths[sequence] - position - width, start + position)
    if reverse is not None:
        strand = np.where(reverse, np.where(strand == "-", "+", "-"), strand)
    return {"chrom": data.chroms[sequence], "start": first, "end": first + width, "strand": strand}


#: at most this many window counts get a background of their own (:func:`shuffle_pvalues`); sequences of more
#: distinct lengths are compared at the next of as many counts spaced evenly in log scale (a longer stretch of
#: background: a conservative p-value)
MAX_BACKGROUND_COUNTS = 256


def shuffle_pvalues(predictor, codes: np.ndarray, lengths: np.ndarray, best: np.ndarray, shuffles: int,
                    seed: int = 0, stride: int = 1, both_strands: bool = False, **scan_options) -> np.ndarray:
    """Empirical p-values of each sequence's best window against the best windows of dinucleotide shuffles, over as
    many windows.

    ``shuffles`` rounds: in each, every sequence is shuffled (:func:`shuffle_rounds`: its length, letter and
    dinucleotide counts kept, its longer words, sites among them, lost) and scanned as the sequences were. A
    sequence of ``n`` window positions (less those holding an ambiguity code; its shuffles are of its other
    letters) is compared with the highest window of the first ``n`` positions of every shuffle that has at least
    ``n`` (its own shuffles among them), so that a long sequence's best, the highest of many
    windows, meets a background of as many: ``p = (1 + b) / (1 + B)``, ``b`` of the ``B`` background bests at or
    above it (Phipson and Smyth 2010: never 0; the longest sequences, with few shuffles as long, cannot reach a
    small p). A sequence's windows overlap and are not independent; the shuffles' overlap as much, so no correction
    for the number of windows is needed. Only each round's bests are kept, so memory grows with the shuffles only
    as ``N`` numbers a round.

    Parameters
    ----------
    predictor : seqgen.predict.LoadedPredictor
    codes : np.ndarray
        ``(N, L_max)`` uint8, PAD past each sequence's end.
    lengths : np.ndarray
        ``(N,)`` each sequence's length.
    best : np.ndarray
        ``(N,)`` each sequence's highest window ``mean`` (:func:`scan_windows`, :func:`best_windows`).
    shuffles : int
        Rounds of shuffles, ``K``.
    seed : int
        Seed of the shuffles.
    stride, both_strands, **scan_options
        As the sequences were scanned (:func:`scan_windows`: ``batch_size``, ``progress``, ``shared``).

    Returns
    -------
    np.ndarray
        ``(N,)`` float64 p-values in ``(0, 1]``.
    """
    compared = _compared_counts(clean_window_counts(codes, lengths, predictor.length, stride))
    letters, letter_lengths = letters_only(codes, lengths)  # a sequence with an N: its other letters are shuffled
    counts = window_counts(letter_lengths, predictor.length, stride)
    nulls: dict = {}
    for shuffled_codes in shuffle_rounds(letters, shuffles, seed):
        found = scan_windows(predictor, shuffled_codes, letter_lengths, stride, both_strands=both_strands,
                             **scan_options)
        for n, values in null_bests(found, counts, np.unique(compared), stride, 2 if both_strands else 1).items():
            nulls.setdefault(n, []).append(values)
    return empirical_pvalues(best, compared, {n: np.concatenate(v) for n, v in nulls.items()})


def letters_only(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(N, L_max)`` codes and ``(N,)`` lengths of each sequence's letters without its ambiguity codes
    (:data:`~seqgen.alphabets.AMBIGUOUS`), in order, joined; the codes and lengths given where none holds one."""
    ambiguous = codes == AMBIGUOUS
    if not ambiguous.any():
        return codes, lengths
    order = np.argsort(ambiguous | (codes == PAD), axis=1, kind="stable")  # letters first, in their order
    letters = np.take_along_axis(codes, order, axis=1)
    kept = np.asarray(lengths) - ambiguous.sum(axis=1)
    letters[np.arange(codes.shape[1]) >= kept[:, None]] = PAD
    return letters, kept


def shuffle_rounds(codes: np.ndarray, shuffles: int, seed: int = 0):
    """``shuffles`` arrays of ``(N, L_max)`` codes, each a dinucleotide shuffle of every sequence
    (:func:`seqgen.shuffle.shuffled`), one round at a time, each round with its own seed drawn from ``seed``."""
    from seqgen.shuffle import shuffled

    check_shuffles(shuffles)
    for round_seed in np.random.default_rng(seed).integers(2**62, size=shuffles):
        yield shuffled(codes, seed=int(round_seed))


def check_shuffles(shuffles: int) -> None:
    """Refuse, in one line, fewer than one round of shuffles."""
    if shuffles < 1:
        raise SeqgenError(f"--shuffles is the shuffles of each sequence scanned as its background, at least 1, not "
                          f"{shuffles}")


def null_bests(found: dict, counts: np.ndarray, levels: np.ndarray, stride: int, strands: int) -> dict:
    """For each window count ``n`` of ``levels``, the highest window over the first ``n`` positions of every
    scanned sequence with at least ``n`` (``counts``).

    Parameters
    ----------
    found : dict
        :func:`scan_windows` of the sequences: ``sequence``, ``position``, ``mean`` ``(M,)``.
    counts : np.ndarray
        ``(N,)`` each sequence's window positions (:func:`window_counts`).
    levels : np.ndarray
        The window counts asked.
    stride : int
        Letters between windows, as scanned.
    strands : int
        Windows at each position: 2 with both strands, else 1.

    Returns
    -------
    dict
        ``n`` -> ``(N_n,)`` float64, the ``N_n`` sequences' highest windows.
    """
    sequence, mean = found["sequence"], found["mean"]
    order = np.lexsort((found["position"] // stride, sequence))  # by sequence, then position; both strands at one
    sequence, mean = sequence[order], mean[order]
    rank = np.empty(len(mean), dtype=np.int64)
    by_value = np.argsort(mean, kind="stable")
    rank[by_value] = np.arange(len(mean))
    offset = sequence.astype(np.int64) * len(mean)  # each sequence's ranks above the one before's: a running max each
    running = mean[by_value][np.maximum.accumulate(offset + rank) - offset]
    first = np.concatenate([[0], np.cumsum(counts * strands)[:-1]])
    return {int(n): running[first[counts >= n] + strands * n - 1] for n in levels}


def empirical_pvalues(best: np.ndarray, compared: np.ndarray, nulls: dict) -> np.ndarray:
    """``(N,)`` p-values ``(1 + b) / (1 + B)`` of each ``best`` against the ``B`` values ``nulls[compared[i]]``,
    ``b`` of them at or above it."""
    p = np.ones(len(best))
    for n, values in nulls.items():
        rows = np.flatnonzero(compared == n)
        values = np.sort(values)
        above = len(values) - np.searchsorted(values, best[rows], side="left")
        p[rows] = (1 + above) / (1 + len(values))
    return p


def _compared_counts(counts: np.ndarray) -> np.ndarray:
    """The window count each sequence's best is compared at: its own, or, with more than
    :data:`MAX_BACKGROUND_COUNTS` distinct ones, the next of that many counts spaced evenly in log scale up to the
    largest (so never more than a shuffle of the longest sequence has)."""
    counts = np.asarray(counts, dtype=np.int64)
    if len(np.unique(counts)) <= MAX_BACKGROUND_COUNTS:
        return counts
    grid = np.unique(np.ceil(np.geomspace(counts.min(), counts.max(), MAX_BACKGROUND_COUNTS)).astype(np.int64))
    grid[-1] = counts.max()
    return grid[np.minimum(np.searchsorted(grid, counts), len(grid) - 1)]
