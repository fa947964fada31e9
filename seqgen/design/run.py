"""Running a design: optimize a batch of candidates, then repair, check, deduplicate and score them.

Methods
-------
``softmax``       free logits, softmax relaxation, Adam; the result of each chain is its argmax at the step of
                  its best relaxed utility.
``fast-seqprop``  instance-normalized logits, sampled one-hot forward, straight-through gradient, Adam;
                  the result of each chain is the best sampled sequence seen (its score is known for free).
``latent``        Adam on a generator's latent codes (with an optional N(0, I) prior penalty); the argmax at the
                  step of each chain's best relaxed utility.
``anneal``        simulated annealing on discrete sequences: each step scores ``proposals`` single-letter
                  mutants per chain and accepts the best by the Metropolis rule. The mutants are drawn at
                  random (the gradient-free baseline), or, with ``guided``, ranked by the predictor's gradient
                  at the current sequence (a first-order estimate of every single-letter change, as HotFlip,
                  Ebrahimi et al. 2018), ``proposals`` of them drawn by Gumbel-top-k on that estimate: far
                  fewer wasted proposals, for one gradient call more per step. With one proposal a step, the
                  pass that scores it also takes its gradient, which the next step draws from if it is
                  accepted: one call a step, not two (with M > 1 proposals, M forward passes and one gradient
                  pass cost less compute than M forward-backward passes). With ``combine`` each step also
                  scores the chain with all its improving mutants applied together (one call more), and takes
                  that when it beats the best single mutant: several letters a step once a site is in reach.
                  With ``mutations`` K > 1 every mutant changes K distinct positions (guided: the K positions
                  of largest estimated gain, each with its best letter), for the same calls a step.

Against collapse and over-fitting (all off by default): ``entropy`` keeps each chain's letter distribution
above an entropy floor; ``restart`` re-initializes a chain whose best utility has stalled (its best sequence
is kept); ``patience`` stops the run once no chain has improved for that many steps; ``plateau`` stops the
whole run (both phases) once the chains' mean best utility rose by less than that fraction of its rise so
far over the last ``plateau_window`` calls (a converged run; later calls mostly over-fit the predictor);
``polish`` continues a gradient method's best sequences with that many annealing steps (discrete
single-letter moves, which reach sites a relaxation converged past; ``guided`` applies to them too). With a
conservative objective (mean - k * std of an ensemble) the best sequence kept per chain is the one the
members agree on.

Predictor calls are counted per candidate sequence: one per sequence scored (a gradient step on one
input counts one; ``samples`` straight-through samples count ``samples``; annealing counts its proposals);
a run the stopping rule ends early counts only the steps it ran.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from seqgen.alphabets import PAD
from seqgen.data import one_hot
from seqgen.design.constraints import Constraints
from seqgen.design.objectives import ObjectiveSet
from seqgen.design.parametrize import FastSeqProp, FixedPositions, LatentParam, SoftmaxParam
from seqgen.errors import SeqgenError
from seqgen.metrics import rows_in
from seqgen.settings import DESIGN_METHODS, DESIGN_OPTIONS

METHODS = DESIGN_METHODS


@dataclass
class DesignSettings:
    """How to design (see the module docstring for the methods).

    The settings that are options of ``seqgen design`` are declared, with their help, range and the methods that
    use them, in :data:`seqgen.settings.DESIGN_OPTIONS`; their defaults here are tested to be the same.
    """

    method: str = "fast-seqprop"
    n: int = 64  #: candidates designed in parallel
    steps: int = 200
    lr: float = 0.1
    samples: int = 1  #: straight-through samples per step (fast-seqprop, latent with straight_through)
    gumbel: bool = False
    learn_offset: bool = True  #: fast-seqprop: learn the per-letter offset (False: the letter composition cannot drift)
    offset_limit: float = 0.0  #: fast-seqprop: bound on the learned offset, m * tanh(offset / m) (0: unbounded)
    temperature: float = 1.0  #: softmax temperature (softmax method)
    init_scale: float = 1.0  #: spread of the random initial logits
    diversity: float = 0.0  #: weight of the pairwise-similarity penalty
    penalty_weight: float = 1.0  #: weight of the soft constraint penalties
    prior_weight: float = 0.0  #: weight of the latent prior penalty (latent)
    straight_through: bool = False  #: latent: feed sampled one-hot sequences
    proposals: int = 8  #: anneal: mutants scored per chain and step
    guided: bool = False  #: anneal (and polish): draw the mutants by the gradient's first-order gain, not at random
    guide_temperature: float = 0.5  #: guided: Gumbel-top-k temperature, in units of each chain's gain spread
    combine: bool = False  #: anneal (and polish): also score the chain with all its improving mutants applied at once
    mutations: int = 1  #: anneal (and polish): letters each mutant changes, at distinct positions
    t_start: float = 0.1  #: anneal: initial temperature, in units of the initial utility spread
    t_end: float = 0.001
    entropy: float = 0.0  #: fast-seqprop/softmax: floor on the mean per-position entropy (nats) of each chain
    restart: int = 0  #: re-initialize a chain whose best utility has not improved for this many steps (0: never)
    patience: int = 0  #: stop when no chain's best utility has improved for this many steps (0: run all steps)
    tolerance: float = 1e-3  #: smallest improvement of a chain's best utility that counts (restart, patience)
    plateau: float = 0.0  #: stop once the last ``plateau_window`` calls added less than this fraction of the rise
    #: of the chains' mean best utility so far (0: off)
    plateau_window: int = 50  #: calls per sequence
    polish: int = 0  #: gradient methods: annealing steps (``proposals`` mutants each) from each chain's best after
    #: the gradient phase ends (its ``steps``, or the ``patience`` rule)
    seed: int = 0
    progress: bool = True  #: a progress bar on a terminal or in a notebook (steps, the chains' mean best utility)

    def __post_init__(self):
        if self.method not in METHODS:
            raise SeqgenError(f"unknown design method {self.method!r}; choose one of {', '.join(METHODS)}")
        for option in DESIGN_OPTIONS:  # the settings of seqgen design, each in its range
            if option.bound is not None:
                option.check(getattr(self, option.name))
        if self.tolerance < 0:
            raise SeqgenError(f"tolerance must not be negative, not {self.tolerance}")
        anneals = self.method == "anneal" or self.polish  # combine and mutations are annealing's: else ignored
        if anneals and self.combine and self.mutations > 1:
            raise SeqgenError("combine merges single-letter mutants: it cannot be used with mutations > 1")

    @property
    def calls_per_step(self) -> int:
        if self.method == "anneal":
            # a guided step takes the gradient at the current sequence, unless a single proposal's scoring
            # pass carries it; combine scores one sequence more
            return self.proposals + (self.guided and not self.carries_gradient) + self.combine
        if self.method == "fast-seqprop" or (self.method == "latent" and self.straight_through):
            return self.samples
        return 1

    @property
    def carries_gradient(self) -> bool:
        """Guided annealing with one proposal a step: its scoring pass also gives the next step's gradient."""
        return self.guided and self.proposals == 1


