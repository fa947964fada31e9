"""Family VAE for a protein multiple sequence alignment (after DeepSequence, Riesselman et al. 2018).

Encoder: the flattened one-hot alignment row ``(N, A * L)`` -> an MLP (ReLU) ->
``(mu, log_sigma)`` of ``q(z|x)``. Decoder: ``z`` -> an MLP (ReLU, then a sigmoid
last hidden layer of ``H`` units) -> a linear map to per-column logits ``(N, A, L)``
whose weights ``W (H, L, A)`` are scaled per column by group-sparsity gates
``sigmoid(S)``, ``S (H / patterns, L)`` tiled ``patterns`` times over the hidden
units, and multiplied by a learned positive temperature (as DeepSequence).

DeepSequence is "doubly variational": a Gaussian posterior over every decoder
weight. Here the decoder weights are point estimates under the same priors
(MAP): :meth:`FamilyVAE.neg_log_prior` is ``0.5 * ||W||^2`` over the decoder's
weight matrices (a N(0, 1) prior) plus a Gaussian prior on the sparsity logits
``S`` centred at DeepSequence's ``logit(p = 0.001)`` scale (mean -12.36, std 4);
the training recipe adds it divided by the effective number of sequences.
Training code lives in :mod:`seqgen.tasks.vae`.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from seqgen.models.vae import VAE

SPARSITY_SIGMA = 4.0
SPARSITY_MU = math.sqrt(2.0) * SPARSITY_SIGMA * -2.1851  # sqrt(2) sigma erfinv(2 * 0.001 - 1), as DeepSequence


def _mlp(sizes: list[int], last_activation: nn.Module | None) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
        elif last_activation is not None:
            layers.append(last_activation)
    return nn.Sequential(*layers)


class FamilyVAE(VAE):
    """MLP VAE over aligned sequences; alphabet size ``A``, length ``L``, latent ``D``.

    Parameters
    ----------
    encoder_hidden : list of int
        Hidden layer sizes of the encoder (DeepSequence: 1500, 1500).
    decoder_hidden : list of int
        Hidden layer sizes of the decoder (DeepSequence: 100, 500); the last is ``H``.
    sparsity : bool
        Group-sparsity gates on the output weights (``H`` must be a multiple of ``patterns``).
    """

    def __init__(self, alphabet_size: int, length: int, latent_dim: int = 30, encoder_hidden=(1500, 1500),
                 decoder_hidden=(100, 500), sparsity: bool = True, patterns: int = 4):
        super().__init__()
        self.alphabet_size, self.length, self.latent_dim = alphabet_size, length, latent_dim
        self.patterns = patterns if sparsity else 1
        hidden = int(decoder_hidden[-1])
        self.encoder = nn.Sequential(nn.Flatten(), _mlp([alphabet_size * length, *encoder_hidden, 2 * latent_dim],
                                                        None))
        self.decoder = _mlp([latent_dim, *decoder_hidden], nn.Sigmoid())
        self.out_weight = nn.Parameter(torch.randn(hidden, length, alphabet_size) / math.sqrt(hidden))
        self.out_bias = nn.Parameter(torch.zeros(alphabet_size, length))
        self.sparsity = nn.Parameter(torch.zeros(hidden // self.patterns, length)) if sparsity else None
        self.temperature = nn.Parameter(torch.tensor(math.log(math.e - 1)))  # softplus -> 1.0

    def output_weight(self) -> torch.Tensor:
        """``(H, L, A)`` output weights, gated per column by the sparsity scales."""
        if self.sparsity is None:
            return self.out_weight
        gate = torch.sigmoid(self.sparsity).repeat(self.patterns, 1)  # (H, L)
        return self.out_weight * gate.unsqueeze(-1)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> logits ``(N, A, L)``."""
        h = self.decoder(z)  # (N, H)
        w = self.output_weight()
        out = (h @ w.reshape(w.shape[0], -1)).view(-1, self.length, self.alphabet_size).transpose(1, 2)
        return nn.functional.softplus(self.temperature) * (out + self.out_bias)

    def neg_log_prior(self) -> torch.Tensor:
        """Scalar ``-log p(decoder weights)`` up to a constant (N(0, 1) weights, logit-normal sparsity)."""
        total = 0.5 * self.out_weight.pow(2).sum()
        for layer in self.decoder:
            if isinstance(layer, nn.Linear):
                total = total + 0.5 * layer.weight.pow(2).sum()
        if self.sparsity is not None:
            total = total + 0.5 * ((self.sparsity - SPARSITY_MU) / SPARSITY_SIGMA).pow(2).sum()
        return total
