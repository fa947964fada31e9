"""The family VAE: training on an alignment with weights, mutation scores, design with its likelihood."""
import gzip
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import torch

from seqgen.alphabets import encode
from seqgen.cli import main
from seqgen.data import SequenceSet, one_hot
from seqgen.generate import load_generator
from seqgen.models.family_vae import FamilyVAE
from seqgen.protein import apply_mutants, mutant_names_of, parse_mutants

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
    stop = f"{focus[3]}13*"
    pd.DataFrame({"Mutant": [first, pair, "A18C", stop, "WT"]}).to_csv(mutants, index=False)  # 18: the insert
    out = tmp_path / "scores.tsv"
    assert main(["score-mutants", "--model", str(model), "--mutants", str(mutants), "--out", str(out),
                 "--samples", "20", "--device", "cpu"]) == 0
    assert "skipped 2 mutants" in capsys.readouterr().err
    table = pd.read_csv(out, sep="\t", keep_default_na=False, na_values=[""])
    assert table["mutant"].tolist() == [first, pair, "A18C", stop, "WT"]  # every input mutant, the unscorable noted
    assert np.isfinite(table[["vae", "site_independent"]].to_numpy()[[0, 1, 4]]).all()
    assert table[["vae", "site_independent"]].iloc[4].tolist() == [0, 0]  # the wild type against itself
    rows = out.read_text().splitlines()
    assert "-0.0" not in rows[5] and all(len(v.split(".")[-1]) <= 5 for v in rows[1].split("\t")[1:3])  # as written
    assert table[["vae", "site_independent"]].iloc[2:4].isna().all().all()
    assert "match columns" in table["note"][2] and "stop" in table["note"][3]

    wrong = tmp_path / "wrong.txt"
    wrong.write_text(f"{'W' if focus[0] != 'W' else 'Y'}10A\n")
    assert main(["score-mutants", "--model", str(model), "--mutants", str(wrong), "--out",
                 str(tmp_path / "x.tsv"), "--device", "cpu"]) == 1
    assert "residue 10 is" in capsys.readouterr().err and not (tmp_path / "x.tsv").exists()
    for content, message in (("C18A\n", "residue 18 is A, not C"),  # the focus's insert residue ('a') is checked too
                             ("Q99A\n", r"residue 99 is not in the focus sequence \(residues 10-26\)"),
                             ("A18C\n", "none of the 1 mutants can be scored"),
                             (f"mutant,score\n{first},1\n,2\n", "row 2 of the table has no mutant"),
                             (f"mutant,score\n{first},1\n{pair},2,3\n", "cannot read as a comma-separated table"),
                             (b"mutant\ncaf\xe9\n", "not UTF-8 text"),
                             (f"{first},{pair}\n", "joined by ':'"),
                             (f"mutant;score\n{first};1\n", "a table separated by ';'")):
        wrong.write_bytes(content if isinstance(content, bytes) else content.encode())
        assert main(["score-mutants", "--model", str(model), "--mutants", str(wrong), "--out",
                     str(tmp_path / "x.tsv"), "--device", "cpu"]) == 1
        err = capsys.readouterr().err
        assert re.search(message, err) and len(err.strip().splitlines()) == 1, err
    packed = tmp_path / "mutants.csv.gz"
    packed.write_bytes(gzip.compress(mutants.read_bytes()))
    assert main(["score-mutants", "--model", str(model), "--mutants", str(packed), "--out", str(tmp_path / "z.tsv"),
                 "--samples", "20", "--device", "cpu"]) == 0
    assert pd.read_csv(tmp_path / "z.tsv", sep="\t")["vae"].equals(pd.read_csv(out, sep="\t")["vae"])


def test_settings_the_run_does_not_read_are_named(tmp_path, capsys):
    """The family VAE's settings without arch: mlp (the default conv VAE trains), or an alignment's settings on
    data that is not one, are named in a note instead of ignored silently; the settings read are not."""
    write_alignment(tmp_path / "fam.a2m", n=20)
    npz = tmp_path / "fam.npz"
    assert main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)]) == 0
    common = ["--steps", "2", "--batch-size", "8", "--no-progress", "--device", "cpu"]
    assert main(["train", "vae", "--data", str(npz), "--out", str(tmp_path / "conv"), "--set", "channels=8",
                 "--set", "encoder_hidden=[8]", "--set", "theta=0.3", *common]) == 0
    err = capsys.readouterr().err
    assert "note: setting encoder_hidden ignored: the conv VAE does not read it" in err and "channels" not in err
    assert main(["train", "vae", "--data", str(npz), "--out", str(tmp_path / "mlp"), "--arch", "mlp",
                 "--set", "encoder_hidden=[8]", "--set", "decoder_hidden=[8]", "--set", "theta=0.3", *common]) == 0
    assert "ignored" not in capsys.readouterr().err
    data = SequenceSet.load(npz)
    data.meta = {}  # the same sequences, not an alignment
    data.save(tmp_path / "plain.npz")
    assert main(["train", "vae", "--data", str(tmp_path / "plain.npz"), "--out", str(tmp_path / "plain"), "--arch",
                 "mlp", "--set", "encoder_hidden=[8]", "--set", "decoder_hidden=[8]", "--set", "theta=0.3",
                 *common]) == 0
    assert "note: setting theta ignored" in capsys.readouterr().err
    from seqgen.settings import ALIGNMENT_SETTINGS, DEFAULTS, VAE_ARCH_SETTINGS

    named = {k for keys in VAE_ARCH_SETTINGS.values() for k in keys} | set(ALIGNMENT_SETTINGS)
    assert named <= set(DEFAULTS["vae"])  # the lists name real settings


