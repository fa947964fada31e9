"""The training engine, on a toy task: a linear model of a label from one-hot sequences."""
import csv
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from seqgen.checkpoint import load_checkpoint, load_model_file
from seqgen.data import SequenceSet
from seqgen.device import DeviceData, select_device
from seqgen.errors import SeqgenError
from seqgen.training import Task, Trainer, TrainingDiverged, TrainSettings


class LinearTask(Task):
    kind = "toy"

    def __init__(self, config, data, poison_at=None):
        super().__init__(config, data)
        self.model = nn.Linear(data.alphabet_size * data.length, 1)
        self.poison_at = poison_at
        self.poison_weights_at = None  #: a step whose update leaves NaN weights (its own loss is finite)

    def modules(self):
        return {"model": self.model}

    def prepare(self, ctx):
        self.net = ctx.wrap(self.model)
        self.opt = ctx.adam(self.net.parameters(), lr=self.config["lr"])

    def optimizers(self):
        return {"model": self.opt}

    def train_step(self, step, ctx):
        x, y = self.data.batch(ctx.settings.batch_size, ctx.generator)
        x = x + 0.01 * torch.randn(x.shape, generator=ctx.generator, device=x.device)  # the engine's generator
        with ctx.autocast():
            loss = ((self.net(x.flatten(1)).squeeze(1) - y[:, 0]) ** 2).mean()
        if self.poison_at == step:
            loss = loss * float("nan")
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        if self.poison_weights_at == step:
            with torch.no_grad():
                self.model.weight.fill_(float("nan"))
        return {"loss": loss.detach()}


def toy_data(n=256, length=12, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, (n, length)).astype(np.uint8)
    y = (codes == 2).sum(1).astype(np.float32) - 3.0  # count of G
    return SequenceSet(codes, "dna", [f"s{i}" for i in range(n)], labels=y[:, None], label_names=["y"])


def run(tmp_path, steps, resume=False, poison_at=None, length=12, restart_if_changed=False, poison_weights_at=None,
        **kw):
    data = DeviceData(toy_data(), select_device("cpu"))
    torch.manual_seed(kw.get("seed", 0))  # the initial weights, as the CLI draws them
    task = LinearTask({"lr": 0.05}, data, poison_at)
    task.poison_weights_at = poison_weights_at
    settings = TrainSettings(**{"batch_size": 32, "checkpoint_every": 10, "log_every": 5, "progress": False,
                                "steps": steps, **kw})
    result = Trainer(task, settings, tmp_path, "dna", length).fit(select_device("cpu"), resume, restart_if_changed)
    return task, result


def metric_rows(path):
    with open(path / "metrics.csv") as f:
        return list(csv.DictReader(f))


def test_training_lowers_the_loss_and_writes_files(tmp_path):
    task, result = run(tmp_path, 60)
    rows = metric_rows(tmp_path)
    assert result.stopped == "done" and result.steps == 60
    assert [int(r["step"]) for r in rows] == list(range(5, 61, 5))
    assert float(rows[-1]["loss"]) < 0.25 * float(rows[0]["loss"])
    model = load_checkpoint(tmp_path / "model.pt", kind="toy")
    assert model["alphabet"] == "dna" and model["length"] == 12 and model["config"] == {"lr": 0.05}
    assert torch.equal(model["state_dict"]["model"]["weight"], task.model.weight.detach())


def test_resume_continues_exactly(tmp_path):
    full, _ = run(tmp_path / "a", 40)
    run(tmp_path / "b", 20)
    resumed, result = run(tmp_path / "b", 40, resume=True)
    assert result.steps == 40
    assert torch.equal(full.model.weight, resumed.model.weight)
    assert [r["step"] for r in metric_rows(tmp_path / "b")] == [r["step"] for r in metric_rows(tmp_path / "a")]


def test_resume_past_the_steps_is_refused(tmp_path):
    """A checkpoint already beyond ``steps`` is an error, not a longer-trained model passed off as the shorter one."""
    run(tmp_path, 20)
    before = (tmp_path / "model.pt").read_bytes()
    with pytest.raises(SeqgenError, match="checkpoint is at step 20, past steps = 10"):
        run(tmp_path, 10, resume=True)
    assert (tmp_path / "model.pt").read_bytes() == before
    _, result = run(tmp_path, 20, resume=True)  # at its steps already: nothing to train, the model stays
    assert result.steps == 20
    with pytest.raises(SeqgenError, match="trained on sequences of length 12, not 30"):
        run(tmp_path, 40, resume=True, length=30)  # other data in the same folder


def test_resume_refuses_other_training_settings(tmp_path):
    run(tmp_path, 20, lr_schedule="cosine")
    with pytest.raises(SeqgenError, match="training settings differ from the checkpoint's: batch_size"):
        run(tmp_path, 20, resume=True, batch_size=16, lr_schedule="cosine")
    with pytest.raises(SeqgenError, match="'steps' differs .* lr_schedule 'cosine' depends on it"):
        run(tmp_path, 40, resume=True, lr_schedule="cosine")  # the decay of a 20-step run is not that of 40
    run(tmp_path, 20, resume=True, lr_schedule="cosine", max_time=60.0, checkpoint_every=5)  # harmless changes
    run(tmp_path / "c", 20)
    _, result = run(tmp_path / "c", 30, resume=True)  # a constant rate: a run can be extended
    assert result.steps == 30


