"""Pictures: sequence logos (logomaker), training curves, scatter, trajectories, distributions.

Every function draws on a new matplotlib figure (Agg backend) and returns it;
:func:`save` writes it as PNG and/or SVG atomically, :func:`to_png_bytes`
renders it for embedding in the HTML report.
"""
from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from seqgen.atomic import atomic_path  # noqa: E402
from seqgen.motifs import Motif, information_content  # noqa: E402

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def save(fig, stem, formats=("png", "svg"), dpi: int = 120) -> list:
    """Write ``fig`` to ``stem.png`` / ``stem.svg`` atomically; returns the paths written."""
    from pathlib import Path

    paths = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        # SVG: no date and fixed element ids, so the same figure gives the same bytes
        with atomic_path(path) as tmp, plt.rc_context({"svg.hashsalt": "seqgen"}):
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", metadata={"Date": None}
                        if fmt == "svg" else None)
        paths.append(path)
    plt.close(fig)
    return paths


def to_png_bytes(fig, dpi: int = 110) -> bytes:
    """``fig`` as PNG bytes (and close it)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------- logos

CHEMISTRY = {**dict.fromkeys("GSTYC", "green"), **dict.fromkeys("NQ", "purple"), **dict.fromkeys("KRH", "blue"),
             **dict.fromkeys("DE", "red"), **dict.fromkeys("AVLIPWFM", "black"), "-": "lightgray"}


def _color_scheme(motif: Motif):
    """logomaker's ``classic`` for DNA/RNA; for proteins its ``chemistry`` colours, gaps light grey."""
    return "classic" if motif.alphabet.is_nucleic else CHEMISTRY


def draw_logo(ax, motif: Motif, start: int = 0, title: str | None = None) -> None:
    """Draw ``motif`` as an information-content logo (bits) on ``ax``, first column at x = ``start``."""
    import logomaker

    letters = list(motif.alphabet.letters)
    pwm = motif.pwm / motif.pwm.sum(axis=0, keepdims=True)
    heights = pwm * information_content(pwm)[None]  # (A, W) bits
    df = pd.DataFrame(heights.T, columns=letters, index=np.arange(start, start + motif.width))
    with warnings.catch_warnings():  # a motif without information (all heights 0): the y range is set just below
        warnings.filterwarnings("ignore", "Attempting to set identical low and high ylims")
        logomaker.Logo(df, ax=ax, color_scheme=_color_scheme(motif), font_name="DejaVu Sans", show_spines=False)
    ax.set_ylim(0, np.log2(motif.alphabet.size))
    ax.set_ylabel("bits")
    ax.spines[["left", "bottom"]].set_visible(True)
    if title:
        ax.set_title(title, loc="left", fontsize=10)


def logo(motif: Motif, title: str | None = None):
    """A figure with one logo."""
    fig, ax = plt.subplots(figsize=(max(2.5, 0.35 * motif.width + 1), 1.8))
    draw_logo(ax, motif, title=title or f"{motif.name}  {motif.consensus}")
    ax.set_xticks([])
    return fig


def motif_with_match(motif: Motif, match: Motif | None = None, offset: int = 0, orientation: str = "+",
                     caption: str = ""):
    """The discovered motif above its JASPAR match, aligned as Tomtom aligned them.

    ``offset`` and ``orientation`` come from :func:`seqgen.motifs.tomtom`: the
    match is reverse complemented when ``orientation`` is ``-``, and its first
    column is drawn at x = -``offset`` of the query's frame.
    """
    if match is None:
        return logo(motif)
    if orientation == "-":
        match = match.reverse_complement()
    lo, hi = min(0, -offset), max(motif.width, match.width - offset)
    fig, axes = plt.subplots(2, 1, figsize=(max(3.0, 0.35 * (hi - lo) + 1), 3.4), sharex=True)
    draw_logo(axes[0], motif, 0, f"{motif.name}  {motif.consensus}")
    rc = " (reverse complement)" if orientation == "-" else ""
    draw_logo(axes[1], match, -offset, f"{match.name} {match.description}{rc}  {caption}".strip())
    axes[1].set_xlim(lo - 0.6, hi - 0.4)
    axes[1].set_xticks([])
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- curves and distributions

