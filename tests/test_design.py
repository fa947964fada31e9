"""Design engine on toy scorers: a real JASPAR PWM scanned over both strands."""
import itertools

import numpy as np
import pytest
import torch

from seqgen.alphabets import DNA, PAD, decode, encode
from seqgen.data import one_hot
from seqgen.design.constraints import Constraints
from seqgen.design.objectives import Objective, ObjectiveSet
from seqgen.design.run import DesignSettings, design, score_codes
from seqgen.errors import SeqgenError
from seqgen.metrics import mean_pairwise_hamming, nearest_hamming
from seqgen.jaspar import jaspar_motif
from seqgen.simulate import counts_log_odds

CPU = torch.device("cpu")


class PWMScorer(torch.nn.Module):
    """Soft-max over windows of a PWM's log-odds on both strands: (B, 4, L) -> (B,)."""

    def __init__(self, matrix_id="MA0472.2"):
        super().__init__()
        _, counts, _ = jaspar_motif(matrix_id)
        w = torch.tensor(counts_log_odds(counts), dtype=torch.float32)
        self.weight = torch.stack([w, w.flip(0).flip(1)])  # forward and reverse-complement filters

    def forward(self, x):
        scores = torch.nn.functional.conv1d(x, self.weight)  # (B, 2, L-W+1)
        return torch.logsumexp(scores.flatten(1), dim=1)


def random_mean(scorer, n=256, length=30):
    codes = np.random.default_rng(0).integers(0, 4, (n, length)).astype(np.uint8)
    return scorer(torch.as_tensor(one_hot(codes, 4))).mean().item()


@pytest.mark.parametrize("method,steps", [("softmax", 60), ("fast-seqprop", 60), ("anneal", 60)])
def test_each_method_raises_the_score(method, steps):
    scorer = PWMScorer()
    obj = ObjectiveSet([Objective("egr2", scorer)])
    cons = Constraints(DNA, 30)
    result = design(obj, cons, DesignSettings(method=method, n=16, steps=steps, lr=0.3, seed=1), CPU)
    assert result.codes.shape[1] == 30 and len(result.codes) >= 10
    assert result.utility.mean() > random_mean(scorer) + 4.0  # several nats above random probes
    assert len(result.trajectory) == steps and result.trajectory[-1]["best_score"] >= result.trajectory[0]["best_score"]
    assert result.calls_per_sequence == steps * (8 if method == "anneal" else 1)
    assert np.all(np.diff(result.utility) <= 1e-6)  # best first


def test_latent_design_through_a_decoder():
    torch.manual_seed(0)
    decoder_net = torch.nn.Linear(8, 4 * 30)

    def decoder(z):
        return torch.softmax(decoder_net(z).reshape(-1, 4, 30), dim=1)

    scorer = PWMScorer()
    obj = ObjectiveSet([Objective("egr2", scorer)])
    settings = DesignSettings(method="latent", n=8, steps=60, lr=0.2, seed=0)
    before, _ = score_codes(obj, decoder(torch.randn(8, 8)).argmax(1), 4, CPU)
    result = design(obj, Constraints(DNA, 30), settings, CPU, decoder=decoder, latent_dim=8)
    assert result.utility.mean() > before.mean().item() + 2.0
    with pytest.raises(SeqgenError, match="needs a generator"):
        design(obj, Constraints(DNA, 30), settings, CPU)


def test_hard_constraints_hold_in_every_output():
    linker = "GTCTGTGTTCCG"
    fixed = "." * 24 + linker
    cons = Constraints.from_options("dna", 36, fixed=fixed, gc_min=0.4, gc_max=0.6, forbidden=["GAATTC", "GGATCC"],
                                    max_homopolymer=3)
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    for method in ("fast-seqprop", "anneal", "softmax"):
        result = design(obj, cons, DesignSettings(method=method, n=32, steps=30, lr=0.3), CPU)
        seqs = decode(result.codes, DNA)
        assert len(seqs) > 0
        for s in seqs:
            assert s.endswith(linker)
            assert 0.4 <= (s.count("G") + s.count("C")) / 36 <= 0.6
            assert "GAATTC" not in s and "GGATCC" not in s  # both palindromic sites
            assert not any(b * 4 in s for b in "ACGT")
        assert all(cons.satisfied(result.codes))


def test_forbidden_kmers_are_checked_on_both_strands():
    cons = Constraints.from_options("dna", 10, forbidden=["AAAC"])
    codes = encode(["GTTTCCCCCC", "CCCCCCCCCC"], DNA)  # GTTT is the reverse complement of AAAC
    assert cons.check(codes)["forbidden"].tolist() == [False, True]
    repaired = cons.enforce(codes, np.random.default_rng(0))
    assert cons.satisfied(repaired).all()


def test_constraints_reach_into_the_linker():
    """A forbidden site or a run across the junction with the linker counts; a linker that breaks a constraint by
    itself is refused (every probe would break it)."""
    cons = Constraints.from_options("dna", 8, forbidden=["GAATTC"], max_homopolymer=4, linker="ttcaaaag")
    codes = encode(["ACGTCGAA", "ACGTATTT", "ACGTACGC"], DNA)  # GAA|TTC; TTT|TT; neither
    checks = cons.check(codes)
    assert checks["forbidden"].tolist() == [False, True, True]
    assert checks["homopolymer"].tolist() == [True, False, True]
    repaired = cons.enforce(codes, np.random.default_rng(0))
    assert cons.satisfied(repaired).all()
    with pytest.raises(SeqgenError, match="--linker 'GTCTXX'"):
        Constraints.from_options("dna", 8, linker="GTCTXX")
    with pytest.raises(SeqgenError, match="the linker itself holds a forbidden k-mer"):
        Constraints.from_options("dna", 8, forbidden=["GAATTC"], linker="TTCAAAAGAATTC")
    with pytest.raises(SeqgenError, match="holds a run longer than 4, so every probe would break the constraint: change"):
        Constraints.from_options("dna", 8, max_homopolymer=4, linker="TTCAAAAAG")
    with pytest.raises(SeqgenError, match="forbidden k-mer is empty"):
        Constraints.from_options("dna", 8, forbidden=[""])
    with pytest.raises(SeqgenError, match="'GAATTCGAA' is longer than the 8 letters of a design: it can never"):
        Constraints.from_options("dna", 8, forbidden=["GAATTCGAA"])  # it was silently no constraint at all
    spans = Constraints.from_options("dna", 8, forbidden=["GAATTCGAA"], linker="GAA")  # across the junction: kept
    assert spans.check(encode(["CCGAATTC", "CCGAATTG"], DNA))["forbidden"].tolist() == [False, True]


def test_fixed_letters_per_alphabet_and_edits_at_fixed_positions():
    protein = Constraints.from_options("protein", 6, fixed="NPx.XA")  # N is asparagine: pinned
    assert protein.free.tolist() == [False, False, True, True, True, False]
    dna = Constraints.from_options("dna", 6, fixed="NNAC..")
    assert dna.free.tolist() == [True, True, False, False, True, True]
    # a fixed letter that differs from the start is an edit the repair cannot undo: it uses up the budget
    cons = Constraints.from_options("dna", 8, fixed="TT......", start="ACGTACGT", max_edits=3)
    repaired = cons.enforce(encode(["TTTTTTTT"], DNA), np.random.default_rng(0))
    assert cons.edits(repaired).tolist() == [3] and cons.satisfied(repaired).all()
    with pytest.raises(SeqgenError, match="differ from the starting sequence at 2 positions, more than the 1"):
        Constraints.from_options("dna", 8, fixed="TT......", start="ACGTACGT", max_edits=1)
    with pytest.raises(SeqgenError, match=r"a starting sequence \(--start\) needs max edits"):  # it was silently ignored
        Constraints.from_options("dna", 8, start="ACGTACGT")
    with pytest.raises(SeqgenError, match=r"max edits \(--max-edits\) must be 0 or more, not -1"):
        Constraints.from_options("dna", 8, start="ACGTACGT", max_edits=-1)


def test_max_edits_from_a_start_sequence():
    start = "ACGTACGTACGTACGTACGTACGTACGTAC"
    cons = Constraints.from_options("dna", 30, max_edits=3, start=start)
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    result = design(obj, cons, DesignSettings(method="fast-seqprop", n=16, steps=40, lr=0.3), CPU)
    assert (cons.edits(result.codes) <= 3).all()
    base, _ = score_codes(obj, encode([start], DNA), 4, CPU)
    assert result.utility[0] > base.item()


def test_two_objectives_bind_a_not_b():
    a, b = PWMScorer("MA0472.2"), PWMScorer("MA0493.3")  # EGR2 up, KLF1 down
    obj = ObjectiveSet([Objective("egr2", a), Objective("klf1", b, direction="min")])
    result = design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=16, steps=80, lr=0.3), CPU)
    egr2, klf1 = result.predictions["egr2"][0], result.predictions["klf1"][0]
    assert egr2.mean() > random_mean(a) + 3 and klf1.mean() < random_mean(b)


def test_avoid_below_a_level_keeps_more_of_the_main_objective():
    """``below``: B pays only above the level, so A is not traded away to push B further down."""
    below = Objective("b", None, "below", target=1.0, conservative=0.5)
    mean, std = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.0, 0.0, 2.0])
    assert torch.equal(below.utility(mean, std), torch.tensor([0.0, 0.0, -2.0]))
    with pytest.raises(ValueError):
        Objective("b", None, "below")
    a, b = PWMScorer("MA0472.2"), PWMScorer("MA0493.3")  # EGR2 up, KLF1 down
    level = random_mean(b)
    settings = DesignSettings(method="fast-seqprop", n=16, steps=80, lr=0.3)
    minimized = design(ObjectiveSet([Objective("egr2", a), Objective("klf1", b, "min", weight=3.0)]),
                       Constraints(DNA, 30), settings, CPU)
    capped = design(ObjectiveSet([Objective("egr2", a), Objective("klf1", b, "below", weight=3.0, target=level)]),
                    Constraints(DNA, 30), settings, CPU)
    assert capped.predictions["egr2"][0].mean() > minimized.predictions["egr2"][0].mean()
    assert capped.predictions["klf1"][0].mean() < level + 1