@dataclass
class DesignResult:
    """Designed sequences and how they were made.

    Attributes
    ----------
    codes : np.ndarray
        ``(M, L)`` uint8, unique, every hard constraint satisfied, best utility first.
    utility : np.ndarray
        ``(M,)`` total utility (weighted objectives).
    predictions : dict
        ``{objective: (mean (M,), std (M,))}``.
    trajectory : list of dict
        Per step: ``step``, ``calls`` (per sequence so far), the best and mean utility of the current
        sequences less the constraints' penalty, which every method's chains keep their best of (relaxed inputs for
        softmax/latent), as ``best_score`` and ``mean_score``; gradient methods
        add ``entropy``, the mean per-position entropy (nats) of the chains' letter probabilities.
    dropped : int
        Candidates dropped because a constraint could not be repaired, or as duplicates.
    duplicates : int
        Of those, the candidates dropped as copies of another (e.g. latent chains that reached one mode).
    broken : dict
        ``{constraint: count}``: how many repaired candidates still broke each constraint (names as
        :meth:`~seqgen.design.constraints.Constraints.check` gives them; only those broken by any).
    repaired : np.ndarray or None
        ``(M,)`` bool: the designs the final repair changed, none of them a sequence any chain ended with (a latent
        design so changed is not the generator's own output), and latent designs whose fixed letters the generator
        did not write itself; None where not known.
    """

    codes: np.ndarray
    utility: np.ndarray
    predictions: dict
    trajectory: list = field(default_factory=list)
    calls_per_sequence: int = 0
    seconds: float = 0.0
    dropped: int = 0
    duplicates: int = 0
    restarts: int = 0
    broken: dict = field(default_factory=dict)
    repaired: np.ndarray | None = None
    stopped_at: int | None = None  #: the step a stopping rule ended the run (or its gradient phase, before a polish) at


def score_codes(objectives: ObjectiveSet, codes: np.ndarray | torch.Tensor, alphabet_size: int,
                device: torch.device, batch: int | None = None):
    """Utility ``(N,)`` and per-objective ``(mean, std)`` of discrete sequences, without gradients (in batches
    of ``batch``, by default as many as fit the memory budget); ``device``: a ``torch.device`` or its name."""
    device = torch.device(device)
    codes = torch.as_tensor(np.asarray(codes) if not torch.is_tensor(codes) else codes, device=device)
    batch = batch or objectives.batch_rows(codes.shape[-1], device)
    utils, parts = [], {}
    with torch.no_grad():
        for start in range(0, len(codes), batch):
            u, p = objectives(one_hot(codes[start:start + batch], alphabet_size))
            utils.append(u.float())
            for name, (mean, std) in p.items():
                parts.setdefault(name, ([], []))
                parts[name][0].append(mean.float())
                parts[name][1].append(std.float())
    utility = torch.cat(utils) if utils else torch.zeros(0, device=device)
    return utility, {k: (torch.cat(m), torch.cat(s)) for k, (m, s) in parts.items()}