def test_restart_if_changed_continues_the_same_run_and_restarts_another(tmp_path, capsys):
    full, _ = run(tmp_path / "full", 40)
    with pytest.raises(TrainingDiverged):  # interrupted: the checkpoint of step 20 stays
        run(tmp_path / "a", 40, poison_at=23)
    (tmp_path / "a" / "metrics.csv").unlink()  # the workflow deletes an interrupted job's outputs
    resumed, _ = run(tmp_path / "a", 40, resume=True, restart_if_changed=True)
    err = capsys.readouterr().err
    assert torch.equal(full.model.weight, resumed.model.weight) and "not continued" not in err
    assert "continuing from step 20 of" in err
    assert [r["step"] for r in metric_rows(tmp_path / "a")] == [r["step"] for r in metric_rows(tmp_path / "full")]

    fresh, _ = run(tmp_path / "fresh", 40, batch_size=16)
    with pytest.raises(TrainingDiverged):
        run(tmp_path / "b", 40, poison_at=23)
    restarted, result = run(tmp_path / "b", 40, resume=True, restart_if_changed=True, batch_size=16)
    assert "not continued (the training settings differ from the checkpoint's: batch_size); training from " \
           "scratch" in capsys.readouterr().err
    assert result.steps == 40 and torch.equal(fresh.model.weight, restarted.model.weight)
    assert metric_rows(tmp_path / "b")[0]["step"] == "5"
    # a finished run is run again (e.g. after the code changed), not taken as done
    again, result = run(tmp_path / "b", 40, resume=True, restart_if_changed=True, batch_size=16)
    assert "not continued (it is the end of a finished run)" in capsys.readouterr().err
    assert result.steps == 40 and torch.equal(fresh.model.weight, again.model.weight)


@pytest.mark.parametrize("damage", ["model", "cut"])
def test_a_checkpoint_that_cannot_be_continued_is_an_error_or_a_fresh_start(tmp_path, capsys, damage):
    run(tmp_path, 20)
    checkpoint = (tmp_path / "checkpoint.pt").read_bytes()
    (tmp_path / "checkpoint.pt").write_bytes((tmp_path / "model.pt").read_bytes() if damage == "model"
                                             else checkpoint[:len(checkpoint) // 2])
    with pytest.raises(SeqgenError, match="cannot resume: it is not a training checkpoint" if damage == "model"
                       else "truncated or corrupt checkpoint"):
        run(tmp_path, 30, resume=True)
    _, result = run(tmp_path, 30, resume=True, restart_if_changed=True)
    assert result.steps == 30 and load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 30
    err = capsys.readouterr().err
    assert "checkpoint.pt is not continued (" in err and "training from scratch" in err


def test_resume_refuses_a_checkpoint_of_another_device_or_process_count(tmp_path, capsys):
    """A CUDA generator's state does not load into a CPU one (nor one rank's into several): refused, or with
    restart_if_changed trained from scratch, never a crash."""
    from seqgen.checkpoint import save_checkpoint

    with pytest.raises(TrainingDiverged):
        run(tmp_path, 40, poison_at=23)  # interrupted at its step-20 checkpoint
    payload = load_checkpoint(tmp_path / "checkpoint.pt")
    assert payload["rng"]["device"] == "cpu"
    for rng, problem in (({**payload["rng"], "device": "cuda"}, "written on cuda, this run is on cpu"),
                         ({"ranks": [payload["rng"]] * 2}, "written by 2 processes, this run has 1")):
        save_checkpoint(tmp_path / "checkpoint.pt", {**payload, "rng": rng})
        with pytest.raises(SeqgenError, match=problem):
            run(tmp_path, 40, resume=True)
        _, result = run(tmp_path, 40, resume=True, restart_if_changed=True)
        assert result.steps == 40 and problem in capsys.readouterr().err
        save_checkpoint(tmp_path / "checkpoint.pt", payload)


@pytest.mark.slow
def test_torchrun_ranks_keep_their_own_batches_over_a_resume(tmp_path):
    """Two processes (gloo on the CPU): the checkpoint holds each rank's random state, and a resumed run (with a
    time limit, decided on rank 0 for all) continues with them."""
    import subprocess
    import sys

    from seqgen.cli import main

    assert main(["simulate", "--n", "200", "--length", "20", "--out", str(tmp_path / "s.tsv")]) == 0
    assert main(["encode", str(tmp_path / "s.tsv"), "--out", str(tmp_path / "d.npz")]) == 0
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "1"}
    for steps, extra in (("10", []), ("20", ["--resume", "--max-time", "5"])):
        launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]  # a free port
        subprocess.run([*launch, "-m", "seqgen.cli", "train", "vae", "--data", str(tmp_path / "d.npz"), "--out",
                        str(tmp_path / "m"), "--steps", steps, "--checkpoint-every", "5", "--no-progress", "--device",
                        "cpu", "--set", "channels=8", "--set", "blocks=1", *extra], check=True, env=env,
                        capture_output=True)
    payload = load_checkpoint(tmp_path / "m" / "checkpoint.pt")
    ranks = payload["rng"]["ranks"]
    assert payload["step"] == 20 and len(ranks) == 2
    assert not torch.equal(ranks[0]["generator"], ranks[1]["generator"])


def test_same_seed_same_weights_other_seed_differs(tmp_path):
    a, _ = run(tmp_path / "a", 15)
    b, _ = run(tmp_path / "b", 15)
    c, _ = run(tmp_path / "c", 15, seed=1)
    assert torch.equal(a.model.weight, b.model.weight)
    assert not torch.equal(a.model.weight, c.model.weight)


