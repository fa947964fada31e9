"""Command line: train -> sample -> evaluate, in a temporary folder."""
import json

import numpy as np
import pytest

from seqgen.cli import main
from seqgen.data import SequenceSet
from seqgen.io import read_sequences


def make_data(path, n=96, length=14):
    rng = np.random.default_rng(0)
    codes = np.where(rng.random((n, length)) < 0.8, np.arange(length) % 4, rng.integers(0, 4, (n, length)))
    SequenceSet(codes.astype(np.uint8), "dna", [f"s{i}" for i in range(n)]).save(path)


@pytest.mark.parametrize("kind", ["vae", "gan", "vae-autoregressive"])
def test_train_sample_evaluate_round_trip(tmp_path, kind, capsys):
    data, model = tmp_path / "data.npz", tmp_path / kind
    make_data(data)
    settings = ["--set", "channels=8", "--set", "blocks=1", "--set", "latent_dim=4"]
    if kind == "vae-autoregressive":
        kind, settings = "vae", settings + ["--set", "decoder=autoregressive", "--set", "dilations=[1, 2]"]
    if kind == "gan":
        settings += ["--set", "critic_steps=1"]
    assert main(["train", kind, "--data", str(data), "--out", str(model), "--steps", "4", "--no-progress",
                 "--device", "cpu", *settings]) == 0
    assert (model / "model.pt").is_file() and (model / "metrics.csv").is_file()
    a, b, c = (tmp_path / f"{x}.fasta" for x in "abc")
    for out, seed in [(a, 1), (b, 1), (c, 2)]:
        assert main(["sample", "--model", str(model), "--n", "30", "--out", str(out), "--seed", str(seed),
                     "--device", "cpu"]) == 0
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    samples = read_sequences(a, "dna", duplicate_ids="keep")
    assert len(samples) == 30 and samples.length == 14
    report = tmp_path / "metrics.json"
    assert main(["evaluate", "--reference", str(data), "--query", str(a), "--out", str(report)]) == 0
    result = json.loads(report.read_text())
    assert {"kmer_js", "gc", "copies", "nearest_hamming", "diversity", "classifier_auroc"} <= set(result)
    assert "held out" not in capsys.readouterr().err
    assert main(["evaluate", "--reference", str(data), "--query", str(a), "--training", str(data), "--out",
                 str(report)]) == 0  # the training data as its own reference: noted
    assert "note: 100% of the --reference sequences are --training sequences" in capsys.readouterr().err


def test_user_errors_are_one_line(tmp_path, capsys):
    assert main(["sample", "--model", str(tmp_path / "nothing"), "--n", "3", "--out", str(tmp_path / "x.fa")]) == 1
    assert "no such checkpoint" in capsys.readouterr().err
    (tmp_path / "killed").mkdir()  # a training run killed before its first checkpoint leaves its folder empty
    assert main(["sample", "--model", str(tmp_path / "killed"), "--n", "3", "--out", str(tmp_path / "x.fa")]) == 1
    err = capsys.readouterr().err
    assert "killed: no model.pt and no checkpoint.pt in this folder" in err and len(err.splitlines()) == 1
    data = tmp_path / "data.npz"
    make_data(data)
    assert main(["train", "vae", "--data", str(data), "--out", str(tmp_path / "m"), "--set", "kernel_size=4"]) == 1
    assert "kernel_size" in capsys.readouterr().err


