"""The report's design section: the top designs of each method with their motif sites marked, what
each design maximized, and the notes on designs to doubt (extrapolated scores, odd composition, no
site, a site across the probe's junction)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from seqgen.report.motifs import motif_section
from seqgen.report.page import esc, fmt, img, note, table
from seqgen.report.results import Results, score_column


def extrapolation_note(designs: pd.DataFrame, col: str | None, label_max: float | None) -> str:
    """A note when designs are predicted above every training label: the predictor extrapolates there."""
    if col != "score_label_mean" or label_max is None:
        return ""
    above = designs[col] > label_max
    if not above.any():
        return ""
    return note(f"{int(above.sum())} of {len(designs)} designs are predicted above the highest training label "
                f"({fmt(label_max)}; the best at {fmt(float(designs[col].max()))}): there the predictor "
                f"extrapolates, so read their scores as a ranking, not as the values an assay would give.")


def reference_letters(res: Results, data) -> tuple[np.ndarray, str] | None:
    """Letter fractions ``(N, A)`` of the training sequences that designs should resemble, and what they are: the
    best 1% (at least 100) by the predictor's label, a classifier's positives, or all of them without a label; None
    for protein data or without data."""
    from seqgen.metrics import letter_fractions

    if data is None or not data.alphabet.is_nucleic:
        return None
    fractions = letter_fractions(data.codes, data.alphabet.size)
    metrics = res.json("predictor/metrics.json", "predictor quality", optional=True)
    label = (metrics or {}).get("label")
    if label not in (data.label_names or []):
        return fractions, "the training sequences"
    y = data.label(label)
    if metrics.get("task") == "classification" and (y == 1).sum() >= 2:  # the positives, not 1% of them
        return fractions[y == 1], f"the {int((y == 1).sum())} training sequences of {label} 1"
    best = np.argsort(-np.where(np.isfinite(y), y, -np.inf), kind="stable")[: max(100, len(y) // 100)]
    return fractions[best], f"the {len(best)} training sequences of highest {label}"


def composition_note(designs: pd.DataFrame, alphabet, reference: tuple[np.ndarray, str] | None,
                     run_limit: int | None = None) -> str:
    """Notes on DNA/RNA designs whose composition models are known to over-rate: a mean GC, or a mean fraction of
    one letter, outside that of 90% of the ``reference`` sequences (:func:`reference_letters`; a classifier of
    promoters against gene bodies designs promoters without G, at an ordinary GC), runs of one letter longer than
    the design's warning length (``run_limit``, the training data's that design.json records; default
    :data:`~seqgen.settings.LONG_RUN`). None happens to designs that carry the sites of the best training
    sequences."""
    from seqgen.alphabets import encode
    from seqgen.design.constraints import long_runs
    from seqgen.metrics import letter_fractions
    from seqgen.settings import LONG_RUN

    if reference is None or "sequence" not in designs or not len(designs):
        return ""
    seqs = designs["sequence"].astype(str).str.upper().tolist()
    try:
        codes = encode(seqs, alphabet) if len({len(s) for s in seqs}) == 1 else None
    except ValueError:
        codes = None
    if codes is None:
        return ""
    notes, (ref, what) = [], reference
    mean = letter_fractions(codes, alphabet.size).mean(0)  # (A,)
    gc_letters = [alphabet.letters.index("G"), alphabet.letters.index("C")]
    low, high = np.quantile(ref[:, gc_letters].sum(1), [0.05, 0.95])
    gc = float(mean[gc_letters].sum())
    if not low <= gc <= high:
        notes.append(f"The designs' mean GC content, {gc:.2f}, lies outside that of 90% of {what} ({low:.2f}-"
                     f"{high:.2f}).")
    lows, highs = np.quantile(ref, [0.05, 0.95], axis=0)  # (A,) each
    off = [f"{letter} {mean[a]:.2f} ({lows[a]:.2f}-{highs[a]:.2f})"
           for a, letter in enumerate(alphabet.letters[:alphabet.size]) if not lows[a] <= mean[a] <= highs[a]]
    if off:
        notes.append(f"The designs' mean fraction of {'each of these letters' if len(off) > 1 else 'a letter'} "
                     f"lies outside that of 90% of {what}: {', '.join(off)}.")
    run_limit = run_limit or LONG_RUN
    runs = int(long_runs(codes, alphabet, limit=run_limit).sum())
    if runs:
        notes.append(f"{runs} of {len(codes)} designs have a run of more than {run_limit} of one letter.")
    if not notes:
        return ""
    return note(" ".join(notes) + " Models of ordinary sequences, predictors and a VAE's likelihood alike, often "
                "rate such composition highly without a site behind it: check these designs by other means (their "
                "motifs below, another model, an assay) before trusting their scores; design options "
                "--max-homopolymer and --gc-min / --gc-max constrain it.")


def training_label_max(res: Results, data) -> float | None:
    """The highest training value of the predictor's label (None without a regression predictor or labels)."""
    metrics = res.json("predictor/metrics.json", "predictor quality", optional=True)
    if not metrics or metrics.get("task") != "regression" or data is None or metrics.get("label") not in \
            (data.label_names or []):
        return None
    return float(np.nanmax(data.labels[:, data.label_names.index(metrics["label"])]))


