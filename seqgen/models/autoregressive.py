"""Autoregressive decoder ``p(x|z) = prod_i p(x_i | x_<i, z)`` for the VAE (PixelVAE-style).

A WaveNet-like stack of causal (left-padded), dilated 1D convolutions reads the
sequence shifted right by one position; features of ``z`` (one per position,
from :class:`~seqgen.nn.LatentToSequence`) are added at the input and at every
layer. The logits at position ``i`` therefore depend on ``z`` and on the letters
before ``i`` only (Gulrajani et al. 2017, "PixelVAE"; van den Oord et al. 2016,
"WaveNet").

Training and likelihoods use teacher forcing: one forward pass gives the exact
``log p(x|z)``. Sampling is sequential over the ``L`` positions, batched over
all sequences; every layer's input is buffered, so each step computes one
position per layer from the ``receptive_field`` positions before it, which
gives the same logits as the full pass.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqgen.models.markov import MarkovOffset
from seqgen.nn import LatentToSequence


class CausalConv1d(nn.Conv1d):
    """Conv1d whose output at position ``i`` sees inputs ``<= i`` only: ``(N, C_in, L) -> (N, C_out, L)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation)
        self.left = dilation * (kernel_size - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, (self.left, 0)))


def flat_weight(conv: nn.Conv1d) -> torch.Tensor:
    """``conv``'s weight as ``(C_out, K * C_in)``, kernel-position-major: the matrix :func:`conv_at` applies."""
    return conv.weight.permute(0, 2, 1).reshape(conv.out_channels, -1)


def conv_at(conv: nn.Conv1d, weight: torch.Tensor, buffer: torch.Tensor, i: int) -> torch.Tensor:
    """Output ``(N, C_out)`` at position ``i`` of a left-padded causal ``conv`` over ``buffer (N, C_in, L)``.

    ``weight`` is :func:`flat_weight` of ``conv`` (computed once per generation, not per step). Reads the
    columns ``i - dilation * (kernel_size - 1 - k)`` for ``k < kernel_size`` (zeros before 0).
    """
    d, size = conv.dilation[0], conv.kernel_size[0]
    cols = [buffer[..., j] if j >= 0 else buffer.new_zeros(buffer.shape[:2])
            for j in (i - d * (size - 1 - k) for k in range(size))]
    return torch.nn.functional.linear(torch.cat(cols, 1), weight, conv.bias)


