"""A killed Snakemake run: the rerun repeats only the incomplete job, continuing its training from its checkpoint."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from seqgen.checkpoint import load_checkpoint
from workflow_helpers import ROOT, TEST_CONFIG, job_counts, make_workdir, snakemake


@pytest.mark.slow
def test_killed_run_reruns_only_the_incomplete_job(tmp_path):
    """SIGKILL Snakemake (and its jobs) mid-way through training: the rerun repeats only that job."""
    text = TEST_CONFIG.read_text().replace(
        "predictor: {steps: 80, members: 2}",
        "predictor: {steps: 1000000, members: 2, max_time: 0.25, checkpoint_every: 20, eval_every: 0}")
    workdir = make_workdir(tmp_path, text)
    results = workdir / "results" / "tiny"
    target = "results/tiny/predictor/model.pt"
    env = {**os.environ, "XDG_CACHE_HOME": str(workdir / ".cache"), "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.Popen([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory",
                            str(workdir), "--cores", "1", target], env=env, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    try:
        while not (results / "predictor" / "metrics.csv").exists():  # a checkpoint of the running training
            assert run.poll() is None and time.monotonic() < deadline, "training did not start in time"
            time.sleep(0.2)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert not (results / "predictor" / "model.pt").exists()
    killed = load_checkpoint(results / "predictor" / "checkpoint.pt")
    data_mtime = (results / "data.npz").stat().st_mtime_ns
    refused = snakemake(workdir, "--cores", "1", "--workflow-profile", "none", target, check=False)  # no profile
    assert refused.returncode != 0 and "results/tiny/predictor/metrics.csv" in refused.stderr  # named incomplete
    locked = snakemake(workdir, "--cores", "1", target, check=False)  # the default profile reruns incomplete jobs
    assert locked.returncode != 0 and "--unlock" in locked.stderr  # the killed run's lock is still there
    snakemake(workdir, "--unlock")
    rerun = snakemake(workdir, "--cores", "1", target)
    jobs = job_counts(rerun.stdout + rerun.stderr)
    assert jobs == {"train_predictor": 1}
    assert (results / "predictor" / "model.pt").is_file()
    assert (results / "data.npz").stat().st_mtime_ns == data_mtime
    # the rerun continued the killed training from its checkpoint: its metrics up to there are the killed run's own
    assert "not continued" not in (results / "logs" / "train_predictor.log").read_text()
    rows = pd.read_csv(results / "predictor" / "metrics.csv")
    before = rows[rows["step"] <= killed["step"]]
    assert len(before) and before["seconds"].tolist() == [row["seconds"] for row in killed["metrics"]]


def test_a_training_that_failed_after_a_settings_change_is_redone_by_the_next_run(tmp_path):
    """A retraining that fails or is stopped (Ctrl-C, a cluster's time limit): Snakemake removes its model.pt and
    records the new settings as if it had run. The next run must train again, not keep the old model's samples (and
    report them under the new settings) while the model is missing."""
    workdir = make_workdir(tmp_path, TEST_CONFIG.read_text())
    target = "results/tiny/generator/vae/evaluation.json"
    results = workdir / "results" / "tiny"
    (results / "generator" / "vae").mkdir(parents=True)
    for name in ("input.tsv", "data.npz", "generator/training.npz", "generator/heldout.npz", "generator/vae/model.pt",
                 "generator/vae/metrics.csv",
                 "generator/vae/samples.fasta", "generator/vae/evaluation.json"):
        (results / name).touch()
    snakemake(workdir, "--cores", "1", "--touch", "--forceall", target)  # a finished run of the first settings
    config = workdir / "config" / "config.yaml"
    config.write_text(config.read_text().replace("vae: {steps: 60,", "vae: {steps: 61,"))
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "seqgen").write_text("#!/bin/sh\nexit 1\n")  # the training job fails at once
    (fake / "seqgen").chmod(0o755)
    env = {**os.environ, "XDG_CACHE_HOME": str(workdir / ".cache"),
           "PATH": f"{fake}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    failed = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory",
                             str(workdir), "--cores", "1", target], env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "Error in rule train_generator" in failed.stdout + failed.stderr
    assert not (results / "generator" / "vae" / "model.pt").exists()
    planned = job_counts(snakemake(workdir, "-n", "--cores", "1", target).stdout)
    assert planned == {"train_generator": 1, "sample": 1, "evaluate_generator": 1}
