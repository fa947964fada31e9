"""Devices and device-resident data.

The whole encoded data set lives on the training device as ``(N, L)`` uint8
codes (1 byte a letter: 40k PBM probes are 1.4 MB); batches are drawn by index
on the device and turned into one-hot there, so the hot loop has no
DataLoader, no host-to-device copies and no per-sample Python.
"""
from __future__ import annotations

import contextlib
import os

import numpy as np
import torch

from seqgen.data import SequenceSet, one_hot
from seqgen.errors import SeqgenError


def select_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple MPS, then the CPU; ``cpu``, ``cuda``, ``cuda:1``... are taken as given."""
    if name in (None, "auto"):
        if torch.cuda.is_available():
            device = torch.device("cuda")
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = torch.device("mps")
        else:
            device = torch.device("cpu")
    else:
        try:
            device = torch.device(name)
        except RuntimeError:
            raise SeqgenError(f"unknown device {name!r} (use auto, cpu or cuda)") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise SeqgenError(f"device {name!r} asked for, but CUDA is not available on this machine")
        if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
            count = torch.cuda.device_count()
            raise SeqgenError(f"device {name!r} asked for, but this machine has {count} CUDA device"
                              f"{'' if count == 1 else 's'} (cuda:0 to cuda:{count - 1})")
        mps = getattr(torch.backends, "mps", None)
        if device.type == "mps" and not (mps is not None and mps.is_available()):
            raise SeqgenError(f"device {name!r} asked for, but Apple MPS is not available on this machine")
    exact_fp32(device)
    return device


def exact_fp32(device: torch.device) -> None:
    """On CUDA, fp32 convolutions in full precision: cuDNN would use TF32 (10-bit mantissas) by default, which
    shifts predictions by ~1e-4 and the differences of in-silico mutagenesis by ~1e-3 (training runs in bf16
    autocast anyway)."""
    if device.type != "cuda":
        return
    # the legacy flag, not cudnn.conv.fp32_precision: setting the conv flag alone leaves cuDNN's RNN flag at tf32,
    # and torch (2.13) then raises wherever it reads the legacy flag (torch.backends.cudnn.flags(), some
    # torch.compile kernels); the legacy flag sets both
    torch.backends.cudnn.allow_tf32 = False


def distributed_device(device: torch.device) -> torch.device:
    """Under ``torchrun`` (``WORLD_SIZE`` > 1) on CUDA, this process's GPU ``cuda:LOCAL_RANK``, made current
    (before any data or model is put on it); otherwise ``device`` unchanged."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    return device


def autocast(device: torch.device, enabled: bool = True):
    """bf16 autocast on CUDA (when ``enabled``); a no-op context elsewhere."""
    if enabled and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def adam(params, device: torch.device, lr: float, betas=(0.9, 0.999), weight_decay: float = 0.0):
    """Adam, fused into one kernel on CUDA and CPU (on CPU 1.3x faster per step than the default
    multi-tensor form for the family VAE, whose variational decoder doubles the parameters)."""
    fused = device.type in ("cuda", "cpu")
    if weight_decay:
        return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=weight_decay, fused=fused)
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=fused)


def free_memory(device: torch.device) -> int | None:
    """Bytes free on ``device`` (CUDA: the driver's figure; CPU: available RAM on Linux), or None if unknown."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    if device.type == "cpu":
        try:
            with open("/proc/meminfo") as f:
                info = dict(line.split(":", 1) for line in f)
            return int(info["MemAvailable"].split()[0]) * 1024
        except (OSError, KeyError, ValueError):
            return None
    return None


BATCH_BUDGET_CPU = 2 ** 29  #: bytes of activations an inference batch may take off CUDA (512 MiB)


def batch_rows(row_bytes: int, device: torch.device, cap: int = 8192) -> int:
    """Sequences per inference batch: as many as fit ``row_bytes`` each (activations of one sequence) into a
    quarter of the free GPU memory on CUDA, or 512 MiB elsewhere; between 1 and ``cap``."""
    budget = BATCH_BUDGET_CPU
    if device.type == "cuda":
        budget = free_memory(device) // 4
    return int(min(cap, max(1, budget // max(row_bytes, 1))))


def check_fits(nbytes: int, device: torch.device, fraction: float = 0.5) -> None:
    """Refuse, with the figures, a data set that would take more than ``fraction`` of the device's free memory.

    The data stay resident on the device as uint8 codes (1 byte a letter), so this is the data's own need;
    models and batches come on top.
    """
    free = free_memory(device)
    if free is not None and nbytes > fraction * free:
        raise SeqgenError(f"the data set needs {nbytes / 2**30:.2f} GiB on {device}, more than half of the "
                          f"{free / 2**30:.2f} GiB free; use a subset or a device with more memory")


class DeviceData:
    """A :class:`SequenceSet` resident on a device.

    Attributes
    ----------
    codes : torch.Tensor
        ``(N, L)`` uint8.
    labels : torch.Tensor
        ``(N, K)`` float32.
    weights : torch.Tensor or None
        ``(N,)`` float32 sampling weights (e.g. alignment reweighting).
    alphabet_size : int
        ``A``.
    """

    def __init__(self, data: SequenceSet, device: torch.device, weights: np.ndarray | None = None):
        check_fits(data.codes.nbytes + data.labels.nbytes + (0 if weights is None else 4 * len(data)), device)
        self.device = device
        self.alphabet = data.alphabet
        self.alphabet_size = data.alphabet.size
        self.length = data.length
        self.codes = torch.from_numpy(data.codes).to(device)
        self.labels = torch.from_numpy(np.ascontiguousarray(data.labels)).to(device)
        self.weights = None if weights is None else torch.as_tensor(weights, dtype=torch.float32, device=device)

    def __len__(self) -> int:
        return self.codes.shape[0]

    def sample_index(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """``(B,)`` random indices (by weight when the data set has weights)."""
        if self.weights is not None:
            return torch.multinomial(self.weights, batch_size, replacement=True, generator=generator)
        return torch.randint(len(self), (batch_size,), device=self.device, generator=generator)

    def one_hot(self, index: torch.Tensor) -> torch.Tensor:
        """``(B, A, L)`` float32 one-hot of the sequences at ``index``."""
        return one_hot(self.codes[index], self.alphabet_size)

    def batch(self, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """A random batch: one-hot ``(B, A, L)`` and labels ``(B, K)``."""
        index = self.sample_index(batch_size, generator)
        return self.one_hot(index), self.labels[index]
