"""Family VAE for a protein multiple sequence alignment (after DeepSequence, Riesselman et al. 2018).

Encoder: the flattened one-hot alignment row ``(N, A * L)`` -> an MLP (ReLU) ->
``(mu, log_sigma)`` of ``q(z|x)``. Decoder: ``z`` -> an MLP (ReLU, then a sigmoid
last hidden layer of ``H`` units) -> a linear map to per-column logits ``(N, A, L)``
whose weights ``W (H, L, A)`` (optionally ``W = V @ C``, ``V (H, L, K)`` times a
shared letter dictionary ``C (K, A)``: DeepSequence's ``convolve_patterns``, ``K = 40``)
are scaled per column by group-sparsity gates
``sigmoid(S)``, ``S (H / patterns, L)`` tiled ``patterns`` times over the hidden
units, and multiplied by a learned positive temperature ``softplus(t)`` (as DeepSequence).
DeepSequence's published model ("decoder 100-500", 4 patterns) multiplies its last
hidden layer by the number of patterns: ``H = 2000`` units under ``S (500, L)``, i.e.
``decoder_hidden: [100, 2000]`` here.

Priors on the decoder parameters (DeepSequence's): N(0, 1) on every weight, bias
and the raw temperature ``t``; on the sparsity logits ``S`` a Gaussian centred at
DeepSequence's ``logit(p = 0.001)`` scale (mean -12.36, std 4). Two ways to use them:

- MAP (``bayesian=False``): the decoder parameters are point estimates;
  :meth:`FamilyVAE.neg_log_prior` is ``0.5 * ||W||^2`` over the decoder's weight
  matrices (biases and temperature left out) plus the sparsity term.
- Variational (``bayesian=True``, DeepSequence's "doubly variational" model): a
  mean-field Gaussian posterior ``q(w) = N(mu, sigma^2)`` over every decoder
  parameter (the MLP's weights and biases, ``W``, the output bias, ``S`` and
  ``t``). The means are the same parameters as the MAP model's (same names in the
  state dict); the log-sigmas live in ``weight_log_sigma`` (initialized to
  ``log_sigma_init``, -5 as DeepSequence). :meth:`FamilyVAE.weight_kl` is
  ``KL(q(w) || p(w))`` in closed form. In training mode :meth:`forward` decodes
  with one reparameterized draw ``w = mu + sigma * eps`` (shared by the batch);
  everywhere else (``elbo``, ``decode``, ``sample``, design) the decoder uses the
  posterior means unless a draw is fixed with :meth:`FamilyVAE.weight_draw`.

Gaps: by default the gap is one more letter of the alphabet, modelled like the others. With
``missing`` set to the gap's code, gaps are missing data as in DeepSequence (whose
one-hot encoding has no gap letter): the encoder sees an all-zero column, the
decoder's softmax runs over the other letters only, and gap positions add nothing
to ``log p(x|z)`` (:meth:`VAE.likelihood_target`); samples never hold a gap.

The training recipe (:mod:`seqgen.tasks.vae`) adds ``neg_log_prior`` (MAP) or
``weight_kl`` (variational) divided by the effective number of sequences to the loss.
"""
from __future__ import annotations

import contextlib
import math

import torch
import torch.nn.functional as F
from torch import nn

from seqgen.models.vae import VAE

INITS = ("torch", "deepsequence")
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


class _GaussianKL(torch.autograd.Function):
    """``sum KL(N(mu, sigma^2) || N(prior_mu, prior_sigma^2))`` with a closed-form backward.

    The same value as the textbook formula written in tensor ops, in a few passes over the
    parameters instead of the ~25 elementwise kernels autograd would run forward and back
    (on the family VAE's 2.7M-20M decoder weights those kernels, memory-bound, cost as much
    as the matrix products).
    """

    @staticmethod
    def forward(ctx, mu, log_sigma, prior_mu: float, prior_sigma: float):
        var = (2 * log_sigma).exp_()  # (same shape as mu)
        centred = mu - prior_mu if prior_mu else mu
        inv_var = 1.0 / prior_sigma ** 2
        kl = (mu.numel() * (math.log(prior_sigma) - 0.5) - log_sigma.sum()
              + 0.5 * inv_var * (var.sum() + torch.dot(centred.reshape(-1), centred.reshape(-1))))
        ctx.save_for_backward(mu, var)
        ctx.prior = (prior_mu, inv_var)
        return kl

    @staticmethod
    def backward(ctx, grad):
        mu, var = ctx.saved_tensors
        prior_mu, inv_var = ctx.prior
        grad_mu = (mu - prior_mu).mul_(grad * inv_var) if ctx.needs_input_grad[0] else None
        grad_log_sigma = var.mul(grad * inv_var).sub_(grad) if ctx.needs_input_grad[1] else None
        return grad_mu, grad_log_sigma, None, None


