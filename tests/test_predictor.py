"""The predictor: model shapes and strands, ensembles, label normalization, training, loading, the CLI."""
import json
import numpy as np
import pandas as pd
import pytest
import torch

from seqgen.alphabets import PAD, reverse_complement
from seqgen.cli import main
from seqgen.data import SequenceSet, one_hot
from seqgen.device import select_device
from seqgen.errors import SeqgenError
from seqgen.stats import auroc, pearson, spearman
from seqgen.labels import LabelTransform
from seqgen.models.predictor import Predictor, reverse_complement_one_hot
from seqgen.predict import load_predictor
from seqgen.tasks import build_task, merge_config, recipe
from seqgen.training import Context, Trainer, TrainSettings

CPU = torch.device("cpu")
SMALL = {"members": 3, "filters": 16, "kernel": 9, "hidden": 8, "batch_size": 64, "eval_every": 20,
         "log_every": 20, "progress": False, "lr": 0.005}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: one thread is fastest, and avoids spinning threads on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_one_hot(n, a, length, seed=0):
    g = torch.Generator().manual_seed(seed)
    return one_hot(torch.randint(0, a, (n, length), generator=g).to(torch.uint8), a)


@pytest.fixture(scope="module")
def simulated():
    """1,500 simulated PBM probes (EGR2 motif, little noise) as a SequenceSet with a signal label."""
    from seqgen.alphabets import encode
    from seqgen.simulate import simulate_pbm

    table, _ = simulate_pbm(n=1500, length=30, seed=1, noise=0.1, threshold=8.0)
    return SequenceSet(encode(table["sequence"].tolist(), "dna"), "dna", table["id"].to_numpy(),
                       labels=table[["signal"]].to_numpy(), label_names=["signal"])


def train(data, out, **settings):
    config, ts = merge_config("predictor", {**SMALL, **settings})
    task, _ = build_task("predictor", config, ts, data, CPU)
    result = Trainer(task, ts, out, data.alphabet.name, data.length, task.model_extra).fit(CPU)
    return task, result


# ------------------------------------------------------------ the module
@pytest.mark.parametrize("a,strands", [(4, "forward"), (4, "max"), (4, "concat"), (20, "forward")])
@pytest.mark.parametrize("layers,bins", [(1, 1), (2, 3)])
def test_output_shapes(a, strands, layers, bins):
    model = Predictor(a, 20, members=3, filters=8, kernel=5, layers=layers, strands=strands, pool_bins=bins)
    x = random_one_hot(7, a, 20)
    assert model(x).shape == (7, 3)
    assert model(torch.stack([x, x, x], 1)).shape == (7, 3)


def test_both_strands_need_dna():
    with pytest.raises(ValueError, match="4-letter"):
        Predictor(20, 20, strands="max")


def test_reverse_complement_of_one_hot_matches_codes():
    codes = np.random.default_rng(0).integers(0, 4, (5, 11)).astype(np.uint8)
    rc = reverse_complement_one_hot(one_hot(torch.from_numpy(codes), 4))
    assert torch.equal(rc, one_hot(torch.from_numpy(reverse_complement(codes, "dna")), 4))


def test_reverse_complement_of_padded_one_hot_keeps_the_padding_at_the_end():
    codes = np.random.default_rng(1).integers(0, 4, (6, 15)).astype(np.uint8)
    codes[:3, 9:] = PAD
    codes[3, 14:] = PAD
    rc = reverse_complement_one_hot(one_hot(torch.from_numpy(codes), 4))
    assert torch.equal(rc, one_hot(torch.from_numpy(reverse_complement(codes, "dna")), 4))


def test_max_strands_is_reverse_complement_invariant_and_concat_is_not():
    codes = np.random.default_rng(2).integers(0, 4, (16, 25)).astype(np.uint8)
    codes[:8, 17:] = PAD  # shorter sequences of a padded data set
    x, x_rc = (one_hot(torch.from_numpy(c), 4) for c in (codes, reverse_complement(codes, "dna")))
    for strands, invariant in (("max", True), ("concat", False)):
        for pool_bins, layers in ((1, 1), (2, 2)):
            model = Predictor(4, 25, members=2, filters=8, kernel=7, strands=strands, pool_bins=pool_bins,
                              layers=layers).eval()
            with torch.no_grad():
                same = torch.allclose(model(x), model(x_rc), atol=1e-5)
            assert same == invariant


def test_full_padding_scores_motifs_that_run_past_the_ends():
    """A filter reading ACG in its first 3 columns (of 5) sees an ACG at the last 3 positions only when the
    windows may run past the end; the output keeps its shape with every setting."""
    length = 12
    codes = torch.tensor([[3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 1, 2]], dtype=torch.uint8)  # T x 9, then ACG
    x = one_hot(codes, 4)
    best = {}
    for padding in ("valid", "full"):
        model = Predictor(4, length, filters=1, kernel=5, hidden=0, padding=padding).eval()
        with torch.no_grad():
            model.conv_w[0].zero_()
            for letter, column in ((0, 0), (1, 1), (2, 2)):  # rows are channel-major: letter * kernel + column
                model.conv_w[0][0, letter * 5 + column, 0] = 1.0
            best[padding] = model._features(x.unsqueeze(0))[0, 0, 0].item()  # the filter's max over positions
        assert model(x).shape == (1, 1)
    assert best == {"valid": 0.0, "full": 3.0}
    shape = dict(members=2, filters=4, kernel=5, layers=2, dilation=2, pool_bins=3, padding="full")
    assert Predictor(4, length, **shape)(random_one_hot(3, 4, length)).shape == (3, 2)
    with pytest.raises(ValueError, match="padding must be"):
        Predictor(4, length, padding="same")


def reference_forward(model, x):
    """One member's output written out with numpy loops: valid windows, later layers with same padding, dilation
    and a residual, max then mean over each stretch of positions, the strands combined, the head."""
    p = {name: t[0].detach().numpy() for name, t in model.state_dict().items()}
    layers = len(model.conv_w)

    def features(seq):  # (A, L) -> (D,)
        seq = np.pad(seq, ((0, 0), (model.end_pad, model.end_pad)))
        w = p["conv_w.0"].reshape(seq.shape[0], model.kernel, -1)  # rows channel-major: (A, kernel, F)
        h = np.stack([np.einsum("ac,acf->f", seq[:, i:i + model.kernel], w)
                      for i in range(seq.shape[1] - model.kernel + 1)], 1) + p["conv_b.0"].T
        h = np.maximum(h, 0)
        for layer in range(1, layers):
            w = p[f"conv_w.{layer}"].reshape(model.filters, model.kernel2, -1)
            pad = model.dilation * (model.kernel2 - 1) // 2
            hp = np.pad(h, ((0, 0), (pad, pad)))
            out = np.stack([sum(hp[:, i + j * model.dilation] @ w[:, j] for j in range(model.kernel2))
                            for i in range(h.shape[1])], 1) + p[f"conv_b.{layer}"].T
            h = h + np.maximum(out, 0)
        edges = np.round(np.arange(model.pool_bins + 1) * h.shape[1] / model.pool_bins).astype(int)
        bins = [h[:, a:b] for a, b in zip(edges[:-1], edges[1:])]
        return np.concatenate([b.max(1) for b in bins] + [b.mean(1) for b in bins])

    out = []
    for seq in x.numpy():
        f = features(seq)
        if model.strands != "forward":
            rc = features(seq[::-1, ::-1])
            f = np.maximum(f, rc) if model.strands == "max" else np.concatenate([f, rc])
        if model.w1 is not None:
            f = np.maximum(f @ p["w1"] + p["b1"][0], 0)
        out.append((f @ p["w2"] + p["b2"][0])[0])
    return np.array(out)


