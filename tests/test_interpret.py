"""Predictor-derived motifs, on a tiny CNN trained here on simulated EGR2 PBM data."""
import numpy as np
import pytest
import torch

from seqgen.alphabets import encode
from seqgen.data import one_hot
from seqgen.interpret import (attribution_motifs, filter_activations, filter_motifs, find_seqlets, first_conv,
                              gradient_x_input, in_silico_mutagenesis)
from seqgen.jaspar import jaspar_motifs
from seqgen.motifs import tomtom
from seqgen.simulate import simulate_pbm

EGR_FAMILY = {"MA0472.2", "MA0162.5", "MA0732.2", "MA0733.2"}  # EGR2, EGR1, EGR3, EGR4


class TinyCNN(torch.nn.Module):
    def __init__(self, filters=16, width=11):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, filters, width, padding=width // 2)
        self.out = torch.nn.Linear(filters, 1)

    def forward(self, x):
        return self.out(torch.relu(self.conv(x)).amax(dim=-1)).squeeze(-1)


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    table, _ = simulate_pbm(n=6000, seed=0, threshold=8.0)
    x = torch.tensor(one_hot(encode(table["sequence"].tolist(), "dna"), 4))
    y = np.log(table["signal"].to_numpy())
    y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32)
    net = TinyCNN()
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    gen = torch.Generator().manual_seed(0)
    for _ in range(6):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 128):
            b = perm[i: i + 128]
            loss = ((net(x[b]) - y[b]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        pred = net(x)
    assert np.corrcoef(pred.numpy(), y.numpy())[0, 1] > 0.5
    top = x[torch.argsort(pred, descending=True)[:300]]
    return net, top


def best_egr_rank(motifs, n=3):
    """Best rank (1-based) and its q-value of an EGR-family JASPAR match among the motifs' top n."""
    table = tomtom(motifs, jaspar_motifs(), top=n)
    hits = table[table["target"].isin(EGR_FAMILY) & (table["q_value"] < 0.05)]
    return hits


def test_filters_become_egr_pwms(trained):
    net, top = trained
    motifs = filter_motifs(net, top, top=3)
    assert motifs and motifs[0].stats["influence"] >= motifs[-1].stats["influence"]
    assert len(best_egr_rank(motifs[:1])) >= 1  # the most influential filter is an EGR motif


def test_filters_of_seqgens_own_predictor_become_egr_pwms(trained):
    """The package's Predictor convolves stacked members' weights (no nn.Conv1d): its filters are read through
    first_layer (both strands, every member) and silenced one at a time."""
    from seqgen.models.predictor import Predictor

    _, top = trained
    torch.manual_seed(0)
    table, _ = simulate_pbm(n=6000, seed=0, threshold=8.0)
    x = torch.tensor(one_hot(encode(table["sequence"].tolist(), "dna"), 4))
    y = torch.tensor(np.log(table["signal"].to_numpy()), dtype=torch.float32)
    y = (y - y.mean()) / y.std()
    net = Predictor(4, x.shape[2], members=2, filters=8, kernel=11, strands="max", padding="full", dropout=0.0)
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    for _ in range(4):
        for b in torch.randperm(len(x), generator=torch.Generator().manual_seed(0)).split(128):
            loss = ((net(x[b]) - y[b, None]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    acts, wins = filter_activations(net, top[:5])
    positions = 2 * (x.shape[2] + 2 * 10 - 11 + 1)  # both strands, kernel - 1 zero columns at each end
    assert acts.shape == (5, 16, positions) and wins.shape == (5, 4, positions, 11)
    weights = net.conv_w[0].detach()  # (K, A * kernel, F): member 1's filter 3 is filter 8 + 3
    manual = (wins[:, :, 0].reshape(5, -1) @ weights[1, :, 3]) + net.conv_b[0][1, 0, 3]
    assert torch.allclose(acts[:, 11, 0], manual, atol=1e-5)
    before = net(top[:5]).detach()
    with net.silenced(11):
        silenced = net(top[:5]).detach()
    assert torch.equal(silenced[:, 0], before[:, 0]) and not torch.equal(silenced[:, 1], before[:, 1])
    assert torch.equal(net(top[:5]).detach(), before)  # restored
    motifs = filter_motifs(net, top, top=3)
    assert len(motifs) == 3 and motifs[0].stats["influence"] >= motifs[-1].stats["influence"]
    assert len(best_egr_rank(motifs)) >= 1  # (the most influential one here fires everywhere: a composition filter)


@pytest.mark.parametrize("method", ["ism", "grad"])
def test_attribution_seqlets_cluster_into_the_egr_motif(trained, method):
    net, top = trained
    motifs = attribution_motifs(net, top, method=method)
    assert motifs and motifs[0].stats["n_seqlets"] >= 30
    assert len(best_egr_rank(motifs[:1])) >= 1
    if method == "ism":  # a scorer giving (mean, std), as a loaded seqgen predictor's score, the same motifs
        ensemble_like = attribution_motifs(lambda x: (net(x), torch.zeros(len(x))), top, method=method)
        assert [m.consensus for m in ensemble_like] == [m.consensus for m in motifs]


def test_ism_matches_brute_force(trained):
    net, top = trained
    x = top[:3]
    deltas = in_silico_mutagenesis(net, x, batch_size=50)
    with torch.no_grad():
        base = net(x)
        for pos in (0, 17, 34):
            for letter in range(4):
                mut = x.clone()
                mut[:, :, pos] = 0
                mut[:, letter, pos] = 1
                np.testing.assert_allclose(deltas[:, letter, pos], (net(mut) - base).numpy(), atol=1e-5)
    assert np.allclose((deltas * x.numpy()).sum(axis=1), 0, atol=1e-5)  # the letter present changes nothing


def test_gradient_x_input_is_zero_off_the_sequence(trained):
    net, top = trained
    gx = gradient_x_input(net, top[:5])
    assert gx.shape == (5, 4, 35) and np.all(gx[top[:5].numpy() == 0] == 0)


def test_filter_windows_follow_padding_and_dilation():
    torch.manual_seed(0)
    for conv in (torch.nn.Conv1d(4, 3, 5, padding=2), torch.nn.Conv1d(4, 3, 3, dilation=2, padding="same"),
                 torch.nn.Conv1d(4, 3, 5)):
        model = torch.nn.Sequential(conv, torch.nn.ReLU())
        x = torch.tensor(one_hot(np.random.default_rng(0).integers(0, 4, (2, 20), dtype=np.uint8), 4))
        acts, wins = filter_activations(model, x)
        # the activation is the filter applied to the window it is said to read
        recon = torch.einsum("napk,fak->nfp", wins, conv.weight) + conv.bias[None, :, None]
        assert torch.allclose(acts, recon, atol=1e-5)
    assert first_conv(model) is conv


def test_seqlets_found_where_contribution_is():
    contrib = np.random.default_rng(0).normal(0, 0.1, (50, 40))
    contrib[:, 10:16] += 2.0
    rows, starts, _ = find_seqlets(contrib, 6, max_per_sequence=1)
    assert len(rows) == 50 and np.all(np.abs(starts - 10) <= 1)


def test_ism_contribution_is_the_mean_drop_over_the_other_letters(trained):
    from seqgen.interpret import ism_contributions

    net, top = trained
    x = top[:4].numpy()
    deltas = in_silico_mutagenesis(net, top[:4])
    contrib = ism_contributions(deltas, x)
    present = x.argmax(1)  # (N, L)
    for n, pos in ((0, 3), (2, 20)):
        others = [a for a in range(4) if a != present[n, pos]]
        assert contrib[n, present[n, pos], pos] == pytest.approx(-deltas[n, others, pos].mean(), abs=1e-6)
    assert np.all(contrib[x == 0] == 0)


def test_a_wrong_alphabet_is_refused(trained):
    from seqgen.errors import SeqgenError

    net, top = trained
    with pytest.raises(SeqgenError, match=r"shape \(300, 4, 35\), but the protein alphabet has 20 letters"):
        attribution_motifs(net, top, alphabet="protein")
    with pytest.raises(SeqgenError, match="but the protein alphabet has 20 letters"):
        filter_motifs(net, top, alphabet="protein")
    with pytest.raises(SeqgenError, match="seqlet width 36 is above the sequences' length, 35"):
        attribution_motifs(net, top, width=36)


def test_protein_seqlets_are_shorter_and_their_noisy_flanks_trimmed():
    """A planted 5-residue site in 30-residue proteins: every sequence gives a seqlet, and the motif is the site,
    not the site and 7 columns of sampling noise (20 letters over a few hundred sites look informative)."""
    from seqgen.alphabets import PROTEIN

    rng = np.random.default_rng(0)
    n = 100
    site = [PROTEIN.letters.index(c) for c in "WKDHW"]
    codes = rng.integers(0, 20, (n, 30)).astype(np.uint8)
    where = rng.integers(0, 25, n)
    for i, s in enumerate(where):
        codes[i, s:s + 5] = site
    target = torch.tensor(np.array(site))
    weights = torch.tensor(rng.normal(0, 0.05, (20, 30)), dtype=torch.float32)  # small effects everywhere

    def score(x):  # 1 where the site is, anywhere in the sequence, plus the small effects
        windows = x.argmax(1).unfold(1, 5, 1)  # (N, 26, 5)
        return (windows == target).all(-1).float().amax(-1) + (x * weights).sum((1, 2))

    motifs = attribution_motifs(score, one_hot(codes, 20), alphabet="protein", min_size=10)
    assert motifs and motifs[0].stats["n_seqlets"] >= 0.9 * n
    assert "WKDHW" in motifs[0].consensus and motifs[0].pwm.shape[1] <= 7


def test_minus_strand_windows_are_reverse_complemented_with_zeros_past_the_ends():
    from seqgen.alphabets import DNA, decode, reverse_complement
    from seqgen.interpret import _extract

    codes = np.random.default_rng(0).integers(0, 4, (2, 12)).astype(np.uint8)
    x = one_hot(codes, 4)
    out = _extract(x, np.array([0, 1, 1]), np.array([2, 3, 10]), 5, np.array([False, True, True]))
    assert out.shape == (3, 4, 5)
    assert decode(out[0].argmax(0)[None], DNA) == decode(codes[:1, 2:7], DNA)
    assert decode(out[1].argmax(0)[None], DNA) == decode(reverse_complement(codes[1:2, 3:8], DNA), DNA)
    assert (out[2, :, :3] == 0).all()  # positions 12..14 lie past the end: first on the minus strand
    assert np.array_equal(out[2, :, 3:], x[1, ::-1, 10:12][:, ::-1])


def test_seqlet_similarity_finds_the_shift_and_the_strand():
    from seqgen.interpret import _similarity

    rng = np.random.default_rng(0)
    cwm = np.zeros((3, 4, 8))
    cwm[0, rng.integers(0, 4, 5), np.arange(1, 6)] = rng.uniform(1, 2, 5)
    cwm[1, :, 2:] = cwm[0, :, :6]  # shifted right by 2
    cwm[2] = cwm[0, ::-1, ::-1]  # reverse complement
    sim, shift, minus = _similarity(cwm, True, 4)
    assert sim[0, 2] == pytest.approx(1.0, abs=1e-5) and minus[0, 2] and not minus[0, 1]
    assert sim[0, 1] == pytest.approx(1.0, abs=1e-5) and abs(shift[0, 1]) == 2
    sim, _, minus = _similarity(cwm, False, 4)  # one strand (RNA, protein): no reverse complement
    assert not minus.any() and sim[0, 2] < 0.9


def test_seqlets_on_both_strands_and_at_several_shifts_align_into_the_site():
    from seqgen.alphabets import DNA, encode, reverse_complement
    from seqgen.interpret import cluster_seqlets

    rng = np.random.default_rng(1)
    n, length, site = 40, 30, encode(["TTGACA"], DNA)[0]
    codes = rng.integers(0, 4, (n, length)).astype(np.uint8)
    where = rng.integers(6, 18, n)
    minus = rng.random(n) < 0.5
    contrib = np.zeros((n, 4, length))
    for i, s in enumerate(where):
        codes[i, s:s + 6] = reverse_complement(site[None], DNA)[0] if minus[i] else site
        contrib[i, codes[i, s:s + 6], np.arange(s, s + 6)] = 1.0
    x = one_hot(codes, 4)
    starts = where - rng.integers(0, 3, n)  # seqlets of width 8 around the site, at shifts 0 to 2
    motifs = cluster_seqlets(x, contrib, np.arange(n), starts, 8, DNA, min_size=10)
    assert len(motifs) == 1 and motifs[0].nsites == n
    assert motifs[0].consensus in ("TTGACA", "TGTCAA")


def test_a_sequences_seqlets_do_not_overlap():
    contrib = np.random.default_rng(0).normal(0, 0.1, (30, 100))
    contrib[:, 10:16] += 2.0
    contrib[:, 28:34] += 1.5
    rows, starts, _ = find_seqlets(contrib, 6, max_per_sequence=2)
    for row in range(30):
        mine = np.sort(starts[rows == row])
        assert len(mine) == 2 and mine[1] - mine[0] >= 6 and abs(mine[0] - 10) <= 1 and abs(mine[1] - 28) <= 1


def test_filters_come_most_influential_first():
    torch.manual_seed(0)
    model = TinyCNN(filters=3, width=5)
    with torch.no_grad():
        model.out.weight[:] = torch.tensor([[0.2, 3.0, 1.0]])
    x = one_hot(np.random.default_rng(0).integers(0, 4, (200, 30)).astype(np.uint8), 4)
    motifs = filter_motifs(model, x, min_sites=1, min_ic=0.0)
    influence = [m.stats["influence"] for m in motifs]
    assert len(motifs) == 3 and influence == sorted(influence, reverse=True) and influence[0] > influence[-1]
    assert motifs[0].stats["filter"] == 1


def test_ism_scores_only_the_other_letters_of_one_hot_input_and_every_letter_of_padding():
    """One-hot input: A - 1 mutants a position (the present letter's change is 0 by definition); a zero column
    (padding) has no letter present, so all A are scored, each against the unmutated sequence."""
    weights = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))
    scored = []

    def score(x):  # (N, 4, 6) -> (N,): a linear model, so each delta is a weight difference
        scored.append(len(x))
        return (x * weights).sum((1, 2))

    codes = torch.tensor([[0, 1, 2, 3, 0, 1], [3, 3, 2, 2, 1, 0]])
    x = torch.nn.functional.one_hot(codes, 4).permute(0, 2, 1).float()
    deltas = in_silico_mutagenesis(score, x, batch_size=1000)
    assert sum(scored) == 2 + 2 * 6 * 3  # the two sequences, then 3 mutants at each of 6 positions
    present = weights[codes, torch.arange(6)]  # (2, 6): the weight of the letter there
    np.testing.assert_allclose(deltas, (weights[None] - present[:, None]).numpy(), atol=1e-6)
    padded = x.clone()
    padded[1, :, 4:] = 0  # the second sequence is 4 long
    scored.clear()
    deltas = in_silico_mutagenesis(score, padded, batch_size=1000)
    assert sum(scored) == 2 + 2 * 6 * 4
    np.testing.assert_allclose(deltas[1, :, 4:], weights[:, 4:].numpy(), atol=1e-6)  # from nothing to the letter
    np.testing.assert_allclose(deltas[0], (weights - present[0]).numpy(), atol=1e-6)


def test_in_silico_mutagenesis_takes_a_faster_scorer_of_substitutions_for_one_hot_input():
    """``substituted`` gives the same deltas for one-hot input and is not used for padded input."""
    weights = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))

    def score(x):  # (N, 4, 6) -> (N,)
        return (x * weights).sum((1, 2))

    calls = []

    def substituted(x, letters):  # (B, 4, 6), (B, 6, T) -> (B, 6, T): the same linear model, position by position
        calls.append(letters.shape)
        present = (x * weights).sum((1, 2))[:, None, None]
        old = (x * weights).sum(1)[:, :, None]  # (B, 6, 1): the weight of the letter each position has
        return present - old + weights.T[torch.arange(6)[:, None], letters]

    codes = torch.tensor([[0, 1, 2, 3, 0, 1], [3, 3, 2, 2, 1, 0]])
    x = torch.nn.functional.one_hot(codes, 4).permute(0, 2, 1).float()
    np.testing.assert_allclose(in_silico_mutagenesis(score, x, substituted=substituted),
                               in_silico_mutagenesis(score, x), atol=1e-6)
    assert calls and all(shape[1:] == (6, 3) for shape in calls)
    calls.clear()
    padded = x.clone()
    padded[1, :, 4:] = 0
    np.testing.assert_allclose(in_silico_mutagenesis(score, padded, substituted=substituted),
                               in_silico_mutagenesis(score, padded), atol=1e-6)
    assert not calls