def design(objectives: ObjectiveSet, constraints: Constraints, settings: DesignSettings,
           device: torch.device, decoder=None, latent_dim: int | None = None, callback=None) -> DesignResult:
    """Design ``settings.n`` sequences.

    Parameters
    ----------
    objectives : ObjectiveSet
        What to maximize; scorers take ``(B, A, L)`` float inputs on ``device``.
    constraints : Constraints
        Hard constraints (fixed positions, GC, forbidden k-mers, homopolymers, edits).
    device : torch.device or str
        Where the chains live (``"cpu"``, ``"cuda"``...), the scorers' device.
    decoder : callable, optional
        ``z (N, D) -> probabilities (N, A, L)``; required by the ``latent`` method, with ``latent_dim``.
    callback : callable, optional
        ``callback(step, calls, codes)`` with the current result codes ``(N, L)`` (numpy), every step.

    Seeded by ``settings.seed`` alone: the caller's global torch random state is left as it was.
    """
    with torch.random.fork_rng():  # _design seeds the global generator: not the caller's
        return _design(objectives, constraints, settings, torch.device(device), decoder, latent_dim, callback)


def _design(objectives: ObjectiveSet, constraints: Constraints, settings: DesignSettings,
            device: torch.device, decoder, latent_dim: int | None, callback) -> DesignResult:
    """:func:`design`'s work, in a forked global random state."""
    if constraints.free.sum() == 0:
        raise SeqgenError("every position is fixed: nothing to design")
    if constraints.max_edits == 0:
        raise SeqgenError("max edits (--max-edits) is 0: every design would be the starting sequence, nothing to "
                          "design (score it with seqgen predict)")
    torch.manual_seed(settings.seed)
    generator = torch.Generator(device=device).manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    start = time.perf_counter()
    plateau = _Plateau(settings.plateau, settings.plateau_window)
    tracker = _Progress(settings, plateau)
    own = None  # latent chains whose generator wrote every fixed letter itself (None: every chain's output)
    if settings.method == "anneal":
        codes, trajectory = _anneal(objectives, constraints, settings, device, generator, callback, tracker)
    else:
        codes, trajectory, own = _gradient(objectives, constraints, settings, device, generator, decoder,
                                           latent_dim, callback, tracker)
    tracker.bar.close()
    calls = len(trajectory) * settings.calls_per_step
    if settings.polish and settings.method != "anneal" and not plateau.reached:
        polish = replace(settings, method="anneal", steps=settings.polish, restart=0, patience=0)
        offset = len(trajectory), calls
        shifted = None if callback is None else (
            lambda step, c, codes_: callback(offset[0] + step, offset[1] + c, codes_))
        polish_tracker = _Progress(polish, plateau, calls)
        codes, more = _anneal(objectives, constraints, polish, device, generator, shifted, polish_tracker, codes)
        own = None  # the polish's own output
        polish_tracker.bar.close()
        if polish_tracker.stopped_at is not None:  # the plateau rule ended the polish (else: as the gradient phase)
            tracker.stopped_at = polish_tracker.stopped_at + offset[0]
        trajectory += [{**t, "step": t["step"] + offset[0], "calls": t["calls"] + offset[1], "phase": "polish"}
                       for t in more]
        calls += len(more) * polish.calls_per_step
    result = finalize(codes, objectives, constraints, device, rng, own)
    result.trajectory = trajectory
    result.calls_per_sequence = calls
    result.restarts, result.stopped_at = tracker.restarts, tracker.stopped_at
    result.seconds = time.perf_counter() - start
    return result


def finalize(codes: np.ndarray, objectives: ObjectiveSet, constraints: Constraints, device, rng,
             own: np.ndarray | None = None) -> DesignResult:
    """Repair, drop what still breaks a constraint, deduplicate, score and sort best first. ``own``: ``(N,)`` bool,
    the chains whose ``codes`` are their method's own output (a latent chain whose generator wrote the fixed letters
    itself); a design none of them ended with is marked ``repaired``. Default: every chain's."""
    n, raw = len(codes), np.array(codes if own is None else codes[own], dtype=np.uint8)
    codes = constraints.enforce(codes, rng)
    checks = constraints.check(codes)
    broken = {name: int((~ok).sum()) for name, ok in checks.items() if not ok.all()}
    codes = codes[constraints.satisfied(codes, checks)]
    satisfied = len(codes)
    codes = np.unique(codes, axis=0)
    utility, parts = score_codes(objectives, codes, constraints.alphabet.size, device)
    order = torch.argsort(utility, descending=True).cpu().numpy()
    return DesignResult(codes[order], utility.cpu().numpy()[order],
                        {k: (m.cpu().numpy()[order], s.cpu().numpy()[order]) for k, (m, s) in parts.items()},
                        dropped=n - len(codes), duplicates=satisfied - len(codes), broken=broken,
                        repaired=~rows_in(codes[order], raw))