def test_nan_stops_with_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    with pytest.raises(TrainingDiverged, match="diverged by step 25 \\(checked on logged steps\\): loss is not finite; "
                                               "the last good checkpoint \\(step 20\\)"):
        run(tmp_path, 60, poison_at=23)
    kept = load_checkpoint(tmp_path / "checkpoint.pt", kind="toy")
    assert kept["step"] == 20
    assert all(torch.isfinite(v).all() for v in kept["state_dict"]["model"].values())


def test_nan_weights_after_the_last_logged_loss_are_not_saved(tmp_path):
    """The last step's loss is computed before its update: an update that leaves NaN weights must not be written to
    model.pt (whose predictions would all be NaN) nor to the run's last checkpoint."""
    with pytest.raises(TrainingDiverged, match="diverged by step 15: the weights of model are not finite "
                                               "\\(lower the learning rate\\); the last good checkpoint \\(step 10\\)"):
        run(tmp_path, 15, poison_weights_at=15)
    assert not (tmp_path / "model.pt").exists()
    kept = load_checkpoint(tmp_path / "checkpoint.pt", kind="toy")
    assert kept["step"] == 10
    assert all(torch.isfinite(v).all() for v in kept["state_dict"]["model"].values())


def test_max_time_stops_cleanly_with_a_model(tmp_path):
    _, result = run(tmp_path, 10_000, max_time=1e-6)
    assert result.stopped == "max_time" and result.steps < 10_000
    assert load_checkpoint(tmp_path / "model.pt")["kind"] == "toy"


def test_bad_settings_are_refused():
    with pytest.raises(SeqgenError, match="steps must be positive"):
        TrainSettings(steps=0)
    with pytest.raises(SeqgenError, match="batch-size must be positive"):
        TrainSettings(batch_size=-1)


def test_cosine_schedule_decays_the_learning_rate_to_zero_and_resumes_exactly(tmp_path):
    from seqgen.training import lr_factor

    assert lr_factor("constant", 0.7) == 1.0
    assert [round(lr_factor("cosine", p), 6) for p in (0, 0.5, 1, 2)] == [1.0, 0.5, 0.0, 0.0]
    cosine, _ = run(tmp_path / "a", 40, lr_schedule="cosine")
    lrs = [g["lr"] for g in cosine.opt.param_groups]
    assert lrs == [pytest.approx(0.05 * lr_factor("cosine", 39 / 40))] and lrs[0] < 1e-3
    constant, _ = run(tmp_path / "c", 40)
    assert constant.opt.param_groups[0]["lr"] == 0.05
    assert not torch.equal(cosine.model.weight, constant.model.weight)
    with pytest.raises(TrainingDiverged):  # interrupted: the checkpoint of step 20 of the same 40-step run stays
        run(tmp_path / "b", 40, poison_at=23, lr_schedule="cosine")
    resumed, _ = run(tmp_path / "b", 40, resume=True, lr_schedule="cosine")
    assert torch.equal(cosine.model.weight, resumed.model.weight)
    with pytest.raises(SeqgenError, match="'lr_schedule' must be one of constant, cosine"):
        TrainSettings(lr_schedule="linear")


def test_weight_average_follows_the_decay_and_resumes_exactly(tmp_path):
    from seqgen.training import WeightAverage

    layer = nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.fill_(0.0)
    average = WeightAverage({"m": layer}, decay=0.5)
    with torch.no_grad():
        layer.weight.fill_(1.0)
    average.update(step=100)  # decay min(0.5, 101 / 110) = 0.5: halfway
    assert torch.allclose(average.state_dict()["m"]["weight"], torch.full((1, 2), 0.5))
    average.update(step=0)  # early steps: decay (1 + 0) / 10 = 0.1, nearly the live value
    assert torch.allclose(average.state_dict()["m"]["weight"], torch.full((1, 2), 0.95))

    task, _ = run(tmp_path / "a", 40, ema=0.9)
    model = load_checkpoint(tmp_path / "a" / "model.pt", kind="toy")["state_dict"]["model"]["weight"]
    checkpoint = load_checkpoint(tmp_path / "a" / "checkpoint.pt", kind="toy")
    assert torch.equal(checkpoint["ema"]["model"]["weight"], model)
    assert not torch.equal(model, task.model.weight.detach())  # model.pt holds the average, not the last step
    assert (model - task.model.weight.detach()).abs().max() < 0.2  # ... of weights near the last ones
    used = load_model_file(tmp_path / "a" / "checkpoint.pt", kind="toy")["state_dict"]["model"]["weight"]
    assert torch.equal(used, model)  # the checkpoint used as a model (sample --model checkpoint.pt): the average
    run(tmp_path / "b", 20, ema=0.9)
    run(tmp_path / "b", 40, resume=True, ema=0.9)
    resumed = load_checkpoint(tmp_path / "b" / "model.pt", kind="toy")["state_dict"]["model"]["weight"]
    assert torch.equal(model, resumed)
    with pytest.raises(SeqgenError, match="differ from the checkpoint's: ema"):
        run(tmp_path / "c", 20)
        run(tmp_path / "c", 30, resume=True, ema=0.9)
    for bad in (1.0, 0, True, "0.9"):
        with pytest.raises(SeqgenError, match="'ema' must lie between 0 and 1"):
            TrainSettings(ema=bad)


