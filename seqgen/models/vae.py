"""Convolutional variational autoencoder for fixed-length sequences (DNA or protein).

Encoder: one-hot ``(N, A, L)`` -> residual convolutions -> ``(mu, log_sigma)`` of
a diagonal Gaussian ``q(z|x)``; decoder: ``z`` -> residual convolutions ->
per-position categorical logits ``(N, A, L)``; prior N(0, I). Positions that
are padding (all-zero one-hot columns) do not count in the likelihood.
Training code lives in :mod:`seqgen.tasks.vae`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from seqgen.nn import LatentToSequence, SequenceToVector

LOG_2PI = math.log(2 * math.pi)


class VAE(nn.Module):
    """What every VAE here shares: sampling, the ELBO terms, likelihood estimates, generation.

    A subclass sets ``alphabet_size`` (``A``), ``length`` (``L``), ``latent_dim`` (``D``), an
    ``encoder`` mapping ``(N, A, L)`` to ``(N, 2 D)`` and implements :meth:`logits`.
    """

    alphabet_size: int
    length: int
    latent_dim: int

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> logits ``(N, A, L)``."""
        raise NotImplementedError

    # ------------------------------------------------------------ the two halves
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (N, A, L)`` -> ``mu (N, D)``, ``log_sigma (N, D)``."""
        mu, log_sigma = self.encoder(x).float().chunk(2, dim=1)
        return mu, log_sigma.clamp(-10.0, 5.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> probabilities ``(N, A, L)`` (differentiable)."""
        return torch.softmax(self.logits(z).float(), dim=1)

    def reparameterize(self, mu, log_sigma, generator=None) -> torch.Tensor:
        """``z = mu + sigma * eps``, ``eps ~ N(0, I)``, all ``(N, D)``."""
        eps = torch.randn(mu.shape, device=mu.device, generator=generator)
        return mu + log_sigma.exp() * eps

    def forward(self, x: torch.Tensor, generator=None):
        """``x (N, A, L)`` -> ``(logits (N, A, L), mu (N, D), log_sigma (N, D))``."""
        mu, log_sigma = self.encode(x)
        return self.logits(self.reparameterize(mu, log_sigma, generator)), mu, log_sigma

    # ------------------------------------------------------------ likelihood terms
    @staticmethod
    def reconstruction(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """``-log p(x|z)`` per sequence, ``(N,)``: categorical cross-entropy summed over positions."""
        return -(x * F.log_softmax(logits.float(), dim=1)).sum((1, 2))

    @staticmethod
    def kl(mu: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
        """``KL(q(z|x) || N(0, I))`` per sequence, ``(N,)``."""
        return 0.5 * (mu.pow(2) + (2 * log_sigma).exp() - 1 - 2 * log_sigma).sum(1)

    def elbo(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """ELBO per sequence, ``(N,)`` nats: ``mean_k log p(x|z_k) - KL(q(z|x) || p(z))``.

        ``x (N, A, L)`` may be relaxed (probabilities): the result is differentiable in ``x``.
        ``eps (K, D)`` are the standard-normal draws, shared by all sequences
        (``z_k = mu + sigma * eps_k``): common random numbers, so differences between the
        ELBOs of similar sequences (mutant minus wild type) have a small variance.
        """
        mu, log_sigma = self.encode(x)
        n, d = mu.shape
        k = eps.shape[0]
        z = mu.unsqueeze(0) + log_sigma.exp().unsqueeze(0) * eps.unsqueeze(1)  # (K, N, D)
        logits = self.logits(z.reshape(k * n, d)).view(k, n, self.alphabet_size, -1)
        log_px = (x.unsqueeze(0) * F.log_softmax(logits.float(), dim=2)).sum((2, 3))  # (K, N)
        return log_px.mean(0) - self.kl(mu, log_sigma)

    @torch.no_grad()
    def log_likelihood(self, x: torch.Tensor, samples: int = 100, generator=None, chunk: int = 256) -> torch.Tensor:
        """Importance-weighted estimate of ``log p(x)`` in nats per sequence, ``(N,)``.

        ``log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x)`` with ``z_k ~ q(z|x)`` (Burda et al. 2016);
        a lower bound that tightens as ``samples`` (``K``) grows. Higher means more natural.
        """
        out = []
        for part in x.split(chunk):
            mu, log_sigma = self.encode(part)
            n, d = mu.shape
            eps = torch.randn((samples, n, d), device=mu.device, generator=generator)
            z = mu + log_sigma.exp() * eps  # (K, n, D)
            log_q = (-0.5 * eps.pow(2) - log_sigma - 0.5 * LOG_2PI).sum(-1)
            log_prior = (-0.5 * z.pow(2) - 0.5 * LOG_2PI).sum(-1)
            logits = self.logits(z.reshape(samples * n, d)).view(samples, n, self.alphabet_size, -1)
            log_px = (part.unsqueeze(0) * F.log_softmax(logits.float(), dim=2)).sum((2, 3))
            out.append(torch.logsumexp(log_px + log_prior - log_q, dim=0) - math.log(samples))
        return torch.cat(out)

    # ------------------------------------------------------------ generation
    def prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, D)`` draws from N(0, I) on the module's device."""
        device = next(self.parameters()).device
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, argmax: bool = False) -> torch.Tensor:
        """``(n, L)`` uint8 codes: ``z`` from the prior, each position drawn from ``p(x|z)`` (or its mode)."""
        probs = self.decode(self.prior(n, generator))
        if argmax:
            return probs.argmax(1).to(torch.uint8)
        flat = probs.permute(0, 2, 1).reshape(-1, self.alphabet_size)
        return torch.multinomial(flat, 1, generator=generator).view(n, -1).to(torch.uint8)

    @torch.no_grad()
    def interpolate(self, x_a: torch.Tensor, x_b: torch.Tensor, steps: int = 8) -> torch.Tensor:
        """Probabilities ``(steps, A, L)`` decoded along the line between the means of ``x_a`` and ``x_b`` (each ``(A, L)``)."""
        mu, _ = self.encode(torch.stack([x_a, x_b]))
        t = torch.linspace(0, 1, steps, device=mu.device).unsqueeze(1)
        return self.decode((1 - t) * mu[0] + t * mu[1])


class ConvVAE(VAE):
    """Conv VAE; ``latent_dim`` ``D``, alphabet size ``A``, length ``L``."""

    def __init__(self, alphabet_size: int, length: int, latent_dim: int = 32, channels: int = 64,
                 blocks: int = 3, kernel_size: int = 5, res_scale: float = 0.3):
        super().__init__()
        self.alphabet_size, self.length, self.latent_dim = alphabet_size, length, latent_dim
        self.encoder = SequenceToVector(alphabet_size, length, 2 * latent_dim, channels, blocks, kernel_size,
                                        res_scale)
        self.decoder = LatentToSequence(latent_dim, alphabet_size, length, channels, blocks, kernel_size,
                                        res_scale)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> logits ``(N, A, L)``."""
        return self.decoder(z)
