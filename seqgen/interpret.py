"""Motifs from a trained predictor: first-layer filters and attributions.

Works with any model, through two small interfaces:

- :func:`filter_motifs`: seqgen's :class:`~seqgen.models.predictor.Predictor`
  (every member's filters), or any ``torch.nn.Module`` whose first ``nn.Conv1d``
  reads (possibly transformed) one-hot ``(N, A, L)`` input. Each filter becomes
  a PWM of the input windows where it fires above a fraction of its maximum
  (Alipanahi et al. 2015; Kelley et al. 2016), ranked by its influence: how
  much the model's output changes when the filter is silenced.
- :func:`attribution_motifs`: any callable ``score(x) -> (N,)`` tensor on
  ``(N, A, L)`` float tensors. Attributions (gradient x input, or in-silico
  mutagenesis) are cut into seqlets (windows of high contribution, against a
  null from position-shuffled contributions), which are clustered by their
  best-shift, both-strand correlation and aligned into PWMs (a small
  TF-MoDISco-like scheme).
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from seqgen.alphabets import Alphabet, get_alphabet
from seqgen.design.objectives import as_mean_std
from seqgen.errors import SeqgenError
from seqgen.motifs import Motif, counts_to_pwm, trim


def first_conv(model: torch.nn.Module) -> torch.nn.Conv1d:
    """The first ``nn.Conv1d`` of ``model`` (in ``modules()`` order)."""
    for module in model.modules():
        if isinstance(module, torch.nn.Conv1d):
            return module
    raise SeqgenError("the model has no Conv1d layer to read filters from")


def _batches(x: torch.Tensor, batch_size: int):
    for start in range(0, len(x), batch_size):
        yield x[start: start + batch_size]


def _as_scores(out: torch.Tensor) -> torch.Tensor:
    """Model output -> ``(N,)``: a single column is squeezed, several are averaged."""
    return out.reshape(len(out), -1).mean(dim=1)


@torch.no_grad()
def filter_activations(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 512):
    """First-layer activations and the input windows they read.

    Parameters
    ----------
    model : nn.Module taking ``(N, A, L)``: seqgen's Predictor (its ``first_layer``) or one with an ``nn.Conv1d``.
    x : (N, A, L) float tensor.

    Returns
    -------
    acts : (N, F, P) float tensor, the conv output (before any nonlinearity).
    wins : (N, A, P, K) float tensor, the input window behind each output position.
    """
    if hasattr(model, "first_layer"):
        model.eval()
        parts = [model.first_layer(xb) for xb in _batches(x, batch_size)]
        return torch.cat([a for a, _ in parts]), torch.cat([w for _, w in parts])
    conv = first_conv(model)
    captured = {}
    hook = conv.register_forward_hook(lambda mod, inp, out: captured.update(inp=inp[0], out=out))
    acts, wins = [], []
    try:
        model.eval()
        for xb in _batches(x, batch_size):
            model(xb)
            inp = captured["inp"]
            pad = conv.padding if isinstance(conv.padding, tuple) else None
            if conv.padding == "same":
                total = conv.dilation[0] * (conv.kernel_size[0] - 1)
                inp = torch.nn.functional.pad(inp, (total // 2, total - total // 2))
            elif pad and pad[0]:
                inp = torch.nn.functional.pad(inp, (pad[0], pad[0]))
            span = conv.dilation[0] * (conv.kernel_size[0] - 1) + 1
            w = inp.unfold(2, span, conv.stride[0])[..., :: conv.dilation[0]]  # (N, A, P, K)
            acts.append(captured["out"][..., : w.shape[2]])
            wins.append(w)
    finally:
        hook.remove()
    return torch.cat(acts), torch.cat(wins)


@torch.no_grad()
def filter_influence(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """``(F,)`` mean squared change of the model's output when each first-layer filter is silenced."""
    model.eval()
    base = torch.cat([_as_scores(model(xb)) for xb in _batches(x, batch_size)])
    n_filters = model.first_filters if hasattr(model, "first_filters") else first_conv(model).out_channels
    influence = np.zeros(n_filters)
    for f in range(n_filters):
        with _silenced(model, f):
            out = torch.cat([_as_scores(model(xb)) for xb in _batches(x, batch_size)])
        influence[f] = float(((out - base) ** 2).mean())
    return influence