class _Plateau:
    """Whether a run has converged: the chains' mean best utility over the calls, against its rise so far."""

    def __init__(self, fraction: float, window: int):
        self.fraction, self.window = fraction, window
        self.history = []  # (calls per sequence, mean best utility)
        self.reached = False

    def update(self, calls: int, value: float) -> bool:
        self.history.append((calls, value))
        before = [v for c, v in self.history if c <= calls - self.window]
        if self.fraction and before:
            rise = value - self.history[0][1]
            self.reached = rise > 0 and value - before[-1] < self.fraction * rise
        return self.reached


class _Progress:
    """Per-chain bookkeeping of the best utility: which chains are stuck (restart), whether to stop (patience,
    plateau); ``offset`` is the calls per sequence of earlier phases."""

    def __init__(self, settings: DesignSettings, plateau: _Plateau | None = None, offset: int = 0):
        from tqdm.auto import tqdm

        self.settings, self.plateau, self.offset = settings, plateau, offset
        self.bar = tqdm(total=settings.steps, desc=settings.method if not offset else "polish", unit="step",
                        leave=False, dynamic_ncols=True, disable=None if settings.progress else True)
        self.best = np.full(settings.n, -np.inf)
        self.since = np.zeros(settings.n, dtype=int)  # steps since each chain's best last improved
        self.quiet = 0
        self.restarts = 0
        self.stopped_at = None

    def update(self, best_util: np.ndarray, step: int) -> np.ndarray:
        """Record the chains' best utilities after ``step``; return the chains to restart (bool ``(N,)``)."""
        s = self.settings
        improved = best_util > self.best + s.tolerance
        self.since = np.where(improved, 0, self.since + 1)
        self.best = np.where(improved, best_util, self.best)
        self.bar.set_postfix_str(f"mean best utility {self.best.mean():.4g}", refresh=False)
        self.bar.update(1)
        self.quiet = 0 if improved.any() else self.quiet + 1  # steps since any chain improved
        if s.patience and self.quiet >= s.patience:
            self.stopped_at = step
        if self.plateau is not None and self.plateau.update(self.offset + step * s.calls_per_step,
                                                            float(self.best.mean())):
            self.stopped_at = step
        stuck = self.since >= s.restart if s.restart else np.zeros(s.n, dtype=bool)
        if stuck.any() and self.stopped_at is None and step < s.steps:
            self.since[stuck] = 0
            self.restarts += int(stuck.sum())
            return stuck
        return np.zeros(s.n, dtype=bool)


def _init_logits(settings, constraints, device, generator, n: int | None = None) -> torch.Tensor:
    shape = (settings.n if n is None else n, constraints.alphabet.size, constraints.length)
    logits = settings.init_scale * torch.randn(shape, generator=generator, device=device)
    if constraints.start is not None:  # start from the given sequence
        start = torch.as_tensor(np.broadcast_to(constraints.start, (shape[0], constraints.length)).astype(np.int64),
                                device=device)
        logits = logits + 4.0 * torch.nn.functional.one_hot(start, shape[1]).permute(0, 2, 1)
    return logits


def _build(settings, constraints, device, generator, decoder, latent_dim, fixed):
    if settings.method == "latent":
        if decoder is None or latent_dim is None:
            raise SeqgenError("the latent method needs a generator (--generator)")
        z = torch.randn(settings.n, latent_dim, generator=generator, device=device)
        return LatentParam(z, decoder, fixed, settings.straight_through)
    logits = _init_logits(settings, constraints, device, generator)
    if settings.method == "softmax":
        return SoftmaxParam(logits, fixed, settings.temperature)
    return FastSeqProp(logits, fixed, settings.gumbel, learn_offset=settings.learn_offset,
                       offset_limit=settings.offset_limit)


