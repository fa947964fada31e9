"""Sequence design: parametrizations x objectives x constraints x optimizers.

Design knows models only through small interfaces: a scorer
``score(x: (B, A, L)) -> mean (B,)`` or ``(mean, std)``, differentiable in ``x``,
and a decoder ``decode(z: (N, D)) -> probabilities (N, A, L)``.
"""