def training_comparison(summary: dict | None, metrics: dict | None = None) -> str:
    """A sentence from ``design.json``: the designs' utility against training sequences' under the same objective
    (``metrics``: the predictor's ``metrics.json``, whose ``task`` names its scale: a classifier's is a logit)."""
    if not (summary or {}).get("training_scored"):
        return ""
    scale = "a classifier's logit" if (metrics or {}).get("task") == "classification" else \
        "a predictor's standardized output"
    return (f" Under the same objective, {summary['designs_above_training_max']} of {summary['designs']} designs "
            f"score above the best of {scored_training(summary)} (median {fmt(summary['training_utility_median'])}, "
            f"best {fmt(summary['training_utility_max'])}; utility, as the models judge it, on their own scale "
            f"({scale}, a VAE's nats), not the label's).")


def start_comparison(summary: dict | None) -> str:
    """A sentence from ``design.json`` of designs made from a starting sequence (``--start``): its score and how
    many designs beat it under the design objective."""
    start = (summary or {}).get("start_score")
    if not start:
        return ""
    label = f"predicted {fmt(start['score_label_mean'])}, " if "score_label_mean" in start else ""
    return (f" The starting sequence ({label}utility {fmt(start['utility'])}): {start['designs_above']} of "
            f"{summary.get('designs', '?')} designs score higher under the design objective (changes: the letters "
            f"each design changed, as start letter, position, new letter).")


def predictor_accuracy(summary: dict | None, metrics: dict | None) -> str:
    """A sentence for a design's summary: how well its predictor ranked held-out training sequences, beside the
    claims its scores make.

    Parameters
    ----------
    summary : dict or None
        The design's ``design.json``.
    metrics : dict or None
        The folder's ``predictor/metrics.json``.

    Returns
    -------
    str
        The sentence, or '' for a design without a predictor, or without the predictor's metrics.
    """
    if not (summary or {}).get("predictor") or metrics is None:
        return ""
    names = (("val_pearson", "Pearson r"), ("val_spearman", "Spearman"), ("val_auroc", "AUROC"))
    shown = [f"{name} {fmt(metrics[key])}" for key, name in names if metrics.get(key) is not None]
    if not shown:
        return (" The predictor was not checked on held-out sequences (no validation split): its scores, and the "
                "claims above, are untested.")
    held_out = f"{fmt(metrics['n_validation'])} " if metrics.get("n_validation") else ""
    return (f" Predicted, not measured: on {held_out}held-out training sequences the predictor scores "
            f"{', '.join(shown)} (Model quality).")


def scored_training(summary: dict) -> str:
    """Which training sequences were scored: '21 of the 300 training sequences (the 21 of full length: ...)'."""
    scored, total = summary["training_scored"], summary.get("training_sequences")
    comparable = summary.get("training_comparable", total)
    if total is None or scored == total:
        return f"{scored} training sequences"
    why = []
    if comparable < total:
        why.append(f"the {comparable} of full length, without padding or gaps, compare with the designs")
    best = summary.get("training_best_measured", 0)
    if best:
        why.append(f"the {best} best measured and a random {scored - best} of the rest")
    elif scored < comparable:
        why.append(f"a random {scored} of {'them' if why else 'all'}")
    return f"{scored} of the {total} training sequences ({'; '.join(why)})"


