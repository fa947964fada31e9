"""The report's model quality section: the predictor's held-out figures and yardstick, training curves,
and the generators' evaluations with the notes on what their samples were compared with."""
from __future__ import annotations

import numpy as np
import pandas as pd

from seqgen.report.page import esc, fmt, img, kv_table, note, table
from seqgen.report.results import Results


def gap_note(res: Results, data, evaluations: dict) -> str:
    """A sentence for the generators' table where the training data is an alignment with gaps and a generator's
    samples hold none (a family VAE reads gaps as missing data and never writes one): its evaluation compared them
    with the alignment's gap-free rows (``gap_free`` in ``evaluation.json``), or, in an evaluation of before,
    with every row, so that the k-mer spectra, nearest distances and classifier count the gaps too."""
    if data is None or data.alphabet.name != "protein-gap":
        return ""
    gap = data.alphabet.letters.index("-")
    gaps = data.codes == gap
    if not gaps.any():
        return ""
    gap_free = [g for g in evaluations if (s := res.sequences(f"generator/{g}/samples.fasta", f"{g} samples",
                                                              data.alphabet, optional=True)) is not None
                and len(s.codes) and not (s.codes == gap).any()]
    compared = [g for g in gap_free if "gap_free" in evaluations[g]]
    old = [g for g in gap_free if g not in compared]
    text = ""
    if compared:
        ev = evaluations[compared[0]]
        kept, read = ev["gap_free"]["reference"]
        rows = f"the alignment's {kept:,} gap-free rows of {read:,}"
        if held_out(ev) and "training" in ev["gap_free"]:  # the reference is the held-out part, not the alignment
            train_kept, train_read = ev["gap_free"]["training"]
            rows = (f"the {kept:,} gap-free rows of the {read:,} held out (and the training part's {train_kept:,} of "
                    f"{train_read:,})")
        text += (f" The samples of {', '.join(compared)} hold no gap (gaps are missing data to a family VAE) and are "
                 f"compared with {rows}.")
    if old:
        text += (f" The training alignment has gaps ({gaps.mean():.1%} of its letters, in {gaps.any(1).mean():.0%} "
                 f"of its rows) and the samples of {', '.join(old)} none (gaps are missing data to a family VAE): "
                 f"the JS ratios (k = 1 above all), the nearest Hamming distance and the classifier count that "
                 f"difference too (rerun seqgen evaluate: it now compares such samples with the gap-free rows).")
    return text


