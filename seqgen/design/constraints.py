"""Design constraints: soft penalties while optimizing, hard repair and checks at the end.

Constraints users of PBMs and synthesis need: fixed positions (a constant
linker, primers), a GC-content window, forbidden k-mers (restriction sites;
both strands for DNA), a maximum homopolymer length, and a maximum number of
edits from a starting sequence. During gradient design they act as
differentiable penalties on the letter probabilities ``(N, A, L)``; at the end
:meth:`Constraints.enforce` repairs every output so that the hard constraints
hold, and :meth:`Constraints.check` verifies them (outputs that cannot be
repaired are dropped by the caller, never written).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from Bio.Data.IUPACData import ambiguous_dna_values, ambiguous_rna_values

from seqgen.alphabets import PAD, Alphabet, decode, encode, get_alphabet, kmer_index, reverse_complement
from seqgen.errors import SeqgenError
from seqgen.settings import LONG_RUN


#: the most k-mers one forbidden pattern with IUPAC codes may stand for (GANTC, HinfI's site, stands for 4)
MAX_FORBIDDEN_VARIANTS = 4096


def concrete_kmers(pattern: str, alphabet: Alphabet) -> list[str]:
    """Every k-mer a forbidden ``pattern`` stands for: DNA/RNA IUPAC codes (N, R, Y, W, S...) expanded with
    Biopython's table (``GANTC`` -> GAATC, GACTC, GAGTC, GATTC); in a protein pattern X is any amino acid (``NXT``,
    the N-glycosylation sequon's one form, stands for 20), as in ``--fixed``."""
    if alphabet.is_nucleic:
        table = ambiguous_rna_values if alphabet.name == "rna" else ambiguous_dna_values
    else:
        table = {"X": "".join(letter for letter in alphabet.letters if letter != "-")}
    for position, letter in enumerate(pattern, 1):  # named in the pattern as given, not in one of its k-mers
        if letter not in table and letter not in alphabet.letters:
            codes = "IUPAC codes" if alphabet.is_nucleic else "X"
            raise SeqgenError(f"forbidden k-mer {pattern!r}: {letter!r} at position {position} is not a letter of the "
                              f"{alphabet.name} alphabet, nor one of its {codes}")
    choices = [table.get(letter, letter) for letter in pattern]
    count = math.prod(len(c) for c in choices)
    if count > MAX_FORBIDDEN_VARIANTS:
        raise SeqgenError(f"forbidden k-mer {pattern!r} stands for {count} k-mers, more than the "
                          f"{MAX_FORBIDDEN_VARIANTS} allowed: give fewer ambiguity codes")
    return ["".join(letters) for letters in itertools.product(*choices)]


def free_letters(alphabet: Alphabet) -> str:
    """Letters that mark a free position in a --fixed pattern: '.', and N for DNA/RNA or X for proteins (N is
    asparagine there, so it pins a letter like any other amino acid)."""
    return ".N" if alphabet.is_nucleic else ".X"