@pytest.mark.parametrize("arch,bayesian", [("conv", False), ("mlp", True), ("mlp", False)])
def test_unweighted_data_still_train(tmp_path, capsys, arch, bayesian):
    from seqgen.alphabets import PROTEIN
    from seqgen.alphabets import encode as encode_seqs

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list(AMINO), 12)) for _ in range(20)]
    data = SequenceSet(encode_seqs(seqs, PROTEIN), "protein", [f"s{i}" for i in range(20)])
    data.save(tmp_path / "p.npz")
    assert main(["train", "vae", "--data", str(tmp_path / "p.npz"), "--out", str(tmp_path / "m"), "--steps", "3",
                 "--set", f"arch={arch}", "--set", "encoder_hidden=[8]", "--set", "decoder_hidden=[8]",
                 "--set", "channels=8", "--set", f"bayesian_decoder={str(bayesian).lower()}", "--no-progress",
                 "--device", "cpu"]) == 0
    if arch == "mlp":  # the MAP decoder logs its prior term, the variational one its KL
        assert ("weight_kl" if bayesian else "prior") in pd.read_csv(tmp_path / "m" / "metrics.csv").columns
    (tmp_path / "mutants.txt").write_text("A1C\n")
    assert main(["score-mutants", "--model", str(tmp_path / "m"), "--mutants", str(tmp_path / "mutants.txt"),
                 "--out", str(tmp_path / "scores.tsv")]) == 1  # no focus sequence: nothing to mutate
    assert "not trained on an alignment" in capsys.readouterr().err and not (tmp_path / "scores.tsv").exists()


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
    for method in ("fast-seqprop", "anneal"):  # the VAE's likelihood alone; a gap would cost it nothing
        (tmp_path / method).mkdir()
        out = tmp_path / method / "designs.fasta"
        assert main(["design", "--generator", str(vae), "--method", method, "--naturalness", "1", "--data", str(npz),
                     "--n", "8", "--steps", "40", "--out", str(out), "--device", "cpu"]) == 0
        designs = pd.read_csv(tmp_path / method / "designs.tsv", sep="\t")
        assert len(designs) and not designs["sequence"].str.contains("-").any(), method
        training = pd.read_csv(tmp_path / method / "training_utility.tsv", sep="\t")  # the ELBO of the data
        gap_free = (data.codes < 20).all(axis=1)
        assert sorted(training["id"]) == sorted(np.asarray(data.ids)[gap_free]) and len(training) >= 10
        summary = json.loads((tmp_path / method / "design.json").read_text())
        assert summary["training_scored"] == summary["training_comparable"] == len(training)
        assert summary["training_sequences"] == len(data) > len(training)  # the gapped ones are not comparable
        assert designs["utility"].median() > summary["training_utility_median"] == training["utility"].median()
        assert summary["direction"] is None and summary["long_runs"] is None  # no predictor; runs: DNA/RNA only
        assert "gc" not in designs.columns  # GC content is a nucleic acid's
        codes = encode(designs["sequence"].tolist(), "protein")  # a training gap matches no designed letter
        assert designs["nearest_training_distance"].tolist() == [(c != data.codes).sum(1).min() for c in codes]
        focus, positions = data.codes[0], data.meta["focus_positions"]  # each design as mutations of the focus
        assert designs["mutations"].tolist() == mutant_names_of(codes, focus, positions)
        rebuilt = apply_mutants(focus, parse_mutants(designs["mutations"], positions, focus))  # read back: the design
        assert (rebuilt == codes).all() and designs["n_mutations"].tolist() == (codes != focus).sum(1).tolist()
        # the protein to make: the focus's insert residue 18, an 'a' after the 8th match column, put back
        assert designs["protein"].tolist() == [s[:8] + "A" + s[8:] for s in designs["sequence"]]
    (tmp_path / "lat").mkdir()
    out = tmp_path / "lat" / "designs.fasta"  # latent design for the VAE's likelihood alone
    assert main(["design", "--generator", str(vae), "--method", "latent", "--naturalness", "1",
                 "--n", "4", "--steps", "5", "--out", str(out), "--device", "cpu"]) == 0
    summary = json.loads((tmp_path / "lat" / "design.json").read_text())
    assert summary["predictor"] is None and summary["naturalness"] == 1 and summary["designs"] >= 1
    assert main(["design", "--method", "fast-seqprop", "--out", str(tmp_path / "x.fasta"), "--device", "cpu"]) == 1


def test_a_protein_predictor_designs_with_the_alignment_vae(tmp_path):
    """A predictor of measured proteins (the protein alphabet: mutant sequences have no gaps) and the family VAE
    (protein-gap) were refused together ("generator makes protein-gap ..., but the predictor scores protein"),
    though designs for either are made of the 20 amino acids."""
    from seqgen.alphabets import PROTEIN
    from seqgen.alphabets import encode as encode_seqs

    write_alignment(tmp_path / "fam.a2m")
    npz, vae = tmp_path / "fam.npz", tmp_path / "vae"
    common = ["--no-progress", "--device", "cpu"]
    assert main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)]) == 0
    assert main(["train", "vae", "--data", str(npz), "--out", str(vae), "--arch", "mlp", "--steps", "5",
                 "--set", "encoder_hidden=[16]", "--set", "decoder_hidden=[8]", "--set", "latent_dim=2", *common]) == 0
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list(AMINO), 16)) for _ in range(40)]
    labelled = SequenceSet(encode_seqs(seqs, PROTEIN), "protein", [f"m{i}" for i in range(40)],
                           labels=rng.normal(size=(40, 1)).astype(np.float32), label_names=["fitness"])
    labelled.save(tmp_path / "dms.npz")
    assert main(["train", "predictor", "--data", str(tmp_path / "dms.npz"), "--out", str(tmp_path / "pred"),
                 "--steps", "5", "--set", "members=1", "--set", "filters=8", *common]) == 0
    for method in ("latent", "fast-seqprop"):
        out = tmp_path / method / "designs.fasta"
        assert main(["design", "--predictor", str(tmp_path / "pred"), "--generator", str(vae), "--method", method,
                     "--naturalness", "0.1", "--n", "3", "--steps", "3", "--out", str(out), "--device", "cpu"]) == 0
        table = pd.read_csv(tmp_path / method / "designs.tsv", sep="\t")
        assert len(table) and np.isfinite(table["naturalness_mean"]).all(), method
        assert not table["sequence"].str.contains("-").any(), method


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


def test_bayesian_decoder_kl_matches_the_closed_form():
    from torch.distributions import Normal, kl_divergence

    from seqgen.models.family_vae import SPARSITY_MU, SPARSITY_SIGMA, gaussian_kl

    # a known case: KL(N(1, 0.5^2) || N(0, 1)) = -log 0.5 + (0.25 + 1) / 2 - 1/2 per element
    mu, log_sigma = torch.ones(3), torch.full((3,), math.log(0.5))
    assert gaussian_kl(mu, log_sigma).item() == pytest.approx(3 * (math.log(2) + 0.625 - 0.5))
    assert gaussian_kl(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(0.0, abs=1e-7)

    # the hand-written backward: the same gradients as autograd through torch.distributions, and gradcheck
    mu, log_sigma = torch.randn(5, 7, dtype=torch.float64), torch.rand(5, 7, dtype=torch.float64) - 2
    for prior in [(0.0, 1.0), (SPARSITY_MU, SPARSITY_SIGMA)]:
        a = [mu.clone().requires_grad_(), log_sigma.clone().requires_grad_()]
        b = [mu.clone().requires_grad_(), log_sigma.clone().requires_grad_()]
        (3 * gaussian_kl(*a, *prior)).backward()
        (3 * kl_divergence(Normal(b[0], b[1].exp()), Normal(*prior)).sum()).backward()
        for x, y in zip(a, b):
            assert torch.allclose(x.grad, y.grad)
        assert torch.autograd.gradcheck(lambda m, s: gaussian_kl(m, s, *prior), b)
    assert gaussian_kl(torch.tensor(0.5), torch.tensor(-1.0)).item() == pytest.approx(
        kl_divergence(Normal(0.5, math.exp(-1)), Normal(0.0, 1.0)).item())  # 0-d (the temperature)

    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=True)
    names = set(model.decoder_parameters())
    assert names == {"decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias", "out_weight",
                     "out_bias", "sparsity", "temperature"}
    with torch.no_grad():
        for p in model.weight_log_sigma.values():
            p.uniform_(-3, 0)
    expected = 0.0
    for name, mean in model.decoder_parameters().items():
        prior = Normal(SPARSITY_MU, SPARSITY_SIGMA) if name == "sparsity" else Normal(0.0, 1.0)
        q = Normal(mean.detach(), model.weight_log_sigma[name.replace(".", "_")].detach().exp())
        expected += kl_divergence(q, prior).sum().item()
    kl = model.weight_kl()
    assert kl.item() > 0 and kl.item() == pytest.approx(expected, rel=1e-5)
    kl.backward()  # the KL reaches every mean and log-sigma
    assert all(p.grad is not None for p in model.weight_log_sigma.values())
    with pytest.raises(ValueError):
        FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12]).weight_kl()