def test_conservative_objective_prefers_agreement():
    class Ensemble(torch.nn.Module):
        """mean = PWM score; std grows with the number of G letters (an 'uncertain' region)."""

        def __init__(self):
            super().__init__()
            self.pwm = PWMScorer()

        def forward(self, x):
            return self.pwm(x), 3.0 * x[:, 2].mean(1) * x.shape[2] / 10

    plain = design(ObjectiveSet([Objective("e", Ensemble())]), Constraints(DNA, 30),
                   DesignSettings(n=16, steps=60, lr=0.3), CPU)
    careful = design(ObjectiveSet([Objective("e", Ensemble(), conservative=2.0)]), Constraints(DNA, 30),
                     DesignSettings(n=16, steps=60, lr=0.3), CPU)
    assert careful.predictions["e"][1].mean() < plain.predictions["e"][1].mean()


def test_outputs_are_unique_and_diversity_penalty_spreads_them():
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    same = design(obj, Constraints(DNA, 20), DesignSettings(method="softmax", n=16, steps=80, lr=0.5), CPU)
    assert len(np.unique(same.codes, axis=0)) == len(same.codes)
    spread = design(obj, Constraints(DNA, 20), DesignSettings(method="softmax", n=16, steps=80, lr=0.5,
                                                             diversity=5.0), CPU)
    assert mean_pairwise_hamming(spread.codes) > mean_pairwise_hamming(same.codes)


def test_same_seed_same_designs():
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    runs = [design(obj, Constraints(DNA, 20), DesignSettings(n=8, steps=20, seed=5), CPU) for _ in range(2)]
    assert np.array_equal(runs[0].codes, runs[1].codes)


def test_distances():
    codes = encode(["AAAA", "AAAT", "TTTT"], DNA)
    assert mean_pairwise_hamming(codes) == pytest.approx((1 + 4 + 3) / 3)
    assert nearest_hamming(codes[:1], codes[1:], 4).tolist() == [1]


def test_bad_settings():
    with pytest.raises(SeqgenError, match="unknown design method"):
        DesignSettings(method="magic")
    with pytest.raises(SeqgenError, match="steps must be positive"):
        DesignSettings(steps=0)
    with pytest.raises(SeqgenError, match="plateau_window must be positive"):
        DesignSettings(plateau_window=0)
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    with pytest.raises(SeqgenError, match="mutations \\(9\\) is more than the 8 free positions"):
        design(obj, Constraints("dna", 8), DesignSettings(method="anneal", n=2, steps=2, mutations=9), CPU)
    with pytest.raises(SeqgenError, match="--fixed pattern has length 3"):
        Constraints.from_options("dna", 10, fixed="ACG")
    with pytest.raises(SeqgenError, match=r"GC window \(--gc-min, --gc-max\) applies to DNA"):
        Constraints.from_options("protein", 10, gc_min=0.2)
    with pytest.raises(SeqgenError, match="every position is fixed: nothing to design"):
        design(obj, Constraints.from_options("dna", 8, fixed="ACGTACGT"), DesignSettings(n=2, steps=2), CPU)
    with pytest.raises(SeqgenError, match=r"max edits \(--max-edits\) is 0: every design would be the starting"):
        design(obj, Constraints.from_options("dna", 8, start="ACGTACGT", max_edits=0), DesignSettings(n=2, steps=2),
               CPU)
    with pytest.raises(ValueError, match="conservative must not be negative"):  # it rewarded disagreement
        Objective("egr2", PWMScorer(), conservative=-1.0)


def test_latent_design_through_an_autoregressive_vae_decoder():
    from seqgen.models.vae import ConvVAE

    torch.manual_seed(0)
    vae = ConvVAE(4, 30, latent_dim=8, channels=16, blocks=1, decoder="autoregressive", dilations=(1, 2)).eval()
    for p in vae.parameters():
        p.requires_grad_(False)
    scorer = PWMScorer()
    obj = ObjectiveSet([Objective("egr2", scorer)])
    settings = DesignSettings(method="latent", n=8, steps=60, lr=0.3, seed=0)
    with torch.no_grad():
        before, _ = score_codes(obj, vae.decode(torch.randn(8, 8)).argmax(1), 4, CPU)
    result = design(obj, Constraints(DNA, 30), settings, CPU, decoder=vae.decode, latent_dim=8)
    assert result.codes.shape[1] == 30
    assert result.utility.mean() > before.mean().item() + 4.0  # the greedy-sequence gradient still climbs (~10 nats)


class CountingScorer:
    """A scorer that counts the sequences it is asked about; ``flat`` gives every input the same score."""

    def __init__(self, inner=None):
        self.inner, self.seen = inner, 0

    def __call__(self, x):
        self.seen += len(x)
        return self.inner(x) if self.inner is not None else (x * 0).sum((1, 2))


def test_more_samples_count_more_calls():
    for samples in (1, 4):
        scorer = CountingScorer(PWMScorer())
        settings = DesignSettings(method="fast-seqprop", n=8, steps=10, samples=samples, seed=0)
        result = design(ObjectiveSet([Objective("egr2", scorer)]), Constraints(DNA, 30), settings, CPU)
        assert result.calls_per_sequence == 10 * samples
        assert scorer.seen == 8 * 10 * samples + len(result.codes)  # the steps, then the final scoring


@pytest.mark.parametrize("method", ["fast-seqprop", "anneal"])
def test_patience_stops_a_run_that_no_longer_improves(method):
    scorer = CountingScorer()  # a flat landscape: nothing ever improves
    settings = DesignSettings(method=method, n=8, steps=200, patience=5, seed=0)
    result = design(ObjectiveSet([Objective("flat", scorer)]), Constraints(DNA, 20), settings, CPU)
    assert result.stopped_at == 6  # the first step sets each chain's best, then 5 without improvement
    assert len(result.trajectory) == 6
    assert result.calls_per_sequence == 6 * settings.calls_per_step
    # on a real landscape the run goes on while it improves
    result = design(ObjectiveSet([Objective("egr2", PWMScorer())]), Constraints(DNA, 30),
                    DesignSettings(method=method, n=8, steps=40, patience=20, lr=0.3, seed=0), CPU)
    assert result.stopped_at is None and len(result.trajectory) == 40


@pytest.mark.parametrize("method", ["fast-seqprop", "softmax", "anneal"])
def test_restarts_replace_stalled_chains_and_keep_their_best(method):
    settings = DesignSettings(method=method, n=8, steps=12, restart=3, seed=0)
    result = design(ObjectiveSet([Objective("flat", CountingScorer())]), Constraints(DNA, 20), settings, CPU)
    assert result.restarts == 8 * 3  # every chain stalls: restarted after steps 4, 7 and 10 (not after the last)
    # on the PWM, restarts still end with good designs, each chain's best kept over its restarts
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    plain = design(obj, Constraints(DNA, 30), DesignSettings(method=method, n=16, steps=60, lr=0.3, seed=1), CPU)
    restarted = design(obj, Constraints(DNA, 30), DesignSettings(method=method, n=16, steps=60, lr=0.3, seed=1,
                                                                 restart=5), CPU)
    assert restarted.restarts > 0
    assert restarted.utility.mean() > random_mean(PWMScorer()) + 4.0
    assert restarted.utility.max() >= plain.utility.max() - 1.0


@pytest.mark.parametrize("method", ["softmax", "latent"])
def test_relaxed_methods_keep_each_chains_best_over_restarts(method):
    """softmax and latent keep the argmax of each chain's best relaxed step: a restart does not replace it."""
    torch.manual_seed(0)
    net = torch.nn.Linear(8, 4 * 20)
    decoder = (lambda z: torch.softmax(net(z).reshape(-1, 4, 20), dim=1)) if method == "latent" else None
    seen = []
    settings = DesignSettings(method=method, n=8, steps=12, restart=3, seed=0)
    result = design(ObjectiveSet([Objective("flat", CountingScorer())]), Constraints(DNA, 20), settings, CPU,
                    decoder=decoder, latent_dim=8, callback=lambda step, calls, codes: seen.append(codes.copy()))
    assert result.restarts == 8 * 3  # the flat score never improves: every chain restarts after steps 4, 7, 10
    assert all(np.array_equal(codes, seen[0]) for codes in seen)  # ... and keeps its first (best) argmax


def test_entropy_floor_keeps_chains_sampling():
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    runs = {floor: design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=16, steps=80, lr=0.3,
                                                                     entropy=floor, seed=0), CPU)
            for floor in (0.0, 0.8)}
    assert runs[0.0].trajectory[-1]["entropy"] < 0.5  # without a floor the chains collapse to one sequence each
    assert runs[0.8].trajectory[-1]["entropy"] > 0.7
    assert runs[0.8].utility.mean() > random_mean(PWMScorer()) + 4.0  # and the best sampled sequences are good


def test_negative_settings_are_refused():
    for name in ("entropy", "restart", "patience"):
        with pytest.raises(SeqgenError, match=name):
            DesignSettings(**{name: -1})


