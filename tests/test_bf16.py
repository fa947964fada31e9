"""The bf16 autocast path that training takes on CUDA, run on the CPU: CPU autocast in bfloat16 stands in for
CUDA's (CI has no GPU), so that a dtype mismatch in a task's step or loss shows here, not first on a GPU."""
import contextlib
import csv

import numpy as np
import pytest
import torch

import seqgen.training
from seqgen.cli import main
from seqgen.data import SequenceSet


@pytest.fixture
def bf16_on_cpu(monkeypatch):
    """The engine's autocast as on CUDA, but on the CPU; yields the dtypes the modules returned."""
    seen = set()

    def autocast(device, enabled=True):
        return torch.autocast(device_type="cpu", dtype=torch.bfloat16) if enabled else contextlib.nullcontext()

    def record(module, args, output):
        for tensor in output if isinstance(output, tuple) else (output,):
            if torch.is_tensor(tensor) and tensor.is_floating_point():
                seen.add(tensor.dtype)

    monkeypatch.setattr(seqgen.training, "autocast", autocast)
    handle = torch.nn.modules.module.register_module_forward_hook(record)
    yield seen
    handle.remove()


def labelled_data(path, n=128, length=14):
    """Sequences near a repeated ACGT pattern, labelled by their count of G."""
    rng = np.random.default_rng(0)
    codes = np.where(rng.random((n, length)) < 0.7, np.arange(length) % 4, rng.integers(0, 4, (n, length)))
    codes = codes.astype(np.uint8)
    labels = (codes == 2).sum(1, keepdims=True).astype(np.float32)
    SequenceSet(codes, "dna", [f"s{i}" for i in range(n)], labels=labels, label_names=["g"]).save(path)


SMALL = ["--set", "channels=8", "--set", "blocks=1", "--set", "latent_dim=4"]
KINDS = {
    "vae": (["vae", *SMALL], "loss"),
    "vae-autoregressive": (["vae", *SMALL, "--set", "decoder=autoregressive", "--set", "dilations=[1, 2]"], "loss"),
    "vae-mlp": (["vae", "--arch", "mlp", "--set", "encoder_hidden=[32, 32]", "--set", "decoder_hidden=[8, 32]",
                 "--set", "latent_dim=4"], "reconstruction"),
    "gan": (["gan", *SMALL, "--set", "critic_steps=1"], None),
    "predictor": (["predictor", "--set", "members=2"], "loss"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_task_trains_under_bf16_autocast(tmp_path, kind, bf16_on_cpu):
    data, out = tmp_path / "data.npz", tmp_path / "model"
    labelled_data(data)
    args, falling = KINDS[kind]
    assert main(["train", args[0], "--data", str(data), "--out", str(out), "--steps", "40", "--no-progress",
                 "--device", "cpu", "--set", "log_every=5", "--set", "batch_size=64", *args[1:]]) == 0
    assert torch.bfloat16 in bf16_on_cpu  # the model really ran in bf16
    with open(out / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    values = [float(v) for row in rows for k, v in row.items() if k not in ("step", "seconds", "seqs_per_s") and v]
    assert len(rows) == 8 and np.isfinite(values).all()
    if falling:  # the loss goes down in bf16 as in fp32
        assert float(rows[-1][falling]) < float(rows[0][falling])
