"""Objectives: what a design maximizes, from one or several predictors.

A scorer is any callable ``x: (B, A, L) float -> mean (B,)`` or ``(mean (B,), std (B,))``,
differentiable in ``x`` for the gradient methods (an ensemble predictor gives a std). It must be a function
of ``x`` alone: above the memory budget, gradient design calls it again in the backward pass
(:func:`seqgen.design.gradient._differentiable_utility`), replaying torch's global random state (dropout) but not
a scorer's own ``torch.Generator`` or other state.
Each objective turns a prediction into a utility to maximize:

- ``max``: ``mean - k * std`` (``k`` = ``conservative``; k > 0 keeps designs where the ensemble agrees);
- ``min``: ``-mean - k * std``;
- ``target``: ``-|mean - target| - k * std``;
- ``below``: ``-max(0, mean + k * std - target)``: no reward for going lower, a penalty above
  ``target`` (bind A *but not B*: B only has to stay below a level, e.g. that of random sequences).

Several objectives (bind A, not B) combine as a weighted sum, each reported on its own.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from seqgen.device import batch_rows

DIRECTIONS = ("max", "min", "target", "below")


def as_mean_std(output) -> tuple[torch.Tensor, torch.Tensor]:
    """A scorer's output as ``(mean (B,), std (B,))`` (std zero when it gives none)."""
    if isinstance(output, (tuple, list)):
        mean, std = output[0], output[1]
    else:
        mean, std = output, torch.zeros_like(output)
    return mean.reshape(-1), std.reshape(-1)


@dataclass
class Objective:
    """One predictor's goal."""

    name: str
    scorer: object
    direction: str = "max"
    weight: float = 1.0
    target: float | None = None
    conservative: float = 0.0
    row_bytes: int = 0  #: activation bytes of one sequence's forward pass (sizes batches; 0: small)

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {self.direction!r}")
        if self.direction in ("target", "below") and self.target is None:
            raise ValueError(f"objective {self.name!r}: direction {self.direction!r} needs a target value")
        if self.conservative < 0:  # mean + |k| std: would reward the ensemble's disagreement
            raise ValueError(f"objective {self.name!r}: conservative must not be negative, not {self.conservative}")

    def utility(self, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        """``(B,)`` utility to maximize."""
        if self.direction == "max":
            core = mean
        elif self.direction == "min":
            core = -mean
        elif self.direction == "below":
            return -(mean + self.conservative * std - self.target).clamp(min=0)
        else:
            core = -(mean - self.target).abs()
        return core - self.conservative * std


class ObjectiveSet:
    """A weighted sum of objectives over the same sequences."""

    def __init__(self, objectives: list[Objective], letters: int | None = None):
        """``letters``: the scorers' alphabet size ``A``, when designs use only its first ``A' < A`` letters
        (proteins without the gap): their ``(B, A', L)`` input gets zero channels for the rest."""
        if not objectives:
            raise ValueError("at least one objective is needed")
        self.objectives = objectives
        self.letters = letters

    def batch_rows(self, length: int, device: torch.device, gradient: bool = False) -> int:
        """Sequences per batch of length ``length`` within :func:`seqgen.device.batch_rows`'s memory budget
        (``gradient``: with a backward pass, about three times the memory); at most 4096."""
        row = max(sum(obj.row_bytes for obj in self.objectives), 4 * 64 * length)  # floor: 64 channels
        return batch_rows(row * (3 if gradient else 1), device, cap=4096)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, tuple[torch.Tensor, torch.Tensor]]]:
        """Total utility ``(B,)`` of ``x: (B, A', L)`` and each objective's ``(mean, std)``."""
        if self.letters is not None and x.shape[-2] < self.letters:
            x = F.pad(x, (0, 0, 0, self.letters - x.shape[-2]))
        total = 0.0
        parts = {}
        for obj in self.objectives:
            mean, std = as_mean_std(obj.scorer(x))
            parts[obj.name] = (mean, std)
            total = total + obj.weight * obj.utility(mean, std)
        return total, parts
