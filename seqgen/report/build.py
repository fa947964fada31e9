"""The whole report: the summary cards, the sections in order, the page; :func:`build_report` and
:func:`write_report`."""
from __future__ import annotations

from seqgen.atomic import write_text
from seqgen.report.designs import design_section, reference_letters, training_label_max
from seqgen.report.motifs import motif_section, unmatched_cards
from seqgen.report.mutations import mutation_section
from seqgen.report.page import CSS, card, esc, fmt, note
from seqgen.report.provenance import family_summary, provenance_section
from seqgen.report.quality import quality_section
from seqgen.report.results import Results
from seqgen.report.scan import scan_section
from seqgen.report.sequences import sequence_section


def summary_cards(data, motif_list, matches, design_numbers, quality_numbers, family=None) -> str:
    cards = []
    if data is not None:
        # data.npz: the predictor's data; the generators may train on a part of it (seqgen split)
        cards += [card("sequences in the data set", len(data)), card(f"length ({data.alphabet.name})", data.length)]
    if family:  # of the alignment the VAE trained on (its training part with a holdout, gap-filtered)
        cards.append(card(f"effective sequences of the {family['sequences']:,} the VAE trained on "
                          f"(theta {family['theta']:g})", family["effective sequences"]))
    for name, nums in quality_numbers.items():
        for k, v in list(nums.items())[:3]:
            cards.append(card(f"{name} {k}", v))
    for method, nums in design_numbers.items():
        cards.append(card(f"{method} designs", nums["n"]))
        if "first" in nums:  # ranked by what the design optimized (the utility), not always the highest score
            cards.append(card(design_card_key(method, nums), nums["first"]))
    if motif_list:
        cards.append(card("motifs", len(motif_list)))
        if matches is not None and len(matches):
            from seqgen.motifs import match_strength, significant

            best = matches[(matches["rank"] == 1) & significant(matches)].sort_values("q_value").head(3)
            for _, r in best.iterrows():
                weak = "; weak evidence" if match_strength(r) == "weak" else ""
                cards.append(card(f"{r['query']} best match (q = {r['q_value']:.2g}{weak})", f"{r['target_name']}"))
        cards += unmatched_cards(motif_list, matches)
    return f'<div class="cards">{"".join(cards)}</div>' if cards else note("The results folder is empty.")


def design_card_key(method: str, nums: dict) -> str:
    """The summary card's name for a method's first-ranked design: its utility, or its score as the predictor
    predicts it, flagged where it lies above every training label (the predictor extrapolates there), else beside
    the highest prediction of a held-out training sequence (``predictor/predictions.tsv``; a classifier's only
    yardstick).

    Parameters
    ----------
    method : str
        The design method.
    nums : dict
        The method's numbers from :func:`design_section` (``first``, ``column``, ``label_max``,
        ``held_out_best``).

    Returns
    -------
    str
        The card's name.
    """
    if nums.get("column") == "utility":
        return f"{method} first-ranked design's utility"
    key = f"{method} first-ranked design's predicted score"
    label_max, held_out_best = nums.get("label_max"), nums.get("held_out_best")
    if label_max is not None and nums["first"] > label_max:
        key += f" (above the highest training label, {fmt(label_max)}: extrapolated)"
    elif held_out_best is not None:
        key += f" (the highest prediction of a held-out sequence: {fmt(held_out_best)})"
    return key


def build_report(results, title: str | None = None, top: int = 20, methods: list[str] | None = None,
                 generators: list[str] | None = None, mutations: bool = True,
                 predictor: bool = True, scan: bool = True) -> tuple[str, list[str]]:
    """HTML text of the report for one results folder, and the notes on what was missing.

    ``methods`` and ``generators`` restrict the design and generator sub-folders read (default: all found), so a
    folder left by an earlier configuration is not reported as this one's; ``mutations=False`` leaves out a
    ``mutations.tsv`` the folder may hold (an earlier configuration's, with ``mutants``), and ``predictor=False``
    its ``predictor/`` and the samples' scores by it (``generator/*/samples.tsv``: an earlier configuration's, when
    the data set has no label now), and ``scan=False`` its ``scan/`` (an earlier configuration's)."""
    hidden = (() if mutations else ("mutations.tsv",)) + (() if predictor else ("predictor", "generator/*/samples.tsv"))
    hidden += () if scan and predictor else ("scan",)
    res = Results(results, {"design": methods, "generator": generators}, hidden)
    from seqgen.data import SequenceSet

    data = res.read("data.npz", SequenceSet.load, "training data from `seqgen encode`")
    alphabet = data.alphabet if data is not None else None
    motif_html, motif_list, colors = motif_section(res, alphabet)
    searched = res.json("motifs/params.json", "motif settings", optional=True) or {}
    # predictor None: an older run's folder; no params.json (written last): a search that did not finish
    if res.path("motifs/predictor/params.json") and searched.get("predictor", True):
        learned = motif_section(res, alphabet, "motifs/predictor")[0]
        motif_html += ("<h3>Motifs the predictor learned</h3><p class='sub'>In-silico mutagenesis of the top "
                       "sequences, cut into seqlets and clustered (motifs/predictor/).</p>" + learned)
    if alphabet is None:
        from seqgen.alphabets import DNA

        alphabet = motif_list[0].alphabet if motif_list else DNA
    design_html, design_numbers = design_section(res, motif_list, colors, top, alphabet,
                                                 training_label_max(res, data), reference_letters(res, data))
    # data without labels (an alignment) has no predictor: its absence is not noted as missing
    expect_predictor = bool(res.path("predictor")) or data is None or bool(data.label_names)
    quality_html, quality_numbers = quality_section(res, expect_predictor, data)
    seq_html = sequence_section(res, data, alphabet)
    matches = res.csv("motifs/tomtom.tsv", "Tomtom matches", optional=True)
    family = family_summary(res, data)
    prov_html = provenance_section(res, data, family)
    mutation_html = (f"<h2>Mutation effects</h2>{mutation_section(res, top)}"
                     if res.path("mutations.tsv") else "")
    scan_html = (f"<h2>Scanned sequences</h2>{scan_section(res, top, motif_list, colors, alphabet)}"
                 if res.path("scan/best.tsv") else "")
    title = title or res.root.resolve().name
    notes = sorted(set(res.notes))
    body = (f"<h1>seqgen report: {esc(title)}</h1><p class='sub'>{esc(res.root.resolve())}</p>"
            f"<h2>Summary</h2>{summary_cards(data, motif_list, matches, design_numbers, quality_numbers, family)}"
            f"<h2>Motifs</h2>{motif_html}<h2>Designs</h2>{design_html}{mutation_html}{scan_html}"
            f"<h2>Model quality</h2>{quality_html}<h2>Sequences: training, generated, designed</h2>{seq_html}"
            f"<h2>How it was made</h2>{prov_html}"
            f"<h2>Not in this folder</h2>" + ("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
                                                if notes else "<p>Everything expected was found.</p>"))
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>seqgen report: {esc(title)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")
    return page, notes


def write_report(results, out, title: str | None = None, top: int = 20, methods: list[str] | None = None,
                 generators: list[str] | None = None, mutations: bool = True, predictor: bool = True,
                 scan: bool = True) -> list[str]:
    """Write the report of ``results`` to ``out`` (HTML, atomically); returns the notes."""
    page, notes = build_report(results, title, top, methods, generators, mutations, predictor, scan)
    write_text(out, page)
    return notes
