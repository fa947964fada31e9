"""The Snakemake workflow: lint, schema errors, the whole chain on tiny data, no-op reruns, targeted reruns."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from seqgen.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / ".test" / "config" / "config.yaml"


def snakemake(workdir, *args, check=True):
    env = {**os.environ, "XDG_CACHE_HOME": str(Path(workdir) / ".cache"), "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory",
                             str(workdir), *args], capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(result.stdout[-3000:] + result.stderr[-3000:])
    return result


def job_counts(output: str) -> dict:
    if "Job stats" not in output:  # nothing to be done
        return {}
    table = output[output.index("Job stats"):].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def make_workdir(tmp_path, text):
    (tmp_path / "config").mkdir(parents=True)
    (tmp_path / "config" / "config.yaml").write_text(text)
    return tmp_path


def test_the_default_profile_is_found_next_to_the_snakefile(tmp_path):
    out = snakemake(make_workdir(tmp_path, TEST_CONFIG.read_text()), "-n", "--cores", "1")
    log = out.stdout + out.stderr
    assert "Using workflow specific profile" in log and "profiles/default" in log


def test_lint_passes():
    result = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "XDG_CACHE_HOME": "/tmp/seqgen-xdg"})
    assert result.returncode == 0 and "good condition" in result.stdout + result.stderr


def test_default_config_plans_the_whole_chain(tmp_path):
    workdir = make_workdir(tmp_path, (ROOT / "config" / "config.yaml").read_text())
    jobs = job_counts(snakemake(workdir, "-n", "--cores", "1").stdout)
    for rule in ("simulate", "encode", "train_generator", "sample", "evaluate_generator", "train_predictor",
                 "score_samples", "design", "motifs_data", "motifs_design", "report_html"):
        assert jobs.get(rule, 0) >= 1, rule


def test_a_configfile_replaces_the_demo_config(tmp_path):
    workdir = make_workdir(tmp_path, (ROOT / "config" / "config.yaml").read_text())
    mine = tmp_path / "mine.yaml"
    mine.write_text(TEST_CONFIG.read_text())
    out = snakemake(workdir, "-n", "--cores", "1", "--configfile", str(mine)).stdout
    assert "results/tiny/report.html" in out and "results/demo" not in out
    demo = snakemake(workdir, "-n", "--cores", "1", "--config", "seed=1").stdout  # --config alone keeps the demo
    assert "results/demo/report.html" in demo


def test_invalid_config_names_the_key(tmp_path):
    text = TEST_CONFIG.read_text().replace("n: 16", "n: sixteen")
    result = snakemake(make_workdir(tmp_path, text), "-n", "--cores", "1", check=False)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "instance['design']['n']" in out and "'sixteen' is not of type 'integer'" in out
    unknown = TEST_CONFIG.read_text() + "colour: blue\n"
    result = snakemake(make_workdir(tmp_path / "b", unknown), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "'colour' was unexpected" in result.stdout + result.stderr
    design = TEST_CONFIG.read_text().replace("design:\n", "design:\n  anneal: {propsals: 4}\n")
    result = snakemake(make_workdir(tmp_path / "c", design), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "'propsals' was unexpected" in result.stdout + result.stderr  # at once
    method = TEST_CONFIG.read_text().replace("design:\n", "design:\n  fast_seqprop: {polish: 5}\n")
    result = snakemake(make_workdir(tmp_path / "d", method), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "'fast_seqprop' was unexpected" in result.stdout + result.stderr
    for i, name in enumerate(["'-n'", "'..'", "'a/b'", "''", "'{x}'"]):  # names no results folder can have
        odd = TEST_CONFIG.read_text().replace("  tiny:", f"  {name}:")
        result = snakemake(make_workdir(tmp_path / f"n{i}", odd), "-n", "--cores", "1", check=False)
        assert result.returncode != 0 and "does not match" in result.stdout + result.stderr, name
    label = TEST_CONFIG.read_text().replace("label: signal", "label: intensity")
    result = snakemake(make_workdir(tmp_path / "l", label), "-n", "--cores", "1", check=False)
    assert "data set 'tiny' is simulated: its label is signal, not 'intensity'" in result.stdout + result.stderr
    model = TEST_CONFIG.read_text().replace("predictor: {steps: 80,", "predictor: {stepz: 80,")
    result = snakemake(make_workdir(tmp_path / "e", model), "-n", "--cores", "1", check=False)
    assert result.returncode != 0  # at once, not when train_predictor runs after the generators
    assert "data set 'tiny': config predictor: unknown setting 'stepz' for predictor" in result.stdout + result.stderr
    simulated = "    simulate: {motif: MA0472.2, n: 600, length: 30, noise: 0.15, seed: 0}\n"
    dream5 = TEST_CONFIG.read_text().replace(simulated, "    input: p.txt\n    format: dream5\n").replace(
        "signal", "intensity")
    result = snakemake(make_workdir(tmp_path / "p", dream5), "-n", "--cores", "1", check=False)
    assert "its label 'intensity' is not among the columns it reads (signal, background)\n" in result.stdout
    unused = TEST_CONFIG.read_text().replace("[vae, gan]", "[vae]").replace("gan: {steps: 10,", "gan: {stepz: 10,")
    result = snakemake(make_workdir(tmp_path / "u", unused), "-n", "--cores", "1", check=False)
    assert "data set 'tiny': config gan: unknown setting 'stepz'" in result.stdout + result.stderr  # a block not used
    for i, (old, new, message) in enumerate((
            ("    label: signal\n", "    label: signal\n    input: x.fa\n", "give either simulate (a demo from a "
                                                                          "JASPAR motif) or input (a file)"),
            ("    label: signal\n", "    label: signal\n    mutants: m.txt\n", "scores mutants: that needs an "
                                                                              "alignment (format: a2m)"),
            ("vae: {steps: 60,", "vae: {seed: 5, steps: 60,", "'seed' in a vae block is not used"),
            ("generators: [vae, gan]", "generators: []", "should be non-empty"),
            ("  n: 16\n", "  n: 16\n  lr: -1\n", "'lr' was unexpected"),
            ("predictor: {steps: 80,", "predictor: {lr: -0.1, steps: 80,", "setting 'lr' must be positive"),
            ("    simulate: {motif: MA0472.2, n: 600, length: 30, noise: 0.15, seed: 0}\n", "    input: probes.txt\n",
             "probes.txt: cannot tell the format from the extension; pass format: in the data set's config"),
            ("    simulate: {motif: MA0472.2, n: 600, length: 30, noise: 0.15, seed: 0}\n", "    input: p.fa\n",
             "data set 'tiny': p.fa: a fasta file has no label columns to read signal from"))):
        bad = TEST_CONFIG.read_text().replace(old, new)
        assert bad != TEST_CONFIG.read_text()
        result = snakemake(make_workdir(tmp_path / f"c{i}", bad), "-n", "--cores", "1", check=False)
        assert result.returncode != 0 and message in result.stdout + result.stderr, message


def test_a_label_that_encoding_does_not_read_is_refused_at_start(tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "peaks.csv").write_text("id,sequence,bound\na,ACGTACGT,1\nb,TTGCAACG,0\n")
    config = TEST_CONFIG.read_text().replace(
        "    simulate: {motif: MA0472.2, n: 600, length: 30, noise: 0.15, seed: 0}\n",
        "    input: peaks.csv\n    label_columns: [bound]\n").replace("label: signal", "label: other")
    result = snakemake(make_workdir(tmp_path / "w", config), "-n", "--cores", "1", check=False)
    assert result.returncode != 0
    assert "its label 'other' is not among the columns it reads (bound): add it to label_columns" in \
        result.stdout + result.stderr


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


def test_the_schema_knows_every_design_option():
    """`design.<method>` accepts exactly the options of `seqgen design` that the workflow does not set itself."""
    import argparse

    import yaml

    from seqgen.design.command import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = {a.dest for a in parser._actions if a.option_strings} - {
        "help", "predictor", "generator", "method", "data", "out", "linker", "seed", "device"}
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert set(schema["$defs"]["design_method"]["properties"]) == options


def test_gpu_jobs_ask_for_a_gpu_on_their_partition_only_with_gpu_true(tmp_path):
    workdir = make_workdir(tmp_path, TEST_CONFIG.read_text())
    target = "results/tiny/predictor/model.pt"
    out = snakemake(workdir, "-n", "--cores", "1", target, "--config", "gpu=true", "gpu_partition=gpu").stdout
    assert "gpu=1, slurm_partition=gpu" in out  # --config gives the string 'true': read as the boolean
    out = snakemake(workdir, "-n", "--cores", "1", target, "--config", "gpu=false").stdout
    assert "gpu=1" not in out and "slurm_partition" not in out


def test_design_options_of_value_zero_reach_the_command(tmp_path):
    text = TEST_CONFIG.read_text().replace(
        "  steps: 20\n", "  steps: 20\n  anneal: {target: 0, max_edits: 0, start: %s, guide_temperature: 0, "
        "guided: true, combine: false}\n" % ("ACGT" * 7 + "AC"))
    out = snakemake(make_workdir(tmp_path, text), "-n", "-p", "--cores", "1",
                    "results/tiny/design/anneal/designs.fasta")
    command = next(line for line in out.stdout.splitlines() if "seqgen design" in line and "anneal" in line)
    for words in ("--target 0 ", "--max-edits 0 ", "--guide-temperature 0 ", "--guided "):
        assert words in command + " ", words
    assert "--combine" not in command
    from seqgen.design.command import LONG_RUN

    softmax = next(line for line in snakemake(tmp_path, "-n", "-p", "--cores", "1", "results/tiny/design/softmax/"
                                              "designs.fasta").stdout.splitlines() if "seqgen design" in line)
    assert f"--max-homopolymer {LONG_RUN} " in softmax  # DNA designs' default, not set in the config


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """The tiny chain, on a data set whose name has a space and a quote (shell quoting is tested too)."""
    workdir = tmp_path_factory.mktemp("workflow")
    text = TEST_CONFIG.read_text().replace("  tiny:", "  \"it's tiny\":")
    make_workdir(workdir, text)
    snakemake(workdir, "--cores", "2")
    return workdir


@pytest.mark.slow
def test_whole_chain_on_tiny_data(finished_run):
    results = finished_run / "results" / "it's tiny"
    for name in ("data.npz", "generator/vae/evaluation.json", "generator/gan/samples.fasta", "predictor/model.pt",
                 "generator/vae/samples.tsv",
                 "design/fast-seqprop/designs.tsv", "design/latent/designs.fasta", "motifs/tomtom.tsv",
                 "report.html"):
        assert (results / name).is_file(), name
    html = (results / "report.html").read_text()
    assert "<img" in html and "fast-seqprop" in html and "http://" not in html.replace("http://www.w3.org", "")
    scores = pd.read_csv(results / "generator" / "gan" / "samples.tsv", sep="\t")  # the predictor's, of the samples
    assert list(scores.columns) == ["id", "sequence", "mean", "std"] and len(scores) == 100
    assert scores["mean"].notna().all() and scores["std"].gt(0).all()  # a 2-member ensemble disagrees a little


@pytest.mark.slow
def test_second_run_is_a_no_op_and_design_changes_rerun_only_downstream(finished_run):
    assert "Nothing to be done" in snakemake(finished_run, "-n", "--cores", "1").stdout
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

    snakemake(finished_run, "--report", str(finished_run / "report.zip"))
    archive = zipfile.ZipFile(finished_run / "report.zip")
    text = archive.read("report/report.html").decode()
    assert (finished_run / "report.zip").stat().st_size > 10_000
    assert re.search(r"motifs discovered in the [\w-]+ designs of", text)  # the design motifs are in it, captioned


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


PROTEIN_CONFIG = """\
datasets:
  family:
    input: family.a2m
    format: a2m
    alphabet: protein-gap
    mutants: mutants.txt
    vae: {arch: mlp, steps: 200, encoder_hidden: [64, 64], decoder_hidden: [32, 64], latent_dim: 4}