def _gradient(objectives, constraints, settings, device, generator, decoder, latent_dim, callback, tracker):
    fixed_codes = torch.as_tensor(constraints.fixed, device=device)
    fixed = FixedPositions(fixed_codes, constraints.alphabet.size) if (constraints.fixed != PAD).any() else None
    param = _build(settings, constraints, device, generator, decoder, latent_dim, fixed)
    optimizer = torch.optim.Adam([p for p in param.parameters() if p.requires_grad], lr=settings.lr)
    sampled = settings.method == "fast-seqprop" or (settings.method == "latent" and settings.straight_through)
    best_codes = param.discrete()  # (N, L) uint8 on the device, as each chain's best utility: one host copy a step
    best_util = torch.full((settings.n,), -torch.inf, device=device)
    track_own = isinstance(param, LatentParam) and fixed is not None
    best_own = torch.ones(settings.n, dtype=torch.bool, device=device)  # latent: the generator wrote the fixed letters
    trajectory = []
    chunk = objectives.batch_rows(constraints.length, device, gradient=True)
    for step in range(1, settings.steps + 1):
        x, probs = param(settings.samples, generator)  # (S, N, A, L), (N, A, L)
        s, n, a, length = x.shape
        utility = _differentiable_utility(objectives, x.reshape(s * n, a, length), chunk).reshape(s, n)
        penalty = settings.penalty_weight * constraints.penalty(probs)  # (N,)
        loss = -utility.mean(0) + penalty
        if settings.diversity and n > 1:
            loss = loss + settings.diversity * _similarity(probs)
        if settings.method == "latent" and settings.prior_weight:
            loss = loss + settings.prior_weight * param.prior_penalty()
        if settings.entropy:  # keep each chain sampling: a hinge below the entropy floor
            free = fixed.free if fixed is not None else torch.ones(length, device=device)
            ent = _entropy(probs)
            mean_ent = (ent * free).sum(1) / free.sum().clamp_min(1)
            loss = loss + torch.relu(settings.entropy - mean_ent) * length
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()
        with torch.no_grad():  # each chain keeps its best under the penalized utility, as annealing does
            u = utility.detach().float()
            if sampled:  # the sampled sequences are discrete: keep each chain's best, known for free
                hard = x.detach().reshape(s * n, a, length)
                kept = u - settings.penalty_weight * constraints.penalty(hard).reshape(s, n)  # (S, N)
                u_now, best_sample = kept.max(0)
                cand = x.detach().argmax(2)[best_sample, torch.arange(n, device=device)].to(torch.uint8)
            else:  # keep each chain's argmax at its best relaxed objective (a proxy for the argmax's own): that of
                # the probabilities scored, before the optimizer's step (as discrete(), without decoding again)
                kept = u - penalty.detach()  # (S, N)
                u_now, cand = kept.mean(0), probs.detach().argmax(1).to(torch.uint8)
            improved = u_now > best_util
            best_util = torch.where(improved, u_now, best_util)
            stats = torch.stack([kept.max(), kept.mean(), _entropy(probs).mean().float()])  # penalized, as annealing
            host = torch.cat([best_util, stats]).cpu().numpy().astype(np.float64)  # the one sync
            best_codes = torch.where(improved[:, None], cand, best_codes)
            if track_own:  # of the decoding scored, before the optimizer's step
                best_own = torch.where(improved, param.writes_fixed(), best_own)
        trajectory.append({"step": step, "calls": step * settings.calls_per_step,
                           "best_score": float(host[n]), "mean_score": float(host[n + 1]),
                           "entropy": float(host[n + 2])})
        if callback is not None:
            callback(step, step * settings.calls_per_step, best_codes.cpu().numpy())
        stuck = tracker.update(host[:n], step)
        if tracker.stopped_at is not None:
            break
        if stuck.any():
            rows, k = torch.as_tensor(stuck, device=device), int(stuck.sum())
            fresh = torch.randn(k, latent_dim, generator=generator, device=device) if settings.method == "latent" \
                else _init_logits(settings, constraints, device, generator, k)
            _restart(param, optimizer, rows, fresh)
    return best_codes.cpu().numpy(), trajectory, best_own.cpu().numpy() if track_own else None


def _restart(param, optimizer, rows: torch.Tensor, fresh: torch.Tensor) -> None:
    """Give the chains ``rows`` fresh logits (Fast SeqProp: also scale 1 and offset 0) or latent codes; forget
    their Adam state."""
    with torch.no_grad():
        if isinstance(param, LatentParam):
            param.z[rows] = fresh
        else:
            param.logits[rows] = fresh
        if isinstance(param, FastSeqProp):
            param.scale[rows] = 1.0
            param.offset[rows] = 0.0
        for p in param.parameters():
            state = optimizer.state.get(p, {})
            for key in ("exp_avg", "exp_avg_sq"):
                if key in state:
                    state[key][rows] = 0.0


def _differentiable_utility(objectives: ObjectiveSet, x: torch.Tensor, rows: int) -> torch.Tensor:
    """``(B,)`` utility of ``x: (B, A, L)``, differentiable in ``x``. Above ``rows`` sequences the scorers run
    chunk by chunk under activation checkpointing: a chunk's activations are dropped after its forward pass and
    recomputed in the backward pass, so memory holds one chunk's at a time (for one more forward pass). The
    recomputation replays torch's global random state, so scorers must not draw from their own generators."""
    if len(x) <= rows:
        return objectives(x)[0]
    from torch.utils.checkpoint import checkpoint

    return torch.cat([checkpoint(lambda part: objectives(part)[0], part, use_reentrant=False)
                      for part in x.split(rows)])


def _similarity(probs: torch.Tensor) -> torch.Tensor:
    """``(N,)`` mean similarity of each candidate's letter probabilities to the others' (0..1)."""
    n, _, length = probs.shape
    flat = probs.reshape(n, -1)
    to_all = flat @ flat.sum(0) - (flat * flat).sum(1)  # sum over j != i of <p_i, p_j>, without an (N, N) matrix
    return to_all / (length * (n - 1))


