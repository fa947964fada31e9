"""Neural network modules (``nn.Module`` only: no training code here).

- :mod:`seqgen.models.gan`: WGAN-GP ``Generator`` and ``Critic``;
- :mod:`seqgen.models.vae`: ``ConvVAE``.

Generators share one interface for design and sampling: ``latent_dim``,
``prior(n, generator) -> (n, D)``, ``decode(z) -> (N, A, L)`` probabilities,
``sample(n, generator) -> (n, L)`` uint8 codes.
"""
