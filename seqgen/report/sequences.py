"""The report's sequences section: score distributions and composition of training, generated and
designed sequences."""
from __future__ import annotations

import numpy as np

from seqgen.report.page import esc, img, note
from seqgen.report.results import Results, score_column


def read_training_utility(res: Results) -> np.ndarray | None:
    """The design objective's utility of training sequences, ``design/{method}/training_utility.tsv`` of the first
    method that has one (every method of a data set has the same objective); its random sample only, not the best
    measured it also holds (a distribution of the data)."""
    for method in res.subdirs("design"):
        if res.path(f"design/{method}/training_utility.tsv"):
            table = res.csv(f"design/{method}/training_utility.tsv", f"{method} training utility")
            if table is not None and "best_measured" in table:
                table = table[~table["best_measured"].astype(bool)]
            if table is not None and "utility" in table and len(table):
                return table["utility"].to_numpy()
    return None


def score_axis_label(scores: dict, res: Results, data) -> str:
    """The x axis of the score distributions: what the numbers are, the label they stand for, measured or predicted.

    Parameters
    ----------
    scores : dict
        The sets plotted, by name (as :func:`sequence_section` names them).
    res : Results
        The results folder (its ``predictor/metrics.json`` names the predictor's label).
    data : SequenceSet or None
        The training data.

    Returns
    -------
    str
        The axis label.
    """
    metrics = res.json("predictor/metrics.json", "predictor quality", optional=True) or {}
    label = metrics.get("label") or (data.label_names[0] if data is not None and data.label_names else None)
    if label is None or "training (utility)" in scores:
        return "utility (what the designs maximized)"
    if metrics.get("task") == "classification":  # the label's scale is a probability, the measured labels 0/1
        if any(name.endswith(", measured)") for name in scores):
            return f"{label} (training: measured class, 0 or 1; samples and designs: predicted probability)"
        return f"probability that {label} = 1, predicted"
    if any(name.endswith(", measured)") for name in scores):
        return f"{label} (training: measured; samples and designs: predicted)"
    return f"{label}, predicted (the label's scale)"


def sequence_section(res: Results, data, alphabet) -> str:
    """Score distributions and composition (GC, k-mers) of training, generated and designed sequences."""
    from seqgen import plots

    sets, scores = {}, {}
    preds = res.csv("predictor/predictions.tsv", "predictor predictions", optional=True)
    if preds is not None and "predicted" in preds:  # training sequences on the predictor's scale, like the rest
        scores["held-out training (predicted)"] = preds["predicted"].to_numpy()
    labelled = bool(scores) or (data is not None and bool(data.label_names))  # training scores of its own
    if data is not None:
        sets["training"] = data.codes
        if data.label_names and not scores:
            scores[f"training ({data.label_names[0]}, measured)"] = data.labels[:, 0]
    for g in res.subdirs("generator"):
        s = res.sequences(f"generator/{g}/samples.fasta", f"{g} samples", alphabet)
        if s is not None:
            sets[g] = s.codes
        t = res.csv(f"generator/{g}/samples.tsv", f"{g} sample scores", optional=True)
        if t is not None and score_column(t):
            scores[f"{g} samples"] = t[score_column(t)].to_numpy()
    for method in res.subdirs("design"):
        df = res.csv(f"design/{method}/designs.tsv", f"{method} designs table", optional=True)
        if df is not None and score_column(df):
            scores[f"design {method}"] = df[score_column(df)].to_numpy()
        s = res.sequences(f"design/{method}/designs.fasta", f"{method} designs", alphabet, optional=True)
        if s is not None:
            sets[f"design {method}"] = s.codes
    training = read_training_utility(res) if scores and not labelled else None
    if training is not None:  # no label: the designs' utility (the VAE's ELBO), beside the data's
        scores = {"training (utility)": training, **scores}
    parts = []
    if scores:
        classifier = (res.json("predictor/metrics.json", "predictor quality", optional=True) or {}).get("task") \
            == "classification"  # probabilities on a logit axis, unless measured classes (0 and 1) are drawn too
        fig = plots.distributions(scores, xlabel=score_axis_label(scores, res, data),
                                  probability=classifier and not any(k.endswith(", measured)") for k in scores))
        parts.append("<h3>Scores</h3><p class='sub'>Held-out training sequences (the predictor's scores, "
                     "predictor/predictions.tsv; the measured labels when that is absent), generated samples "
                     "(samples.tsv) and designs (designs.tsv), both as the predictor's mean on the label's "
                     "scale (a classifier's probabilities on a logit axis, which spreads those near 0 and 1). "
                     "Where there is no predictor: the designs' utility, and the same utility of "
                     "training sequences (training_utility.tsv).</p>"
                     + img(plots.to_png_bytes(fig), "score distributions"))
    if len(sets) >= 1 and "training" in sets:
        fig, js = plots.composition(sets, alphabet)
        kmer = 4 if alphabet.is_nucleic else 2  # plots.composition's k
        js_text = "; ".join(f"{esc(k)} {v:.4f}" for k, v in js.items())
        gc = "GC fraction per sequence (density histograms), then " if alphabet.is_nucleic else ""
        parts.append("<h3>Composition</h3>" + f"<p class='sub'>{gc}each set's {kmer}-mer frequencies against the "
                     f"training sequences' (dashed: equal)"
                     + (f"; {kmer}-mer Jensen-Shannon divergence to training (bits; 0: the same spectrum, at most "
                        f"1): {js_text}" if js else "") + ".</p>"
                     + img(plots.to_png_bytes(fig), "composition"))
    return "".join(parts) or note("No sequences to compare yet.")