def test_bayesian_decoder_draws_weights_in_training_only():
    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=True,
                      log_sigma_init=-1.0)
    z = torch.randn(4, 3)
    means = model.logits(z)
    assert torch.equal(model.logits(z), means)  # outside a draw: the posterior means
    with model.weight_draw(generator=torch.Generator().manual_seed(1)) as draw:
        drawn = model.logits(z)
        assert set(draw) == set(model.decoder_parameters()) and not torch.allclose(drawn, means)
    with model.weight_draw(draw):  # a given draw decodes the same
        assert torch.equal(model.logits(z), drawn)
    assert torch.equal(model.logits(z), means)
    x = one_hot(torch.randint(0, 21, (5, 12)), 21)
    model.train()
    a, _, _ = model(x, torch.Generator().manual_seed(2))
    b, _, _ = model(x, torch.Generator().manual_seed(3))
    assert a.shape == (5, 21, 12) and not torch.allclose(a, b)
    a.sum().backward()
    assert model.weight_log_sigma["out_weight"].grad is not None  # reparameterized
    model.eval()
    c, _, _ = model(x, torch.Generator().manual_seed(2))
    d, _, _ = model(x, torch.Generator().manual_seed(2))
    assert torch.equal(c, d)


def test_a_weight_draw_is_the_mean_plus_sigma_times_a_standard_normal_draw():
    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=True,
                      log_sigma_init=-1.0)
    draw = model.sample_weights(torch.Generator().manual_seed(4))
    replay = torch.Generator().manual_seed(4)  # one draw per parameter, in decoder_parameters' order
    for name, mean in model.decoder_parameters().items():
        expected = mean + math.exp(-1.0) * torch.randn(mean.shape, generator=replay)
        assert torch.allclose(draw[name], expected, atol=1e-6), name


def test_bayesian_scores_share_weight_draws():
    from seqgen.mutations import likelihood_differences

    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=True,
                      log_sigma_init=-1.0).eval()
    rng = np.random.default_rng(0)
    focus = rng.integers(0, 20, 12).astype(np.uint8)
    mutants = np.repeat(focus[None], 5, 0)
    mutants[np.arange(1, 5), np.arange(1, 5)] = (focus[1:5] + 1) % 20  # the first row is the wild type itself
    sampled = likelihood_differences(model, focus, mutants, samples=12, batch=2)
    assert sampled.shape == (5,) and np.isfinite(sampled).all()
    assert sampled[0] == 0  # common random numbers: the wild type against itself
    grouped = likelihood_differences(model, focus, mutants, samples=12, weight_samples=2, batch=1)  # 3 chunks of 2
    assert np.allclose(grouped, likelihood_differences(model, focus, mutants, samples=12, weight_samples=2, batch=3),
                       atol=1e-5)  # one chunk
    means = likelihood_differences(model, focus, mutants, samples=12, weight_samples=0)
    assert grouped[0] == 0 and means[0] == 0 and not np.allclose(sampled, means)
    with pytest.raises(ValueError):
        likelihood_differences(model, focus, mutants, samples=12, weight_samples=13)
    # a MAP model ignores weight_samples
    map_model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12]).eval()
    assert np.array_equal(likelihood_differences(map_model, focus, mutants, samples=6, weight_samples=3),
                          likelihood_differences(map_model, focus, mutants, samples=6))


def test_importance_weighted_log_likelihoods():
    from seqgen.mutations import log_likelihoods

    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12]).eval()
    codes = np.random.default_rng(1).integers(0, 21, (4, 12)).astype(np.uint8)
    iwae = log_likelihoods(model, codes, samples=7, seed=5, batch=1, estimator="iwae")  # 4 chunks
    # the bound written out: the same shared draws, log mean_k p(x|z_k) p(z_k) / q(z_k|x)
    eps = torch.randn(7, 3, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        x = one_hot(torch.from_numpy(codes), 21)
        mu, log_sigma = model.encode(x)
        z = mu + log_sigma.exp() * eps.unsqueeze(1)  # (K, N, D)
        prior = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
        posterior = torch.distributions.Normal(mu, log_sigma.exp()).log_prob(z).sum(-1)
        expected = torch.logsumexp(model.log_px_given_z(x, z) + prior - posterior, 0) - np.log(7)
    assert np.allclose(iwae, expected.numpy(), atol=1e-4)
    # many draws: tighter than the ELBO for every sequence, and the same figure as VAE.log_likelihood
    many = log_likelihoods(model, codes, samples=4000, estimator="iwae")
    assert (many > log_likelihoods(model, codes, samples=4000)).all()
    reference = model.log_likelihood(x, samples=4000, generator=torch.Generator().manual_seed(9)).numpy()
    assert np.allclose(many, reference, atol=0.1)  # two independent estimates of one quantity
    with pytest.raises(ValueError, match="estimator"):
        log_likelihoods(model, codes, samples=4, estimator="exact")


def test_scoring_shows_its_progress_over_every_decoder_pass(monkeypatch):
    """score-mutants' default 500 samples take minutes on a CPU: its bar counts every decoder pass, and drawing
    it changes no score."""
    import tqdm.auto

    from seqgen.mutations import log_likelihoods

    bars = []

    class Recorder:
        def __init__(self, total, disable, **kwargs):
            self.total, self.disable, self.n = total, disable, 0
            bars.append(self)

        def update(self, n=1):
            self.n += n

        def close(self):
            pass

    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=True).eval()
    codes = np.random.default_rng(0).integers(0, 20, (7, 12)).astype(np.uint8)
    quiet = log_likelihoods(model, codes, samples=6, batch=2)
    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    for weight_samples in (None, 0):  # 6 weight draws of one chunk each; the posterior means: chunks of 2 sequences
        shown = log_likelihoods(model, codes, samples=6, batch=2, weight_samples=weight_samples, progress=True)
        assert bars[-1].disable is None and bars[-1].n == bars[-1].total == (6 if weight_samples is None else 4)
    assert np.array_equal(quiet, log_likelihoods(model, codes, samples=6, batch=2, progress=True))
    assert np.isfinite(shown).all() and bars[-1].disable is None


