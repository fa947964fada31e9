"""One training engine for every model in seqgen.

A model family supplies a :class:`Task`: its modules, its optimizers and what
one step does. The engine supplies everything else, the same way for all:

- the device (``auto``: CUDA, MPS, CPU), data resident there (:class:`~seqgen.device.DeviceData`);
- bf16 autocast on CUDA, fused Adam (CUDA and CPU), optional ``torch.compile``;
- one seeded ``torch.Generator`` for batches and noise, so that a run is a
  function of its seed, and resuming from a checkpoint continues exactly;
- checkpoints every ``checkpoint_every`` steps and at the end, written atomically
  (``checkpoint.pt``: everything needed to resume; ``model.pt``: weights,
  config, alphabet and length);
- ``metrics.csv`` (one row every ``log_every`` steps), a tqdm progress bar;
- a guard that stops on NaN/inf with the step named, keeping the last good checkpoint;
- ``max_time`` (minutes): stop cleanly with a usable model;
- ``lr_schedule``: ``constant`` or ``cosine`` (each optimizer's learning rate decays along a half
  cosine to 0 over the run's progress: the larger of step / ``steps`` and elapsed / ``max_time``);
- ``ema``: an exponential moving average of the weights (:class:`WeightAverage`),
  kept in the checkpoint and written as ``model.pt`` (less step-to-step noise in
  a model stopped early, e.g. by ``max_time``); with validation, the average is what
  is validated and what the best snapshot keeps;
- early stopping on a validation score when the task has one;
- data parallel over GPUs under ``torchrun`` (DistributedDataParallel).
"""
from __future__ import annotations

import copy
import csv
import io
import math
import os
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from seqgen import __version__
from seqgen.atomic import atomic_path, remove_temporaries
from seqgen.checkpoint import check_compatible, load_checkpoint, model_states, save_checkpoint
from seqgen.device import DeviceData, adam, autocast, distributed_device
from seqgen.errors import SeqgenError
from seqgen.settings import TrainSettings


#: what an earlier run of any kind left in the folder and a new one removes at its start: its model, which must
#: not outlive a failed run, and a predictor's validation outputs, which a generator or a predictor without a
#: validation split writes none of (the report would read them as this model's)
EARLIER_OUTPUTS = ("model.pt", "metrics.json", "predictions.tsv")
#: under torchrun, the steps between reads of rank 0's clock: each read is a broadcast that waits for the GPU
CLOCK_SYNC_EVERY = 10
#: every file a training run writes to its folder (atomically): a run killed while writing one leaves its hidden
#: temporary file (``.checkpoint.pt.XXXXXXXX.pt``, as large as the checkpoint), which the next run removes
TRAINING_OUTPUTS = ("checkpoint.pt", "metrics.csv", *EARLIER_OUTPUTS)
#: training settings a resumed run may change: they do not alter the training trajectory
RESUMABLE_CHANGES = ("max_time", "checkpoint_every", "log_every", "progress", "compile")


def lr_factor(schedule: str, progress: float) -> float:
    """The learning-rate multiplier at ``progress`` (0 at the start, 1 at the end) of a run."""
    if schedule == "constant":
        return 1.0
    return 0.5 * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


class WeightAverage:
    """Exponential moving average of every module's floating-point state (Polyak averaging).

    After step ``t`` each average moves towards the live value by ``1 - min(decay, (1 + t) / (10 + t))``
    (the short early horizon keeps the random initial weights from lingering); integer state (counters)
    is copied. ``state_dict()`` has the modules' own layout, so it loads as the model.
    """

    def __init__(self, modules: dict[str, nn.Module], decay: float):
        self.decay = decay
        live = {name: m.state_dict() for name, m in modules.items()}  # tensors sharing the modules' storage
        self.shadow = {name: {k: v.detach().clone() for k, v in state.items()} for name, state in live.items()}
        pairs = [(self.shadow[name][k], v) for name, state in live.items() for k, v in state.items()]
        floats = [(s, v) for s, v in pairs if v.is_floating_point()]
        self._float_shadow, self._float_live = [s for s, _ in floats], [v for _, v in floats]
        self._others = [(s, v) for s, v in pairs if not v.is_floating_point()]

    @torch.no_grad()
    def update(self, step: int) -> None:
        weight = 1.0 - min(self.decay, (1 + step) / (10 + step))
        torch._foreach_lerp_(self._float_shadow, self._float_live, weight)
        for shadow, live in self._others:
            shadow.copy_(live)

    def state_dict(self) -> dict:
        return self.shadow

    @contextmanager
    def applied(self):
        """Inside the block the modules hold the averaged weights (to validate them), after it their own again."""
        own = [v.clone() for v in self._float_live]
        torch._foreach_copy_(self._float_live, self._float_shadow)
        try:
            yield
        finally:
            torch._foreach_copy_(self._float_live, own)

    def load_state_dict(self, states: dict) -> None:
        for name, state in states.items():
            for k, v in state.items():
                self.shadow[name][k].copy_(v)