def quality_section(res: Results, expect_predictor: bool = True, data=None) -> tuple[str, dict]:
    """Predictor metrics and scatter, training curves, generator evaluations (``data``: the training data, for
    :func:`gap_note`)."""
    from seqgen import plots

    parts, numbers = [], {}
    metrics = res.json("predictor/metrics.json", "predictor quality") if expect_predictor else None
    if metrics is not None:
        quality = ("val_pearson", "val_spearman", "val_auroc", "val_pearson_log")  # the cards: how good it is
        numbers["predictor"] = {k.replace("_", " "): metrics[k] for k in quality if metrics.get(k) is not None}
        shown = {k: v for k, v in metrics.items() if k != "baseline"}
        parts.append("<h3>Predictor</h3>" + held_out_caveat(metrics) + baseline_sentence(metrics) + kv_table(shown))
    elif not res.path("predictor") and expect_predictor and data is not None and data.label_names:
        parts.append(note(f"No predictor yet (the data set has a label, {data.label_names[0]}): run `seqgen train "
                          f"predictor`; until then nothing here predicts it."))
    elif not res.path("predictor"):
        parts.append(note("No predictor in this folder (a data set without a label has none): nothing here "
                          "predicts a property; designs are ranked by what they maximized (see Designs)."))
    preds = res.csv("predictor/predictions.tsv", "predictor measured vs predicted",
                    columns=("measured", "predicted")) if expect_predictor else None
    if preds is not None:
        measured, predicted = (pd.to_numeric(preds[c], errors="coerce").to_numpy(float)
                               for c in ("measured", "predicted"))
        pairs = np.isfinite(measured) & np.isfinite(predicted)
        if pairs.sum() < 2:  # a one-sequence validation split: no scatter, no correlation to draw
            parts.append(note(f"predictor/predictions.tsv holds {int(pairs.sum())} held-out sequence"
                              f"{'' if pairs.sum() == 1 else 's'} with a measured and a predicted value: too few "
                              f"to draw one against the other."))
        else:
            draw = plots.classes_vs_predicted if (metrics or {}).get("task") == "classification" else \
                plots.measured_vs_predicted
            fig = draw(measured[pairs], predicted[pairs], "held out:")
            shown = ("the predicted probability of class 1 against the measured class (0 or 1, jittered sideways)"
                     if draw is plots.classes_vs_predicted else "measured against predicted (the ensemble's mean), "
                     "both on the label's own scale (log axes where the values span more than a factor 100); dashed: "
                     "predicted = measured")
            parts.append(f"<p class='sub'>The held-out sequences of predictor/predictions.tsv: {shown}.</p>"
                         + img(plots.to_png_bytes(fig), "measured vs predicted"))
    curves = {}
    for model in (["predictor"] if expect_predictor else []) + [f"generator/{g}" for g in res.subdirs("generator")]:
        df = res.csv(f"{model}/metrics.csv", f"{model} training curve")
        if df is not None:
            curves[model] = df
    if curves:
        fig = plots.training_curves(curves)
        if fig is not None:
            parts.append("<h3>Training curves</h3><p class='sub'>One row per model (its metrics.csv), one panel per "
                         "logged column against the training step, each on its own linear axis: losses as the "
                         "model computed them (lower is better; a VAE's loss and reconstruction can rise while its "
                         "kl_weight warms up to 1), ELBO and correlations (higher is better), val_* on the "
                         "validation split.</p>"
                         + img(plots.to_png_bytes(fig), "training curves"))
    evaluations = {g: ev for g in res.subdirs("generator")
                   if (ev := res.json(f"generator/{g}/evaluation.json", f"{g} evaluation")) is not None}
    if evaluations:
        rows = {g: generator_row(ev) for g, ev in evaluations.items()}
        numbers.update({g: {"classifier AUROC": r.get("classifier AUROC"), **kmer_ratios(r)}
                        for g, r in rows.items()})
        against = evaluated_against(evaluations)
        parts.append(f"<h3>Generators: samples against {against}</h3><p class='sub'>k-mer spectrum "
                     "Jensen-Shannon divergence of the samples from real sequences, divided by that of a real "
                     "subset of the same size (1 = as close as real data); copies of training sequences (a "
                     "fraction); nearest Hamming: the mean number of letters from a sample to its nearest training "
                     "sequence; diversity: the mean fraction of positions at which two sequences differ; "
                     "AUROC of a classifier telling samples from real (0.5 = indistinguishable)."
                     + esc(held_out_note(evaluations) + seen_note(evaluations) + gap_note(res, data, evaluations)
                           + near_copies_sentence(evaluations))
                     + "</p>"
                     + table(pd.DataFrame.from_dict(rows, orient="index").rename_axis("generator").reset_index()))
    if not parts:
        return note("No trained models yet: run `seqgen train`."), numbers
    return "".join(parts), numbers


def held_out(evaluation: dict) -> bool:
    """Whether an ``evaluation.json`` compared the samples with held-out sequences (given the generator's training
    part, ``seqgen evaluate --training``: its real-vs-real baseline is a ``training subset``)."""
    return str(evaluation.get("baseline", "")).startswith("training subset")


def evaluated_against(evaluations: dict) -> str:
    """What the generators' samples were compared with: held-out data, the training data, or both (by generator)."""
    kinds = {held_out(ev) for ev in evaluations.values()}
    return {frozenset([True]): "held-out data", frozenset([False]): "the training data"}.get(frozenset(kinds),
                                                                                             "real data")


def held_out_note(evaluations: dict) -> str:
    """A sentence for the generators' table naming the held-out sequences the samples were compared with (the
    workflow's ``evaluate.holdout``), and what the JS ratios' real subset is then."""
    held = {g: ev for g, ev in evaluations.items() if held_out(ev)}
    if not held:
        return ""
    sizes = " / ".join(f"{n:,}" for n in sorted({ev["n_reference"] for ev in held.values() if ev.get("n_reference")}))
    return (f" The samples of {', '.join(held)} are compared with {sizes} real "
            f"sequences held out from their generator's training, and the JS ratios' real subset is training "
            f"sequences: a ratio near 1 means as close to unseen data as the training data is. Fewer held-out "
            f"sequences pull every ratio toward 1 (compare ratios at one holdout), and at k below 4 a ratio is noise "
            f"(real data's divergence is near 0 there). Copies and nearest Hamming are measured against the "
            f"training part.")


def seen_note(evaluations: dict) -> str:
    """A sentence for the generators' table where an evaluation had no held-out set (``baseline`` a ``reference
    half``: the workflow's with a holdout of 0, the generator's training data split in two): the samples' spectra
    are compared with sequences their generator was trained on and the real subset's with others, so a generator
    that learnt its training sequences by heart scores below 1 (0.5 for copies of them on FOXA1 peaks)."""
    seen = [g for g, ev in evaluations.items() if str(ev.get("baseline", "")).startswith("reference half")]
    if not seen:
        return ""
    return (f" The samples of {', '.join(seen)} were evaluated without a held-out set (as the workflow does with "
            f"a holdout of 0: against the training data, in two halves), so their spectra are compared with half of "
            f"the sequences their generator was trained on and the real subset's with the other half: a JS ratio "
            f"below 1 is no better than real data but a sign of memorization (see copies and nearest Hamming).")


