"""Simulated annealing of discrete sequences: the ``anneal`` method of design, and the ``polish`` of a gradient
method's results.

:func:`anneal_chains` runs ``settings.n`` chains (see :mod:`seqgen.design.run` for the method, its settings and the
stopping rules); :class:`_Chains` holds their state and takes one Metropolis step of all of them, from random or
gradient-guided single- or multi-letter mutants.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from seqgen.data import one_hot
from seqgen.design.constraints import Constraints
from seqgen.errors import SeqgenError

if TYPE_CHECKING:
    from seqgen.design.run import DesignSettings


def _start_codes(rng: np.random.Generator, constraints: Constraints, k: int) -> np.ndarray:
    """``(k, L)`` uint8 starting sequences of annealing: random (or ``constraints.start``), fixed letters set."""
    codes = rng.integers(0, constraints.alphabet.size, size=(k, constraints.length)).astype(np.uint8)
    if constraints.start is not None:
        codes[:] = np.broadcast_to(constraints.start, codes.shape)
    codes[:, ~constraints.free] = constraints.fixed[~constraints.free]
    return codes


def anneal_chains(objectives, constraints, settings, device, generator, callback, tracker, init=None):
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
        from seqgen.design.run import score_codes  # here: run imports this module

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