class TrainingDiverged(SeqgenError):
    """A loss or gradient became NaN or infinite (or a task's own divergence check fired)."""


@dataclass
class Context:
    """What the engine hands a task before training: the device and its helpers."""

    device: torch.device
    settings: TrainSettings
    generator: torch.Generator
    world_size: int = 1
    rank: int = 0

    def autocast(self):
        """bf16 autocast on CUDA (if enabled)."""
        return autocast(self.device, self.settings.amp)

    def adam(self, params, lr: float, betas=(0.9, 0.999), weight_decay: float = 0.0):
        """Adam (fused on CUDA and CPU)."""
        return adam(params, self.device, lr, betas, weight_decay)

    def wrap(self, module: nn.Module, compile: bool | None = None) -> nn.Module:
        """Move a module to the device; compile and/or wrap it for data parallel as configured.

        ``compile=False`` keeps a module uncompiled whatever the settings say (e.g. one
        differentiated twice, as a WGAN-GP critic: ``torch.compile`` has no double backward).
        """
        module = module.to(self.device)
        if self.world_size > 1:
            module = nn.parallel.DistributedDataParallel(
                module, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        if self.settings.compile if compile is None else compile:
            module = torch.compile(module)
        return module


class Task:
    """A model family's training recipe. Subclasses set ``kind`` and implement the methods.

    Attributes
    ----------
    kind : str
        Model kind written to checkpoints (``vae``, ``gan``, ``predictor``...).
    config : dict
        JSON-like model settings, enough to rebuild the modules.
    """

    kind: str = "model"

    def __init__(self, config: dict, data: DeviceData):
        self.config = config
        self.data = data

    def modules(self) -> dict[str, nn.Module]:
        """The unwrapped modules to checkpoint, by name."""
        raise NotImplementedError

    def prepare(self, ctx: Context) -> None:
        """Wrap modules (``ctx.wrap``) and build optimizers (``ctx.adam``)."""
        raise NotImplementedError

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def train_step(self, step: int, ctx: Context) -> dict[str, torch.Tensor]:
        """One optimisation step; return scalar metrics (tensors, not synced)."""
        raise NotImplementedError

    def evaluate(self, ctx: Context) -> dict[str, float] | None:
        """Validation metrics with a ``score`` to minimize, or None when the task has no validation."""
        return None

    def check(self, metrics: dict[str, float], step: int) -> None:
        """Task-specific divergence check on logged metrics; raise :class:`TrainingDiverged`."""

    def sequences_per_step(self, settings: TrainSettings) -> int:
        """How many sequences one step processes (for the throughput column)."""
        return settings.batch_size


@dataclass
class TrainResult:
    steps: int
    stopped: str  #: ``done``, ``max_time``, ``early_stopping``
    seconds: float
    last_metrics: dict = field(default_factory=dict)
    best_score: float | None = None


def _rng_state(generator: torch.Generator) -> dict:
    """The random state of one process: its batch generator (on the training device) and torch's global ones."""
    state = {"device": generator.device.type, "generator": generator.get_state(), "torch": torch.get_rng_state()}
    if generator.device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(generator.device)
    return state


def _set_rng_state(generator: torch.Generator, state: dict) -> None:
    generator.set_state(state["generator"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and generator.device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda"], generator.device)


def _read_metrics(path: Path, until_step: int) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [row for row in csv.DictReader(f) if int(row["step"]) <= until_step]


def _write_metrics(path: Path, rows: list[dict]) -> None:
    if not rows:
        return
    fields = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    with atomic_path(path) as tmp:
        tmp.write_text(buffer.getvalue())


#: what a checkpoint.pt holds beyond a model file's, to continue training from it
TRAINING_STATE = ("step", "optimizers", "rng", "settings")


class Trainer:
    """Runs a :class:`Task` to completion, writing ``checkpoint.pt``, ``model.pt`` and ``metrics.csv`` to ``out``.

    ``model.pt`` holds the task's own ``model_extra`` (a predictor's architecture and label normalization, a family
    VAE's alignment), which loading needs, updated by ``model_extra``.
    """

    def __init__(self, task: Task, settings: TrainSettings, out, alphabet: str, length: int | None,
                 model_extra: dict | None = None):
        self.task = task
        self.settings = settings
        self.out = Path(out)
        self.alphabet = alphabet
        self.length = length
        self.model_extra = {**(getattr(task, "model_extra", None) or {}), **(model_extra or {})}
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.average: WeightAverage | None = None

    # ------------------------------------------------------------ files
    def _payload(self, states: dict | None = None) -> dict:
        states = states or {name: m.state_dict() for name, m in self.task.modules().items()}
        return {"kind": self.task.kind, "config": self.task.config, "alphabet": self.alphabet,
                "length": self.length, "state_dict": states, **self.model_extra}

    def _save(self, step: int, ctx: Context, best: dict | None, finished: bool = False) -> None:
        """Write ``checkpoint.pt`` and ``metrics.csv`` (rank 0; every rank calls it); ``finished``: the run's
        last checkpoint."""
        self._check_weights(step)  # on every rank (their weights are the same): all stop together
        rng = self._rng_states(ctx)
        if self.rank != 0:
            return
        payload = self._payload()
        payload.update(step=step, optimizers={k: o.state_dict() for k, o in self.task.optimizers().items()},
                       rng=rng, settings=asdict(self.settings), elapsed=time.perf_counter() - self._t0,
                       best=best, ema=self.average.state_dict() if self.average else None, metrics=self.rows,
                       finished=finished, seqgen_version=__version__, bad_evals=self.bad_evals)
        save_checkpoint(self.out / "checkpoint.pt", payload)
        _write_metrics(self.out / "metrics.csv", self.rows)
        self._last_saved = step

    def _save_model(self, best: dict | None) -> None:
        if self.rank != 0:
            return
        live = self._payload()
        save_checkpoint(self.out / "model.pt", {**live, "state_dict": model_states(
            live, best, self.average.state_dict() if self.average else None)})

    def _rng_states(self, ctx: Context) -> dict:
        """This process's random state; under ``torchrun`` every rank's (``{"ranks": [...]}``), so that each
        resumes its own batch order."""
        state = _rng_state(ctx.generator)
        if self.world_size == 1:
            return state
        import torch.distributed as dist

        states = [None] * self.world_size
        dist.all_gather_object(states, state)
        return {"ranks": states}

    def _resume_problem(self, payload: dict) -> str | None:
        """Why this run cannot continue the checkpoint ``payload`` (None: it can)."""
        missing = [k for k in TRAINING_STATE if k not in payload]
        if missing:  # a model.pt copied over it, or a file of an older seqgen
            return f"it is not a training checkpoint (it has no {', '.join(missing)})"
        try:
            check_compatible(payload, self.alphabet, self.length)  # data of another alphabet or length
        except SeqgenError as exc:
            return str(exc)
        if payload["config"] != self.task.config:
            keys = sorted(k for k in {*payload["config"], *self.task.config}
                          if payload["config"].get(k) != self.task.config.get(k))
            return f"the model settings differ from the checkpoint's: {', '.join(keys)}"
        theirs = payload.get("data_sha1")
        if theirs and self.model_extra.get("data_sha1") not in (None, theirs):
            return "the checkpoint was trained on other data"
        saved, now = payload.get("settings", {}), asdict(self.settings)
        changed = sorted(k for k in now if k not in (*RESUMABLE_CHANGES, "steps") and saved.get(k, now[k]) != now[k])
        if changed:
            return f"the training settings differ from the checkpoint's: {', '.join(changed)}"
        if saved.get("steps", now["steps"]) != now["steps"] and now["lr_schedule"] != "constant":
            return f"'steps' differs from the checkpoint's, and lr_schedule {now['lr_schedule']!r} depends on it"
        rng = payload["rng"]
        ranks = len(rng["ranks"]) if "ranks" in rng else 1
        if ranks != self.world_size:
            return f"it was written by {ranks} processes, this run has {self.world_size}"
        written_on = (rng["ranks"][0] if "ranks" in rng else rng).get("device", "cpu")
        if written_on != self.device_type:
            return f"it was written on {written_on}, this run is on {self.device_type} (their random states differ)"
        step = int(payload["step"])
        if step > now["steps"]:
            return f"the checkpoint is at step {step}, past steps = {now['steps']} (give at least its steps, or " \
                   "another output folder)"
        return None

    def _load_resumable(self, path: Path, restart_if_changed: bool) -> tuple[dict | None, str | None]:
        """The checkpoint at ``path`` and why this run cannot continue it (None: it can). One that cannot be read
        (cut, corrupt, of another kind) is an error, or with ``restart_if_changed`` a problem (nothing to continue).
        """
        try:
            payload = load_checkpoint(path, kind=self.task.kind)
        except SeqgenError as exc:
            if not restart_if_changed:
                raise
            return None, str(exc).removeprefix(f"{path}: ")
        return payload, self._resume_problem(payload)

    def _resume(self, ctx: Context, restart_if_changed: bool = False) -> tuple[int, dict | None]:
        """Load ``checkpoint.pt``: returns (its step, its best snapshot).

        A checkpoint this run cannot continue is an error, or with ``restart_if_changed`` a note and a fresh
        start from step 0.
        """
        path = self.out / "checkpoint.pt"
        payload, problem = self._load_resumable(path, restart_if_changed)
        if restart_if_changed and problem is None:  # only an interrupted run of this very code is continued
            if payload.get("finished"):
                problem = "it is the end of a finished run"
            elif payload.get("seqgen_version") != __version__:
                problem = f"it was written by seqgen {payload.get('seqgen_version', 'before 0.1')}"
        if problem and restart_if_changed:
            print(f"note: {path} is not continued ({problem}); training from scratch", file=sys.stderr)
            return 0, None
        if problem:
            raise SeqgenError(f"cannot resume: {problem}", path)
        for name, module in self.task.modules().items():
            module.load_state_dict(payload["state_dict"][name])
        for name, opt in self.task.optimizers().items():
            opt.load_state_dict(payload["optimizers"][name])
        rng = payload["rng"]
        _set_rng_state(ctx.generator, rng["ranks"][self.rank] if "ranks" in rng else rng)
        if self.average:
            if payload.get("ema") is None:
                raise SeqgenError("cannot resume with 'ema': the checkpoint has no weight average",
                                  self.out / "checkpoint.pt")
            self.average.load_state_dict(payload["ema"])
        step = int(payload["step"])
        self.bad_evals = int(payload.get("bad_evals", 0))  # early stopping's count goes on where it was
        self.elapsed = float(payload.get("elapsed", 0.0))  # max_time and the time-based schedule go on too
        rows = payload.get("metrics")
        self.rows = rows if rows is not None else _read_metrics(self.out / "metrics.csv", step)
        self._last_saved = step
        if self.rank == 0:
            print(f"continuing from step {step} of {path}", file=sys.stderr)
        return step, payload.get("best")

    # ------------------------------------------------------------ loop
    def fit(self, device: torch.device, resume: bool = False, restart_if_changed: bool = False) -> TrainResult:
        """Train to the end; ``resume``: continue from ``checkpoint.pt`` if present (see :meth:`_resume`)."""
        s = self.settings
        if self.world_size > 1:
            device = self._init_distributed(device)
        self.device_type = device.type
        torch.manual_seed(s.seed + self.rank)
        generator = torch.Generator(device=device)
        generator.manual_seed(s.seed + self.rank)
        ctx = Context(device, s, generator, self.world_size, self.rank)
        self.task.prepare(ctx)
        made = not self.out.exists()
        self.out.mkdir(parents=True, exist_ok=True)  # after the task is built: a bad setting leaves no folder
        try:
            return self._fit(ctx, resume, restart_if_changed)
        except BaseException:  # diverged, interrupted... before anything was written: no empty folder is left
            if made and self.rank == 0 and not any(self.out.iterdir()):
                self.out.rmdir()
            raise

    def _fit(self, ctx: Context, resume: bool, restart_if_changed: bool) -> TrainResult:
        """:meth:`fit` in the output folder: resume or start afresh, then :meth:`_loop`."""
        s = self.settings
        if self.rank == 0:
            remove_temporaries(self.out, TRAINING_OUTPUTS)  # those of a run killed while writing
        self.average = WeightAverage(self.task.modules(), s.ema) if s.ema else None
        self.rows: list[dict] = []
        self._last_saved = 0
        self.bad_evals = 0
        self.elapsed = 0.0  #: seconds of training so far, over resumes (rank 0's clock)
        start, best = 0, None
        if resume and (self.out / "checkpoint.pt").exists():
            start, best = self._resume(ctx, restart_if_changed)
        elif self.rank == 0 and (self.out / "checkpoint.pt").exists() and not (self.out / "model.pt").exists():
            print(f"note: {self.out / 'checkpoint.pt'} is of a run that did not finish: training from scratch "
                  f"replaces it (--resume continues it)", file=sys.stderr)
        # a new run, or one resumed to more steps: the model of the run before must not outlive it, or sit beside
        # a later checkpoint if this one is killed (they are written again when the loop ends)
        if start < self.settings.steps and self.rank == 0:
            for name in EARLIER_OUTPUTS:
                (self.out / name).unlink(missing_ok=True)
        return self._loop(ctx, start, best)

    def _loop(self, ctx: Context, start: int, best: dict | None) -> TrainResult:
        """Train from step ``start`` to ``steps``, the time limit or early stopping; write the last checkpoint
        and ``model.pt``."""
        s = self.settings
        self._t0 = time.perf_counter() - self.elapsed  # a resumed run counts the time before it
        used = self.elapsed / (60 * s.max_time) if s.max_time else 0.0  # the fraction of max_time spent, every rank
        stopped = self._stop_reason(used > 1)  # a run resumed after it stopped early or at its time limit stays so
        end = s.steps if stopped == "done" else start
        self._seqs, self._t_log = 0, time.perf_counter()  # sequences trained on since the last metrics row
        last, step = {}, start
        bar = self._progress_bar(start)
        groups = self._param_groups()
        for step in range(start + 1, end + 1):
            if s.lr_schedule != "constant":
                self._schedule(groups, max((step - 1) / s.steps, used))
            metrics = self.task.train_step(step, ctx)
            if self.average:
                self.average.update(step)
            self._seqs += self.task.sequences_per_step(s)
            bar.update(1)
            if s.max_time and (self.world_size == 1 or step % CLOCK_SYNC_EVERY == 0 or step == end):
                used = self._on_rank_0(time.perf_counter() - self._t0, ctx.device) / (60 * s.max_time)
            out_of_time = used > 1
            # the last step is validated too: a run that the clock stops before its first validation keeps a model
            eval_now = bool(s.eval_every) and (step % s.eval_every == 0 or step == s.steps or out_of_time)
            log_now = step % s.log_every == 0 or step == s.steps or eval_now  # a row for every validation
            if log_now or step % s.checkpoint_every == 0 or out_of_time:
                last, best = self._record(ctx, step, metrics, best, eval_now)
                bar.set_postfix({k: f"{v:.4g}" for k, v in list(last.items())[:3]})
            if step % s.checkpoint_every == 0:
                self._save(step, ctx, best)
            stopped = self._stop_reason(out_of_time)
            if stopped != "done":
                break
        bar.close()
        self._save(step, ctx, best, finished=True)
        self._save_model(best)
        return TrainResult(step, stopped, time.perf_counter() - self._t0, last,
                           None if best is None else best["score"])

    def _stop_reason(self, out_of_time: bool) -> str:
        """Why training stops now: ``early_stopping`` (``patience`` validations without improvement), ``max_time``,
        or ``done`` (it goes on)."""
        if self.settings.patience and self.bad_evals >= self.settings.patience:
            return "early_stopping"
        return "max_time" if out_of_time else "done"

    def _progress_bar(self, start: int):
        from tqdm.auto import tqdm

        off = not self.settings.progress or self.rank != 0
        return tqdm(total=self.settings.steps, initial=start, disable=True if off else None,  # None: a terminal only
                    desc=self.task.kind, dynamic_ncols=True, leave=False)

    def _param_groups(self) -> list[dict]:
        """Every optimizer's parameter groups, each with its ``initial_lr`` (kept in the optimizer's state, so
        that a resumed run's schedule decays the same)."""
        groups = [g for opt in self.task.optimizers().values() for g in opt.param_groups]
        for g in groups:
            g.setdefault("initial_lr", g["lr"])
        return groups

    def _schedule(self, groups: list[dict], progress: float) -> None:
        """Set each group's learning rate for ``progress`` (the larger fraction spent: of the steps, or of
        ``max_time``)."""
        for g in groups:
            g["lr"] = g["initial_lr"] * lr_factor(self.settings.lr_schedule, progress)

    def _record(self, ctx: Context, step: int, metrics: dict, best: dict | None,
                validate: bool) -> tuple[dict[str, float], dict | None]:
        """Check the step's ``metrics`` and add their row to ``metrics.csv``'s (with throughput since the last row,
        and with ``validate`` the validation metrics and early stopping's count). Returns the metrics as floats
        and the best snapshot."""
        last = self._check(metrics, step)
        now = time.perf_counter()
        row = {"step": step, "seconds": round(now - self._t0, 3),
               "seqs_per_s": round(self._seqs / max(now - self._t_log, 1e-9), 1), **last}
        self._seqs, self._t_log = 0, now
        if validate:
            val, best, improved = self._validate(ctx, step, best)
            row.update({f"val_{k}": v for k, v in val.items()})
            if "score" in val:
                self.bad_evals = 0 if improved else self.bad_evals + 1
        self.rows.append(row)
        return last, best

    def _validate(self, ctx: Context, step: int, best: dict | None) -> tuple[dict, dict | None, bool]:
        """Validation metrics of the model (of its weight average, with ``ema``), the best snapshot so far, and
        whether this one is better."""
        with self.average.applied() if self.average else nullcontext():
            val = self.task.evaluate(ctx) or {}
            improved = "score" in val and (best is None or val["score"] < best["score"])
            if improved:
                best = {"score": float(val["score"]), "step": step,
                        "state_dict": copy.deepcopy({n: m.state_dict() for n, m in self.task.modules().items()})}
        return val, best, improved

    def _on_rank_0(self, value: float, device: torch.device) -> float:
        """``value`` as rank 0 has it (under ``torchrun``: one small broadcast; the clock's every
        :data:`CLOCK_SYNC_EVERY` steps), so that every rank takes the same decisions from its clock: all stop at the
        same step, and decay their learning rate alike."""
        if self.world_size == 1:
            return value
        import torch.distributed as dist

        shared = torch.tensor([value], dtype=torch.float64, device=device)
        dist.broadcast(shared, 0)
        return float(shared)

    def _check(self, metrics: dict, step: int) -> dict[str, float]:
        """Sync the step's metrics to floats; stop on NaN/inf (the last good checkpoint stays on disk)."""
        values = {k: float(v) for k, v in metrics.items()}
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            raise TrainingDiverged(f"training diverged by step {step} (checked on logged steps): {', '.join(bad)} is "
                                   f"not finite; {self._kept()}")
        try:
            self.task.check(values, step)
        except TrainingDiverged as exc:  # the task's own check (the GAN's Wasserstein estimate)
            raise TrainingDiverged(f"{exc}; {self._kept()}") from None
        return values

    def _check_weights(self, step: int) -> None:
        """Stop on NaN/inf weights before they are saved: a step's loss is computed before its update, so an update
        that overflows (a learning rate far too large) shows in no logged loss when it is the run's last."""
        bad = [name for name, module in self.task.modules().items()
               if not all(torch.isfinite(v).all() for v in module.state_dict().values() if v.is_floating_point())]
        if bad:
            raise TrainingDiverged(f"training diverged by step {step}: the weights of {', '.join(bad)} are not "
                                   f"finite (lower the learning rate); {self._kept()}")

    def _kept(self) -> str:
        """What a diverged run leaves on disk, for its error."""
        return (f"the last good checkpoint (step {self._last_saved}) is kept in {self.out}" if self._last_saved
                else "no checkpoint was written yet")

    def _init_distributed(self, device: torch.device) -> torch.device:
        import torch.distributed as dist

        device = distributed_device(device)  # the caller should already have put the data there
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        return device