def test_polish_continues_from_the_gradient_designs_and_counts_its_calls():
    scorer = CountingScorer(PWMScorer())
    obj = ObjectiveSet([Objective("egr2", scorer)])
    short = design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=16, steps=5, lr=0.3, seed=2), CPU)
    scorer.seen = 0
    polished = design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=16, steps=5, lr=0.3, seed=2,
                                                                polish=20, proposals=4), CPU)
    assert polished.calls_per_sequence == 5 + 20 * 4
    assert len(polished.trajectory) == 25 and polished.trajectory[-1]["phase"] == "polish"
    assert polished.trajectory[-1]["calls"] == 85
    # the polish starts from the gradient phase's best sequences (scored once more) and only keeps improvements
    assert scorer.seen == 16 * 5 + 16 + 16 * 20 * 4 + len(polished.codes)
    assert polished.utility.mean() > short.utility.mean() + 1.0


def test_a_frozen_offset_keeps_the_letter_composition():
    """A scorer that rewards A everywhere: with the offset learned, A takes over; frozen, only the logits move."""
    def a_rich(x):
        return x[:, 0].sum(1)

    obj = ObjectiveSet([Objective("a", a_rich)])
    for learn, check in ((True, lambda f: f > 0.9), (False, lambda f: 0.4 < f < 0.75)):  # random: 0.25
        settings = DesignSettings(method="fast-seqprop", n=8, steps=40, lr=0.1, learn_offset=learn, seed=0)
        result = design(obj, Constraints(DNA, 30), settings, CPU)
        assert check((result.codes == 0).mean())


def test_a_bounded_offset_limits_how_far_the_composition_drifts():
    """The soft bound m * tanh(offset / m) caps the per-letter offset; the letters it disfavours stay sampled."""
    from seqgen.design.parametrize import FastSeqProp

    param = FastSeqProp(torch.zeros(2, 4, 10), offset_limit=0.5)
    with torch.no_grad():
        param.offset[:, 0] = 50.0  # far past the bound
    assert torch.allclose(param.normalized_logits()[:, 0], torch.full((2, 10), 0.5), atol=1e-4)

    def a_rich(x):
        return x[:, 0].sum(1)

    obj = ObjectiveSet([Objective("a", a_rich)])
    fractions = []
    for limit in (0.0, 0.5):
        settings = DesignSettings(method="fast-seqprop", n=8, steps=40, lr=0.1, offset_limit=limit, seed=0)
        result = design(obj, Constraints(DNA, 30), settings, CPU)
        fractions.append((result.codes == 0).mean())
    assert fractions[0] > 0.9 and fractions[1] < fractions[0]
    with pytest.raises(SeqgenError, match="offset_limit"):
        DesignSettings(offset_limit=-1)


def linear_problem(seed: int, length: int, fixed: str, n: int):
    """A random linear scorer ``(4, L)`` as an objective, constraints fixing the prefix ``fixed``, and ``n`` random
    sequences ``(n, L)`` with that prefix."""
    rng = np.random.default_rng(seed)
    weight = torch.as_tensor(rng.standard_normal((4, length)), dtype=torch.float32)
    obj = ObjectiveSet([Objective("linear", lambda x: (x * weight).sum((1, 2)))])
    cons = Constraints.from_options(DNA, length, fixed + "." * (length - len(fixed)))
    codes = rng.integers(0, 4, (n, length)).astype(np.uint8)
    codes[:, :len(fixed)] = encode([fixed], DNA)[0]
    return weight, obj, cons, codes


def test_guided_mutations_are_the_best_single_letter_changes_of_a_linear_scorer():
    """For a linear scorer the gradient's first-order gain is exact: at temperature 0 the top changes are drawn."""
    from seqgen.design.anneal import _guided_mutations, _penalized_with_gradient

    weight, obj, cons, codes = linear_problem(seed=0, length=12, fixed="AC", n=5)
    settings = DesignSettings(method="anneal", n=5, proposals=6, guided=True, guide_temperature=0.0)
    util, grad = _penalized_with_gradient(obj, cons, settings.penalty_weight, codes, CPU)
    w = weight.numpy()
    assert np.allclose(util, [w[codes[i], np.arange(12)].sum() for i in range(5)], atol=1e-5)
    assert torch.allclose(grad, weight.expand(5, 4, 12))
    pos, letters = _guided_mutations(grad, cons, settings, codes, torch.Generator().manual_seed(0))
    assert pos.shape == letters.shape == (5, 6, 1)  # (N, M, K): one change per mutant
    pos, letters = pos[..., 0], letters[..., 0]
    for i in range(5):
        gains = {(l, b): w[b, l] - w[codes[i, l], l] for l in range(2, 12) for b in range(4) if b != codes[i, l]}
        best = sorted(gains, key=gains.get, reverse=True)[:6]
        assert sorted(zip(pos[i], letters[i])) == sorted(best)
    # with randomness the draws differ between chains' calls but never touch a fixed position or keep a letter
    settings = DesignSettings(method="anneal", n=5, proposals=6, guided=True, guide_temperature=1.0)
    pos, letters = (a[..., 0] for a in _guided_mutations(grad, cons, settings, codes, torch.Generator().manual_seed(0)))
    assert (pos >= 2).all() and (letters != codes[np.arange(5)[:, None], pos]).all()
    assert all(len(set(zip(p, q))) == 6 for p, q in zip(pos, letters))  # distinct changes per chain


def test_guided_annealing_counts_its_gradient_call_and_beats_random_proposals_at_equal_calls():
    scorer = CountingScorer(PWMScorer())
    obj = ObjectiveSet([Objective("egr2", scorer)])
    guided = design(obj, Constraints(DNA, 30),
                    DesignSettings(method="anneal", n=16, steps=8, proposals=4, guided=True, seed=3), CPU)
    assert guided.calls_per_sequence == 8 * 5 and guided.trajectory[-1]["calls"] == 40
    assert scorer.seen == 16 + 16 * 8 * 5 + len(guided.codes)  # start, (gradient + 4 mutants) per step, final
    plain = design(obj, Constraints(DNA, 30), DesignSettings(method="anneal", n=16, steps=10, proposals=4, seed=3), CPU)
    assert plain.calls_per_sequence == 40
    assert guided.utility.mean() > plain.utility.mean() + 1.0
    scorer.seen = 0  # one proposal a step: the pass that scores it also gives the next step's gradient
    single = design(obj, Constraints(DNA, 30),
                    DesignSettings(method="anneal", n=16, steps=40, proposals=1, guided=True, seed=3), CPU)
    assert single.calls_per_sequence == 40 and scorer.seen == 16 + 16 * 40 + len(single.codes)
    assert single.utility.mean() > plain.utility.mean() + 1.0


def test_guided_annealing_always_proposes_from_the_gradient_at_the_current_sequence(monkeypatch):
    """With one proposal a step, the gradient carried from the accepted proposal (or the combined mutant, or a
    restart) is the one a fresh pass gives at the current sequence."""
    import seqgen.design.anneal as anneal

    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    cons = Constraints.from_options(DNA, 30, gc_min=0.3, gc_max=0.6)  # a penalty term in the gradient too
    original, checked = anneal._guided_mutations, []

    def checking(grad, constraints, settings, codes, generator):
        _, fresh = anneal._penalized_with_gradient(obj, constraints, settings.penalty_weight, codes, CPU)
        checked.append(torch.allclose(grad, fresh, atol=1e-5))
        return original(grad, constraints, settings, codes, generator)

    monkeypatch.setattr(anneal, "_guided_mutations", checking)
    settings = DesignSettings(method="anneal", n=8, steps=30, proposals=1, guided=True, combine=True, restart=4,
                              t_start=1.0, seed=1)
    design(obj, cons, settings, CPU)
    assert len(checked) == 30 and all(checked)


def test_combining_improving_mutants_applies_each_position_once():
    from seqgen.design.anneal import _combine_improving

    codes = np.zeros((3, 6), np.uint8)
    pos = np.array([[1, 1, 4], [2, 3, 5], [0, 1, 2]])
    letters = np.array([[2, 3, 1], [1, 1, 1], [3, 3, 3]])
    improving = np.array([[True, True, True], [True, False, True], [False, False, False]])
    util = np.array([[1.0, 2.0, 0.5], [1.0, 3.0, 2.0], [0.0, 0.0, 0.0]])
    merged = _combine_improving(codes, pos, letters, improving, util)
    assert merged.tolist() == [[0, 3, 0, 0, 1, 0],  # position 1 takes the better of its two mutants
                               [0, 0, 1, 0, 0, 1],  # the non-improving mutant at position 3 is left out
                               [0, 0, 0, 0, 0, 0]]  # no improving mutant: unchanged
    assert codes.max() == 0  # the input is not modified


def test_combined_mutants_climb_a_linear_scorer_in_fewer_calls():
    rng = np.random.default_rng(1)
    weight = torch.as_tensor(rng.standard_normal((4, 30)), dtype=torch.float32)
    scorer = CountingScorer(lambda x: (x * weight).sum((1, 2)))
    obj = ObjectiveSet([Objective("linear", scorer)])
    base = dict(method="anneal", n=16, proposals=4, guided=True, guide_temperature=0.0, seed=0)
    combined = design(obj, Constraints(DNA, 30), DesignSettings(steps=5, combine=True, **base), CPU)
    assert combined.calls_per_sequence == 5 * 6  # the gradient, 4 mutants and the combination per step
    assert scorer.seen == 16 + 16 * 5 * 6 + len(combined.codes)
    single = design(obj, Constraints(DNA, 30), DesignSettings(steps=6, **base), CPU)
    assert single.calls_per_sequence == 6 * 5  # the same calls
    assert combined.utility.mean() > single.utility.mean() + 2.0


