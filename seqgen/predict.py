"""Use a trained predictor: load it, score one-hot tensors (differentiably), predict files.

The design engine needs :func:`load_predictor` and :meth:`LoadedPredictor.score`;
``seqgen predict`` uses :func:`predict_file`.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from seqgen.alphabets import KEEP_AMBIGUOUS, PAD, decode, get_alphabet, reverse_complement
from seqgen.atomic import atomic_path, check_writable
from seqgen.checkpoint import check_compatible, load_model_file
from seqgen.data import SequenceSet, one_hot
from seqgen.device import batch_rows
from seqgen.errors import SeqgenError
from seqgen.io import STDOUT
from seqgen.labels import LabelTransform
from seqgen.models.predictor import Predictor
from seqgen.scan import (best_windows, check_scannable, check_shuffles, scan_windows, shuffle_pvalues,
                         window_coordinates, window_counts)
from seqgen.stats import bh_qvalues


class LoadedPredictor:
    """A trained predictor ensemble in eval mode, with its alphabet, length and label normalization.

    Attributes
    ----------
    alphabet : seqgen.alphabets.Alphabet
        The model's alphabet (``A = alphabet.size`` letters, in code order).
    length : int
        ``L``, the sequence length it was trained on.
    members : int
        ``K``, the ensemble size.
    task : str
        ``regression`` or ``classification``.
    normalization : LabelTransform or None
        How regression outputs map back to the label's scale.
    model : Predictor
    """

    def __init__(self, payload: dict, device="cpu"):
        self.device = torch.device(device)
        self.alphabet = get_alphabet(payload["alphabet"])
        self.length = int(payload["length"])
        target = payload["target"]
        self.task, self.label = target["task"], target["label"]
        self.normalization = None if target["normalization"] is None else \
            LabelTransform.from_dict(target["normalization"])
        self.model = Predictor(**payload["architecture"])
        self.model.load_state_dict(payload["state_dict"]["predictor"])
        self.model.to(self.device).eval().requires_grad_(False)
        self.members = self.model.members
        self.payload = payload

    def outputs(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, A, L)`` float -> ``(N, K)`` member outputs (standardized label, or logit), differentiable in x
        (a numpy array, e.g. from :func:`seqgen.data.one_hot`, is taken too; float64 is computed in float32)."""
        if not torch.is_tensor(x):
            x = torch.as_tensor(x, dtype=torch.float32)
        if x.dtype == torch.float64:  # the weights are float32 (bf16 inputs stay: autocast)
            x = x.float()
        if x.ndim != 3 or tuple(x.shape[1:]) != (self.alphabet.size, self.length):
            raise SeqgenError(f"the predictor scores (N, {self.alphabet.size}, {self.length}) one-hot "
                              f"{self.alphabet.name} sequences of length {self.length}, not shape {tuple(x.shape)}")
        return self.model(x.to(self.device))

    def score(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Ensemble mean and standard deviation on the model's scale, differentiable in ``x``.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, A, L)`` float: one-hot, or relaxed (each column a distribution over letters).

        Returns
        -------
        mean, std : torch.Tensor
            ``(N,)`` each: mean and standard deviation over the K members of the
            standardized (transformed) label for regression, of the logit for
            classification; higher is better. ``std`` is 0 for a single model.
        """
        out = self.outputs(x)
        std = out.std(1) if self.members > 1 else torch.zeros_like(out[:, 0])
        return out.mean(1), std

    @torch.no_grad()
    def substituted_score(self, x: torch.Tensor, letters: torch.Tensor) -> torch.Tensor:
        """The ensemble mean of :meth:`score` for single-letter substitutions of one-hot ``x``, computed locally
        (:meth:`seqgen.models.predictor.Predictor.substituted_outputs`).

        ``x``: ``(N, A, L)``; ``letters``: ``(N, L, T)``, the letters put at each position. Returns ``(N, L, T)``.
        """
        return self.model.substituted_outputs(x.to(self.device), letters.to(self.device)).mean(-1)

    def score_of_label_mean(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """As :meth:`score`, but the mean is the ensemble mean on the label's scale (as :meth:`predict` gives it)
        mapped to the model's scale by :meth:`to_model_scale`, differentiable in ``x``.

        Thresholds and targets given on the label's scale then hold for :meth:`predict`'s mean exactly: the
        members' mean logit (or mean log signal) is not the logit of their mean probability (or the log of
        their mean signal). Returns ``mean, std``: ``(N,)`` each.
        """
        out = self.outputs(x)
        std = out.std(1) if self.members > 1 else torch.zeros_like(out[:, 0])
        log_k = math.log(self.members)
        if self.task == "classification":  # logit of the mean probability, from log-sigmoids
            log_p = torch.logsumexp(F.logsigmoid(out), 1) - log_k
            log_q = torch.logsumexp(F.logsigmoid(-out), 1) - log_k
            return log_p - log_q, std
        norm = self.normalization
        if norm is None or norm.transform != "log":  # linear: the mean maps to the mean
            return out.mean(1), std
        t = torch.logsumexp(out * norm.std + norm.mean, 1) - log_k  # log(mean signal + offset)
        return (t - norm.mean) / norm.std, std

    def to_model_scale(self, value: float, what: str = "value") -> float:
        """A value on the label's own scale (as :meth:`predict` gives it) -> the model's scale of :meth:`score`.

        Regression: transformed and standardized as the training labels were; classification: a probability,
        to its logit.
        """
        if self.task == "classification":
            if not 0 < value < 1:
                raise SeqgenError(f"{what} {value:g}: this predictor is a classifier, so give a probability "
                                  f"between 0 and 1")
            return float(np.log(value / (1 - value)))
        if self.normalization is None:
            return float(value)
        norm = self.normalization
        if norm.transform == "log" and value + norm.offset <= 0:  # exp(t) - offset: never at or below -offset
            raise SeqgenError(f"{what} {value:g}: this predictor learned log(label + {norm.offset:g}), so it never "
                              f"predicts {-norm.offset:g} or less; give a value above {-norm.offset:g}")
        return float(norm.apply(np.array([value]))[0])

    def batch_rows(self, gradient: bool = False) -> int:
        """Sequences per batch that keep the activations within :func:`seqgen.device.batch_rows`'s budget
        (``gradient``: a backward pass too, about three times the memory)."""
        return batch_rows(self.model.forward_bytes(self.length) * (3 if gradient else 1), self.device)

    @torch.no_grad()
    def label_mean_std(self, codes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, L)`` integer codes on the device -> the members' mean and std, ``(B,)`` each, on the label's own
        scale: each member's output mapped back (regression: inverse standardization and transform;
        classification: probability), then averaged."""
        return self.mean_std_of(self.outputs(one_hot(codes, self.alphabet.size)))

    def mean_std_of(self, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, K)`` member outputs (the model's scale) -> their mean and std on the label's scale, ``(B,)``
        each (:meth:`label_mean_std`)."""
        out = out.float()
        out = torch.sigmoid(out) if self.task == "classification" else self.normalization.invert(out)
        return out.mean(1), out.std(1) if self.members > 1 else torch.zeros_like(out[:, 0])

    @torch.no_grad()
    def predict(self, codes: np.ndarray, batch_size: int | None = None,
                progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Mean and std over members of the prediction on the label's own scale.

        Each member's output is mapped back (regression: inverse standardization
        and transform; classification: probability), then averaged.

        Parameters
        ----------
        codes : np.ndarray
            ``(N, L)`` uint8 codes.
        batch_size : int, optional
            Sequences a batch; by default as many as fit a memory budget (:meth:`batch_rows`).
        progress : bool
            A progress bar on stderr (only on a terminal).

        Returns
        -------
        mean, std : np.ndarray
            ``(N,)`` float64 each.

        Raises
        ------
        SeqgenError
            For codes that are not ``(N, length)`` integers (the model's own length).
        """
        from tqdm.auto import tqdm

        if torch.is_tensor(codes):
            codes = codes.cpu().numpy()
        codes = np.asarray(codes)
        if codes.ndim != 2 or codes.dtype.kind not in "iu" or codes.shape[1] != self.length:
            raise SeqgenError(f"the predictor reads (N, {self.length}) integer codes of {self.alphabet.name} sequences "
                              f"of length {self.length}, not {codes.dtype} of shape {codes.shape} (strings: "
                              f"seqgen.alphabets.encode; other lengths: pad or trim them as the training data was)")
        means, stds = [], []
        batch_size = batch_size or self.batch_rows()
        bar = tqdm(total=len(codes), unit="seq", desc="predict", leave=False, disable=None if progress else True)
        for start in range(0, len(codes), batch_size):
            mean, std = self.label_mean_std(
                torch.from_numpy(np.ascontiguousarray(codes[start:start + batch_size])).to(self.device))
            means.append(mean)
            stds.append(std)
            bar.update(len(mean))
        bar.close()
        if not means:
            return np.zeros(0), np.zeros(0)
        return torch.cat(means).double().cpu().numpy(), torch.cat(stds).double().cpu().numpy()


def load_predictor(path, device="cpu") -> LoadedPredictor:
    """Load a predictor from a model folder (``DIR/model.pt``) or a ``model.pt`` file."""
    return LoadedPredictor(load_model_file(path, kind="predictor"), device)


def read_input(path, alphabet: str, format: str | None = None, **options) -> SequenceSet:
    """An encoded ``.npz`` (from ``seqgen encode``) or any file ``encode`` reads, in ``alphabet``."""
    from seqgen.io import read_sequences

    if format is None and str(path).endswith(".npz"):
        if options.get("genome") is not None or options.get("width") is not None:
            raise SeqgenError("--genome and --width read the intervals of a BED file, and this is an encoded .npz "
                              "(its sequences were cut out when it was encoded)", path)
        return SequenceSet.load(path)
    return read_sequences(path, alphabet, format, **options)


def _check_full_probes(predictor: LoadedPredictor, data: SequenceSet, path) -> None:
    """Refuse, naming it, a constant end that makes every sequence longer than the predictor's (full PBM probes: a
    design's ``probes.fasta`` with its ``--linker``, a UniPROBE table of which some probes lack the linker, so
    none was removed) rather than only the lengths."""
    extra = data.length - (predictor.length or data.length)
    if extra <= 0 or len(data.codes) < 2:
        return
    ends = data.codes[:, -extra:]  # (N, extra): padding is no shared end
    if (ends == ends[0]).all() and not (ends == PAD).any():
        raise SeqgenError(f"these are {data.length}-nt sequences that all end with the same {extra} letters, "
                          f"{decode(ends[:1], data.alphabet)[0]} (a linker?), but the model was trained on "
                          f"{predictor.length}-nt variable regions: score those (a design's designs.fasta, not its "
                          f"probes.fasta)", path)


def predict_file(model_path, input_path, out_path, format: str | None = None, device="cpu",
                 batch_size: int | None = None, progress: bool = False, scan: bool = False, stride: int = 1,
                 windows_path=None, both_strands: bool = False, shuffles: int | None = None, seed: int = 0,
                 **options) -> int:
    """Predict every sequence of ``input_path`` and write ``id, sequence, mean, std`` as TSV (atomically; ``-``:
    to standard output, as ``input_path`` ``-`` reads standard input), then, for genome intervals (a BED input or
    its ``.npz``), the ``chrom, start, end, strand`` of the window scored (:meth:`SequenceSet.coordinates`), then
    ``measured_<label>`` for each label the input holds (a DREAM5 table's signal and background, a UniPROBE
    table's intensity), so predictions on another array design sit beside what was measured there.

    With ``scan``, sequences of any length at least the model's are scored window by window (``stride`` letters
    apart, :mod:`seqgen.scan`): a row a sequence for its highest window (``sequence`` its letters, then
    ``position``, its first letter's place in the sequence, and ``windows``, how many were scored), and, at
    ``windows_path``, a row a window (``id, position, mean, std`` and the genome columns); ``both_strands`` also
    scans each sequence's reverse complement (an ``orientation`` column, ``+`` or ``-``, after ``position``). A BED
    input's intervals are then scanned whole unless ``width`` is given. ``shuffles`` (``K``) also scans ``K``
    dinucleotide shuffles of each sequence (drawn with ``seed``) and adds ``p_value`` (the best window's, against
    the shuffles' best windows over as many windows: :func:`seqgen.scan.shuffle_pvalues`) and ``q_value``
    (Benjamini-Hochberg over the sequences) after ``windows``.

    Returns the number of sequences predicted.
    """
    _check_scan_options(scan, windows_path, both_strands, options.get("lengths"), shuffles, options.get("ambiguous"))
    for path in (out_path, windows_path):  # fail before the work, not after
        if path is not None and str(path) != STDOUT:
            check_writable(path)
    predictor = load_predictor(model_path, device)
    if scan:
        options["lengths"] = "pad"
    elif options.get("lengths") in ("pad", "trim"):
        options["length"] = predictor.length
    if options.get("genome") is not None and options.get("width") is None and not scan:
        options["width"] = predictor.length  # a BED input's intervals, centred at the model's length
    data = read_input(input_path, predictor.alphabet.name, format, missing_labels="keep", **options)
    if scan:
        check_scannable(data, predictor.length, stride, input_path)
    else:
        _check_full_probes(predictor, data, input_path)
    check_compatible(predictor.payload, data.alphabet.name, None if scan else data.length, input_path,
                     longer="--scan scores longer sequences window by window")
    if data.looks_like_dna():
        print(f"note: {input_path}: every sequence is made of A, C, G, T (and N) only; is it DNA? the model reads "
              f"{predictor.alphabet.name}", file=sys.stderr)
    if data.meta.get("n_dropped"):
        print(f"note: {input_path}: {data.meta['n_dropped']} of the {data.meta['n_read']} sequences have ambiguity "
              f"codes and were dropped (--ambiguous drop): they have no prediction", file=sys.stderr)
    if scan:
        table, windows = _scanned(predictor, data, stride, batch_size, progress, both_strands, shuffles, seed,
                                  every_window=windows_path is not None)
    else:
        mean, std = predictor.predict(data.codes, batch_size, progress)
        table = pd.DataFrame({"id": data.ids, "sequence": data.sequences, "mean": mean, "std": std,
                              **data.coordinates()})
    for name in data.label_names:
        table[f"measured_{name}"] = data.label(name)
    if windows_path is None:
        _write_table(table, out_path)
        return len(table)
    _write_table(windows, windows_path)
    try:
        _write_table(table, out_path)
    except BaseException:  # both tables or neither
        if str(windows_path) != STDOUT:
            Path(windows_path).unlink(missing_ok=True)
        raise
    return len(table)


def _check_scan_options(scan: bool, windows_path, both_strands: bool, lengths: str | None,
                        shuffles: int | None = None, ambiguous: str | None = None) -> None:
    """Refuse, naming them, the scan's options without ``--scan``, and a length policy with it."""
    if ambiguous == KEEP_AMBIGUOUS and not scan:
        raise SeqgenError("--ambiguous keep scores the windows of a record that hold no ambiguity code: add --scan "
                          "(a record scored whole cannot leave its N out; --ambiguous drop leaves the record out)")
    if shuffles is not None and not scan:
        raise SeqgenError("--shuffles scans shuffled copies of each sequence as the background of its best window: "
                          "add --scan")
    if shuffles is not None:
        check_shuffles(shuffles)
    if windows_path is not None and not scan:
        raise SeqgenError("--windows writes the score of every window that --scan scores: add --scan")
    if both_strands and not scan:
        raise SeqgenError("--both-strands scans the reverse complement too: add --scan (a model that reads both "
                          "strands itself was trained with strands: max or concat)")
    if scan and lengths not in (None, "error"):
        raise SeqgenError(f"--scan scores windows of sequences of any length, which --lengths {lengths} would "
                          f"change: leave it out")


def _scanned(predictor: LoadedPredictor, data: SequenceSet, stride: int, batch_size: int | None,
             progress: bool, both_strands: bool = False, shuffles: int | None = None, seed: int = 0,
             every_window: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Each sequence's highest window and, with ``every_window`` (else None), every window scored
    (:func:`seqgen.scan.scan_windows`), as tables; with ``both_strands``, an ``orientation`` column says which
    strand of the sequence each window was read on; with ``shuffles``, ``p_value`` and ``q_value`` columns say how
    its best window compares with its shuffles'."""
    found = scan_windows(predictor, data.codes, data.lengths, stride, batch_size, progress, both_strands)
    skipped = int(window_counts(data.lengths, predictor.length, stride).sum()) * (1 + both_strands) - len(found["mean"])
    if skipped:
        print(f"note: {data.meta.get('source', 'input')}: {skipped} windows hold an ambiguity code (N) and were not "
              f"scored (--ambiguous keep)", file=sys.stderr)
    width, sequence, position, reverse = predictor.length, found["sequence"], found["position"], found["reverse"]
    orientation = {"orientation": np.where(reverse, "-", "+")} if both_strands else {}
    windows = pd.DataFrame({"id": data.ids[sequence], "position": position, **orientation, "mean": found["mean"],
                            "std": found["std"], **window_coordinates(data, sequence, position, width, reverse)}) \
        if every_window else None  # millions of rows: made only when written
    best = best_windows(sequence, found["mean"])
    letters = data.codes[sequence[best, None], position[best, None] + np.arange(width)]  # (N, L), as given
    if reverse[best].any():
        letters[reverse[best]] = reverse_complement(letters[reverse[best]], data.alphabet)  # as scored
    table = pd.DataFrame({"id": data.ids, "sequence": decode(letters, data.alphabet), "mean": found["mean"][best],
                          "std": found["std"][best], "position": position[best],
                          **{k: v[best] for k, v in orientation.items()},
                          "windows": np.bincount(sequence, minlength=len(data)),
                          **_significance(predictor, data, found["mean"][best], stride, batch_size, progress,
                                          both_strands, shuffles, seed),
                          **window_coordinates(data, sequence[best], position[best], width, reverse[best])})
    return table, windows


def _significance(predictor: LoadedPredictor, data: SequenceSet, best: np.ndarray, stride: int,
                  batch_size: int | None, progress: bool, both_strands: bool, shuffles: int | None,
                  seed: int) -> dict:
    """``p_value`` and ``q_value`` of each sequence's ``best`` window score against ``shuffles`` dinucleotide
    shuffles of every sequence (``{}`` without ``shuffles``)."""
    if not shuffles:
        return {}
    p = shuffle_pvalues(predictor, data.codes, data.lengths, best, shuffles, seed, stride, both_strands,
                        batch_size=batch_size, progress=progress)
    q = bh_qvalues(p)
    print(f"note: {int((q < 0.05).sum())} of the {len(q)} sequences have a best window with q < 0.05 against "
          f"{shuffles} dinucleotide shuffles of each", file=sys.stderr)
    return {"p_value": p, "q_value": q}


def _write_table(table: pd.DataFrame, path) -> None:
    """``table`` as TSV at ``path`` (atomically), or on standard output (``-``)."""
    if str(path) == STDOUT:
        table.to_csv(sys.stdout, sep="\t", index=False, float_format="%.6g")
    else:
        with atomic_path(Path(path)) as tmp:
            table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