def _start_codes(rng: np.random.Generator, constraints: Constraints, k: int) -> np.ndarray:
    """``(k, L)`` uint8 starting sequences of annealing: random (or ``constraints.start``), fixed letters set."""
    codes = rng.integers(0, constraints.alphabet.size, size=(k, constraints.length)).astype(np.uint8)
    if constraints.start is not None:
        codes[:] = np.broadcast_to(constraints.start, codes.shape)
    codes[:, ~constraints.free] = constraints.fixed[~constraints.free]
    return codes


def _entropy(probs: torch.Tensor) -> torch.Tensor:
    """``probs (N, A, L)`` -> ``(N, L)`` entropy (nats) of each position's letter distribution."""
    return -(probs * torch.log(probs.clamp_min(1e-9))).sum(1)


def _anneal(objectives, constraints, settings, device, generator, callback, tracker, init=None):
    """Simulated annealing of ``settings.n`` chains (from random sequences, or from ``init (N, L)``: a polish).

    Returns each chain's best codes ``(N, L)`` uint8 and the per-step trajectory.
    """
    chains = _Chains(objectives, constraints, settings, device, generator, init)
    spread = float(np.std(chains.current)) or 1.0
    trajectory = []
    for step in range(1, settings.steps + 1):
        chains.step(_temperature(settings, spread, step))
        calls = step * settings.calls_per_step
        trajectory.append({"step": step, "calls": calls, "best_score": float(chains.current.max()),
                           "mean_score": float(chains.current.mean())})
        if callback is not None:
            callback(step, calls, chains.best_codes)
        stuck = tracker.update(chains.best_util, step)
        if tracker.stopped_at is not None:
            break
        if stuck.any():  # a stuck chain starts again from a random sequence (its best is kept)
            chains.restart(stuck)
    return chains.best_codes, trajectory


def _temperature(settings: DesignSettings, spread: float, step: int) -> float:
    """Annealing temperature of ``step`` (from 1): geometric from ``t_start`` to ``t_end`` times ``spread``."""
    frac = (step - 1) / max(settings.steps - 1, 1)
    return spread * settings.t_start * (settings.t_end / settings.t_start) ** frac