def test_multi_letter_mutants_change_distinct_positions_and_climb_a_linear_scorer_in_fewer_calls():
    from seqgen.design.anneal import _guided_mutations, _penalized_with_gradient, _random_mutations

    weight, obj, cons, codes = linear_problem(seed=2, length=30, fixed="ACG", n=6)
    _, grad = _penalized_with_gradient(obj, cons, 1.0, codes, CPU)
    settings = DesignSettings(method="anneal", n=6, proposals=2, mutations=3, guided=True, guide_temperature=0.0)
    pos, letters = _guided_mutations(grad, cons, settings, codes, torch.Generator().manual_seed(0))
    assert pos.shape == letters.shape == (6, 2, 3)
    w = weight.numpy()
    for i in range(6):  # temperature 0: the 6 positions of largest gain, each with its best letter, in rank order
        gain = w - w[codes[i], np.arange(30)]
        gain[codes[i], np.arange(30)] = -np.inf
        best = np.argsort(-gain.max(0)[3:], kind="stable")[:6] + 3
        assert pos[i].ravel().tolist() == best.tolist()
        assert letters[i].ravel().tolist() == gain.argmax(0)[best].tolist()
    pos, letters = _random_mutations(np.random.default_rng(0), np.arange(3, 30), codes, 4, 5, 4)
    assert pos.shape == (6, 5, 4) and (pos >= 3).all()
    assert all(len(set(p)) == 4 for p in pos.reshape(-1, 4))  # distinct positions within a mutant
    assert (letters != codes[np.arange(6)[:, None, None], pos]).all()  # every change is a change
    base = dict(method="anneal", n=16, proposals=1, guided=True, guide_temperature=0.0, seed=0, steps=8)
    single = design(obj, Constraints(DNA, 30), DesignSettings(**base), CPU)
    triple = design(obj, Constraints(DNA, 30), DesignSettings(mutations=3, **base), CPU)
    assert single.calls_per_sequence == triple.calls_per_sequence == 8
    assert triple.utility.mean() > single.utility.mean() + 2.0
    with pytest.raises(SeqgenError, match="combine"):
        DesignSettings(method="anneal", combine=True, mutations=2)


def test_plateau_rule_stops_a_converged_run_and_its_polish():
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    full = design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=16, steps=20, lr=0.3, seed=0,
                                                            polish=60, proposals=4, guided=True), CPU)
    stopped = design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=16, steps=20, lr=0.3, seed=0,
                                                               polish=60, proposals=4, guided=True, plateau=0.05,
                                                               plateau_window=40), CPU)
    assert full.stopped_at is None and full.calls_per_sequence == 20 + 60 * 5
    assert stopped.stopped_at is not None and stopped.calls_per_sequence < full.calls_per_sequence
    assert stopped.trajectory[-1]["calls"] == stopped.calls_per_sequence and stopped.trajectory[-1]["phase"] == "polish"
    # the designs at the stop are nearly as good as the full run's
    assert stopped.utility.mean() > full.utility.mean() - 1.0
    assert stopped.utility.mean() > random_mean(PWMScorer()) + 4.0


@pytest.mark.gpu
@pytest.mark.parametrize("settings", [dict(method="fast-seqprop"), dict(method="softmax"), dict(method="anneal"),
                                      dict(method="fast-seqprop", steps=10, polish=10, guided=True, plateau=0.05,
                                           combine=True)])
def test_design_runs_on_cuda(settings):
    cuda = torch.device("cuda")
    scorer = PWMScorer().to(cuda)
    scorer.weight = scorer.weight.to(cuda)
    obj = ObjectiveSet([Objective("egr2", scorer)])
    result = design(obj, Constraints(DNA, 30), DesignSettings(n=16, lr=0.3, seed=0, **{"steps": 40, **settings}), cuda)
    assert len(result.codes) >= 10 and result.utility.mean() > random_mean(PWMScorer()) + 4.0


def test_iupac_codes_in_a_forbidden_kmer_forbid_every_letter_they_allow():
    from Bio.Seq import Seq

    cons = Constraints.from_options("dna", 10, forbidden=["GANTC"])  # HinfI
    codes = encode([f"CCGA{x}TCCCC" for x in "ACGT"] + ["CCGAATACCC", "CCCCCCCCCC"], DNA)
    assert cons.check(codes)["forbidden"].tolist() == [False] * 4 + [True, True]
    assert cons.satisfied(cons.enforce(codes, np.random.default_rng(0))).all()
    seqs = decode(np.random.default_rng(1).integers(0, 4, (400, 12)).astype(np.uint8), DNA)
    meaning = {"Y": "CT", "R": "AG", "N": "ACGT", "W": "AT"}
    for pattern in ("AAY", "RYA", "GWNC"):  # against a plain-string reference, both strands
        sites = {"".join(p) for p in itertools.product(*[meaning.get(c, c) for c in pattern])}
        sites |= {str(Seq(site).reverse_complement()) for site in sites}
        expected = [not any(site in s for site in sites) for s in seqs]
        got = Constraints.from_options("dna", 12, forbidden=[pattern]).check(encode(seqs, DNA))["forbidden"]
        assert got.tolist() == expected and 0 < sum(expected) < len(seqs), pattern
    rna = Constraints.from_options("rna", 10, forbidden=["GANUC"])  # RNA: N stands for A, C, G, U
    assert rna.check(encode(["CCGAUUCCCC", "CCCCCCCCCC"], "rna"))["forbidden"].tolist() == [False, True]
    assert Constraints.from_options("protein", 10, forbidden=["NNA"]).check(
        encode(["NNAKKKKKKK", "KKKKKKKKKK"], "protein"))["forbidden"].tolist() == [False, True]  # N: asparagine
    sequon = Constraints.from_options("protein", 6, forbidden=["NXT", "NXS"])  # X: any amino acid, as in --fixed
    peptides = [f"KN{x}TKK" for x in "ACDEFGHIKLMNPQRSTVWY"] + ["KNKSKK", "KNKAKK", "KKKNKA"]
    assert sequon.check(encode(peptides, "protein"))["forbidden"].tolist() == [False] * 21 + [True, True]
    assert sequon.satisfied(sequon.enforce(encode(peptides, "protein"), np.random.default_rng(0))).all()
    with pytest.raises(SeqgenError, match="stands for 65536 k-mers"):
        Constraints.from_options("dna", 10, forbidden=["NNNNNNNN"])
    with pytest.raises(SeqgenError, match="forbidden k-mer 'GAZTC': 'Z' at position 3 is not a letter"):
        Constraints.from_options("dna", 10, forbidden=["GAZTC"])
    with pytest.raises(SeqgenError, match="forbidden k-mer 'GANTC': 'T' at position 4 is not a letter of the rna "
                                          "alphabet, nor one of its IUPAC codes"):  # not named as one of its k-mers
        Constraints.from_options("rna", 10, forbidden=["GANTC"])
    with pytest.raises(SeqgenError, match="forbidden k-mer 'NBT': 'B' at position 2 is not a letter of the protein"):
        Constraints.from_options("protein", 10, forbidden=["NBT"])


def test_forbidden_kmers_of_rna_are_read_on_one_strand():
    cons = Constraints.from_options("rna", 10, forbidden=["AAAC"])
    codes = encode(["GUUUCCCCCC", "AAACCCCCCC"], "rna")  # GUUU is only AAAC's reverse complement
    assert cons.check(codes)["forbidden"].tolist() == [True, False]


def test_diversity_terms_equal_their_pairwise_definitions():
    from seqgen.design.gradient import _similarity

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (30, 12)).astype(np.uint8)
    pairwise = [(codes[i] != codes[j]).sum() for i in range(30) for j in range(30) if i != j]
    assert mean_pairwise_hamming(codes) == pytest.approx(np.mean(pairwise))
    probs = torch.softmax(torch.as_tensor(rng.normal(size=(30, 4, 12))), 1)
    sim = probs.flatten(1) @ probs.flatten(1).T / 12
    expected = (sim.sum(1) - sim.diagonal()) / 29
    torch.testing.assert_close(_similarity(probs), expected)


@pytest.mark.parametrize("method", ["fast-seqprop", "softmax"])
def test_gradient_design_in_checkpointed_chunks_matches_one_batch(monkeypatch, method):
    """A memory budget below the batch: the scorers run a few sequences at a time, with the same gradients."""
    import seqgen.device

    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    settings = DesignSettings(method=method, n=12, steps=15, lr=0.3, seed=2, samples=2)
    whole = design(obj, Constraints(DNA, 30), settings, CPU)
    monkeypatch.setattr(seqgen.device, "BATCH_BUDGET_CPU", 3 * 3 * 4 * 64 * 30)  # 3 rows of the 64-channel floor
    assert obj.batch_rows(30, CPU, gradient=True) == 3
    chunked = design(obj, Constraints(DNA, 30), settings, CPU)
    np.testing.assert_array_equal(chunked.codes, whole.codes)
    np.testing.assert_allclose(chunked.utility, whole.utility, rtol=1e-5)