def objective_text(summary: dict | None) -> str:
    """What a design maximized, from its ``design.json``: the predictor and/or the VAE's ELBO (naturalness); for a
    latent design, through which generator (the VAE's or the GAN's latent space: their designs differ)."""
    if summary is None:
        return "objective unknown (no design.json)"
    goal = {"min": "minimized", "target": f"brought to {summary.get('target')}"}.get(summary.get("direction"),
                                                                                      "maximized")
    if summary.get("conservative"):  # mean - K x std: the utility column is not the predicted score
        goal += f", less {summary['conservative']:g} x its ensemble's std (--conservative)"
    parts = [f"the predictor {summary['predictor']} ({goal})"] if summary.get("predictor") else []
    avoided = summary.get("avoid") or []
    above = summary.get("avoid_above") or [None] * len(avoided)
    held_out = summary.get("avoid_held_out") or [None] * len(avoided)
    for path, count, comparison in zip(avoided, above, held_out):
        level = summary.get("avoid_below")
        held = "minimized" if level is None else f"penalized above {level}" + (
            "" if count is None else f": {count} of {summary.get('designs')} designs still predicted above it")
        parts.append(f"the predictor {path} ({held}{avoided_data_text(comparison)})")
    if summary.get("naturalness"):
        parts.append(f"{summary['naturalness']:g} x the generator VAE's ELBO (naturalness)")
    searched = f", searched in the latent space of the generator {summary['generator']}" \
        if summary.get("method") == "latent" and summary.get("generator") else ""
    return "objective: " + (" + ".join(parts) or "none recorded") + searched


def avoided_data_text(comparison: dict | None) -> str:
    """``; the designs' median prediction, 0.2, is above 12% of its predictions of its 400 held-out sequences...``
    from an entry of design.json's ``avoid_held_out``: where an avoided predictor puts the designs among its own
    data."""
    if not comparison:
        return ""
    return (f"; the designs' median prediction, {fmt(comparison['designs_median'])}, is above "
            f"{comparison['designs_median_percentile']:g}% of its predictions of its {fmt(comparison['n_held_out'])} "
            f"{comparison['held_out']}, and {comparison['designs_below_held_out_median']} of {comparison['designs']} "
            f"designs lie below their median, {fmt(comparison['held_out_median'])}")


def avoided_data_note(summary: dict | None) -> str:
    """A note where most designs are predicted by an avoided predictor no lower than the median of its own held-out
    sequences (design.json's ``avoid_held_out``): against it they are not specific."""
    notes = []
    for path, comparison in zip((summary or {}).get("avoid") or [], (summary or {}).get("avoid_held_out") or []):
        if comparison and 2 * comparison["designs_below_held_out_median"] < comparison["designs"]:
            notes.append(f"Only {comparison['designs_below_held_out_median']} of {comparison['designs']} designs are "
                         f"predicted by {path} below the median of its own {comparison['held_out']}: for it these "
                         f"designs are no lower than its data, so they are not specific against it.")
    if not notes:
        return ""
    return note(" ".join(notes) + " An avoided predictor keeps out only the sites its training data showed it (train "
                "it on data that holds them), and the main objective can outweigh it (a larger avoid weight).")


def composition_limits(summary: dict | None) -> str:
    """``; kept to GC 0.31-0.69 (auto: ...) and runs of one letter of at most 6`` of a design.json: the
    composition its designs were held to ('' where none was set)."""
    parts = []
    window = (summary or {}).get("gc_window")
    if window:
        given = (summary.get("constraints") or {})
        auto = [b for b, key in (("1st", "gc_min"), ("99th", "gc_max")) if given.get(key) == "auto"]
        bounds = "-".join(f"{b:.2f}" if b is not None else d for b, d in zip(window, ("0", "1")))
        parts.append(f"GC {bounds}" + (f" (auto: the {' and '.join(auto)} percentile of the training sequences')"
                                        if auto else ""))
    if (summary or {}).get("max_homopolymer"):
        parts.append(f"runs of one letter of at most {summary['max_homopolymer']}")
    return f"; kept to {' and '.join(parts)}" if parts else ""