def test_bayesian_decoder_trains_scores_and_samples(tmp_path, capsys):
    focus = write_alignment(tmp_path / "fam.a2m")
    npz, model = tmp_path / "fam.npz", tmp_path / "vae"
    main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)])
    assert main(["train", "vae", "--data", str(npz), "--out", str(model), "--arch", "mlp", "--steps", "80",
                 "--set", "encoder_hidden=[32]", "--set", "decoder_hidden=[8,16]", "--set", "latent_dim=4",
                 "--set", "bayesian_decoder=true", "--set", "log_every=10", "--batch-size", "16",
                 "--no-progress", "--device", "cpu"]) == 0
    metrics = pd.read_csv(model / "metrics.csv")
    assert (metrics["weight_kl"] > 0).all() and "prior" not in metrics.columns
    first, last = metrics.iloc[:2].mean(numeric_only=True), metrics.iloc[-2:].mean(numeric_only=True)
    assert last["loss"] < first["loss"] and last["reconstruction"] < first["reconstruction"]
    vae, payload = load_generator(model)
    assert payload["config"]["bayesian_decoder"] and vae.bayesian
    assert any(k.startswith("weight_log_sigma.") for k in payload["state_dict"]["vae"])
    mean_sigma = torch.cat([p.detach().flatten() for p in vae.weight_log_sigma.values()]).mean()
    assert mean_sigma > -5  # the KL pushed the posterior widths up from their start
    codes = vae.sample(6, torch.Generator().manual_seed(0))
    assert codes.shape == (6, 16) and codes.dtype == torch.uint8

    mutants = tmp_path / "mutants.txt"
    first, second = f"{focus[0]}10{'A' if focus[0] != 'A' else 'C'}", f"{focus[3]}13{'W' if focus[3] != 'W' else 'Y'}"
    mutants.write_text(f"{first}\n{second}\n")
    out = tmp_path / "scores.tsv"
    assert main(["score-mutants", "--model", str(model), "--mutants", str(mutants), "--out", str(out),
                 "--samples", "10", "--device", "cpu"]) == 0
    assert np.isfinite(pd.read_csv(out, sep="\t")["vae"]).all()
    iwae = tmp_path / "iwae.tsv"
    assert main(["score-mutants", "--model", str(model), "--mutants", str(mutants), "--out", str(iwae),
                 "--samples", "10", "--weight-samples", "2", "--estimator", "iwae", "--device", "cpu"]) == 0
    scores = pd.read_csv(iwae, sep="\t")["vae"]
    assert np.isfinite(scores).all() and not np.allclose(scores, pd.read_csv(out, sep="\t")["vae"])
    assert "bound is the ELBO" not in capsys.readouterr().err
    assert main(["score-mutants", "--model", str(model), "--mutants", str(mutants), "--out", str(iwae),
                 "--samples", "10", "--estimator", "iwae", "--device", "cpu"]) == 0
    assert "note: with one decoder weight draw per latent draw" in capsys.readouterr().err
    assert main(["score-mutants", "--model", str(model), "--mutants", str(mutants), "--out", str(tmp_path / "x.tsv"),
                 "--samples", "10", "--weight-samples", "11"]) == 1
    assert not (tmp_path / "x.tsv").exists()


def test_map_checkpoints_without_the_key_still_load():
    from seqgen.tasks.vae import DEFAULTS, build_vae

    config = {k: v for k, v in DEFAULTS.items() if k not in ("bayesian_decoder", "weight_log_sigma_init", "gaps")}
    config.update(arch="mlp", encoder_hidden=[16], decoder_hidden=[8, 12], latent_dim=3)
    model = build_vae(config, 21, 12)
    assert not model.bayesian and model.weight_log_sigma is None
    assert not any("log_sigma" in k for k in model.state_dict())


@pytest.mark.parametrize("bayesian", [False, True])
def test_letter_dictionary_factorizes_the_output_weights(tmp_path, capsys, bayesian):
    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=bayesian,
                      dictionary=5)
    assert model.out_weight.shape == (12, 12, 5) and model.dictionary.shape == (5, 21)
    gate = torch.sigmoid(model.sparsity).repeat(4, 1).unsqueeze(-1)  # (H, L, 1)
    assert torch.allclose(model.output_weight(), torch.einsum("hlk,ka->hla", model.out_weight, model.dictionary) * gate)
    x = one_hot(torch.randint(0, 21, (5, 12)), 21)
    model.train()
    logits, _, _ = model(x)
    penalty = model.weight_kl() if bayesian else model.neg_log_prior()
    (logits.logsumexp(1).sum() + penalty).backward()
    assert model.dictionary.grad is not None and model.dictionary.grad.abs().sum() > 0
    if bayesian:
        assert "dictionary" in model.sample_weights() and model.weight_log_sigma["dictionary"].grad is not None
    # a negative size is refused (training through the command line: test_family_vae_with_a_dictionary_...)
    write_alignment(tmp_path / "fam.a2m")
    npz = tmp_path / "fam.npz"
    main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)])
    assert main(["train", "vae", "--data", str(npz), "--out", str(tmp_path / "bad"), "--arch", "mlp",
                 "--set", "dictionary=-1", "--steps", "2", "--no-progress", "--device", "cpu"]) != 0
    assert "setting 'dictionary' must be 0 or more, not -1" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def _train_family_vae_on(device: str, tmp_path):
    write_alignment(tmp_path / "fam.a2m")
    npz, out = tmp_path / "fam.npz", tmp_path / f"vae-{device}"
    main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)])
    assert main(["train", "vae", "--data", str(npz), "--out", str(out), "--arch", "mlp", "--steps", "80",
                 "--set", "encoder_hidden=[32]", "--set", "decoder_hidden=[8,16]", "--set", "latent_dim=4",
                 "--set", "dictionary=6", "--set", "log_every=10", "--batch-size", "16", "--no-progress",
                 "--device", device]) == 0
    metrics = pd.read_csv(out / "metrics.csv")
    assert metrics["loss"].iloc[-2:].mean() < metrics["loss"].iloc[:2].mean()
    on_device, _ = load_generator(out, device)
    on_cpu, _ = load_generator(out, "cpu")
    assert on_cpu.dictionary.shape == (6, 21) and on_cpu.bayesian  # the settings survive the checkpoint
    assert on_device.weight_kl().item() == pytest.approx(on_cpu.weight_kl().item(), rel=1e-4)
    x = one_hot(torch.randint(0, 21, (5, 16)), 21)
    eps = torch.randn(7, 4)
    assert torch.allclose(on_device.elbo(x.to(device), eps.to(device)).cpu(), on_cpu.elbo(x, eps), atol=1e-3)