def assert_equal_up_to_rounding(got, want):
    """Predictions in other batches: equal but for float32 rounding, which a CPU's convolution kernels may do in
    another order for another batch size (seen with AMX, 2026-11-24: 1e-7 of the label's scale; the ensemble's
    std, a difference of close members' outputs, 5e-5 of its own value)."""
    want = np.asarray(want)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * np.abs(want).max())


@pytest.mark.parametrize("strands", ["forward", "max", "concat"])
@pytest.mark.parametrize("shape", [dict(layers=1, pool_bins=1, hidden=0),
                                   dict(layers=2, dilation=2, kernel2=3, pool_bins=3, padding="full", hidden=6)])
def test_the_predictor_computes_its_documented_network(strands, shape):
    torch.manual_seed(0)
    model = Predictor(4, 14, filters=5, kernel=4, strands=strands, **shape).eval()
    with torch.no_grad():
        for t in model.parameters():
            t.normal_()  # biases too: they start at 0
    x = random_one_hot(5, 4, 14)
    with torch.no_grad():
        got = model(x)[:, 0].numpy()
    np.testing.assert_allclose(got, reference_forward(model, x), rtol=1e-4, atol=1e-3)


def test_ensemble_members_are_independent_models_in_one_pass():
    shape = dict(filters=8, kernel=5, layers=2, dilation=2, pool_bins=2, strands="concat")
    ens = Predictor(4, 20, members=3, **shape).eval()
    x = random_one_hot(6, 4, 20)
    out = ens(x)
    for k in range(3):
        single = Predictor(4, 20, members=1, **shape).eval()
        single.load_state_dict({name: p[k:k + 1] for name, p in ens.state_dict().items()})
        assert torch.allclose(single(x)[:, 0], out[:, k], atol=1e-5)
    # each member on its own input: member k sees only x[:, k]
    own = torch.stack([x, random_one_hot(6, 4, 20, seed=1), x], 1)
    assert torch.allclose(ens(own)[:, [0, 2]], out[:, [0, 2]], atol=1e-5)
    assert not torch.allclose(ens(own)[:, 1], out[:, 1])


@pytest.mark.parametrize("shape", [
    dict(alphabet=4, layers=1, strands="forward"),
    dict(alphabet=4, layers=2, dilation=2, padding="full", strands="concat", members=2, hidden=0),
    dict(alphabet=4, layers=3, dilation=1, pool_bins=3, strands="max", members=2),
    dict(alphabet=4, layers=2, dilation=2, pool_bins=2, padding="full", strands="forward"),
    dict(alphabet=20, layers=2, dilation=2, padding="full", strands="forward", members=2)])
def test_substituted_outputs_are_the_forward_pass_of_each_substituted_sequence(shape):
    """The local computation (crops around each position, pooled with the rest of the original) gives what the
    whole network gives on every substituted sequence, crops that run past either end included."""
    torch.manual_seed(0)
    shape = dict(shape)
    a, length = shape.pop("alphabet"), 17
    model = Predictor(a, length, filters=5, kernel=4, kernel2=3, **shape).eval()
    with torch.no_grad():
        for t in model.parameters():
            t.normal_()  # biases too: they start at 0
    x = random_one_hot(3, a, length)
    letters = torch.randint(0, a, (3, length, 2))
    got = model.substituted_outputs(x, letters)
    assert got.shape == (3, length, 2, model.members)
    mutants = x[:, None, None].repeat(1, length, 2, 1, 1)  # (N, L, T, A, L)
    for i in range(length):
        mutants[:, i, :, :, i] = torch.nn.functional.one_hot(letters[:, i], a).float()
    with torch.no_grad():
        want = model(mutants.reshape(-1, a, length)).reshape(got.shape)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------ labels and figures
def test_label_transform_round_trip_and_background_regression():
    rng = np.random.default_rng(0)
    bg = rng.lognormal(6, 0.3, 500)
    y = np.exp(rng.normal(8, 1, 500)) + 0.5 * bg
    norm = LabelTransform.fit(y, transform="log")
    z = norm.apply(y)
    assert abs(z.mean()) < 1e-5 and abs(z.std() - 1) < 1e-4
    assert np.allclose(norm.invert(torch.from_numpy(z).double()).numpy(), y, rtol=1e-4)
    corrected = LabelTransform.fit(y, bg, transform="log")
    assert corrected.beta > 0
    assert abs(np.corrcoef(corrected.apply(y, bg), np.log(bg + 1))[0, 1]) < 1e-4
    with pytest.raises(SeqgenError, match="log_offset"):
        LabelTransform.fit(np.array([-5.0, 1.0]), transform="log")


def test_background_regression_removes_the_least_squares_fit_and_standardizes():
    """z = (t(y) - beta (t(b) - mean t(b)) - mean) / std, beta the least-squares slope of t(y) on t(b)."""
    rng = np.random.default_rng(1)
    bg = rng.lognormal(6, 0.3, 400)
    y = np.exp(rng.normal(8, 1, 400)) + 0.5 * bg
    norm = LabelTransform.fit(y, bg, transform="log")
    ty, tb = np.log(y + 1), np.log(bg + 1)
    slope = np.polyfit(tb, ty, 1)[0]
    assert norm.beta == pytest.approx(slope, rel=1e-6)
    residual = ty - slope * (tb - tb.mean())
    np.testing.assert_allclose(norm.apply(y, bg), (residual - residual.mean()) / residual.std(), atol=1e-5)
    # new sequences have no background: predicted at the mean background, on the label's own scale
    z = torch.tensor([0.0, 1.0], dtype=torch.float64)
    np.testing.assert_allclose(norm.invert(z).numpy(), np.exp(residual.mean() + [0, residual.std()]) - 1, rtol=1e-6)


def test_figures():
    assert pearson([1, 2, 3], [2, 4, 7]) > 0.98
    assert spearman([1, 2, 3], [2, 4, 70]) == pytest.approx(1.0)
    assert auroc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)
    assert np.isnan(auroc([1, 2], [False, False]))


# ------------------------------------------------------------ training
@pytest.mark.parametrize("padding,strands,loss", [("valid", "auto", "mse"), ("full", "max", "mse"),
                                                  ("valid", "auto", "huber")])