def marked_sequence(seq: str, sites: pd.DataFrame, colors: dict) -> str:
    """HTML of ``seq`` with the ``sites`` (columns motif, start, end, strand, p_value) highlighted."""
    owner = [None] * len(seq)
    for s in sites.sort_values("p_value").itertuples():  # stronger sites win overlaps
        for i in range(int(s.start), min(int(s.end), len(seq))):
            owner[i] = owner[i] or (s.motif, s.strand, s.p_value)
    out, i = [], 0
    while i < len(seq):
        j = i
        while j < len(seq) and owner[j] == owner[i]:
            j += 1
        chunk = esc(seq[i:j])
        if owner[i] is None:
            out.append(chunk)
        else:
            name, strand, p = owner[i]
            out.append(f'<span style="background:{colors.get(name, "#ddd")}" title="{esc(name)} {strand} '
                       f'p={p:.2g}">{chunk}</span>')
        i = j
    return f'<span class="seq">{"".join(out)}</span>'


def design_columns(shown: pd.DataFrame, col: str | None, rank: str | None) -> pd.DataFrame:
    """The design table's columns: id, sequence, a protein design's mutations of the focus, sites, the score
    ``col`` and its spread, the ``rank`` column, then up to six others (GC, distances, avoided predictors...), the
    ``ok_*`` checks as one "constraints met"."""
    spread = f"{col[:-len('_mean')]}_std" if col and col.endswith("_mean") else None
    first = [c for c in dict.fromkeys(["id", "sequence", "mutations", "changes", "sites", col, spread, rank])
             if c and c in shown]
    checks = [c for c in shown.columns if c.startswith("ok_")]
    met = ["constraints met"] if checks else []  # never among the columns cut (an --avoid design has many)
    if checks:
        shown = shown.assign(**{"constraints met": shown[checks].astype(bool).all(axis=1)})
    repeats = {f"{c[:-len('_label_mean')]}_{s}" for c in shown.columns if c.endswith("_label_mean")
               for s in ("mean", "std")}  # an objective's model-scale columns repeat its label-scale ones
    rest = [c for c in shown.columns if c not in [*first, *met, *checks, *repeats] and not c.startswith("score_")]
    return shown[first + rest[:6] + met]


