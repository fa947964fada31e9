"""WGAN-GP generator and critic for sequences (Killoran et al. 2017, "Generating and designing DNA
with deep generative models"; the defaults are those of their code).

The generator maps ``z ~ N(0, I)`` to a per-position distribution over the
alphabet (softmax); the critic scores one-hot or soft sequences. Training code
lives in :mod:`seqgen.tasks.gan`.
"""
from __future__ import annotations

import torch
from torch import nn

from seqgen.nn import LatentToSequence, SequenceToVector, check_shape


class Generator(nn.Module):
    """``z (N, latent_dim)`` -> probabilities ``(N, A, L)`` (softmax over the alphabet)."""

    def __init__(self, alphabet_size: int, length: int, latent_dim: int = 100, channels: int = 100,
                 blocks: int = 5, kernel_size: int = 5, res_scale: float = 0.3):
        super().__init__()
        self.alphabet_size, self.length, self.latent_dim = alphabet_size, length, latent_dim
        self.net = LatentToSequence(latent_dim, alphabet_size, length, channels, blocks, kernel_size, res_scale)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """``(N, A, L)`` logits."""
        return self.net(z)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(z).float(), dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Probabilities ``(N, A, L)`` for latent points ``z (N, latent_dim)`` (differentiable)."""
        check_shape(z, (self.latent_dim,), "z", "one point: z[None]")
        return self(z)

    def prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, latent_dim)`` draws from N(0, I) on the module's device."""
        device = next(self.parameters()).device
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, L)`` uint8 codes: the most likely letter at each position for ``z`` from the prior."""
        return self(self.prior(n, generator)).argmax(1).to(torch.uint8)


class Critic(nn.Module):
    """``x (N, A, L)`` one-hot or probabilities -> ``(N,)`` scores (unbounded: a Wasserstein critic)."""

    def __init__(self, alphabet_size: int, length: int, channels: int = 100, blocks: int = 5,
                 kernel_size: int = 5, res_scale: float = 0.3):
        super().__init__()
        self.net = SequenceToVector(alphabet_size, length, 1, channels, blocks, kernel_size, res_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