def test_validation_with_ema_scores_and_keeps_the_average(tmp_path):
    data = DeviceData(toy_data(), select_device("cpu"))
    torch.manual_seed(0)
    task = LinearTask({"lr": 0.05}, data)
    trainer = None
    seen = []

    def evaluate(ctx):  # what the model holds while it is validated; a score that is best at step 20
        seen.append((task.model.weight.detach().clone(), trainer.average.state_dict()["model"]["weight"].clone()))
        return {"score": abs(len(seen) - 2)}

    task.evaluate = evaluate
    settings = TrainSettings(steps=40, batch_size=32, checkpoint_every=10, log_every=10, eval_every=10, patience=5,
                             ema=0.9, progress=False)
    trainer = Trainer(task, settings, tmp_path, "dna", 12)
    trainer.fit(select_device("cpu"))
    assert all(torch.equal(held, average) for held, average in seen)  # validated: the average
    live = task.model.weight.detach()
    assert not torch.equal(live, trainer.average.state_dict()["model"]["weight"])  # ... and the live weights after
    model = load_checkpoint(tmp_path / "model.pt", kind="toy")["state_dict"]["model"]["weight"]
    assert torch.equal(model, seen[1][1])  # model.pt: the average at step 20, the best validation
    checkpoint = load_checkpoint(tmp_path / "checkpoint.pt", kind="toy")
    assert torch.equal(checkpoint["state_dict"]["model"]["weight"], live)  # the checkpoint resumes the live run
    used = load_model_file(tmp_path / "checkpoint.pt", kind="toy")["state_dict"]["model"]["weight"]
    assert torch.equal(used, model)  # ... and used as a model, it is model.pt's best snapshot


def test_device_selection():
    assert select_device("cpu").type == "cpu"
    assert select_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(SeqgenError, match="CUDA is not available"):
            select_device("cuda")


