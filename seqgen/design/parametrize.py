"""Parametrizations of a batch of candidate sequences for gradient-based design.

Each parametrization is an ``nn.Module`` holding the trainable parameters of
``N`` candidates and producing, on ``forward(n_samples)``, the input the
predictor sees: ``(S, N, A, L)`` float tensors (one-hot, or relaxed
probabilities), together with the per-position probabilities ``(N, A, L)``
that the soft penalties use.

- :class:`SoftmaxParam`: free logits -> softmax (Killoran et al. 2017, "deep dream").
- :class:`FastSeqProp`: logits instance-normalized across positions with a
  learned scale and offset per letter, a sampled one-hot sequence forward, the
  softmax gradient backward (straight-through; Linder & Seelig 2021).
- :class:`LatentParam`: a generator's latent code ``z`` decoded to probabilities
  (Killoran's joint method), with a Gaussian prior penalty on ``z``.

Fixed positions (linkers, primers) are written over the output, so they hold
in every candidate at every step.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FixedPositions:
    """Positions whose letter is given.

    Parameters
    ----------
    codes : torch.Tensor
        ``(L,)`` uint8; a letter code where the position is fixed, PAD (255) where free.
    alphabet_size : int
    """

    def __init__(self, codes: torch.Tensor, alphabet_size: int):
        self.codes = codes
        self.free = (codes >= alphabet_size).float()  # (L,)
        fixed_codes = torch.where(codes < alphabet_size, codes.long(), torch.zeros_like(codes, dtype=torch.long))
        self.one_hot = F.one_hot(fixed_codes, alphabet_size).T.float() * (1 - self.free)  # (A, L)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """Overwrite fixed positions of ``x: (..., A, L)``."""
        return x * self.free + self.one_hot

    @property
    def any(self) -> bool:
        return bool((self.free < 1).any())


def _sample_one_hot(probs: torch.Tensor, n_samples: int, generator: torch.Generator | None,
                    gumbel: bool = False, logits: torch.Tensor | None = None) -> torch.Tensor:
    """Straight-through samples: one-hot forward, softmax gradient backward.

    ``probs: (N, A, L)`` -> ``(S, N, A, L)``.
    """
    n, a, length = probs.shape
    flat = probs.detach().permute(0, 2, 1).reshape(-1, a)
    if gumbel and logits is not None:
        u = torch.rand((n_samples,) + flat.shape, generator=generator, device=probs.device).clamp_(1e-9, 1 - 1e-9)
        flat_logits = logits.detach().permute(0, 2, 1).reshape(-1, a)
        index = (flat_logits - torch.log(-torch.log(u))).argmax(-1)
    else:
        index = torch.multinomial(flat, n_samples, replacement=True, generator=generator).T  # (S, N*L)
    hard = F.one_hot(index, a).float().reshape(n_samples, n, length, a).permute(0, 1, 3, 2)
    return hard + probs - probs.detach()


class SoftmaxParam(nn.Module):
    """Free logits ``(N, A, L)``; the predictor sees ``softmax(logits / temperature)``."""

    def __init__(self, init_logits: torch.Tensor, fixed: FixedPositions | None = None, temperature: float = 1.0):
        super().__init__()
        self.logits = nn.Parameter(init_logits.clone())
        self.fixed = fixed
        self.temperature = temperature

    def probs(self) -> torch.Tensor:
        """``(N, A, L)`` letter probabilities."""
        p = torch.softmax(self.logits / self.temperature, dim=1)
        return self.fixed.apply(p) if self.fixed is not None else p

    def forward(self, n_samples: int = 1, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.probs()
        return p.unsqueeze(0), p

    def discrete(self) -> torch.Tensor:
        """``(N, L)`` codes, argmax of the probabilities."""
        return self.probs().argmax(1).to(torch.uint8)


class FastSeqProp(nn.Module):
    """Instance-normalized logits with learned per-letter scale and offset; straight-through samples."""

    def __init__(self, init_logits: torch.Tensor, fixed: FixedPositions | None = None, gumbel: bool = False,
                 eps: float = 1e-5, learn_offset: bool = True, offset_limit: float = 0.0):
        super().__init__()
        n, a, _ = init_logits.shape
        self.logits = nn.Parameter(init_logits.clone())
        self.scale = nn.Parameter(torch.ones(n, a, 1, device=init_logits.device))
        # the per-letter offset shifts a letter at every position at once: the letter composition. Frozen at
        # 0, the composition cannot drift as a whole (e.g. to an A/T-rich sequence with G and C gone).
        self.offset = nn.Parameter(torch.zeros(n, a, 1, device=init_logits.device), requires_grad=learn_offset)
        # offset_limit > 0 bounds it softly, ``m * tanh(offset / m)``: the composition may drift, but no letter
        # can be pushed out of every position at once
        self.offset_limit = offset_limit
        self.fixed = fixed
        self.gumbel = gumbel
        self.eps = eps

    def normalized_logits(self) -> torch.Tensor:
        """``(N, A, L)``: each letter's logits normalized across positions, then scaled and shifted."""
        mean = self.logits.mean(dim=2, keepdim=True)
        var = self.logits.var(dim=2, unbiased=False, keepdim=True)
        offset = self.offset
        if self.offset_limit > 0:
            offset = self.offset_limit * torch.tanh(offset / self.offset_limit)
        return (self.logits - mean) / torch.sqrt(var + self.eps) * self.scale + offset

    def probs(self) -> torch.Tensor:
        p = torch.softmax(self.normalized_logits(), dim=1)
        return self.fixed.apply(p) if self.fixed is not None else p

    def forward(self, n_samples: int = 1, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.normalized_logits()
        p = torch.softmax(logits, dim=1)
        x = _sample_one_hot(p, n_samples, generator, self.gumbel, logits)
        if self.fixed is not None:
            x, p = self.fixed.apply(x), self.fixed.apply(p)
        return x, p

    def discrete(self) -> torch.Tensor:
        return self.probs().argmax(1).to(torch.uint8)


class LatentParam(nn.Module):
    """Latent codes ``z: (N, D)`` decoded by a generator to probabilities ``(N, A, L)``.

    Parameters
    ----------
    decoder : callable
        ``z (N, D) -> probabilities (N, A, L)`` (e.g. a WGAN-GP generator or a VAE decoder).
    straight_through : bool
        Feed sampled one-hot sequences forward (softmax gradient backward) instead of the probabilities.
    """

    def __init__(self, init_z: torch.Tensor, decoder, fixed: FixedPositions | None = None,
                 straight_through: bool = False):
        super().__init__()
        self.z = nn.Parameter(init_z.clone())
        self.decoder = decoder
        self.fixed = fixed
        self.straight_through = straight_through

    def probs(self) -> torch.Tensor:
        p = self.decoder(self.z)
        self.decoded = p.detach()  # (N, A, L) as the generator wrote it, before the fixed letters
        return self.fixed.apply(p) if self.fixed is not None else p

    def writes_fixed(self) -> torch.Tensor | None:
        """``(N,)`` bool: whether the generator's own most likely letter at every fixed position, at the last
        decoding, is the fixed one (else a design holds fixed letters the generator did not write); None without
        fixed positions."""
        if self.fixed is None:
            return None
        fixed = self.fixed.free < 1  # (L,)
        return (self.decoded.argmax(1)[:, fixed] == self.fixed.codes[fixed].long()).all(1)

    def forward(self, n_samples: int = 1, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.probs()
        if self.straight_through:
            return _sample_one_hot(p, n_samples, generator), p
        return p.unsqueeze(0), p

    def prior_penalty(self) -> torch.Tensor:
        """``(N,)`` negative log density of ``z`` under N(0, I), up to a constant."""
        return 0.5 * (self.z ** 2).sum(1)

    def discrete(self) -> torch.Tensor:
        return self.probs().argmax(1).to(torch.uint8)
