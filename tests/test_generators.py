"""Generators (VAE, WGAN-GP) on tiny data: shapes, training, likelihoods, resume."""
import contextlib
import copy
import csv

import numpy as np
import pytest
import torch

from seqgen.data import SequenceSet, one_hot
from seqgen.device import select_device
from seqgen.generate import load_generator, sample_codes
from seqgen.models.gan import Critic, Generator
from seqgen.models.autoregressive import AutoregressiveDecoder
from seqgen.models.vae import ConvVAE
from seqgen.tasks import build_task, merge_config, recipe
from seqgen.tasks.gan import gradient_penalty
from seqgen.training import Context, Trainer, TrainingDiverged

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
    task, _ = build_task(kind, config, settings, data, CPU)
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


def pairs(n=512, length=24, seed=0):
    """Random letters at even positions, each followed by its successor (``(c + 1) % 4``): a strong 2-mer rule."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 4, (n, length // 2))
    codes = np.stack([first, (first + 1) % 4], axis=2).reshape(n, length).astype(np.uint8)
    return SequenceSet(codes, "dna", [f"s{i}" for i in range(n)])


def rule_kept(codes: np.ndarray) -> float:
    """Fraction of (even, odd) position pairs of ``codes (N, L)`` that follow the successor rule."""
    return float(((codes[:, 0::2].astype(int) + 1) % 4 == codes[:, 1::2]).mean())


def test_network_towers_compute_their_documented_layers():
    """Residual block x + scale * conv(relu(conv(relu(x)))) with 'same' padding; LatentToSequence: linear, view
    (N, C, L), blocks, 1x1 conv; SequenceToVector: 1x1 conv, blocks, flatten, linear."""
    import torch.nn.functional as F

    from seqgen.nn import LatentToSequence, SequenceToVector

    torch.manual_seed(0)

    def block(m, h):
        inner = F.conv1d(F.relu(h), m.body[1].weight, m.body[1].bias, padding=2)
        return h + 0.3 * F.conv1d(F.relu(inner), m.body[3].weight, m.body[3].bias, padding=2)

    up = LatentToSequence(3, 4, 7, channels=5, blocks=2, kernel_size=5, scale=0.3)
    z = torch.randn(2, 3)
    h = (z @ up.linear.weight.T + up.linear.bias).view(2, 5, 7)
    h = block(up.tower[1], block(up.tower[0], h))
    expected = torch.einsum("ac,ncl->nal", up.out.weight[..., 0], h) + up.out.bias[:, None]
    with torch.no_grad():
        assert torch.allclose(up(z), expected, atol=1e-5)
    down = SequenceToVector(4, 7, 6, channels=5, blocks=1, kernel_size=5, scale=0.3)
    x = torch.rand(2, 4, 7)
    h = torch.einsum("ca,nal->ncl", down.inp.weight[..., 0], x) + down.inp.bias[:, None]
    expected = block(down.tower[0], h).flatten(1) @ down.linear.weight.T + down.linear.bias
    with torch.no_grad():
        assert torch.allclose(down(x), expected, atol=1e-5)


def test_autoregressive_decoder_is_causal():
    torch.manual_seed(0)
    dec = AutoregressiveDecoder(6, 4, 20, channels=8, blocks=1, dilations=[1, 2], causal_kernel=3).eval()
    z, codes = torch.randn(2, 6), torch.randint(0, 4, (2, 20))
    base = dec(z, one_hot(codes, 4))
    for j in (0, 7, 19):
        changed = codes.clone()
        changed[:, j] = (changed[:, j] + 1) % 4
        diff = (dec(z, one_hot(changed, 4)) - base).abs().amax((0, 1))  # (L,)
        assert diff[:j + 1].max() == 0, j  # positions <= j do not see letter j
        if j + 1 < 20:
            assert diff[j + 1] > 0  # the next one does
    assert dec.receptive_field == 1 + 2 * (1 + 1 + 2)


def test_autoregressive_decoder_computes_its_documented_stack_and_gradients():
    """Logits of the input shifted right by one through a causal conv plus the z features, then blocks
    h + scale * mix(relu(causal_conv(relu(h)) + cond(c))), then relu and a 1x1 conv; the z features reach the logits
    at the input and through every block (the same gradient in z as the stack written with F.conv1d)."""
    import torch.nn.functional as F

    torch.manual_seed(0)
    dec = AutoregressiveDecoder(3, 4, 9, channels=6, blocks=1, kernel_size=3, dilations=(1, 2), causal_kernel=3)
    z = torch.randn(2, 3, requires_grad=True)
    x = one_hot(torch.randint(0, 4, (2, 9)), 4)
    got = dec(z, x)
    (grad,) = torch.autograd.grad(got.pow(2).sum(), z)
    zz = z.detach().clone().requires_grad_(True)
    c = dec.context(zz)
    shifted = F.pad(x, (1, 0))[..., :-1]
    h = F.conv1d(F.pad(shifted, (2, 0)), dec.inp.weight, dec.inp.bias) + c
    for block, d in zip(dec.blocks, (1, 2)):
        inner = F.conv1d(F.pad(F.relu(h), (2 * d, 0)), block.conv.weight, block.conv.bias, dilation=d)
        inner = F.relu(inner + F.conv1d(c, block.cond.weight, block.cond.bias))
        h = h + 0.3 * F.conv1d(inner, block.mix.weight, block.mix.bias)
    expected = F.conv1d(F.relu(h), dec.out[1].weight, dec.out[1].bias)
    (expected_grad,) = torch.autograd.grad(expected.pow(2).sum(), zz)
    assert torch.allclose(got, expected, atol=1e-5) and torch.allclose(grad, expected_grad, atol=1e-5)


def test_autoregressive_sampling_matches_teacher_forcing():
    """The buffered sequential pass gives the logits of the full teacher-forced pass."""
    torch.manual_seed(1)
    vae = ConvVAE(4, 30, latent_dim=5, channels=8, blocks=1, decoder="autoregressive", dilations=[1, 2])
    z = torch.randn(6, 5)
    greedy = vae.decoder.generate(z, greedy=True)
    probs = vae.decode(z)  # teacher-forced on the greedy sequence
    assert probs.shape == (6, 4, 30) and torch.allclose(probs.sum(1), torch.ones(6, 30))
    assert torch.equal(probs.argmax(1), greedy)
    codes = vae.sample(7, torch.Generator().manual_seed(3))
    assert codes.shape == (7, 30) and codes.dtype == torch.uint8 and int(codes.max()) < 4
    drawn = torch.randint(0, 4, (6, 30))  # any sequence: the step logits are the teacher-forced ones
    steps = torch.stack([logits for _, logits in vae.decoder._step_logits(z, drawn)], 2)  # (N, A, L)
    assert torch.allclose(steps, vae.decoder(z, one_hot(drawn, 4)), atol=1e-5)
    assert torch.equal(codes, vae.sample(7, torch.Generator().manual_seed(3)))
    assert not torch.equal(codes, vae.sample(7, torch.Generator().manual_seed(4)))
    x = one_hot(codes.long(), 4)
    assert vae.log_likelihood(x, samples=5).shape == (7,) and vae.interpolate(x[0], x[1], 4).shape == (4, 4, 30)
    relaxed = torch.softmax(torch.randn(3, 4, 30), 1).requires_grad_()
    vae.elbo(relaxed, torch.randn(2, 5)).sum().backward()
    assert relaxed.grad is not None and relaxed.grad.abs().sum() > 0
    z = z.requires_grad_()
    (vae.decode(z)[:, 0] ** 2).sum().backward()  # latent design: differentiable in z
    assert z.grad.abs().sum() > 0


def test_autoregressive_vae_learns_a_kmer_rule_the_independent_one_misses(tmp_path):
    kept = {}
    for decoder in ("independent", "autoregressive"):
        train("vae", pairs(), tmp_path / decoder, 150, kl_warmup=30, lr=1e-2, decoder=decoder,
              dilations=[1, 2], free_bits=0.1)
        log = rows(tmp_path / decoder)
        assert float(log[-1]["reconstruction"]) < float(log[0]["reconstruction"]) - 3
        model, _ = load_generator(tmp_path / decoder)
        kept[decoder] = rule_kept(sample_codes(model, 400, seed=0))
    assert kept["autoregressive"] > 0.95 and kept["independent"] < 0.8, kept


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


def test_gradient_penalty_interpolates_from_fake_to_real():
    """x_hat = alpha * real + (1 - alpha) * fake, per sequence: with real 1 and fake 3 everywhere, the critic
    0.5 ||x||^2 has gradient x_hat = 3 - 2 alpha at every one of the A * L entries."""
    real, fake = torch.ones(6, 4, 5), torch.full((6, 4, 5), 3.0)
    critic = lambda x: 0.5 * x.pow(2).sum((1, 2))  # noqa: E731
    _, d_fake, gp = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(5), contextlib.nullcontext)
    alpha = torch.rand(6, generator=torch.Generator().manual_seed(5))
    expected = (((3 - 2 * alpha) * 20 ** 0.5 - 1) ** 2).mean()
    assert torch.allclose(gp, expected) and torch.allclose(d_fake, torch.full((6,), 90.0))


def test_critic_step_loss_is_the_negative_wasserstein_estimate_plus_the_weighted_penalty():
    """One critic step replayed by hand: the real batch, the generator's sequences and the mixing weights drawn in
    that order from the engine's generator; critic loss = -(E d(real) - E d(fake)) + gp_weight * gp."""
    task, ctx = _gan_task(gp_weight=7.0)
    critic, generator = copy.deepcopy(task.critic), copy.deepcopy(task.generator)
    replay = torch.Generator().manual_seed(0)  # ctx.generator's seed in _gan_task
    metrics = task.critic_step(ctx)
    real, _ = task.data.batch(32, replay)
    with torch.no_grad():
        fake = generator(torch.randn((32, TINY["latent_dim"]), generator=replay))
    alpha = torch.rand((32, 1, 1), generator=replay)
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(interp).sum(), interp)
    gp = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
    with torch.no_grad():
        wasserstein = critic(real).mean() - critic(fake).mean()
    assert float(metrics["wasserstein"]) == pytest.approx(float(wasserstein), rel=1e-4, abs=1e-6)
    assert float(metrics["gradient_penalty"]) == pytest.approx(float(gp), rel=1e-4)
    assert float(metrics["critic_loss"]) == pytest.approx(float(-wasserstein + 7.0 * gp), rel=1e-4, abs=1e-6)


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
    with pytest.raises(TrainingDiverged, match="Wasserstein estimate .* exceeds max_wasserstein 1e-09; no checkpoint "
                                               "was written yet"):
        train("gan", family(), tmp_path, 10, critic_steps=1, max_wasserstein=1e-9)