def test_resume_if_unchanged_restarts_on_other_data(tmp_path, capsys):
    from seqgen.checkpoint import load_checkpoint

    data, other, model = tmp_path / "data.npz", tmp_path / "other.npz", tmp_path / "m"
    make_data(data)
    make_data(other)
    changed = SequenceSet.load(other)
    changed.codes[0] = (changed.codes[0] + 1) % 4  # one sequence differs: same shape, other data
    changed.save(other)
    args = ["--out", str(model), "--no-progress", "--device", "cpu", "--checkpoint-every", "2", "--set", "channels=8",
            "--set", "blocks=1", "--set", "latent_dim=4"]
    assert main(["train", "vae", "--data", str(data), "--steps", "4", *args]) == 0
    assert load_checkpoint(model / "model.pt")["data_sha1"] == SequenceSet.load(data).fingerprint()
    assert main(["train", "vae", "--data", str(other), "--steps", "6", "--resume", *args]) == 1
    assert "cannot resume: the checkpoint was trained on other data" in capsys.readouterr().err
    assert main(["train", "vae", "--data", str(other), "--steps", "6", "--resume-if-unchanged", *args]) == 0
    assert "not continued (the checkpoint was trained on other data); training from scratch" in capsys.readouterr().err
    assert load_checkpoint(model / "model.pt")["data_sha1"] == changed.fingerprint()
    assert main(["train", "vae", "--data", str(other), "--steps", "6", "--resume", *args]) == 0  # already done
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "for 6 steps (done, " in last and "no step left to run (the checkpoint is at the run's --steps" in last
    (model / "model.pt").unlink()  # as a run killed after its last checkpoint leaves it: a new run says it replaces it
    assert main(["train", "vae", "--data", str(other), "--steps", "2", *args]) == 0
    assert f"note: {model / 'checkpoint.pt'} is of a run that did not finish: training from scratch replaces it " \
        "(--resume continues it)" in capsys.readouterr().err
    assert main(["train", "vae", "--data", str(other), "--steps", "2", *args]) == 0  # a finished run's: no note
    assert "did not finish" not in capsys.readouterr().err


def test_the_seed_draws_the_initial_weights_and_reaches_training_from_the_command_line(tmp_path):
    import torch

    from seqgen.checkpoint import load_checkpoint
    from seqgen.tasks import build_task, merge_config

    data = tmp_path / "data.npz"
    make_data(data, n=16, length=8)
    small = {"channels": 8, "blocks": 1, "latent_dim": 2}

    def initial(seed):
        config, settings = merge_config("vae", {**small, "seed": seed})
        task, _ = build_task("vae", config, settings, SequenceSet.load(data), torch.device("cpu"))
        return [t.clone() for m in task.modules().values() for t in m.state_dict().values()]

    first, again, other = initial(1), initial(1), initial(2)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not all(torch.equal(a, b) for a, b in zip(first, other))
    assert main(["train", "vae", "--data", str(data), "--out", str(tmp_path / "m"), "--steps", "1", "--seed", "5",
                 "--no-progress", "--device", "cpu", *(f"--set={k}={v}" for k, v in small.items())]) == 0
    settings = load_checkpoint(tmp_path / "m" / "checkpoint.pt")["settings"]
    assert settings["seed"] == 5 and settings["progress"] is False
    assert main(["sample", "--model", str(tmp_path / "m"), "--n", "3", "--prefix", "g", "--out",
                 str(tmp_path / "s.fa"), "--device", "cpu"]) == 0
    assert read_sequences(tmp_path / "s.fa").ids.tolist() == ["g_1", "g_2", "g_3"]


def test_the_arch_option_reaches_the_model(tmp_path):
    from seqgen.checkpoint import load_checkpoint

    make_data(tmp_path / "data.npz", n=16, length=8)
    assert main(["train", "vae", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "m"), "--arch", "mlp",
                 "--steps", "1", "--no-progress", "--device", "cpu", "--set", "encoder_hidden=[8]",
                 "--set", "decoder_hidden=[8]", "--set", "latent_dim=2"]) == 0
    assert load_checkpoint(tmp_path / "m" / "model.pt")["config"]["arch"] == "mlp"


@pytest.mark.parametrize("prefix", ["my run", "", " x", ">x", " "])
def test_sample_refuses_an_id_prefix_that_is_not_one_word(tmp_path, capsys, prefix):
    """'--prefix "my run"' wrote ids 'my run_1', 'my run_2'...: read back, every id is 'my' (duplicates)."""
    out = tmp_path / "x.fa"
    assert main(["sample", "--model", str(tmp_path / "nothing"), "--n", "3", "--out", str(out), "--prefix",
                 prefix]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"seqgen sample: error: --prefix {prefix!r}: an id prefix must be one word") and \
        err.count("\n") == 1 and not out.exists()