def near_copies_sentence(evaluations: dict) -> str:
    """A sentence for the generators' table where their real sequences are near copies of one sequence
    (:func:`seqgen.metrics.near_copies_note`: a mutant library), naming the generators."""
    from seqgen.metrics import near_copies_note

    notes = {g: text for g, ev in evaluations.items() if (text := near_copies_note(ev))}
    if not notes:
        return ""
    first = next(iter(notes.values()))
    return f" For {', '.join(notes)}, {first}."


def kmer_ratios(row: dict) -> dict:
    """``{'k-mer JS ratio (k = 4 / 6)': '1.31 / 1.12'}``: a :func:`generator_row`'s ratios at k = 4 and the longest
    k (6 for DNA, 5 for protein), the project's targets (the longest alone looks better than it is: the spectra
    of a few hundred sequences are sparse, real and generated alike)."""
    measured = [int(key.split("=")[1]) for key in row if key.startswith("JS ratio k=") and row[key] is not None]
    ks = sorted({k for k in measured if k == 4 or k == max(measured)})
    return {f"k-mer JS ratio (k = {' / '.join(map(str, ks))})": " / ".join(fmt(row[f"JS ratio k={k}"]) for k in ks)} \
        if ks else {}


def generator_row(ev: dict) -> dict:
    """The headline numbers of one ``evaluation.json`` (from ``seqgen evaluate``)."""
    row = {f"JS ratio k={k}": v.get("ratio") for k, v in (ev.get("kmer_js") or {}).items()}
    gc = ev.get("gc") or {}
    row["GC samples"], row["GC real"] = gc.get("query_mean"), gc.get("reference_mean")
    for key, label in (("copies", "copies"), ("nearest_hamming", "nearest Hamming"), ("diversity", "diversity")):
        value = ev.get(key)
        row[label] = value.get("fraction", value.get("mean", value.get("query"))) if isinstance(value, dict) else value
    diversity = ev.get("diversity")
    if isinstance(diversity, dict) and diversity.get("reference") is not None:  # what the samples' should be near
        row["diversity real"] = diversity["reference"]
    auroc = ev.get("classifier_auroc")
    row["classifier AUROC"] = auroc.get("auroc") if isinstance(auroc, dict) else auroc
    return row


def held_out_caveat(metrics: dict) -> str:
    """A sentence above the predictor's figures: what its held-out sequences are (a random part of the same data
    set, or its chromosomes ``val_chromosomes`` names), and that accuracy on another experiment is usually lower;
    '' without a validation split."""
    n_val, n = metrics.get("n_validation"), metrics.get("n_sequences")
    if not n_val or not n:
        return ""
    chromosomes = metrics.get("val_chromosomes")
    drawn = f"every sequence of {', '.join(chromosomes)}" if chromosomes else "drawn at random"
    return (f"<p class='sub'>Held out: {fmt(n_val)} of the {fmt(n)} sequences ({n_val / n:.0%}, {drawn}, "
            f"never trained on, but they chose when training stopped and which weights were kept, so the figures "
            f"are a little optimistic). They come from the same experiment as the training sequences (the same "
            f"array or cells); on another one a predictor usually does worse (PBM: train on one array design, test "
            f"on the other, as DREAM5 did).</p>")


def baseline_sentence(metrics: dict) -> str:
    """A sentence comparing the predictor's held-out figure with that of ``metrics.json``'s ``baseline`` (a ridge
    regression on k-mer counts fitted to the same training sequences, :mod:`seqgen.baselines`); '' without one."""
    base = metrics.get("baseline") or {}
    key = "val_auroc" if "val_auroc" in base else "val_spearman"
    ours, theirs = metrics.get(key), base.get(key)
    if ours is None or theirs is None:
        return ""
    name = "AUROC" if key == "val_auroc" else "Spearman"
    verdict = (f"the predictor adds {ours - theirs:.3f} to counting k-mers" if ours > theirs + 0.005 else
               "the predictor does no better than counting k-mers: it has learned little beyond them (more "
               "training time, other settings, or a task a k-mer model already solves)")
    return (f"<p class='sub'>Yardstick: a {esc(base.get('model', 'k-mer model'))}, fitted to the same training "
            f"sequences, scores {name} {fmt(theirs)} on the held-out ones, the predictor {fmt(ours)}: "
            f"{esc(verdict)}.</p>")
