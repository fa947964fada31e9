"""Bad input to every command: one line naming the file or key and the problem, exit 1, no output, inputs untouched."""
import hashlib
import json
import math
import os
import stat

import numpy as np
import pandas as pd
import pytest
import torch

from seqgen.alphabets import decode, encode
from seqgen.cli import build_parser, main
from seqgen.data import SequenceSet, one_hot
from seqgen.errors import SeqgenError
from seqgen.io import write_fasta
from seqgen.predict import load_predictor


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny data set (30 nt) and a predictor and a VAE trained on it for a few steps."""
    root = tmp_path_factory.mktemp("models")
    assert main(["simulate", "--n", "200", "--length", "30", "--out", str(root / "sim.tsv")]) == 0
    assert main(["encode", str(root / "sim.tsv"), "--label-column", "signal", "--out", str(root / "data.npz")]) == 0
    for kind in ("predictor", "vae"):
        assert main(["train", kind, "--data", str(root / "data.npz"), "--out", str(root / kind), "--steps", "4",
                     "--no-progress", "--set", "members=2" if kind == "predictor" else "beta=1.0"]) == 0
    rng = np.random.default_rng(0)
    write_fasta(root / "len35.fa", ["a", "b"], decode(rng.integers(0, 4, (2, 35)).astype(np.uint8), "dna"))
    assert main(["encode", str(root / "len35.fa"), "--out", str(root / "len35.npz")]) == 0
    write_fasta(root / "protein.fa", ["p"], ["MKVLAAGHTREWQLKMNPQRSTVWYACDEF"])
    assert main(["encode", str(root / "protein.fa"), "--alphabet", "protein", "--out", str(root / "protein.npz")]) == 0
    small = ["--steps", "1", "--no-progress", "--set", "channels=8", "--set", "blocks=1", "--set", "latent_dim=4"]
    assert main(["train", "gan", "--data", str(root / "data.npz"), "--out", str(root / "gan"), *small,
                 "--set", "critic_steps=1"]) == 0
    assert main(["train", "vae", "--data", str(root / "len35.npz"), "--out", str(root / "vae35"), *small]) == 0
    (root / "junk.pt").write_bytes(b"not a checkpoint at all")
    (root / "twice.yaml").write_text("steps: 3000\nlr: 0.001\nsteps: 2\n")
    write_fasta(root / "one.fa", ["a"], ["ACGTACGTACGTACGTACGTACGTACGTAC"])

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(root / "pwned"),))

    torch.save({"format": "seqgen", "kind": "predictor", "config": Evil()}, root / "evil.pt")
    return root


def cases(m, out):
    """(name, argv, expected message fragment)."""
    d, p, v = str(m / "data.npz"), str(m / "predictor"), str(m / "vae")
    return [
        ("sample: junk checkpoint", ["sample", "--model", str(m / "junk.pt"), "--n", "5", "--out", out],
         "not a seqgen checkpoint"),
        ("predict: malicious pickle", ["predict", "--model", str(m / "evil.pt"), "--input", d, "--out", out],
         "refused to load"),
        ("sample: a predictor is not a generator", ["sample", "--model", p, "--n", "5", "--out", out],
         "holds a predictor model"),
        ("sample: no sequences", ["sample", "--model", v, "--n", "0", "--out", out], "--n must be positive, not 0"),
        ("design: a vae is not a predictor", ["design", "--predictor", v, "--out", out], "holds a vae model"),
        ("design: --avoid-below without --avoid", ["design", "--predictor", p, "--avoid-below", "0.5", "--out", out],
         "--avoid-below needs an --avoid predictor"),
        ("predict: wrong length", ["predict", "--model", p, "--input", str(m / "len35.fa"), "--out", out],
         "length"),
        ("predict: wrong alphabet", ["predict", "--model", p, "--input", str(m / "protein.fa"), "--out", out],
         "not a letter of the dna alphabet"),
        ("train: unknown setting", ["train", "vae", "--data", d, "--out", out, "--set", "colour=blue"],
         "unknown setting 'colour'"),
        ("train: wrong type", ["train", "vae", "--data", d, "--out", out, "--set", "latent_dim=big"],
         "setting 'latent_dim' must be an integer"),
        ("train: negative steps", ["train", "predictor", "--data", d, "--out", out, "--steps", "-3"],
         "steps must be positive"),
        ("train: data is not an npz", ["train", "vae", "--data", str(m / "sim.tsv"), "--out", out],
         "not a seqgen data file"),
        ("design: zero steps", ["design", "--predictor", p, "--steps", "0", "--out", out], "steps must be positive"),
        ("design: --target with --direction max", ["design", "--predictor", p, "--direction", "max", "--target", "5",
                                                   "--out", out], "cannot be combined with --direction max"),
        ("design: negative learning rate", ["design", "--predictor", p, "--lr", "-1", "--out", out],
         "--lr must be positive, not -1.0"),
        ("design: no ELBO samples", ["design", "--predictor", p, "--naturalness-samples", "0", "--out", out],
         "--naturalness-samples must be positive"),
        ("design: an empty forbidden k-mer", ["design", "--predictor", p, "--forbid", "", "--out", out],
         "a forbidden k-mer is empty"),
        ("design: an entropy floor above the maximum", ["design", "--predictor", p, "--entropy", "5", "--out", out],
         "at most ln 4 = 1.39"),
        ("design: a linker holding a forbidden site", ["design", "--predictor", p, "--forbid", "GAATTC", "--linker",
                                                       "ttgaattcaa", "--out", out],
         "the linker itself holds a forbidden k-mer"),
        ("design: impossible constraints", ["design", "--predictor", p, "--n", "4", "--steps", "2", "--gc-min", "0.9",
                                            "--forbid", "GG", "--forbid", "CC", "--forbid", "GC", "--forbid", "CG",
                                            "--out", out], "no design satisfies the constraints"),
        ("design: --out named as a file written beside it", ["design", "--predictor", p, "--out",
                                                              os.path.join(os.path.dirname(out), "designs.tsv")],
         "designs.tsv is a file written beside it"),
        ("design: fixed pattern of the wrong length", ["design", "--predictor", p, "--fixed", "ACGT", "--out", out],
         "--fixed pattern has length 4"),
        ("design: --combine with --mutations", ["design", "--predictor", p, "--method", "anneal", "--combine",
                                                "--mutations", "2", "--out", out], "cannot be used with mutations > 1"),
        ("design: latent without a generator", ["design", "--predictor", p, "--method", "latent", "--out", out],
         "needs --generator"),
        ("design: --direction target without --target", ["design", "--predictor", p, "--direction", "target", "--out",
                                                          out], "--direction target needs --target VALUE"),
        ("design: an entropy floor of exactly ln 4", ["design", "--predictor", p, "--entropy", repr(math.log(4)),
                                                      "--out", out], "at most ln 4 = 1.39"),
        ("design: training data of another alphabet", ["design", "--predictor", p, "--data", str(m / "protein.npz"),
                                                       "--out", out],
         "--data holds protein of length 30, but the design is for dna of length 30"),
        ("design: a generator of another length", ["design", "--predictor", p, "--generator", str(m / "vae35"),
                                                   "--method", "latent", "--out", out],
         "generator makes dna of length 35, but the predictor scores dna of length 30"),
        ("design: --naturalness with a gan", ["design", "--predictor", p, "--generator", str(m / "gan"),
                                              "--naturalness", "1", "--out", out],
         "--naturalness needs a vae, not a gan"),
        ("design: training data is not an npz", ["design", "--predictor", p, "--data", str(m / "sim.tsv"),
                                                  "--out", out], "not a seqgen data file"),
        ("design: training data of another length", ["design", "--predictor", p, "--data", str(m / "len35.npz"),
                                                     "--out", out],
         "--data holds dna of length 35, but the design is for dna of length 30"),
        ("train: a FASTA where data.npz is expected", ["train", "vae", "--data", str(m / "len35.fa"), "--out",
                                                        str(m / "x")], "encode it first with 'seqgen encode'"),
        ("evaluate: missing query", ["evaluate", "--reference", d, "--query", str(m / "nope.fa"), "--out", out],
         "no such file"),
        ("train: --out is a file", ["train", "vae", "--data", d, "--out", d, "--steps", "2"],
         "data.npz: cannot write output: it is a file, not a folder"),
        ("train: --out under a file", ["train", "vae", "--data", d, "--out", d + "/m", "--steps", "2"],
         "cannot make the folder ("),
        ("motifs: --out is a file", ["motifs", "--input", d, "--out", d], "it is a file, not a folder"),
        ("simulate: an unknown JASPAR release", ["simulate", "--n", "10", "--jaspar-release", "JASPAR1999", "--out",
                                                 out], "unknown JASPAR release 'JASPAR1999'; pyjaspar offers"),
        ("predict: batch size 0", ["predict", "--model", p, "--input", d, "--out", out, "--batch-size", "0"],
         "--batch-size must be at least 1, not 0"),
        ("train: a config giving a key twice", ["train", "vae", "--data", d, "--out", out, "--config",
                                                str(m / "twice.yaml")], "twice.yaml: 'steps' is given twice (lines 1 "
                                                                          "and 3); keep one"),
        ("encode: an output not named .npz", ["encode", str(m / "len35.fa"), "--out", out],
         "result.file: encode writes a NumPy archive: name the output *.npz"),
        ("sample: an output named .npz", ["sample", "--model", v, "--n", "5", "--out", out + ".npz"],
         "result.file.npz: this command writes FASTA, not an encoded .npz: name it .fasta"),
        ("simulate: an output named .npz", ["simulate", "--n", "20", "--out", out + ".npz"],
         "this command writes a TSV table (id, sequence, signal), not an encoded .npz: name it .tsv"),
        ("evaluate: one query sequence", ["evaluate", "--reference", d, "--query", str(m / "one.fa"), "--out", out],
         "one.fa: --query holds 1 sequence; evaluation needs at least 2"),
        ("report: --results is a file", ["report", "--results", d, "--out", out], "is a file, not a results folder"),
        ("evaluate: training of another length", ["evaluate", "--reference", d, "--query", d, "--training",
                                                  str(m / "len35.fa"), "--out", out],
         "len35.fa: --training holds dna sequences of length 35, but --reference"),
        ("evaluate: a query of another length", ["evaluate", "--reference", d, "--query", str(m / "len35.npz"),
                                                 "--out", out],
         "len35.npz: --query holds dna sequences of length 35, but --reference"),
    ]


CASE_NAMES = [c[0] for c in cases(__import__("pathlib").Path("x"), "y")]


@pytest.mark.parametrize("index", range(len(CASE_NAMES)), ids=CASE_NAMES)
def test_command_errors(models, tmp_path, capsys, index):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "new" / "result.file"  # in a folder the command would make
    name, argv, message = cases(models, str(out))[index]
    before = digest(models)
    status = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1, name
    assert len(err) == 1 and message in err[0], err
    assert list((tmp_path / "out").iterdir()) == []  # nothing written, no empty folder made
    assert digest(models) == before  # inputs untouched
    assert not (models / "pwned").exists()


def test_output_in_a_read_only_folder(models, tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        status = main(["sample", "--model", str(models / "vae"), "--n", "3", "--out", str(folder / "s.fa")])
        assert status == 1 and "not writable" in capsys.readouterr().err
    finally:
        folder.chmod(stat.S_IRWXU)


def test_same_seed_gives_byte_identical_designs(models, tmp_path):
    paths = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        out = tmp_path / run / "designs.fasta"
        assert main(["design", "--predictor", str(models / "predictor"), "--n", "8", "--steps", "10", "--seed", "3",
                     "--out", str(out)]) == 0
        paths.append(out)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert (tmp_path / "a" / "designs.tsv").read_bytes() == (tmp_path / "b" / "designs.tsv").read_bytes()


def test_motifs_with_a_predictor_writes_its_own_folder(models, tmp_path, capsys):
    out = tmp_path / "motifs"
    args = ["motifs", "--input", str(models / "data.npz"), "--top", "50", "--n-motifs", "2", "--out", str(out)]
    assert main([*args, "--predictor", str(models / "predictor")]) == 0
    assert (out / "motifs.meme").is_file() and (out / "predictor" / "motifs.meme").is_file()
    found = pd.read_csv(out / "predictor" / "motifs.tsv", sep="\t")  # a header even when nothing was found
    assert (out / "predictor" / "motifs.meme").read_text().count("MOTIF") == len(found)
    length = np.load(models / "data.npz")["codes"].shape[1]
    assert (f"predictor motifs: in-silico mutagenesis of 50 sequences ({50 * length * 3:,} single-letter changes)"
            in capsys.readouterr().err)  # said before the long part starts
    from seqgen.report import build_report

    results = tmp_path / "results"  # a results folder, as the workflow's: does its report show predictor motifs?
    motifs = ["motifs", "--input", str(models / "data.npz"), "--top", "50", "--n-motifs", "2", "--out",
              str(results / "motifs")]
    assert main([*motifs, "--predictor", str(models / "predictor")]) == 0
    assert "Motifs the predictor learned" in build_report(results)[0]
    assert main(motifs) == 0  # again without the predictor (the workflow's motifs.predictor: false)
    assert "Motifs the predictor learned" not in build_report(results)[0]  # the earlier run's are not this run's
    assert (results / "motifs" / "predictor" / "motifs.meme").is_file()  # and nothing of the folder is deleted


def test_predictor_motifs_are_listed_and_those_too_short_for_sites_named(models, tmp_path, capsys, monkeypatch):
    """The predictor's motifs get a line each, as the data's, and a 6-wide one that cannot reach --site-p (its
    sites.tsv lists none) is named, where before only 'N predictor motifs' was said."""
    import seqgen.interpret
    from seqgen.alphabets import DNA
    from seqgen.motifs import Motif

    pwm = np.full((4, 6), 0.02)
    pwm[encode(["TATAAT"], DNA)[0], np.arange(6)] = 0.94
    monkeypatch.setattr(seqgen.interpret, "attribution_motifs", lambda *a, **k: [Motif("predictor-1", pwm, DNA)])
    assert main(["motifs", "--input", str(models / "data.npz"), "--top", "50", "--n-motifs", "1", "--out",
                 str(tmp_path / "m"), "--predictor", str(models / "predictor")]) == 0
    err = capsys.readouterr().err
    assert "\npredictor-1 TATAAT" in err and "1 predictor motif -> " in err
    assert "note: predictor-1 (TATAAT, best p 0.00024) cannot reach p < 0.0001 at any window" in err
    assert len(pd.read_csv(tmp_path / "m" / "predictor" / "sites.tsv", sep="\t")) == 0


def test_motifs_killed_in_the_predictor_search_leaves_no_earlier_predictor_motifs_as_this_runs(models, tmp_path,
                                                                                            monkeypatch):
    """The data's motifs (params.json naming the predictor) are written before the predictor's search: a run killed
    in that search must not leave an earlier run's motifs/predictor/ reported as this run's."""
    import seqgen.interpret
    from seqgen.report import build_report

    results = tmp_path / "results"
    args = ["motifs", "--input", str(models / "data.npz"), "--top", "50", "--n-motifs", "2", "--out",
            str(results / "motifs"), "--predictor", str(models / "predictor")]
    assert main(args) == 0 and "Motifs the predictor learned" in build_report(results)[0]

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(seqgen.interpret, "attribution_motifs", killed)
    assert main(args) == 130  # "seqgen motifs: interrupted"
    assert json.loads((results / "motifs" / "params.json").read_text())["predictor"] == str(models / "predictor")
    assert "Motifs the predictor learned" not in build_report(results)[0]  # the earlier run's: unfinished now


def test_motifs_refuses_a_predictor_of_another_length(models, tmp_path, capsys):
    assert main(["encode", str(models / "len35.fa"), "--out", str(tmp_path / "l35.npz")]) == 0
    status = main(["motifs", "--input", str(tmp_path / "l35.npz"), "--predictor", str(models / "predictor"),
                   "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err  # longer sequences: where their best windows are found instead
    assert status == 1 and "length 30, not 35: --predictor reads sequences of its length (seqgen predict --scan" in err
    assert not (tmp_path / "m").exists()  # refused before any output
    short = tmp_path / "short.fa"  # shorter sequences are padded to the model's length when asked
    write_fasta(short, [f"s{i}" for i in range(40)],
                decode(np.random.default_rng(1).integers(0, 4, (40, 24)).astype(np.uint8), "dna"))
    args = ["motifs", "--input", str(short), "--predictor", str(models / "predictor"), "--n-motifs", "1",
            "--out", str(tmp_path / "p")]
    assert main(args) == 1 and "length 30, not 24" in capsys.readouterr().err
    assert main(args + ["--lengths", "pad"]) == 0 and (tmp_path / "p" / "predictor" / "motifs.tsv").is_file()


def test_design_cli_takes_the_anti_collapse_options(models, tmp_path):
    out = tmp_path / "designs.fasta"
    assert main(["design", "--predictor", str(models / "predictor"), "--n", "8", "--steps", "300", "--seed", "1",
                 "--conservative", "1", "--entropy", "0.3", "--restart", "4", "--patience", "10",
                 "--freeze-offset", "--offset-limit", "1", "--polish", "2", "--out", str(out)]) == 0
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["restarts"] > 0  # chains stall within 4 steps on a small predictor now and then
    assert summary["stopped_at"] is not None and summary["stopped_at"] < 300
    assert summary["calls_per_sequence"] == summary["stopped_at"] + 2 * 8  # then 2 polish steps of 8 mutants


def test_design_cli_takes_the_guided_polish_and_the_plateau_rule(models, tmp_path):
    out = tmp_path / "designs.fasta"
    assert main(["design", "--predictor", str(models / "predictor"), "--n", "8", "--steps", "10", "--seed", "1",
                 "--polish", "100", "--proposals", "4", "--guided", "--guide-temperature", "0.5",
                 "--plateau", "0.05", "--plateau-window", "20", "--out", str(out)]) == 0
    summary = json.loads((tmp_path / "design.json").read_text())
    steps = summary["stopped_at"]  # the plateau rule ends the polish long before its 100 steps
    assert steps is not None and 10 < steps < 110
    assert summary["calls_per_sequence"] == 10 + (steps - 10) * 5  # each guided step: 4 mutants + the gradient


def test_design_cli_takes_multi_letter_mutants(models, tmp_path):
    out = tmp_path / "designs.fasta"
    assert main(["design", "--predictor", str(models / "predictor"), "--n", "8", "--steps", "5", "--seed", "1",
                 "--polish", "12", "--proposals", "1", "--guided", "--mutations", "3", "--out", str(out)]) == 0
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["calls_per_sequence"] == 5 + 12  # one call a polish step: its pass carries the gradient
    assert len(out.read_text().split(">")) > 1


def test_design_cli_avoid_below_caps_the_avoided_prediction(models, tmp_path):
    """The same predictor to raise and, twice as strongly, to keep below a level between its reachable low and
    high: the designs settle near that level instead of at either end."""
    p = str(models / "predictor")

    def run(name, *extra):
        (tmp_path / name).mkdir()
        assert main(["design", "--predictor", p, *extra, "--n", "16", "--steps", "60", "--seed", "1",
                     "--out", str(tmp_path / name / "d.fasta")]) == 0
        return pd.read_csv(tmp_path / name / "designs.tsv", sep="\t")

    high, low = (run(name, *extra)["score_label_mean"].mean() for name, extra in
                 (("high", ()), ("low", ("--direction", "min"))))
    level = (high + low) / 2  # on the label's scale, as designs.tsv and `seqgen predict` give it
    capped = run("capped", "--avoid", p, "--avoid-weight", "2", "--avoid-below", str(level))
    assert np.allclose(capped["score_label_mean"], capped["avoid1_label_mean"])
    assert abs(capped["score_label_mean"].mean() - level) < 0.25 * (high - low)
    hit = run("target", "--direction", "target", "--target", str(level))
    assert abs(hit["score_label_mean"].mean() - level) < 0.25 * (high - low)


def test_design_names_the_options_it_ignores_and_a_target_sets_the_direction(models, tmp_path, capsys):
    p, out = str(models / "predictor"), tmp_path / "designs.fasta"
    assert main(["design", "--predictor", p, "--method", "softmax", "--n", "4", "--steps", "3", "--samples", "4",
                 "--proposals", "3", "--prior-weight", "1", "--out", str(out)]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert [line.split()[1] for line in notes] == ["--samples", "--prior-weight", "--proposals"]
    assert "(--method softmax without --polish)" in notes[-1]
    assert main(["design", "--predictor", p, "--method", "anneal", "--n", "4", "--steps", "3", "--proposals", "3",
                 "--guided", "--out", str(out)]) == 0  # options of the method: no note
    assert "note:" not in capsys.readouterr().err
    assert main(["design", "--predictor", p, "--n", "8", "--steps", "40", "--out", str(out)]) == 0
    high = pd.read_csv(tmp_path / "designs.tsv", sep="\t")["score_label_mean"].mean()
    target = 0.8 * high
    assert main(["design", "--predictor", p, "--n", "8", "--steps", "40", "--target", str(target),
                 "--out", str(out)]) == 0
    reached = pd.read_csv(tmp_path / "designs.tsv", sep="\t")["score_label_mean"].mean()
    assert abs(reached - target) < 0.05 * high  # --target alone: reach it (not maximize)


def test_design_linker_is_read_in_capitals_and_long_runs_reach_into_it(models, tmp_path, capsys):
    out = tmp_path / "designs.fasta"
    fixed = "." * 25 + "GGGGG"
    assert main(["design", "--predictor", str(models / "predictor"), "--method", "anneal", "--n", "4", "--steps", "3",
                 "--fixed", fixed, "--linker", "ggggggac", "--out", str(out)]) == 0
    table = pd.read_csv(tmp_path / "designs.tsv", sep="\t")
    assert all(probe.endswith("GGGGGGGGGGGAC") for probe in table["probe"])
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["long_runs"] == len(table) and "have a run of more than 6" in capsys.readouterr().err


def test_design_warns_of_long_runs_unless_a_homopolymer_limit_is_set(models, tmp_path, capsys):
    fixed = "A" * 9 + "C" + "." * 20  # 30 nt with a fixed run of 9, so every design keeps it
    out = tmp_path / "a" / "designs.fasta"
    out.parent.mkdir()
    assert main(["design", "--predictor", str(models / "predictor"), "--n", "4", "--steps", "3", "--fixed", fixed,
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    n = len(pd.read_csv(out.parent / "designs.tsv", sep="\t"))
    assert f"{n} of {n} designs have a run of more than 6" in err and "--max-homopolymer 6" in err
    assert json.loads((out.parent / "design.json").read_text())["long_runs"] == n
    out = tmp_path / "b" / "designs.fasta"  # the user set a limit (here one the run respects): no warning
    out.parent.mkdir()
    assert main(["design", "--predictor", str(models / "predictor"), "--n", "4", "--steps", "3", "--fixed", fixed,
                 "--max-homopolymer", "9", "--out", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert json.loads((out.parent / "design.json").read_text())["long_runs"] is None


@pytest.mark.parametrize("setting", ["members", "filters", "layers"])
def test_a_predictor_of_nothing_is_refused(models, tmp_path, capsys, setting):
    assert main(["train", "predictor", "--data", str(models / "data.npz"), "--out", str(tmp_path / "p"),
                 "--set", f"{setting}=0", "--no-progress"]) == 1
    assert f"setting '{setting}' must be at least 1, not 0" in capsys.readouterr().err
    assert not (tmp_path / "p" / "model.pt").exists()


def test_a_missing_label_names_the_data_file(models, tmp_path, capsys):
    data = str(models / "data.npz")
    assert main(["train", "predictor", "--data", data, "--out", str(tmp_path / "p"), "--set", "label=nosuch",
                 "--no-progress"]) == 1
    assert f"{data}: no label 'nosuch'; the data set has signal" in capsys.readouterr().err


def test_every_command_help_shows_its_defaults():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, command in commands.items():
        command.format_help()  # formats every option's help: a stray % would raise here
        for action in command._actions:
            if action.option_strings and action.default is not None and action.default is not False \
                    and action.default not in ([], "==SUPPRESS==") and action.nargs != 0:
                assert action.help and "default" in action.help.lower(), (name, action.dest)
    design = commands["design"].format_help()
    assert "(default: fast-seqprop)" in design and "(default: 64)" in design
    assert "(default: 0)" in commands["simulate"].format_help()  # a default of 0 is shown too
    assert "(default: [])" not in design and "(default: False)" not in design  # nothing to show
    motifs = commands["motifs"].format_help()  # --site-p speaks of its default already
    assert "(default: FIMO's" in motifs and "(default: 0.0001)" not in motifs


def test_a_flag_shows_no_default():
    """``report --no-mutations`` (store_false) stores True when absent: '(default: True)' read as 'left out'."""
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, command in commands.items():
        text = command.format_help()
        assert "(default: True)" not in text and "(default: False)" not in text, name


def test_a_batch_above_the_data_size_draws_a_note(models, tmp_path, capsys):
    assert main(["train", "vae", "--data", str(models / "data.npz"), "--out", str(tmp_path / "v"), "--steps", "1",
                 "--batch-size", "1000", "--no-progress"]) == 0
    assert "note: batch_size 1000 is above the 200 sequences: every step draws 1000 of them with replacement, 5x " \
           "the data set" in capsys.readouterr().err
    assert main(["train", "vae", "--data", str(models / "data.npz"), "--out", str(tmp_path / "w"), "--steps", "1",
                 "--batch-size", "200", "--no-progress", "--set", "channels=8", "--set", "blocks=1"]) == 0
    assert "note: batch_size" not in capsys.readouterr().err  # a batch of the whole data set is not above it


def test_predict_says_how_many_sequences_it_dropped(models, tmp_path, capsys):
    write_fasta(tmp_path / "x.fa", ["a", "b"], ["ACGT" * 7 + "AC", "ACGN" * 7 + "AC"])
    assert main(["predict", "--model", str(models / "predictor"), "--input", str(tmp_path / "x.fa"), "--out",
                 str(tmp_path / "p.tsv"), "--ambiguous", "drop"]) == 0
    err = capsys.readouterr().err
    assert "1 of the 2 sequences have ambiguity codes and were dropped" in err and "predicted 1 sequence -> " in err
    assert len(pd.read_csv(tmp_path / "p.tsv", sep="\t")) == 1


def test_option_checks_before_any_work(tmp_path, capsys):
    """Checks made before a model or results folder is read: their bounds, and an --out that is a model folder's
    checkpoint."""
    model, other = tmp_path / "m", tmp_path / "other"
    model.mkdir()
    (tmp_path / "o").mkdir()
    out = str(tmp_path / "o" / "x.tsv")
    (tmp_path / "in.fa").write_text(">a\nACGT\n")
    os.link(tmp_path / "in.fa", tmp_path / "alias.fa")  # the input under another name
    for argv, message in [
            (["design", "--predictor", str(other), "--avoid", str(model), "--out", str(model / "model.pt")],
             f"--out is the --avoid file {str(model / 'model.pt')!r} that this command reads"),
            (["score-mutants", "--model", str(other), str(model), "--mutants", str(tmp_path / "mut.txt"), "--out",
              str(model / "checkpoint.pt")], "--out is the --model file"),
            (["predict", "--model", str(model), "--input", str(tmp_path / "in.fa"), "--out",
              str(tmp_path / "alias.fa")], "--out is the --input file"),
            (["score-mutants", "--model", str(model), "--mutants", str(tmp_path / "mut.txt"), "--out", out,
              "--samples", "0"], "--samples must be positive, not 0"),
            (["sample", "--model", str(model), "--n", "2", "--out", str(model / "checkpoint.pt")],
             f"--out is the --model file {str(model / 'checkpoint.pt')!r} that this command reads"),
            (["score-mutants", "--model", str(model), "--mutants", str(tmp_path / "mut.txt"), "--out", out,
              "--samples", "10", "--weight-samples", "-1"], "--weight-samples must lie in [0, --samples = 10], not -1"),
            (["score-mutants", "--model", str(model), "--mutants", str(tmp_path / "mut.txt"), "--out", out,
              "--samples", "10", "--weight-samples", "10"], "mut.txt: no such file"),  # 10 of 10 passes
            (["report", "--results", str(tmp_path), "--out", str(tmp_path / "o" / "r.html"), "--top", "0"],
             "--top must be at least 1, not 0")]:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    assert list((tmp_path / "o").iterdir()) == [] and (tmp_path / "alias.fa").read_text() == ">a\nACGT\n"


def test_designs_an_avoided_predictor_still_puts_above_its_level_are_counted_and_noted(models, tmp_path, capsys):
    """--avoid-below is a penalty, not a limit: design.json counts the designs each --avoid predictor still predicts
    above the level (avoidN_label_mean, as designs.tsv gives it) and a one-line note says so."""
    p, out = str(models / "predictor"), tmp_path / "designs.fasta"
    assert main(["design", "--predictor", p, "--avoid", p, "--avoid-below", "1", "--n", "6", "--steps", "2",
                 "--out", str(out)]) == 0  # the same predictor, raised and held below 1: it cannot be both
    table = pd.read_csv(tmp_path / "designs.tsv", sep="\t")
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["avoid_above"] == [int((table["avoid1_label_mean"] > 1).sum())] == [len(table)]
    assert f"{len(table)} of {len(table)} designs are predicted above --avoid-below 1 by {p}" in capsys.readouterr().err
    assert main(["design", "--predictor", p, "--avoid", p, "--n", "2", "--steps", "1", "--out", str(out)]) == 0
    assert json.loads((tmp_path / "design.json").read_text())["avoid_above"] is None  # no level, no count


def test_designs_are_placed_among_the_avoided_predictors_own_held_out_sequences(models, tmp_path, capsys):
    """design.json's avoid_held_out puts the designs' avoidN_label_mean among the avoided predictor's predictions of
    its own held-out sequences (its predictions.tsv); designs that minimize it lie below their median, designs that
    raise it (the main objective outweighs a light avoid weight) draw a note; a folder without held-out predictions
    gives null."""
    p = models / "predictor"
    held = pd.read_csv(p / "predictions.tsv", sep="\t")["predicted"].to_numpy()

    def run(name, *options):
        out = tmp_path / name / "designs.fasta"
        out.parent.mkdir()
        assert main(["design", *options, "--n", "16", "--steps", "40", "--seed", "1", "--out", str(out)]) == 0
        table = pd.read_csv(out.parent / "designs.tsv", sep="\t")
        return json.loads((out.parent / "design.json").read_text())["avoid_held_out"], table, capsys.readouterr().err

    (low,), table, err = run("low", "--predictor", str(p), "--direction", "min", "--avoid", str(p))
    designs = table["avoid1_label_mean"].to_numpy()
    assert low == {"held_out": "held-out sequences", "n_held_out": len(held),
                   "held_out_median": round(float(np.median(held)), 5),
                   "designs_median": round(float(np.median(designs)), 5),
                   "designs_median_percentile": round(float((held < np.median(designs)).mean()) * 100, 1),
                   "designs_below_held_out_median": int((designs < np.median(held)).sum()), "designs": 16}
    assert low["designs_below_held_out_median"] == 16 and low["designs_median_percentile"] < 20
    assert "below the median" not in err
    (high,), _, err = run("high", "--predictor", str(p), "--avoid", str(p), "--avoid-weight", "0.1")
    assert high["designs_below_held_out_median"] < 8 and high["designs_median_percentile"] > 50
    assert f"designs are predicted below the median of {p}'s {len(held)} held-out sequences" in err
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "model.pt").write_bytes((p / "model.pt").read_bytes())  # the model without its held-out predictions
    bare_entry, kept = run("none", "--predictor", str(p), "--avoid", str(bare), "--avoid", str(p))[0]
    assert bare_entry is None and kept["n_held_out"] == len(held)


def test_a_table_on_stdout_read_by_a_command_that_stops_early_ends_quietly(models, tmp_path):
    """predict --out - | head: once the reader closes the pipe, seqgen stops with exit status 141 (128 + SIGPIPE, as a
    shell tool) and no traceback."""
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    write_fasta(tmp_path / "many.fa", [f"s{i}" for i in range(20000)],
                decode(rng.integers(0, 4, (20000, 30)).astype(np.uint8), "dna"))  # far more than a pipe's buffer
    proc = subprocess.Popen([sys.executable, "-m", "seqgen.cli", "predict", "--model", str(models / "predictor"),
                             "--input", str(tmp_path / "many.fa"), "--out", "-", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().decode().split() == ["id", "sequence", "mean", "std"]
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and "Traceback" not in err and "BrokenPipe" not in err, err


def test_designs_tsv_fasta_and_summary_agree_with_the_objectives(models, tmp_path):
    """Utility = (mean - K std) of the predictor + w x (-mean - K std) of the --avoid one; the files and design.json
    say the same of each design."""
    p, out = str(models / "predictor"), tmp_path / "designs.fasta"
    assert main(["design", "--predictor", p, "--avoid", p, "--avoid-weight", "0.5", "--conservative", "0.7", "--linker",
                 "acgt", "--n", "6", "--steps", "4", "--seed", "2", "--data", str(models / "data.npz"),
                 "--out", str(out)]) == 0
    table = pd.read_csv(tmp_path / "designs.tsv", sep="\t")
    expected = table["score_mean"] - 0.7 * table["score_std"] \
        + 0.5 * (-table["avoid1_mean"] - 0.7 * table["avoid1_std"])
    assert len(table) > 1 and np.allclose(table["utility"], expected, atol=5e-5)
    assert table["score_std"].min() > 0 and np.allclose(table["avoid1_label_mean"], table["score_label_mean"])
    assert table["id"].tolist() == [f"fast-seqprop_{i + 1}" for i in range(len(table))]
    assert table["gc"].tolist() == [round((s.count("G") + s.count("C")) / 30, 4) for s in table["sequence"]]
    training = SequenceSet.load(models / "data.npz").codes
    codes = encode(table["sequence"].tolist(), "dna")
    assert table["nearest_training_distance"].tolist() == [(c != training).sum(1).min() for c in codes]
    fasta = out.read_text().splitlines()
    assert fasta[0::2] == [f">{i} utility={u:.4f}" for i, u in zip(table["id"], table["utility"])]
    assert fasta[1::2] == table["sequence"].tolist()
    probes = (tmp_path / "probes.fasta").read_text().splitlines()
    assert probes[0::2] == [f">{i}" for i in table["id"]] and probes[1::2] == [s + "ACGT" for s in table["sequence"]]
    summary = json.loads((tmp_path / "design.json").read_text())
    pairs = [(a != b).sum() for i, a in enumerate(codes) for b in codes[i + 1:]]
    assert summary["mean_pairwise_distance"] == pytest.approx(np.mean(pairs))
    assert summary["best_utility"] == pytest.approx(table["utility"].max(), abs=1e-5)
    assert summary["mean_utility"] == pytest.approx(table["utility"].mean(), abs=1e-5)
    assert summary["direction"] == "max" and summary["avoid"] == [p] and summary["designs"] == len(table)


def test_design_draws_a_progress_bar_on_a_terminal_only_and_takes_no_progress(models, tmp_path, capsys, monkeypatch):
    """seqgen design had no progress bar (minutes for a protein family) and refused --no-progress, which train and
    score-mutants take. The bar leaves a log file alone and changes no design."""
    import io

    p, outs = str(models / "predictor"), []
    for flag in ([], ["--no-progress"]):
        out = tmp_path / str(len(flag)) / "designs.fasta"
        out.parent.mkdir()
        assert main(["design", "--predictor", p, "--n", "4", "--steps", "3", "--polish", "2", "--out", str(out),
                     *flag]) == 0
        assert "step/s" not in capsys.readouterr().err
        outs.append(out.read_text())
    assert outs[0] == outs[1]

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["design", "--predictor", p, "--n", "4", "--steps", "3", "--polish", "2", "--out",
                 str(tmp_path / "t" / "designs.fasta")]) == 0
    drawn = terminal.getvalue()
    assert "fast-seqprop:" in drawn and "polish:" in drawn and "/3 [" in drawn and "/2 [" in drawn


def test_training_draws_its_progress_bar_on_a_terminal_only(models, tmp_path, capsys, monkeypatch):
    """seqgen train drew its bar into a redirected log (a line a refresh) unless given --no-progress; as the other
    commands, it now draws it on a terminal only."""
    import io

    train = ["train", "predictor", "--data", str(models / "data.npz"), "--steps", "3", "--set", "members=1"]
    assert main([*train, "--out", str(tmp_path / "log")]) == 0
    assert "predictor:" not in capsys.readouterr().err  # stderr to a file or pipe: no bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main([*train, "--out", str(tmp_path / "tty")]) == 0
    assert "predictor:" in terminal.getvalue() and "/3 [" in terminal.getvalue()


def test_the_seed_draws_the_designs_and_the_training_sequences_scored(models, tmp_path, monkeypatch):
    import seqgen.design.command as command

    monkeypatch.setattr(command, "TRAINING_SCORED", 40)  # of the 200 training sequences
    monkeypatch.setattr(command, "TRAINING_BEST", 10)  # the 10 of highest signal, then a random 30 (by the seed)
    p, data = str(models / "predictor"), SequenceSet.load(models / "data.npz")
    runs = {}
    for seed in (1, 2):
        out = tmp_path / str(seed) / "designs.fasta"
        out.parent.mkdir()
        assert main(["design", "--predictor", p, "--n", "4", "--steps", "3", "--seed", str(seed), "--data",
                     str(models / "data.npz"), "--out", str(out)]) == 0
        scored = pd.read_csv(out.parent / "training_utility.tsv", sep="\t")
        rows = [list(data.ids).index(i) for i in scored["id"]]
        assert len(set(rows)) == 40 and rows == sorted(rows)  # 40 distinct sequences, in the data's order
        with torch.no_grad():  # the design's objective: the predictor's mean, maximized
            mean, _ = load_predictor(p).score(torch.as_tensor(one_hot(data.codes[rows], 4)))
        assert np.allclose(scored["utility"], mean.numpy(), atol=1e-4)
        summary = json.loads((out.parent / "design.json").read_text())
        designs = pd.read_csv(out.parent / "designs.tsv", sep="\t")
        assert summary["training_scored"] == 40 and summary["training_sequences"] == 200
        assert summary["designs_above_training_max"] == (designs["utility"] > scored["utility"].max()).sum()
        best = np.argsort(-data.label(data.label_names[0]), kind="stable")[:10]
        assert summary["training_best_measured"] == 10 and set(best) <= set(rows)
        runs[seed] = (rows, out.read_text())
    assert runs[1][0] != runs[2][0] and runs[1][1] != runs[2][1]


def test_a_generator_the_design_does_not_use_is_noted_and_not_loaded(models, tmp_path, capsys):
    """A --generator of another length does not stop a design that has no use for it."""
    assert main(["design", "--predictor", str(models / "predictor"), "--generator", str(models / "vae35"), "--n", "4",
                 "--steps", "2", "--out", str(tmp_path / "d.fasta")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert notes == ["note: --generator does not apply to this design (--method fast-seqprop) and is ignored"]


def test_naturalness_is_the_vae_elbo_over_seeded_latent_draws(models, tmp_path):
    from seqgen.generate import load_generator

    out = tmp_path / "designs.fasta"
    assert main(["design", "--generator", str(models / "vae"), "--naturalness", "0.5", "--naturalness-samples", "3",
                 "--n", "4", "--steps", "3", "--seed", "5", "--out", str(out)]) == 0
    table = pd.read_csv(tmp_path / "designs.tsv", sep="\t")
    vae, _ = load_generator(models / "vae")
    eps = torch.randn(3, vae.latent_dim, generator=torch.Generator().manual_seed(5))  # 3 draws, seeded by --seed
    with torch.no_grad():
        elbo = vae.elbo(torch.as_tensor(one_hot(encode(table["sequence"].tolist(), "dna"), 4)), eps).numpy()
    assert np.allclose(table["naturalness_mean"], elbo, rtol=1e-5, atol=1e-3)
    assert np.allclose(table["utility"], 0.5 * table["naturalness_mean"], atol=5e-5)
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["predictor"] is None and summary["direction"] is None and summary["naturalness"] == 0.5
    assert summary["naturalness_samples"] == 3  # the ELBO's draws: a run with other draws can be told apart
    fresh = torch.randn(64, vae.latent_dim, generator=torch.Generator().manual_seed(5 + 1_000_003))  # never optimized
    with torch.no_grad():  # against: the estimate the designs could not fit
        elbo = vae.elbo(torch.as_tensor(one_hot(encode(table["sequence"].tolist(), "dna"), 4)), fresh).numpy()
    assert np.allclose(table["naturalness_fresh"], elbo, rtol=1e-5, atol=1e-3)


def test_designs_that_fit_their_elbo_draws_get_a_note(models, capsys):
    """The ELBO's draws are fixed, so designs can fit them (WT1 probes: 1-2.5 nats above a fresh estimate): where
    the design's own estimate exceeds the fresh one by over half a nat (median), a note says so."""
    from types import SimpleNamespace

    from seqgen.design.command import fresh_elbo
    from seqgen.generate import load_generator

    generator = load_generator(models / "vae")
    codes = np.load(models / "data.npz")["codes"][:6]
    args = SimpleNamespace(seed=1, naturalness_samples=8, out="d.fasta")
    fresh = fresh_elbo(SimpleNamespace(codes=codes, predictions={"naturalness": (np.full(6, -1e3), None)}),
                       generator, args, 4, "cpu")
    assert (fresh < 0).all() and "they fit those draws" not in capsys.readouterr().err  # own estimate below: no note
    fitted = SimpleNamespace(codes=codes, predictions={"naturalness": (fresh + 1.25, None)})
    assert np.allclose(fresh_elbo(fitted, generator, args, 4, "cpu"), fresh)  # the same draws each call
    assert ("note: d.fasta: the designs' ELBO over the 8 latent draws they were optimized against exceeds a fresh "
            "64-draw estimate by 1.25 nats (median): they fit those draws") in capsys.readouterr().err