def test_split_holds_out_a_seeded_share_and_keeps_an_alignment_s_focus(tmp_path, capsys):
    data = tmp_path / "data.npz"
    make_data(data, n=40)
    train, held = tmp_path / "train.npz", tmp_path / "held.npz"
    assert main(["split", str(data), "--holdout", "0.25", "--seed", "3", "--training", str(train), "--heldout",
                 str(held)]) == 0
    whole, a, b = (SequenceSet.load(p) for p in (data, train, held))
    assert len(a) == 30 and len(b) == 10 and sorted([*a.ids, *b.ids]) == sorted(whole.ids)
    assert np.array_equal(b.codes, whole.codes[np.isin(whole.ids, b.ids)])  # the sequences travel with their ids
    assert b.meta["split"] == {"part": "held out", "holdout": 0.25, "seed": 3, "of": 40}
    assert "note: 10 held-out sequences: an evaluation against so few is noisy" in capsys.readouterr().err
    first = b.ids.tolist()
    assert main(["split", str(data), "--holdout", "0.25", "--seed", "3", "--training", str(train), "--heldout",
                 str(held)]) == 0 and SequenceSet.load(held).ids.tolist() == first  # seeded
    focus = SequenceSet(whole.codes, "dna", whole.ids, meta={"focus_positions": list(range(1, 15))})
    focus.save(data)
    for seed in range(8):  # the focus sequence (the first row) is the family VAE's wild type: never held out
        assert main(["split", str(data), "--holdout", "0.5", "--seed", str(seed), "--training", str(train),
                     "--heldout", str(held)]) == 0
        assert SequenceSet.load(train).ids[0] == "s0"
        assert "focus_positions" in SequenceSet.load(train).meta and "focus_positions" not in \
            SequenceSet.load(held).meta  # the held-out part's first row is not the focus
    capsys.readouterr()


@pytest.mark.parametrize("role", ["--training", "--heldout"])
def test_split_refuses_to_write_over_the_data_set_it_splits(tmp_path, capsys, monkeypatch, role):
    monkeypatch.chdir(tmp_path)
    make_data(tmp_path / "data.npz", n=40)
    before = (tmp_path / "data.npz").read_bytes()
    args = ["split", "data.npz", "--holdout", "0.25", "--training", "t.npz", "--heldout", "h.npz"]
    assert main(args + [role, "./data.npz"]) == 1  # argparse: the last one wins
    err = capsys.readouterr().err
    assert err.startswith(f"seqgen split: error: ./data.npz: {role} is the data set this command splits") and \
        err.count("\n") == 1
    assert (tmp_path / "data.npz").read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == \
        ["data.npz"]


@pytest.mark.parametrize("options, message", [
    (["--holdout", "0.01"], "data.npz: --holdout 0.01 of its 40 sequences leaves 40 to train on and 0 held out: an "
                           "evaluation needs at least 2 of each (the workflow: a larger evaluate.holdout, other "
                           "holdout_chromosomes, or the data set's holdout: 0)"),
    (["--holdout", "1"], "--holdout is the share of sequences held out, between 0 and 1 (exclusive), not 1"),
    (["--holdout", "0.5", "--heldout", "t.npz"], "t.npz: --training and --heldout name the same file"),
    (["--holdout", "0.5", "--heldout", "h.fasta"], "h.fasta: --heldout is an encoded data set: name it .npz")])
def test_split_refuses_what_cannot_be_evaluated(tmp_path, capsys, monkeypatch, options, message):
    monkeypatch.chdir(tmp_path)
    make_data(tmp_path / "data.npz", n=40)
    args = ["split", "data.npz", "--training", "t.npz", "--heldout", "h.npz"]
    assert main(args + options) == 1  # argparse: the last --heldout wins
    err = capsys.readouterr().err
    assert err.startswith(f"seqgen split: error: {message}")
    assert err.count("\n") == 1 and sorted(p.name for p in tmp_path.iterdir()) == ["data.npz"]
