"""The family VAE: training on an alignment with weights, mutation scores, design with its likelihood."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

from seqgen.cli import main
from seqgen.data import SequenceSet, one_hot
from seqgen.generate import load_generator
from seqgen.models.family_vae import FamilyVAE

AMINO = "ACDEFGHIKLMNPQRSTVWY"


def write_alignment(path, n=60, length=16, seed=0):
    """A toy A2M family: a focus sequence ``FOC/10-26`` (residue 18 an insert), mutated copies, an insert column and a gappy row."""
    rng = np.random.default_rng(seed)
    focus = rng.choice(list(AMINO), length)
    rows = [">FOC/10-26", "".join(focus[:8]) + "a" + "".join(focus[8:])]
    for i in range(n):
        s = focus.copy()
        k = rng.integers(0, 4)
        s[rng.integers(0, length, k)] = rng.choice(list(AMINO), k)
        rows += [f">s{i}", "".join(s[:8]) + "." + "".join(s[8:])]
    rows += [">gappy", "-" * 14 + "." + "".join(focus[14:])]
    path.write_text("\n".join(rows) + "\n")
    return "".join(focus)


def test_family_vae_shapes_and_prior():
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12])
    x = one_hot(torch.randint(0, 21, (5, 12)), 21)
    logits, mu, log_sigma = model(x)
    assert logits.shape == (5, 21, 12) and mu.shape == (5, 3)
    eps = torch.randn(7, 3)
    elbo = model.elbo(x, eps)
    assert elbo.shape == (5,) and torch.isfinite(elbo).all()
    assert model.neg_log_prior() > 0
    x.requires_grad_(True)
    model.elbo(x, eps).sum().backward()  # differentiable in relaxed x (design)
    assert x.grad is not None


def test_train_score_and_design_from_the_command_line(tmp_path, capsys):
    focus = write_alignment(tmp_path / "fam.a2m")
    npz, model = tmp_path / "fam.npz", tmp_path / "vae"
    assert main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)]) == 0
    assert SequenceSet.load(npz).length == 16
    assert main(["train", "vae", "--data", str(npz), "--out", str(model), "--arch", "mlp", "--steps", "30",
                 "--set", "encoder_hidden=[32]", "--set", "decoder_hidden=[8,16]", "--set", "latent_dim=4",
                 "--batch-size", "16", "--no-progress", "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert "effective number" in err and "1 with more than 50% gaps dropped" in err
    _, payload = load_generator(model)
    family = payload["family"]
    assert family["n_sequences"] == 61 and 1 < family["neff"] < 61
    assert family["focus_positions"] == [*range(10, 18), *range(19, 27)]

    mutants = tmp_path / "mutants.csv"
    first = f"{focus[0]}10{'A' if focus[0] != 'A' else 'C'}"
    pair = f"{first}:{focus[2]}12W" if focus[2] != "W" else f"{first}:{focus[2]}12Y"
    pd.DataFrame({"mutant": [first, pair, "A99C"]}).to_csv(mutants, index=False)
    out = tmp_path / "scores.tsv"
    assert main(["score-mutants", "--model", str(model), "--mutants", str(mutants), "--out", str(out),
                 "--samples", "20", "--device", "cpu"]) == 0
    assert "skipped 1 mutants" in capsys.readouterr().err
    table = pd.read_csv(out, sep="\t")
    assert table["mutant"].tolist() == [first, pair, "A99C"]  # every input mutant, the unscorable one noted
    assert np.isfinite(table[["vae", "site_independent"]].to_numpy()[:2]).all()
    assert table[["vae", "site_independent"]].iloc[2].isna().all() and "match columns" in table["note"][2]

    wrong = tmp_path / "wrong.txt"
    wrong.write_text(f"{'W' if focus[0] != 'W' else 'Y'}10A\n")
    assert main(["score-mutants", "--model", str(model), "--mutants", str(wrong), "--out",
                 str(tmp_path / "x.tsv"), "--device", "cpu"]) == 1
    assert "residue 10 is" in capsys.readouterr().err and not (tmp_path / "x.tsv").exists()


@pytest.mark.parametrize("arch", ["conv", "mlp"])
def test_unweighted_data_still_train(tmp_path, arch):
    from seqgen.alphabets import PROTEIN
    from seqgen.alphabets import encode as encode_seqs

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list(AMINO), 12)) for _ in range(20)]
    data = SequenceSet(encode_seqs(seqs, PROTEIN), "protein", [f"s{i}" for i in range(20)])
    data.save(tmp_path / "p.npz")
    assert main(["train", "vae", "--data", str(tmp_path / "p.npz"), "--out", str(tmp_path / "m"), "--steps", "3",
                 "--set", f"arch={arch}", "--set", "encoder_hidden=[8]", "--set", "decoder_hidden=[8]",
                 "--set", "channels=8", "--no-progress", "--device", "cpu"]) == 0


def test_protein_design_with_a_predictor_and_the_vae_likelihood(tmp_path):
    write_alignment(tmp_path / "fam.a2m")
    npz, vae = tmp_path / "fam.npz", tmp_path / "vae"
    main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)])
    data = SequenceSet.load(npz)
    labelled = SequenceSet(data.codes, data.alphabet, data.ids, labels=(data.codes == 0).sum(1, keepdims=True)
                           .astype(np.float32), label_names=["alanines"])
    labelled.save(tmp_path / "labelled.npz")
    common = ["--no-progress", "--device", "cpu"]
    assert main(["train", "vae", "--data", str(npz), "--out", str(vae), "--set", "arch=mlp", "--steps", "20",
                 "--set", "encoder_hidden=[32]", "--set", "decoder_hidden=[8,16]", "--set", "latent_dim=4",
                 *common]) == 0
    assert main(["train", "predictor", "--data", str(tmp_path / "labelled.npz"), "--out", str(tmp_path / "pred"),
                 "--steps", "20", "--set", "members=2", "--set", "filters=8", *common]) == 0
    out = tmp_path / "latent.fasta"
    assert main(["design", "--predictor", str(tmp_path / "pred"), "--generator", str(vae), "--method", "latent",
                 "--naturalness", "0.05", "--n", "4", "--steps", "5", "--out", str(out), "--device", "cpu"]) == 0
    table = pd.read_csv(tmp_path / "designs.tsv", sep="\t")
    assert len(table) >= 1 and any("naturalness" in c for c in table.columns)
    (tmp_path / "fsp").mkdir()
    out = tmp_path / "fsp" / "designs.fasta"  # the VAE's likelihood alone
    assert main(["design", "--generator", str(vae), "--method", "fast-seqprop", "--naturalness", "1",
                 "--n", "4", "--steps", "5", "--out", str(out), "--device", "cpu"]) == 0
    assert out.exists()
    (tmp_path / "lat").mkdir()
    out = tmp_path / "lat" / "designs.fasta"  # latent design for the VAE's likelihood alone
    assert main(["design", "--generator", str(vae), "--method", "latent", "--naturalness", "1",
                 "--n", "4", "--steps", "5", "--out", str(out), "--device", "cpu"]) == 0
    summary = json.loads((tmp_path / "lat" / "design.json").read_text())
    assert summary["predictor"] is None and summary["naturalness"] == 1 and summary["designs"] >= 1
    assert main(["design", "--method", "fast-seqprop", "--out", str(tmp_path / "x.fasta"), "--device", "cpu"]) == 1


def test_protein_logos_colour_gaps(tmp_path):
    import warnings

    from seqgen.alphabets import get_alphabet
    from seqgen.motifs import Motif
    from seqgen.plots import logo

    alphabet = get_alphabet("protein-gap")
    pwm = np.random.default_rng(0).dirichlet(np.full(alphabet.size, 0.3), 5).T
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # logomaker warns about letters without a colour
        logo(Motif("m", pwm, alphabet)).savefig(tmp_path / "logo.png")
