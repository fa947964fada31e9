"""The report's scan section (``scan/best.tsv`` and ``scan/windows.tsv`` of ``seqgen predict --scan``)."""
from __future__ import annotations

import pandas as pd

from seqgen.report.designs import marked_sites, site_threshold
from seqgen.report.page import esc, fmt, img, note, table
from seqgen.report.results import Results

#: sequences whose every window's score is drawn
TRACKS = 4
#: the q-value below which a best window is called a site
SIGNIFICANT_Q = 0.05


def scan_section(res: Results, top: int, motifs: list = (), colors: dict | None = None, alphabet=None) -> str:
    """The scanned sequences: how many have a best window the shuffles rarely reach, the scores along the top
    :data:`TRACKS` sequences, and the ``top`` best windows as a table, the sites of ``motifs`` (the data's, in
    ``colors``) marked in them as in the designs."""
    best = res.csv("scan/best.tsv", "each scanned sequence's best window",
                   columns=("id", "sequence", "mean", "position", "windows"))
    if best is None:
        return ""
    if not len(best):
        return note("scan/best.tsv has no sequence.")
    width = len(str(best["sequence"].iloc[0]))
    ranked = best.sort_values("mean", ascending=False, kind="stable")
    strands = ", both strands" if "orientation" in best else ""
    text = (f"<p class='sub'>{len(best):,} sequences of the data set's scan file, scored by its predictor in every "
            f"window of {width} letters (their {int(best['windows'].sum()):,} windows{strands}; scan/windows.tsv), "
            f"ranked by their best window's predicted score.")
    threshold = None
    if {"p_value", "q_value"} <= set(best.columns):
        called = best["q_value"] < SIGNIFICANT_Q
        threshold = float(best.loc[called, "mean"].min()) if called.any() else None
        text += (f" <b>{int(called.sum()):,}</b> have a best window with q &lt; {SIGNIFICANT_Q} "
                 f"({int((best['p_value'] < 0.05).sum()):,} with p &lt; 0.05, where {fmt(round(0.05 * len(best), 1))} "
                 f"would be by chance): its p-value is the share of "
                 f"dinucleotide shuffles of the sequences whose best window over as many windows scores as high "
                 f"(never below one over the shuffles compared), and q corrects for the {len(best):,} sequences "
                 f"(Benjamini-Hochberg)." + (f" The lowest best window called so scores {fmt(threshold)} (the dashed "
                                             f"line)." if threshold is not None else ""))
    shown = _shown(ranked.head(top).reset_index(drop=True))
    if motifs and alphabet is not None:
        site_p = site_threshold(res.json("motifs/params.json", "motif settings", optional=True))
        shown = marked_sites(shown, list(motifs), colors or {}, alphabet, site_p)
        last = [c for c in ("sites", "sequence") if c in shown]  # the sites count beside the letters
        shown = shown[[c for c in shown.columns if c not in last] + last]
        text += f" The data's motifs' sites (FIMO, p &lt; {site_p:g}) are marked in the windows, as in the designs."
    else:
        shown["sequence"] = [f"<span class='seq'>{esc(s)}</span>" for s in shown["sequence"]]
    return text + "</p>" + _tracks(res, ranked, width, threshold) + f"<h3>The {min(top, len(best))} highest best " \
        f"windows</h3>" + table(shown, raw_columns=("sequence",))


def _tracks(res: Results, ranked: pd.DataFrame, width: int, threshold: float | None) -> str:
    """Every window's score along the top sequences (``scan/windows.tsv``), or '' without it."""
    windows = res.csv("scan/windows.tsv", "every scanned window's score", columns=("id", "position", "mean"))
    if windows is None:
        return ""
    from seqgen.plots import scan_tracks, to_png_bytes

    ids = ranked["id"].head(TRACKS).tolist()
    return (f"<h3>Along the {len(ids)} highest</h3>"
            + img(to_png_bytes(scan_tracks(windows, ids, width, threshold)), "scores along the scanned sequences"))


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    """The table's columns: the window's place and scores first, its letters (as scored) last."""
    first = [c for c in ("id", "position", "orientation", "mean", "std", "p_value", "q_value", "chrom", "start", "end",
                         "strand", "sequence") if c in rows]
    return rows[first].copy()
