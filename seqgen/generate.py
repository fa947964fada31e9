"""Trained generators (VAE, WGAN-GP): loading from a model folder and sampling sequences.

Both kinds load to a module with the same interface: ``latent_dim``,
``prior(n, generator) -> (n, D)``, ``decode(z) -> (N, A, L)`` probabilities and
``sample(n, generator) -> (n, L)`` uint8 codes.
"""
from __future__ import annotations

import importlib

import numpy as np
import torch

from seqgen.alphabets import decode as decode_codes
from seqgen.checkpoint import load_model_file

GENERATOR_KINDS = ("vae", "gan")


def load_generator(path, device="cpu") -> tuple[torch.nn.Module, dict]:
    """The generator in a model folder (or ``model.pt``) and its checkpoint payload.

    Returns
    -------
    module : ConvVAE or Generator
        In eval mode on ``device``, its weights frozen (latent design's gradients reach ``z`` only).
    payload : dict
        ``kind``, ``config``, ``alphabet``, ``length`` (and the weights).
    """
    payload = load_model_file(path, kind=GENERATOR_KINDS)
    return generator_from_payload(payload, device), payload


def generator_from_payload(payload: dict, device="cpu") -> torch.nn.Module:
    """The generator of a checkpoint payload already read (``load_model_file``), in eval mode on ``device``, its
    weights frozen (no gradient of them is wanted, and one would cost a backward pass through every layer)."""
    module = importlib.import_module(f"seqgen.tasks.{payload['kind']}").load_model(payload)
    return module.to(device).requires_grad_(False)


@torch.no_grad()
def sample_codes(model: torch.nn.Module, n: int, seed: int = 0, chunk: int = 4096) -> np.ndarray:
    """``(n, L)`` uint8 codes from ``model.sample``, drawn in chunks with one seeded generator."""
    device = next(model.parameters()).device
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    parts = [model.sample(min(chunk, n - start), generator).cpu().numpy() for start in range(0, n, chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, getattr(model, "length", 0)), dtype=np.uint8)


def sample_sequences(path, n: int, seed: int = 0, device="cpu") -> tuple[list[str], dict]:
    """``n`` sequences (strings) from the generator at ``path``, and its payload."""
    model, payload = load_generator(path, device)
    return decode_codes(sample_codes(model, n, seed), payload["alphabet"]), payload
