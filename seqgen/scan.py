"""Scanning sequences longer than a predictor reads: every window of its length scored, and each sequence's best.

A predictor reads sequences of one length ``L`` (a PBM probe's variable region, a peak re-centred to 200 letters),
and the sequences a user asks about are often longer: promoters, enhancers, whole peaks. Sliding the model along
them, as DeepBind and PBM k-mer scans do, gives the predicted signal of every window (a profile, or a genome track
for genome intervals) and each sequence's highest window, its likeliest site.

The sequences stay on the device as ``(N, L_max)`` codes; windows are views of them (``Tensor.unfold``), gathered a
batch at a time, so memory does not grow with the number of windows scored.
"""
from __future__ import annotations

import numpy as np
import torch

from seqgen.data import SequenceSet
from seqgen.errors import SeqgenError


def window_counts(lengths: np.ndarray, width: int, stride: int) -> np.ndarray:
    """``(N,)`` int64: windows of ``width`` letters, ``stride`` apart from each sequence's first letter, that lie
    within each of ``lengths`` (0 for a sequence shorter than ``width``)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.where(lengths >= width, (lengths - width) // stride + 1, 0)


def check_scannable(data: SequenceSet, width: int, stride: int, path=None) -> None:
    """Refuse, naming it, a stride below 1 or the first sequence shorter than ``width`` (the model's length)."""
    if stride < 1:
        raise SeqgenError(f"--stride is the letters between windows, at least 1, not {stride}")
    short = np.flatnonzero(data.lengths < width)
    if len(short):
        i = short[0]
        raise SeqgenError(f"record {str(data.ids[i])!r} has {int(data.lengths[i])} letters, fewer than the {width} "
                          f"the model reads ({len(short)} record{'s are' if len(short) > 1 else ' is'} so short): "
                          f"--scan scores windows of {width} letters; predict such records without --scan, with "
                          f"--lengths pad", path or data.path)


@torch.no_grad()
def scan_windows(predictor, codes: np.ndarray, lengths: np.ndarray, stride: int = 1, batch_size: int | None = None,
                 progress: bool = False) -> dict:
    """Score every window of ``predictor.length`` letters, ``stride`` apart, of each sequence.

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

    Returns
    -------
    dict
        ``sequence`` ``(M,)`` int64 (the row of ``codes``), ``position`` ``(M,)`` int64 (the window's first letter,
        0-based), ``mean`` and ``std`` ``(M,)`` float64 (over the ensemble, on the label's scale, as
        :meth:`~seqgen.predict.LoadedPredictor.predict` gives them): every window, by sequence, then position.
    """
    from tqdm.auto import tqdm

    width = predictor.length
    counts = window_counts(lengths, width, stride)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    total = int(offsets[-1])
    sequence = np.repeat(np.arange(len(counts)), counts)
    position = (np.arange(total) - offsets[sequence]) * stride
    windows = torch.from_numpy(np.ascontiguousarray(codes)).to(predictor.device).unfold(1, width, stride)
    rows, starts = torch.from_numpy(sequence), torch.from_numpy(position // stride)  # (M,): a window's view index
    means, stds = [], []
    batch_size = batch_size or predictor.batch_rows()
    bar = tqdm(total=total, unit="window", desc="scan", leave=False, disable=None if progress else True)
    for a in range(0, total, batch_size):
        batch = slice(a, a + batch_size)
        mean, std = predictor.label_mean_std(windows[rows[batch].to(windows.device), starts[batch].to(windows.device)])
        means.append(mean.double().cpu())
        stds.append(std.double().cpu())
        bar.update(len(mean))
    bar.close()
    return {"sequence": sequence, "position": position,
            "mean": torch.cat(means).numpy() if means else np.zeros(0), "std": torch.cat(stds).numpy() if stds
            else np.zeros(0)}


def best_windows(sequence: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``(N,)`` indexes into the windows of :func:`scan_windows`: each sequence's highest ``mean`` (the first of
    equal ones); every sequence must have a window."""
    order = np.lexsort((-mean, sequence))  # by sequence, then highest mean; a stable sort keeps position order
    first = np.flatnonzero(np.r_[True, sequence[order][1:] != sequence[order][:-1]])
    return order[first]


def window_coordinates(data: SequenceSet, sequence: np.ndarray, position: np.ndarray, width: int) -> dict:
    """``chrom, start, end, strand`` of windows (``sequence``, ``position``: as :func:`scan_windows` gives them) of
    genome intervals (:meth:`SequenceSet.coordinates`; ``{}`` for other input): a window ``position`` letters into a
    minus-strand sequence, which is reverse-complemented, ends ``position`` letters below its end on the genome."""
    if not data.coordinates():
        return {}
    start, minus = data.starts[sequence], data.strands[sequence] == "-"
    first = np.where(minus, start + data.lengths[sequence] - position - width, start + position)
    return {"chrom": data.chroms[sequence], "start": first, "end": first + width, "strand": data.strands[sequence]}