def design_section(res: Results, motifs: list, colors: dict, top: int, alphabet, label_max: float | None = None,
                   reference: tuple[np.ndarray, str] | None = None) -> tuple[str, dict]:
    """Top designs per method with marked motif sites, and the trajectories. Returns html and summary numbers.

    ``label_max``: the highest training label; designs predicted above it are flagged as extrapolation.
    ``reference``: letter fractions designs should resemble (:func:`reference_letters`); see
    :func:`composition_note`."""
    from seqgen import plots
    from seqgen.motifs import unreachable_note

    methods = res.subdirs("design")
    if not methods:
        found = sorted(d.name for d in res.path("design").iterdir() if d.is_dir()) if res.path("design") else []
        if found:  # every one was left out by --methods (each is noted as missing)
            return note(f"None of the designs asked for is in design/, which holds {', '.join(found)}."), {}
        res.note("no design/ folder (design)")
        return note("No designs yet: run `seqgen design`."), {}
    parts, numbers, trajectories = [], {}, {}
    params = res.json("motifs/params.json", "motif settings", optional=True)
    metrics = res.json("predictor/metrics.json", "predictor quality", optional=True)
    site_p = site_threshold(params)
    if colors:
        parts.append(f'<p class="legend">Motif sites (FIMO, p &lt; {site_p:g}): ' + "".join(
            f'<span style="background:{c}">{esc(n)}</span>' for n, c in colors.items()) + "</p>")
        unreachable = unreachable_note(motifs, site_p)
        if unreachable:
            parts.append(note(unreachable + "."))
    preds = res.csv("predictor/predictions.tsv", "predictor predictions", optional=True)
    held_out_best = float(preds["predicted"].max()) if preds is not None and "predicted" in preds and \
        preds["predicted"].notna().any() else None  # a yardstick for the designs' scores, a classifier's too
    for method in methods:
        df = _designs_table(res, method, alphabet)
        if df is None:
            continue
        col = score_column(df)
        rank = "utility" if "utility" in df else col  # what the design maximized: min, target and avoid included
        if rank:
            df = df.sort_values(rank, ascending=False, kind="stable")
        numbers[method] = {"n": len(df), "first": float(df[col].iloc[0]), "mean": float(df[col].mean()),
                           "column": col, "label_max": label_max if col == "score_label_mean" else None,
                           "held_out_best": held_out_best if col == "score_label_mean" else None} if col \
            and len(df) else {"n": len(df)}
        shown = marked_sites(df.head(top).reset_index(drop=True), motifs, colors, alphabet, site_p)
        summary = res.json(f"design/{method}/design.json", f"{method} design summary")
        dropped = dropped_text(summary)
        parts.append(f"<h3>{esc(method)}</h3><p class='sub'>{len(df)} designs{esc(dropped)}; "
                     f"{esc(objective_text(summary))}{esc(composition_limits(summary))}; top {len(shown)} by "
                     f"{esc(rank or 'file order')}."
                     f"{esc(training_comparison(summary, metrics))}{esc(start_comparison(summary))}"
                     f"{esc(predictor_accuracy(summary, metrics))}</p>"
                     + extrapolation_note(df, col, label_max)
                     + avoided_data_note(summary)
                     + composition_note(df, alphabet, reference, (summary or {}).get("run_limit"))
                     + siteless_note(shown, site_p, motifs)
                     + junction_note(df, motifs, alphabet, site_p)
                     + table(design_columns(shown, col, rank), raw_columns=("sequence",)))
        if res.path(f"design/{method}/motifs"):  # what seqgen motifs found in these designs
            found, _, _ = motif_section(res, alphabet, f"design/{method}/motifs", heading="h5", coloured=False)
            parts.append(f"<h4>Motifs in the {esc(method)} designs</h4>{found}")
        traj = res.csv(f"design/{method}/trajectory.tsv", f"{method} trajectory")
        if traj is not None:
            trajectories[method] = traj
    if trajectories:
        fig = plots.trajectories(trajectories)
        if fig is not None:
            parts.append("<h3>Design trajectories</h3><p class='sub'>The objective at each step as the optimizer "
                         "saw it, on the model's scale: softmax and latent score relaxed (soft) sequences, so "
                         "their curves can lie below the final discrete designs' scores in the tables.</p>"
                         + img(plots.to_png_bytes(fig), "trajectories"))
    return "".join(parts), numbers


def siteless_note(shown: pd.DataFrame, site_p: float, motifs=()) -> str:
    """A note where some of the top designs hold no site of the data's motifs (their ``sites`` count is 0): their
    predicted scores rest on something else, which the table's marked sites would not show.

    Motifs of ``motifs`` that cannot reach ``site_p`` at any window (:func:`seqgen.motifs.best_site_p`, e.g. a
    6-wide UGCAUG at 1e-4) never have a site, so a design holding them is not bare: with none that can, no note.
    """
    from seqgen.motifs import best_site_p

    if "sites" not in shown or not len(shown) or (shown["sites"] > 0).all():
        return ""
    unreachable = [m.name for m in motifs if best_site_p(m) >= site_p]
    if motifs and len(unreachable) == len(motifs):  # no site could be found: zero sites say nothing
        return ""
    bare = int((shown["sites"] == 0).sum())
    its = "its" if len(unreachable) == 1 else "their"
    uncounted = (f" ({', '.join(unreachable)} cannot reach that p-value, so {its} sites are not counted)"
                 if unreachable else "")
    return note(f"{bare} of the top {len(shown)} designs hold no site of the data's motifs (p < {site_p:g})"
                f"{uncounted}: their predicted scores rest on something else (weaker sites, other letters), which "
                f"only a measurement can confirm.")