@pytest.mark.parametrize("kind", ["vae", "gan", "family-vae"])
def test_resume_is_exact(tmp_path, kind):
    extra = {"gan": {"critic_steps": 2}, "vae": {"kl_warmup": 4},
             "family-vae": {"kl_warmup": 4, "arch": "mlp", "encoder_hidden": [16], "decoder_hidden": [8, 16]}}[kind]
    kind = "vae" if kind == "family-vae" else kind  # the variational decoder draws its weights each step
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


def test_initial_weights_follow_the_seed():
    states = iter(range(100, 200))

    def first_weights(seed):
        config, settings = merge_config("vae", {**TINY, "seed": seed})
        torch.manual_seed(next(states))  # a different global state before each build
        task, _ = build_task("vae", config, settings, family(), CPU)
        return next(iter(task.vae.parameters())).detach().clone()

    assert torch.equal(first_weights(0), first_weights(0))
    assert not torch.equal(first_weights(0), first_weights(1))


def test_vae_elbo_kl_and_interpolation_written_out():
    """The ELBO is the mean over the shared draws of log p(x|z_k) less the closed-form KL; interpolation decodes the
    straight line between the two posterior means, ends included."""
    torch.manual_seed(0)
    vae = ConvVAE(4, 10, latent_dim=3, channels=8, blocks=1).eval()
    x = one_hot(torch.randint(0, 4, (5, 10)), 4)
    eps = torch.randn(4, 3)
    with torch.no_grad():
        mu, log_sigma = vae.encode(x)
        sigma = log_sigma.exp()
        kl = torch.distributions.kl_divergence(torch.distributions.Normal(mu, sigma),
                                               torch.distributions.Normal(0.0, 1.0)).sum(1)
        assert torch.allclose(vae.kl(mu, log_sigma), kl, atol=1e-5)
        log_px = torch.stack([(x * torch.log_softmax(vae.logits(mu + sigma * e), 1)).sum((1, 2)) for e in eps])
        assert torch.allclose(vae.elbo(x, eps), log_px.mean(0) - kl, atol=1e-4)
        path = vae.interpolate(x[0], x[1], steps=3)
        assert torch.allclose(path[0], vae.decode(mu[:1])[0], atol=1e-6)
        assert torch.allclose(path[1], vae.decode((mu[:1] + mu[1:2]) / 2)[0], atol=1e-6)
        assert torch.allclose(path[2], vae.decode(mu[1:2])[0], atol=1e-6)