def pointwise(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """A kernel-1 ``conv`` applied to one position ``x (N, C_in)`` -> ``(N, C_out)``."""
    return torch.nn.functional.linear(x, conv.weight[..., 0], conv.bias)


class CausalBlock(nn.Module):
    """``h + scale * conv1x1(relu(causal_conv(relu(h)) + cond_proj(c)))``; ``h, c: (N, C, L)``."""

    def __init__(self, channels: int, kernel_size: int, dilation: int, scale: float = 0.3):
        super().__init__()
        self.scale = scale
        self.conv = CausalConv1d(channels, channels, kernel_size, dilation)
        self.cond = nn.Conv1d(channels, channels, 1)
        self.mix = nn.Conv1d(channels, channels, 1)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return h + self.scale * self.mix(F.relu(self.conv(F.relu(h)) + self.cond(c)))


class AutoregressiveDecoder(nn.Module):
    """``z (N, D)`` and teacher-forced ``x (N, A, L)`` -> logits ``(N, A, L)`` of ``p(x_i | x_<i, z)``.

    Parameters
    ----------
    channels, blocks, kernel_size, scale
        Of the ``z`` -> ``(N, C, L)`` conditioning tower (:class:`~seqgen.nn.LatentToSequence`).
    dilations : sequence of int
        One causal block per entry (e.g. ``[1, 2, 4, 8]``).
    causal_kernel : int
        Kernel size of the causal convolutions (input layer and blocks).
    markov_order : int
        With ``m > 0``, a fixed order-``m`` Markov chain (:class:`~seqgen.models.markov.MarkovOffset`,
        counted on the training data by :meth:`fit_markov`) is added to the logits and the network's
        output layer starts at zero: the decoder starts as the chain and learns what it misses.
    """

    def __init__(self, latent_dim: int, alphabet_size: int, length: int, channels: int = 64, blocks: int = 1,
                 kernel_size: int = 5, scale: float = 0.3, dilations=(1, 2, 4, 8), causal_kernel: int = 3,
                 markov_order: int = 0):
        super().__init__()
        self.alphabet_size, self.length = alphabet_size, length
        self.context = LatentToSequence(latent_dim, channels, length, channels, blocks, kernel_size, scale)
        self.inp = CausalConv1d(alphabet_size, channels, causal_kernel)
        self.blocks = nn.ModuleList(CausalBlock(channels, causal_kernel, int(d), scale) for d in dilations)
        self.out = nn.Sequential(nn.ReLU(), nn.Conv1d(channels, alphabet_size, 1))
        self.markov = MarkovOffset(alphabet_size, markov_order) if markov_order > 0 else None
        if self.markov is not None:
            nn.init.zeros_(self.out[1].weight)
            nn.init.zeros_(self.out[1].bias)
        #: positions of the shifted input that the logits at one position depend on
        self.receptive_field = 1 + (causal_kernel - 1) * (1 + sum(int(d) for d in dilations))

    def stack(self, shifted: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """Shifted input ``(N, A, W)`` and conditioning ``(N, C, W)`` -> logits ``(N, A, W)``."""
        h = self.inp(shifted) + cond
        for block in self.blocks:
            h = block(h, cond)
        return self.out(h)

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``z (N, D)``, ``x (N, A, L)`` (one-hot or relaxed) -> logits ``(N, A, L)``; position ``i`` sees ``x_<i``."""
        shifted = F.pad(x, (1, 0))[..., :-1].to(z.dtype)
        logits = self.stack(shifted, self.context(z))
        return logits if self.markov is None else logits + self.markov(x)

    def fit_markov(self, codes: torch.Tensor) -> None:
        """Count the Markov offset's chain on the training ``codes (N, L)``; no-op without one."""
        if self.markov is not None:
            self.markov.fit(codes)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, generator: torch.Generator | None = None,
                 greedy: bool = False) -> torch.Tensor:
        """``z (N, D)`` -> codes ``(N, L)`` int64, drawn position by position (or the greedy mode)."""
        codes = torch.zeros(z.shape[0], self.length, dtype=torch.long, device=z.device)
        for i, logits in self._step_logits(z, codes):
            if greedy:
                codes[:, i] = logits.argmax(1)
            else:
                codes[:, i] = torch.multinomial(torch.softmax(logits, 1), 1, generator=generator).squeeze(1)
        return codes

    def _step_logits(self, z: torch.Tensor, codes: torch.Tensor):
        """Yield ``(i, logits (N, A))`` for i = 0 .. L-1; the caller fills ``codes[:, i]`` before the next step.

        Every layer's input is buffered ``(N, C, L)``, so each step costs one position per layer.
        """
        n, a, length = z.shape[0], self.alphabet_size, self.length
        cond = self.context(z)  # (N, C, L)
        conds = [block.cond(cond) for block in self.blocks]  # each block's projection, all positions
        shifted = torch.zeros(n, a, length, device=z.device, dtype=cond.dtype)
        inputs = [torch.zeros_like(cond) for _ in self.blocks]  # relu of each block's input h
        inp_weight, weights = flat_weight(self.inp), [flat_weight(block.conv) for block in self.blocks]
        for i in range(length):
            if i > 0:
                shifted[:, :, i] = F.one_hot(codes[:, i - 1], a).to(shifted.dtype)
            h = conv_at(self.inp, inp_weight, shifted, i) + cond[..., i]
            for block, weight, buffer, c in zip(self.blocks, weights, inputs, conds):
                buffer[..., i] = F.relu(h)
                inner = F.relu(conv_at(block.conv, weight, buffer, i) + c[..., i])
                h = h + block.scale * pointwise(block.mix, inner)
            logits = pointwise(self.out[1], F.relu(h)).float()
            yield i, logits if self.markov is None else logits + self.markov.step(codes, i)
