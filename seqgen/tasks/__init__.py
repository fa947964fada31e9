"""Training recipes, one module per model kind, each run by :mod:`seqgen.training`.

A recipe module ``seqgen.tasks.KIND`` provides:

``DEFAULTS``
    dict of every setting the kind accepts, with its default: the model's own
    settings and the training settings (:class:`~seqgen.training.TrainSettings`
    fields such as ``steps`` and ``batch_size``) it prefers.
``make_task(config, data, device) -> (Task, DeviceData)``
    builds the task from the full config (defaults merged with the user's)
    and a :class:`~seqgen.data.SequenceSet`.
``VALIDATES`` (optional, default False)
    True when the task validates on a held-out split (``eval_every``, ``patience``).

:func:`build_task` is how callers build one: it seeds the initial weights first.
"""
from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

from seqgen.errors import SeqgenError
from seqgen.training import TrainSettings

KINDS = ("vae", "gan", "predictor")
SETTINGS_FIELDS = {f.name for f in dataclasses.fields(TrainSettings)}


def recipe(kind: str):
    """The recipe module of ``kind``."""
    if kind not in KINDS:
        raise SeqgenError(f"unknown model kind {kind!r}; choose one of {', '.join(KINDS)}")
    return importlib.import_module(f"seqgen.tasks.{kind}")


def build_task(kind: str, config: dict, settings: TrainSettings, data, device):
    """``recipe(kind).make_task(config, data, device)`` with the global torch RNG seeded by
    ``settings.seed`` first, so that the initial weights (drawn when the modules are built) follow
    the seed as the batches do. Returns ``(Task, DeviceData)``."""
    import torch

    torch.manual_seed(settings.seed)
    return recipe(kind).make_task(config, data, device)


def load_config_file(path) -> dict:
    """Read a YAML (or JSON) settings file into a dict."""
    import yaml

    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SeqgenError(f"cannot read config: {exc.strerror}", path) from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SeqgenError(f"not valid YAML: {' '.join(str(exc).split())}", path) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SeqgenError("a config file must hold a mapping of setting: value", path)
    return loaded


def merge_config(kind: str, user: dict, source="config") -> tuple[dict, TrainSettings]:
    """Defaults of ``kind`` updated by ``user``; returns (model config, training settings).

    Unknown keys and values of the wrong type are refused with the key named.
    """
    defaults = {**dataclasses.asdict(TrainSettings()), **recipe(kind).DEFAULTS}  # every engine setting is accepted
    merged = dict(defaults)
    for key, value in user.items():
        if key not in defaults:
            raise SeqgenError(f"unknown setting {key!r} for {kind}; known: {', '.join(sorted(defaults))}", source)
        merged[key] = _checked(key, value, defaults[key], source)
    _in_range(merged, source)
    settings = TrainSettings(**{k: v for k, v in merged.items() if k in SETTINGS_FIELDS})
    if (settings.eval_every or settings.patience) and not getattr(recipe(kind), "VALIDATES", False):
        raise SeqgenError(f"settings 'eval_every' and 'patience' need a validation split, and {kind} training has "
                          "none (a predictor has)", source)
    config = {k: v for k, v in merged.items() if k not in SETTINGS_FIELDS}
    return config, settings


_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")

#: settings of every kind that have a range: key -> (accepted, what it must be)
RANGES = {
    "lr": (lambda v: v > 0, "positive"),
    "weight_decay": (lambda v: v >= 0, "0 or more"),
    "beta1": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "beta2": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "gp_weight": (lambda v: v >= 0, "0 or more"),
    "blocks": (lambda v: v >= 0, "0 or more"),
    "channels": (lambda v: v > 0, "positive"),
    "critic_steps": (lambda v: v > 0, "positive"),
}


def _in_range(merged: dict, source) -> None:
    """Refuse, naming the key, a setting outside its range (before any folder or model is made)."""
    for key, (accepted, what) in RANGES.items():
        value = merged.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not accepted(value):
            raise SeqgenError(f"setting {key!r} must be {what}, not {value}", source)


def _checked(key, value, default, source):
    """``value`` coerced to the type of ``default`` where that is lossless, else an error naming ``key``."""
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and _FLOAT.fullmatch(value.strip()):  # YAML 1.1 reads 1e-4 as a string
            return float(value)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, (list, tuple)):
        if isinstance(value, (list, tuple)):
            return list(value)
    else:
        return value
    raise SeqgenError(f"setting {key!r} must be a {type(default).__name__}, not {value!r}", source)
