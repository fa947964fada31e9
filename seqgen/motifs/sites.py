"""Motif sites in sequences: FIMO (memelite) for DNA/RNA, exact score distributions for proteins; which motifs
cannot reach the site threshold; sites numbered by a focus sequence's residues."""
from __future__ import annotations

import numpy as np
import pandas as pd

from seqgen.alphabets import PAD
from seqgen.motifs.pwm import Motif
from seqgen.motifs.windows import window_scores
from seqgen.settings import SITE_P

SITE_COLUMNS = ["motif", "sequence", "index", "start", "end", "strand", "score", "p_value"]


def best_site_p(motif: Motif) -> float:
    """The smallest p-value a window can reach for ``motif`` under the scan's uniform background: the chance that a
    random window has a best letter at every column. A motif whose best p-value is above the scan's threshold has no
    site anywhere (a 6-wide DNA motif: 4^-6 = 2.4e-4 > 1e-4)."""
    ties = (motif.pwm >= motif.pwm.max(0, keepdims=True) - 1e-12).sum(0)  # best letters per column
    return float(np.prod(ties / motif.alphabet.size))


def unreachable_note(motifs: list[Motif], threshold: float) -> str | None:
    """A sentence naming the motifs that cannot have a site at p < ``threshold`` (None when every one can)."""
    short = [m for m in motifs if best_site_p(m) >= threshold]
    if not short:
        return None
    named = ", ".join(f"{m.name} ({m.consensus}, best p {best_site_p(m):.2g})" for m in short)
    return (f"{named} cannot reach p < {threshold:g} at any window (too short or too degenerate), so no sites of "
            f"{'it' if len(short) == 1 else 'them'} are listed; a larger site p-value threshold (--site-p, the "
            f"workflow's motifs.site_p) lists them")


def scan(motifs: list[Motif], codes: np.ndarray, ids=None, threshold: float = SITE_P) -> pd.DataFrame:
    """Motif sites in sequences, by FIMO (memelite) for DNA/RNA; for proteins by :func:`scan_exact` (memelite's
    FIMO scores against a background of 0.25 a letter, which is right for 4 letters only). Sites reach no further
    than each sequence's own end (not into the padding of a shorter one).

    Parameters
    ----------
    motifs : list of Motif (one alphabet)
    codes : (N, L) uint8 codes.
    ids : (N,) sequence names (default: indices).
    threshold : float
        Site p-value threshold.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SITE_COLUMNS`; ``start``/``end`` are 0-based, end exclusive.
    """
    from memelite import fimo

    from seqgen.data import one_hot

    if not motifs or len(codes) == 0:
        return pd.DataFrame(columns=SITE_COLUMNS)
    alphabet = motifs[0].alphabet
    codes = np.asarray(codes, dtype=np.uint8)
    names = np.asarray(ids if ids is not None else np.arange(len(codes))).astype(str)
    if alphabet.size != 4:
        return scan_exact(motifs, codes, names, threshold)
    x = one_hot(codes, alphabet.size)
    named = {m.name: np.ascontiguousarray(m.pwm) for m in motifs}
    hits = fimo(named, x, alphabet=list(alphabet.letters), threshold=threshold,
                reverse_complement=alphabet.double_stranded)
    hits = [h for h in hits if len(h)]
    if not hits:
        return pd.DataFrame(columns=SITE_COLUMNS)
    table = pd.concat(hits, ignore_index=True)
    index = table["sequence_name"].to_numpy(dtype=np.int64)
    table = table[table["end"].to_numpy() <= (codes != PAD).sum(1)[index]]  # not into the padding
    index = table["sequence_name"].to_numpy(dtype=np.int64)
    name = table["motif_name"]  # a motif's own name stays whole; NAME-rc (memelite's reverse strand) is NAME
    motif = name.where(name.isin({m.name for m in motifs}), name.str.replace(r"-rc$", "", regex=True))
    out = pd.DataFrame({"motif": motif, "sequence": names[index],
                        "index": index, "start": table["start"].astype(int), "end": table["end"].astype(int),
                        "strand": table["strand"], "score": table["score"], "p_value": table["p-value"]})
    return out.sort_values(["index", "start", "p_value"], kind="stable").reset_index(drop=True)


def score_tail(lo: np.ndarray, background: np.ndarray, bin_size: float = 0.1) -> tuple[np.ndarray, int, np.ndarray]:
    """Exact p-values of a log-odds matrix's window scores under a background, as FIMO computes them.

    Parameters
    ----------
    lo : (A, W) log-odds in bits; background : (A,) letter probabilities.

    Returns
    -------
    binned : (A, W) int64 scores in units of ``bin_size``
    lowest : int, the lowest window score (binned)
    tail : (S,) P(score >= lowest + i) for a background window
    """
    binned = np.round(lo / bin_size).astype(np.int64)
    shift = binned - binned.min(0)
    dist = np.ones(1)
    for column in shift.T:  # W columns, A letters each: the score distribution, one column at a time
        new = np.zeros(len(dist) + int(column.max()))
        for letter, step in enumerate(column):
            new[step: step + len(dist)] += background[letter] * dist
        dist = new
    return binned, int(binned.min(0).sum()), np.cumsum(dist[::-1])[::-1]


def scan_exact(motifs: list[Motif], codes: np.ndarray, names: np.ndarray, threshold: float = SITE_P,
               eps: float = 1e-4, bin_size: float = 0.1) -> pd.DataFrame:
    """Forward-strand sites of ``(N, L)`` codes with an exact p-value below ``threshold`` under a uniform
    background of the motifs' alphabet (scores in bits, as FIMO: log2(p + eps) - log2(1 / A)); windows that
    reach into padding are not scanned."""
    size = motifs[0].alphabet.size
    background = np.full(size, 1.0 / size)
    parts = []
    for m in motifs:
        lo = np.log2(m.pwm + eps) - np.log2(background)[:, None]
        binned, lowest, tail = score_tail(lo, background, bin_size)
        score = window_scores(codes, binned.astype(np.float64))  # (N, P) binned; -inf touching padding
        p = np.ones_like(score)
        ok = np.isfinite(score)
        p[ok] = tail[score[ok].astype(np.int64) - lowest]
        seq, start = np.nonzero(p < threshold)
        parts.append(pd.DataFrame({"motif": m.name, "sequence": names[seq], "index": seq, "start": start,
                                   "end": start + m.width, "strand": "+", "score": score[seq, start] * bin_size,
                                   "p_value": p[seq, start]}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SITE_COLUMNS)
    return out[SITE_COLUMNS].sort_values(["index", "start", "p_value"], kind="stable").reset_index(drop=True)


def number_sites(sites: pd.DataFrame, residue_numbers=None) -> pd.DataFrame:
    """``sites`` (:func:`scan`'s table, columns of an alignment) with ``focus_start`` and ``focus_end``: the focus
    sequence's residue numbers at the site's first and last column (empty where the focus has a gap there), so a
    protein family's motif reads as residues 69-79, not as columns. Unchanged without ``residue_numbers``."""
    if residue_numbers is None:
        return sites
    numbers = pd.array(np.asarray(residue_numbers, dtype=np.int64), dtype="Int64")
    numbers[np.asarray(residue_numbers) < 0] = pd.NA
    starts, ends = sites["start"].to_numpy(np.int64), sites["end"].to_numpy(np.int64) - 1
    return sites.assign(focus_start=numbers[starts], focus_end=numbers[ends])