def test_an_avoid_predictor_of_another_length_is_refused(models):
    from seqgen.alphabets import DNA
    from seqgen.design.command import _load_predictor

    with pytest.raises(SeqgenError, match="works on dna of length 30, but the design is for dna of length 31"):
        _load_predictor(models / "predictor", "cpu", DNA, 31)
    assert _load_predictor(models / "predictor", "cpu", DNA, 30).length == 30


def test_no_training_line_when_no_training_sequence_compares(models, tmp_path, capsys):
    """Training sequences shorter than the designs (padded) are not scored: design.json says so, and stderr has
    no line comparing the designs with them."""
    from seqgen.alphabets import PAD

    data = SequenceSet.load(models / "data.npz")
    data.codes[:, -1] = PAD
    data.save(tmp_path / "short.npz")
    out = tmp_path / "designs.fasta"
    assert main(["design", "--predictor", str(models / "predictor"), "--n", "4", "--steps", "2", "--data",
                 str(tmp_path / "short.npz"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "designed" in err and "training sequences" not in err
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["training_scored"] == summary["training_comparable"] == 0 and summary["training_sequences"] == 200
    assert pd.read_csv(tmp_path / "training_utility.tsv", sep="\t").columns.tolist() == ["id", "utility",
                                                                                         "best_measured"]


def test_the_generator_is_loaded_with_frozen_weights(models):
    from seqgen.design.command import _load_generator

    args = build_parser("design").parse_args(["design", "--generator", str(models / "vae"), "--method", "latent",
                                              "--out", "-"])
    module, payload = _load_generator(args, torch.device("cpu"))
    assert payload["kind"] == "vae" and not any(p.requires_grad for p in module.parameters())
    # and from Python: a generator loaded for sampling or latent design builds no graph of its weights
    from seqgen.generate import load_generator

    module, _ = load_generator(models / "vae")
    assert not any(p.requires_grad for p in module.parameters()) and not module.training
    z = torch.zeros(2, module.latent_dim, requires_grad=True)
    module.decode(z).sum().backward()
    assert z.grad is not None and all(p.grad is None for p in module.parameters())


def test_predictor_motifs_come_from_the_ensemble_mean_and_stop_at_n_motifs(models, tmp_path, monkeypatch):
    import seqgen.interpret
    import seqgen.motifs
    from seqgen.alphabets import DNA
    from seqgen.cli.motifs import _predictor_motifs
    from seqgen.motifs import Motif

    seen = {}

    def attribution_motifs(score, x, alphabet, **options):
        seen["x"], seen["score"] = torch.as_tensor(x[:4]), score(torch.as_tensor(x[:4]))
        return [Motif(f"predictor-{i + 1}", np.full((4, 6), 0.25)) for i in range(5)]

    monkeypatch.setattr(seqgen.interpret, "attribution_motifs", attribution_motifs)
    def write_results(out, found, *args, **options):  # no files; no Tomtom match, as the real one returns
        seen.update(found=found)
        return pd.DataFrame(columns=seqgen.motifs.TOMTOM_COLUMNS)

    monkeypatch.setattr(seqgen.motifs, "write_results", write_results)
    predictor = load_predictor(models / "predictor")
    args = build_parser("motifs").parse_args(["motifs", "--input", "x", "--predictor", "p", "--n-motifs", "2",
                                              "--out", str(tmp_path)])
    _predictor_motifs(args, predictor, SequenceSet.load(models / "data.npz").codes[:10], np.arange(10), DNA)
    assert [motif.name for motif in seen["found"]] == ["predictor-1", "predictor-2"]
    assert torch.allclose(seen["score"], predictor.score(seen["x"])[0])


def test_max_homopolymer_auto_follows_the_training_data_s_runs(models, tmp_path, capsys):
    """Promoters carry poly(dA:dT) tracts (42% of Arabidopsis TATA promoters have a run over 6): a limit of 6 took a
    property of the data away. ``auto`` keeps designs within the runs 99% of the --data sequences stay within (never
    under 6), and the warning without a limit uses the same length."""
    from seqgen.data import SequenceSet

    start = "A" * 9 + "CGT" * 7
    tracts = SequenceSet(np.tile(encode([start], "dna"), (50, 1)), "dna", [f"t{i}" for i in range(50)])
    tracts.save(tmp_path / "tracts.npz")  # training data whose sequences all hold a run of 9
    base = ["design", "--predictor", str(models / "predictor"), "--n", "4", "--steps", "3", "--fixed",
            "A" * 9 + "C" + "." * 20]  # a run of 9 that no design may remove
    runs = []
    for name, data, extra in [("a", "tracts.npz", []), ("b", "tracts.npz", ["--max-homopolymer", "auto"]),
                              ("c", None, ["--max-homopolymer", "auto"])]:
        out = tmp_path / name / "designs.fasta"
        out.parent.mkdir()
        code = main([*base, *(["--data", str(tmp_path / data)] if data else []), *extra, "--out", str(out)])
        summary = json.loads((out.parent / "design.json").read_text()) if code == 0 else {}
        runs.append((code, summary.get("max_homopolymer"), summary.get("run_limit"), summary.get("long_runs")))
    # a: no limit, and a run of 9 is what the data holds: no warning; b: auto = 9 (the data's); c: no --data: 6,
    # which the fixed run of 9 cannot meet, so no design is left (the command says so and fails)
    assert runs[:2] == [(0, None, 9, 0), (0, 9, 9, None)] and runs[2][0] != 0
    assert "have a run of more than" not in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--max-homopolymer", "0", "--out", str(tmp_path / "d.fasta")])
    assert "a whole number of at least 1, or auto, not '0'" in capsys.readouterr().err


def test_the_motifs_taxon_help_lists_each_taxon_once():
    """--jaspar-tax-group's help printed its choices with %(choices)s, the empty choice a dangling 'all, ('."""
    motifs = " ".join(build_parser(only="motifs")._subparsers._group_actions[0].choices["motifs"].format_help()
                      .split())
    assert "diatoms, or all (or '': every taxon) (default: vertebrates)" in motifs and ", (" not in motifs


def test_a_protein_predictor_with_an_alignment_as_data_says_how_to_encode_it():
    from types import SimpleNamespace

    from seqgen.alphabets import PROTEIN
    from seqgen.design.command import _check_compatible

    alignment = SequenceSet(np.zeros((2, 5), np.uint8), "protein-gap", ["a", "b"])
    args = SimpleNamespace(entropy=0.0, data="family.npz")
    with pytest.raises(SeqgenError, match=r"--data holds protein-gap of length 5, but the design is for protein of "
                                          r"length 5 \(encode the predictor's labelled sequences with --alphabet "
                                          r"protein-gap"):
        _check_compatible(args, PROTEIN, 5, None, alignment)
    with pytest.raises(SeqgenError, match=r"for protein of length 6$"):  # another length: no such hint
        _check_compatible(args, PROTEIN, 6, None, alignment)


def test_no_design_satisfies_names_the_constraints_the_candidates_break(models, tmp_path, capsys):
    """Constraints no design can meet (20 As, at most 2 edits, no run over 4 letters) are named in the error, so
    the user knows which to loosen, not only told to design more candidates."""
    out = str(tmp_path / "designs.fasta")
    code = main(["design", "--predictor", str(models / "predictor"), "--n", "4", "--steps", "2", "--no-progress",
                 "--start", "A" * 30, "--max-edits", "2", "--max-homopolymer", "4", "--out", out])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert "no design satisfies the constraints" in err
    assert "4 break --max-homopolymer" in err and "--max-edits" in err
    assert not os.path.exists(out)


@pytest.mark.parametrize("seed", ["-1", str(2 ** 64)])
def test_a_seed_numpy_or_torch_cannot_take_is_refused_before_any_work(models, tmp_path, capsys, seed):
    """numpy refuses a negative seed and torch one of 2**64 or more: design, evaluate and simulate stopped with a
    traceback (design only after the whole optimization)."""
    out = tmp_path / "o"
    for argv in (["design", "--predictor", str(models / "predictor"), "--n", "2", "--steps", "1", "--no-progress",
                  "--out", str(out / "designs.fasta")],
                 ["evaluate", "--reference", str(models / "data.npz"), "--query", str(models / "data.npz"), "--out",
                  str(out / "e.json")],
                 ["simulate", "--n", "10", "--out", str(out / "s.tsv")],
                 ["sample", "--model", str(models / "gan"), "--n", "2", "--out", str(out / "s.fa")]):
        with pytest.raises(SystemExit) as exit_:
            main([*argv, "--seed", seed])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and "Traceback" not in err, argv
        assert f"argument --seed: a whole number from 0 to 2**63 - 1, not '{seed}'" in err, err
    assert not out.exists()
    assert main(["sample", "--model", str(models / "gan"), "--n", "2", "--seed", str(2 ** 63 - 1), "--out",
                 str(out / "s.fa")]) == 0


def test_one_design_has_no_pairwise_distance(models, tmp_path):
    """design.json's mean_pairwise_distance of a single design is null: 0 would read as 'all designs identical'."""
    out = tmp_path / "designs.fasta"
    assert main(["design", "--predictor", str(models / "predictor"), "--n", "1", "--steps", "2", "--no-progress",
                 "--out", str(out)]) == 0
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["designs"] == 1 and summary["mean_pairwise_distance"] is None


def test_design_json_records_every_setting_and_constraint_of_the_run(models, tmp_path):
    """design.json tells what was run: the design settings (--steps, --n, --lr...), the constraints as given, the
    --avoid weight, the generator and the data; not only the objectives."""
    p, out = str(models / "predictor"), tmp_path / "designs.fasta"
    assert main(["design", "--predictor", p, "--avoid", p, "--avoid-weight", "0.5", "--n", "5", "--steps", "3",
                 "--lr", "0.2", "--diversity", "0.3", "--fixed", "G" + "." * 29, "--gc-min", "0.3", "--gc-max", "0.7",
                 "--forbid", "GAATTC", "--start", "G" * 30, "--max-edits", "20", "--linker", "acgt", "--data",
                 str(models / "data.npz"), "--no-progress", "--out", str(out)]) == 0
    summary = json.loads((tmp_path / "design.json").read_text())
    settings = summary["settings"]
    assert (settings["n"], settings["steps"], settings["lr"], settings["diversity"]) == (5, 3, 0.2, 0.3)
    assert settings["polish"] == 0 and settings["freeze_offset"] is False
    assert summary["constraints"] == {"fixed": "G" + "." * 29, "gc_min": 0.3, "gc_max": 0.7, "forbid": ["GAATTC"],
                                      "start": "G" * 30, "max_edits": 20, "linker": "ACGT"}
    assert summary["avoid_weight"] == 0.5 and summary["data"] == str(models / "data.npz")
    assert summary["generator"] is None


@pytest.mark.parametrize("option", ["--avoid-weight", "--naturalness", "--conservative"])
def test_a_negative_weight_is_refused_before_any_work(models, tmp_path, capsys, option):
    """A negative --avoid-weight would maximize the predictor --avoid keeps low, a negative --naturalness minimize
    the VAE's likelihood, a negative --conservative reward the ensemble's disagreement: refused in one line, nothing
    written."""
    p, out = str(models / "predictor"), tmp_path / "o" / "designs.fasta"
    assert main(["design", "--predictor", p, "--avoid", p, "--generator", str(models / "vae"), option, "-0.5",
                 "--n", "2", "--steps", "1", "--no-progress", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"seqgen design: error: {option} must not be negative, not -0.5"] and not out.parent.exists()


def test_a_target_outside_the_measured_range_is_noted(models, tmp_path, capsys):
    data = SequenceSet.load(models / "data.npz")
    label = data.label_names[0]
    high = float(data.labels[:, 0].max())
    argv = ["design", "--predictor", str(models / "predictor"), "--data", str(models / "data.npz"), "--n", "2",
            "--steps", "1", "--no-progress", "--out", str(tmp_path / "d.fasta"), "--target"]
    assert main([*argv, f"{10 * high:g}"]) == 0
    assert f"note: --target {10 * high:g} lies outside the measured {label} of the --data sequences" in \
        capsys.readouterr().err
    assert main([*argv, f"{float(np.median(data.labels[:, 0])):g}"]) == 0
    assert "lies outside" not in capsys.readouterr().err


def test_latent_design_says_it_does_not_start_from_start(models, tmp_path, capsys):
    """Latent chains start from random codes: --start only bounds the edits, which the help alone did not say."""
    data = SequenceSet.load(models / "data.npz")
    start = data.sequences[0]
    argv = ["design", "--predictor", str(models / "predictor"), "--generator", str(models / "vae"), "--n", "2",
            "--steps", "1", "--no-progress", "--start", start, "--max-edits", "3", "--out",
            str(tmp_path / "d.fasta")]
    assert main([*argv, "--method", "latent"]) == 0
    assert "note: --method latent starts from random latent codes, not from --start" in capsys.readouterr().err
    assert main([*argv, "--method", "softmax"]) == 0
    assert "random latent codes" not in capsys.readouterr().err


def test_annealing_options_a_gradient_design_ignores_are_not_then_refused(models, tmp_path, capsys):
    """--combine with --mutations 2 on fast-seqprop without --polish: both are noted as ignored, and the design runs
    (not refused for a combination it never uses); with --polish the combination is refused."""
    p, out = str(models / "predictor"), tmp_path / "designs.fasta"
    argv = ["design", "--predictor", p, "--combine", "--mutations", "2", "--n", "2", "--steps", "1", "--no-progress",
            "--out", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "--combine does not apply" in err and "--mutations does not apply" in err
    assert main([*argv, "--polish", "2"]) == 1
    assert "cannot be used with mutations > 1" in capsys.readouterr().err


def test_the_parser_of_every_command_imports_no_heavy_module():
    """``seqgen --help`` (the parser of every command) imports neither torch nor pandas nor scipy: they took 2 s of
    its 2.2 s, from ``seqgen design``'s and ``seqgen motifs``' options; the options themselves are unchanged."""
    import subprocess
    import sys

    code = ("import sys; from seqgen.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'pandas', 'scipy') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]", run.stdout
    import seqgen.design.command as command
    import seqgen.design.options as options
    import seqgen.motifs as motifs
    from seqgen.settings import SITE_P

    assert motifs.SITE_P == SITE_P == 1e-4 and command.add_arguments is options.add_arguments
    assert command._parser_defaults().max_homopolymer is None and command._parser_defaults().method == "fast-seqprop"


def test_design_warns_of_gc_outside_the_training_data_and_auto_keeps_to_it(models, tmp_path, capsys):
    """On the UniPROBE WT1 array (A/T-rich probes bright) Fast SeqProp designed A/T-only probes, outside any
    probe's GC: the command now says so, and ``--gc-min auto --gc-max auto`` keeps designs within 1-99% of the
    --data sequences' GC (widened to the --fixed letters' reach), recorded in design.json."""
    from seqgen.data import SequenceSet
    from seqgen.design.constraints import data_gc_window
    from seqgen.metrics import gc_content

    data = SequenceSet.load(models / "data.npz")
    low, high = data_gc_window(data.codes, data.alphabet)
    assert low == np.sort(gc_content(data.codes, data.alphabet))[int(0.01 * (len(data) - 1))]
    out = tmp_path / "designs.fasta"
    base = ["design", "--predictor", str(models / "predictor"), "--n", "4", "--steps", "3", "--out", str(out)]
    fixed = "A" * 28 + ".."  # at most 2 of 30 letters G or C, below 98% of the simulated training probes' GC
    assert main([*base, "--fixed", fixed, "--max-homopolymer", "30", "--data", str(models / "data.npz")]) == 0
    n = len(pd.read_csv(tmp_path / "designs.tsv", sep="\t"))
    assert f"{n} of {n} designs have a GC fraction outside that of 98% of the --data sequences ({low:.2f} to " \
        f"{high:.2f})" in capsys.readouterr().err
    assert json.loads((tmp_path / "design.json").read_text())["gc_outside_training"] == n
    assert main([*base, "--gc-min", "auto", "--gc-max", "auto", "--data", str(models / "data.npz")]) == 0
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["gc_window"] == [low, high] and summary["gc_outside_training"] == 0
    assert summary["constraints"]["gc_min"] == "auto" and "outside" not in capsys.readouterr().err
    designs = pd.read_csv(tmp_path / "designs.tsv", sep="\t")
    assert designs["gc"].between(low - 1e-9, high + 1e-9).all()
    assert main([*base, "--gc-max", "auto", "--fixed", fixed, "--data", str(models / "data.npz")]) == 0
    assert json.loads((tmp_path / "design.json").read_text())["gc_window"] == [None, high]
    assert main([*base, "--gc-min", "auto", "--fixed", fixed, "--data", str(models / "data.npz")]) == 0
    assert json.loads((tmp_path / "design.json").read_text())["gc_window"] == [2 / 30, None]  # widened: reachable
    assert main(base) == 0  # without --data: nothing to compare with
    assert json.loads((tmp_path / "design.json").read_text())["gc_outside_training"] is None
    assert main([*base, "--gc-min", "auto"]) == 1
    assert "--gc-min/--gc-max auto is the GC window of the training sequences: it needs --data" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--gc-max", "high"])
    assert "a fraction from 0 to 1, or auto, not 'high'" in capsys.readouterr().err


def test_predict_reads_standard_input_and_writes_standard_output(models, tmp_path, capsys, monkeypatch):
    """``zcat x.fa.gz | seqgen predict --input - --format fasta --out - | sort ...``: the table goes to standard
    output, the messages to standard error, and a file of the same sequences gives the same table."""
    import io
    import sys

    model = str(models / "predictor")
    assert main(["predict", "--model", model, "--input", str(models / "one.fa"), "--out", str(tmp_path / "p.tsv")]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((models / "one.fa").read_bytes())))
    assert main(["predict", "--model", model, "--input", "-", "--format", "fasta", "--out", "-"]) == 0
    out, err = capsys.readouterr()
    assert out == (tmp_path / "p.tsv").read_text() and "predicted 1 sequence -> standard output" in err
    assert not (tmp_path / "-").exists() and not os.path.exists("-")