def test_training_learns_the_planted_motif(simulated, tmp_path, padding, strands, loss):
    task, result = train(simulated, tmp_path, transform="log", steps=200, lr=0.01, padding=padding, strands=strands,
                         loss=loss)
    rows = pd.read_csv(tmp_path / "metrics.csv")  # a few strongly bound probes dominate the validation MSE
    assert rows["val_loss"].min() < 0.9 * rows["val_loss"].iloc[0]
    predictor = load_predictor(tmp_path)
    mean, std = predictor.predict(simulated.codes)
    assert mean.shape == std.shape == (len(simulated),) and (std > 0).all()
    assert pearson(np.log(mean), np.log(simulated.label())) > 0.7
    assert predictor.model.end_pad == (8 if padding == "full" else 0)  # kernel 9; stored in model.pt
    small_batches = predictor.predict(simulated.codes, batch_size=7)
    assert_equal_up_to_rounding(small_batches, (mean, std))


def test_classification_and_protein(tmp_path):
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 20, (400, 15)).astype(np.uint8)
    y = ((codes == 3).sum(1) >= 1).astype(np.float32)  # contains a D
    data = SequenceSet(codes, "protein", [f"p{i}" for i in range(400)], labels=y[:, None], label_names=["bound"])
    task, _ = train(data, tmp_path, steps=40, kernel=3)
    assert task.model.strands == "forward" and task.model_extra["target"]["task"] == "classification"
    predictor = load_predictor(tmp_path)
    mean, std = predictor.predict(codes)
    assert ((mean >= 0) & (mean <= 1)).all()
    assert auroc(mean, y > 0.5) > 0.8


def test_regression_settings_on_a_classification_are_noted(capsys):
    codes = np.random.default_rng(0).integers(0, 4, (50, 12)).astype(np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(50)], labels=(np.arange(50) % 2)[:, None],
                       label_names=["bound"])
    config, _ = merge_config("predictor", {**SMALL, "transform": "log"})
    task, _ = recipe("predictor").make_task(config, data, CPU)
    assert task.model_extra["target"]["normalization"] is None
    assert "transform: log not used: the labels are 0/1" in capsys.readouterr().err
    config, _ = merge_config("predictor", SMALL)
    recipe("predictor").make_task(config, data, CPU)
    assert "not used" not in capsys.readouterr().err


def test_huber_loss_is_quadratic_near_and_linear_far():
    from seqgen.tasks.predictor import regression_loss

    y = torch.zeros(4)
    out = torch.tensor([0.5, -0.5, 3.0, -3.0])
    # 0.5 * e^2 within delta = 1, delta * (|e| - delta / 2) beyond
    assert float(regression_loss(out, y, "huber")) == pytest.approx((0.125 * 2 + 2.5 * 2) / 4)
    mse = float(regression_loss(out, y, "mse"))
    assert mse == pytest.approx((0.25 * 2 + 9 * 2) / 4)
    assert float(regression_loss(out, y, "huber", delta=4.0)) == pytest.approx(0.5 * mse)  # all within delta


def test_early_stopping_keeps_the_best_weights(tmp_path):
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (300, 20)).astype(np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(300)], labels=rng.normal(size=(300, 1)),
                       label_names=["noise"])
    task, result = train(data, tmp_path, steps=2000, eval_every=5, patience=3, lr=0.02, kernel=5)
    assert result.stopped == "early_stopping"
    last = {k: v.clone() for k, v in task.model.state_dict().items()}
    best = load_predictor(tmp_path).model.state_dict()
    assert any(not torch.equal(last[k], best[k]) for k in best)
    task.model.load_state_dict(best)
    ctx = Context(CPU, TrainSettings(), torch.Generator())
    assert task.evaluate(ctx)["score"] == pytest.approx(result.best_score, rel=1e-5)


def test_bad_settings_are_refused(simulated):
    for user, message in (({"task": "ranking"}, "setting 'task'"), ({"val_fraction": 1.0}, "val_fraction"),
                          ({"transform": "sqrt"}, "transform"), ({"padding": "same"}, "setting 'padding'"),
                          ({"loss": "mae"}, "setting 'loss'"), ({"loss": "huber", "huber_delta": 0}, "huber_delta")):
        with pytest.raises(SeqgenError, match=message):  # before any data is read
            merge_config("predictor", {**SMALL, **user})
    for user, message in (({"task": "classification"}, "all 0 or 1"), ({"label": "affinity"}, "no label 'affinity'"),
                          ({"kernel": 99}, "kernel must be")):  # what depends on the data
        config, _ = merge_config("predictor", {**SMALL, **user})
        with pytest.raises(SeqgenError, match=message):
            recipe("predictor").make_task(config, simulated, CPU)


# ------------------------------------------------------------ the design interface
def test_score_is_differentiable_in_relaxed_inputs(simulated, tmp_path):
    train(simulated, tmp_path, transform="log", steps=20)
    predictor = load_predictor(tmp_path)
    logits = torch.randn(4, 4, 30, requires_grad=True)
    mean, std = predictor.score(torch.softmax(logits, 1))
    assert mean.shape == std.shape == (4,) and (std > 0).all()
    (mean - 0.5 * std).sum().backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0
    codes = simulated.codes[:3]  # numpy one-hot, as seqgen.data.one_hot gives it for numpy codes
    np.testing.assert_allclose(predictor.score(one_hot(codes, 4))[0].numpy(),
                               predictor.score(torch.as_tensor(one_hot(codes, 4)))[0].numpy())


def test_a_label_of_one_value_is_refused():
    codes = np.random.default_rng(0).integers(0, 4, (40, 12)).astype(np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(40)], labels=np.ones((40, 1)), label_names=["Bound"])
    config, _ = merge_config("predictor", SMALL)
    with pytest.raises(SeqgenError, match="the label has one value only \\(1 for every sequence\\).*encode them "
                                          "with --negatives"):
        recipe("predictor").make_task(config, data, CPU)
    data.labels[:20] = 0.0
    data.labels[5] = np.nan  # an .npz made outside seqgen encode, which refuses these
    with pytest.raises(SeqgenError, match="the label has 1 missing or infinite values"):
        recipe("predictor").make_task(config, data, CPU)


@pytest.mark.parametrize("kind", ["log", "none", "classification"])
def test_score_of_label_mean_is_predicts_mean_on_the_model_scale(simulated, tmp_path, kind):
    """Thresholds on the label's scale (--target, --avoid-below) are compared with predict's own mean."""
    data = simulated
    if kind == "classification":
        y = (simulated.label() > np.median(simulated.label())).astype(np.float32)
        data = SequenceSet(simulated.codes, "dna", simulated.ids, labels=y[:, None], label_names=["bound"])
    train(data, tmp_path, transform="log" if kind == "log" else "none", steps=20)
    predictor = load_predictor(tmp_path)
    codes = simulated.codes[:16]
    mean, _ = predictor.predict(codes)
    x = torch.as_tensor(one_hot(codes, 4), dtype=torch.float32)
    z, std = predictor.score_of_label_mean(x)
    expected = [predictor.to_model_scale(v) for v in mean]
    np.testing.assert_allclose(z.numpy(), expected, rtol=1e-4, atol=1e-4)
    assert torch.equal(std, predictor.score(x)[1])
    # members that disagree: the mean on the label's scale is not the members' mean on the model's (score's)
    members = np.array([0.0, 4.0, 2.0])  # SMALL has 3 members
    predictor.outputs = lambda x: torch.tensor(members[None], dtype=torch.float32)
    z, _ = predictor.score_of_label_mean(x[:1])
    if kind == "classification":
        p = np.mean(1 / (1 + np.exp(-members)))
        assert float(z) == pytest.approx(np.log(p / (1 - p)), rel=1e-5) and float(z) < 2.0
    elif kind == "log":
        norm = predictor.normalization
        signal = np.mean(np.exp(members * norm.std + norm.mean)) - norm.offset
        assert float(z) == pytest.approx(predictor.to_model_scale(signal), rel=1e-5) and float(z) > 2.0
    else:
        assert float(z) == pytest.approx(2.0)