def test_independent_vae_samples_each_position_from_its_own_column():
    """sample() draws position i from column i of p(x|z) (and argmax takes it per position): with each column
    certain of letter (3 i) mod 4, every draw is that sequence."""
    vae = ConvVAE(4, 7, latent_dim=2, channels=4, blocks=1)
    target = (3 * torch.arange(7)) % 4
    logits = 50.0 * one_hot(target[None], 4)  # (1, 4, 7)
    vae.logits = lambda z: logits.expand(z.shape[0], -1, -1)
    for argmax in (False, True):
        codes = vae.sample(5, torch.Generator().manual_seed(0), argmax=argmax)
        assert codes.dtype == torch.uint8 and torch.equal(codes.long(), target.expand(5, -1))


def test_posterior_log_sigma_is_clamped_to_minus_10_and_5():
    vae = ConvVAE(4, 6, latent_dim=2, channels=4, blocks=1)
    with torch.no_grad():
        vae.encoder.linear.weight.zero_()
        vae.encoder.linear.bias.copy_(torch.tensor([0.5, -0.5, 20.0, -20.0]))  # mu (2), then log sigma (2)
    mu, log_sigma = vae.encode(one_hot(torch.zeros(3, 6, dtype=torch.long), 4))
    assert torch.equal(mu, torch.tensor([[0.5, -0.5]] * 3)) and torch.equal(log_sigma, torch.tensor([[5.0, -10.0]] * 3))


