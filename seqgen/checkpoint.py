"""Checkpoint files: written atomically, read with ``weights_only=True``.

A checkpoint is a plain dictionary of tensors, numbers, strings, lists and
dicts, so loading it never runs pickled code:

``format``      ``"seqgen"``
``kind``        what it holds (``vae``, ``gan``, ``predictor``...)
``config``      the model's settings (JSON-like), enough to rebuild it
``alphabet``    alphabet name; ``length``: sequence length ``L``
``state_dict``  ``{module name: state_dict}``
and, in training checkpoints (``checkpoint.pt``), ``optimizers``, ``step``, ``rng``, ``ema`` (the weight
average, or None), ``best`` (the best validated snapshot, or None) and the run's metrics.
"""
from __future__ import annotations

import pickle
import sys
import zipfile
import zlib
from pathlib import Path

import torch

from seqgen.atomic import atomic_path
from seqgen.errors import SeqgenError

FORMAT = "seqgen"
REQUIRED = ("kind", "config", "alphabet", "length", "state_dict")


def save_checkpoint(path, payload: dict) -> None:
    """Write ``payload`` (see module docstring) to ``path`` atomically.

    The archive is written through an open file, so its folder inside the zip is torch's fixed ``archive/`` rather
    than the random name of the temporary file, and the payload is written as :func:`_canonical` makes it: the same
    payload gives the same bytes (same model, same checksum), a resumed run's as an uninterrupted one's.
    """
    missing = [k for k in REQUIRED if k not in payload]
    if missing:
        raise ValueError(f"checkpoint payload lacks {', '.join(missing)}")
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        torch.save(_canonical({"format": FORMAT, **payload}), f)


def _canonical(value):
    """``value`` with its strings interned and its dicts, lists and tuples rebuilt (tensors as they are).

    Pickle writes an object it has already written as a back-reference, so the bytes depend on which equal values
    are one object: a key loaded from a checkpoint (a resumed run's best snapshot) is another object than the same
    key made in this run. Interned strings are one object when equal, rebuilt containers never shared.
    """
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, dict):
        out = type(value)((_canonical(k), _canonical(v)) for k, v in value.items())
        for name, attribute in getattr(value, "__dict__", {}).items():  # a state_dict's _metadata
            setattr(out, name, _canonical(attribute))
        return out
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        return type(value)(_canonical(v) for v in value)
    return value


def load_checkpoint(path, kind: str | tuple[str, ...] | None = None, map_location="cpu") -> dict:
    """Read a checkpoint safely (``weights_only=True``) and check what it holds.

    Parameters
    ----------
    path : str or Path
        A checkpoint file, or a folder holding ``model.pt``.
    kind : str or tuple of str, optional
        Accepted kinds; anything else is refused with a clear message.
    """
    path = Path(path)
    folder = path.is_dir()
    if folder:
        path = path / "model.pt"
    if not path.is_file():
        if path.name == "model.pt" and (path.parent / "checkpoint.pt").is_file():
            raise SeqgenError("no model.pt: the training run in this folder did not finish; give its checkpoint.pt "
                              "to use the model as it stands, or --resume the training", path)
        if folder:  # e.g. a training run stopped before its first checkpoint
            raise SeqgenError("no model.pt and no checkpoint.pt in this folder: no training run here finished or "
                              "wrote a checkpoint (train again, or name the folder of a trained model)", path.parent)
        raise SeqgenError("no such checkpoint (expected a model folder or a model.pt file)", path)
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # torch.save writes a zip archive
            raise SeqgenError("not a seqgen checkpoint (not a file written by torch.save)", path)
    _check_crc(path)
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        raise SeqgenError("refused to load: it holds objects other than tensors and plain values, which could "
                          "run code (only seqgen checkpoints are loaded)", path) from None
    except Exception as exc:  # torch raises many kinds (struct.error, RuntimeError, EOFError...) on junk
        raise SeqgenError(f"not a seqgen checkpoint ({str(exc).splitlines()[0] if str(exc) else 'unreadable'})",
                          path) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or any(k not in payload for k in REQUIRED):
        raise SeqgenError("not a seqgen checkpoint (missing model kind, config or weights)", path)
    kinds = (kind,) if isinstance(kind, str) else kind
    if kinds and payload["kind"] not in kinds:
        raise SeqgenError(f"holds a {payload['kind']} model, but a {' or '.join(kinds)} model is needed", path)
    return payload


def _check_crc(path: Path) -> None:
    """Refuse a checkpoint whose bytes changed after it was written (a bad copy or disk): torch.load does not check
    the archive's CRC-32 checksums, so changed weights would load without a word and give wrong results."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:  # it begins as torch.save's zip archive, so it was cut
        raise SeqgenError(f"truncated or corrupt checkpoint (not a complete archive: {exc}): copy it again, or train "
                          f"again", path) from None
    with archive:
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise SeqgenError(f"corrupt checkpoint ({exc}): copy it again, or train again", path) from None
    if bad is not None:
        raise SeqgenError(f"corrupt checkpoint: its part {bad.split('/', 1)[-1]!r} fails its checksum (the file "
                          f"changed after it was written: copy it again, or train again)", path)


def model_states(payload: dict, best: dict | None = None, average: dict | None = None) -> dict:
    """The weights a model is used with: the best validated snapshot, else the weight average (``ema``), else
    the live weights. ``model.pt`` is written with them, and a training checkpoint loaded as a model (e.g.
    ``seqgen sample --model run/checkpoint.pt``) gives the same model as ``model.pt`` would.

    ``best`` and ``average`` default to the payload's own (those of a ``checkpoint.pt``)."""
    best = payload.get("best") if best is None else best
    average = payload.get("ema") if average is None else average
    return best["state_dict"] if best else average if average is not None else payload["state_dict"]


def load_model_file(path, kind: str | tuple[str, ...]) -> dict:
    """:func:`load_checkpoint` of a model to use (not to resume): its ``state_dict`` is :func:`model_states`."""
    payload = load_checkpoint(path, kind)
    states = model_states(payload)
    if not _finite(states):  # written before training checked its weights: every prediction would be NaN
        raise SeqgenError("the model's weights are not finite (NaN or inf): its training diverged; train it again "
                          "with a lower learning rate (lr)", path)
    return {**payload, "state_dict": states}


def _finite(states) -> bool:
    """Whether every floating-point tensor of a (nested) state dict is finite."""
    if isinstance(states, dict):
        return all(_finite(v) for v in states.values())
    return not (torch.is_tensor(states) and states.is_floating_point()) or bool(torch.isfinite(states).all())


def check_compatible(payload: dict, alphabet: str, length: int | None, path=None, longer: str = "") -> None:
    """Refuse a model made for another alphabet or sequence length; ``longer``: what to do instead, added to the
    message where the sequences are longer than the model's (e.g. scan them)."""
    if payload["alphabet"] != alphabet:
        raise SeqgenError(f"model was trained on {payload['alphabet']} sequences, not {alphabet}", path)
    if length is not None and payload["length"] is not None and int(payload["length"]) != int(length):
        hint = f": {longer}" if longer and int(length) > int(payload["length"]) else ""
        raise SeqgenError(f"model was trained on sequences of length {payload['length']}, not {length}{hint}", path)