def test_python_train_returns_a_model_the_predictor_loads(simulated, tmp_path, capsys):
    """seqgen.tasks.train is ``seqgen train`` in Python: a SequenceSet or an .npz path, settings as a dict (checked
    as a config file's), the result returned; the model predicts what the held-out split measured."""
    from seqgen.predict import load_predictor
    from seqgen.tasks import train

    result = train("predictor", simulated, tmp_path / "m", {"members": 2, "filters": 16, "steps": 300, "transform": "log",
                                                           "eval_every": 50, "seed": 0}, device="cpu")
    assert result.steps == 300 and result.stopped == "done" and result.best_score is not None
    assert "trained predictor for 300 steps" in capsys.readouterr().err
    mean, _ = load_predictor(tmp_path / "m").predict(simulated.codes[:300])
    assert np.corrcoef(mean, simulated.label("signal")[:300])[0, 1] > 0.5
    simulated.save(tmp_path / "data.npz")
    with pytest.raises(SeqgenError, match="settings: unknown setting 'member'"):
        train("predictor", tmp_path / "data.npz", tmp_path / "n", {"member": 2})
    assert not (tmp_path / "n").exists()


# ------------------------------------------------------------ the command line
def test_cli_train_then_predict(simulated, tmp_path, capsys):
    simulated.save(tmp_path / "data.npz")
    table = pd.DataFrame({"id": simulated.ids[:50], "sequence": simulated.sequences[:50]})
    table.to_csv(tmp_path / "new.tsv", sep="\t", index=False)
    config = tmp_path / "predictor.yaml"
    config.write_text("members: 2\nfilters: 8\nkernel: 9\ntransform: log\neval_every: 10\n")
    assert main(["train", "predictor", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "m"),
                 "--config", str(config), "--steps", "20", "--seed", "3", "--max-time", "5", "--no-progress",
                 "--device", "cpu"]) == 0
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "new.tsv"),
                 "--out", str(tmp_path / "pred.tsv")]) == 0
    pred = pd.read_csv(tmp_path / "pred.tsv", sep="\t")
    assert list(pred.columns) == ["id", "sequence", "mean", "std"] and len(pred) == 50
    assert (pred["sequence"] == table["sequence"]).all() and (pred["mean"] > 0).all()
    table["score"] = simulated.labels[:50, 0]  # a table's own measurements, beside the predictions on request
    table.loc[3, "score"] = np.nan
    table.to_csv(tmp_path / "new.tsv", sep="\t", index=False)
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "new.tsv"), "--label-column",
                 "score", "--out", str(tmp_path / "pred.tsv")]) == 0
    pred = pd.read_csv(tmp_path / "pred.tsv", sep="\t")
    assert list(pred.columns) == ["id", "sequence", "mean", "std", "measured_score"]
    assert np.allclose(pred["measured_score"], table["score"], rtol=1e-5, equal_nan=True)

    dream5 = tmp_path / "ME.txt"  # a PBM table of another array design: the measured labels beside the predictions
    signal, background = [1e3, 2e3, 3e3, 4e3, 5e3], [50, 60, 70, 80, 90]
    dream5.write_text("".join(f"{q}\t{v:.1f}\t{b:.1f}\n"
                              for q, v, b in zip(simulated.sequences[:5], signal, background)))
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(dream5), "--format", "dream5",
                 "--out", str(tmp_path / "me.tsv")]) == 0
    me = pd.read_csv(tmp_path / "me.tsv", sep="\t")
    assert list(me.columns) == ["id", "sequence", "mean", "std", "measured_signal", "measured_background"]
    assert me["id"].tolist() == [f"probe_{i + 1}" for i in range(5)]
    assert me["measured_signal"].tolist() == signal and me["measured_background"].tolist() == background
    lines = dream5.read_text().splitlines()  # a flagged spot's missing signal: predicted all the same, left empty
    lines[1] = lines[1].split("\t")[0] + "\tNA\t60.0"
    dream5.write_text("\n".join(lines) + "\n")
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(dream5), "--format", "dream5",
                 "--out", str(tmp_path / "me.tsv")]) == 0
    me = pd.read_csv(tmp_path / "me.tsv", sep="\t")
    assert len(me) == 5 and me["measured_signal"].isna().tolist() == [False, True, False, False, False]
    assert me["measured_background"].tolist() == background
    assert main(["encode", str(dream5), "--format", "dream5", "--out", str(tmp_path / "me.npz")]) == 1
    assert "line 2: label is a missing value" in capsys.readouterr().err  # training data still needs every label

    (tmp_path / "short.fa").write_text(">a\nACGTACGT\n")
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "short.fa"),
                 "--out", str(tmp_path / "bad.tsv")]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "trained on sequences of length 30, not 8" in err and "--scan" not in err
    assert not (tmp_path / "bad.tsv").exists()
    (tmp_path / "long.fa").write_text(">a\n" + "ACGT" * 10 + "\n")
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "long.fa"),
                 "--out", str(tmp_path / "bad.tsv")]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]  # longer sequences: the way to score them
    assert err.endswith("long.fa: model was trained on sequences of length 30, not 40: --scan scores longer "
                        "sequences window by window")
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "long.fa"), "--scan",
                 "--out", str(tmp_path / "scan.tsv")]) == 0
    protein = SequenceSet(np.zeros((2, 30), np.uint8), "protein", ["x", "y"])
    protein.save(tmp_path / "protein.npz")
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "protein.npz"),
                 "--out", str(tmp_path / "bad.tsv")]) == 1
    assert "trained on dna sequences, not protein" in capsys.readouterr().err
    # shorter records padded to the model's length; repeated ids kept when asked
    (tmp_path / "var.fa").write_text(">a\n" + simulated.sequences[0] + "\n>a\n" + simulated.sequences[1][:25] + "\n")
    assert main(["predict", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "var.fa"), "--lengths", "pad",
                 "--duplicate-ids", "keep", "--out", str(tmp_path / "var.tsv")]) == 0
    pred = pd.read_csv(tmp_path / "var.tsv", sep="\t")
    assert pred["id"].tolist() == ["a", "a"] and len(pred["sequence"][1]) == 25
    assert pred["mean"][0] == pytest.approx(load_predictor(tmp_path / "m").predict(simulated.codes[:1])[0][0], rel=1e-5)


