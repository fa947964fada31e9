"""The workflow's whole chain on tiny data, run once: its outputs, no-op and targeted reruns, the report archive."""
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from seqgen.checkpoint import load_checkpoint
from seqgen.data import SequenceSet
from workflow_helpers import TEST_CONFIG, job_counts, make_workdir, snakemake


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """The tiny chain, on a data set whose name has a space and a quote (shell quoting is tested too), which also
    scans 12 sequences of 90 letters, the first four with the EGR2 site its probes are simulated from."""
    workdir = tmp_path_factory.mktemp("workflow")
    text = TEST_CONFIG.read_text().replace("  tiny:", "  \"it's tiny\":").replace(
        "    label: signal\n", "    label: signal\n    scan: long sequences.fa\n") + "scan: {shuffles: 3, stride: 2}\n"
    make_workdir(workdir, text)
    rng = np.random.default_rng(0)
    long = ["".join(rng.choice(list("ACGT"), 90)) for _ in range(12)]
    long[:4] = [s[:40] + "ACGCCCACGCA" + s[51:] for s in long[:4]]
    (workdir / "long sequences.fa").write_text("".join(f">long{i}\n{s}\n" for i, s in enumerate(long)))
    snakemake(workdir, "--cores", "2")
    return workdir


@pytest.mark.slow
def test_whole_chain_on_tiny_data(finished_run):
    results = finished_run / "results" / "it's tiny"
    for name in ("data.npz", "generator/vae/evaluation.json", "generator/gan/samples.fasta", "predictor/model.pt",
                 "generator/vae/samples.tsv",
                 "design/fast-seqprop/designs.tsv", "design/fast-seqprop/training_utility.tsv",
                 "design/latent/designs.fasta", "motifs/tomtom.tsv",
                 "report.html"):
        assert (results / name).is_file(), name
    html = (results / "report.html").read_text()
    assert "<img" in html and "fast-seqprop" in html and "http://" not in html.replace("http://www.w3.org", "")
    data, training, heldout = (SequenceSet.load(results / name) for name in
                               ("data.npz", "generator/training.npz", "generator/heldout.npz"))
    assert len(heldout) == 60 and sorted([*training.ids, *heldout.ids]) == sorted(data.ids)  # evaluate.holdout 0.1
    for model in ("vae", "gan"):  # trained on the training part
        assert load_checkpoint(results / "generator" / model / "model.pt")["data_sha1"] == training.fingerprint()
    evaluation = json.loads((results / "generator" / "vae" / "evaluation.json").read_text())
    assert evaluation["n_reference"] == 60 and evaluation["baseline"].startswith("training subset")
    assert "Generators: samples against held-out data" in html
    scores = pd.read_csv(results / "generator" / "gan" / "samples.tsv", sep="\t")  # the predictor's, of the samples
    assert list(scores.columns) == ["id", "sequence", "mean", "std"] and len(scores) == 100
    assert scores["mean"].notna().all() and scores["std"].gt(0).all()  # a 2-member ensemble disagrees a little
    best = pd.read_csv(results / "scan" / "best.tsv", sep="\t")  # 31 windows of 30 letters on each strand
    assert best["id"].tolist() == [f"long{i}" for i in range(12)] and (best["windows"] == 62).all()
    assert best["p_value"].between(1 / 37, 1).all() and (best["q_value"] >= best["p_value"]).all()
    windows = pd.read_csv(results / "scan" / "windows.tsv", sep="\t")
    assert len(windows) == 12 * 62 and set(windows["orientation"]) == {"+", "-"}
    assert "Scanned sequences" in html and "12 sequences of the data set's scan file" in html


@pytest.mark.slow
def test_the_same_settings_in_another_order_rerun_nothing(finished_run):
    config = finished_run / "config" / "config.yaml"
    before = config.read_text()
    planned = job_counts(snakemake(finished_run, "-n", "--cores", "1").stdout)
    reordered = before.replace("vae: {steps: 60, batch_size: 64}", "vae: {batch_size: 64, steps: 60}").replace(
        "predictor: {steps: 80, members: 2}", "predictor: {members: 2, steps: 80}")
    assert reordered != before
    config.write_text(reordered)
    try:
        assert job_counts(snakemake(finished_run, "-n", "--cores", "1").stdout) == planned
    finally:
        config.write_text(before)