def test_family_vae_with_a_dictionary_trains_and_reloads(tmp_path):
    _train_family_vae_on("cpu", tmp_path)


@pytest.mark.gpu
def test_family_vae_trains_on_cuda(tmp_path):
    """The variational decoder's closed-form KL, the dictionary and the ELBO on CUDA match the CPU."""
    _train_family_vae_on("cuda", tmp_path)


def _train_small_family_vae(tmp_path, setting: str):
    """Train a tiny family VAE from the command line with one extra ``--set``; assert the loss fell.
    Returns the command's other arguments (without ``--out``) and the model folder."""
    write_alignment(tmp_path / "fam.a2m")
    npz, out = tmp_path / "fam.npz", tmp_path / "vae"
    main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)])
    args = ["train", "vae", "--data", str(npz), "--arch", "mlp", "--steps", "40", "--set", "encoder_hidden=[32]",
            "--set", "decoder_hidden=[8,16]", "--set", "latent_dim=4", "--set", "log_every=10",
            "--batch-size", "16", "--no-progress", "--device", "cpu"]
    assert main([*args, "--out", str(out), "--set", setting]) == 0
    metrics = pd.read_csv(out / "metrics.csv")
    assert metrics["loss"].iloc[-2:].mean() < metrics["loss"].iloc[:2].mean()
    return args, out


def test_gaps_as_missing_data(tmp_path, capsys):
    """``gaps: missing``: gap positions add nothing to log p(x|z), the encoder reads them as zeros, no gap is
    sampled; trained from the command line and refused where it has no meaning."""
    from seqgen.protein import GAP

    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], missing=GAP).eval()
    codes = torch.randint(0, 20, (4, 12))
    gapped = codes.clone()
    gapped[:, 3:6] = GAP
    x, xg = one_hot(codes, 21), one_hot(gapped, 21)
    z = torch.randn(2, 4, 3)
    log_px, log_px_gapped = model.log_px_given_z(x, z), model.log_px_given_z(xg, z)
    probs = model.decode(z[0])
    assert torch.allclose(probs[:, :20].sum(1), torch.ones(4, 12)) and probs[:, GAP].max() < 1e-6
    per_position = torch.log_softmax(model.logits(z.reshape(8, 3)), 1).view(2, 4, 21, 12)
    at_gaps = (x.unsqueeze(0) * per_position)[..., 3:6].sum((2, 3))  # what the residues there scored
    assert torch.allclose(log_px_gapped, log_px - at_gaps, atol=1e-4)  # the gaps themselves add nothing
    blank = x.clone()
    blank[:, :, 3:6] = 0
    assert torch.allclose(model.encode(xg)[0], model.encode(blank)[0])
    assert int((model.sample(50) == GAP).sum()) == 0

    args, out = _train_small_family_vae(tmp_path, "gaps=missing")
    reloaded, _ = load_generator(out)
    assert reloaded.missing == GAP
    assert main([*args, "--out", str(tmp_path / "bad"), "--set", "gaps=ignored"]) != 0
    assert "setting 'gaps' must be one of auto, letter, missing" in capsys.readouterr().err
    conv = ["conv" if a == "mlp" else a for a in args]
    assert main([*conv, "--out", str(tmp_path / "bad"), "--set", "gaps=missing"]) != 0
    assert "'gaps: missing' needs 'arch: mlp'" in capsys.readouterr().err and not (tmp_path / "bad").exists()
    # the default, auto: missing for the family VAE on an alignment, a letter for the conv VAE; model.pt says which
    assert main([*args, "--out", str(tmp_path / "auto")]) == 0
    family, payload = load_generator(tmp_path / "auto")
    assert family.missing == GAP and payload["config"]["gaps"] == "missing"
    assert main([*args, "--out", str(tmp_path / "letter"), "--set", "gaps=letter"]) == 0
    assert load_generator(tmp_path / "letter")[0].missing is None
    assert main([*conv, "--out", str(tmp_path / "conv")]) == 0
    assert load_generator(tmp_path / "conv")[1]["config"]["gaps"] == "letter"


def test_deepsequence_initialization(tmp_path, capsys):
    """``init: deepsequence``: Glorot-normal weights, biases 0.1, a nearly deterministic q(z|x) at the start
    (log-sigma bias -5) and the raw temperature 1; trained from the command line, stored, and refused when unknown."""
    torch.manual_seed(0)
    shape = dict(latent_dim=4, encoder_hidden=[400, 300], decoder_hidden=[100, 200])
    ds = FamilyVAE(21, 40, **shape, init="deepsequence")
    plain = FamilyVAE(21, 40, **shape)
    first = ds.decoder[0]
    assert first.weight.std().item() == pytest.approx(math.sqrt(2 / (4 + 100)), rel=0.1)
    assert torch.all(first.bias == 0.1) and torch.all(ds.out_bias == 0.1)
    assert ds.out_weight.std().item() == pytest.approx(math.sqrt(2 / (200 + 40 * 21)), rel=0.05)
    assert ds.out_weight.std() < 0.7 * plain.out_weight.std()  # the default: 1 / sqrt(H)
    assert torch.nn.functional.softplus(ds.temperature).item() == pytest.approx(math.log1p(math.e))
    x = one_hot(torch.randint(0, 21, (6, 40)), 21)
    assert ds.encode(x)[1].mean().item() == pytest.approx(-5.0, abs=0.5)
    assert abs(plain.encode(x)[1].mean().item()) < 0.5
    with pytest.raises(ValueError, match="init must be one of"):
        FamilyVAE(21, 40, **shape, init="xavier")

    args, out = _train_small_family_vae(tmp_path, "init=deepsequence")
    assert load_generator(out)[1]["config"]["init"] == "deepsequence"
    assert main([*args, "--out", str(tmp_path / "bad"), "--set", "init=xavier"]) != 0
    assert "setting 'init' must be one of torch, deepsequence" in capsys.readouterr().err
    conv = ["conv" if a == "mlp" else a for a in args]
    assert main([*conv, "--out", str(tmp_path / "bad"), "--set", "init=deepsequence"]) != 0
    assert "'init: deepsequence' needs 'arch: mlp'" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_score_mutants_with_an_ensemble(tmp_path, capsys):
    """Several models: ``vae`` is the mean of each model's own scores and ``vae_std`` their spread; a model of
    another alignment is refused with nothing written."""
    from seqgen.alphabets import PROTEIN_GAP, decode

    args, first = _train_small_family_vae(tmp_path, "kl_warmup=0")
    second = tmp_path / "vae-seed1"
    assert main([*args, "--out", str(second), "--seed", "1", "--set", "kl_warmup=0"]) == 0
    _, payload = load_generator(first)
    letters = decode(np.asarray(payload["family"]["focus_codes"], dtype=np.uint8)[None], PROTEIN_GAP)[0]
    mutants = tmp_path / "mutants.txt"
    mutants.write_text("".join(f"{letters[i]}{10 + i}{'A' if letters[i] != 'A' else 'C'}\n" for i in range(6)))

    def scores(*models, out):
        assert main(["score-mutants", "--model", *map(str, models), "--mutants", str(mutants), "--out", str(out),
                     "--samples", "10", "--device", "cpu"]) == 0
        return pd.read_csv(out, sep="\t")

    one, two = scores(first, out=tmp_path / "a.tsv"), scores(second, out=tmp_path / "b.tsv")
    both = scores(first, second, out=tmp_path / "ab.tsv")
    assert "with 2 models" in capsys.readouterr().err and "vae_std" not in one
    pair = np.stack([one["vae"], two["vae"]])
    assert np.allclose(both["vae"], pair.mean(0), atol=1e-4)
    assert np.allclose(both["vae_std"], pair.std(0, ddof=1), atol=1e-4) and (both["vae_std"] > 0).any()
    assert np.allclose(both["site_independent"], one["site_independent"])

    write_alignment(tmp_path / "other.a2m", seed=5)  # another focus sequence
    main(["encode", str(tmp_path / "other.a2m"), "--alphabet", "protein-gap", "--out", str(tmp_path / "other.npz")])
    other = [a if a != str(tmp_path / "fam.npz") else str(tmp_path / "other.npz") for a in args]
    assert main([*other, "--out", str(tmp_path / "vae-other")]) == 0
    assert main(["score-mutants", "--model", str(first), str(tmp_path / "vae-other"), "--mutants", str(mutants),
                 "--out", str(tmp_path / "x.tsv"), "--samples", "10", "--device", "cpu"]) == 1
    assert "models of one alignment" in capsys.readouterr().err and not (tmp_path / "x.tsv").exists()