@pytest.mark.gpu
def test_training_and_scoring_on_cuda(simulated, tmp_path):
    config, ts = merge_config("predictor", {**SMALL, "transform": "log", "steps": 40})
    cuda = select_device("cuda")
    task, _ = recipe("predictor").make_task(config, simulated, cuda)
    Trainer(task, ts, tmp_path, "dna", simulated.length, task.model_extra).fit(cuda)
    predictor = load_predictor(tmp_path, cuda)
    mean, std = predictor.score(one_hot(torch.from_numpy(simulated.codes[:8]).to(cuda), 4))
    assert mean.device.type == "cuda" and torch.isfinite(mean).all()


@pytest.mark.realdata
def test_dream5_probes_train_and_predict(shared_data, tmp_path):
    from seqgen.io import read_sequences

    hk = read_sequences(shared_data / "pbm" / "dream5" / "Egr2_HK.txt", "dna", "dream5")
    task, _ = train(hk.subset(np.arange(3000)), tmp_path, transform="log", strands="forward", steps=30)
    assert task.model_extra["target"]["label"] == "signal"
    me = read_sequences(shared_data / "pbm" / "dream5" / "Egr2_ME.txt", "dna", "dream5")
    mean, std = load_predictor(tmp_path).predict(me.codes[:500])
    assert np.isfinite(mean).all() and (mean > 0).all() and (std > 0).all()


def test_cli_training_writes_validation_predictions_and_metrics(simulated, tmp_path):
    from seqgen.cli import main

    simulated.save(tmp_path / "data.npz")
    assert main(["train", "predictor", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "p"),
                 "--steps", "30", "--no-progress", "--set", "members=2", "--set", "transform=log"]) == 0
    metrics = json.loads((tmp_path / "p" / "metrics.json").read_text())
    table = pd.read_csv(tmp_path / "p" / "predictions.tsv", sep="\t")
    assert metrics["n_validation"] == len(table) == 150 and metrics["members"] == 2
    assert {"id", "sequence", "measured", "predicted", "std"} <= set(table.columns)
    assert -1 <= metrics["val_pearson"] <= 1 and (table["predicted"] > 0).all()


def test_a_run_without_a_validation_split_leaves_no_earlier_predictions(simulated, tmp_path):
    """Retrained into the same folder with val_fraction=0, the earlier run's predictions.tsv stayed beside the new
    model and metrics.json: the report showed its measured-vs-predicted as this model's."""
    from seqgen.cli import main

    simulated.save(tmp_path / "data.npz")
    words = ["train", "predictor", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "p"), "--steps",
             "2", "--no-progress", "--set", "members=1"]
    assert main(words) == 0 and (tmp_path / "p" / "predictions.tsv").exists()
    assert main(words + ["--set", "val_fraction=0"]) == 0
    assert json.loads((tmp_path / "p" / "metrics.json").read_text())["n_validation"] == 0
    assert not (tmp_path / "p" / "predictions.tsv").exists()
    assert main(words) == 0 and (tmp_path / "p" / "predictions.tsv").exists()
    vae = ["train", "vae", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "p"), "--steps", "2",
           "--no-progress"]  # a generator trained into a predictor's folder: none of the predictor's outputs stay
    assert main(vae) == 0 and (tmp_path / "p" / "model.pt").exists()
    assert not (tmp_path / "p" / "predictions.tsv").exists() and not (tmp_path / "p" / "metrics.json").exists()


def test_strands_auto_reads_both_strands_of_dna_only():
    from seqgen.data import SequenceSet
    from seqgen.tasks.predictor import DEFAULTS, architecture

    codes = np.zeros((2, 10), dtype=np.uint8)
    for alphabet, strands in (("dna", "concat"), ("rna", "forward"), ("protein", "forward")):
        assert architecture(dict(DEFAULTS), SequenceSet(codes, alphabet, ["a", "b"]))["strands"] == strands


def test_dna_given_to_a_protein_model_is_noted(tmp_path, capsys):
    from seqgen.predict import predict_file

    codes = np.random.default_rng(0).integers(0, 20, (100, 15)).astype(np.uint8)
    data = SequenceSet(codes, "protein", [f"p{i}" for i in range(100)], labels=codes[:, :1].astype(np.float32),
                       label_names=["y"])
    train(data, tmp_path / "m", steps=5, kernel=3)
    (tmp_path / "dna.fa").write_text(">a\nACGTACGTACGTACG\n>b\nTTTTGGGGCCCCAAA\n")
    (tmp_path / "protein.fa").write_text(">a\nMKVLAAGHTREWQLK\n")
    assert predict_file(tmp_path / "m", tmp_path / "dna.fa", tmp_path / "p.tsv") == 2
    assert "every sequence is made of A, C, G, T (and N) only; is it DNA?" in capsys.readouterr().err
    predict_file(tmp_path / "m", tmp_path / "protein.fa", tmp_path / "q.tsv")
    assert "is it DNA" not in capsys.readouterr().err


def test_inference_batches_shrink_to_a_memory_budget():
    from seqgen.device import BATCH_BUDGET_CPU, batch_rows

    cpu = torch.device("cpu")
    small = Predictor(4, 60, members=1, filters=16, kernel=9)
    large = Predictor(4, 200, members=5, filters=256, kernel=13, strands="concat", padding="full")
    assert large.forward_bytes(200) == 4 * 3 * 5 * 256 * (200 + 24) * 2
    rows = batch_rows(large.forward_bytes(200), cpu)
    assert rows * large.forward_bytes(200) <= BATCH_BUDGET_CPU < (rows + 1) * large.forward_bytes(200)
    assert batch_rows(small.forward_bytes(60), cpu) == 8192  # the cap
    assert batch_rows(10 * BATCH_BUDGET_CPU, cpu) == 1


def test_predict_builds_no_autograd_graph(simulated, tmp_path):
    train(simulated, tmp_path, steps=3)
    predictor = load_predictor(tmp_path)
    predictor.model.requires_grad_(True)  # e.g. a model being fine-tuned: predict still returns plain arrays
    mean, std = predictor.predict(simulated.codes[:10])
    assert mean.shape == std.shape == (10,)


def test_progress_bars_stay_off_a_log_file(simulated, tmp_path, capfd):
    train(simulated, tmp_path, steps=3)
    predictor = load_predictor(tmp_path)
    capfd.readouterr()
    with_bar = predictor.predict(simulated.codes[:50], batch_size=7, progress=True)  # stderr is no terminal here
    assert_equal_up_to_rounding(with_bar, predictor.predict(simulated.codes[:50]))
    assert capfd.readouterr().err == ""


def _small_task(data, **settings):
    config, ts = merge_config("predictor", {**SMALL, **settings})
    task, _ = build_task("predictor", config, ts, data, CPU)
    task.prepare(Context(CPU, ts, torch.Generator().manual_seed(0)))
    return task, config