@dataclass
class Constraints:
    """Hard constraints on designed sequences of length ``L``.

    Attributes
    ----------
    fixed : np.ndarray
        ``(L,)`` uint8: a letter code where the position is fixed, PAD where free.
    gc : tuple of float or None
        Allowed GC fraction ``(low, high)`` (nucleic acids).
    forbidden : list of str
        Forbidden k-mers (for DNA/RNA their reverse complements too).
    max_homopolymer : int or None
        Longest allowed run of one letter.
    max_edits : int or None
        Most positions that may differ from ``start``.
    start : np.ndarray or None
        ``(L,)`` uint8 starting sequence (needed by ``max_edits``): one for every design, since designs are
        repaired, deduplicated and sorted apart from the chains that made them.
    suffix : np.ndarray or None
        ``(S,)`` uint8: a constant region that follows every design (a PBM linker); forbidden k-mers and runs
        that start in the design and reach into it count too.
    """

    alphabet: Alphabet
    length: int
    fixed: np.ndarray | None = None
    gc: tuple[float, float] | None = None
    forbidden: list[str] = field(default_factory=list)
    max_homopolymer: int | None = None
    max_edits: int | None = None
    start: np.ndarray | None = None
    suffix: np.ndarray | None = None

    def __post_init__(self):
        self.alphabet = get_alphabet(self.alphabet)
        if self.fixed is None:
            self.fixed = np.full(self.length, PAD, dtype=np.uint8)
        if self.gc is not None:
            if not self.alphabet.is_nucleic:
                raise SeqgenError("a GC window (--gc-min, --gc-max) applies to DNA or RNA only")
            low, high = self.gc
            if not 0 <= low <= high <= 1:
                raise SeqgenError(f"GC window (--gc-min, --gc-max) must satisfy 0 <= low <= high <= 1, not {self.gc}")
        if self.max_homopolymer is not None and self.max_homopolymer < 1:
            raise SeqgenError(f"max homopolymer (--max-homopolymer) must be at least 1, not {self.max_homopolymer}")
        if self.max_edits is not None and self.start is None:
            raise SeqgenError("max edits (--max-edits) needs a starting sequence (--start)")
        if self.start is not None and self.max_edits is None:
            raise SeqgenError("a starting sequence (--start) needs max edits (--max-edits: how many positions may "
                              "differ from it)")
        if self.max_edits is not None and self.max_edits < 0:
            raise SeqgenError(f"max edits (--max-edits) must be 0 or more, not {self.max_edits}")
        if self.start is not None:
            self.start = np.asarray(self.start, dtype=np.uint8)
            if self.start.shape != (self.length,):
                raise SeqgenError(f"the starting sequence must be one sequence of length {self.length}, not an array "
                                  f"of shape {self.start.shape}")
        fixed_edits = int(self._fixed_edits().max(initial=0))
        if self.max_edits is not None and self.max_edits < fixed_edits:
            raise SeqgenError(f"the fixed letters differ from the starting sequence at {fixed_edits} positions, more "
                              f"than the {self.max_edits} edits allowed")
        self._forbidden_codes = self._expand_forbidden()
        self._check_gc_reachable()

    # ------------------------------------------------------------ construction
    @classmethod
    def from_options(cls, alphabet, length: int, fixed: str | None = None, gc_min: float | None = None,
                     gc_max: float | None = None, forbidden=(), max_homopolymer: int | None = None,
                     max_edits: int | None = None, start: str | None = None,
                     linker: str | None = None) -> "Constraints":
        """Build from command-line style options (``fixed`` is a pattern with :func:`free_letters` at free
        positions)."""
        alphabet = get_alphabet(alphabet)
        fixed_codes = None
        if fixed:
            if len(fixed) != length:
                raise SeqgenError(f"--fixed pattern has length {len(fixed)}, but the sequences have length {length}")
            fixed_codes = np.full(length, PAD, dtype=np.uint8)
            pinned = [i for i, c in enumerate(fixed.upper()) if c not in free_letters(alphabet)]
            if pinned:
                try:
                    fixed_codes[pinned] = encode(["".join(fixed[i] for i in pinned)], alphabet)[0]
                except ValueError:  # name the letter where it stands in the pattern, not among the pinned ones
                    bad = next(i for i in pinned if fixed[i].upper() not in alphabet.letters)
                    raise SeqgenError(f"--fixed {fixed!r}: {fixed[bad]!r} at position {bad + 1} is not a letter of "
                                      f"the {alphabet.name} alphabet, nor a free position "
                                      f"({' or '.join(free_letters(alphabet))})") from None
        gc = None
        if gc_min is not None or gc_max is not None:
            gc = (0.0 if gc_min is None else gc_min, 1.0 if gc_max is None else gc_max)
        start_codes = None
        if start:
            if len(start) != length:
                raise SeqgenError(f"--start has length {len(start)}, but the sequences have length {length}")
            start_codes = _encode_or_fail(start, alphabet, "--start")
        suffix = _encode_or_fail(linker.upper(), alphabet, "--linker") if linker else None
        made = cls(alphabet, length, fixed_codes, gc, [k.upper() for k in forbidden], max_homopolymer, max_edits,
                   start_codes, suffix)
        made.check_pinned()
        return made

    def _expand_forbidden(self) -> dict[int, np.ndarray]:
        """Forbidden k-mers as integer hashes, grouped by k (both strands for nucleic acids)."""
        groups: dict[int, set] = {}
        for kmer in self.forbidden:
            if not kmer:
                raise SeqgenError("a forbidden k-mer is empty")
            room = self.length + (0 if self.suffix is None else len(self.suffix))
            if len(kmer) > room:
                raise SeqgenError(f"forbidden k-mer {kmer!r} is longer than the {room} letters of a design"
                                  f"{' and its linker' if self.suffix is not None else ''}: it can never occur")
            groups.setdefault(len(kmer), set()).update(self._pattern_hashes(kmer).tolist())
        return {k: np.array(sorted(v), dtype=np.int64) for k, v in groups.items()}

    def _pattern_hashes(self, pattern: str) -> np.ndarray:
        """``(V,)`` int64: the :func:`kmer_index` hashes of every k-mer ``pattern`` stands for (and, for
        double-stranded alphabets, of their reverse complements)."""
        codes = np.stack([_encode_or_fail(k, self.alphabet, "forbidden k-mer") for k in
                          concrete_kmers(pattern, self.alphabet)])  # (V, k)
        if self.alphabet.double_stranded:
            codes = np.concatenate([codes, reverse_complement(codes, self.alphabet)])
        return kmer_index(codes, len(pattern), self.alphabet.size)[:, 0]

    def check_pinned(self) -> None:
        """Refuse fixed letters or a suffix (linker) that break a constraint by themselves: a forbidden k-mer or a
        long run lying wholly in letters no design may change (the fixed positions and the linker after them).
        No design could repair that; the error names the k-mer and where it lies."""
        full = self._with_suffix(self.fixed[None])[0]  # (L + S,): PAD at free positions
        kmers = [hit for hit in (self._pinned_kmer(p, full) for p in self.forbidden) if hit]
        run = self._pinned_run(full)
        if not kmers and run is None:
            return
        starts = [at for at, _ in kmers] + ([] if run is None else [run])
        in_linker = min(starts) >= self.length
        what = []
        if kmers:
            what.append(f"a forbidden k-mer ({'; '.join(self._where(at, text, in_linker) for at, text in kmers)})")
        if run is not None:
            what.append(f"a run longer than {self.max_homopolymer}")
        broken = " and ".join(what)
        if in_linker:
            raise SeqgenError(f"the linker itself holds {broken}, so every probe would break the constraint: change "
                              f"the linker or the constraint")
        pinned = "the fixed letters" + (" and the linker" if self.suffix is not None else "")
        raise SeqgenError(f"{pinned} hold {broken}, so every design would break the constraint: change --fixed "
                          f"or the constraint")

    def _pinned_kmer(self, pattern: str, full: np.ndarray) -> tuple[int, str] | None:
        """Where a k-mer that ``pattern`` stands for (either strand) first lies wholly in the pinned letters
        ``full`` ``(L + S,)``, and the text naming it: ``(6, 'CGGAAC as GTTCCG')``; None where it does not."""
        if len(pattern) > len(full):
            return None
        hits = np.isin(kmer_index(full[None], len(pattern), self.alphabet.size)[0], self._pattern_hashes(pattern))
        if not hits.any():
            return None
        at = int(hits.argmax())
        word = decode(full[None, at: at + len(pattern)], self.alphabet)[0]
        return at, f"{pattern}{'' if word == pattern else f' as {word}'}"

    def _pinned_run(self, full: np.ndarray) -> int | None:
        """Where a run longer than the maximum first lies wholly in the pinned letters ``full`` ``(L + S,)``."""
        if self.max_homopolymer is None or self.max_homopolymer + 1 > len(full):
            return None
        windows = np.lib.stride_tricks.sliding_window_view(full, self.max_homopolymer + 1)
        runs = (windows == windows[:, :1]).all(1) & (windows[:, 0] != PAD)
        return int(runs.argmax()) if runs.any() else None

    def _where(self, at: int, text: str, in_linker: bool) -> str:
        """'GTTCCG at position 7', 1-based in the linker when everything found lies there, else in the design (a
        position past its end is given as the linker's)."""
        if in_linker:
            return f"{text} at position {at - self.length + 1}"
        if at >= self.length:
            return f"{text} at position {at - self.length + 1} of the linker"
        return f"{text} at position {at + 1}"

    def _check_gc_reachable(self) -> None:
        """Refuse a GC window that no sequence of ``length`` letters can meet: one holding no whole number of G and
        C (50% of 35 letters), or one the fixed letters keep out of reach; no candidate could be repaired."""
        if self.gc is None:
            return
        low, high = _gc_counts(self.gc, self.length)
        if low > high:
            raise SeqgenError(f"GC window {self.gc[0]:g}-{self.gc[1]:g}: no sequence of {self.length} letters has a "
                              f"GC fraction in it (a whole number of G and C); widen the window")
        letters = self.alphabet.letters
        pinned = self.fixed[~self.free]
        fixed_gc = int(np.isin(pinned, [letters.index("C"), letters.index("G")]).sum())
        most = fixed_gc + int(self.free.sum())
        if most < low or fixed_gc > high:
            raise SeqgenError(f"GC window {self.gc[0]:g}-{self.gc[1]:g} cannot be met: with the fixed letters a "
                              f"sequence of {self.length} holds {fixed_gc}-{most} G and C, the window "
                              f"{low}-{high}; widen it or fix fewer letters")

    def _fixed_edits(self) -> np.ndarray:
        """``(N,)`` or ``(1,)``: fixed positions whose letter differs from the start (edits no repair can undo)."""
        if self.start is None:
            return np.zeros(1, dtype=int)
        start = np.atleast_2d(self.start)
        pinned = ~self.free
        return (start[:, pinned] != self.fixed[pinned]).sum(1)

    @property
    def free(self) -> np.ndarray:
        """``(L,)`` bool, True where the position may change."""
        return self.fixed == PAD

    # ------------------------------------------------------------ checks
    def check(self, codes: np.ndarray) -> dict[str, np.ndarray]:
        """Which sequences satisfy each constraint: ``{name: (N,) bool}`` (only the constraints in use)."""
        codes = np.asarray(codes, dtype=np.uint8)
        out = {}
        if not self.free.all():
            out["fixed"] = (codes[:, ~self.free] == self.fixed[~self.free]).all(1)
        if self.gc is not None:
            gc = self.gc_fraction(codes)
            out["gc"] = (gc >= self.gc[0] - 1e-9) & (gc <= self.gc[1] + 1e-9)
        if self._forbidden_codes:
            out["forbidden"] = ~self._forbidden_hits(codes).any(1)
        if self.max_homopolymer is not None:
            out["homopolymer"] = ~self._homopolymer_hits(codes).any(1)
        if self.max_edits is not None:
            out["edits"] = self.edits(codes) <= self.max_edits
        return out

    def satisfied(self, codes: np.ndarray, checks: dict | None = None) -> np.ndarray:
        """``(N,)`` bool: every constraint holds (``checks``: :meth:`check` of ``codes``, when already made)."""
        ok = np.ones(len(codes), dtype=bool)
        for v in (self.check(codes) if checks is None else checks).values():
            ok &= v
        return ok

    def gc_fraction(self, codes: np.ndarray) -> np.ndarray:
        """``(N,)`` fraction of C and G (nucleic acids)."""
        c, g = self.alphabet.letters.index("C"), self.alphabet.letters.index("G")
        return ((codes == c) | (codes == g)).mean(1)

    def edits(self, codes: np.ndarray) -> np.ndarray:
        """``(N,)`` number of positions differing from the start."""
        return (codes != np.broadcast_to(self.start, codes.shape)).sum(1)

    def _with_suffix(self, codes: np.ndarray) -> np.ndarray:
        """``(N, L + S)``: the designs followed by the constant suffix (``(N, L)`` unchanged without one)."""
        if self.suffix is None:
            return codes
        return np.concatenate([codes, np.broadcast_to(self.suffix, (len(codes), len(self.suffix)))], axis=1)

    def _forbidden_hits(self, codes: np.ndarray) -> np.ndarray:
        """``(N, L)`` bool: a forbidden k-mer starts here (it may reach into the suffix)."""
        full = self._with_suffix(codes)
        hits = np.zeros(full.shape, dtype=bool)
        for k, hashes in self._forbidden_codes.items():
            if k <= full.shape[1]:
                hits[:, : full.shape[1] - k + 1] |= np.isin(kmer_index(full, k, self.alphabet.size), hashes)
        return hits[:, : codes.shape[1]]

    def _homopolymer_hits(self, codes: np.ndarray) -> np.ndarray:
        """``(N, L)`` bool: a run longer than the maximum starts here (it may reach into the suffix)."""
        full = self._with_suffix(codes)
        width = self.max_homopolymer + 1
        hits = np.zeros(full.shape, dtype=bool)
        if width <= full.shape[1]:
            windows = np.lib.stride_tricks.sliding_window_view(full, width, axis=1)
            hits[:, : full.shape[1] - width + 1] = (windows == windows[..., :1]).all(-1)
        return hits[:, : codes.shape[1]]

    # ------------------------------------------------------------ repair
    def enforce(self, codes: np.ndarray, rng: np.random.Generator, rounds: int = 200) -> np.ndarray:
        """Repair ``(N, L)`` codes so the hard constraints hold (where possible); returns new codes.

        Each round fixes, for every sequence at once, one violation of each kind
        by a random change at a free position; rounds repeat until all hold.
        """
        codes = np.array(codes, dtype=np.uint8)
        codes[:, ~self.free] = self.fixed[~self.free]
        for _ in range(rounds):
            if self.satisfied(codes).all():
                break
            if self.max_edits is not None:
                self._revert_edits(codes, rng)
            if self._forbidden_codes:
                self._mutate_first(codes, self._forbidden_hits(codes), max(self._forbidden_codes), rng)
            if self.max_homopolymer is not None:
                self._mutate_first(codes, self._homopolymer_hits(codes), self.max_homopolymer + 1, rng)
            if self.gc is not None:
                self._repair_gc(codes, rng)
        return codes

    def _mutate_first(self, codes, hits, width, rng) -> None:
        """Change one free position in the first violating window of each sequence."""
        rows = np.flatnonzero(hits.any(1))
        if not len(rows):
            return
        start = hits[rows].argmax(1)
        pos = start[:, None] + np.arange(width)
        valid = (pos < codes.shape[1]) & self.free[np.minimum(pos, codes.shape[1] - 1)]
        keys = np.where(valid, rng.random(pos.shape), -1.0)
        choice = keys.argmax(1)
        ok = valid[np.arange(len(rows)), choice]
        rows, col = rows[ok], pos[np.arange(len(pos)), choice][ok]
        a = self.alphabet.size
        codes[rows, col] = (codes[rows, col] + rng.integers(1, a, size=len(rows))) % a

    def _revert_edits(self, codes, rng) -> None:
        """Revert random edits beyond the allowed number back to the start letters."""
        start = np.broadcast_to(self.start, codes.shape)
        edited = (codes != start) & self.free
        excess = (codes != start).sum(1) - self.max_edits  # edits at fixed positions count, but cannot be undone
        keys = np.where(edited, rng.random(codes.shape), np.inf)
        rank = keys.argsort(1).argsort(1)  # rank among edited positions (random order)
        revert = edited & (rank < np.maximum(excess, 0)[:, None])
        codes[revert] = start[revert]

    def _repair_gc(self, codes, rng) -> None:
        """Swap A/T for G/C (or back) at random free positions until the GC fraction is in the window."""
        letters = self.alphabet.letters
        at = np.array([letters.index("A"), letters.index(letters[3])])  # A and T (or U)
        gc = np.array([letters.index("C"), letters.index("G")])
        count = np.isin(codes, gc).sum(1)
        low, high = _gc_counts(self.gc, codes.shape[1])
        for need, source, target in ((low - count, at, gc), (count - high, gc, at)):
            movable = np.isin(codes, source) & self.free
            keys = np.where(movable, rng.random(codes.shape), np.inf)
            rank = keys.argsort(1).argsort(1)
            change = movable & (rank < np.maximum(need, 0)[:, None])
            codes[change] = target[rng.integers(0, 2, size=int(change.sum()))]

    # ------------------------------------------------------------ soft penalties
    def penalty(self, probs: torch.Tensor) -> torch.Tensor:
        """``(N,)`` differentiable penalty of letter probabilities ``probs: (N, A, L)`` (0 when satisfied)."""
        total = torch.zeros(probs.shape[0], device=probs.device)
        letters = self.alphabet.letters
        if self.gc is not None:
            gc = probs[:, [letters.index("C"), letters.index("G")]].sum(1).mean(1)
            total = total + 10 * (torch.relu(self.gc[0] - gc) ** 2 + torch.relu(gc - self.gc[1]) ** 2) * probs.shape[2]
        logp = torch.log(probs.clamp_min(1e-8))
        for k, hashes in self._forbidden_codes.items():
            for h in hashes:
                total = total + _expected_count(logp, _unhash(int(h), k, self.alphabet.size))
        if self.max_homopolymer is not None:
            width = self.max_homopolymer + 1
            for a in range(self.alphabet.size):
                total = total + _expected_count(logp, [a] * width)
        if self.max_edits is not None:
            start = torch.as_tensor(np.broadcast_to(self.start, (probs.shape[0], probs.shape[2])).astype(np.int64),
                                    device=probs.device)
            kept = probs.gather(1, start[:, None, :]).squeeze(1)
            total = total + torch.relu((1 - kept).sum(1) - self.max_edits)
        return total