class _Chains:
    """The state of N annealing chains and one Metropolis step of all of them.

    Attributes
    ----------
    codes : np.ndarray
        ``(N, L)`` uint8 current sequences (fixed positions set).
    current : np.ndarray
        ``(N,)`` their penalized utilities.
    grad : torch.Tensor or None
        ``(N, A, L)`` the penalized utility's gradient at them, when a scoring pass carries it (one guided
        proposal a step); else None.
    best_codes, best_util : np.ndarray
        ``(N, L)`` and ``(N,)``: each chain's best sequence so far and its utility.
    """

    def __init__(self, objectives, constraints, settings, device, generator, init=None):
        self.objectives, self.constraints, self.settings = objectives, constraints, settings
        self.device, self.generator = device, generator
        self.rng = np.random.default_rng(settings.seed)
        self.carry = settings.carries_gradient
        self.codes = _start_codes(self.rng, constraints, settings.n)
        if init is not None:  # polishing the sequences a gradient phase found
            self.codes[:] = init
            self.codes[:, ~constraints.free] = constraints.fixed[~constraints.free]
        self.free_positions = np.flatnonzero(constraints.free)
        if settings.mutations > len(self.free_positions):
            raise SeqgenError(f"mutations ({settings.mutations}) is more than the {len(self.free_positions)} "
                              "free positions")
        self.current, self.grad = self.penalized(self.codes)
        self.best_codes, self.best_util = self.codes.copy(), self.current.copy()

    def penalized(self, codes: np.ndarray, gradient: bool | None = None):
        """Penalized utility ``(K,)`` of ``codes (K, L)``, and with ``gradient`` (by default: when the scoring
        pass carries it) its gradient ``(K, A, L)``, else None."""
        s, a = self.settings, self.constraints.alphabet.size
        if gradient is None:
            gradient = self.carry
        if gradient:
            return _penalized_with_gradient(self.objectives, self.constraints, s.penalty_weight, codes, self.device)
        on_device = torch.as_tensor(codes, device=self.device)  # one upload for the scores and the penalty
        util, _ = score_codes(self.objectives, on_device, a, self.device)
        with torch.no_grad():
            pen = self.constraints.penalty(one_hot(on_device, a))
        return (util - s.penalty_weight * pen).cpu().numpy(), None

    def step(self, temperature: float) -> None:
        """Score ``proposals`` mutants of every chain (and, with ``combine``, the chain with all its improving
        ones), and move each chain to its best candidate by the Metropolis rule at ``temperature``."""
        pos, letters = self._propose()
        cand, util, cand_grad = self._score_mutants(pos, letters)
        n, m = util.shape
        j = util.argmax(1)
        chains = np.arange(n)
        proposal, chosen = util[chains, j], cand[chains, j]
        chosen_grad = cand_grad.view(n, m, *cand_grad.shape[1:])[chains, j] if self.carry else None
        if self.settings.combine:
            proposal, chosen, chosen_grad = self._or_combined(pos, letters, util, proposal, chosen, chosen_grad)
        self._metropolis(proposal, chosen, chosen_grad, temperature)

    def restart(self, stuck: np.ndarray) -> None:
        """Start the chains ``stuck`` (bool ``(N,)``) again from random sequences (their bests are kept)."""
        fresh = _start_codes(self.rng, self.constraints, int(stuck.sum()))
        self.codes[stuck] = fresh
        self.current[stuck], fresh_grad = self.penalized(fresh)
        if self.carry:
            self.grad[torch.as_tensor(stuck, device=self.device)] = fresh_grad

    def _propose(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions and letters ``(N, M, K)`` of each chain's mutants: guided by the gradient, or at random."""
        s = self.settings
        if s.guided:
            if not self.carry:
                _, self.grad = self.penalized(self.codes, gradient=True)
            return _guided_mutations(self.grad, self.constraints, s, self.codes, self.generator)
        return _random_mutations(self.rng, self.free_positions, self.codes, self.constraints.alphabet.size,
                                 s.proposals, s.mutations)

    def _score_mutants(self, pos: np.ndarray, letters: np.ndarray):
        """The mutants ``(N, M, L)`` uint8, their penalized utilities ``(N, M)`` and (carried) gradients
        ``(N * M, A, L)`` or None."""
        n, m, length = len(self.codes), self.settings.proposals, self.constraints.length
        cand = np.repeat(self.codes[:, None, :], m, axis=1)  # (N, M, L)
        cand[np.arange(n)[:, None, None], np.arange(m)[None, :, None], pos] = letters
        util, cand_grad = self.penalized(cand.reshape(n * m, length))
        return cand, util.reshape(n, m), cand_grad

    def _or_combined(self, pos, letters, util, proposal, chosen, chosen_grad):
        """The best mutant ``proposal (N,)``, ``chosen (N, L)``, ``chosen_grad`` replaced, where it scores
        higher, by the chain with all its improving mutants applied at once."""
        merged = _combine_improving(self.codes, pos[..., 0], letters[..., 0], util > self.current[:, None], util)
        merged_util, merged_grad = self.penalized(merged)
        better = merged_util > proposal
        proposal, chosen = np.where(better, merged_util, proposal), np.where(better[:, None], merged, chosen)
        if self.carry:
            chosen_grad = torch.where(torch.as_tensor(better, device=self.device)[:, None, None], merged_grad,
                                      chosen_grad)
        return proposal, chosen, chosen_grad

    def _metropolis(self, proposal, chosen, chosen_grad, temperature: float) -> None:
        """Accept each chain's candidate if it is better, or with probability exp(delta / temperature);
        update the chains' bests."""
        delta = proposal - self.current
        accept = (delta > 0) | (self.rng.random(len(delta)) < np.exp(np.minimum(delta, 0) / temperature))
        self.codes[accept] = chosen[accept]
        self.current[accept] = proposal[accept]
        if self.carry:
            accepted = torch.as_tensor(accept, device=self.device)
            self.grad[accepted] = chosen_grad[accepted]
        improved = self.current > self.best_util
        self.best_codes[improved], self.best_util[improved] = self.codes[improved], self.current[improved]


def _random_mutations(rng: np.random.Generator, free_positions: np.ndarray, codes: np.ndarray, a: int, m: int,
                      k: int) -> tuple[np.ndarray, np.ndarray]:
    """``m`` random mutants per chain of ``codes (N, L)``, each changing ``k`` distinct free positions to
    another letter. Returns positions and letters, both ``(N, M, K)`` int."""
    n = len(codes)
    if k == 1:
        pos = free_positions[rng.integers(0, len(free_positions), size=(n, m))][..., None]
    else:
        k = min(k, len(free_positions))
        pos = free_positions[np.argsort(rng.random((n, m, len(free_positions))), axis=2)[..., :k]]
    letters = (codes[np.arange(n)[:, None, None], pos] + rng.integers(1, a, size=pos.shape)) % a
    return pos, letters


def _combine_improving(codes: np.ndarray, pos: np.ndarray, letters: np.ndarray, improving: np.ndarray,
                       util: np.ndarray) -> np.ndarray:
    """``codes (N, L)`` with every improving single-letter mutant of its chain applied at once.

    ``pos``, ``letters``, ``improving`` and ``util`` are ``(N, M)``: the mutants' positions and letters, whether
    each beat the current sequence, and their utilities; of two improving mutants at one position the
    better is applied. Returns ``(N, L)`` uint8 codes (a chain without an improving mutant is unchanged).
    """
    order = np.argsort(-util, axis=1, kind="stable")
    pos, letters, improving = (np.take_along_axis(a, order, 1) for a in (pos, letters, improving))
    m = pos.shape[1]
    earlier = np.tril(np.ones((m, m), bool), -1)  # earlier[j, i]: mutant i ranks before mutant j
    taken = ((pos[:, :, None] == pos[:, None, :]) & improving[:, None, :] & earlier).any(2)  # (N, M)
    keep = improving & ~taken
    merged = codes.copy()
    for j in range(m):  # M is small (the proposals); each pass sets one mutant of every chain
        rows = np.flatnonzero(keep[:, j])
        merged[rows, pos[rows, j]] = letters[rows, j]
    return merged


def _penalized_with_gradient(objectives, constraints, penalty_weight: float, codes: np.ndarray, device,
                             batch: int | None = None):
    """Penalized utility of ``codes (K, L)`` and its gradient at the one-hot sequences, one forward and
    backward pass per sequence. Returns utility ``(K,)`` numpy and gradient ``(K, A, L)`` on the device."""
    a = constraints.alphabet.size
    batch = batch or objectives.batch_rows(codes.shape[-1], device, gradient=True)
    utils, grads = [], []
    for start in range(0, len(codes), batch):
        x = one_hot(torch.as_tensor(codes[start:start + batch], device=device), a).float().requires_grad_(True)
        util, _ = objectives(x)
        total = util.float() - penalty_weight * constraints.penalty(x)
        (grad,) = torch.autograd.grad(total.sum(), x)  # the input's gradient only
        utils.append(total.detach())
        grads.append(grad)
    return torch.cat(utils).cpu().numpy(), torch.cat(grads)


def _guided_mutations(grad: torch.Tensor, constraints, settings, codes: np.ndarray, generator):
    """Single-letter mutants of ``codes (N, L)`` drawn by the gradient's estimate of their gain.

    The estimate of changing position ``l`` to letter ``b`` is ``g[b, l] - g[x_l, l]``, with ``grad (N, A, L)``
    the gradient of the penalized utility at the one-hot sequence. ``proposals`` distinct changes per chain are
    drawn by Gumbel-top-k on the estimate divided by ``guide_temperature`` times its spread over the chain's
    changes (fixed positions and the current letters excluded). With ``mutations`` K > 1, the Gumbel keys are
    maxed over the letters of each position first, so that each mutant takes the K best-keyed positions of its
    own, each with its best-keyed letter. Returns positions and letters, both ``(N, M, K)`` int.
    """
    a, m, device = constraints.alphabet.size, settings.proposals, grad.device
    x = one_hot(torch.as_tensor(codes, device=device), a).float()  # (N, A, L)
    with torch.no_grad():
        gain = grad - (grad * x).sum(1, keepdim=True)  # (N, A, L): first-order change of the utility
        allowed = (x == 0) & torch.as_tensor(constraints.free, device=device)
        spread = gain.masked_fill(~allowed, float("nan")).flatten(1)
        spread = (spread - spread.nanmean(1, keepdim=True)).pow(2).nanmean(1).sqrt().clamp_min(1e-8)  # (N,)
        keys = gain / (settings.guide_temperature * spread[:, None, None] + 1e-12)
        if settings.guide_temperature > 0:
            u = torch.rand(keys.shape, generator=generator, device=device).clamp(1e-10, 1 - 1e-10)
            keys = keys - torch.log(-torch.log(u))  # Gumbel-top-k: k draws without replacement
        keys = keys.masked_fill(~allowed, -float("inf"))  # (N, A, L)
        if settings.mutations > 1:
            return _multi_site(keys, m, settings.mutations)
        keys = keys.flatten(1)  # (N, A * L)
        k = min(m, int(allowed[0].sum()))
        top = keys.topk(k, dim=1).indices.cpu().numpy()
    if k < m:  # fewer changes than proposals: repeat the drawn ones
        top = np.concatenate([top] * (-(-m // k)), axis=1)[:, :m]
    length = constraints.length
    return (top % length)[..., None], (top // length)[..., None]


def _multi_site(keys: torch.Tensor, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``m`` mutants of ``k`` changes each from the keys ``(N, A, L)`` (``-inf``: not allowed): the
    ``m * k`` best-keyed positions, ``k`` to a mutant in rank order, each with its best-keyed letter
    (positions repeated when there are too few). Returns positions and letters, both ``(N, M, K)`` int."""
    best, letter = keys.max(1)  # (N, L)
    usable = int(torch.isfinite(best[0]).sum())
    k = min(k, usable)
    order = best.topk(min(m * k, usable), dim=1).indices  # (N, <= M * K)
    if order.shape[1] < m * k:
        order = order.repeat(1, -(-m * k // order.shape[1]))[:, :m * k]
    pos = order.view(-1, m, k)
    return pos.cpu().numpy(), letter.gather(1, order).view(-1, m, k).cpu().numpy()