@pytest.mark.parametrize("classification", [False, True])
def test_validation_score_is_the_loss_of_the_ensemble_mean(classification):
    """Regression: the MSE of the members' mean output; classification: the cross-entropy of their mean
    probability, on the held-out split; the label normalization is fitted on the training split only."""
    from seqgen.tasks.predictor import split_index

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (200, 12)).astype(np.uint8)
    y = (rng.random(200) < 0.5).astype(np.float32) if classification else rng.lognormal(0, 1, 200)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(200)], labels=y[:, None], label_names=["y"])
    task, config = _small_task(data, kernel=5, val_fraction=0.25)
    train_index, val_index = split_index(200, 0.25, config["val_seed"])
    with torch.no_grad():
        task.model.b2[:, 0, 0] = torch.tensor([-1.0, 0.5, 2.0])  # members that disagree
        out = task.model.eval()(one_hot(torch.from_numpy(codes[val_index]), 4)).double().numpy()  # (N, K)
    task.model.train()
    metrics = task.evaluate(Context(CPU, TrainSettings(), torch.Generator()))
    score = metrics["score"]
    if classification:
        p = (1 / (1 + np.exp(-out))).mean(1)
        expected = -np.mean(y[val_index] * np.log(p) + (1 - y[val_index]) * np.log(1 - p))
    else:
        norm = task.model_extra["target"]["normalization"]
        assert norm["mean"] == pytest.approx(y[train_index].mean(), rel=1e-5)
        assert norm["std"] == pytest.approx(y[train_index].std(), rel=1e-5)
        target = (y[val_index] - norm["mean"]) / norm["std"]
        expected = np.mean((out.mean(1) - target) ** 2)
        assert metrics["member_loss"] == pytest.approx(np.mean((out - target[:, None]) ** 2), rel=1e-4)
    assert score == pytest.approx(expected, rel=1e-4)


def test_predict_averages_the_members_on_the_label_scale(simulated, tmp_path):
    """Each member's output mapped back to the label (exp of the standardized log, less the offset), then their
    mean and sample standard deviation."""
    train(simulated, tmp_path, transform="log", steps=3)
    predictor = load_predictor(tmp_path)
    codes = simulated.codes[:20]
    with torch.no_grad():
        out = predictor.outputs(one_hot(torch.from_numpy(codes), 4)).double().numpy()  # (N, K)
    norm = predictor.normalization
    members = np.exp(out * norm.std + norm.mean) - norm.offset
    mean, std = predictor.predict(codes)
    np.testing.assert_allclose(mean, members.mean(1), rtol=1e-5)
    np.testing.assert_allclose(std, members.std(1, ddof=1), rtol=1e-4)


def test_val_chromosomes_hold_whole_chromosomes_out(tmp_path):
    """The validation split of genome intervals: every sequence of the chromosomes named, none of the others; a
    data set without chromosomes, or a name none is on, is refused."""
    from seqgen.tasks.predictor import validation_split

    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, (60, 16)).astype(np.uint8)
    chroms = np.array(["chr1", "chr2", "chr8", "chrX"])[rng.integers(0, 4, 60)]
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(60)], labels=(codes[:, 3] == 2).astype(float),
                       label_names=["bound"], chroms=chroms, starts=np.arange(60) * 100,
                       strands=np.where(np.arange(60) % 2, "-", "+"))
    config, _ = merge_config("predictor", {**SMALL, "val_chromosomes": ["chr8", "chrX"]})
    train_index, val_index = validation_split(config, data)
    assert set(chroms[val_index]) == {"chr8", "chrX"} and set(chroms[train_index]) == {"chr1", "chr2"}
    assert len(train_index) + len(val_index) == 60
    data.save(tmp_path / "data.npz")
    assert main(["train", "predictor", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "p"), "--steps",
                 "4", "--no-progress", "--set", "members=1", "--set", "val_chromosomes=[chr8, chrX]"]) == 0
    metrics = json.loads((tmp_path / "p" / "metrics.json").read_text())
    assert metrics["n_validation"] == len(val_index) and metrics["val_chromosomes"] == ["chr8", "chrX"]
    held = pd.read_csv(tmp_path / "p" / "predictions.tsv", sep="\t")
    assert sorted(held["id"]) == sorted(data.ids[val_index])
    rows = [int(name[1:]) for name in held["id"]]  # each held-out sequence's genome window beside it
    assert held["chrom"].tolist() == chroms[rows].tolist() and held["start"].tolist() == [100 * i for i in rows]
    assert (held["end"] - held["start"] == 16).all() and held["strand"].tolist() == ["+-"[i % 2] for i in rows]
    with pytest.raises(SeqgenError, match="val_chromosomes names chr9, which no sequence is on .the data set's "
                                          "chromosomes: chr1, chr2, chr8, chrX."):
        validation_split({**config, "val_chromosomes": ["chr8", "chr9"]}, data)
    plain = SequenceSet(codes, "dna", data.ids, labels=data.labels, label_names=["bound"])
    with pytest.raises(SeqgenError, match="val_chromosomes holds out .* this data set has none: encode genome "):
        validation_split(config, plain)
    with pytest.raises(SeqgenError, match="'val_chromosomes' must be a list of chromosome names"):
        merge_config("predictor", {"val_chromosomes": [["chr1"]]})
    numbered = SequenceSet(codes, "dna", data.ids, labels=data.labels, label_names=["bound"],
                           chroms=np.char.lstrip(chroms, "chr"))
    assert np.array_equal(validation_split({**config, "val_chromosomes": [8, "X"]}, numbered)[1], val_index)


def test_split_index_rounds_the_validation_share_and_partitions_the_items():
    from seqgen.tasks.predictor import split_index

    train_index, val_index = split_index(10, 0.29, 3)  # 2.9 validation items: 3
    assert len(val_index) == 3 and len(train_index) == 7
    assert sorted([*train_index, *val_index]) == list(range(10))
    assert list(train_index) == sorted(train_index) and list(val_index) == sorted(val_index)
    assert np.array_equal(split_index(10, 0.29, 3)[1], val_index) and len(split_index(10, 0.0, 3)[1]) == 0


def test_log_transform_uses_its_offset_both_ways():
    """t(y) = log(y + offset), standardized with the population std; invert maps back with the same offset."""
    y = np.array([0.0, 0.5, 2.0, 7.5])
    norm = LabelTransform.fit(y, transform="log", offset=0.5)
    t = np.log(y + 0.5)
    assert norm.offset == 0.5 and norm.mean == pytest.approx(t.mean()) and norm.std == pytest.approx(t.std())
    np.testing.assert_allclose(norm.apply(y), (t - t.mean()) / t.std(), rtol=1e-6)
    z = torch.tensor([0.0, 1.0], dtype=torch.float64)
    np.testing.assert_allclose(norm.invert(z).numpy(), np.exp(t.mean() + np.array([0, t.std()])) - 0.5, rtol=1e-9)
    np.testing.assert_allclose(norm.invert(torch.from_numpy(norm.apply(y)).double()).numpy(), y, atol=1e-5)


def test_log_transform_refuses_a_label_at_minus_the_offset():
    with pytest.raises(SeqgenError, match="log_offset"):
        LabelTransform.fit(np.array([-0.5, 1.0]), transform="log", offset=0.5)  # log(0)
    LabelTransform.fit(np.array([-0.49, 1.0]), transform="log", offset=0.5)  # just above: fine