def long_runs(codes: np.ndarray, alphabet, suffix: np.ndarray | None = None, limit: int = LONG_RUN) -> np.ndarray:
    """``(N,)`` bool: which ``(N, L)`` designs hold a run of one letter longer than ``limit`` (default
    :data:`~seqgen.settings.LONG_RUN`; also one that reaches into the constant ``suffix``, a linker)."""
    return ~Constraints(alphabet, codes.shape[1], max_homopolymer=limit, suffix=suffix).check(codes)["homopolymer"]


def longest_runs(codes: np.ndarray) -> np.ndarray:
    """``(N,)`` the longest run of one letter in each ``(N, L)`` uint8 sequence (padding is no letter)."""
    codes = np.asarray(codes)
    if codes.shape[1] < 2:
        return (codes != PAD).sum(1)
    same = (codes[:, 1:] == codes[:, :-1]) & (codes[:, 1:] != PAD)  # (N, L - 1): continues the run before it
    steps = np.arange(same.shape[1])
    last_break = np.maximum.accumulate(np.where(same, -1, steps), axis=1)  # the latest position that starts a run
    return np.where(same, steps - last_break, 0).max(1) + (codes != PAD).any(1)


#: ``--gc-min auto`` / ``--gc-max auto``: the GC fractions of the training sequences at these quantiles
GC_QUANTILES = (0.01, 0.99)