def test_autoregressive_likelihood_of_several_draws_pairs_each_draw_with_its_own_sequence():
    """log p(x|z) for z (K, N, D): draw k of sequence n is teacher-forced on sequence n (one at a time here)."""
    torch.manual_seed(0)
    vae = ConvVAE(4, 6, latent_dim=2, channels=4, blocks=1, decoder="autoregressive", dilations=(1,)).eval()
    x = one_hot(torch.randint(0, 4, (3, 6)), 4)
    z = torch.randn(2, 3, 2)

    def one(k, n):
        xn = x[n:n + 1]
        return -float(vae.reconstruction(xn, vae.conditional_logits(z[k, n:n + 1], xn)))

    with torch.no_grad():
        got = vae.log_px_given_z(x, z)
        expected = torch.tensor([[one(k, n) for n in range(3)] for k in range(2)])
    assert got.shape == (2, 3) and torch.allclose(got, expected, atol=1e-5)


def _vae_task(data, **overrides):
    config, settings = merge_config("vae", {**TINY, "batch_size": 16, **overrides})
    task, _ = build_task("vae", config, settings, data, CPU)
    ctx = Context(CPU, settings, torch.Generator().manual_seed(7))
    task.prepare(ctx)
    return task, ctx


@pytest.mark.parametrize("free_bits", [0.0, 0.05, 1000.0])
def test_vae_step_loss_is_the_negative_elbo_with_warmup_and_free_bits_written_out(free_bits):
    """One training step's logged loss, reconstruction and KL against the same batch and draws computed by hand:
    cross-entropy summed over positions, the KL per latent dimension averaged over the batch, weighted by
    beta * step / kl_warmup, each dimension's term no less than free_bits."""
    task, ctx = _vae_task(family(64, 10), kl_warmup=8, beta=0.5, free_bits=free_bits)
    before = copy.deepcopy(task.vae)
    replay = torch.Generator().manual_seed(7)  # the batch and the draws the step takes from ctx.generator
    metrics = task.train_step(2, ctx)
    x, _ = task.data.batch(16, replay)
    with torch.no_grad():
        mu, log_sigma = before.encode(x)
        z = mu + log_sigma.exp() * torch.randn(mu.shape, generator=replay)
        recon = -(x * torch.log_softmax(before.decoder(z), 1)).sum((1, 2)).mean()
        kl_dims = (0.5 * (mu ** 2 + (2 * log_sigma).exp() - 1 - 2 * log_sigma)).mean(0)
    weight = 0.5 * 2 / 8
    penalty = kl_dims.clamp(min=free_bits).sum() if free_bits else kl_dims.sum()
    assert float(metrics["kl_weight"]) == pytest.approx(weight)
    assert float(metrics["reconstruction"]) == pytest.approx(float(recon), rel=1e-5)
    assert float(metrics["kl"]) == pytest.approx(float(kl_dims.sum()), rel=1e-4)
    assert float(metrics["loss"]) == pytest.approx(float(recon + weight * penalty), rel=1e-5)
    assert float(metrics["elbo"]) == pytest.approx(-float(recon + kl_dims.sum()), rel=1e-5)  # unweighted, plain KL
    assert [task.kl_weight(s) for s in (0, 4, 8, 20)] == [0.0, 0.25, 0.5, 0.5]
    assert _vae_task(family(8, 10), kl_warmup=0, beta=0.5)[0].kl_weight(0) == 0.5