@contextmanager
def _silenced(model: torch.nn.Module, f: int):
    """Within the block, first-layer filter ``f`` of ``model`` outputs 0."""
    if hasattr(model, "silenced"):
        with model.silenced(f):
            yield
        return
    conv = first_conv(model)
    silenced = torch.tensor([f], device=next(conv.parameters()).device)
    hook = conv.register_forward_hook(lambda mod, inp, out: out.index_fill(1, silenced, 0.0))
    try:
        yield
    finally:
        hook.remove()


def filter_motifs(model: torch.nn.Module, x, alphabet="dna", threshold: float = 0.5, min_sites: int = 10,
                  top: int | None = None, min_ic: float = 0.3, prefix: str = "filter") -> list[Motif]:
    """PWMs of the first-layer filters from their strongest activations.

    Parameters
    ----------
    model : nn.Module taking ``(N, A, L)`` one-hot, or a loaded seqgen predictor (its ``model`` is read).
    x : (N, A, L) one-hot, numpy or tensor (e.g. the top-scoring sequences).
    alphabet : str or Alphabet
        The sequences' alphabet (default ``"dna"``; ``A`` must be its size: pass ``"protein"`` for proteins).
    threshold : float
        A window counts as a site of filter ``f`` when its activation exceeds
        ``threshold`` times the filter's maximum over ``x``.
    min_sites : int
        Filters with fewer sites are dropped.
    top : int, optional
        Keep the ``top`` most influential filters.
    min_ic : float
        Edge columns of each PWM holding less information (bits) are trimmed.
    prefix : str
        Motif names: ``PREFIX-F`` for filter ``F``.

    Returns
    -------
    list of Motif
        Most influential first; ``stats`` has ``filter``, ``influence``, ``n_sites``.
    """
    alphabet = get_alphabet(alphabet)
    model = model if isinstance(model, torch.nn.Module) else model.model  # a LoadedPredictor
    x = _as_tensor(x)
    _check_channels(x, alphabet)
    x = x.to(next(model.parameters()).device)
    acts, wins = filter_activations(model, x)
    peak = acts.amax(dim=(0, 2))  # (F,)
    sites = (acts > threshold * peak[None, :, None]) & (peak[None, :, None] > 0)  # (N, F, P)
    counts = torch.einsum("nfp,napk->fak", sites.float(), wins[:, : alphabet.size]).cpu().numpy()
    n_sites = sites.sum(dim=(0, 2)).cpu().numpy()
    influence = filter_influence(model, x)
    motifs = []
    for f in np.argsort(-influence, kind="stable"):
        if n_sites[f] < min_sites:
            continue
        pwm = trim(counts_to_pwm(counts[f], pseudocount=0.1), min_ic)
        m = Motif(f"{prefix}-{f}", pwm, alphabet, nsites=int(n_sites[f]),
                  stats={"source": "filter", "filter": int(f), "influence": float(influence[f]),
                         "n_sites": int(n_sites[f])})
        m.description = m.consensus
        motifs.append(m)
    return motifs[:top] if top else motifs


# ---------------------------------------------------------------- attribution

def _as_tensor(x) -> torch.Tensor:
    """``(N, A, L)`` numpy array or tensor -> float32 tensor (a tensor keeps its device)."""
    return torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x, dtype=torch.float32)


def _mean_scorer(score):
    """``score`` giving ``(N,)``, or ``(mean, std)`` as a loaded predictor's ``score``, as a callable giving the
    mean ``(N,)``."""
    return lambda batch: as_mean_std(score(batch))[0]