def data_gc_window(codes: np.ndarray, alphabet) -> tuple[float, float]:
    """The GC window designs keep to under ``auto``, from DNA/RNA training sequences ``(N, L)``: their GC fractions
    at :data:`GC_QUANTILES` (observed values). A predictor rates a composition it never saw by extrapolation: on
    the UniPROBE WT1 array, whose A/T-rich probes are bright, Fast SeqProp without a window designed A/T-only
    probes (mean GC 0.05) holding no WT1 site by the array's own 8-mer E-scores; within 1-99% of the probes' GC,
    99% of its designs held one. Where binding truly needs a composition the data lacks, the window costs it (EGR2
    and PAX3 on the 8-mer oracle benchmark: hits from 63-74% to 1-5%, while CRX, whose sites' GC lies inside the
    window, keeps 74-83%; ``benchmarks/RESULTS.md``), so it is no default."""
    from seqgen.metrics import gc_content

    gc = gc_content(codes, alphabet)
    return (float(np.quantile(gc, GC_QUANTILES[0], method="lower")),
            float(np.quantile(gc, GC_QUANTILES[1], method="higher")))


#: ``--max-homopolymer auto``: the longest run of one letter that this share of the training sequences stays within
RUN_QUANTILE = 0.99


def data_run_limit(codes: np.ndarray) -> int:
    """The longest run of one letter a design may hold, from training sequences ``(N, L)``: the
    :data:`RUN_QUANTILE` quantile of their longest runs, and never under :data:`~seqgen.settings.LONG_RUN` (PBM
    probes and ChIP-seq peaks: 6; promoters with poly(dA:dT) tracts: more)."""
    return max(LONG_RUN, int(np.quantile(longest_runs(codes), RUN_QUANTILE, method="higher")))