def test_checkpoint_refuses_other_kinds_and_non_checkpoints(tmp_path):
    run(tmp_path, 10)
    with pytest.raises(SeqgenError, match="holds a toy model, but a vae model is needed"):
        load_checkpoint(tmp_path, kind="vae")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(SeqgenError, match="not a seqgen checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    (tmp_path / "model.pt").unlink()  # a run that did not finish: its checkpoint is named
    with pytest.raises(SeqgenError, match="did not finish; give its checkpoint.pt"):
        load_model_file(tmp_path, kind="toy")
    assert load_model_file(tmp_path / "checkpoint.pt", kind="toy")["kind"] == "toy"


def test_a_model_with_nan_weights_is_refused_on_loading(tmp_path):
    """A model.pt written before training checked its weights (or edited since) would predict NaN for every
    sequence: loading it to use is a one-line error; a finite one loads."""
    run(tmp_path, 10)
    assert load_model_file(tmp_path, kind="toy")["kind"] == "toy"
    payload = torch.load(tmp_path / "model.pt", weights_only=True)
    payload["state_dict"]["model"]["weight"][0, 0] = float("nan")
    torch.save(payload, tmp_path / "model.pt")
    with pytest.raises(SeqgenError, match=r"weights are not finite \(NaN or inf\): its training diverged"):
        load_model_file(tmp_path, kind="toy")


def test_malicious_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"x": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(SeqgenError, match="refused to load"):
        load_checkpoint(tmp_path / "evil.pt")


@pytest.mark.gpu
def test_training_on_cuda(tmp_path):
    data = DeviceData(toy_data(), select_device("cuda"))
    task = LinearTask({"lr": 0.05}, data)
    settings = TrainSettings(steps=50, batch_size=32, log_every=10, progress=False)
    Trainer(task, settings, tmp_path, "dna", 12).fit(select_device("cuda"))
    rows = metric_rows(tmp_path)
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


def test_a_data_set_too_large_for_the_device_is_refused_with_figures(monkeypatch):
    import seqgen.device as device_module

    monkeypatch.setattr(device_module, "free_memory", lambda device: 1000)  # pretend 1000 bytes are free
    with pytest.raises(SeqgenError, match=r"the data set needs 0\.00 GiB on cpu, more than half of the"):
        DeviceData(toy_data(), select_device("cpu"))


def test_validation_runs_every_eval_every_steps_whatever_log_every(tmp_path):
    data = DeviceData(toy_data(), select_device("cpu"))
    task = LinearTask({"lr": 0.05}, data, None)
    seen = []
    task.evaluate = lambda ctx: seen.append(1) or {"score": 1.0}
    settings = TrainSettings(steps=100, batch_size=32, checkpoint_every=1000, log_every=50, eval_every=30,
                             progress=False)
    Trainer(task, settings, tmp_path, "dna", 12).fit(select_device("cpu"))
    assert len(seen) == 4  # steps 30, 60, 90 (the log only every 50), and the last
    assert [int(r["step"]) for r in metric_rows(tmp_path)] == [30, 50, 60, 90, 100]


def test_a_run_stopped_by_the_clock_before_its_first_validation_is_validated(tmp_path):
    data = DeviceData(toy_data(), select_device("cpu"))
    task = LinearTask({"lr": 0.05}, data, None)
    seen = []
    task.evaluate = lambda ctx: seen.append(1) or {"score": 1.0}
    settings = TrainSettings(steps=1000, batch_size=32, log_every=50, eval_every=100, max_time=1e-9, progress=False)
    result = Trainer(task, settings, tmp_path, "dna", 12).fit(select_device("cpu"))
    assert result.stopped == "max_time" and result.steps == 1 and len(seen) == 1 and result.best_score == 1.0


def test_resume_keeps_early_stoppings_count(tmp_path):
    """Patience counts evaluations without improvement across a resume, and a run that stopped early stays
    stopped when resumed."""
    def run_validated(out, steps, resume=False):
        data = DeviceData(toy_data(), select_device("cpu"))
        torch.manual_seed(0)
        task = LinearTask({"lr": 0.05}, data, None)
        scores = iter([5.0, 4.0] + [4.5] * 100)  # improves twice, then never again
        task.evaluate = lambda ctx: {"score": next(scores)}
        settings = TrainSettings(steps=steps, batch_size=32, checkpoint_every=10, log_every=10, eval_every=10,
                                 patience=3, progress=False)
        return Trainer(task, settings, out, "dna", 12).fit(select_device("cpu"), resume)

    straight = run_validated(tmp_path / "a", 200)
    assert straight.stopped == "early_stopping" and straight.steps == 50  # best at 20, three worse at 30-50
    run_validated(tmp_path / "b", 40)  # best at 20, worse at 30 and 40: two bad evaluations so far
    resumed = run_validated(tmp_path / "b", 200, resume=True)  # its scores start again, but the count goes on
    assert resumed.stopped == "early_stopping" and resumed.steps == 50
    again = run_validated(tmp_path / "b", 300, resume=True)
    assert again.stopped == "early_stopping" and again.steps == 50  # stopped early: no more training


def test_an_improvement_resets_the_patience_count(tmp_path):
    """Patience counts evaluations since the last improvement, not all the evaluations that did not improve."""
    data = DeviceData(toy_data(), select_device("cpu"))
    torch.manual_seed(0)
    task = LinearTask({"lr": 0.05}, data, None)
    scores = iter([3.0, 4.0, 2.0, 5.0, 1.0, 6.0, 7.0, 8.0] + [9.0] * 100)  # a new best after every bad one
    task.evaluate = lambda ctx: {"score": next(scores)}
    settings = TrainSettings(steps=200, batch_size=32, checkpoint_every=1000, log_every=10, eval_every=10,
                             patience=2, progress=False)
    result = Trainer(task, settings, tmp_path, "dna", 12).fit(select_device("cpu"))
    assert result.stopped == "early_stopping" and result.steps == 70  # best at 50, two worse at 60 and 70
    assert result.best_score == 1.0


def test_a_new_run_removes_the_old_model_and_a_resume_keeps_the_clock(tmp_path):
    run(tmp_path, 20)
    assert (tmp_path / "model.pt").exists()
    with pytest.raises(TrainingDiverged):  # a new run into the same folder fails: no model of the old run is left
        run(tmp_path, 40, poison_at=13, seed=1)
    assert not (tmp_path / "model.pt").exists()
    first = load_checkpoint(tmp_path / "checkpoint.pt")
    assert first["elapsed"] > 0
    run(tmp_path, 40, resume=True, seed=1)
    rows = metric_rows(tmp_path)
    seconds = [float(r["seconds"]) for r in rows]
    assert seconds == sorted(seconds) and seconds[-1] >= first["elapsed"]  # the clock goes on over the resume


def test_a_run_resumed_at_its_time_limit_takes_no_more_steps(tmp_path):
    task, result = run(tmp_path, 100_000, max_time=0.002, checkpoint_every=10)
    assert result.stopped == "max_time"
    _, again = run(tmp_path, 100_000, resume=True, max_time=0.002, checkpoint_every=10)
    assert again.stopped == "max_time" and again.steps == result.steps  # its 0.12 s were spent
    _, longer = run(tmp_path, 100_000, resume=True, max_time=0.01, checkpoint_every=10)
    assert longer.steps > result.steps  # a longer limit gives it the difference


def test_settings_out_of_range_and_validation_of_a_generator_are_refused():
    from seqgen.tasks import merge_config

    for kind, key, value in (("gan", "lr", -0.001), ("gan", "beta1", 1.5), ("vae", "weight_decay", -1),
                             ("gan", "gp_weight", -10.0), ("vae", "blocks", -1)):
        with pytest.raises(SeqgenError, match=f"setting '{key}' must be"):
            merge_config(kind, {key: value})
    assert merge_config("vae", {"lr": "1e-4"})[0]["lr"] == 1e-4  # YAML 1.1 reads 1e-4 as a string
    with pytest.raises(SeqgenError, match="setting 'steps' must be an integer"):
        merge_config("vae", {"steps": "1e3"})
    with pytest.raises(SeqgenError, match="'eval_every' and 'patience' need a validation split, and vae"):
        merge_config("vae", {"patience": 3})
    assert merge_config("predictor", {"patience": 3})[1].patience == 3


def test_every_check_that_needs_no_data_is_made_by_merge_config():
    """merge_config refuses what training would refuse only after reading the data (the workflow calls it at start),
    and the choices it knows are the ones the models and recipes accept."""
    from seqgen.labels import TRANSFORMS
    from seqgen.models.family_vae import INITS
    from seqgen.models.predictor import PADDINGS, STRANDS
    from seqgen.models.vae import DECODERS
    from seqgen.settings import CHOICES
    from seqgen.tasks import build_task, merge_config

    for kind, user, message in (
            ("vae", {"kernel_size": 4}, "setting 'kernel_size' must be a positive odd number, not 4"),
            ("gan", {"kernel_size": 0}, "setting 'kernel_size' must be a positive odd number, not 0"),
            ("vae", {"arch": "rnn"}, "setting 'arch' must be one of conv, mlp, not 'rnn'"),
            ("vae", {"encoder_hidden": [100, 0]}, "setting 'encoder_hidden' must be a list of positive sizes"),
            ("vae", {"theta": 1.0}, "setting 'theta' must be in (0, 1), not 1.0"),
            ("vae", {"decoder": "autoregressive", "arch": "mlp"}, "'decoder: autoregressive' needs 'arch: conv'"),
            ("vae", {"arch": "mlp", "decoder_hidden": [100, 30]}, "the last of 'decoder_hidden' must be a multiple"),
            ("predictor", {"loss": "l1"}, "setting 'loss' must be one of mse, huber, not 'l1'"),
            ("predictor", {"kernel2": 4}, "setting 'kernel2' must be a positive odd number"),
            ("predictor", {"dropout": 1.0}, "setting 'dropout' must be in [0, 1), not 1.0"),
            ("predictor", {"task": "ranking"}, "setting 'task' must be one of auto, regression, classification")):
        with pytest.raises(SeqgenError, match=re.escape(message)):
            merge_config(kind, user)
    config, settings = merge_config("vae", {})
    with pytest.raises(SeqgenError, match="settings: setting 'kernel_size'"):  # the Python API's path too
        build_task("vae", {**config, "kernel_size": 2}, settings, None, torch.device("cpu"))
    assert CHOICES["vae"]["decoder"] == DECODERS and CHOICES["vae"]["init"] == INITS
    assert set(CHOICES["predictor"]["strands"]) == {"auto", *STRANDS} and CHOICES["predictor"]["padding"] == PADDINGS
    assert CHOICES["predictor"]["transform"] == TRANSFORMS
    for kind in CHOICES:
        merge_config(kind, {})  # every default passes


@pytest.mark.parametrize("kind, key, value", [("vae", "beta", float("inf")), ("vae", "free_bits", float("inf")),
                                              ("vae", "weight_decay", float("nan")), ("gan", "max_wasserstein",
                                                                                      float("inf")),
                                              ("predictor", "max_time", float("inf")), ("vae", "lr", float("-inf"))])
def test_a_setting_of_inf_or_nan_is_refused_by_name(kind, key, value):
    """YAML reads .inf and .nan as numbers: 'beta: .inf' passed the range check (>= 0) and failed later as
    'training diverged', and 'max_wasserstein: .inf' or 'max_time: .inf' turned a check off silently."""
    from seqgen.tasks import merge_config

    with pytest.raises(SeqgenError, match=f"^c.yaml: setting '{key}' must be a finite number, not"):
        merge_config(kind, {key: value}, "c.yaml")


def test_max_time_nan_from_the_command_line_is_refused():
    with pytest.raises(SeqgenError, match="^max-time must be positive, not nan"):
        TrainSettings(max_time=float("nan"))

def test_settings_are_checked_without_loading_pytorch():
    """What the workflow imports to check a config at start (every snakemake call, dry runs too) loads no PyTorch
    (about 2 s a call) and no SciPy; the recipes still see the same defaults."""
    code = ("import sys; from seqgen.tasks import merge_config; from seqgen.io import resolve_format; "
            "merge_config('predictor', {'steps': 5}); print(sorted({'torch', 'scipy'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    from seqgen.settings import DEFAULTS
    from seqgen.tasks import recipe

    assert all(recipe(kind).DEFAULTS is DEFAULTS[kind] for kind in DEFAULTS)


def test_scientific_notation_is_read_as_numbers_where_yaml_1_1_keeps_strings():
    from seqgen.settings import scientific_numbers

    config = {"lr": "1e-4", "deep": [{"p": "-2.5E+3"}, "5e"], "name": "MA0472.2", "seq": "ACGT", "n": 3,
              "already": 0.5, "word": "e5", "spaced": " 1e-2 "}
    assert scientific_numbers(config) == {"lr": 1e-4, "deep": [{"p": -2500.0}, "5e"], "name": "MA0472.2",
                                          "seq": "ACGT", "n": 3, "already": 0.5, "word": "e5", "spaced": 0.01}


def test_device_helpers_create_nothing_on_the_host():
    """On the meta device, which refuses to mix with CPU tensors as CUDA does (a CPU index into a CUDA table is a
    blocking copy each batch), one-hot encoding and exact fp32 set-up run without a GPU."""
    from seqgen.data import one_hot
    from seqgen.device import exact_fp32

    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_leaves

    class HostTensors(TorchDispatchMode):
        """Records every op that reads or makes a CPU tensor."""

        def __init__(self):
            super().__init__()
            self.ops = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if any(isinstance(t, torch.Tensor) and t.device.type == "cpu" for t in tree_leaves((args, kwargs, out))):
                self.ops.append(str(func))
            return out

    with HostTensors() as seen:
        x = one_hot(torch.zeros((2, 3), dtype=torch.uint8, device="meta"), 4)
    assert x.shape == (2, 4, 3) and x.device.type == "meta" and seen.ops == []
    before = torch.backends.cudnn.allow_tf32
    try:
        exact_fp32(torch.device("cuda"))
        assert torch.backends.cudnn.allow_tf32 is False
        with torch.backends.cudnn.flags(enabled=True):  # torch reads the legacy flag here: it must be consistent
            pass
    finally:
        torch.backends.cudnn.allow_tf32 = before


def test_engine_settings_out_of_range_and_booleans_for_numbers_are_refused():
    from seqgen.tasks import merge_config

    for key in ("checkpoint_every", "log_every"):
        with pytest.raises(SeqgenError, match=f"{key.replace('_', '-')} must be positive, not 0"):
            TrainSettings(**{key: 0})
    with pytest.raises(SeqgenError, match="max-time must be positive, not 0"):
        TrainSettings(max_time=0)
    with pytest.raises(SeqgenError, match="setting 'steps' must be an integer, not True"):  # YAML's yes/true
        merge_config("vae", {"steps": True})
    with pytest.raises(SeqgenError, match=re.escape("setting 'theta' must be in (0, 1), not 0.0")):
        merge_config("vae", {"theta": 0})
    with pytest.raises(SeqgenError, match=re.escape("setting 'max_gap_fraction' must be in (0, 1], not 0.0")):
        merge_config("vae", {"max_gap_fraction": 0})
    assert merge_config("vae", {"max_gap_fraction": 1})[0]["max_gap_fraction"] == 1.0  # gaps anywhere: allowed
    assert merge_config("predictor", {"dropout": 0})[0]["dropout"] == 0.0
    assert merge_config("gan", {"beta1": 0})[0]["beta1"] == 0.0


def test_user_settings_later_sources_win(tmp_path):
    """The config file, then --settings (JSON), then each --set, then options such as --steps."""
    from seqgen.settings import user_settings

    config = tmp_path / "c.yaml"
    config.write_text("steps: 10\nlr: 0.5\nbeta: 2.0\nchannels: 8\n")
    user = user_settings(config, '{"lr": 0.25, "beta": 3.0, "channels": 16}', ["beta=4.0", "channels=[1, 2]"],
                         {"channels": 32})
    assert user == {"steps": 10, "lr": 0.25, "beta": 4.0, "channels": 32}
    with pytest.raises(SeqgenError, match="--set takes KEY=VALUE, not 'beta'"):
        user_settings(None, None, ["beta"])


def test_a_torch_file_not_written_by_seqgen_is_refused(tmp_path):
    payload = {"kind": "toy", "config": {}, "alphabet": "dna", "length": 4, "state_dict": {}}
    torch.save(payload, tmp_path / "other.pt")  # every key but the format mark
    torch.save({"format": "seqgen", **payload}, tmp_path / "ok.pt")
    torch.save({"format": "seqgen", **{k: v for k, v in payload.items() if k != "state_dict"}}, tmp_path / "part.pt")
    for name in ("other.pt", "part.pt"):
        with pytest.raises(SeqgenError, match=r"not a seqgen checkpoint \(missing model kind, config or weights\)"):
            load_checkpoint(tmp_path / name)
    assert load_checkpoint(tmp_path / "ok.pt", kind="toy")["length"] == 4


def test_a_data_set_above_half_the_free_memory_is_refused_and_below_it_accepted(monkeypatch):
    import seqgen.device as device_module

    data = toy_data()
    need = data.codes.nbytes + data.labels.nbytes
    monkeypatch.setattr(device_module, "free_memory", lambda device: 2 * need - 2)  # need is above half of it
    with pytest.raises(SeqgenError, match="more than half of the"):
        DeviceData(data, select_device("cpu"))
    monkeypatch.setattr(device_module, "free_memory", lambda device: 2 * need)
    assert len(DeviceData(data, select_device("cpu"))) == len(data)


def test_a_validation_score_equal_to_the_best_is_no_improvement(tmp_path):
    """A tie neither resets the patience count nor replaces the best snapshot: a flat score stops the run."""
    data = DeviceData(toy_data(), select_device("cpu"))
    torch.manual_seed(0)
    task = LinearTask({"lr": 0.05}, data, None)
    task.evaluate = lambda ctx: {"score": 3.0}
    settings = TrainSettings(steps=200, batch_size=32, checkpoint_every=1000, log_every=10, eval_every=10,
                             patience=2, progress=False)
    result = Trainer(task, settings, tmp_path, "dna", 12).fit(select_device("cpu"))
    assert result.stopped == "early_stopping" and result.steps == 30  # best at 10, ties at 20 and 30
    assert load_checkpoint(tmp_path / "checkpoint.pt")["best"]["step"] == 10


def test_weight_average_is_the_recursion_over_every_steps_live_weights(tmp_path):
    """After step t (from 1) the average moves to the live weights by 1 - min(ema, (1 + t) / (10 + t)), starting from
    the initial weights."""
    data = DeviceData(toy_data(), select_device("cpu"))
    torch.manual_seed(0)
    task = LinearTask({"lr": 0.05}, data, None)
    live = [task.model.weight.detach().clone()]
    step = task.train_step
    task.train_step = lambda t, ctx: (step(t, ctx), live.append(task.model.weight.detach().clone()))[0]
    settings = TrainSettings(steps=4, batch_size=32, log_every=2, ema=0.3, progress=False)
    Trainer(task, settings, tmp_path, "dna", 12).fit(select_device("cpu"))
    expected = live[0]
    for t in range(1, 5):
        rate = 1 - min(0.3, (1 + t) / (10 + t))  # decay 2/11, 3/12, then the 0.3 cap
        expected = expected + rate * (live[t] - expected)
    model = load_checkpoint(tmp_path / "model.pt", kind="toy")["state_dict"]["model"]["weight"]
    assert torch.allclose(model, expected, atol=1e-6)


def test_metrics_of_an_older_checkpoint_are_read_from_the_csv_up_to_its_step(tmp_path):
    """A checkpoint without its rows (written before they were kept in it) resumes the csv's rows up to its step,
    that step included."""
    from seqgen.training import _read_metrics

    (tmp_path / "metrics.csv").write_text("step,loss\n5,1.0\n10,0.5\n15,0.25\n")
    rows = _read_metrics(tmp_path / "metrics.csv", 10)
    assert [(r["step"], r["loss"]) for r in rows] == [("5", "1.0"), ("10", "0.5")]
    assert _read_metrics(tmp_path / "absent.csv", 10) == []


def test_cosine_schedule_follows_the_clock_when_it_runs_ahead_of_the_steps(tmp_path, monkeypatch):
    """The schedule's progress is the larger of (step - 1) / steps and the share of max_time spent before the step:
    on a clock of 6 s a step under max_time 1 (minute), step t trains at lr_factor((t - 1) / 10)."""
    import types

    import seqgen.training as training
    from seqgen.training import lr_factor

    clock = [0.0]
    monkeypatch.setattr(training, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    data = DeviceData(toy_data(), select_device("cpu"))
    torch.manual_seed(0)
    task = LinearTask({"lr": 0.05}, data, None)
    lrs = []
    step = task.train_step

    def timed_step(t, ctx):
        lrs.append(task.opt.param_groups[0]["lr"])
        clock[0] += 6.0
        return step(t, ctx)

    task.train_step = timed_step
    settings = TrainSettings(steps=1000, batch_size=32, log_every=5, max_time=1, lr_schedule="cosine", progress=False)
    result = Trainer(task, settings, tmp_path, "dna", 12).fit(select_device("cpu"))
    assert result.stopped == "max_time" and result.steps == 11  # 66 s > 60 s after step 11
    assert lrs == [pytest.approx(0.05 * lr_factor("cosine", (t - 1) / 10)) for t in range(1, 12)]


def test_weight_average_copies_integer_state_and_averages_floats():
    from seqgen.training import WeightAverage

    norm = nn.BatchNorm1d(2)  # float running statistics and an integer batch counter
    average = WeightAverage({"m": norm}, decay=0.5)
    with torch.no_grad():
        norm.running_mean.fill_(4.0)
        norm.num_batches_tracked.fill_(7)
    average.update(step=100)
    state = average.state_dict()["m"]
    assert int(state["num_batches_tracked"]) == 7 and state["num_batches_tracked"].dtype == torch.int64
    assert torch.allclose(state["running_mean"], torch.full((2,), 2.0))


def test_a_run_removes_the_temporary_files_of_a_run_killed_while_writing(tmp_path):
    run(tmp_path, 20)
    left = [tmp_path / name for name in (".checkpoint.pt.k1ll3d00.pt", ".model.pt.k1ll3d00.pt",
                                         ".metrics.csv.k1ll3d00.csv")]  # what SIGKILL in atomic_path leaves
    for path in left:
        path.write_bytes(b"PK\x03\x04 half a file")
    others = [tmp_path / ".other.txt.k1ll3d00.txt", tmp_path / "notes.txt"]
    for path in others:
        path.write_text("the user's")
    run(tmp_path, 30, resume=True)
    assert not any(path.exists() for path in left)
    assert all(path.read_text() == "the user's" for path in others)


def test_a_resume_to_more_steps_that_fails_leaves_no_model_of_the_earlier_run(tmp_path):
    """The step-20 model must not sit beside the step-30 checkpoint of a longer run killed (here: diverged) on its
    way, as if it were that run's result."""
    run(tmp_path, 20)
    with pytest.raises(TrainingDiverged):
        run(tmp_path, 40, resume=True, poison_at=33)
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 30 and not (tmp_path / "model.pt").exists()
    _, result = run(tmp_path, 40, resume=True)
    assert result.steps == 40 and (tmp_path / "model.pt").exists()


def test_a_run_that_diverges_before_writing_anything_leaves_no_empty_folder(tmp_path):
    with pytest.raises(TrainingDiverged, match="no checkpoint was written yet"):
        run(tmp_path / "new" / "model", 40, poison_at=3)
    assert not (tmp_path / "new" / "model").exists()
    (tmp_path / "mine").mkdir()  # a folder that was there before stays
    with pytest.raises(TrainingDiverged):
        run(tmp_path / "mine", 40, poison_at=3)
    assert (tmp_path / "mine").is_dir()


def test_a_device_the_machine_lacks_is_refused_in_one_line(monkeypatch):
    """``--device cuda:1`` on a one-GPU machine passed select_device and failed at the first tensor put there
    (a traceback: invalid device ordinal); ``--device mps`` off a Mac likewise (not linked with support for mps)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", torch.backends.cudnn.allow_tf32)  # select_device sets it
    with pytest.raises(SeqgenError, match=r"'cuda:1' asked for, but this machine has 1 CUDA device \(cuda:0"):
        select_device("cuda:1")
    assert select_device("cuda:0") == torch.device("cuda", 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(SeqgenError, match="Apple MPS is not available"):
        select_device("mps")


@pytest.mark.slow
def test_torchrun_ranks_stop_together_at_a_clock_reading_step(tmp_path):
    """Under torchrun rank 0's clock is broadcast every CLOCK_SYNC_EVERY steps, not every step (each broadcast
    waits for the GPU): the time limit stops every rank at one such step (ranks that disagreed would hang)."""
    import subprocess
    import sys

    from seqgen.cli import main
    from seqgen.training import CLOCK_SYNC_EVERY

    assert main(["simulate", "--n", "200", "--length", "20", "--out", str(tmp_path / "s.tsv")]) == 0
    assert main(["encode", str(tmp_path / "s.tsv"), "--label-column", "signal", "--out", str(tmp_path / "d.npz")]) == 0
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "1"}
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    subprocess.run([*launch, "-m", "seqgen.cli", "train", "predictor", "--data", str(tmp_path / "d.npz"), "--out",
                    str(tmp_path / "m"), "--steps", "1000000", "--max-time", "0.03", "--no-progress", "--device",
                    "cpu", "--set", "filters=4", "--set", "members=1", "--batch-size", "64"], check=True, env=env,
                   capture_output=True, timeout=300)
    step = load_checkpoint(tmp_path / "m" / "checkpoint.pt")["step"]
    assert 0 < step < 1000000 and step % CLOCK_SYNC_EVERY == 0