def _gan_task(**overrides):
    config, settings = merge_config("gan", {**TINY, "batch_size": 32, "lr": 3e-3, **overrides})
    task, _ = build_task("gan", config, settings, family(), CPU)
    ctx = Context(CPU, settings, torch.Generator().manual_seed(0))
    task.prepare(ctx)
    return task, ctx


def _critic_gap(task, real, z):
    """Mean critic score of ``real`` minus that of the generator's sequences at ``z``."""
    with torch.no_grad():
        return float(task.critic(real).mean() - task.critic(task.generator(z)).mean())


def test_wgan_critic_steps_raise_and_generator_steps_lower_the_wasserstein_estimate():
    """The critic ascends E critic(real) - E critic(fake); the generator raises the critic's scores of its own
    sequences."""
    task, ctx = _gan_task()
    real = one_hot(torch.from_numpy(family(64).codes), 4)
    z = torch.randn(64, TINY["latent_dim"], generator=torch.Generator().manual_seed(1))
    start = _critic_gap(task, real, z)
    for _ in range(5):
        task.critic_step(ctx)
    trained = _critic_gap(task, real, z)
    assert trained > start + 0.1
    for _ in range(10):
        task.generator_step(ctx)
    assert _critic_gap(task, real, z) < trained - 0.05


def test_one_gan_step_is_critic_steps_critic_updates_then_one_generator_update():
    task, ctx = _gan_task(critic_steps=3)
    task.train_step(1, ctx)
    assert {int(state["step"]) for state in task.opt_c.state.values()} == {3}
    assert {int(state["step"]) for state in task.opt_g.state.values()} == {1}
    assert task.sequences_per_step(ctx.settings) == 3 * 32


def test_gan_divergence_check_reads_the_size_of_the_wasserstein_estimate_either_sign():
    task, _ = _gan_task(max_wasserstein=10.0)
    task.check({"wasserstein": 9.0}, 5)
    task.check({"wasserstein": -9.0}, 5)
    for bad in (11.0, -11.0):
        with pytest.raises(TrainingDiverged, match="by step 5 .* estimate -?11 exceeds max_wasserstein 10"):
            task.check({"wasserstein": bad}, 5)


class Draws(torch.nn.Module):
    """A generator whose sample is 3 seeded uniform letters a sequence."""

    length = 3

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def sample(self, n, generator):
        return torch.randint(0, 4, (n, 3), generator=generator).to(torch.uint8)


def test_samples_are_drawn_in_chunks_from_one_seeded_generator():
    generator = torch.Generator().manual_seed(2)
    expected = torch.cat([torch.randint(0, 4, (k, 3), generator=generator) for k in (3, 3, 1)]).numpy()
    assert np.array_equal(sample_codes(Draws(), 7, seed=2, chunk=3), expected)  # chunks of 3, 3 and 1
    assert sample_codes(Draws(), 1, seed=2).shape == (1, 3) and sample_codes(Draws(), 4, chunk=4).shape == (4, 3)
    assert sample_codes(Draws(), 0).shape == (0, 3)


@pytest.mark.parametrize("arch", ["conv", "family", "gan"])
def test_wrong_shapes_are_refused_in_one_line_naming_the_expected_shape(arch):
    from seqgen.models.family_vae import FamilyVAE

    model = {"conv": lambda: ConvVAE(4, 12, latent_dim=6, channels=8, blocks=1),
             "family": lambda: FamilyVAE(4, 12, latent_dim=6, encoder_hidden=(8,), decoder_hidden=(8,)),
             "gan": lambda: Generator(4, 12, latent_dim=6, channels=8, blocks=1)}[arch]()
    for z in (torch.zeros(3, 7), torch.zeros(6)):  # another latent size; one point without its batch dimension
        with pytest.raises(ValueError, match=r"^z must have shape \(N, 6\), not "):
            model.decode(z)
    if arch == "gan":
        return
    codes = np.zeros((3, 12), dtype=np.uint8)
    for x in (codes, one_hot(codes[:, :10], 4), one_hot(codes, 5)):  # codes, not one-hot; another length; alphabet
        with pytest.raises(ValueError, match=r"^x must have shape \(N, 4, 12\)"):
            model.log_likelihood(x, samples=2)
    assert model.log_likelihood(one_hot(codes, 4), samples=2).shape == (3,)  # numpy one-hot is read