def test_the_design_objective_scores_training_sequences_made_of_the_designs_letters():
    """design.json compares the designs with training sequences under the same objective; padded rows (and gapped
    ones, where designs have no gap) cannot be designs and are left out."""
    import pandas as pd

    from seqgen.alphabets import PAD, PROTEIN, PROTEIN_GAP
    from seqgen.data import SequenceSet
    from seqgen.design.command import TRAINING_SCORED, compare_with_training, training_utility

    scorer = PWMScorer()
    objectives = ObjectiveSet([Objective("score", scorer, "max")], 4)
    codes = np.random.default_rng(0).integers(0, 4, (TRAINING_SCORED + 200, 30)).astype(np.uint8)
    codes[:150, -3:] = PAD  # shorter sequences, padded
    reference = SequenceSet(codes, DNA, [f"s{i}" for i in range(len(codes))])
    table = training_utility(objectives, reference, DNA, CPU, seed=3)
    assert len(table) == TRAINING_SCORED and not table["id"].isin([f"s{i}" for i in range(150)]).any()
    rows = table["id"].str[1:].astype(int).to_numpy()
    with torch.no_grad():
        expected = scorer(torch.as_tensor(one_hot(codes[rows], 4))).numpy()
    assert np.allclose(table["utility"], expected, atol=1e-4)
    assert table.equals(training_utility(objectives, reference, DNA, CPU, seed=3))  # seeded
    designs = pd.Series([table["utility"].max() + 1, table["utility"].median() - 1])
    assert compare_with_training(table, designs) == {
        "training_scored": TRAINING_SCORED, "training_best_measured": 0, "training_utility_median":
        table["utility"].median(), "training_utility_max": table["utility"].max(), "designs_above_training_max": 1}
    gapped = SequenceSet(np.full((5, 8), PROTEIN_GAP.size - 1, dtype=np.uint8), PROTEIN_GAP, list("abcde"))
    protein = ObjectiveSet([Objective("score", lambda x: x.sum((1, 2)), "max")], PROTEIN_GAP.size)
    assert training_utility(protein, gapped, PROTEIN, CPU).empty  # only gaps: nothing a design could be
    assert compare_with_training(training_utility(protein, gapped, PROTEIN, CPU), designs) == {"training_scored": 0}


def test_gradient_chains_keep_their_best_under_the_penalized_utility():
    """Fast SeqProp keeps each chain's best sampled sequence by utility minus the constraint penalty, as annealing
    does: against an objective that rewards G and C, the kept sequences respect a GC window the loss holds them to
    (ranked by the utility alone, none of the 16 did: the highest-GC samples won)."""
    from seqgen.design.gradient import gradient_chains
    from seqgen.design.run import _Plateau, _Progress

    torch.manual_seed(0)
    weights = torch.randn(4, 20) * 0.3
    weights[[1, 2]] += 1.0  # C and G
    objectives = ObjectiveSet([Objective("gc-loving", lambda x: (x * weights).sum((1, 2)))])
    constraints = Constraints.from_options("dna", 20, gc_min=0.4, gc_max=0.6)
    settings = DesignSettings(method="fast-seqprop", n=16, steps=100, penalty_weight=10.0, seed=0)
    codes, _, _ = gradient_chains(objectives, constraints, settings, CPU, torch.Generator().manual_seed(0), None, None,
                                  None, _Progress(settings, _Plateau(0, 50)))
    gc = constraints.gc_fraction(codes)
    assert ((gc >= 0.4) & (gc <= 0.6)).sum() >= 14


def test_soft_penalties_of_one_hot_sequences_count_what_the_hard_checks_count():
    """On one-hot letter probabilities each soft penalty is its hard constraint's count: forbidden sites on both
    strands (the last window included), runs one longer than allowed, GC outside its window, edits over the budget."""
    from Bio.Seq import Seq

    rng = np.random.default_rng(4)
    seqs = decode(rng.integers(0, 4, (60, 14)).astype(np.uint8), DNA)
    seqs[:3] = ["CCCCCCCCCCGAAC", "GTTCCCCCCCCCCC", "CCCCCCCCCCCCCC"]  # a site (or its reverse complement) at the ends
    codes = encode(seqs, DNA)
    probs = torch.as_tensor(one_hot(codes, 4), dtype=torch.float32)
    sites = {"GAAC", str(Seq("GAAC").reverse_complement())}
    expected = [sum(s[i:i + 4] in sites for i in range(11)) for s in seqs]
    forbidden = Constraints.from_options("dna", 14, forbidden=["GAAC"]).penalty(probs)
    np.testing.assert_allclose(forbidden.numpy(), expected, atol=1e-4)
    assert expected[:3] == [1, 1, 0]
    runs = [sum(len(set(s[i:i + 3])) == 1 for i in range(12)) for s in seqs]
    homopolymer = Constraints.from_options("dna", 14, max_homopolymer=2).penalty(probs)
    np.testing.assert_allclose(homopolymer.numpy(), runs, atol=1e-4)
    gc = np.array([(s.count("G") + s.count("C")) / 14 for s in seqs])
    window = Constraints.from_options("dna", 14, gc_min=0.4, gc_max=0.6).penalty(probs)
    outside = np.maximum(0.4 - gc, 0) ** 2 + np.maximum(gc - 0.6, 0) ** 2
    np.testing.assert_allclose(window.numpy(), 10 * 14 * outside, rtol=1e-4, atol=1e-6)
    assert (outside > 0).any() and (outside == 0).any()
    start = seqs[3]
    edits = np.array([sum(a != b for a, b in zip(s, start)) for s in seqs])
    budget = Constraints.from_options("dna", 14, start=start, max_edits=9).penalty(probs)
    np.testing.assert_allclose(budget.numpy(), np.maximum(edits - 9, 0), atol=1e-4)
    assert (edits > 9).any()


def test_gc_bounds_are_inclusive_and_a_single_bound_leaves_the_other_open():
    cons = Constraints.from_options("dna", 10, gc_min=0.4, gc_max=0.6)
    codes = encode(["GCGCAAAAAA", "GCGCGCAAAA", "GCGAAAAAAA", "GCGCGCGAAA"], DNA)  # GC 0.4, 0.6, 0.3, 0.7
    assert cons.check(codes)["gc"].tolist() == [True, True, False, False]
    low_only = Constraints.from_options("dna", 10, gc_min=0.35)
    assert low_only.gc == (0.35, 1.0)
    assert low_only.check(encode(["GGGGGGGGGG", "GCGAAAAAAA"], DNA))["gc"].tolist() == [True, False]
    assert Constraints.from_options("dna", 10, gc_max=0.2).gc == (0.0, 0.2)


def test_gc_repair_reaches_the_window_from_either_side_in_one_round():
    """The repair swaps A/T for G/C (or back) at free positions, as many as the window needs (a fractional bound
    rounds inwards: 35% of 10 letters needs 4 G/C)."""
    cons = Constraints.from_options("dna", 10, fixed="A.........", gc_min=0.35, gc_max=0.65)
    codes = encode(["AAAAAAAAAA", "ATATATATAT", "AGGGGGGGGG", "ACCGCCGCCG"], DNA)
    for seed in range(5):
        repaired = cons.enforce(codes, np.random.default_rng(seed), rounds=1)
        gc = cons.gc_fraction(repaired)
        assert ((gc >= 0.35) & (gc <= 0.65)).all() and cons.satisfied(repaired).all()
        assert (repaired[:, 0] == 0).all()
        assert ((repaired != codes).sum(1) == [4, 4, 3, 3]).all()  # no more changes than needed


def test_a_gc_window_that_no_sequence_can_meet_is_refused_naming_it():
    """A window holding no whole number of G and C (50% of 35 letters), or one the fixed letters keep out of reach,
    is refused before any design, not reported after it as 'no design satisfies the constraints'."""
    with pytest.raises(SeqgenError, match=r"GC window 0.5-0.5: no sequence of 35 letters"):
        Constraints.from_options("dna", 35, gc_min=0.5, gc_max=0.5)
    with pytest.raises(SeqgenError, match=r"GC window 0.5-1 cannot be met: .* holds 0-4 G and C, the window 5-10"):
        Constraints.from_options("dna", 10, fixed="AAAAAT....", gc_min=0.5)
    with pytest.raises(SeqgenError, match=r"holds 3-5 G and C, the window 0-2"):
        Constraints.from_options("dna", 5, fixed="GCG..", gc_max=0.4)
    assert Constraints.from_options("dna", 10, fixed="AAAAA.....", gc_min=0.5).gc == (0.5, 1.0)  # just reachable
    assert Constraints.from_options("dna", 36, gc_min=0.5, gc_max=0.5).gc == (0.5, 0.5)  # 18 of 36


def test_a_repair_changes_the_letter_it_picks_and_never_a_fixed_one():
    """One round removes a forbidden site with one free position in it (a change to the same letter would not),
    and a site across the edge of a fixed region is repaired on its free side."""
    one_free = Constraints.from_options("dna", 6, fixed="GAA.TC", forbidden=["GAATTC"])
    for seed in range(20):
        repaired = one_free.enforce(encode(["GAATTC"], DNA), np.random.default_rng(seed), rounds=1)
        assert one_free.satisfied(repaired).all(), seed
    edge = Constraints.from_options("dna", 12, fixed="CCCGAA......", forbidden=["GAATTC"])
    codes = encode(["CCCGAATTCAAA"] * 8, DNA)
    repaired = edge.enforce(codes, np.random.default_rng(0))
    assert edge.satisfied(repaired).all()
    assert decode(repaired[:, :6], DNA) == ["CCCGAA"] * 8


def test_a_linker_that_is_a_forbidden_k_mer_is_refused():
    with pytest.raises(SeqgenError, match="the linker itself holds a forbidden k-mer"):
        Constraints.from_options("dna", 8, forbidden=["GAATTC"], linker="GAATTC")
    with pytest.raises(SeqgenError, match="the linker itself holds a forbidden k-mer"):
        Constraints.from_options("dna", 8, forbidden=["GAATTC"], linker="gaattc")


def test_a_refused_linker_names_the_forbidden_k_mer_it_holds_and_where():
    """The error names the forbidden pattern, the linker's letters that match it (its reverse complement, an IUPAC
    code's letter) and their 1-based position, so a user can tell which --forbid to drop."""
    linker = "GTCTGTGTTCCGTTGTCCGTGCTG"  # the universal PBM primer
    with pytest.raises(SeqgenError, match=r"forbidden k-mer \(GTTCCG at position 7\)"):
        Constraints.from_options("dna", 35, forbidden=["GAATTC", "GTTCCG"], linker=linker)
    with pytest.raises(SeqgenError, match=r"forbidden k-mer \(CGGAAC as GTTCCG at position 7\)"):
        Constraints.from_options("dna", 35, forbidden=["CGGAAC"], linker=linker)
    with pytest.raises(SeqgenError, match=r"forbidden k-mer \(GTNCC as GTTCC at position 7; CCGTG at position 17\)"):
        Constraints.from_options("dna", 35, forbidden=["GTNCC", "CCGTG"], linker=linker)


