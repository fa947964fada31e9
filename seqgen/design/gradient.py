"""The gradient design methods (``softmax``, ``fast-seqprop``, ``latent``): Adam on relaxed sequences or latent codes.

:func:`gradient_chains` runs ``settings.n`` chains of one method (see :mod:`seqgen.design.run` for the methods, the
settings and the stopping rules) and returns each chain's best discrete sequence; the parametrizations themselves
are in :mod:`seqgen.design.parametrize`.
"""
from __future__ import annotations

import numpy as np
import torch

from seqgen.alphabets import PAD
from seqgen.design.objectives import ObjectiveSet
from seqgen.design.parametrize import FastSeqProp, FixedPositions, LatentParam, SoftmaxParam
from seqgen.errors import SeqgenError


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


def gradient_chains(objectives, constraints, settings, device, generator, decoder, latent_dim, callback, tracker):
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


def _entropy(probs: torch.Tensor) -> torch.Tensor:
    """``probs (N, A, L)`` -> ``(N, L)`` entropy (nats) of each position's letter distribution."""
    return -(probs * torch.log(probs.clamp_min(1e-9))).sum(1)
