"""Order-``m`` Markov chains over letter codes: fitting by counting, sampling, and a logit offset.

``p(x_i | x_{i-m} .. x_{i-1})``, where letters before the start of a sequence
are a start symbol (code ``A``), so the first ``m`` positions have their own
position-specific contexts. The ``(A+1)^m`` contexts are indexed base ``A+1``
with the letter ``j`` positions back as digit ``j - 1``.

Used twice: as a generator baseline (:func:`sample_chain`: the k-mer statistics
of the data by counting alone), and as :class:`MarkovOffset`, a fixed
log-probability added to the logits of the autoregressive VAE decoder, so that
the network starts at the chain's k-mer statistics and learns only what it
misses (``markov_order`` in the VAE recipe).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def context_index(codes: torch.Tensor, order: int, alphabet_size: int) -> torch.Tensor:
    """Context of every position: ``codes (N, L)`` -> ``(N, L)`` int64 in ``[0, (A+1)^order)``.

    Codes ``>= A`` (PAD) count as letter 0; they only follow a sequence's end, where nothing is scored.
    """
    base = alphabet_size + 1
    codes = codes.long()
    codes = torch.where(codes < alphabet_size, codes, torch.zeros_like(codes))
    padded = F.pad(codes, (order, 0), value=alphabet_size)  # the start symbol before position 0
    length = codes.shape[1]
    index = torch.zeros_like(codes)
    for back in range(1, order + 1):
        index += padded[:, order - back:order - back + length] * base ** (back - 1)
    return index


def fit_log_probs(codes: torch.Tensor, order: int, alphabet_size: int, pseudocount: float = 0.5) -> torch.Tensor:
    """Log-probabilities ``((A+1)^order, A)`` of the next letter in each context, counted on ``codes (N, L)``.

    Positions holding PAD are not counted; every cell gets ``pseudocount``.
    """
    a = alphabet_size
    ctx = context_index(codes, order, a)
    codes = codes.long()
    real = codes < a
    counts = torch.bincount((ctx[real] * a + codes[real]), minlength=(a + 1) ** order * a)
    counts = counts.reshape(-1, a).double() + pseudocount
    return (counts / counts.sum(1, keepdim=True)).log().float()


def step_context(codes: torch.Tensor, i: int, order: int, alphabet_size: int) -> torch.Tensor:
    """Context ``(N,)`` of position ``i`` from ``codes (N, L)`` (only ``codes[:, :i]`` is read)."""
    base = alphabet_size + 1
    index = torch.zeros(codes.shape[0], dtype=torch.long, device=codes.device)
    for back in range(1, order + 1):
        j = i - back
        letter = codes[:, j].long() if j >= 0 else torch.full_like(index, alphabet_size)
        index += letter * base ** (back - 1)
    return index


def sample_chain(log_probs: torch.Tensor, order: int, n: int, length: int,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` sequences ``(n, L)`` uint8 drawn from the chain ``log_probs ((A+1)^order, A)``."""
    a = log_probs.shape[1]
    codes = torch.zeros(n, length, dtype=torch.long, device=log_probs.device)
    for i in range(length):
        probs = log_probs[step_context(codes, i, order, a)].exp()
        codes[:, i] = torch.multinomial(probs, 1, generator=generator).squeeze(1)
    return codes.to(torch.uint8)


class _Lookup(torch.autograd.Function):
    """Chain log-probabilities at the rounded sequence, with the gradient of their multilinear extension.

    Forward: ``x (N, A, L)`` -> ``(N, A, L)``, the table row of the context of each position of
    ``argmax(x)`` (exact for one-hot ``x``). Backward: the derivative of
    ``sum_c prod_j x[c_j, i-j] T[c]`` at that one-hot point, i.e. for letter ``c`` at position
    ``i - j``: the row of the context with its ``j``-th letter replaced by ``c``.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, table: torch.Tensor, order: int):
        codes = x.argmax(1)  # (N, L)
        index = context_index(codes, order, x.shape[1])  # (N, L)
        ctx.save_for_backward(codes, index, table)
        ctx.order = order
        return table[index].permute(0, 2, 1).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        codes, index, table = ctx.saved_tensors
        order, (n, a, length) = ctx.order, grad.shape
        base = a + 1
        padded = F.pad(codes, (order, 0), value=a)
        g = grad.permute(0, 2, 1).to(table.dtype)  # (N, L, A) over the next letter
        letters = torch.arange(a, device=codes.device)
        grad_x = torch.zeros(n, a, length, dtype=table.dtype, device=codes.device)
        for back in range(1, min(order, length - 1) + 1):
            weight = base ** (back - 1)
            digit = padded[:, order - back:order - back + length]  # the letter `back` positions before i
            rows = table[(index - digit * weight).unsqueeze(-1) + letters * weight]  # (N, L, A_c, A)
            contribution = torch.einsum("nlca,nla->ncl", rows, g)  # d/dx[c, i - back], at position i
            grad_x[:, :, :length - back] += contribution[:, :, back:]
        return grad_x.to(grad.dtype), None, None


class MarkovOffset(nn.Module):
    """A fixed order-``m`` chain's log-probabilities as logits: ``x (N, A, L)`` -> ``(N, A, L)``.

    Position ``i`` reads ``x_<i`` only. The table is a buffer (saved with the model), set by :meth:`fit`.
    """

    def __init__(self, alphabet_size: int, order: int):
        super().__init__()
        self.alphabet_size, self.order = alphabet_size, order
        uniform = torch.full(((alphabet_size + 1) ** order, alphabet_size), -math.log(alphabet_size))
        self.register_buffer("log_probs", uniform)  # ((A+1)^m, A)

    @torch.no_grad()
    def fit(self, codes: torch.Tensor) -> None:
        """Count the chain on ``codes (N, L)`` (uint8; PAD positions skipped)."""
        self.log_probs.copy_(fit_log_probs(codes.to(self.log_probs.device), self.order, self.alphabet_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (N, A, L)`` (one-hot or relaxed) -> ``(N, A, L)`` log-probabilities of each next letter."""
        return _Lookup.apply(x, self.log_probs, self.order)

    def step(self, codes: torch.Tensor, i: int) -> torch.Tensor:
        """Log-probabilities ``(N, A)`` at position ``i`` given ``codes[:, :i]`` (sampling)."""
        return self.log_probs[step_context(codes, i, self.order, self.alphabet_size)]
