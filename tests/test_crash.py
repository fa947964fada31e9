"""Crash safety: a training run killed with SIGKILL and resumed ends with the same weights as an uninterrupted one."""
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch

from seqgen.checkpoint import load_checkpoint
from seqgen.cli import main


def train(data, out, *extra):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "seqgen.cli", "train", "vae", "--data", str(data), "--out", str(out),
                             "--steps", "240", "--checkpoint-every", "20", "--no-progress", "--seed", "7",
                             "--set", "channels=16", *extra],  # a small model: 240 steps in about 5 s
                            env=env, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_same_weights(tmp_path):
    assert main(["simulate", "--n", "300", "--length", "24", "--out", str(tmp_path / "s.tsv")]) == 0
    assert main(["encode", str(tmp_path / "s.tsv"), "--out", str(tmp_path / "d.npz")]) == 0
    data = tmp_path / "d.npz"

    victim = train(data, tmp_path / "killed")
    deadline = time.time() + 120
    while time.time() < deadline:  # wait for a checkpoint past step 40, then kill without warning
        ckpt = tmp_path / "killed" / "checkpoint.pt"
        if ckpt.exists() and load_checkpoint(ckpt)["step"] >= 40:
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL
    killed_at = load_checkpoint(tmp_path / "killed" / "checkpoint.pt")["step"]
    assert 40 <= killed_at < 240  # really killed mid-way, and the checkpoint on disk is whole

    resumed = train(data, tmp_path / "killed", "--resume")
    assert resumed.wait() == 0, resumed.stderr.read()
    straight = train(data, tmp_path / "straight")
    assert straight.wait() == 0, straight.stderr.read()

    a = load_checkpoint(tmp_path / "killed" / "model.pt")["state_dict"]
    b = load_checkpoint(tmp_path / "straight" / "model.pt")["state_dict"]
    for module in b:
        for name, tensor in b[module].items():
            assert torch.equal(a[module][name], tensor), f"{module}.{name} differs after kill + resume"
    timing = {"seconds", "seqs_per_s"}  # wall-clock columns; everything else must match
    killed, straight = (pd.read_csv(tmp_path / name / "metrics.csv") for name in ("killed", "straight"))
    columns = [c for c in straight.columns if c not in timing]
    pd.testing.assert_frame_equal(killed[columns], straight[columns])