def test_family_vae_logits_and_map_prior_written_out():
    """Logits ``softplus(t) * (h W + b)`` with ``W`` gated per column by ``sigmoid(S)`` tiled over the hidden units,
    and the MAP prior ``0.5 ||W||^2`` over the weight matrices (no biases) plus the logit-normal sparsity term."""
    from seqgen.models.family_vae import SPARSITY_MU, SPARSITY_SIGMA

    torch.manual_seed(0)
    model = FamilyVAE(5, 6, latent_dim=2, encoder_hidden=[8], decoder_hidden=[4, 8], patterns=4)
    with torch.no_grad():
        model.out_bias.normal_()
        model.sparsity.normal_(0, 2)
        model.temperature.fill_(0.3)
    first, second = model.decoder[0], model.decoder[2]
    z = torch.randn(3, 2)
    with torch.no_grad():
        h = torch.sigmoid(torch.relu(z @ first.weight.T + first.bias) @ second.weight.T + second.bias)  # (N, H)
        gate = torch.sigmoid(model.sparsity)[torch.arange(8) % 2]  # (H, L): unit j gated by row j mod H / patterns
        w = model.out_weight * gate[:, :, None]  # (H, L, A)
        expected = math.log1p(math.exp(0.3)) * (torch.einsum("nh,hla->nal", h, w) + model.out_bias)
        assert torch.allclose(model.logits(z), expected, atol=1e-5)
        prior = 0.5 * sum(float(p.pow(2).sum()) for p in (model.out_weight, first.weight, second.weight))
        prior += 0.5 * float((((model.sparsity - SPARSITY_MU) / SPARSITY_SIGMA) ** 2).sum())
        assert float(model.neg_log_prior()) == pytest.approx(prior, rel=1e-5)


def _alignment_task(tmp_path, **overrides):
    from seqgen.io import read_sequences
    from seqgen.tasks import build_task, merge_config
    from seqgen.training import Context

    write_alignment(tmp_path / "fam.a2m")
    data = read_sequences(tmp_path / "fam.a2m", "protein-gap")
    config, settings = merge_config("vae", {"arch": "mlp", "encoder_hidden": [16], "decoder_hidden": [8, 16],
                                            "latent_dim": 3, "batch_size": 16, "progress": False, **overrides})
    task, device_data = build_task("vae", config, settings, data, torch.device("cpu"))
    ctx = Context(torch.device("cpu"), settings, torch.Generator().manual_seed(0))
    task.prepare(ctx)
    return data, task, device_data, ctx


def test_alignment_batches_are_drawn_by_sequence_weight_and_the_prior_is_divided_by_neff(tmp_path, capsys):
    """The gappy row is dropped, the others are drawn by their DeepSequence weights (whose sum is neff), and the
    MAP decoder prior enters the loss as prior_weight * neg_log_prior / neff."""
    import copy

    from seqgen.protein import sequence_weights

    data, task, device_data, ctx = _alignment_task(tmp_path, bayesian_decoder=False, prior_weight=2.0)
    kept = data.codes[:-1]  # the last row, mostly gaps, is dropped
    weights = sequence_weights(kept, 0.2)
    assert weights.min() < 1 and device_data.weights is not None
    assert np.allclose(device_data.weights.numpy(), weights)
    neff = task.family["neff"]
    assert neff == pytest.approx(float(weights.sum()), rel=1e-6) and neff < len(kept)
    before = copy.deepcopy(task.vae)
    metrics = task.train_step(1, ctx)
    assert float(metrics["prior"]) == pytest.approx(2.0 * before.neg_log_prior().item() / neff, rel=1e-5)
    assert _alignment_task(tmp_path, reweight=False)[2].weights is None


def test_importance_weighted_bound_is_averaged_over_decoder_weight_draws():
    """With weight draws the IWAE bound is taken over each draw's latent draws, then averaged over draws: at
    posterior widths near 0 every draw decodes with the means."""
    from seqgen.mutations import log_likelihoods

    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=True,
                      log_sigma_init=-30.0).eval()
    codes = np.random.default_rng(2).integers(0, 20, (3, 12)).astype(np.uint8)
    got = log_likelihoods(model, codes, samples=6, seed=4, weight_samples=3, estimator="iwae")
    eps = torch.randn(6, 3, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        x = one_hot(torch.from_numpy(codes), 21)
        mu, log_sigma = model.encode(x)
        bounds = []
        for group in eps.split(2):  # 3 weight draws of 2 latent draws each
            z = mu + log_sigma.exp() * group.unsqueeze(1)
            prior = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
            posterior = torch.distributions.Normal(mu, log_sigma.exp()).log_prob(z).sum(-1)
            bounds.append(torch.logsumexp(model.log_px_given_z(x, z) + prior - posterior, 0) - math.log(2))
    assert np.allclose(got, torch.stack(bounds).mean(0).numpy(), atol=1e-4)


def test_a_bayesian_model_in_eval_mode_decodes_with_the_posterior_means():
    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12], bayesian=True,
                      log_sigma_init=-1.0).eval()
    x = one_hot(torch.randint(0, 21, (5, 12)), 21)
    with torch.no_grad():
        logits, mu, log_sigma = model(x, torch.Generator().manual_seed(2))
        z = mu + log_sigma.exp() * torch.randn(mu.shape, generator=torch.Generator().manual_seed(2))
        assert torch.allclose(logits, model.logits(z), atol=1e-6)  # z drawn first: no weight draw before it