def test_ism_and_gradient_take_a_predictors_mean_std_score_and_numpy_input():
    """As attribution_motifs: a (mean, std) scorer (LoadedPredictor.score) and a numpy one-hot array are taken."""
    torch.manual_seed(0)
    net = TinyCNN(filters=4, width=5).eval()
    x = one_hot(np.random.default_rng(0).integers(0, 4, (3, 10), dtype=np.uint8), 4)  # numpy (N, A, L)
    xt = torch.as_tensor(x)
    for attribution in (in_silico_mutagenesis, gradient_x_input):
        plain = attribution(net, xt)
        both = attribution(lambda b: (net(b), torch.zeros(len(b))), x)
        assert both.shape == (3, 4, 10)
        np.testing.assert_allclose(both, plain, atol=1e-6)


def test_attributions_of_no_sequences_are_empty_and_filter_motifs_reads_a_loaded_predictor(trained):
    """ISM and gradient x input of x[:0] raised in torch.cat; filter_motifs(load_predictor(DIR), x) raised an
    AttributeError where the README's load_predictor(DIR).model worked."""
    from types import SimpleNamespace

    net, top = trained
    assert in_silico_mutagenesis(net, top[:0]).shape == (0, 4, top.shape[2])
    assert gradient_x_input(net, top[:0]).shape == (0, 4, top.shape[2])
    direct = filter_motifs(net, top[:200], top=2)
    loaded = filter_motifs(SimpleNamespace(model=net), top[:200], top=2)  # as a LoadedPredictor holds its model
    assert [m.name for m in loaded] == [m.name for m in direct] and len(direct)
    assert all(np.array_equal(a.pwm, b.pwm) for a, b in zip(loaded, direct))