def test_fixed_letters_that_break_a_constraint_are_refused_up_front():
    """--fixed letters that hold a forbidden k-mer (either strand, an IUPAC code's letter) or a long run, alone or
    with the linker after them, are refused before any work, naming the k-mer and where it lies: no design could
    repair them. Free positions inside a window keep it repairable."""
    with pytest.raises(SeqgenError, match=r"the fixed letters hold a forbidden k-mer \(GAATTC at position 3\), so "
                                          r"every design would break the constraint: change --fixed"):
        Constraints.from_options("dna", 12, fixed="..GAATTC....", forbidden=["GAATTC"])
    with pytest.raises(SeqgenError, match=r"forbidden k-mer \(GANTC as GAGTC at position 2\)"):
        Constraints.from_options("dna", 12, fixed=".GAGTC......", forbidden=["GANTC"])
    with pytest.raises(SeqgenError, match=r"forbidden k-mer \(GAGTC as GACTC at position 2\)"):
        Constraints.from_options("dna", 12, fixed=".GACTC......", forbidden=["GAGTC"])  # the reverse strand
    with pytest.raises(SeqgenError, match=r"the fixed letters and the linker hold a forbidden k-mer "
                                          r"\(GAATTC at position 10\)"):
        Constraints.from_options("dna", 12, fixed=".........GAA", forbidden=["GAATTC"], linker="TTCAGG")
    with pytest.raises(SeqgenError, match=r"the fixed letters hold a run longer than 3"):
        Constraints.from_options("dna", 12, fixed="..AAAA......", max_homopolymer=3)
    with pytest.raises(SeqgenError, match=r"the fixed letters and the linker hold a run longer than 3"):
        Constraints.from_options("dna", 8, fixed="......CC", max_homopolymer=3, linker="CCGT")
    Constraints.from_options("dna", 12, fixed="..GAA.TC....", forbidden=["GAATTC"], max_homopolymer=3)
    Constraints.from_options("dna", 12, fixed="..AAA.A.....", max_homopolymer=3, linker="CAAA")
    with pytest.raises(SeqgenError, match=r"the linker itself holds a forbidden k-mer \(GAATTC at position 2\)"):
        Constraints.from_options("dna", 8, fixed="AC......", forbidden=["GAATTC"], linker="TGAATTC")


def test_unrepairable_candidates_are_dropped_not_written():
    """A fixed region holding a forbidden site cannot be repaired: finalize drops every candidate and counts them."""
    from seqgen.design.run import finalize

    fixed = np.full(12, PAD, dtype=np.uint8)
    fixed[2:8] = encode(["GAATTC"], DNA)[0]
    cons = Constraints(DNA, 12, fixed, forbidden=["GAATTC"])  # from_options refuses this up front (test below)
    codes = np.random.default_rng(0).integers(0, 4, (6, 12)).astype(np.uint8)
    obj = ObjectiveSet([Objective("egr2", lambda x: x.sum((1, 2)))])
    result = finalize(codes, obj, cons, CPU, np.random.default_rng(0))
    assert len(result.codes) == 0 and result.dropped == 6


def test_designs_the_repair_changed_are_marked_and_counted(tmp_path):
    """A design the final repair changed is no chain's own output (a latent design: not the generator's); designs.tsv
    marks it and design.json counts it."""
    from seqgen.design.outputs import designs_table, write_design
    from seqgen.design.run import finalize

    cons = Constraints.from_options("dna", 12, gc_max=0.5)
    codes = encode(["ACGTACGTACGT", "GGGCCCGGGCCC"], DNA)  # the first holds 50% GC, the second must be repaired
    obj = ObjectiveSet([Objective("egr2", lambda x: x.sum((1, 2)))])
    result = finalize(codes, obj, cons, CPU, np.random.default_rng(0))
    kept = (result.codes == codes[0]).all(1)  # the first, unchanged
    assert kept.sum() == 1 and result.repaired.tolist() == (~kept).tolist()
    table = designs_table(result, cons, "latent")
    assert table["repaired"].tolist() == (~kept).tolist()
    assert write_design(tmp_path / "designs.fasta", result, table)["repaired"] == 1


def test_duplicate_candidates_are_counted_apart_from_unrepairable_ones():
    """Chains that reach one sequence (latent designs at one mode of a VAE) leave fewer designs than --n: finalize
    counts them as duplicates, and the report does not blame the constraints for them."""
    from seqgen.design.run import finalize
    from seqgen.report.designs import dropped_text

    cons = Constraints.from_options("dna", 12)
    codes = np.repeat(encode(["ACGTACGTACGT", "TTTTACGTACGT"], DNA), [5, 3], axis=0)
    obj = ObjectiveSet([Objective("egr2", lambda x: x.sum((1, 2)))])
    result = finalize(codes, obj, cons, CPU, np.random.default_rng(0))
    assert len(result.codes) == 2 and result.dropped == 6 and result.duplicates == 6
    assert dropped_text({"dropped": 6, "duplicates": 6}) == " (6 duplicates dropped)"
    assert dropped_text({"dropped": 3}) == " (3 dropped by the constraints)"  # a design.json of an older run
    assert dropped_text({"dropped": 4, "duplicates": 1}) == " (3 dropped by the constraints, 1 duplicates dropped)"


def test_fixed_positions_are_one_hot_and_free_ones_untouched():
    from seqgen.design.parametrize import FixedPositions, SoftmaxParam

    codes = torch.as_tensor(encode(["AC"], DNA)[0].tolist() + [255, 255], dtype=torch.uint8)  # A C . .
    fixed = FixedPositions(codes, 4)
    x = torch.softmax(torch.randn(3, 4, 4, generator=torch.Generator().manual_seed(0)), 1)
    out = fixed.apply(x)
    assert torch.equal(out[:, :, 2:], x[:, :, 2:])
    assert torch.equal(out[:, :, :2], torch.tensor([[1.0, 0], [0, 1], [0, 0], [0, 0]]).expand(3, 4, 2))
    probs = SoftmaxParam(torch.randn(3, 4, 4), fixed).probs()
    torch.testing.assert_close(probs.sum(1), torch.ones(3, 4))


def test_straight_through_samples_are_one_hot_with_the_softmax_gradient():
    """Fast SeqProp feeds sampled one-hot sequences forward and takes the gradient as if the softmax probabilities
    had been fed: d/dlogits sum_s <x_s, w> = S * d/dlogits <p, w>."""
    from seqgen.design.parametrize import FastSeqProp

    torch.manual_seed(0)
    param = FastSeqProp(torch.randn(3, 4, 10))
    w = torch.randn(4, 10)
    x, p = param(5, torch.Generator().manual_seed(1))
    assert x.shape == (5, 3, 4, 10)
    hard = x.detach()
    torch.testing.assert_close(hard, hard.round())  # one-hot (to rounding: hard + p - p)
    torch.testing.assert_close(hard.sum(2), torch.ones(5, 3, 10))
    (grad,) = torch.autograd.grad((x * w).sum(), param.logits)
    (expected,) = torch.autograd.grad(5 * (param.probs() * w).sum(), param.logits)
    torch.testing.assert_close(grad, expected)
    assert grad.abs().sum() > 0


@pytest.mark.parametrize("gumbel", [False, True])
def test_sampled_letters_follow_the_letter_probabilities(gumbel):
    from seqgen.design.parametrize import _sample_one_hot

    p = torch.tensor([0.6, 0.25, 0.1, 0.05])
    probs = p[None, :, None].expand(1, 4, 3).contiguous()
    x = _sample_one_hot(probs, 20000, torch.Generator().manual_seed(0), gumbel, torch.log(probs))
    freq = x.mean((0, 1, 3))
    torch.testing.assert_close(freq, p, atol=0.015, rtol=0)


def test_the_latent_prior_penalty_pulls_codes_towards_the_origin():
    """With a flat objective and a prior weight the latent codes shrink (the N(0, I) negative log density)."""
    from seqgen.design.parametrize import LatentParam

    z = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
    assert LatentParam(z, None).prior_penalty().tolist() == [12.5, 0.5]
    net = torch.nn.Linear(8, 4 * 12)
    norms = []

    def decoder(z):
        norms.append(float(z.detach().norm(dim=1).mean()))
        return torch.softmax(net(z).reshape(-1, 4, 12), dim=1)

    settings = DesignSettings(method="latent", n=8, steps=30, lr=0.1, prior_weight=1.0, seed=0)
    design(ObjectiveSet([Objective("flat", CountingScorer())]), Constraints(DNA, 12), settings, CPU,
           decoder=decoder, latent_dim=8)
    assert norms[-1] < 0.5 * norms[0]


def test_objective_utilities_by_hand():
    mean, std = torch.tensor([0.0, 1.0, 3.0]), torch.tensor([0.0, 1.0, 0.5])
    expected = {"max": [0.0, -1.0, 2.0], "min": [0.0, -3.0, -4.0], "target": [-1.0, -2.0, -3.0],
                "below": [0.0, -2.0, -3.0]}
    for direction, want in expected.items():
        obj = Objective("o", None, direction, target=1.0 if direction in ("target", "below") else None,
                        conservative=2.0)
        torch.testing.assert_close(obj.utility(mean, std), torch.tensor(want))
    x = torch.zeros(2, 4, 5)
    x[0, 0] = 1.0
    total, parts = ObjectiveSet([Objective("a", lambda x: x[:, 0].sum(1), weight=2.0),
                                 Objective("b", lambda x: x[:, 0].sum(1), "min", weight=0.5)])(x)
    torch.testing.assert_close(total, torch.tensor([2 * 5.0 - 0.5 * 5.0, 0.0]))
    torch.testing.assert_close(parts["a"][0], torch.tensor([5.0, 0.0]))


