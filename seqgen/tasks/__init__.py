"""Training recipes, one module per model kind, each run by :mod:`seqgen.training`.

A recipe module ``seqgen.tasks.KIND`` provides:

``DEFAULTS``
    dict of every setting the kind accepts, with its default: the model's own
    settings and the training settings (:class:`~seqgen.settings.TrainSettings`
    fields such as ``steps`` and ``batch_size``) it prefers. It is
    ``seqgen.settings.DEFAULTS[KIND]``: declared there, where no PyTorch is
    imported, so that settings are checked (:func:`~seqgen.settings.merge_config`)
    without loading it.
``make_task(config, data, device) -> (Task, DeviceData)``
    builds the task from the full config (defaults merged with the user's)
    and a :class:`~seqgen.data.SequenceSet`.

:func:`build_task` is how callers build one: it seeds the initial weights first.
This package imports no PyTorch until a recipe is loaded.
"""
from __future__ import annotations

import importlib

from seqgen.errors import SeqgenError
from seqgen.settings import KINDS, TrainSettings, check_model, load_config_file, merge_config

__all__ = ["KINDS", "TrainSettings", "build_task", "load_config_file", "merge_config", "recipe"]


def recipe(kind: str):
    """The recipe module of ``kind``."""
    if kind not in KINDS:
        raise SeqgenError(f"unknown model kind {kind!r}; choose one of {', '.join(KINDS)}")
    return importlib.import_module(f"seqgen.tasks.{kind}")


def build_task(kind: str, config: dict, settings: TrainSettings, data, device):
    """``recipe(kind).make_task(config, data, device)`` with the global torch RNG seeded by
    ``settings.seed`` first, so that the initial weights (drawn when the modules are built) follow
    the seed as the batches do. ``config`` is checked first (:func:`~seqgen.settings.check_model`), as
    :func:`merge_config` does. Returns ``(Task, DeviceData)``."""
    import torch

    module = recipe(kind)
    check_model(kind, config, source="settings")
    torch.manual_seed(settings.seed)
    return module.make_task(config, data, device)
