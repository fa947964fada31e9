"""The workflow on a protein family alignment: config errors, and the chain end to end without a predictor."""
from pathlib import Path

import pytest

from workflow_helpers import job_counts, make_workdir, planned_jobs, snakemake


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



def test_mutants_are_scored_by_the_family_vae_and_reach_the_report_without_a_predictor(tmp_path):
    """The protein config's dry run: the score_mutants job's files and command, and what the report waits for."""
    workdir = make_workdir(tmp_path, PROTEIN_CONFIG)
    write_family(workdir / "family.a2m")
    jobs = planned_jobs(snakemake(workdir, "-n", "-p", "--cores", "1", "--config", "seed=3").stdout)
    rules = [job["rule"] for job in jobs]
    assert "train_predictor" not in rules and "score_samples" not in rules and rules.count("score_mutants") == 1
    r = "results/family"
    score = next(job for job in jobs if job["rule"] == "score_mutants")
    assert (score["input"], score["output"]) == ([f"{r}/generator/vae/model.pt", "mutants.txt"],
                                                 [f"{r}/mutations.tsv"])
    assert score["command"] == (f"seqgen score-mutants --model {r}/generator/vae --mutants mutants.txt --samples 100 "
                                f"--seed 3 --device cpu --out {r}/mutations.tsv 2> {r}/logs/score_mutants.log")
    report = next(job for job in jobs if job["rule"] == "report_html")
    assert f"{r}/mutations.tsv" in report["input"] and not any("predictor" in path for path in report["input"])
    motifs = next(job for job in jobs if job["rule"] == "motifs_data")
    assert motifs["input"] == [f"{r}/data.npz"] and "--max-sequences 2000 " in motifs["command"]
    assert "--top" not in motifs["command"] and "--predictor" not in motifs["command"]
    design = next(job for job in jobs if job["rule"] == "design" and job["wildcards"]["method"] == "fast-seqprop")
    assert design["input"] == [f"{r}/data.npz", f"{r}/generator/vae/model.pt"]
    assert f"--naturalness 1.0 --out {r}/design/fast-seqprop/designs.fasta" in design["command"]


def test_measured_columns_of_the_mutants_reach_score_mutants(tmp_path):
    config = PROTEIN_CONFIG.replace("    mutants: mutants.txt\n",
                                    "    mutants: scan.csv\n    mutants_measured: [fitness, 2500]\n")
    workdir = make_workdir(tmp_path, config)
    write_family(workdir / "family.a2m")
    names = (workdir / "mutants.txt").read_text().split()
    (workdir / "scan.csv").write_text("mutant,fitness,2500\n" + "".join(f"{m},0.5,1\n" for m in names))
    jobs = planned_jobs(snakemake(workdir, "-n", "-p", "--cores", "1").stdout)
    score = next(job for job in jobs if job["rule"] == "score_mutants")
    assert " --device cpu --measured fitness --measured 2500 --out " in score["command"]


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
