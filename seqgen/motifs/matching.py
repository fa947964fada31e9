"""Motifs against JASPAR: Tomtom (memelite), the column-shuffle order test, and the rules that decide when a match
is named (:data:`MATCH_Q`, :data:`MIN_MATCH_BITS`, :data:`ORDER_P`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from seqgen.motifs.pwm import Motif, information_content
from seqgen.stats import bh_qvalues

#: a JASPAR match is named as the motif's match (drawn under its logo, in summaries) only at q <= MATCH_Q
MATCH_Q = 0.05
#: ... and only for a motif of at least MIN_MATCH_BITS bits in all (two fully specified DNA letters): Tomtom's
#: p-values are conditional on the query, and a near-flat query (whose columns all score alike against every target
#: column) gets tiny ones against long, low-information JASPAR matrices (a flat 8-column motif: CTCF or GATA1::TAL1
#: at q < 1e-10)
MIN_MATCH_BITS = 4.0
#: a named match is marked weak evidence when column-shuffled copies of the motif match JASPAR as well in more than
#: ORDER_P of ORDER_COPIES cases (:func:`order_p_values`): then the match rests on the motif's letters, not on their
#: order. Random motifs of 4-10 bits get a best match at q <= 0.05 in 10-52% of cases, mostly long, low-information
#: matrices; 2.5-6% get one that passes this test, at every information content, while 99-100% of motifs
#: re-estimated from 20 sites of a JASPAR matrix pass it (benchmarks/tomtom_calibration.py)
ORDER_P = 0.05
ORDER_COPIES = 199

TOMTOM_COLUMNS = ["query", "rank", "target", "target_name", "target_family", "p_value", "e_value", "q_value",
                  "offset", "overlap", "orientation", "query_consensus", "query_bits", "order_p"]


def _query_bits(matches: pd.DataFrame) -> pd.Series:
    """The ``query_bits`` column (infinite in a table written before it was added: q decides alone)."""
    return matches["query_bits"] if "query_bits" in matches else pd.Series(np.inf, index=matches.index)


def _order_p(matches: pd.DataFrame) -> pd.Series:
    """The ``order_p`` column (0 in a table written before it was added, or where it was not computed: no mark)."""
    return matches["order_p"].fillna(0.0) if "order_p" in matches else pd.Series(0.0, index=matches.index)


def significant(matches: pd.DataFrame) -> pd.Series:
    """Which rows of a Tomtom table (:func:`tomtom`) name a match: q <= :data:`MATCH_Q` for a query of at least
    :data:`MIN_MATCH_BITS` bits."""
    return (matches["q_value"] <= MATCH_Q) & (_query_bits(matches) >= MIN_MATCH_BITS)


def match_strength(row) -> str:
    """What a Tomtom row says of its query: ``none`` (q above :data:`MATCH_Q`), ``too little information`` (a
    query under :data:`MIN_MATCH_BITS` bits), ``weak`` (a named match that column-shuffled copies of the query
    equal too often: ``order_p`` above :data:`ORDER_P`) or ``named``; the same rule as :func:`significant`."""
    frame = pd.DataFrame([row])
    if row["q_value"] > MATCH_Q:
        return "none"
    if not significant(frame).iloc[0]:
        return "too little information"
    return "weak" if _order_p(frame).iloc[0] > ORDER_P else "named"


def match_verdict(row) -> str:
    """A Tomtom row's :func:`match_strength` as a phrase for a motif's line: ``best JASPAR match ...``, ``too
    little information ...`` or ``no significant JASPAR match ...``."""
    q, strength = f"q = {row['q_value']:.2g}", match_strength(row)
    if strength in ("named", "weak"):
        weak = (f"; weak evidence: shuffled copies match as well, order p = {row['order_p']:.2g}"
                if strength == "weak" else "")
        return f"best JASPAR match {row['target_name']} ({row['target']}, {q}{weak})"
    if strength == "too little information":
        return (f"too little information ({row['query_bits']:.2f} bits, under {MIN_MATCH_BITS:g}) to name a JASPAR "
                f"match (best {row['target_name']}, {q})")
    return f"no significant JASPAR match (best {row['target_name']}, {q})"


def column_shuffles(pwm: np.ndarray, copies: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``copies`` copies of ``(A, W)`` ``pwm`` with its columns in a random order each: the same letters and bits,
    none of the order."""
    return [np.ascontiguousarray(pwm[:, rng.permutation(pwm.shape[1])]) for _ in range(copies)]