def test_the_variational_decoders_weight_kl_is_divided_by_neff(tmp_path, capsys):
    """With a Bayesian decoder the loss adds prior_weight * KL(q(w) || p(w)) / neff (not / the number of rows)."""
    import copy

    data, task, device_data, ctx = _alignment_task(tmp_path, bayesian_decoder=True, prior_weight=2.0)
    neff = task.family["neff"]
    assert neff < len(device_data)
    before = copy.deepcopy(task.vae)
    metrics = task.train_step(1, ctx)
    assert float(metrics["weight_kl"]) == pytest.approx(2.0 * before.weight_kl().item() / neff, rel=1e-5)


def test_alignment_gap_filter_keeps_rows_at_the_limit_and_always_the_focus(capsys):
    """Rows with more than max_gap_fraction gaps are dropped; a row at the limit stays, and so does the focus (row 0)
    however gappy."""
    from seqgen.protein import GAP
    from seqgen.tasks.vae import prepare_alignment

    g = GAP
    codes = np.array([[0, g, g, g], [1, 2, g, g], [g, g, g, 3], [4, 5, 6, 7]], np.uint8)  # 3/4, 2/4, 3/4, 0/4 gaps
    data = SequenceSet(codes, "protein-gap", ["focus", "half", "gappy", "full"], meta={"focus_positions": [1, 2, 3, 4]})
    kept, weights, summary = prepare_alignment(data, {"max_gap_fraction": 0.5, "theta": 0.2, "reweight": False}, "cpu")
    assert list(kept.ids) == ["focus", "half", "full"]
    assert summary["n_dropped_gaps"] == 1 and summary["n_sequences"] == 3 and summary["neff"] == 3.0
    assert summary["focus_codes"] == codes[0].tolist() and summary["focus_id"] == "focus"
    assert np.array_equal(weights, np.ones(3))


def test_an_alignment_whose_first_row_is_not_its_focus_is_refused(tmp_path):
    """A subset of an alignment that keeps its meta (its focus id) but not the focus row: a family VAE trained on it
    would store another sequence's letters as the focus's (its wild type)."""
    from seqgen.errors import SeqgenError
    from seqgen.tasks.vae import prepare_alignment

    codes = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]], np.uint8)
    data = SequenceSet(codes, "protein-gap", ["b", "c", "d"], meta={"focus_id": "a", "focus_positions": [1, 2, 3]})
    with pytest.raises(SeqgenError, match="focus sequence 'a' is not its first row \\('b'\\)"):
        prepare_alignment(data, {"max_gap_fraction": 0.5, "theta": 0.2, "reweight": False}, "cpu")
    data.ids[0] = "a"
    assert prepare_alignment(data, {"max_gap_fraction": 0.5, "theta": 0.2, "reweight": False}, "cpu")[2][
        "focus_id"] == "a"


def test_an_ensemble_writes_the_mean_and_sample_std_of_its_models_scores(tmp_path, monkeypatch):
    """Three models (their scores stubbed): ``vae`` is the mean, not the median, ``vae_std`` the SD with ddof=1."""
    import seqgen.generate
    import seqgen.mutations as mutations
    from seqgen.alphabets import PROTEIN_GAP

    family = {"focus_positions": [10, 11, 12], "focus_codes": encode(["MKV"], PROTEIN_GAP)[0],
              "site_log_freq": np.zeros((21, 3))}
    monkeypatch.setattr(mutations, "family_payloads", lambda paths: [{"family": family}] * len(paths))
    monkeypatch.setattr(seqgen.generate, "generator_from_payload", lambda payload, device: object())
    own = iter([np.array([-1.0, 0.5]), np.array([-2.0, 0.5]), np.array([-6.0, 2.0])])
    monkeypatch.setattr(mutations, "likelihood_differences", lambda *args, **kwargs: next(own))
    (tmp_path / "m.txt").write_text("K11R\nV12A\n")
    mutations.score_mutants(["a", "b", "c"], tmp_path / "m.txt", tmp_path / "s.tsv")
    table = pd.read_csv(tmp_path / "s.tsv", sep="\t", keep_default_na=False)
    assert list(table.columns) == ["mutant", "vae", "vae_std", "site_independent", "note"]
    assert table["vae"].tolist() == [-3.0, 1.0]  # medians: -2, 0.5
    assert table["vae_std"].tolist() == [round(math.sqrt(14 / 2), 5), round(math.sqrt(1.5 / 2), 5)]

def test_scores_are_rounded_to_5_decimals_without_a_negative_zero():
    from seqgen.mutations import _rounded

    out = _rounded(np.array([-1e-7, -4e-6, 1.234567, -2.000004], np.float32))
    assert out.tolist() == [0.0, 0.0, 1.23457, -2.0] and not np.signbit(out[:2]).any()
    assert pd.DataFrame({"v": out[:2]}).to_csv(index=False).split() == ["v", "0.0", "0.0"]


