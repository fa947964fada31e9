"""Running a design: optimize a batch of candidates, then repair, check, deduplicate and score them.

Methods
-------
Each method's chains are run by the module named beside it: :mod:`seqgen.design.gradient` (``gradient_chains``)
or :mod:`seqgen.design.anneal` (``anneal_chains``, which also runs the ``polish``). This module holds the
settings and the result, sets a run up, runs the polish after a gradient phase, and repairs, deduplicates and
scores the designs (:func:`finalize`).

``softmax``       (``gradient.py``) free logits, softmax relaxation, Adam; the result of each chain is its argmax
                  at the step of its best relaxed utility.
``fast-seqprop``  (``gradient.py``) instance-normalized logits, sampled one-hot forward, straight-through
                  gradient, Adam; the result of each chain is the best sampled sequence seen (its score is known
                  for free).
``latent``        (``gradient.py``) Adam on a generator's latent codes (with an optional N(0, I) prior penalty);
                  the argmax at the step of each chain's best relaxed utility.
``anneal``        (``anneal.py``) simulated annealing on discrete sequences: each step scores ``proposals``
                  single-letter mutants per chain and accepts the best by the Metropolis rule. The mutants are
                  drawn at random (the gradient-free baseline), or, with ``guided``, ranked by the predictor's
                  gradient at the current sequence (a first-order estimate of every single-letter change, as
                  HotFlip, Ebrahimi et al. 2018), ``proposals`` of them drawn by Gumbel-top-k on that estimate: far
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

from seqgen.data import one_hot
from seqgen.design.anneal import anneal_chains
from seqgen.design.constraints import Constraints
from seqgen.design.gradient import gradient_chains
from seqgen.design.objectives import ObjectiveSet
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
        codes, trajectory = anneal_chains(objectives, constraints, settings, device, generator, callback, tracker)
    else:
        codes, trajectory, own = gradient_chains(objectives, constraints, settings, device, generator,
                                                 decoder, latent_dim, callback, tracker)
    tracker.bar.close()
    calls = len(trajectory) * settings.calls_per_step
    if settings.polish and settings.method != "anneal" and not plateau.reached:
        polish = replace(settings, method="anneal", steps=settings.polish, restart=0, patience=0)
        offset = len(trajectory), calls
        shifted = None if callback is None else (
            lambda step, c, codes_: callback(offset[0] + step, offset[1] + c, codes_))
        polish_tracker = _Progress(polish, plateau, calls)
        codes, more = anneal_chains(objectives, constraints, polish, device, generator, shifted, polish_tracker,
                                    codes)
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