def test_predict_pads_and_trims_records_to_the_models_length(simulated, tmp_path):
    """--lengths pad/trim reach the model's length (30) even when every record is shorter, or longer."""
    from seqgen.predict import predict_file

    train(simulated, tmp_path / "m", steps=3)
    seqs = simulated.sequences
    (tmp_path / "short.fa").write_text(f">a\n{seqs[0][:25]}\n>b\n{seqs[1][:20]}\n")
    assert predict_file(tmp_path / "m", tmp_path / "short.fa", tmp_path / "short.tsv", lengths="pad") == 2
    assert pd.read_csv(tmp_path / "short.tsv", sep="\t")["sequence"].tolist() == [seqs[0][:25], seqs[1][:20]]
    (tmp_path / "long.fa").write_text(f">a\n{seqs[0]}ACGTA\n>b\n{seqs[1]}CC\n")
    assert predict_file(tmp_path / "m", tmp_path / "long.fa", tmp_path / "long.tsv", lengths="trim") == 2
    long = pd.read_csv(tmp_path / "long.tsv", sep="\t")
    assert long["sequence"].tolist() == seqs[:2]
    expected = load_predictor(tmp_path / "m").predict(simulated.codes[:2])[0]
    np.testing.assert_allclose(long["mean"], expected, rtol=1e-5)


@pytest.mark.parametrize("labels, noted", [((-1.0, 1.0), True), ((1.0, 2.0), True), ((0.0, 1.0), False),
                                           ((0.5, 1.0, 2.0), False)])
def test_two_classes_not_coded_0_and_1_draw_a_note(capsys, labels, noted):
    """Labels -1/+1 (or 1/2) were trained as a regression without a word: no probabilities, no AUROC."""
    from seqgen.tasks.predictor import _task_type

    y = np.array(labels * 5)
    kind = _task_type({"task": "auto"}, y)
    assert kind == ("classification" if set(labels) == {0.0, 1.0} else "regression")
    err = capsys.readouterr().err
    assert ("a classifier (probabilities, AUROC) needs them coded 0 and 1" in err) == noted


def test_a_predictor_trained_without_model_extra_loads(tmp_path):
    """The task's own model_extra (architecture, label normalization) goes into model.pt without being passed."""
    rng = np.random.default_rng(0)
    data = SequenceSet(rng.integers(0, 4, (64, 12), dtype=np.uint8), "dna", [f"s{i}" for i in range(64)],
                       labels=rng.normal(size=(64, 1)) + 5, label_names=["y"])
    config, ts = merge_config("predictor", {**SMALL, "steps": 2, "members": 2})
    task, _ = build_task("predictor", config, ts, data, CPU)
    Trainer(task, ts, tmp_path, data.alphabet.name, data.length).fit(CPU)
    mean, std = load_predictor(tmp_path).predict(data.codes[:3])
    assert mean.shape == std.shape == (3,)


def test_score_takes_float64_input_and_stays_differentiable(simulated, tmp_path):
    """A float64 tensor (e.g. torch.from_numpy of a float64 array) is scored as float32, not refused by the conv."""
    train(simulated.subset(np.arange(200)), tmp_path, steps=2)
    predictor = load_predictor(tmp_path)
    x64 = one_hot(simulated.codes[:4], 4).astype(np.float64)
    x = torch.tensor(x64, requires_grad=True)
    mean, std = predictor.score(x)
    expected, _ = predictor.score(torch.as_tensor(x64, dtype=torch.float32))
    torch.testing.assert_close(mean, expected)
    mean.sum().backward()
    assert x.grad is not None and x.grad.dtype == torch.float64


def test_sequences_of_another_length_or_alphabet_are_refused_not_scored(simulated, tmp_path):
    """The command line refuses them (check_compatible); the Python API scored them without a word."""
    train(simulated.subset(np.arange(200)), tmp_path, steps=2)
    predictor = load_predictor(tmp_path)  # length 30, DNA
    codes = simulated.codes[:3]
    assert predictor.predict(codes)[0].shape == (3,)
    for bad in (codes[:, :25], np.pad(codes, ((0, 0), (0, 5))), codes[0], simulated.sequences[:3]):
        with pytest.raises(SeqgenError, match="length 30"):
            predictor.predict(bad)
    with pytest.raises(SeqgenError, match=r"\(N, 4, 30\)"):
        predictor.score(one_hot(codes[:, :25], 4))
    with pytest.raises(SeqgenError, match=r"\(N, 4, 30\)"):
        predictor.score(torch.zeros(2, 20, 30))  # protein one-hot


def test_a_level_a_log_predictor_can_never_predict_is_refused_naming_the_option(simulated, tmp_path):
    """--target or --avoid-below at or below -log_offset: the error names the option and the bound, not the
    training-time 'the label has values <= -log_offset; raise log_offset' that does not apply to a design."""
    train(simulated, tmp_path, transform="log", steps=2)
    predictor = load_predictor(tmp_path)
    with pytest.raises(SeqgenError, match=r"^--target -5: this predictor learned log\(label \+ 1\), so it never "
                                          r"predicts -1 or less"):
        predictor.to_model_scale(-5.0, "--target")
    assert np.isfinite(predictor.to_model_scale(-0.5, "--target"))


def test_a_huber_loss_on_a_classification_is_noted(capsys):
    """loss: huber on 0/1 labels was dropped silently (the classifier trains on BCE), while transform: log drew a
    note."""
    codes = np.random.default_rng(0).integers(0, 4, (50, 12)).astype(np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(50)], labels=(np.arange(50) % 2)[:, None],
                       label_names=["bound"])
    config, _ = merge_config("predictor", {**SMALL, "loss": "huber"})
    recipe("predictor").make_task(config, data, CPU)
    assert "loss: huber not used: the labels are 0/1" in capsys.readouterr().err


def test_both_strands_on_rna_are_noted(capsys):
    """strands: max or concat on RNA (single-stranded: a binding site on the reverse complement is another
    molecule) trained silently."""
    from seqgen.tasks.predictor import architecture

    codes = np.random.default_rng(0).integers(0, 4, (20, 12)).astype(np.uint8)
    data = SequenceSet(codes, "rna", [f"s{i}" for i in range(20)], labels=np.arange(20.0)[:, None],
                       label_names=["signal"])
    config, _ = merge_config("predictor", {**SMALL, "strands": "max"})
    assert architecture(config, data)["strands"] == "max"
    assert "note: strands: max also reads each sequence's reverse complement, but rna is single-stranded" in \
        capsys.readouterr().err
    config, _ = merge_config("predictor", SMALL)
    assert architecture(config, data)["strands"] == "forward" and capsys.readouterr().err == ""


def test_a_classification_of_labels_not_0_or_1_names_them():
    """task: classification on labels 0, 1 and 2 (three classes) stopped with 'needs labels that are all 0 or 1',
    not saying which values or how many were the problem."""
    codes = np.random.default_rng(0).integers(0, 4, (30, 12)).astype(np.uint8)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(30)], labels=(np.arange(30) % 3)[:, None].astype(float),
                       label_names=["class"])
    config, _ = merge_config("predictor", {**SMALL, "task": "classification"})
    with pytest.raises(SeqgenError, match=r"all 0 or 1, and 10 are not \(2\): code the classes 0 and 1"):
        recipe("predictor").make_task(config, data, CPU)