def test_mutation_scores_are_elbo_differences_over_shared_draws():
    """score = ELBO(mutant) - ELBO(wild type), both from the same ``samples`` draws seeded by ``seed``."""
    from seqgen.mutations import likelihood_differences, log_likelihoods

    torch.manual_seed(0)
    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12]).eval()
    focus = np.random.default_rng(2).integers(0, 20, 12).astype(np.uint8)
    mutants = np.repeat(focus[None], 3, 0)
    mutants[[0, 1, 2], [0, 4, 7]] = (focus[[0, 4, 7]] + 3) % 20
    codes = np.concatenate([focus[None], mutants])
    eps = torch.randn(9, 3, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        x = one_hot(torch.from_numpy(codes), 21)
        mu, log_sigma = model.encode(x)
        z = mu + log_sigma.exp() * eps.unsqueeze(1)  # (K, N, D)
        kl = 0.5 * (mu ** 2 + log_sigma.exp() ** 2 - 1 - 2 * log_sigma).sum(1)
        elbo = (model.log_px_given_z(x, z).mean(0) - kl).double().numpy()
    assert np.allclose(log_likelihoods(model, codes, samples=9, seed=4, batch=1), elbo, atol=1e-4)
    assert np.allclose(likelihood_differences(model, focus, mutants, samples=9, seed=4), elbo[1:] - elbo[0], atol=1e-4)


def test_site_independent_differences_are_mutant_minus_wild_type_log_frequencies():
    from seqgen.mutations import site_independent_differences

    freq = np.array([[0.7, 0.2], [0.2, 0.5], [0.1, 0.3]])  # (A, L): 3 letters, 2 columns
    focus = np.array([0, 1], np.uint8)
    mutants = np.array([[1, 1], [0, 0], [2, 2], [0, 1]], np.uint8)
    expected = np.log([0.2 / 0.7, 0.2 / 0.5, 0.1 * 0.3 / (0.7 * 0.5), 1.0])
    np.testing.assert_allclose(site_independent_differences(np.log(freq), focus, mutants), expected, atol=1e-12)


def test_an_ensemble_of_one_focus_sequence_numbered_differently_is_refused(monkeypatch):
    import seqgen.mutations as mutations
    from seqgen.errors import SeqgenError

    focus = encode(["MKV"], "protein-gap")[0]
    numbering = {"a": [10, 11, 12], "b": [10, 11, 12], "c": [20, 21, 22]}
    monkeypatch.setattr(mutations, "load_model_file", lambda path, kind: {
        "family": {"focus_positions": numbering[path], "focus_codes": focus}})
    assert len(mutations.family_payloads(["a", "b"])) == 2
    with pytest.raises(SeqgenError, match="focus sequence or numbering differs"):
        mutations.family_payloads(["a", "c"])


def test_the_report_shows_the_family_vaes_alignment(tmp_path):
    """The effective number of sequences, the first figure a protein user checks, was only in the training log."""
    from seqgen.checkpoint import load_checkpoint
    from seqgen.report import build_report
    from seqgen.report.page import card

    write_alignment(tmp_path / "fam.a2m", n=30)
    assert main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out",
                 str(tmp_path / "data.npz")]) == 0
    assert main(["train", "vae", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "generator" / "vae"),
                 "--arch", "mlp", "--steps", "2", "--set", "encoder_hidden=[8]", "--set", "decoder_hidden=[8]",
                 "--set", "theta=0.3", "--no-progress", "--device", "cpu"]) == 0
    family = load_checkpoint(tmp_path / "generator" / "vae", "vae")["family"]
    page, _ = build_report(tmp_path)
    assert card(f"effective sequences of the {family['n_sequences']} the VAE trained on (theta 0.3)",
                round(family["neff"], 1)) in page
    assert card("sequences in the data set", 32) in page and family["n_sequences"] == 31  # the gappy row dropped
    assert "alignment (sequence weights)</h3>" in page and family["focus_id"] in page


def test_score_mutants_compares_with_a_measured_column(tmp_path, capsys):
    """--measured COLUMN copies a scan's measurements beside the scores and prints their Spearman correlations, the
    figure a protein user checks first (it needed a join by mutant name)."""
    write_alignment(tmp_path / "fam.a2m")
    npz, model = tmp_path / "fam.npz", tmp_path / "vae"
    assert main(["encode", str(tmp_path / "fam.a2m"), "--alphabet", "protein-gap", "--out", str(npz)]) == 0
    assert main(["train", "vae", "--data", str(npz), "--out", str(model), "--arch", "mlp", "--steps", "3",
                 "--set", "encoder_hidden=[16]", "--set", "decoder_hidden=[8]", "--no-progress",
                 "--device", "cpu"]) == 0
    focus = SequenceSet.load(npz).sequences[0]
    names = [f"{focus[i]}{10 + i}{new}" for i in range(8) for new in "ACW" if new != focus[i]]
    pd.DataFrame({"mutant": names}).to_csv(tmp_path / "m.csv", index=False)
    common = ["--model", str(model), "--samples", "10", "--device", "cpu", "--no-progress"]
    assert main(["score-mutants", *common, "--mutants", str(tmp_path / "m.csv"), "--out", str(tmp_path / "a.tsv")]) == 0
    site = pd.read_csv(tmp_path / "a.tsv", sep="\t")["site_independent"]
    measured = site.map(lambda v: f"{v:.5f}").tolist()
    measured[0] = "NA"  # not measured: left out of the correlation
    pd.DataFrame({"mutant": names, "fitness": measured}).to_csv(tmp_path / "scan.csv", index=False)
    capsys.readouterr()
    assert main(["score-mutants", *common, "--mutants", str(tmp_path / "scan.csv"), "--measured", "fitness",
                 "--out", str(tmp_path / "b.tsv")]) == 0
    err = capsys.readouterr().err
    assert f"Spearman with fitness ({len(names) - 1} mutants measured and scored): family VAE " in err
    assert err.rstrip().endswith("site-independent 1.000")  # the measurements are the site-independent scores
    table = pd.read_csv(tmp_path / "b.tsv", sep="\t")
    assert np.isnan(table["measured_fitness"][0]) and np.allclose(table["measured_fitness"][1:], site[1:], atol=1e-5)
    for column, content, message in (("score", "mutant,fitness\nA10C,1\n", "no column 'score' of measured values: "
                                      "the file has columns mutant, fitness"),
                                     ("fitness", "mutant,fitness\nA10C,high\n", "column 'fitness', row 1: 'high' is "
                                      "not a finite number"),
                                     ("fitness", "mutant,fitness\nA10C,1\nA10C,inf\n", "column 'fitness', row 2: "
                                      "'inf' is not a finite number")):  # inf was ranked above every measurement
        (tmp_path / "bad.csv").write_text(content)
        assert main(["score-mutants", *common, "--mutants", str(tmp_path / "bad.csv"), "--measured", column,
                     "--out", str(tmp_path / "c.tsv")]) == 1
        assert message in capsys.readouterr().err and not (tmp_path / "c.tsv").exists()


def test_likelihood_differences_refuse_codes_of_another_shape_in_one_line():
    from seqgen.mutations import likelihood_differences, log_likelihoods

    model = FamilyVAE(21, 12, latent_dim=3, encoder_hidden=[16], decoder_hidden=[8, 12])
    focus, mutants = np.zeros(12, np.uint8), np.ones((2, 12), np.uint8)
    for f, m in ((focus, mutants[:, :10]), (focus[:10], mutants[:, :10]), (focus[None], mutants), (focus, mutants[0])):
        with pytest.raises(ValueError, match=r"^(focus_codes|mutant_codes) must be .*of the model's length 12"):
            likelihood_differences(model, f, m, samples=2)
    with pytest.raises(ValueError, match=r"^codes must be \(N, 12\)"):
        log_likelihoods(model, one_hot(mutants, 21), samples=2)  # one-hot, not codes
    assert np.allclose(likelihood_differences(model, torch.from_numpy(focus), torch.from_numpy(mutants), samples=2),
                       likelihood_differences(model, focus, mutants, samples=2))  # tensors are read as numpy
