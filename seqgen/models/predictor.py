"""DeepBind-style CNN predictor, as an ensemble of K members in one batched module.

A member is: convolution filters over the one-hot input (optionally more
convolution layers), max and average pooling over positions, and a small MLP
head giving one output (a standardized label for regression, a logit for
classification).

The K members live in one module as stacked parameters (a leading ``K`` axis
on every weight): a convolution layer is one grouped convolution (``groups=K``,
member ``k``'s filters on its own channels) and the heads are batched matrix
products. One forward pass computes all K members, on the same input or on one
input per member (each member its own mini-batch in training). On a CPU this is
compute-bound, so K members cost about K times one; the saving is in launches
and Python overhead (large on a GPU), not in arithmetic.

Strands (nucleic acids only): ``forward`` scans the given strand; ``max`` also
scans the reverse complement with the same filters and keeps the larger of the
two pooled features (the prediction is then the same for a sequence and its
reverse complement, padded sequences of a shorter length included); ``concat``
keeps both strands' pooled features side by side, so the head can tell
orientation apart (PBM probes are tethered at one end, so orientation can matter).

``pool_bins`` > 1 pools each of that many equal stretches of positions
separately (position-aware pooling) rather than the whole sequence at once.

``padding``: ``valid`` scans only windows inside the sequence; ``full`` (as
DeepBind) first adds ``kernel - 1`` zero columns at each end, so the first
layer's filters also score motifs that run past either end of the sequence,
counting only the part inside (on a PBM probe the DNA goes on into the
constant linker, which the variable region alone does not show).
"""
from __future__ import annotations

import math
from contextlib import contextmanager

import torch
from torch import nn

STRANDS = ("forward", "max", "concat")
PADDINGS = ("valid", "full")


def reverse_complement_one_hot(x: torch.Tensor) -> torch.Tensor:
    """Reverse complement of channels-first one-hot (or relaxed) DNA/RNA.

    With letters in ACGT (ACGU) order the complement of letter ``i`` is letter
    ``3 - i``, so the reverse complement is a flip of both the letter and the
    position axis. Trailing all-zero columns are padding (a shorter sequence of a
    padded data set) and stay at the end, as in :func:`seqgen.alphabets.reverse_complement`,
    so that a padded sequence maps to its own reverse complement, padded (through
    the Python API, unknown bases at the very end of a sequence, also zero columns,
    are read as padding; the command line refuses or drops sequences with them).
    ``x``: ``(..., 4, L)``; returns the same shape.
    """
    rc = x.flip(-2, -1)
    length = x.shape[-1]
    # leading zero columns of rc = trailing padding of x; roll each row left by their number (no host sync)
    n_pad = (rc.detach().abs().sum(-2) > 0).float().argmax(-1, keepdim=True)  # (..., 1); 0 for an all-zero row
    cols = (torch.arange(length, device=x.device) + n_pad) % length  # (..., L)
    return rc.gather(-1, cols.unsqueeze(-2).expand(rc.shape))


