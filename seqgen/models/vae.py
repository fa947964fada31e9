"""Convolutional variational autoencoder for fixed-length sequences (DNA or protein).

Encoder: one-hot ``(N, A, L)`` -> residual convolutions -> ``(mu, log_sigma)`` of
a diagonal Gaussian ``q(z|x)``; prior N(0, I). Two decoders:

- ``independent``: ``z`` -> residual convolutions -> per-position categorical
  logits ``(N, A, L)``, the positions independent given ``z``;
- ``autoregressive``: ``p(x_i | x_<i, z)`` by causal dilated convolutions
  (:mod:`seqgen.models.autoregressive`), so that local letter dependencies
  (k-mers) are modelled. Likelihoods (training loss, :meth:`VAE.elbo`,
  :meth:`VAE.log_likelihood`) use teacher forcing on the given ``x`` and are
  exact; sampling is sequential. :meth:`VAE.decode` (latent design,
  interpolation) returns the probabilities teacher-forced on the greedy
  (position-by-position argmax) sequence of ``z``: differentiable in ``z`` for
  a fixed greedy sequence, whose letters are the argmax of those probabilities.

Positions that are padding (all-zero one-hot columns) do not count in the
likelihood. Training code lives in :mod:`seqgen.tasks.vae`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from seqgen.data import one_hot
from seqgen.models.autoregressive import AutoregressiveDecoder
from seqgen.nn import LatentToSequence, SequenceToVector, check_shape

DECODERS = ("independent", "autoregressive")


class VAE(nn.Module):
    """What every VAE here shares: sampling, the ELBO terms, likelihood estimates, generation.

    A subclass sets ``alphabet_size`` (``A``), ``length`` (``L``), ``latent_dim`` (``D``), an
    ``encoder`` mapping ``(N, A, L)`` to ``(N, 2 D)`` and implements :meth:`logits`; an
    autoregressive one also overrides :meth:`conditional_logits` and :meth:`sample`.
    """

    alphabet_size: int
    length: int
    latent_dim: int
    autoregressive: bool = False  #: whether ``p(x|z)`` depends on ``x`` (then :meth:`conditional_logits` needs it)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> logits ``(N, A, L)``."""
        raise NotImplementedError

    def conditional_logits(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, A, L)`` of ``p(x|z)`` at ``x (N, A, L)`` (teacher forcing); here independent of ``x``
        (which may then be None)."""
        return self.logits(z)

    # ------------------------------------------------------------ the two halves
    def check_input(self, x: torch.Tensor) -> None:
        """Refuse ``x`` unless it is ``(N, A, L)`` (one-hot or relaxed sequences of the model's alphabet and length)."""
        check_shape(x, (self.alphabet_size, self.length), "x", "one-hot sequences: seqgen.data.one_hot(codes, "
                    f"{self.alphabet_size}); one sequence: x[None]")

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (N, A, L)`` -> ``mu (N, D)``, ``log_sigma (N, D)``."""
        self.check_input(x)
        mu, log_sigma = self.encoder(x).float().chunk(2, dim=1)
        return mu, log_sigma.clamp(-10.0, 5.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> probabilities ``(N, A, L)`` (differentiable)."""
        check_shape(z, (self.latent_dim,), "z", "one point: z[None]")
        return torch.softmax(self.logits(z).float(), dim=1)

    def reparameterize(self, mu, log_sigma, generator=None) -> torch.Tensor:
        """``z = mu + sigma * eps``, ``eps ~ N(0, I)``, all ``(N, D)``."""
        eps = torch.randn(mu.shape, device=mu.device, generator=generator)
        return mu + log_sigma.exp() * eps

    def forward(self, x: torch.Tensor, generator=None):
        """``x (N, A, L)`` -> ``(logits (N, A, L), mu (N, D), log_sigma (N, D))``."""
        mu, log_sigma = self.encode(x)
        return self.conditional_logits(self.reparameterize(mu, log_sigma, generator), x), mu, log_sigma

    # ------------------------------------------------------------ likelihood terms
    def likelihood_target(self, x: torch.Tensor) -> torch.Tensor:
        """The part of ``x (N, A, L)`` that ``p(x|z)`` scores (all of it here; a model that treats some
        letters as missing data zeroes them)."""
        return x

    def reconstruction(self, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """``-log p(x|z)`` per sequence: categorical cross-entropy of :meth:`likelihood_target` summed over
        positions. ``x (N, A, L)``, ``logits (..., N, A, L)`` -> ``(..., N)``."""
        return -(self.likelihood_target(x) * F.log_softmax(logits.float(), dim=-2)).sum((-2, -1))

    @staticmethod
    def kl(mu: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
        """``KL(q(z|x) || N(0, I))`` per sequence, ``(N,)``."""
        return VAE.kl_per_dim(mu, log_sigma).sum(1)

    @staticmethod
    def kl_per_dim(mu: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
        """``KL(q(z_d|x) || N(0, 1))`` per sequence and latent dimension, ``(N, D)``."""
        return 0.5 * (mu.pow(2) + (2 * log_sigma).exp() - 1 - 2 * log_sigma)

    def log_px_given_z(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``log p(x|z_k)``, ``(K, N)``, for ``x (N, A, L)`` and ``z (K, N, D)``."""
        k, n, d = z.shape
        # the K copies of x are only made for a decoder that reads them (K x N x A x L floats)
        xk = x.unsqueeze(0).expand(k, *x.shape).reshape(k * n, *x.shape[1:]) if self.autoregressive else None
        logits = self.conditional_logits(z.reshape(k * n, d), xk).view(k, n, self.alphabet_size, -1)
        return -self.reconstruction(x, logits)

    def elbo(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """ELBO per sequence, ``(N,)`` nats: ``mean_k log p(x|z_k) - KL(q(z|x) || p(z))``.

        ``x (N, A, L)`` may be relaxed (probabilities): the result is differentiable in ``x``.
        ``eps (K, D)`` are the standard-normal draws, shared by all sequences
        (``z_k = mu + sigma * eps_k``): common random numbers, so differences between the
        ELBOs of similar sequences (mutant minus wild type) have a small variance.
        """
        mu, log_sigma = self.encode(x)
        z = mu.unsqueeze(0) + log_sigma.exp().unsqueeze(0) * eps.unsqueeze(1)  # (K, N, D)
        return self.log_px_given_z(x, z).mean(0) - self.kl(mu, log_sigma)

    @torch.no_grad()
    def log_likelihood(self, x: torch.Tensor, samples: int = 100, generator=None, chunk: int = 256) -> torch.Tensor:
        """Importance-weighted estimate of ``log p(x)`` in nats per sequence, ``(N,)``.

        ``log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x)`` with ``z_k ~ q(z|x)`` (Burda et al. 2016);
        a lower bound that tightens as ``samples`` (``K``) grows. Higher means more natural.
        ``x``: ``(N, A, L)`` one-hot, a tensor or a numpy array (moved to the model's device).
        """
        x = torch.as_tensor(x, dtype=torch.float32, device=next(self.parameters()).device)
        out = []
        for part in x.split(chunk):
            mu, log_sigma = self.encode(part)
            n, d = mu.shape
            eps = torch.randn((samples, n, d), device=mu.device, generator=generator)
            z = mu + log_sigma.exp() * eps  # (K, n, D)
            log_px = self.log_px_given_z(part, z)
            out.append(torch.logsumexp(log_px + self.log_prior_ratio(z, eps, log_sigma), dim=0) - math.log(samples))
        return torch.cat(out)

    @staticmethod
    def log_prior_ratio(z: torch.Tensor, eps: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
        """``log p(z) - log q(z|x)`` per draw, ``(K, N)``, for ``z = mu + sigma * eps``: ``z (K, N, D)``,
        ``eps`` broadcastable to it (``(K, N, D)`` or ``(K, 1, D)``), ``log_sigma (N, D)``. The
        importance weight of an IWAE bound, less ``log p(x|z)``; the 2 pi terms cancel."""
        return (-0.5 * z.pow(2) + 0.5 * eps.pow(2) + log_sigma).sum(-1)

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
        """Probabilities ``(steps, A, L)`` decoded along the line between the means of ``x_a`` and ``x_b`` (each
        ``(A, L)``)."""
        mu, _ = self.encode(torch.stack([x_a, x_b]))
        t = torch.linspace(0, 1, steps, device=mu.device).unsqueeze(1)
        return self.decode((1 - t) * mu[0] + t * mu[1])


class ConvVAE(VAE):
    """Conv VAE; ``latent_dim`` ``D``, alphabet size ``A``, length ``L``.

    ``decoder``: ``"independent"`` or ``"autoregressive"`` (then ``dilations`` and
    ``causal_kernel`` shape its causal stack and ``markov_order`` adds a counted Markov chain
    to its logits, see :class:`~seqgen.models.autoregressive.AutoregressiveDecoder`).
    """

    def __init__(self, alphabet_size: int, length: int, latent_dim: int = 32, channels: int = 64,
                 blocks: int = 3, kernel_size: int = 5, res_scale: float = 0.3, decoder: str = "independent",
                 dilations=(1, 2, 4, 8), causal_kernel: int = 3, markov_order: int = 0):
        super().__init__()
        if decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, not {decoder!r}")
        self.alphabet_size, self.length, self.latent_dim = alphabet_size, length, latent_dim
        self.autoregressive = decoder == "autoregressive"
        self.encoder = SequenceToVector(alphabet_size, length, 2 * latent_dim, channels, blocks, kernel_size,
                                        res_scale)
        if self.autoregressive:
            self.decoder = AutoregressiveDecoder(latent_dim, alphabet_size, length, channels, blocks, kernel_size,
                                                 res_scale, dilations, causal_kernel, markov_order)
        else:
            self.decoder = LatentToSequence(latent_dim, alphabet_size, length, channels, blocks, kernel_size,
                                            res_scale)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> logits ``(N, A, L)``; autoregressive: teacher-forced on the greedy sequence of ``z``."""
        if not self.autoregressive:
            return self.decoder(z)
        greedy = self.decoder.generate(z.detach(), greedy=True)
        return self.decoder(z, one_hot(greedy, self.alphabet_size).to(z.dtype))

    def conditional_logits(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, A, L)`` of ``p(x|z)`` at ``x (N, A, L)``; autoregressive: position ``i`` sees ``x_<i``."""
        return self.decoder(z, x) if self.autoregressive else self.decoder(z)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, argmax: bool = False) -> torch.Tensor:
        """``(n, L)`` uint8 codes: ``z`` from the prior, then ``p(x|z)`` sampled (or its mode, greedily)."""
        if not self.autoregressive:
            return super().sample(n, generator, argmax)
        return self.decoder.generate(self.prior(n, generator), generator, greedy=argmax).to(torch.uint8)
