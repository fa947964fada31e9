"""Label normalization for the predictor: a transform, optional background correction, standardization.

Regression targets are ``z = (t(y) - c - mean) / std`` where

- ``t`` is ``none`` (``t(y) = y``) or ``log`` (``t(y) = log(y + offset)``:
  PBM intensities are roughly log-normal, and Pearson on log signal is the
  DREAM5 figure of merit);
- ``c`` is the background correction: ``none`` (0), or ``regress``:
  ``beta * (t(b) - mean t(b))`` with ``beta`` the least-squares slope of
  ``t(y)`` on ``t(b)`` over the training probes, ``b`` being a second label such
  as the PBM background intensity. It removes the part of a probe's signal that
  follows its spot's local background (a probe-level artefact) and keeps the
  scale; new sequences have no background, so they are predicted at the mean
  background;
- ``mean`` and ``std`` are those of the training targets.

:class:`LabelTransform` keeps these numbers (they go into ``model.pt``) and maps
model outputs back to the label's own scale.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from seqgen.errors import SeqgenError

TRANSFORMS = ("none", "log")


@dataclass
class LabelTransform:
    """The fitted normalization of one regression label (see the module docstring)."""

    transform: str = "none"
    offset: float = 1.0
    background: str = "none"
    beta: float = 0.0
    background_mean: float = 0.0
    mean: float = 0.0
    std: float = 1.0

    def _t(self, y: np.ndarray, what: str) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if self.transform == "none":
            return y
        if np.any(y + self.offset <= 0):
            raise SeqgenError(f"log transform: {what} has values <= -log_offset ({self.offset}); "
                              f"raise log_offset or use transform: none")
        return np.log(y + self.offset)

    @classmethod
    def fit(cls, y: np.ndarray, background: np.ndarray | None = None, transform: str = "none",
            offset: float = 1.0) -> "LabelTransform":
        """Fit the normalization on training labels ``y`` ``(N,)`` (and ``background`` ``(N,)``)."""
        if transform not in TRANSFORMS:
            raise SeqgenError(f"setting 'transform' must be one of {', '.join(TRANSFORMS)}, not {transform!r}")
        self = cls(transform=transform, offset=float(offset))
        t = self._t(y, "the label")
        if background is not None:
            tb = self._t(background, "the background label")
            self.background, self.background_mean = "regress", float(tb.mean())
            centred = tb - self.background_mean
            self.beta = float((centred * (t - t.mean())).sum() / max((centred ** 2).sum(), 1e-12))
            t = t - self.beta * centred
        self.mean, self.std = float(t.mean()), float(t.std()) or 1.0
        return self

    def apply(self, y: np.ndarray, background: np.ndarray | None = None) -> np.ndarray:
        """Labels ``(N,)`` -> standardized targets ``(N,)`` float32."""
        t = self._t(y, "the label")
        if self.background == "regress" and background is not None:
            t = t - self.beta * (self._t(background, "the background label") - self.background_mean)
        return ((t - self.mean) / self.std).astype(np.float32)

    def invert(self, z: torch.Tensor) -> torch.Tensor:
        """Model outputs (any shape) -> the label's scale (at the mean background)."""
        t = z * self.std + self.mean
        return torch.exp(t) - self.offset if self.transform == "log" else t

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "LabelTransform":
        return cls(**d)