def test_labels_0_or_1_but_for_a_few_are_noted(capsys):
    """One stray 0.5 among 0/1 labels turned the classifier into a regression without a word (task: auto)."""
    codes = np.random.default_rng(0).integers(0, 4, (50, 12)).astype(np.uint8)
    labels = (np.arange(50) % 2).astype(float)
    labels[3] = 0.5
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(50)], labels=labels[:, None], label_names=["bound"])
    config, _ = merge_config("predictor", SMALL)
    recipe("predictor").make_task(config, data, CPU)
    assert "note: the label is 0 or 1 but for 1 of 50 sequences (0.5): the predictor regresses them" in \
        capsys.readouterr().err


def test_a_validation_fraction_that_rounds_to_no_sequence_is_noted(capsys):
    """10% of 4 sequences is none: training then runs without validation (no early stopping, no held-out
    figures), which a user who set val_fraction should hear about; 10% of 50 says nothing."""
    codes = np.random.default_rng(0).integers(0, 4, (50, 12)).astype(np.uint8)
    y = np.random.default_rng(1).random(50)
    config, _ = merge_config("predictor", SMALL)
    for n, noted in ((4, True), (50, False)):
        data = SequenceSet(codes[:n], "dna", [f"s{i}" for i in range(n)], labels=y[:n, None], label_names=["y"])
        task, _ = recipe("predictor").make_task(config, data, CPU)
        assert (task.val is None) == noted
        err = capsys.readouterr().err
        assert (f"note: val_fraction {config['val_fraction']:g} of 4 sequences is no sequence" in err) == noted


def test_a_right_skewed_positive_label_learnt_as_it_is_suggests_the_log(capsys):
    """Raw PBM-like signal (log-normal) with transform: none draws a note naming transform: log; the same signal
    with the log set, and a symmetric label, draw none."""
    codes = np.random.default_rng(0).integers(0, 4, (200, 12)).astype(np.uint8)
    signal = np.exp(np.random.default_rng(1).normal(7, 1, 200))
    symmetric = np.random.default_rng(2).normal(5, 1, 200)
    config, _ = merge_config("predictor", SMALL)
    for y, transform, noted in ((signal, "none", True), (signal, "log", False), (symmetric, "none", False)):
        data = SequenceSet(codes, "dna", [f"s{i}" for i in range(200)], labels=y[:, None], label_names=["y"])
        recipe("predictor").make_task({**config, "transform": transform}, data, CPU)
        assert ("set 'transform: log' to learn log(label + 1)" in capsys.readouterr().err) == noted, transform


def test_a_diverged_regression_is_warned_about(tmp_path, capsys):
    """lr 10: the loss grows to ~1e7 without overflowing, so no NaN stops the run; the model it saves predicts one
    meaningless value for every sequence, and must not be passed off as trained."""
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (200, 20)).astype(np.uint8)
    y = (codes == 2).sum(1) + rng.random(200)
    data = SequenceSet(codes, "dna", [f"s{i}" for i in range(200)], labels=y[:, None], label_names=["y"])
    data.save(tmp_path / "d.npz")
    base = ["train", "predictor", "--data", str(tmp_path / "d.npz"), "--steps", "30", "--batch-size", "64",
            "--no-progress", "--set", "members=2", "--set", "eval_every=10", "--device", "cpu"]
    assert main([*base, "--out", str(tmp_path / "ok")]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "diverged"), "--set", "lr=10"]) == 0
    err = capsys.readouterr().err
    assert "warning: the predictor's validation loss" in err and "training diverged" in err
    assert "lower 'lr' (now 10)" in err


def test_full_pbm_probes_given_to_a_variable_region_predictor_name_the_linker(simulated, tmp_path):
    """A design's probes.fasta (variable region + linker) is refused naming the linker, not only the length."""
    from seqgen.io import UNIPROBE_LINKER, write_fasta
    from seqgen.predict import predict_file

    train(simulated, tmp_path / "p", steps=2, members=1)
    probes = [s + UNIPROBE_LINKER for s in simulated.sequences[:3]]
    write_fasta(tmp_path / "probes.fasta", ["a", "b", "c"], probes)
    with pytest.raises(SeqgenError, match="same 24 letters, GTCTGTGTTCCGTTGTCCGTGCTG \\(a linker\\?\\).*variable"):
        predict_file(tmp_path / "p", tmp_path / "probes.fasta", tmp_path / "out.tsv")
    write_fasta(tmp_path / "longer.fasta", ["a", "b"], [s + "ACGT" for s in simulated.sequences[:2]])
    with pytest.raises(SeqgenError, match="same 4 letters, ACGT"):  # any --linker
        predict_file(tmp_path / "p", tmp_path / "longer.fasta", tmp_path / "out.tsv")
    write_fasta(tmp_path / "other.fasta", ["a", "b"],
                [simulated.sequences[0] + "ACGT", simulated.sequences[1] + "TTTT"])
    with pytest.raises(SeqgenError, match="length") as error:  # no common end: the lengths alone
        predict_file(tmp_path / "p", tmp_path / "other.fasta", tmp_path / "out.tsv")
    assert "linker" not in str(error.value)
    write_fasta(tmp_path / "padded.fasta", ["a", "b", "c"],  # padded to the longest: the padding is no shared end
                [simulated.sequences[0] + "ACGT", simulated.sequences[1], simulated.sequences[2]])
    from seqgen.io import read_sequences

    read_sequences(tmp_path / "padded.fasta", lengths="pad").save(tmp_path / "padded.npz")
    with pytest.raises(SeqgenError, match="length") as error:
        predict_file(tmp_path / "p", tmp_path / "padded.npz", tmp_path / "out.tsv")
    assert "linker" not in str(error.value)


@pytest.mark.parametrize("strands", ["forward", "max", "concat"])
@pytest.mark.parametrize("bins,stride", [(1, 1), (3, 1), (1, 3), (3, 4)])
def test_window_outputs_are_the_forward_pass_of_every_window_cut_out(strands, bins, stride):
    torch.manual_seed(0)
    model = Predictor(4, 20, members=2, filters=5, kernel=7, strands=strands, pool_bins=bins, hidden=6).eval()
    assert model.shares_windows
    x = one_hot(torch.randint(0, 4, (3, 47), dtype=torch.uint8), 4)
    got = model.window_outputs(x, 20, stride)
    cut = torch.stack([x[:, :, p:p + 20] for p in range(0, 47 - 20 + 1, stride)], 1)  # (N, W, A, 20)
    assert got.shape == (3, cut.shape[1], 2)
    assert_equal_up_to_rounding(got.numpy(), model(cut.reshape(-1, 4, 20)).view(3, -1, 2).detach().numpy())
    for unshared in (dict(padding="full"), dict(layers=2)):
        with pytest.raises(ValueError, match="one convolution layer and padding 'valid'"):
            Predictor(4, 20, kernel=7, **unshared).window_outputs(x, 20)