#: metrics.csv columns that are not training curves
NOT_CURVES = ("step", "epoch", "time", "seconds", "lr", "seqs_per_s")


def curve_columns(df: pd.DataFrame, limit: int = 6) -> list[str]:
    """The first ``limit`` numeric columns of a metrics table that are curves, without repeats (e.g. a
    validation ``score`` that is the validation ``loss``)."""
    numeric = list(df.select_dtypes("number").columns)
    columns = []  # a generic "score" last: the named metric it repeats is kept
    for col in [c for c in numeric if not c.endswith("score")] + [c for c in numeric if c.endswith("score")]:
        values = df[col].dropna()
        if col in NOT_CURVES or values.empty or any(df[c].dropna().equals(values) for c in columns):
            continue
        columns.append(col)
    return columns[:limit]


def training_curves(tables: dict[str, pd.DataFrame]):
    """One row of panels per model (its own metrics, on its own scales), one panel per metric against step.

    ``tables``: name -> metrics table (from ``metrics.csv``) with a ``step`` or ``epoch`` column. Rows
    without a value (validation runs less often than logging) are skipped, so every curve is drawn.
    """
    rows = {name: curve_columns(df) for name, df in tables.items()}
    rows = {name: cols for name, cols in rows.items() if cols}
    if not rows:
        return None
    width = max(len(cols) for cols in rows.values())
    fig, axes = plt.subplots(len(rows), width, figsize=(2.8 * width, 2.3 * len(rows)), squeeze=False)
    for r, (name, cols) in enumerate(rows.items()):
        df = tables[name]
        x = df["step"] if "step" in df else df["epoch"] if "epoch" in df else pd.Series(np.arange(len(df)))
        for c, ax in enumerate(axes[r]):
            if c >= len(cols):
                ax.axis("off")
                continue
            y = df[cols[c]]
            seen = y.notna()
            ax.plot(x[seen], y[seen], color=COLORS[r % len(COLORS)], lw=1.2, marker="." if seen.sum() < 30 else None)
            ax.set_title(f"{name}: {cols[c]}", fontsize=8)
            ax.set_xlabel("step", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def wide_positive(values: np.ndarray) -> bool:
    """Whether finite ``values`` are all positive and span more than a factor 100 (signal intensities), so that a
    plot shows them on a log axis: on a linear one most of them crowd into a corner or one bin."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return bool(len(values)) and values.min() > 0 and values.max() > 100 * values.min()


def measured_vs_predicted(measured: np.ndarray, predicted: np.ndarray, title: str = ""):
    """Scatter of ``(N,)`` measured against predicted values with Pearson and Spearman r (of the values as they
    are); on log axes where both are positive and span more than a factor 100 (:func:`wide_positive`)."""
    from scipy.stats import pearsonr, spearmanr

    fig, ax = plt.subplots(figsize=(3.6, 3.4))
    ax.scatter(measured, predicted, s=4, alpha=0.4, lw=0)
    lo, hi = np.nanmin([measured, predicted]), np.nanmax([measured, predicted])
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    log = wide_positive(np.concatenate([np.ravel(measured), np.ravel(predicted)]))
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("measured" + (" (log axis)" if log else ""))
    ax.set_ylabel("predicted" + (" (log axis)" if log else ""))
    r, rho = pearsonr(measured, predicted)[0], spearmanr(measured, predicted)[0]
    ax.set_title(f"{title} Pearson r = {r:.3f}, Spearman = {rho:.3f}".strip(), fontsize=9)
    fig.tight_layout()
    return fig


def classes_vs_predicted(measured: np.ndarray, predicted: np.ndarray, title: str = ""):
    """A classifier's held-out predictions: the predicted probability of each sequence against its measured class
    (0 or 1), jittered sideways, with the AUROC (Pearson r of 0/1 labels, and a y = x line, say nothing of it)."""
    from seqgen.stats import auroc

    measured, predicted = np.asarray(measured, dtype=float), np.asarray(predicted, dtype=float)
    fig, ax = plt.subplots(figsize=(3.6, 3.4))
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(measured))
    ax.scatter(measured + jitter, predicted, s=4, alpha=0.4, lw=0)
    ax.set_xticks([0, 1])
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("measured class")
    ax.set_ylabel("predicted probability of class 1")
    ax.set_title(f"{title} AUROC = {auroc(predicted, measured == 1):.3f}".strip(), fontsize=9)
    fig.tight_layout()
    return fig


def trajectories(tables: dict[str, pd.DataFrame]):
    """Design score against optimisation step, one line set per method.

    ``tables``: method -> trajectory table with a ``step`` column and one or
    more columns whose name contains ``score`` (e.g. ``mean_score``, ``best_score``).
    """
    fig, ax = plt.subplots(figsize=(5, 3))
    styles = ["-", "--", ":", "-."]
    drawn = False
    for i, (method, df) in enumerate(tables.items()):
        cols = [c for c in df.columns if "score" in c.lower() and pd.api.types.is_numeric_dtype(df[c])]
        x = df["step"] if "step" in df else np.arange(len(df))
        for j, col in enumerate(cols):
            ax.plot(x, df[col], color=COLORS[i % len(COLORS)], ls=styles[j % len(styles)], label=f"{method} {col}")
            drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xlabel("step")
    ax.set_ylabel("score (the models' own scale)")  # utility: standardized predictor output, ELBO nats
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


PROBABILITY_FLOOR = 1e-6  #: how near 0 or 1 a probability is drawn on a logit axis


def distributions(values: dict[str, np.ndarray], xlabel: str = "score", probability: bool = False):
    """Overlaid histograms (each set's fraction per bin) of several ``(N,)`` arrays; on a log axis when all are
    positive and span more than a factor 100 (signal intensities: a linear axis puts most of them in one bin).
    ``probability``: the values are a classifier's probabilities, drawn on a logit axis (clipped to 1e-6 from 0
    and 1), which spreads the confident ones near 0 and 1 that a linear or log axis puts in one bin."""
    fig, ax = plt.subplots(figsize=(5, 3))
    # as floats first: an empty column of a header-only table is of object dtype, which np.isfinite refuses
    finite = [v[np.isfinite(v)] for v in (np.asarray(v, dtype=float) for v in values.values())]
    allv = np.concatenate([v for v in finite if len(v)]) if any(len(v) for v in finite) else np.zeros(1)
    if probability and allv.min() >= 0 and allv.max() <= 1:
        finite = [np.clip(v, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR) for v in finite]
        low, high = np.clip([allv.min(), allv.max()], PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
        edges = np.linspace(np.log(low / (1 - low)), np.log(high / (1 - high)) + 1e-9, 40)
        bins = 1 / (1 + np.exp(-edges))  # even in logit
        ax.set_xscale("logit")
    elif wide_positive(allv):
        bins = np.geomspace(allv.min(), allv.max() * (1 + 1e-9), 40)
        ax.set_xscale("log")
    else:
        bins = np.linspace(allv.min(), allv.max() + 1e-9, 40)
    for i, (name, v) in enumerate(zip(values, finite)):  # each set's fraction per bin: comparable on any axis
        ax.hist(v, bins=bins, weights=np.full(len(v), 1 / max(len(v), 1)), histtype="step", lw=1.5,
                color=COLORS[i % len(COLORS)], label=f"{name} (n={len(v)})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of the set")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def kmer_frequencies(codes: np.ndarray, k: int, size: int) -> np.ndarray:
    """``(size**k,)`` frequencies of all k-mers in ``(N, L)`` codes (PAD-free windows)."""
    from seqgen.metrics import kmer_counts

    counts = kmer_counts(codes, k, size).astype(float)
    return counts / max(counts.sum(), 1)


def composition(sets: dict[str, np.ndarray], alphabet, k: int = 4):
    """GC content histograms (nucleic acids) and k-mer frequencies of each set against the first.

    ``sets``: name -> ``(N, L)`` codes; the first set is the reference (training data).
    Returns the figure and ``{name: Jensen-Shannon divergence (bits) of its k-mer spectrum to the reference}``.
    """
    from scipy.spatial.distance import jensenshannon

    names = list(sets)
    k = k if alphabet.is_nucleic else 2
    freqs = {n: kmer_frequencies(c, k, alphabet.size) for n, c in sets.items()}
    ref = freqs[names[0]]
    js = {n: float(jensenshannon(ref, f, base=2) ** 2) for n, f in freqs.items() if n != names[0]}
    panels = 2 if alphabet.is_nucleic else 1
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.3), squeeze=False)
    axes = axes[0]
    if alphabet.is_nucleic:
        gc_codes = [alphabet.letters.index("C"), alphabet.letters.index("G")]
        gc = {n: np.isin(c, gc_codes).sum(1) / np.maximum((c < alphabet.size).sum(1), 1) for n, c in sets.items()}
        bins = np.linspace(0, 1, 30)
        for i, (n, v) in enumerate(gc.items()):
            axes[0].hist(v, bins=bins, density=True, histtype="step", lw=1.5, color=COLORS[i % len(COLORS)], label=n)
        axes[0].set_xlabel("GC fraction")
        axes[0].set_ylabel("density")
        axes[0].legend(fontsize=8)
    ax = axes[-1]
    for i, n in enumerate(names[1:], start=1):
        ax.scatter(ref, freqs[n], s=5, alpha=0.5, lw=0, color=COLORS[i % len(COLORS)],
                   label=f"{n} (JS = {js[n]:.3f})")
    top = max(f.max() for f in freqs.values())
    ax.plot([0, top], [0, top], color="grey", lw=0.8, ls="--")
    ax.set_xlabel(f"{k}-mer frequency, {names[0]}")
    ax.set_ylabel(f"{k}-mer frequency")
    if len(names) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig, js


def scan_tracks(windows: pd.DataFrame, ids: list, width: int, threshold: float | None = None):
    """The predicted score of every window along each of ``ids`` (one panel each, stacked), a line a strand.

    Parameters
    ----------
    windows : pd.DataFrame
        ``seqgen predict --scan --windows``' table: ``id, position, mean`` and, with both strands,
        ``orientation``.
    ids : list
        The sequences to draw, top first.
    width : int
        Letters a window reads; each window is drawn at its middle.
    threshold : float, optional
        A score drawn as a dashed line (the lowest best window called significant).
    """
    fig, axes = plt.subplots(len(ids), 1, figsize=(8, 1.4 * len(ids) + 0.4), sharey=True, squeeze=False)
    strands = windows["orientation"] if "orientation" in windows else pd.Series("+", index=windows.index)
    for ax, name in zip(axes[:, 0], ids):
        mine = windows["id"].astype(str) == str(name)
        for i, strand in enumerate(("+", "-")):
            rows = windows[mine & (strands == strand)].sort_values("position")
            if len(rows):
                ax.plot(rows["position"] + width / 2, rows["mean"], lw=1, color=COLORS[i],
                        label=f"{strand} strand" if "orientation" in windows else None)
        if threshold is not None:
            ax.axhline(threshold, color="gray", ls="--", lw=0.8)
        ax.set_title(str(name), fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel("window middle (letters into the sequence)")
    axes[len(ids) // 2, 0].set_ylabel("predicted score")
    if "orientation" in windows:
        axes[0, 0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig
