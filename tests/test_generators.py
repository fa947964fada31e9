"""Generators (VAE, WGAN-GP) on tiny data: shapes, training, likelihoods, resume."""
import contextlib
import csv

import numpy as np
import pytest
import torch

from seqgen.data import SequenceSet, one_hot
from seqgen.device import select_device
from seqgen.generate import load_generator, sample_codes
from seqgen.models.gan import Critic, Generator
from seqgen.models.vae import ConvVAE
from seqgen.tasks import merge_config, recipe
from seqgen.tasks.gan import gradient_penalty
from seqgen.training import Trainer, TrainingDiverged

CPU = select_device("cpu")
TINY = {"latent_dim": 8, "channels": 16, "blocks": 1, "progress": False}


def family(n=256, length=16, alphabet="dna", size=4, p=0.85, seed=0):
    """A 'family': each position has a preferred letter, taken with probability ``p``."""
    rng = np.random.default_rng(seed)
    consensus = np.random.default_rng(99).integers(0, size, length)
    codes = np.where(rng.random((n, length)) < p, consensus, rng.integers(0, size, (n, length))).astype(np.uint8)
    return SequenceSet(codes, alphabet, [f"s{i}" for i in range(n)])


def train(kind, data, out, steps, resume=False, **overrides):
    config, settings = merge_config(kind, {**TINY, "steps": steps, "checkpoint_every": 5, "log_every": 5,
                                           "batch_size": 32, **overrides})
    task, _ = recipe(kind).make_task(config, data, CPU)
    result = Trainer(task, settings, out, data.alphabet.name, data.length).fit(CPU, resume=resume)
    return task, result


def rows(out):
    with open(out / "metrics.csv") as f:
        return list(csv.DictReader(f))


def test_shapes():
    z = torch.randn(3, 10)
    gen, critic = Generator(4, 12, latent_dim=10, channels=8, blocks=2), Critic(4, 12, channels=8, blocks=2)
    probs = gen(z)
    assert probs.shape == (3, 4, 12) and torch.allclose(probs.sum(1), torch.ones(3, 12))
    assert critic(probs).shape == (3,)
    assert gen.sample(5).shape == (5, 12) and gen.sample(5).dtype == torch.uint8
    vae = ConvVAE(21, 12, latent_dim=6, channels=8, blocks=1)
    x = one_hot(torch.randint(0, 21, (3, 12)), 21)
    mu, log_sigma = vae.encode(x)
    assert mu.shape == log_sigma.shape == (3, 6)
    assert vae.decode(mu).shape == (3, 21, 12)
    assert vae(x)[0].shape == (3, 21, 12)
    assert vae.sample(4).shape == (4, 12) and int(vae.sample(4).max()) < 21
    assert vae.interpolate(x[0], x[1], steps=5).shape == (5, 21, 12)
    assert vae.log_likelihood(x, samples=7).shape == (3,)


def test_gradient_penalty_is_taken_on_interpolates_over_the_whole_input():
    real, fake = torch.ones(6, 4, 5), torch.zeros(6, 4, 5)
    critic = lambda x: 0.5 * x.pow(2).sum((1, 2))  # noqa: E731  gradient at x_hat is x_hat itself
    g = torch.Generator().manual_seed(3)
    d_real, d_fake, gp = gradient_penalty(critic, real, fake, g, contextlib.nullcontext)
    alpha = torch.rand((6, 1, 1), generator=torch.Generator().manual_seed(3))
    expected = ((alpha.flatten() * (4 * 5) ** 0.5 - 1) ** 2).mean()
    assert torch.allclose(gp, expected)
    assert torch.allclose(d_real, torch.full((6,), 10.0)) and torch.allclose(d_fake, torch.zeros(6))
    assert gp.requires_grad  # the penalty is differentiable (double backward)


def test_vae_training_lowers_the_loss(tmp_path):
    train("vae", family(), tmp_path, 60, kl_warmup=20)
    log = rows(tmp_path)
    assert float(log[-1]["reconstruction"]) < 0.7 * float(log[0]["reconstruction"])
    assert {"loss", "kl", "kl_weight", "elbo", "seqs_per_s"} <= set(log[0])


def test_vae_likelihood_ranks_real_above_shuffled_and_random(tmp_path):
    task, _ = train("vae", family(), tmp_path, 120, kl_warmup=30, lr=3e-3)
    model, _ = load_generator(tmp_path)
    held = family(64, seed=1).codes
    rng = np.random.default_rng(0)
    shuffled = rng.permuted(held, axis=1)
    random = rng.integers(0, 4, held.shape).astype(np.uint8)
    ll = {name: model.log_likelihood(one_hot(torch.from_numpy(c), 4), samples=16).mean()
          for name, c in [("real", held), ("shuffled", shuffled), ("random", random)]}
    assert ll["real"] > ll["shuffled"] + 3 and ll["real"] > ll["random"] + 3


def test_gan_trains_logs_the_wasserstein_estimate_and_samples(tmp_path):
    task, result = train("gan", family(), tmp_path, 10, critic_steps=2)
    log = rows(tmp_path)
    assert {"critic_loss", "generator_loss", "wasserstein", "gradient_penalty"} <= set(log[-1])
    assert result.steps == 10
    model, payload = load_generator(tmp_path)
    assert payload["kind"] == "gan" and sample_codes(model, 7).shape == (7, 16)


def test_gan_divergence_check_stops_training(tmp_path):
    with pytest.raises(TrainingDiverged, match="Wasserstein estimate"):
        train("gan", family(), tmp_path, 10, critic_steps=1, max_wasserstein=1e-9)


@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_resume_is_exact(tmp_path, kind):
    extra = {"critic_steps": 2} if kind == "gan" else {"kl_warmup": 4}
    full, _ = train(kind, family(), tmp_path / "a", 10, **extra)
    train(kind, family(), tmp_path / "b", 5, **extra)
    resumed, _ = train(kind, family(), tmp_path / "b", 10, resume=True, **extra)
    for name, module in full.modules().items():
        for (key, a), b in zip(module.state_dict().items(), resumed.modules()[name].state_dict().values()):
            assert torch.equal(a, b), (name, key)


def test_vae_on_protein_with_gaps(tmp_path):
    data = family(64, 10, "protein-gap", 21)
    train("vae", data, tmp_path, 5)
    model, payload = load_generator(tmp_path)
    codes = sample_codes(model, 9, seed=1)
    assert payload["alphabet"] == "protein-gap" and codes.shape == (9, 10) and codes.max() < 21
    assert np.array_equal(codes, sample_codes(model, 9, seed=1))


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_training_on_cuda_with_bf16_and_fused_adam(tmp_path, kind):
    cuda = select_device("cuda")
    config, settings = merge_config(kind, {**TINY, "steps": 10, "log_every": 5, "batch_size": 32})
    task, _ = recipe(kind).make_task(config, family(), cuda)
    Trainer(task, settings, tmp_path, "dna", 16).fit(cuda)
    assert all(np.isfinite(float(v)) for k, v in rows(tmp_path)[-1].items() if k != "step")
    model, _ = load_generator(tmp_path, cuda)
    assert sample_codes(model, 5).shape == (5, 16)
