"""Shared network blocks: residual convolutions and the two towers every model is built from.

- :class:`ResidualBlock`: ReLU, Conv1d, ReLU, Conv1d; output ``x + scale * res``
  (the block of Killoran et al. 2017).
- :class:`LatentToSequence`: ``z (N, D)`` -> linear -> ``(N, C, L)`` -> residual
  blocks -> Conv1d k=1 -> per-position logits ``(N, A, L)`` (GAN generator, VAE decoder).
- :class:`SequenceToVector`: ``x (N, A, L)`` -> Conv1d k=1 -> residual blocks ->
  flatten -> linear -> ``(N, K)`` (GAN critic, VAE encoder).
"""
from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """``x + scale * conv(relu(conv(relu(x))))`` with 'same' padding; ``x: (N, C, L)``."""

    def __init__(self, channels: int, kernel_size: int = 5, scale: float = 0.3):
        super().__init__()
        pad = kernel_size // 2
        self.scale = scale
        self.body = nn.Sequential(nn.ReLU(), nn.Conv1d(channels, channels, kernel_size, padding=pad),
                                  nn.ReLU(), nn.Conv1d(channels, channels, kernel_size, padding=pad))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.scale * self.body(x)


def check_shape(x: torch.Tensor, shape: tuple, name: str, hint: str = "") -> None:
    """Refuse ``x`` unless it is ``(N, *shape)``: one line naming the shape expected, not a matrix-size error from
    inside a layer. ``hint``: what to do instead, appended in parentheses."""
    if x.ndim != len(shape) + 1 or tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must have shape (N, {', '.join(map(str, shape))}), not {tuple(x.shape)}"
                         + (f" ({hint})" if hint else ""))


def residual_tower(channels: int, blocks: int, kernel_size: int = 5, scale: float = 0.3) -> nn.Sequential:
    """``blocks`` residual blocks of ``channels`` channels."""
    return nn.Sequential(*[ResidualBlock(channels, kernel_size, scale) for _ in range(blocks)])


class LatentToSequence(nn.Module):
    """Latent vector to per-position logits: ``z (N, D)`` -> ``(N, A, L)``."""

    def __init__(self, latent_dim: int, alphabet_size: int, length: int, channels: int = 100, blocks: int = 5,
                 kernel_size: int = 5, scale: float = 0.3):
        super().__init__()
        self.channels, self.length = channels, length
        self.linear = nn.Linear(latent_dim, channels * length)
        self.tower = residual_tower(channels, blocks, kernel_size, scale)
        self.out = nn.Conv1d(channels, alphabet_size, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.linear(z).view(z.shape[0], self.channels, self.length)
        return self.out(self.tower(h))


class SequenceToVector(nn.Module):
    """One-hot (or soft) sequences to vectors: ``x (N, A, L)`` -> ``(N, K)``."""

    def __init__(self, alphabet_size: int, length: int, out_features: int, channels: int = 100, blocks: int = 5,
                 kernel_size: int = 5, scale: float = 0.3):
        super().__init__()
        self.inp = nn.Conv1d(alphabet_size, channels, 1)
        self.tower = residual_tower(channels, blocks, kernel_size, scale)
        self.linear = nn.Linear(channels * length, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.tower(self.inp(x)).flatten(1))