def test_designs_of_fewer_letters_are_scored_with_zero_channels_for_the_rest():
    seen = []

    def scorer(x):
        seen.append(x)
        return x.sum((1, 2))

    x = torch.rand(2, 20, 6)
    ObjectiveSet([Objective("o", scorer)], letters=21)(x)
    assert seen[0].shape == (2, 21, 6)
    assert torch.equal(seen[0][:, :20], x) and not seen[0][:, 20].any()


def test_annealing_temperature_falls_geometrically_from_start_to_end():
    from seqgen.design.anneal import _temperature

    settings = DesignSettings(method="anneal", steps=5, t_start=0.1, t_end=0.001)
    temps = [_temperature(settings, 2.0, step) for step in range(1, 6)]
    np.testing.assert_allclose(temps, 2.0 * 0.1 * (0.01 ** (np.arange(5) / 4)))


def test_metropolis_takes_every_better_candidate_and_no_worse_one_when_cold():
    from seqgen.design.anneal import _Chains

    obj = ObjectiveSet([Objective("flat", CountingScorer())])
    chains = _Chains(obj, Constraints(DNA, 6), DesignSettings(method="anneal", n=4, seed=0), CPU, None)
    before = chains.codes.copy()
    chosen = (before + 1) % 4
    chains.current = np.array([0.0, 0.0, 1.0, 1.0])
    chains.best_util = chains.current.copy()
    chains._metropolis(np.array([1.0, -1.0, 2.0, 0.5]), chosen, None, 1e-9)
    assert np.array_equal(chains.codes, np.where(np.array([1, 0, 1, 0], bool)[:, None], chosen, before))
    assert chains.current.tolist() == [1.0, 0.0, 2.0, 1.0] and chains.best_util.tolist() == [1.0, 0.0, 2.0, 1.0]
    chains._metropolis(chains.current - 1e-3, before, None, 1e6)  # hot: a slightly worse candidate is taken
    assert np.array_equal(chains.codes, before)
    assert chains.best_util.tolist() == [1.0, 0.0, 2.0, 1.0]  # the bests stay


def test_fast_seqprop_keeps_the_best_of_its_samples():
    """Each chain keeps the best of its ``samples`` straight-through samples (scored for free)."""
    from seqgen.design.gradient import gradient_chains
    from seqgen.design.run import _Plateau, _Progress

    weight = torch.randn(4, 10, generator=torch.Generator().manual_seed(0))
    inputs = []

    def linear(x):
        inputs.append(x.detach().clone())
        return (x * weight).sum((1, 2))

    settings = DesignSettings(method="fast-seqprop", n=3, steps=1, samples=6, seed=0)
    codes, _, _ = gradient_chains(ObjectiveSet([Objective("linear", linear)]), Constraints(DNA, 10), settings, CPU,
                                  torch.Generator().manual_seed(0), None, None, None,
                                  _Progress(settings, _Plateau(0, 50)))
    x = inputs[0].reshape(6, 3, 4, 10)
    scores = (x * weight).sum((2, 3))  # (S, N)
    best = x[scores.argmax(0), torch.arange(3)].argmax(1).numpy()
    assert (scores.max(0).values > scores.min(0).values).all()
    assert np.array_equal(codes, best)


def test_designs_start_from_the_start_sequence():
    from seqgen.design.anneal import _start_codes
    from seqgen.design.gradient import _init_logits

    start = "ACGTTGCAACGTTGCAACGT"
    cons = Constraints.from_options("dna", 20, fixed="GG" + "." * 18, start=start, max_edits=4)
    codes = _start_codes(np.random.default_rng(0), cons, 5)
    assert decode(codes, DNA) == ["GG" + start[2:]] * 5
    settings = DesignSettings(n=50, seed=0)
    logits = _init_logits(settings, cons, CPU, torch.Generator().manual_seed(0))
    assert (logits.argmax(1).numpy() == encode([start], DNA)).mean() > 0.95


def test_a_restarted_fast_seqprop_chain_gets_fresh_logits_scale_offset_and_adam_state():
    from seqgen.design.parametrize import FastSeqProp
    from seqgen.design.gradient import _restart

    param = FastSeqProp(torch.randn(3, 4, 5))
    optimizer = torch.optim.Adam(param.parameters(), lr=0.1)
    target = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0)) + 1.0
    for _ in range(3):
        optimizer.zero_grad()
        ((param.normalized_logits() - target) ** 2).sum().backward()
        optimizer.step()
    assert (param.scale != 1).all() and (param.offset != 0).all()  # trained away from their initial values
    old = {name: p.detach().clone() for name, p in param.named_parameters()}
    old_state = {name: {k: optimizer.state[p][k].clone() for k in ("exp_avg", "exp_avg_sq")}
                 for name, p in param.named_parameters()}
    fresh = torch.zeros(1, 4, 5)
    _restart(param, optimizer, torch.tensor([False, True, False]), fresh)
    assert torch.equal(param.logits[1], fresh[0])
    assert (param.scale[1] == 1).all() and (param.offset[1] == 0).all()
    for name, p in param.named_parameters():
        assert torch.equal(p[[0, 2]], old[name][[0, 2]]), name  # the other chains keep their state
        for key in ("exp_avg", "exp_avg_sq"):
            state = optimizer.state[p][key]
            assert (state[1] == 0).all() and torch.equal(state[[0, 2]], old_state[name][key][[0, 2]])
            assert (old_state[name][key][1] != 0).any()


def test_a_start_is_one_sequence_of_the_design_length():
    """A start per chain cannot be kept in step with its design (designs are deduplicated and sorted before they
    are checked, and annealing scores M mutants per chain): the start is one sequence of length L."""
    two = encode(["AAAAAAAAAA", "CCCCCCCCCC"], DNA)
    with pytest.raises(SeqgenError, match="one sequence of length 10, not an array of shape \\(2, 10\\)"):
        Constraints(DNA, 10, start=two, max_edits=2)
    with pytest.raises(SeqgenError, match="one sequence of length 10"):
        Constraints(DNA, 10, start=two[0, :8], max_edits=2)
    assert Constraints(DNA, 10, start=two[0], max_edits=2).edits(two).tolist() == [0, 10]


def test_a_design_tying_the_best_training_sequence_is_not_above_it():
    import pandas as pd

    from seqgen.design.command import compare_with_training

    training = pd.DataFrame({"id": ["a", "b", "c", "d"], "utility": [1.0, 4.0, 2.0, 10.0]})
    assert compare_with_training(training, pd.Series([10.0, 10.5, 3.0])) == {
        "training_scored": 4, "training_best_measured": 0, "training_utility_median": 3.0,
        "training_utility_max": 10.0, "designs_above_training_max": 1}


def test_the_training_comparison_includes_the_best_measured_sequences():
    """A random 1,000 of a 40,000-probe PBM array holds about 10 of its top 1%: the designs were compared with the
    best of a sample, not with the best probes. The TRAINING_BEST best measured (in the design's direction) are
    always scored, then a random sample of the rest."""
    from types import SimpleNamespace

    import pandas as pd

    from seqgen.data import SequenceSet
    from seqgen.design.command import (TRAINING_BEST, TRAINING_SCORED, best_measured, compare_with_training,
                                       training_utility)

    n = 5 * TRAINING_SCORED
    codes = np.random.default_rng(0).integers(0, 4, (n, 12)).astype(np.uint8)
    signal = np.random.default_rng(1).permutation(n).astype(np.float32)
    reference = SequenceSet(codes, DNA, [f"s{i}" for i in range(n)], labels=signal[:, None], label_names=["signal"])
    objectives = ObjectiveSet([Objective("score", lambda x: x.sum((1, 2)), "max")], 4)
    predictor = SimpleNamespace(label="signal")
    for direction, best in (("max", signal >= n - TRAINING_BEST), ("min", signal < TRAINING_BEST)):
        table = training_utility(objectives, reference, DNA, CPU, 0, best_measured(predictor, reference, direction))
        assert len(table) == TRAINING_SCORED and table["best_measured"].sum() == TRAINING_BEST
        rows = table["id"].str[1:].astype(int).to_numpy()
        assert set(rows[table["best_measured"].to_numpy()]) == set(np.flatnonzero(best)), direction
        assert compare_with_training(table, pd.Series([0.0]))["training_best_measured"] == TRAINING_BEST
    assert best_measured(predictor, reference, "target") is None  # a target has no "best"
    assert best_measured(SimpleNamespace(label="other"), reference, "max") is None


class GapFavouringDecoder(torch.nn.Module):
    """A gapped-protein generator (21 letters, the gap last) whose letter probabilities favour the gap."""

    latent_dim = 2

    def decode(self, z):
        p = torch.full((len(z), 21, 6), 0.01)
        p[:, 20] = 0.8
        p[:, 3] += z[:, :1].abs()
        return p / p.sum(1, keepdim=True)


def test_latent_designs_of_a_gapped_protein_generator_are_its_letters_without_the_gap():
    from seqgen.alphabets import PROTEIN, PROTEIN_GAP
    from seqgen.design.command import _decoder, _design

    generator = GapFavouringDecoder()
    z = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    p = generator.decode(z)[:, :20]
    assert torch.allclose(_decoder(generator, 20)(z), p / p.sum(1, keepdim=True))  # the 20 letters, renormalized
    objectives = ObjectiveSet([Objective("s", lambda x: x[:, 0].sum(1))], PROTEIN_GAP.size)
    result = _design(objectives, Constraints(PROTEIN, 6), DesignSettings(method="latent", n=4, steps=3, seed=0),
                     (generator, {}), CPU)
    assert len(result.codes) and result.codes.max() < 20