def _gc_counts(gc: tuple[float, float], length: int) -> tuple[int, int]:
    """The fewest and most G and C that a sequence of ``length`` letters may hold in the GC window ``gc``."""
    return int(np.ceil(gc[0] * length - 1e-9)), int(np.floor(gc[1] * length + 1e-9))


def _expected_count(logp: torch.Tensor, letters: list[int]) -> torch.Tensor:
    """``(N,)`` expected number of occurrences of the word ``letters`` under independent positions."""
    k, length = len(letters), logp.shape[2]
    if k > length:
        return torch.zeros(logp.shape[0], device=logp.device)
    log_word = sum(logp[:, c, j: length - k + 1 + j] for j, c in enumerate(letters))
    return log_word.exp().sum(1)


def _unhash(h: int, k: int, base: int) -> list[int]:
    """The letters of a k-mer hash (inverse of :func:`seqgen.alphabets.kmer_index`)."""
    return [(h // base ** (k - 1 - j)) % base for j in range(k)]


def _encode_or_fail(text: str, alphabet: Alphabet, what: str) -> np.ndarray:
    """``(len(text),)`` codes of ``text``; a letter outside ``alphabet`` is an error naming ``what``."""
    try:
        return encode([text], alphabet)[0]
    except ValueError as exc:
        raise SeqgenError(f"{what} {text!r}: {str(exc).removeprefix('sequence 0: ')}") from None