@pytest.mark.slow
def test_the_saved_config_reproduces_the_run(finished_run):
    """results/{dataset}/config.yaml, the run's settings with their defaults, is a config of its own."""
    saved = finished_run / "results" / "it's tiny" / "config.yaml"
    out = snakemake(finished_run, "-n", "--cores", "1", "--configfile", str(saved)).stdout
    assert "Nothing to be done" in out
    other = finished_run / "other.yaml"
    other.write_text(saved.read_text().replace("it's tiny", "another"))
    jobs = job_counts(snakemake(finished_run, "-n", "--cores", "1", "--configfile", str(other)).stdout)
    assert jobs["report_html"] == 1 and jobs["train_predictor"] == 1  # the same settings, under another name


@pytest.mark.slow
def test_second_run_is_a_no_op_and_design_changes_rerun_only_downstream(finished_run):
    assert "Nothing to be done" in snakemake(finished_run, "-n", "--cores", "1").stdout
    # where the jobs run changes no result: asking for GPUs (on a cluster) reruns nothing, not even the report
    assert "Nothing to be done" in snakemake(finished_run, "-n", "--cores", "1", "--config", "gpu=true",
                                             "gpu_partition=gpu").stdout
    config = finished_run / "config" / "config.yaml"
    config.write_text(config.read_text().replace("  steps: 20", "  steps: 21"))
    jobs = job_counts(snakemake(finished_run, "-n", "--cores", "1").stdout)
    assert jobs["design"] == 4 and "report_html" in jobs
    assert not {"train_generator", "train_predictor", "encode", "simulate", "sample"} & set(jobs)
    # one method's own option: that method's design (and what reads it) reruns, no other
    config.write_text(config.read_text().replace("  steps: 21", "  steps: 20").replace(
        "design:\n", "design:\n  anneal: {proposals: 4}\n"))
    jobs = job_counts(snakemake(finished_run, "-n", "--cores", "1").stdout)
    assert jobs["design"] == 1 and jobs["motifs_design"] == 1 and "report_html" in jobs
    assert not {"train_generator", "train_predictor", "motifs_data"} & set(jobs)
    # a motif setting the data set does not use (a labelled one is ranked, not subsampled) reruns no search
    config.write_text(config.read_text().replace("motifs: {top: 100,", "motifs: {max_sequences: 50, top: 100,"))
    assert "motifs_data" not in job_counts(snakemake(finished_run, "-n", "--cores", "1").stdout)


@pytest.mark.slow
def test_report_archive_builds_offline(finished_run):
    import zipfile

    results = finished_run / "results" / "it's tiny"
    logos = results / "motifs" / "predictor" / "logos"  # the tiny predictor learns no motif: one stands in for it
    if not any(logos.glob("*.png")):
        shutil.copy(next((results / "design").glob("*/motifs/logos/*.png")), logos / "predictor-1.png")
    snakemake(finished_run, "--report", str(finished_run / "report.zip"))
    archive = zipfile.ZipFile(finished_run / "report.zip")
    text = archive.read("report/report.html").decode()
    assert (finished_run / "report.zip").stat().st_size > 10_000
    assert re.search(r"motifs discovered in the [\w-]+ designs of", text)  # the design motifs are in it, captioned
    assert re.search(r"tiny: [\w-]+ designs\": \[", text)  # the designs' logos apart from the data's, by method
    assert "the motifs the predictor of" in text and re.search(r"tiny: the predictor\": \[", text)  # its logos


@pytest.mark.slow
def test_a_deleted_summary_the_report_reads_is_made_again(finished_run):
    """design.json, motifs.tsv, params.json and the predictor's metrics.json are outputs and report inputs: deleted,
    their job runs again (they were undeclared: the report ran alone and noted them missing)."""
    results = finished_run / "results" / "it's tiny"
    deleted = [results / "design" / "anneal" / "design.json", results / "motifs" / "params.json",
               results / "predictor" / "metrics.json"]
    kept = {path: path.read_bytes() for path in deleted}
    for path in deleted:
        path.unlink()
    try:
        jobs = job_counts(snakemake(finished_run, "-n", "--cores", "1").stdout)
        assert jobs["design"] >= 1 and jobs["motifs_data"] == 1 and jobs["train_predictor"] == 1
        assert jobs["report_html"] == 1
    finally:
        for path, data in kept.items():
            path.write_bytes(data)