def test_ism_attributions_streamed_equal_the_contributions_of_the_whole_deltas():
    """ism_attributions (batch by batch, no (N, A, L) deltas held) gives exactly the old two-step result, over
    several batches, one-hot and padded, with and without a progress bar."""
    from seqgen.interpret import ism_attributions, ism_contributions

    torch.manual_seed(0)
    net = TinyCNN(filters=4, width=5).eval()
    codes = np.random.default_rng(0).integers(0, 4, size=(100, 35))  # 4096 // (3 * 35) = 39 a batch: 3 batches
    x = torch.tensor(one_hot(codes, 4))
    padded = x.clone()
    padded[::7, :, 30:] = 0
    for data in (x, padded):
        old = ism_contributions(in_silico_mutagenesis(net, data), data.numpy())
        for progress in (False, True):
            new = ism_attributions(net, data, progress=progress)
            assert new.dtype == old.dtype and new.shape == old.shape
            np.testing.assert_array_equal(new, old)
    assert ism_attributions(net, x[:0]).shape == (0, 4, 35)


class _OnTheScorersDevice(torch.Tensor):
    """Stands in for a tensor on another device than the input (a CUDA predictor's outputs, the one-hot input on the
    CPU as ``seqgen motifs`` builds it): an op mixing it with an ordinary tensor raises, as torch does across
    devices; ``.to()`` and ``.cpu()`` bring it back."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in (torch.Tensor.to, torch.Tensor.cpu):
            with torch._C.DisableTorchFunctionSubclass():
                return func(*args, **kwargs).as_subclass(torch.Tensor)
        with torch._C.DisableTorchFunctionSubclass():
            leaves = torch.utils._pytree.tree_leaves((args, kwargs))
            tensors = [t for t in leaves if isinstance(t, torch.Tensor) and t.dim() > 0]
        if any(isinstance(t, cls) for t in tensors) and not all(isinstance(t, cls) for t in tensors):
            raise RuntimeError(f"Expected all tensors to be on the same device ({func.__name__})")
        return super().__torch_function__(func, types, args, kwargs)


def test_ism_of_input_on_the_cpu_with_a_scorer_on_another_device():
    """``seqgen motifs --predictor`` on CUDA: the one-hot input is a CPU tensor and the loaded predictor's scores
    (and substituted scores) come back on the GPU; the deltas were scattered into a GPU tensor by CPU letter
    indices, a device-mismatch RuntimeError on every GPU."""
    weights = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))

    def score(x):
        return (x * weights).sum((1, 2)).as_subclass(_OnTheScorersDevice)

    def substituted(x, letters):
        present = (x * weights).sum((1, 2))[:, None, None]
        old = (x * weights).sum(1)[:, :, None]
        return (present - old + weights.T[torch.arange(6)[:, None], letters]).as_subclass(_OnTheScorersDevice)

    codes = torch.tensor([[0, 1, 2, 3, 0, 1], [3, 3, 2, 2, 1, 0]])
    x = torch.nn.functional.one_hot(codes, 4).permute(0, 2, 1).float()
    expected = in_silico_mutagenesis(lambda b: (b * weights).sum((1, 2)), x)
    np.testing.assert_allclose(in_silico_mutagenesis(score, x), expected, atol=1e-6)
    np.testing.assert_allclose(in_silico_mutagenesis(score, x, substituted=substituted), expected, atol=1e-6)