def gaussian_kl(mu: torch.Tensor, log_sigma: torch.Tensor, prior_mu: float = 0.0,
                prior_sigma: float = 1.0) -> torch.Tensor:
    """Scalar ``sum KL(N(mu, sigma^2) || N(prior_mu, prior_sigma^2))`` over the elements of ``mu`` and
    ``log_sigma`` (same shape), differentiable in both."""
    return _GaussianKL.apply(mu, log_sigma, float(prior_mu), float(prior_sigma))


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
    bayesian : bool
        A mean-field Gaussian posterior over the decoder parameters (see the module docstring)
        instead of point estimates.
    log_sigma_init : float
        Initial log standard deviation of every decoder parameter's posterior (``bayesian``).
    dictionary : int
        ``K > 0``: output weights ``V (H, L, K) @ C (K, A)`` through a learned letter dictionary
        shared by all columns (DeepSequence: 40); 0: free ``W (H, L, A)``.
    missing : int or None
        Code of a letter treated as missing data (the gap; see the module docstring); None: none.
    init : {"torch", "deepsequence"}
        Initial values: PyTorch's defaults (uniform in +-1/sqrt(fan_in) for the MLPs, ``W`` with
        standard deviation 1/sqrt(H), temperature 1), or DeepSequence's: every weight
        Glorot-normal (standard deviation sqrt(2 / (fan_in + fan_out)), ``W`` as an
        ``(H, L * A)`` matrix, ``(H, L * K)`` with a dictionary), every bias 0.1, the encoder's
        log-sigma bias -5 (so that ``z`` starts nearly deterministic) and the raw temperature 1
        (``softplus(1) = 1.31``).
    """

    def __init__(self, alphabet_size: int, length: int, latent_dim: int = 30, encoder_hidden=(1500, 1500),
                 decoder_hidden=(100, 500), sparsity: bool = True, patterns: int = 4, bayesian: bool = False,
                 log_sigma_init: float = -5.0, dictionary: int = 0, missing: int | None = None,
                 init: str = "torch"):
        super().__init__()
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, not {init!r}")
        self.missing = missing
        mask = torch.zeros(alphabet_size, 1, dtype=torch.bool)
        if missing is not None:
            mask[missing] = True
        self.register_buffer("missing_mask", mask, persistent=False)  # (A, 1)
        self.alphabet_size, self.length, self.latent_dim = alphabet_size, length, latent_dim
        self.patterns = patterns if sparsity else 1
        hidden = int(decoder_hidden[-1])
        self.encoder = nn.Sequential(nn.Flatten(), _mlp([alphabet_size * length, *encoder_hidden, 2 * latent_dim],
                                                        None))
        self.decoder = _mlp([latent_dim, *decoder_hidden], nn.Sigmoid())
        width = dictionary if dictionary > 0 else alphabet_size
        self.out_weight = nn.Parameter(torch.randn(hidden, length, width) / math.sqrt(hidden))
        glorot = math.sqrt(2 / (dictionary + alphabet_size))  # as DeepSequence
        self.dictionary = nn.Parameter(torch.randn(dictionary, alphabet_size) * glorot) if dictionary > 0 else None
        self.out_bias = nn.Parameter(torch.zeros(alphabet_size, length))
        self.sparsity = nn.Parameter(torch.zeros(hidden // self.patterns, length)) if sparsity else None
        self.temperature = nn.Parameter(torch.tensor(math.log(math.e - 1)))  # softplus -> 1.0
        if init == "deepsequence":
            self._deepsequence_init()
        self.bayesian = bayesian
        self.weight_log_sigma = nn.ParameterDict({
            name.replace(".", "_"): nn.Parameter(torch.full_like(p, log_sigma_init))
            for name, p in self.decoder_parameters().items()}) if bayesian else None
        self._draw: dict[str, torch.Tensor] | None = None  # a fixed weight draw (weight_draw)

    @torch.no_grad()
    def _deepsequence_init(self) -> None:
        """DeepSequence's initial values (see ``init`` in the class docstring)."""
        encoder = [m for m in self.encoder.modules() if isinstance(m, nn.Linear)]
        for layer in [*encoder, *(m for m in self.decoder if isinstance(m, nn.Linear))]:
            nn.init.normal_(layer.weight, 0.0, math.sqrt(2.0 / (layer.in_features + layer.out_features)))
            nn.init.constant_(layer.bias, 0.1)
        encoder[-1].bias[self.latent_dim:] = -5.0  # log sigma of q(z|x); the first D outputs are mu
        hidden, length, width = self.out_weight.shape
        nn.init.normal_(self.out_weight, 0.0, math.sqrt(2.0 / (hidden + length * width)))
        nn.init.constant_(self.out_bias, 0.1)
        self.temperature.fill_(1.0)

    # ------------------------------------------------------------ decoder parameters
    def decoder_parameters(self) -> dict[str, torch.Tensor]:
        """The decoder's parameters by name (the posterior means of a ``bayesian`` model).

        ``decoder.{i}.weight (out, in)``, ``decoder.{i}.bias (out,)``, ``out_weight (H, L, A)`` (``(H, L, K)``
        with a dictionary), ``dictionary (K, A)`` (when used), ``out_bias (A, L)``,
        ``sparsity (H / patterns, L)`` (when gated), ``temperature ()``.
        """
        params = dict(self.decoder.named_parameters(prefix="decoder"))
        params.update(out_weight=self.out_weight, out_bias=self.out_bias, temperature=self.temperature)
        if self.dictionary is not None:
            params["dictionary"] = self.dictionary
        if self.sparsity is not None:
            params["sparsity"] = self.sparsity
        return params

    def sample_weights(self, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """One reparameterized draw ``mu + sigma * eps`` of every decoder parameter (shapes as
        :meth:`decoder_parameters`; differentiable in ``mu`` and ``log_sigma``). Needs ``bayesian``."""
        if not self.bayesian:
            raise ValueError("sample_weights needs a bayesian decoder")
        out = {}
        for name, mu in self.decoder_parameters().items():
            eps = torch.randn(mu.shape, device=mu.device, generator=generator)
            out[name] = torch.addcmul(mu, self.weight_log_sigma[name.replace(".", "_")].exp(), eps)
        return out

    @contextlib.contextmanager
    def weight_draw(self, weights: dict[str, torch.Tensor] | None = None, generator: torch.Generator | None = None):
        """Decode with fixed decoder parameters inside the block: ``weights`` (as
        :meth:`decoder_parameters`) or, when None, a fresh :meth:`sample_weights` draw."""
        previous = self._draw
        self._draw = self.sample_weights(generator) if weights is None else weights
        try:
            yield self._draw
        finally:
            self._draw = previous

    def weight_kl(self) -> torch.Tensor:
        """Scalar ``KL(q(w) || p(w))`` summed over every decoder parameter (closed form, nats). Needs ``bayesian``."""
        if not self.bayesian:
            raise ValueError("weight_kl needs a bayesian decoder")
        total = 0.0
        for name, mu in self.decoder_parameters().items():
            prior = (SPARSITY_MU, SPARSITY_SIGMA) if name == "sparsity" else (0.0, 1.0)
            total = total + gaussian_kl(mu, self.weight_log_sigma[name.replace(".", "_")], *prior)
        return total

    # ------------------------------------------------------------ decoding
    def output_weight(self, weights: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """``(H, L, A)`` output weights (through the dictionary, when used), gated per column by the
        sparsity scales (of ``weights``, default the module's own parameters)."""
        w = self.decoder_parameters() if weights is None else weights
        out = w["out_weight"] if self.dictionary is None else w["out_weight"] @ w["dictionary"]
        if self.sparsity is None:
            return out
        gate = torch.sigmoid(w["sparsity"]).repeat(self.patterns, 1)  # (H, L)
        return out * gate.unsqueeze(-1)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """``z (N, D)`` -> logits ``(N, A, L)`` (with the fixed :meth:`weight_draw`, else the means)."""
        w = self.decoder_parameters() if self._draw is None else self._draw
        h = z
        for i, layer in enumerate(self.decoder):
            h = F.linear(h, w[f"decoder.{i}.weight"], w[f"decoder.{i}.bias"]) if isinstance(layer, nn.Linear) \
                else layer(h)  # (N, H) at the end
        out_w = self.output_weight(w)
        out = (h @ out_w.reshape(out_w.shape[0], -1)).view(-1, self.length, self.alphabet_size).transpose(1, 2)
        out = F.softplus(w["temperature"]) * (out + w["out_bias"])
        return out if self.missing is None else out.masked_fill(self.missing_mask, -1e4)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (N, A, L)`` -> ``mu (N, D)``, ``log_sigma (N, D)``; a missing letter's channel is read as zeros."""
        self.check_input(x)
        return super().encode(self.likelihood_target(x))

    def likelihood_target(self, x: torch.Tensor) -> torch.Tensor:
        """``x (N, A, L)`` with the missing letter's channel zeroed (unchanged without one)."""
        return x if self.missing is None else x.masked_fill(self.missing_mask, 0.0)

    def forward(self, x: torch.Tensor, generator=None):
        """``x (N, A, L)`` -> ``(logits (N, A, L), mu (N, D), log_sigma (N, D))``; a ``bayesian`` model in
        training mode decodes with one weight draw from ``generator`` (drawn before ``z``)."""
        if self.bayesian and self.training and self._draw is None:
            with self.weight_draw(generator=generator):
                return super().forward(x, generator)
        return super().forward(x, generator)

    def neg_log_prior(self) -> torch.Tensor:
        """Scalar ``-log p(decoder weights)`` up to a constant (N(0, 1) weights, logit-normal sparsity)."""
        total = 0.5 * self.out_weight.pow(2).sum()
        if self.dictionary is not None:
            total = total + 0.5 * self.dictionary.pow(2).sum()
        for layer in self.decoder:
            if isinstance(layer, nn.Linear):
                total = total + 0.5 * layer.weight.pow(2).sum()
        if self.sparsity is not None:
            total = total + 0.5 * ((self.sparsity - SPARSITY_MU) / SPARSITY_SIGMA).pow(2).sum()
        return total