def gradient_x_input(score, x: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Gradient of ``score`` times the input: ``(N, A, L)`` numpy.

    ``score``: callable ``(N, A, L)`` float tensor -> ``(N,)`` tensor, or ``(mean, std)`` as
    :meth:`seqgen.predict.LoadedPredictor.score` gives (the mean is used). ``x``: ``(N, A, L)`` numpy or tensor.
    """
    score, x = _mean_scorer(score), _as_tensor(x)
    out = [np.zeros((0, *x.shape[1:]), dtype=np.float32)]  # no sequences: an empty (0, A, L)
    for xb in _batches(x, batch_size):
        xb = xb.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(score(xb).sum(), xb)
        out.append((grad * xb).detach().cpu().numpy())
    return np.concatenate(out)


@torch.no_grad()
def in_silico_mutagenesis(score, x: torch.Tensor, batch_size: int | None = None, substituted=None,
                          progress: bool = False) -> np.ndarray:
    """Score change of every single-letter substitution: ``(N, A, L)`` numpy.

    Entry ``[n, a, l]`` is ``score(x_n with letter a at l) - score(x_n)`` (zero
    for the letter already there). Mutants are scored in batches of about
    ``batch_size`` mutants. One-hot sequences have only their ``A - 1``
    substitutions a position scored; others (padding's zero columns, relaxed
    input) have every letter scored.

    ``substituted``, optional: a faster way to the same scores of one-hot input,
    ``(B, A, L)`` sequences and ``(B, L, T)`` letters -> ``(B, L, T)`` scores of
    each sequence with ``letters[b, l, t]`` at ``l`` (as
    :meth:`seqgen.predict.LoadedPredictor.substituted_score`); other input is
    scored through ``score``. ``batch_size`` defaults to 4096 mutants, 1024
    with ``substituted`` (its small per-mutant crops run faster in batches that
    stay in a CPU's cache: 2x at 251 nt).

    ``score``: callable ``(N, A, L)`` float tensor -> ``(N,)`` tensor, or ``(mean, std)`` as
    :meth:`seqgen.predict.LoadedPredictor.score` gives (the mean is used). ``x``: ``(N, A, L)`` numpy or tensor.
    ``progress``: a progress bar over the sequences (on a terminal).
    """
    x = _as_tensor(x)
    deltas = np.zeros(tuple(x.shape), dtype=np.float32)
    for start, changes in _ism_batches(score, x, batch_size, substituted, progress):
        deltas[start: start + len(changes)] = changes
    return deltas


def _ism_batches(score, x: torch.Tensor, batch_size: int | None, substituted, progress: bool):
    """Yield ``(start, deltas)``: the ISM deltas ``(B, A, L)`` float32 numpy of ``x[start: start + B]``, batch
    after batch (see :func:`in_silico_mutagenesis`), so that a caller need not hold all ``(N, A, L)`` of them."""
    from tqdm.auto import tqdm

    score = _mean_scorer(score)
    n, a, length = x.shape
    if n == 0:
        return
    one_hot = bool(((x == 0) | (x == 1)).all() and (x.sum(1) == 1).all())
    local = one_hot and substituted is not None
    batch_size = batch_size or (1024 if local else 4096)
    # the scores on x's device: a predictor on the GPU scores CPU input (as ``seqgen motifs`` gives it) there
    base = torch.cat([score(xb).reshape(-1) for xb in _batches(x, batch_size)]).to(x.device)
    tried = a - 1 if one_hot else a  # letters scored at each position
    per = max(1, batch_size // (tried * length))  # sequences per batch of mutants
    pos = torch.arange(length, device=x.device)
    with tqdm(total=n, desc="ISM", unit="seq", leave=False, disable=None if progress else True) as bar:
        for start in range(0, n, per):
            xb = x[start: start + per]  # (B, A, L)
            b = len(xb)
            if one_hot:  # the other letters at each position: the present one + 1, + 2, ... (mod A)
                letters = (xb.argmax(1)[:, :, None] + torch.arange(1, a, device=x.device)) % a  # (B, L, A - 1)
            else:
                letters = torch.arange(a, device=x.device).expand(b, length, a)  # (B, L, A)
            if local:
                out = substituted(xb, letters)
            else:
                mut = xb[:, None, None].repeat(1, length, tried, 1, 1)  # (B, L, tried, A, L): position, new letter
                mut[:, pos, :, :, pos] = torch.nn.functional.one_hot(letters, a).to(x.dtype).transpose(0, 1)
                out = score(mut.reshape(-1, a, length))
            out = out.reshape(b, length, tried).to(x.device) - base[start: start + b, None, None]
            changes = torch.zeros(b, length, a, dtype=out.dtype, device=out.device).scatter_(2, letters, out)
            yield start, changes.permute(0, 2, 1).cpu().numpy().astype(np.float32, copy=False)
            bar.update(b)


@torch.no_grad()
def ism_attributions(score, x: torch.Tensor, substituted=None, progress: bool = False) -> np.ndarray:
    """:func:`ism_contributions` of :func:`in_silico_mutagenesis`, ``(N, A, L)``, computed batch by batch: the
    same numbers without holding the ``(N, A, L)`` deltas beside them. ``x``: ``(N, A, L)`` tensor."""
    xn = x.cpu().numpy()
    contrib = np.zeros(xn.shape, dtype=np.result_type(xn.dtype, np.float32))
    for start, deltas in _ism_batches(score, x, None, substituted, progress):
        stop = start + len(deltas)
        contrib[start:stop] = ism_contributions(deltas, xn[start:stop])
    return contrib


def ism_contributions(deltas: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per-letter contributions from ISM ``deltas`` ``(N, A, L)``: ``x * (-mean of deltas over the A - 1 other
    letters)``, ``(N, A, L)``.

    The contribution of the letter present is how much the score drops, on
    average, when it is replaced (its own delta, 0, is not averaged in).
    """
    a = deltas.shape[1]
    return np.asarray(x) * (-deltas.sum(axis=1, keepdims=True) / (a - 1))


def find_seqlets(contrib: np.ndarray, width: int, max_per_sequence: int = 2, null_quantile: float = 0.99,
                 seed: int = 0):
    """Windows of high total contribution.

    Parameters
    ----------
    contrib : (N, L) contribution of each position.
    width : int
        Seqlet width.
    null_quantile : float
        A window is a seqlet when its sum exceeds this quantile of window sums
        of the same contributions shuffled over positions within each sequence.

    Returns
    -------
    rows, starts : (S,) int arrays; sums : (S,) float, sorted by decreasing sum.
    """
    n, length = contrib.shape
    width = min(width, length)

    def window_sums(c):
        cs = np.concatenate([np.zeros((len(c), 1)), np.cumsum(c, axis=1)], axis=1)
        return cs[:, width:] - cs[:, :-width]  # (N, P)

    rng = np.random.default_rng(seed)
    null = window_sums(rng.permuted(contrib, axis=1))
    threshold = np.quantile(null, null_quantile)
    sums = window_sums(contrib)
    rows, starts, values = [], [], []
    work = sums.copy()
    for _ in range(max_per_sequence):  # best window, then suppress its neighbourhood
        best = work.argmax(axis=1)
        val = work[np.arange(n), best]
        keep = val > threshold
        rows.append(np.flatnonzero(keep)), starts.append(best[keep]), values.append(val[keep])
        near = np.abs(np.arange(work.shape[1])[None] - best[:, None]) < width
        work[near] = -np.inf
    rows, starts, values = map(np.concatenate, (rows, starts, values))
    order = np.argsort(-values, kind="stable")
    return rows[order], starts[order], values[order]


def _extract(x: np.ndarray, rows: np.ndarray, starts: np.ndarray, width: int, minus: np.ndarray) -> np.ndarray:
    """Windows ``x[rows, :, starts:starts+width]`` (zeros past the ends), minus-strand ones reverse complemented.

    Returns ``(S, A, width)``.
    """
    n, a, length = x.shape
    cols = starts[:, None] + np.arange(width)[None]
    inside = (cols >= 0) & (cols < length)
    out = x[rows[:, None], :, np.clip(cols, 0, length - 1)].transpose(0, 2, 1) * inside[:, None]
    out[minus] = out[minus][:, ::-1, ::-1]
    return out


def _similarity(cwm: np.ndarray, nucleic: bool, max_shift: int):
    """Best-shift (and strand) correlation of every pair of ``(S, A, W)`` seqlets.

    Returns ``sim (S, S)``, ``shift (S, S)`` and ``minus (S, S)`` bool, where
    seqlet j (reverse complemented when ``minus``) matches seqlet i with its
    column k on i's column ``k + shift``.
    """
    t = torch.as_tensor(cwm, dtype=torch.float32)
    t = t / t.flatten(1).norm(dim=1).clamp_min(1e-8)[:, None, None]
    padded = torch.nn.functional.pad(t, (max_shift, max_shift))
    out = torch.nn.functional.conv1d(padded, t)  # (S, S, 2 max_shift + 1)
    best, arg = out.max(dim=2)
    minus = torch.zeros_like(best, dtype=torch.bool)
    if nucleic:
        out_rc = torch.nn.functional.conv1d(padded, t.flip(1, 2))
        best_rc, arg_rc = out_rc.max(dim=2)
        minus = best_rc > best
        best, arg = torch.where(minus, best_rc, best), torch.where(minus, arg_rc, arg)
    return best.numpy(), (arg - max_shift).numpy(), minus.numpy()


def cluster_seqlets(x: np.ndarray, contrib: np.ndarray, rows: np.ndarray, starts: np.ndarray, width: int,
                    alphabet: Alphabet, min_similarity: float = 0.5, min_size: int = 10, flank: int = 3,
                    min_ic: float = 0.3, prefix: str = "attr") -> list[Motif]:
    """Cluster seqlets and align each cluster into a PWM.

    Parameters
    ----------
    x : (N, A, L) one-hot.
    contrib : (N, A, L) per-letter contributions.
    rows, starts : (S,) seqlet locations (from :func:`find_seqlets`).
    min_similarity : float
        Average-linkage clusters are cut at this correlation.
    min_size : int
        Smaller clusters are dropped.
    min_ic : float
        Edge columns are trimmed below ``min_ic`` bits above what a cluster of that many random letters shows.

    Returns
    -------
    list of Motif, largest cluster first; ``stats`` has ``n_seqlets`` and ``source``.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(rows) < max(2, min_size):
        return []
    no = np.zeros(len(rows), dtype=bool)
    cwm = _extract(contrib, rows, starts, width, no)
    sim, shift, minus = _similarity(cwm, alphabet.double_stranded, width // 2)
    sim = np.maximum(sim, sim.T)
    np.fill_diagonal(sim, 1.0)
    dist = squareform(np.clip(1 - sim, 0, 2), checks=False)
    labels = fcluster(linkage(dist, "average"), t=1 - min_similarity, criterion="distance")
    motifs = []
    ids, sizes = np.unique(labels, return_counts=True)
    for label in ids[np.argsort(-sizes, kind="stable")]:
        members = np.flatnonzero(labels == label)
        if len(members) < min_size:
            continue
        medoid = members[np.argmax(sim[np.ix_(members, members)].sum(axis=1))]
        d, rc = shift[medoid, members], minus[medoid, members]
        # in the medoid's frame [0, W): forward members start at start - d; reverse ones read start + d, flipped
        aligned = np.where(rc, starts[members] + d, starts[members] - d) - flank
        windows_ = _extract(x, rows[members], aligned, width + 2 * flank, rc)
        # a column of n random letters shows (A - 1) / (2 n ln 2) bits on average (Schneider et al. 1986): trimmed too
        sampling_ic = (alphabet.size - 1) / (2 * len(members) * np.log(2))
        pwm = trim(counts_to_pwm(windows_[:, : alphabet.size].sum(axis=0), pseudocount=0.1), min_ic + sampling_ic)
        m = Motif(f"{prefix}-{len(motifs) + 1}", pwm, alphabet, nsites=len(members),
                  stats={"source": "attribution", "n_seqlets": int(len(members))})
        m.description = m.consensus
        motifs.append(m)
    return motifs


def _check_channels(x: torch.Tensor, alphabet) -> None:
    """Refuse one-hot ``x`` ``(N, A, L)`` whose ``A`` is not the alphabet's size (e.g. protein read as DNA)."""
    if x.ndim != 3 or x.shape[1] != alphabet.size:
        raise SeqgenError(f"the sequences are one-hot of shape {tuple(x.shape)}, but the {alphabet.name} alphabet has "
                          f"{alphabet.size} letters: pass the sequences' alphabet")


#: seqlet width by default: DNA/RNA sites and the windows around them are longer than protein ones
SEQLET_WIDTH = {True: 12, False: 8}


def attribution_motifs(score, x, alphabet="dna", method: str = "ism", width: int | None = None, min_size: int = 10,
                       min_similarity: float = 0.5, max_seqlets: int = 1500, prefix: str = "attr",
                       seed: int = 0, substituted=None, progress: bool = False) -> list[Motif]:
    """Motifs from attributions of ``score`` over sequences ``x``.

    Parameters
    ----------
    score : callable
        ``(N, A, L)`` float tensor -> ``(N,)`` tensor (e.g. a predictor's output), or ``(mean, std)`` as a
        loaded seqgen predictor's ``score`` gives (the mean is used).
    x : (N, A, L) one-hot, numpy or tensor (typically the top-scoring sequences).
    alphabet : str or Alphabet
        The sequences' alphabet (default ``"dna"``; ``A`` must be its size: pass ``"protein"`` for proteins).
    method : {'ism', 'grad'}
        In-silico mutagenesis, or gradient x input.
    width : int, optional
        Seqlet width, at most ``L`` (default 12 for DNA and RNA, 8 for protein, or ``L`` if shorter).
    min_size, min_similarity : int, float
        Clusters of fewer seqlets are dropped; clusters are cut at this correlation (:func:`cluster_seqlets`).
    max_seqlets : int
        At most this many seqlets, the highest-scoring, are clustered.
    prefix : str
        Motif names: ``PREFIX-1``, ``PREFIX-2``...
    seed : int
        Seed of the shuffled null that sets the seqlet threshold (:func:`find_seqlets`).
    substituted : callable, optional
        The scores of substituted sequences computed faster, for ``ism`` (see :func:`in_silico_mutagenesis`).
    progress : bool
        ``ism``: a progress bar over the sequences (on a terminal).

    Returns
    -------
    list of Motif, largest cluster first.
    """
    alphabet = get_alphabet(alphabet)
    xt = _as_tensor(x)
    _check_channels(xt, alphabet)
    length = xt.shape[-1]
    if width is not None and width > length:  # its windows would be padded past the sequences' ends
        raise SeqgenError(f"seqlet width {width} is above the sequences' length, {length}")
    width = width or min(SEQLET_WIDTH[alphabet.is_nucleic], length)
    xn = xt.cpu().numpy()
    if method == "ism":
        contrib = ism_attributions(score, xt, substituted, progress)
    elif method == "grad":
        contrib = gradient_x_input(score, xt)
    else:
        raise SeqgenError(f"unknown attribution method {method!r}; choose ism or grad")
    rows, starts, _ = find_seqlets(contrib.sum(axis=1), width, seed=seed)
    rows, starts = rows[:max_seqlets], starts[:max_seqlets]
    motifs = cluster_seqlets(xn, contrib, rows, starts, width, alphabet, min_similarity, min_size, prefix=prefix)
    for m in motifs:
        m.stats["method"] = method
    return motifs