def junction_note(designs: pd.DataFrame, motifs: list, alphabet, site_p: float) -> str:
    """A note where array-ready probes (``designs.tsv``'s ``probe`` column: each design followed by the
    ``--linker``) hold a site of the data's motifs (FIMO, p < ``site_p``) that starts in the design and ends in the
    linker: a site the design's scores leave out, as they score the designed letters alone."""
    if not motifs or "probe" not in designs or not len(designs) or not alphabet.double_stranded:
        return ""
    designed = designs["sequence"].astype(str).str.len().to_numpy()
    sites = _sites(designs["probe"].astype(str).str.upper().tolist(), motifs, alphabet, site_p)
    if sites is None or len(set(designed)) != 1:
        return ""
    junction = designed[0]
    across = sites[(sites["start"].astype(int) < junction) & (sites["end"].astype(int) > junction)]
    if not len(across):
        return ""
    per_motif = across.groupby("motif")["index"].nunique().sort_values(ascending=False)
    which = ", ".join(f"{name} in {n}" for name, n in per_motif.items())
    return note(f"{across['index'].nunique()} of {len(designs)} probes (probes.fasta) hold a site of the data's "
                f"motifs (p < {site_p:g}) across the junction of the design and the linker ({which}): the design's "
                f"scores leave it out, as they score the designed letters alone.")


def _designs_table(res: Results, method: str, alphabet) -> pd.DataFrame | None:
    """One method's designs.tsv, else its designs.fasta as a table of id and sequence; None without either."""
    df = res.csv(f"design/{method}/designs.tsv", f"{method} designs table", columns=("sequence",))
    if df is not None:
        return df
    data = res.sequences(f"design/{method}/designs.fasta", f"{method} designs", alphabet)
    return None if data is None else pd.DataFrame({"id": data.ids, "sequence": data.sequences})


def _sites(sequences: list[str], motifs: list, alphabet, site_p: float) -> pd.DataFrame | None:
    """FIMO sites (p < ``site_p``) of upper-case ``sequences`` of one length (:func:`seqgen.motifs.scan`); None when
    they cannot be scanned: lengths that differ, or a letter outside ``alphabet``."""
    from seqgen.alphabets import encode
    from seqgen.motifs import scan

    if len({len(s) for s in sequences}) != 1:
        return None
    try:
        codes = encode(sequences, alphabet)
    except ValueError:
        return None
    return scan(motifs, codes, threshold=site_p)


def marked_sites(shown: pd.DataFrame, motifs: list, colors: dict, alphabet, site_p: float) -> pd.DataFrame:
    """``shown`` (the top designs, or the best windows of a scan) with each sequence as HTML, its motif sites (FIMO,
    p < ``site_p``) coloured, and a ``sites`` count column when the sequences could be scanned."""
    if not motifs or not len(shown):
        shown["sequence"] = [f'<span class="seq">{esc(s)}</span>' for s in shown["sequence"]]
        return shown
    seqs = shown["sequence"].astype(str).str.upper().tolist()
    sites = _sites(seqs, motifs, alphabet, site_p)
    if sites is None:  # not scanned: the sequences unmarked, and no count that would read as "no site"
        shown["sequence"] = [f'<span class="seq">{esc(s)}</span>' for s in seqs]
        return shown
    shown["sequence"] = [marked_sequence(s, sites[sites["index"] == i], colors) for i, s in enumerate(seqs)]
    # a designs.tsv column of the same name is kept beside the count, under its file's name
    shown = shown.rename(columns={"sites": "sites (designs.tsv)"})
    shown.insert(2, "sites", np.bincount(sites["index"].astype(int), minlength=len(shown)))
    return shown


def site_threshold(params: dict | None) -> float:
    """The p-value below which a window is a motif site: that of the motifs' own sites.tsv (``motifs/params.json``),
    else :data:`~seqgen.settings.SITE_P`."""
    from seqgen.motifs import SITE_P

    return float((params or {}).get("site_threshold", SITE_P))


def dropped_text(summary: dict | None) -> str:
    """`` (k dropped by the constraints, d duplicates dropped)`` of a design summary: why it has fewer designs than
    candidates (``duplicates``: copies of another design; a summary without it counts every drop as the
    constraints')."""
    summary = summary or {}
    duplicates = summary.get("duplicates", 0)
    unrepaired = summary.get("dropped", 0) - duplicates
    parts = [f"{unrepaired} dropped by the constraints" if unrepaired else "",
             f"{duplicates} duplicates dropped" if duplicates else ""]
    parts = [p for p in parts if p]
    return f" ({', '.join(parts)})" if parts else ""
