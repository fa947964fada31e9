"""Neural network modules (``nn.Module``s and what they need to run: no training code here).

- :mod:`seqgen.models.gan`: WGAN-GP ``Generator`` and ``Critic``;
- :mod:`seqgen.models.vae`: the ``VAE`` base (loss terms, likelihoods, sampling) and ``ConvVAE``;
- :mod:`seqgen.models.autoregressive`: the causal dilated-convolution decoder of the autoregressive VAE;
- :mod:`seqgen.models.markov`: counted order-``m`` Markov chains (a generator baseline, and ``MarkovOffset``, the
  fixed logit offset of the autoregressive decoder);
- :mod:`seqgen.models.family_vae`: ``FamilyVAE``, the MLP VAE of a protein alignment (DeepSequence);
- :mod:`seqgen.models.predictor`: ``Predictor``, the CNN ensemble.

Generators share one interface for design and sampling: ``latent_dim``,
``prior(n, generator) -> (n, D)``, ``decode(z) -> (N, A, L)`` probabilities,
``sample(n, generator) -> (n, L)`` uint8 codes.
"""