class Predictor(nn.Module):
    """An ensemble of ``members`` CNNs computed in one pass.

    Parameters
    ----------
    alphabet_size : int
        ``A``.
    length : int
        ``L``, the sequence length (for the number of positions after the convolutions).
    members : int
        ``K``, the ensemble size.
    filters : int
        Filters per convolution layer (per member).
    kernel : int
        Width of the first layer's filters (valid convolution).
    layers : int
        Convolution layers; layers after the first have odd width ``kernel2``,
        dilation ``dilation``, same padding and a residual connection.
    kernel2, dilation : int
        Shape of the later convolution layers.
    hidden : int
        Width of the head's hidden layer (0: a linear head).
    strands : {'forward', 'max', 'concat'}
        How the reverse complement is used (see the module docstring).
    pool_bins : int
        Positional stretches pooled separately.
    dropout : float
        Dropout on the pooled features and the hidden layer.
    padding : {'valid', 'full'}
        Zero columns added at the ends before the first layer (see the module docstring).
    """

    def __init__(self, alphabet_size: int, length: int, members: int = 1, filters: int = 64, kernel: int = 13,
                 layers: int = 1, kernel2: int = 5, dilation: int = 1, hidden: int = 32, strands: str = "forward",
                 pool_bins: int = 1, dropout: float = 0.1, padding: str = "valid"):
        super().__init__()
        if strands not in STRANDS:
            raise ValueError(f"strands must be one of {', '.join(STRANDS)}, not {strands!r}")
        if strands != "forward" and alphabet_size != 4:
            raise ValueError("scanning both strands needs a 4-letter nucleic-acid alphabet")
        if padding not in PADDINGS:
            raise ValueError(f"padding must be one of {', '.join(PADDINGS)}, not {padding!r}")
        for name, value in (("members", members), ("filters", filters), ("layers", layers), ("dilation", dilation)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), not {dropout}")
        if kernel2 % 2 == 0:
            raise ValueError(f"kernel2 must be odd (same padding), not {kernel2}")
        if not 1 <= kernel <= length:
            raise ValueError(f"kernel must be between 1 and the sequence length {length}, not {kernel}")
        self.end_pad = kernel - 1 if padding == "full" else 0
        positions = length + 2 * self.end_pad - kernel + 1
        if not 1 <= pool_bins <= positions:
            raise ValueError(f"pool_bins must be between 1 and {positions}, not {pool_bins}")
        self.alphabet_size, self.members, self.filters = alphabet_size, members, filters
        self.kernel, self.kernel2, self.dilation = kernel, kernel2, dilation
        self.strands, self.pool_bins = strands, pool_bins
        k = members
        self.conv_w = nn.ParameterList([nn.Parameter(_uniform((k, alphabet_size * kernel, filters)))])
        self.conv_w.extend(nn.Parameter(_uniform((k, filters * kernel2, filters))) for _ in range(layers - 1))
        self.conv_b = nn.ParameterList(nn.Parameter(torch.zeros(k, 1, filters)) for _ in range(layers))
        features = 2 * filters * pool_bins * (2 if strands == "concat" else 1)
        self.dropout = nn.Dropout(dropout)
        self.w1 = nn.Parameter(_uniform((k, features, hidden))) if hidden else None
        self.b1 = nn.Parameter(torch.zeros(k, 1, hidden)) if hidden else None
        self.w2 = nn.Parameter(_uniform((k, hidden or features, 1)))
        self.b2 = nn.Parameter(torch.zeros(k, 1, 1))

    def forward_bytes(self, length: int) -> int:
        """Bytes of float32 activations one sequence of ``length`` takes in a forward pass (all members and
        strands): a convolution's output, its ReLU and a residual sum alive at once."""
        strands = 1 if self.strands == "forward" else 2
        positions = length + 2 * self.end_pad
        return 4 * 3 * self.members * self.filters * positions * strands

    @property
    def first_filters(self) -> int:
        """Filters of the first layer over all members, ``K * F`` (member ``k``'s filter ``f`` is ``k * F + f``)."""
        return self.members * self.filters

    def first_layer(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """First-layer outputs (before the ReLU) and the input windows they read, for motifs from the filters.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, A, L)`` one-hot.

        Returns
        -------
        acts : ``(N, K * F, P)``, every member's filters; a model that scans both strands also reads the reverse
            complement, whose positions follow the forward strand's.
        wins : ``(N, A, P, kernel)``, the window behind each position (zero columns where ``padding: full`` runs
            past an end).
        """
        strands = [x] if self.strands == "forward" else [x, reverse_complement_one_hot(x)]
        padded = [nn.functional.pad(s, (self.end_pad, self.end_pad)) for s in strands]
        acts = torch.cat([self._conv(s, 0) for s in padded], -1)
        wins = torch.cat([s.unfold(2, self.kernel, 1) for s in padded], 2)
        return acts, wins

    @contextmanager
    def silenced(self, index: int):
        """Within the block, first-layer filter ``index`` (see :attr:`first_filters`) outputs 0 everywhere."""
        k, f = divmod(index, self.filters)
        weight, bias = self.conv_w[0], self.conv_b[0]
        saved = weight.data[k, :, f].clone(), bias.data[k, 0, f].clone()
        weight.data[k, :, f], bias.data[k, 0, f] = 0.0, 0.0
        try:
            yield
        finally:
            weight.data[k, :, f], bias.data[k, 0, f] = saved

    def _conv(self, h: torch.Tensor, layer: int, same: bool = True) -> torch.Tensor:
        """``(N, K * C, L)`` -> ``(N, K * F, L')``: member ``k``'s filters on its own ``C`` channels (groups = K).

        ``h`` may also be ``(N, C, L)``, one input shared by all members: then every member's filters read it
        (a plain convolution with ``K * F`` outputs; no K copies of the input). Layers after the first pad to
        the same length, unless ``same`` is false (a valid convolution).
        """
        width, dilation = (self.kernel, 1) if layer == 0 else (self.kernel2, self.dilation)
        k = self.members
        c = self.conv_w[layer].shape[1] // width
        # conv_w[layer] is (K, C * width, F), rows ordered channel-major: as conv1d's (K * F, C, width) weight
        weight = self.conv_w[layer].view(k, c, width, self.filters).permute(0, 3, 1, 2).reshape(-1, c, width)
        pad = dilation * (width - 1) // 2 if layer > 0 and same else 0  # later layers: same padding
        return nn.functional.conv1d(h, weight, self.conv_b[layer].reshape(-1), padding=pad, dilation=dilation,
                                    groups=h.shape[1] // c)

    def _bins(self, positions: int) -> list[tuple[int, int]]:
        """The ``pool_bins`` stretches ``[start, end)`` of ``positions`` pooled separately."""
        edges = [round(i * positions / self.pool_bins) for i in range(self.pool_bins + 1)]
        return list(zip(edges[:-1], edges[1:]))

    def _pool(self, h: torch.Tensor) -> torch.Tensor:
        """``(N, K * F, L')`` -> ``(K, N, D)``: max and mean over (stretches of) positions."""
        n, positions = h.shape[0], h.shape[-1]
        h = h.view(n, self.members, self.filters, positions)
        parts = [h[..., a:b] for a, b in self._bins(positions)]
        return torch.cat([p.amax(-1) for p in parts] + [p.mean(-1) for p in parts], -1).transpose(0, 1)

    def _trunk(self, x: torch.Tensor) -> torch.Tensor:
        """``(K or 1, N, A, L)`` -> ``(N, K * F, P)``: the last convolution layer's output, before pooling."""
        if self.end_pad:
            x = nn.functional.pad(x, (self.end_pad, self.end_pad))
        k, n, a, length = x.shape  # k = 1: the same sequences for every member
        # in place: the convolutions' outputs are not kept for their backward pass, and a fresh (N, K * F, L')
        # output per ReLU cost as much as the convolution on a CPU (page faults of a large new allocation)
        h = torch.relu_(self._conv(x.transpose(0, 1).reshape(n, k * a, length), 0))
        for layer in range(1, len(self.conv_w)):
            h = h + torch.relu_(self._conv(h, layer))
        return h

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        """``(K or 1, N, A, L)`` -> ``(K, N, D)`` pooled features of one strand."""
        return self._pool(self._trunk(x))

    def _head(self, f: torch.Tensor) -> torch.Tensor:
        """``(K, N, D)`` -> ``(N, K)``."""
        f = self.dropout(f)
        if self.w1 is not None:
            f = self.dropout(torch.relu(torch.bmm(f, self.w1) + self.b1))
        return (torch.bmm(f, self.w2) + self.b2).squeeze(-1).T

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """All members on the same sequences, or each member on its own.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, A, L)`` one-hot (or relaxed, e.g. softmax) sequences for all
            members, or ``(N, K, A, L)``: ``x[:, k]`` for member ``k``.

        Returns
        -------
        torch.Tensor
            ``(N, K)`` outputs, differentiable in ``x``.
        """
        x = x.unsqueeze(0) if x.dim() == 3 else x.transpose(0, 1)  # (K|1, N, A, L)
        n = x.shape[1]
        if self.strands == "forward":
            return self._head(self._features(x))
        f = self._features(torch.cat([x, reverse_complement_one_hot(x)], 1))
        f = torch.maximum(f[:, :n], f[:, n:]) if self.strands == "max" else torch.cat([f[:, :n], f[:, n:]], -1)
        return self._head(f)

    @property
    def shares_windows(self) -> bool:
        """Whether overlapping windows of a longer sequence share their convolutions exactly: one layer and no
        end padding, so a window's first-layer outputs are the longer sequence's (:meth:`window_outputs`)."""
        return self.end_pad == 0 and len(self.conv_w) == 1

    @torch.no_grad()
    def window_outputs(self, x: torch.Tensor, width: int, stride: int = 1) -> torch.Tensor:
        """Outputs of every window of ``width`` letters, ``stride`` apart, of longer sequences, computing each
        convolution once per sequence rather than once per window (needs :attr:`shares_windows`).

        The first layer's output over the whole sequence holds every window's: a window at ``p`` reads its
        positions ``[p, p + P)``, ``P = width - kernel + 1``; each window pools them (as :meth:`_pool`, bins
        included) and the head reads the pooled features. Equal to :meth:`forward` of each window cut out, up to
        float rounding. The reverse complement of a window is a window of the whole sequence's reverse
        complement (a flip of one-hot ACGT/ACGU): the same positions read from the other end.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, A, S)`` one-hot, ``S >= width``; a window must not reach zero columns (padding) that are not
            at the end of ``x``.
        width : int
            The window length, the length the model was built for.
        stride : int
            Letters between the starts of consecutive windows.

        Returns
        -------
        torch.Tensor
            ``(N, W, K)``: the members' outputs for the ``W = (S - width) // stride + 1`` windows of each sequence.
        """
        if not self.shares_windows:
            raise ValueError("window_outputs needs one convolution layer and padding 'valid'")
        n, _, length = x.shape
        count = (length - width) // stride + 1
        f = self._window_features(self._trunk(x.unsqueeze(0)), width, 0, stride, count)
        if self.strands != "forward":  # window j, at p = j * stride, is the flipped window at S - width - p
            r = self._window_features(self._trunk(x.flip(1, 2).unsqueeze(0)), width,
                                      length - width - (count - 1) * stride, stride, count)
            r = r.view(self.members, n, count, -1).flip(2).reshape(r.shape)  # flipped windows in forward order
            f = torch.maximum(f, r) if self.strands == "max" else torch.cat([f, r], -1)
        return self._head(f).view(n, count, self.members)

    def _window_features(self, h: torch.Tensor, width: int, offset: int, stride: int, count: int) -> torch.Tensor:
        """``(N, K * F, S')`` first-layer outputs -> ``(K, N * W, D)``: :meth:`_pool` of the ``count`` windows
        starting ``offset``, ``offset + stride``... letters in, each reading ``P = width - kernel + 1`` positions
        (sliding max and average pooling: no copy of a window's positions)."""
        n = h.shape[0]
        positions = width - self.kernel + 1
        maxima, means = [], []
        for a, b in self._bins(positions):
            part = h[..., offset + a:]
            maxima.append(nn.functional.max_pool1d(part, b - a, stride)[..., :count])
            means.append(nn.functional.avg_pool1d(part, b - a, stride)[..., :count])
        pooled = torch.cat([p.view(n, self.members, self.filters, count) for p in maxima + means], 2)  # (N, K, D, W)
        return pooled.permute(1, 0, 3, 2).reshape(self.members, n * count, -1)

    @torch.no_grad()
    def substituted_outputs(self, x: torch.Tensor, letters: torch.Tensor) -> torch.Tensor:
        """Outputs of single-letter substitutions of ``x``, each computed only where it changes the network.

        A substitution at position ``i`` changes the first layer's output only in the ``kernel`` positions
        that read ``i``, and each later layer widens that stretch by its own reach; outside it the
        convolutions keep the original sequence's values. So the convolutions run on a crop around ``i``,
        and the pooled features combine the crop with the original sequence's values elsewhere (max: over
        the stretches before and after the crop; mean: the crop's sum replaces the original's). Equal to
        ``forward`` of every substituted sequence (up to float rounding), at a fraction of the arithmetic
        for long sequences; used by in-silico mutagenesis.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, A, L)`` one-hot, every column one letter when the model reads both strands.
        letters : torch.Tensor
            ``(N, L, T)`` int64: the letters put at each position, ``T`` per position.

        Returns
        -------
        torch.Tensor
            ``(N, L, T, K)``: the members' outputs for ``x[n]`` with ``letters[n, i, t]`` at position ``i``.
        """
        n, length, tried = letters.shape
        f = self._substituted_features(x, letters)  # (K, N * L * T, D)
        if self.strands != "forward":  # the same substitutions on the reverse complement: position L - 1 - i
            rc_letters = (self.alphabet_size - 1 - letters).flip(1)
            r = self._substituted_features(x.flip(1, 2), rc_letters)
            r = r.view(self.members, n, length, tried, -1).flip(2).reshape(r.shape)
            f = torch.maximum(f, r) if self.strands == "max" else torch.cat([f, r], -1)
        return self._head(f).view(n, length, tried, self.members)

    def _substituted_features(self, x: torch.Tensor, letters: torch.Tensor) -> torch.Tensor:
        """``(N, A, L)``, ``(N, L, T)`` -> ``(K, N * L * T, D)`` pooled features of one strand's substitutions."""
        n, a, length = x.shape
        tried = letters.shape[2]
        reach = self.dilation * (self.kernel2 - 1) // 2  # each later layer's reach to either side
        later = len(self.conv_w) - 1
        margin = self.kernel - 1 + 2 * later * reach  # input columns a crop needs on either side of i
        base = self._trunk(x.unsqueeze(0))  # (N, K * F, P)
        positions = base.shape[-1]
        # crops of 2 * margin + 1 columns centred on each position, past the ends zero (as the padding is)
        padded = nn.functional.pad(x, (self.end_pad + margin, self.end_pad + margin))
        crops = padded.unfold(2, 2 * margin + 1, 1)[:, :, self.end_pad: self.end_pad + length]  # (N, A, L, C)
        mut = crops.permute(0, 2, 1, 3)[:, :, None].repeat(1, 1, tried, 1, 1)  # (N, L, T, A, C)
        mut[..., margin] = nn.functional.one_hot(letters, a).to(x.dtype)
        # the first layer position of crop column 0's window, for each i; stretches shrink by `reach` a layer
        first = torch.arange(length, device=x.device) + self.end_pad - margin

        def inside(h, start):  # zero the positions outside [0, P), as the later layers' same padding reads them
            t = start[:, None] + torch.arange(h.shape[-1], device=x.device)
            ends = ((t < 0) | (t >= positions)).any(1).nonzero().squeeze(1)  # the crops that run past an end
            h5 = h.view(n, length, tried, -1, h.shape[-1])
            h5[:, ends] *= ((t[ends] >= 0) & (t[ends] < positions)).to(h.dtype)[:, None, None]
            return h

        h = inside(torch.relu_(self._conv(mut.reshape(-1, a, mut.shape[-1]), 0)), first)
        for layer in range(1, later + 1):
            h = inside(h[..., reach: -reach or None] + torch.relu_(self._conv(h, layer, same=False)),
                       first + layer * reach)
        start = first + later * reach  # (L,) the last layer's position of each crop's column 0
        return self._pool_substituted(base, h.view(n, length, tried, base.shape[1], -1), start)

    def _pool_substituted(self, base: torch.Tensor, crop: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
        """Max and mean pooling of substituted sequences from their crops and the original's last layer.

        ``base``: ``(N, C, P)`` the original sequences'; ``crop``: ``(N, L, T, C, W)``, the substituted ones'
        at positions ``start[i] + w``. Returns ``(K, N * L * T, D)`` in :meth:`_pool`'s layout.
        """
        n, length, tried, channels, width = crop.shape
        positions = base.shape[-1]
        t = start[:, None] + torch.arange(width, device=crop.device)  # (L, W)
        base_at = base[:, :, t.clamp(0, positions - 1)].permute(0, 2, 1, 3)[:, :, None]  # (N, L, 1, C, W)
        maxima, means = [], []
        for a, b in self._bins(positions):
            here = (t >= a) & (t < b)  # (L, W): crop columns in the stretch
            lo = t[:, 0].clamp(a, b)  # the stretch's part before the crop is [a, lo), after it [hi, b)
            hi = (t[:, -1] + 1).clamp(a, b)
            part = base[..., a:b]
            before = part.cummax(-1).values[..., (lo - a - 1).clamp(min=0)]  # (N, C, L)
            after = part.flip(-1).cummax(-1).values.flip(-1)[..., (hi - a).clamp(max=b - a - 1)]
            outside = torch.maximum(torch.where(lo > a, before, -math.inf), torch.where(hi < b, after, -math.inf))
            mask = here[:, None, None, :]  # (L, 1, 1, W)
            if self.pool_bins == 1:  # the crop is 0 outside [0, P) and the layers' outputs are >= 0 (ReLUs)
                inner, inner_sum = crop.amax(-1), crop.sum(-1)  # (N, L, T, C)
            else:
                inner, inner_sum = torch.where(mask, crop, -math.inf).amax(-1), (crop * mask).sum(-1)
            maxima.append(torch.maximum(inner, outside.permute(0, 2, 1)[:, :, None]))
            change = inner_sum - (base_at * mask).sum(-1)
            means.append(part.mean(-1)[:, None, None] + change / (b - a))
        pooled = torch.cat([p.view(n * length * tried, self.members, self.filters) for p in maxima + means], -1)
        return pooled.transpose(0, 1)


def _uniform(shape) -> torch.Tensor:
    """Uniform in +-1/sqrt(fan in), the fan in being the second-to-last axis."""
    bound = 1.0 / math.sqrt(shape[-2])
    return torch.empty(shape).uniform_(-bound, bound)
