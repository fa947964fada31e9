"""Order-m Markov chains: counting, sampling, the decoder's logit offset and its gradient."""
import itertools

import numpy as np
import pytest
import torch

from seqgen.data import SequenceSet, one_hot
from seqgen.errors import SeqgenError
from seqgen.generate import load_generator, sample_codes
from seqgen.models.markov import MarkovOffset, context_index, fit_log_probs, sample_chain
from seqgen.models.vae import ConvVAE
from test_generators import train


def sum_rule(n=400, length=20, seed=0) -> np.ndarray:
    """``x_i = (x_{i-1} + x_{i-2}) % 4`` after two random letters: an exact second-order rule, ``(N, L)``."""
    codes = np.zeros((n, length), np.int64)
    codes[:, :2] = np.random.default_rng(seed).integers(0, 4, (n, 2))
    for i in range(2, length):
        codes[:, i] = (codes[:, i - 1] + codes[:, i - 2]) % 4
    return codes.astype(np.uint8)


def rule_kept(codes) -> float:
    codes = np.asarray(codes, np.int64)
    return float(((codes[:, 2:]) == (codes[:, 1:-1] + codes[:, :-2]) % 4).mean())


def test_contexts_have_a_start_symbol_and_counts_are_exact():
    codes = torch.tensor([[0, 1, 2, 3], [3, 3, 255, 255]], dtype=torch.uint8)  # the second one padded
    ctx = context_index(codes, 2, 4)  # base 5: digit 0 is the previous letter, start symbol 4
    assert ctx.tolist() == [[4 + 5 * 4, 0 + 5 * 4, 1 + 5 * 0, 2 + 5 * 1], [4 + 5 * 4, 3 + 5 * 4, 3 + 5 * 3, 0 + 5 * 3]]
    log_probs = fit_log_probs(codes, 2, 4, pseudocount=0.0)
    assert log_probs.shape == (25, 4)
    assert torch.allclose(log_probs[24].exp(), torch.tensor([0.5, 0, 0, 0.5]))  # first letters: A and T
    assert torch.allclose(log_probs[3 + 5 * 4].exp(), torch.tensor([0.0, 0, 0, 1]))  # after start, T: T
    assert torch.isnan(log_probs[3 + 5 * 3]).all()  # T T was followed by PAD only: nothing counted


def test_every_cell_gets_half_a_count_by_default():
    log_probs = fit_log_probs(torch.tensor([[0, 1], [0, 2]], dtype=torch.uint8), 1, 4)  # contexts: start, A
    expected = {4: [2.5, 0.5, 0.5, 0.5], 0: [0.5, 1.5, 1.5, 0.5], 1: [0.5, 0.5, 0.5, 0.5]}  # counts + 0.5
    for context, counts in expected.items():
        assert torch.allclose(log_probs[context].exp(), torch.tensor(counts) / sum(counts))


def test_a_fitted_chain_samples_its_rule():
    codes = torch.from_numpy(sum_rule())
    log_probs = fit_log_probs(codes, 2, 4)
    drawn = sample_chain(log_probs, 2, 300, 20, torch.Generator().manual_seed(0))
    assert drawn.shape == (300, 20) and drawn.dtype == torch.uint8
    assert rule_kept(drawn) > 0.98
    assert rule_kept(sample_chain(fit_log_probs(codes, 1, 4), 1, 300, 20, torch.Generator().manual_seed(0))) < 0.6


def multilinear(x: torch.Tensor, table: torch.Tensor, order: int) -> torch.Tensor:
    """Reference: ``sum_c prod_j x[c_j, i-j] T[c]`` over every context, start symbol as a fifth letter."""
    n, a, length = x.shape
    ext = torch.cat([x, torch.zeros(n, 1, length)], 1)  # (N, A+1, L)
    start = torch.zeros(n, a + 1, order)
    start[:, a] = 1
    ext = torch.cat([start, ext], 2)
    out = torch.zeros(n, a, length)
    for i in range(length):
        for digits in itertools.product(range(a + 1), repeat=order):
            weight = torch.ones(n)
            for back, letter in enumerate(digits, 1):
                weight = weight * ext[:, letter, order + i - back]
            index = sum(letter * (a + 1) ** (back - 1) for back, letter in enumerate(digits, 1))
            out[:, :, i] += weight[:, None] * table[index]
    return out


def test_offset_is_the_lookup_with_the_multilinear_gradient():
    torch.manual_seed(0)
    offset = MarkovOffset(4, 2)
    offset.fit(torch.from_numpy(sum_rule(50, 7)))
    codes = torch.randint(0, 4, (3, 7))
    x = one_hot(codes, 4).requires_grad_()
    ref_x = x.detach().clone().requires_grad_()
    weights = torch.randn(3, 4, 7)
    (offset(x) * weights).sum().backward()
    reference = multilinear(ref_x, offset.log_probs, 2)
    (reference * weights).sum().backward()
    assert torch.allclose(offset(x), reference, atol=1e-5)
    assert torch.allclose(x.grad, ref_x.grad, atol=1e-4)
    steps = torch.stack([offset.step(codes, i) for i in range(7)], 2)
    assert torch.allclose(steps, reference, atol=1e-5)


def test_decoder_with_a_chain_starts_as_the_chain_and_samples_consistently():
    torch.manual_seed(1)
    vae = ConvVAE(4, 20, latent_dim=5, channels=8, blocks=1, decoder="autoregressive", dilations=[1, 2],
                  markov_order=2)
    vae.decoder.fit_markov(torch.from_numpy(sum_rule()))
    z, drawn = torch.randn(6, 5), torch.randint(0, 4, (6, 20))
    x = one_hot(drawn, 4)
    assert torch.allclose(vae.decoder(z, x), vae.decoder.markov(x))  # zeroed output layer: the chain alone
    assert rule_kept(vae.sample(200, torch.Generator().manual_seed(0))) > 0.98
    torch.nn.init.normal_(vae.decoder.out[1].weight)  # as after training: the network adds to the chain
    steps = torch.stack([logits for _, logits in vae.decoder._step_logits(z, drawn)], 2)
    assert torch.allclose(steps, vae.decoder(z, x), atol=1e-5)
    relaxed = torch.softmax(torch.randn(3, 4, 20), 1).requires_grad_()
    vae.elbo(relaxed, torch.randn(2, 5)).sum().backward()
    assert relaxed.grad.abs().sum() > 0


def test_training_with_a_chain_from_settings_and_reloading(tmp_path):
    data = SequenceSet(sum_rule(), "dna", [f"s{i}" for i in range(400)])
    task, _ = train("vae", data, tmp_path, 10, decoder="autoregressive", dilations=[1], markov_order=2)
    counted = fit_log_probs(torch.from_numpy(data.codes), 2, 4)
    assert torch.equal(task.vae.decoder.markov.log_probs, counted)
    model, payload = load_generator(tmp_path)
    assert payload["config"]["markov_order"] == 2
    assert torch.equal(model.decoder.markov.log_probs, counted)  # saved with the weights
    assert rule_kept(sample_codes(model, 200, seed=0)) > 0.9
    with pytest.raises(SeqgenError, match="markov_order.*autoregressive"):
        train("vae", data, tmp_path / "bad", 2, markov_order=2)
    with pytest.raises(SeqgenError, match="markov_order.*too large"):
        train("vae", data, tmp_path / "bad", 2, decoder="autoregressive", markov_order=10)