def test_an_interrupted_trajectory_leaves_no_partial_file(tmp_path, monkeypatch):
    import pandas as pd

    from seqgen.design.outputs import designs_table, write_design
    from seqgen.design.run import DesignResult

    result = DesignResult(np.array([[0, 1, 2, 3]], np.uint8), np.array([1.5]), {}, [{"step": 1, "best_score": 1.5}])
    table = designs_table(result, Constraints(DNA, 4), "anneal")
    to_csv, calls = pd.DataFrame.to_csv, []

    def interrupted_on_the_second_table(frame, path, **options):
        calls.append(path)
        if len(calls) == 2:  # the trajectory: part of it written, then Ctrl-C
            with open(path, "w") as part:
                part.write("step\tbest")
            raise KeyboardInterrupt
        return to_csv(frame, path, **options)

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted_on_the_second_table)
    with pytest.raises(KeyboardInterrupt):
        write_design(tmp_path / "designs.fasta", result, table)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["designs.fasta", "designs.tsv"]


def test_longest_runs_and_the_data_s_run_limit():
    from seqgen.alphabets import PAD
    from seqgen.design.constraints import data_run_limit, longest_runs

    codes = encode(["AAAACGTT", "ACGTACGT", "GGGGGGGG", "ACCCCCAA"], "dna")
    assert longest_runs(codes).tolist() == [4, 1, 8, 5]
    padded = codes.copy()
    padded[1, 3:], padded[0] = PAD, PAD  # padding is no letter: a run of PAD counts for nothing
    assert longest_runs(padded).tolist() == [0, 1, 8, 5]
    assert longest_runs(codes[:, :1]).tolist() == [1, 1, 1, 1]
    assert data_run_limit(codes) == 8  # the 99% quantile of 4, 1, 8, 5: the largest of four
    assert data_run_limit(codes[[0, 1, 3]]) == 6  # never under LONG_RUN
    many = np.concatenate([np.tile(codes[[1]], (199, 1)), codes[[2]]])  # one sequence in 200 with a run of 8
    assert data_run_limit(many) == 6


@pytest.mark.parametrize("method", ["fast-seqprop", "anneal"])
def test_the_device_may_be_given_by_name(method):
    """As load_predictor(path, device="cpu"): design and score_codes take a device's name too."""
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    settings = DesignSettings(method=method, n=4, steps=3, seed=0)
    by_name = design(obj, Constraints(DNA, 30), settings, "cpu")
    np.testing.assert_array_equal(by_name.codes, design(obj, Constraints(DNA, 30), settings, CPU).codes)
    utility, _ = score_codes(obj, by_name.codes, 4, "cpu")
    assert utility.shape == (len(by_name.codes),)


def test_design_leaves_the_callers_global_random_state_alone():
    obj = ObjectiveSet([Objective("egr2", PWMScorer())])
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=4, steps=3, seed=0), CPU)
    torch.testing.assert_close(torch.rand(3), expected)  # as if design had not run
    again = design(obj, Constraints(DNA, 30), DesignSettings(method="fast-seqprop", n=4, steps=3, seed=0), CPU)
    np.testing.assert_array_equal(first.codes, again.codes)  # still seeded by settings.seed


def test_an_alignment_s_gap_runs_are_no_runs_of_the_design_s_letters():
    """--max-homopolymer auto with --data an alignment: a fragment's missing end (a run of '-' over dozens of
    columns) is no run of one letter a design could hold (designs of a protein-gap model have no gaps), so the
    limit comes from the residues alone."""
    from seqgen.alphabets import PROTEIN_GAP
    from seqgen.data import SequenceSet
    from seqgen.design.command import run_limit

    rows = ["-" * 30 + "ACDEFGHIKL", "ACDEFGHIKLMNPQRSTVWYACDEFGHIKLMNPQRSTVWY"] * 50
    data = SequenceSet(codes=encode(rows, "protein-gap"), alphabet=PROTEIN_GAP, ids=np.arange(len(rows)).astype(str))
    assert run_limit(data) == 6  # not 30, the gaps' run


@pytest.mark.parametrize("method", ["softmax", "latent"])
def test_relaxed_methods_keep_the_argmax_of_the_step_whose_utility_they_kept(method):
    # the relaxed utility of step 1 is that of the initial parameters; the kept sequence was the argmax after the
    # optimizer's step (the parameters of step 2), not the one whose utility was measured
    length, n = 10, 6
    weight = torch.randn(4, length, generator=torch.Generator().manual_seed(1))
    objectives = ObjectiveSet([Objective("lin", lambda x: (x * weight).sum((1, 2)))])
    decoder = torch.nn.Linear(3, 4 * length)
    decoder.requires_grad_(False)
    decode_z = (lambda z: torch.softmax(decoder(z).view(-1, 4, length), 1)) if method == "latent" else None
    settings = DesignSettings(method=method, n=n, steps=1, lr=50.0, progress=False)
    kept = []
    design(objectives, Constraints("dna", length), settings, "cpu", decode_z, 3 if method == "latent" else None,
           callback=lambda step, calls, codes: kept.append(codes))
    generator = torch.Generator().manual_seed(settings.seed)  # the parameters the run starts from, as it draws them
    if method == "latent":
        start = decode_z(torch.randn(n, 3, generator=generator)).argmax(1)
    else:
        start = torch.randn(n, 4, length, generator=generator).argmax(1)
    np.testing.assert_array_equal(kept[0], start.numpy())


@pytest.mark.parametrize("method", ["softmax", "fast-seqprop", "anneal"])
def test_every_method_s_trajectory_is_the_utility_less_the_constraints_penalty(method):
    """A flat objective (0 for every sequence) under a GC floor no random sequence meets: each method's trajectory
    shows the penalty its chains are ranked by, as annealing's always did; the gradient methods showed 0."""
    flat = ObjectiveSet([Objective("flat", lambda x: x.sum((1, 2)) * 0.0)])
    constraints = Constraints.from_options("dna", 20, gc_min=0.95)
    result = design(flat, constraints, DesignSettings(method=method, n=8, steps=3, progress=False), CPU)
    first = result.trajectory[0]
    assert first["best_score"] < 0 and first["mean_score"] <= first["best_score"]


def test_a_bad_fixed_letter_is_named_at_its_place_in_the_pattern():
    """A T in an RNA --fixed pattern was reported as "--fixed 'UAT': 'T' at position 3", the pinned letters run
    together and counted among themselves, not the pattern's position 12."""
    with pytest.raises(SeqgenError, match=r"--fixed 'U\.\.\.\.\.\.\.\.\.AT\.': 'T' at position 12 is not a letter "
                                          r"of the rna alphabet, nor a free position \(\. or N\)"):
        Constraints.from_options("rna", 13, fixed="U.........AT.")


def test_the_best_measured_of_tied_labels_are_drawn_at_random_not_in_file_order():
    """With 0/1 labels every bound sequence ties: the TRAINING_BEST "best measured" were the first bound ones in
    the file (of a peak table sorted by chromosome, chr1's only). Ties are now drawn at random, by seed."""
    from types import SimpleNamespace

    from seqgen.data import SequenceSet
    from seqgen.design.command import TRAINING_BEST, best_measured, training_utility

    n = 6 * TRAINING_BEST
    codes = np.random.default_rng(0).integers(0, 4, (n, 12)).astype(np.uint8)
    bound = np.zeros(n, dtype=np.float32)
    bound[: n // 2] = 1  # the bound half first, as a file of peaks then background
    reference = SequenceSet(codes, DNA, [f"s{i}" for i in range(n)], labels=bound[:, None], label_names=["bound"])
    objectives = ObjectiveSet([Objective("score", lambda x: x.sum((1, 2)), "max")], 4)
    measured = best_measured(SimpleNamespace(label="bound"), reference, "max")
    picks = []
    for seed in (0, 1):
        table = training_utility(objectives, reference, DNA, CPU, seed, measured)
        rows = table["id"].str[1:].astype(int).to_numpy()[table["best_measured"].to_numpy()]
        assert len(rows) == TRAINING_BEST and (bound[rows] == 1).all()  # still only bound ones
        assert rows.max() >= TRAINING_BEST  # not just the first TRAINING_BEST in the file
        picks.append(set(rows))
    assert picks[0] != picks[1]


def test_latent_designs_whose_fixed_letters_the_generator_did_not_write_are_marked_repaired():
    """A latent design holds its --fixed letters whatever the generator wrote there; where the generator's own most
    likely letter differs, the design is not the generator's output, and designs.tsv's repaired says so."""
    torch.manual_seed(0)
    decoder_net = torch.nn.Linear(8, 4 * 12)
    bias = torch.zeros(4, 12)
    bias[0, 0] = 50.0  # the generator always writes A at the first position

    def decoder(z):
        return torch.softmax(decoder_net(z).reshape(-1, 4, 12) + bias, dim=1)

    obj = ObjectiveSet([Objective("egr2", lambda x: x[:, 2].sum(1))])  # as many G as can be
    settings = DesignSettings(method="latent", n=6, steps=5, lr=0.1, seed=0)
    for first, repaired in (("A", False), ("C", True)):
        cons = Constraints.from_options("dna", 12, fixed=first + "." * 11)
        result = design(obj, cons, settings, CPU, decoder=decoder, latent_dim=8)
        assert len(result.codes) and (result.codes[:, 0] == DNA.letters.index(first)).all()
        assert result.repaired.tolist() == [repaired] * len(result.codes), first