def order_p_values(queries: list[Motif], targets: list[Motif], best_p: np.ndarray, copies: int = ORDER_COPIES,
                   seed: int = 0) -> np.ndarray:
    """How often column-shuffled copies of each query match some target as well as the query does.

    A transcription factor's motif is an ordered string of columns; a match that shuffled copies reach as well
    rests on the query's letters alone (a G-rich query against long, low-information matrices), not on what the
    two motifs share. Under the null that the order carries nothing, the query is one more shuffle, so
    ``(1 + #copies whose best p <= the query's best p) / (1 + copies)`` is a valid permutation p-value.

    Parameters
    ----------
    queries, targets : lists of DNA motifs, as for :func:`tomtom`.
    best_p : np.ndarray
        ``(Q,)`` each query's smallest Tomtom p-value over ``targets``.
    copies : int
        Shuffled copies per query (the smallest p-value is ``1 / (1 + copies)``).
    seed : int
        Seeds the shuffles (the same queries give the same p-values).

    Returns
    -------
    np.ndarray
        ``(Q,)`` p-values in ``[1 / (1 + copies), 1]``.
    """
    from memelite import tomtom as _tomtom

    rng = np.random.default_rng(seed)
    shuffles = [s for m in queries for s in column_shuffles(m.pwm, copies, rng)]
    p = _tomtom(shuffles, [np.ascontiguousarray(m.pwm) for m in targets], n_nearest=1)[0]  # (Q * copies, 1)
    as_good = (p.reshape(len(queries), copies) <= np.asarray(best_p)[:, None]).sum(1)
    return (1.0 + as_good) / (1.0 + copies)


def tomtom(queries: list[Motif], targets: list[Motif], top: int = 5, order_copies: int = ORDER_COPIES
           ) -> pd.DataFrame:
    """Compare each query with every target by Tomtom (memelite), both strands.

    Parameters
    ----------
    queries, targets : lists of DNA motifs.
    top : int
        Matches kept per query, best first.
    order_copies : int
        Column-shuffled copies of each query behind ``order_p`` (:func:`order_p_values`); 0 leaves it empty.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TOMTOM_COLUMNS`. ``e_value`` = p x number of targets;
        ``q_value``: Benjamini-Hochberg over all targets of the query;
        ``orientation`` is ``-`` when the query matches the target's reverse
        complement; ``offset`` is memelite's alignment offset; ``query_bits``
        the query's information content in bits, summed over its columns;
        ``order_p`` the query's order p-value, the same on each of its rows
        (:func:`significant` and :func:`match_strength` use the last two).
    """
    from memelite import tomtom as _tomtom

    if not queries:
        return pd.DataFrame(columns=TOMTOM_COLUMNS)
    q = [np.ascontiguousarray(m.pwm) for m in queries]
    t = [np.ascontiguousarray(m.pwm) for m in targets]
    p, _, offsets, overlaps, strands = _tomtom(q, t)
    qv = bh_qvalues(p)
    order_p = (order_p_values(queries, targets, p.min(1), order_copies) if order_copies
               else np.full(len(queries), np.nan))
    rows = []
    for i, m in enumerate(queries):
        bits = float(information_content(m.pwm).sum())
        for rank, j in enumerate(np.argsort(p[i], kind="stable")[:top], start=1):
            rows.append({"query": m.name, "rank": rank, "target": targets[j].name,
                         "target_name": targets[j].description, "target_family": targets[j].stats.get("family", ""),
                         "p_value": p[i, j], "e_value": p[i, j] * len(targets), "q_value": qv[i, j],
                         "offset": int(offsets[i, j]), "overlap": int(overlaps[i, j]),
                         "orientation": "-" if strands[i, j] else "+", "query_consensus": m.consensus,
                         "query_bits": bits, "order_p": order_p[i]})
    return pd.DataFrame(rows, columns=TOMTOM_COLUMNS)
