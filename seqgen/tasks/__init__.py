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

__all__ = ["KINDS", "TrainSettings", "build_task", "load_config_file", "merge_config", "recipe", "train"]


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


def train(kind: str, data, out, settings: dict | None = None, device="auto", resume: bool = False,
          restart_if_changed: bool = False, source: str = "settings"):
    """Train a model of ``kind`` on ``data`` into the folder ``out``, as ``seqgen train KIND`` does.

    Parameters
    ----------
    kind : {'vae', 'gan', 'predictor'}
    data : SequenceSet or str or Path
        The encoded data set (``codes (N, L)``; labels for a predictor), or the path of a ``.npz`` from
        ``seqgen encode``.
    out : str or Path
        Output folder: ``model.pt``, ``checkpoint.pt``, ``metrics.csv`` (and a predictor's validation outputs).
    settings : dict, optional
        Any key of the kind's ``DEFAULTS`` (``steps``, ``batch_size``, ``max_time`` in minutes, ``seed``,
        ``members``, ``arch``...), over the defaults; an unknown key is an error naming it.
    device : str or torch.device
        ``auto`` (CUDA, then MPS, then CPU), ``cpu``, ``cuda[:N]``.
    resume : bool
        Continue from ``out/checkpoint.pt`` where there is one.
    restart_if_changed : bool
        With ``resume``: train from scratch instead where the checkpoint was written with other settings or data.
    source : str
        What the settings came from, named in errors (a config file's path).

    Returns
    -------
    seqgen.training.TrainResult
        ``steps``, ``stopped`` (``done``, ``max_time``, ``early_stopping``), ``seconds``, ``last_metrics``.
    """
    import sys

    import torch

    from seqgen.atomic import check_folder
    from seqgen.data import SequenceSet
    from seqgen.device import distributed_device, free_memory, select_device
    from seqgen.training import Trainer

    config, train_settings = merge_config(kind, dict(settings or {}), source=source)
    data = data if isinstance(data, SequenceSet) else SequenceSet.load(data)
    check_folder(out)  # made by the trainer, once the settings are checked
    device = device if isinstance(device, torch.device) else select_device(device)
    device = distributed_device(device)  # under torchrun: this rank's GPU, before the data
    free = free_memory(device)
    print(f"data: {len(data)} x {data.length} {data.alphabet.name}, {data.codes.nbytes / 2**20:.1f} MiB resident on "
          f"{device}" + (f" ({free / 2**30:.1f} GiB free)" if free is not None else ""), file=sys.stderr)
    for note in _training_notes(kind, config, dict(settings or {}), train_settings, data):
        print(f"note: {note}", file=sys.stderr)
    task, _ = build_task(kind, config, train_settings, data, device)
    trainer = Trainer(task, train_settings, out, data.alphabet.name, data.length,
                      model_extra={"data_sha1": data.fingerprint()})
    result = trainer.fit(device, resume=resume, restart_if_changed=restart_if_changed)
    finish = getattr(recipe(kind), "after_training", None)  # e.g. the predictor's validation outputs
    if finish is not None and trainer.rank == 0:
        finish(out, data, config, result)
    summary = ", ".join(f"{k} {v:.4g}" for k, v in result.last_metrics.items())
    if not summary:  # a resumed run that had already finished: no step ran
        summary = "no step left to run (the checkpoint is at the run's --steps or --max-time; higher ones go on)"
    print(f"trained {kind} for {result.steps} steps ({result.stopped}, {result.seconds:.0f} s on {device}): "
          f"{summary} -> {out}", file=sys.stderr)
    return result


def _training_notes(kind: str, config: dict, user: dict, settings: TrainSettings, data) -> list[str]:
    """Settings that work but are likely not what was meant: a batch larger than the data set, VAE settings the
    chosen architecture or the data does not read, a generator trained on negatives."""
    from seqgen.negatives import BOUND

    notes = []
    if settings.batch_size > len(data):
        notes.append(f"batch_size {settings.batch_size} is above the {len(data)} sequences: every step draws "
                     f"{settings.batch_size} of them with replacement, {settings.batch_size / len(data):.0f}x the data "
                     f"set; a batch of at most {len(data)} is as good and faster")
    if kind in ("vae", "gan") and data.meta.get("negatives") and BOUND in data.label_names:
        n_negatives = int((data.label(BOUND) == 0).sum())
        if n_negatives:
            notes.append(f"{n_negatives:,} of the {len(data):,} sequences are negatives that encode --negatives "
                         f"added ({BOUND} 0): the {kind} learns them as well; seqgen split --positives {BOUND} "
                         f"gives it the positives alone")
    if kind == "vae":
        from seqgen.settings import ignored_vae_settings

        ignored = ignored_vae_settings(config, user, alignment="focus_positions" in data.meta)
        if ignored:
            notes.append(f"setting{'s' if len(ignored) > 1 else ''} {', '.join(ignored)} ignored: the {config['arch']} "
                         f"VAE does not read {'them' if len(ignored) > 1 else 'it'}"
                         + ("" if "focus_positions" in data.meta else " or the data is not an alignment")
                         + " (arch: mlp is the family VAE; theta, max_gap_fraction and reweight need an encoded .a2m)")
    return notes