device: cpu
generators: [vae]
vae: {steps: 60, batch_size: 64, kl_warmup: 50}
sample: {n: 50}
design:
  methods: [fast-seqprop, latent]
  n: 8
  steps: 30
  latent: {diversity: 10}
motifs: {top: 100, n_motifs: 2}
mutations: {samples: 100}
report: {top: 5}
"""


def write_family(path, n=200, length=30, seed=0):
    """A synthetic alignment (A2M, focus first, header NAME/1-L): three subfamilies of one profile, 15% noise.

    Also writes ``mutants.txt`` beside it: every substitution of focus residues 1-10 by A, D, K, W or Y."""
    import numpy as np

    rng = np.random.default_rng(seed)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY-"))
    base = rng.integers(0, 20, length)
    subfamilies = [np.where(rng.random(length) < 0.5, base, rng.integers(0, 20, length)) for _ in range(3)]
    records = [f">FOCUS/1-{length}\n{''.join(letters[subfamilies[0]])}"]
    for i in range(1, n):
        seq = np.where(rng.random(length) < 0.85, subfamilies[rng.integers(3)], rng.integers(0, 21, length))
        records.append(f">seq{i}/1-{length}\n{''.join(letters[seq])}")
    Path(path).write_text("\n".join(records) + "\n")
    focus = records[0].split("\n")[1]
    mutants = [f"{focus[i]}{i + 1}{m}" for i in range(10) for m in "ADKWY" if m != focus[i]]
    (Path(path).parent / "mutants.txt").write_text("\n".join(mutants) + "\n")


def test_protein_config_errors_name_the_data_set(tmp_path):
    no_objective = PROTEIN_CONFIG.replace("    alphabet: protein-gap\n", "    alphabet: protein-gap\n    naturalness: 0\n")
    result = snakemake(make_workdir(tmp_path / "a", no_objective), "-n", "--cores", "1", check=False)
    assert result.returncode != 0
    assert "data set 'family' has no label: design needs naturalness > 0" in result.stdout + result.stderr
    bad_arch = PROTEIN_CONFIG.replace("{arch: mlp,", "{arch: transformer,")
    result = snakemake(make_workdir(tmp_path / "b", bad_arch), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "'transformer' is not one of ['conv', 'mlp']" in result.stdout + result.stderr


@pytest.mark.slow
def test_protein_family_runs_end_to_end(tmp_path):
    """An alignment without labels: family VAE, no predictor, designs for the VAE's ELBO, protein logos, mutation
    effects, report."""
    import numpy as np
    import pandas as pd
    import torch

    from seqgen.data import one_hot
    from seqgen.generate import load_generator
    from seqgen.io import read_sequences

    workdir = make_workdir(tmp_path, PROTEIN_CONFIG)
    write_family(workdir / "family.a2m")
    result = snakemake(workdir, "--cores", "2")
    jobs = job_counts(result.stdout + result.stderr)
    assert "train_predictor" not in jobs and jobs["design"] == 2
    results = workdir / "results" / "family"
    assert not (results / "predictor").exists()
    assert list((results / "motifs" / "logos").glob("*.png"))
    html = (results / "report.html").read_text()
    assert "No predictor in this folder" in html and "no JASPAR comparison" in html
    assert html.count("objective: 1 x the generator VAE") == 2 and "<h2>Mutation effects</h2>" in html
    mutations = pd.read_csv(results / "mutations.tsv", sep="\t")
    assert len(mutations) >= 45 and mutations["vae"].corr(mutations["site_independent"], method="spearman") > 0.5
    model, _ = load_generator(results / "generator" / "vae")
    eps = torch.randn(64, model.latent_dim, generator=torch.Generator().manual_seed(0))

    def elbo(codes):
        with torch.no_grad():
            return model.elbo(torch.as_tensor(one_hot(codes, 21), dtype=torch.float32), eps).numpy()

    random = np.random.default_rng(1).integers(0, 21, size=(100, 30), dtype=np.uint8)
    for method in ("fast-seqprop", "latent"):
        designs = read_sequences(results / "design" / method / "designs.fasta", "protein-gap").codes
        assert len(designs) >= 2 and elbo(designs).min() > elbo(random).max() + 10, method


def test_encode_options_from_the_config(tmp_path):
    (tmp_path / "seqs.fa").write_text(">a\nACGTACGT\n>a\nACGTAC\n")
    text = (f"datasets:\n  mine:\n    input: {tmp_path / 'seqs.fa'}\n    lengths: pad\n    length: 10\n"
            "    duplicate_ids: keep\n")
    out = snakemake(make_workdir(tmp_path / "w", text), "-n", "-p", "--cores", "1", "results/mine/data.npz").stdout
    for option in ("--lengths pad", "--length 10", "--duplicate-ids keep"):  # the options sorted by name
        assert option in out, option


def test_the_jaspar_taxon_reaches_tomtom(tmp_path):
    text = TEST_CONFIG.read_text().replace("    label: signal\n", "    label: signal\n    jaspar_tax_group: all\n")
    out = snakemake(make_workdir(tmp_path / "a", text), "-n", "-p", "--cores", "1", "results/tiny/motifs/tomtom.tsv")
    command = next(line for line in out.stdout.splitlines() if "seqgen motifs" in line)
    assert "--jaspar-tax-group '' " in command  # every taxon
    text = TEST_CONFIG.read_text() + "motifs: {jaspar_tax_group: plants}\n"
    out = snakemake(make_workdir(tmp_path / "p", text.replace("motifs: {top: 100, n_motifs: 2}\n", "")), "-n", "-p",
                    "--cores", "1", "results/tiny/design/anneal/motifs/tomtom.tsv")
    command = next(line for line in out.stdout.splitlines() if "seqgen motifs" in line)
    assert "--jaspar-tax-group plants " in command
