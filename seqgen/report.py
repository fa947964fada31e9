"""A self-contained HTML report of one data set's results folder.

The report reads files only (the layout of ``results/{dataset}/`` in the
project's design notes), takes what exists and notes what does not:

```
data.npz                                   training sequences and labels
generator/{vae,gan}/metrics.csv, samples.fasta, samples.tsv (optional: id, sequence, mean, std), evaluation.json
generator/vae/model.pt                     a family VAE's alignment summary (Neff, focus), for an alignment only
predictor/metrics.json, metrics.csv, predictions.tsv (optional: measured, predicted)
design/{method}/designs.fasta, designs.tsv (id, sequence, score_label_mean...), trajectory.tsv, design.json,
                training_utility.tsv (id, utility), motifs/ (the designs' motifs, as motifs/ below)
motifs/motifs.meme, motifs.tsv, tomtom.tsv, logos/*.png, params.json; motifs/predictor/ (the predictor's motifs)
mutations.tsv (optional: mutant, vae, site_independent, note) mutation effects from ``seqgen score-mutants``
config.yaml or config.json                 the settings the results were made with
```

Images are embedded as PNG data URIs; the file has no external links, so it
opens offline.
"""
from __future__ import annotations

import base64
import datetime
import fnmatch
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from seqgen.atomic import write_text
from seqgen.errors import SeqgenError

SITE_COLORS = ["#ffd166", "#8ecae6", "#b5e48c", "#f4a3c1", "#cdb4db", "#f6bd60", "#a0c4ff", "#ffadad"]
#: the name swatch of motifs whose sites the report does not mark (the designs' own)
UNMARKED = "#e5e5e5"

CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;
     color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{margin-bottom:.3em} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.5em 0 1em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:middle}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.6em .9em;min-width:150px}
.card .v{font-size:1.4em;font-weight:600} .card .k{color:#555;font-size:.85em}
.seq{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.85em;white-space:nowrap}
.seq span{border-radius:2px} .note{color:#8a6d3b;background:#fcf8e3;border:1px solid #faebcc;
     padding:.4em .8em;border-radius:4px;margin:.4em 0} pre{background:#f6f8fa;padding:.8em;overflow-x:auto;
     font-size:.8em} img{max-width:100%} .legend span{padding:0 .4em;margin-right:.6em;border-radius:2px}
"""


# ---------------------------------------------------------------- small helpers

def esc(value) -> str:
    return html.escape(str(value))


def img(png: bytes, alt: str = "", width: int | None = None) -> str:
    """An ``<img>`` with the PNG embedded as a data URI."""
    w = f' width="{width}"' if width else ""
    return f'<img alt="{esc(alt)}"{w} src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def fmt(value) -> str:
    """A number for a table cell, a card or a sentence; 'n/a' for a missing one (None, NaN: a metric that could
    not be computed, stored as null)."""
    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3g}"
        if abs(value) >= 1e3:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    return esc(value)


def table(df: pd.DataFrame, raw_columns=()) -> str:
    """An HTML table of ``df``; columns in ``raw_columns`` hold HTML already."""
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, rec):
            if col in raw_columns:
                cells.append(f"<td>{v}</td>")
            elif v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
                cells.append('<td class="num">n/a</td>')  # not measured (e.g. no validation split, no GC)
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{fmt(v)}</td>')
            else:
                cells.append(f"<td>{esc(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def kv_table(d: dict) -> str:
    """A two-column table of a flat dict (nested values shown as JSON)."""
    rows = [(k, v if isinstance(v, (int, float, str, bool)) or v is None else json.dumps(v)) for k, v in d.items()]
    return table(pd.DataFrame(rows, columns=["key", "value"]))


def card(key: str, value) -> str:
    return f'<div class="card"><div class="v">{fmt(value)}</div><div class="k">{esc(key)}</div></div>'


def note(text: str) -> str:
    return f'<div class="note">{esc(text)}</div>'


def score_column(df: pd.DataFrame) -> str | None:
    """The column of a designs/samples table holding the score: ``score``, else ``score_label_mean`` (the
    predictor's mean on the label's scale, as in predictor/predictions.tsv), else ``mean`` (``seqgen predict``'s
    table, as the workflow's samples.tsv), else the first ``*score*``/``pred*``, else ``utility`` (designs for the
    VAE's likelihood alone)."""
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    by_name = {c.lower(): c for c in numeric}
    for name in ("score", "score_label_mean", "mean"):
        if name in by_name:
            return by_name[name]
    for c in numeric:
        if "score" in c.lower() or c.lower().startswith("pred"):
            return c
    return "utility" if "utility" in numeric else None  # designs for the VAE's likelihood alone


class Results:
    """What a results folder holds; every reader returns None (and records a note) when a file is missing."""

    def __init__(self, root, only: dict[str, list[str]] | None = None, hidden: tuple[str, ...] = ()):
        """``only``: the sub-folders to read of ``design``/``generator`` (e.g. those the current config makes);
        by default every one found. ``hidden``: files and folders (``fnmatch`` patterns) read as absent, without a
        note (an earlier configuration's ``predictor``...)."""
        self.root = Path(root)
        self.hidden = tuple(hidden)
        if not self.root.is_dir():
            raise SeqgenError("is a file, not a results folder" if self.root.exists() else
                              "results folder does not exist", root)
        self.notes: list[str] = []
        self.only = {k: v for k, v in (only or {}).items() if v is not None}
        self._tables: dict = {}

    def is_hidden(self, rel: str) -> bool:
        """Whether ``rel`` is one of ``hidden``, or inside one."""
        return any(fnmatch.fnmatch(rel, h) or rel.startswith(f"{h}/") for h in self.hidden)

    def path(self, rel: str) -> Path | None:
        if self.is_hidden(rel):
            return None
        p = self.root / rel
        return p if p.exists() else None

    def read(self, rel: str, reader, what: str, optional: bool = False):
        """``reader(path)`` of the file ``rel`` of the folder; None when it is absent (with a note saying ``what``
        is missing, unless ``optional``) or cannot be read (with a note)."""
        p = self.path(rel)
        if p is None:
            if not optional and not self.is_hidden(rel):  # a hidden file is left out, not missing
                self.note(f"no {rel} ({what})")
            return None
        try:
            return reader(p)
        except Exception as exc:  # a broken file is reported, the rest of the report is still written
            self.note(f"could not read {rel}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            return None

    def note(self, text: str) -> None:
        """Record a note once (sections may read the same file)."""
        if text not in self.notes:
            self.notes.append(text)

    def csv(self, rel, what, sep=None, optional=False, columns=()):
        """The table ``rel``, read from disk once however many sections ask (each gets its own copy); None, with
        a note, when it lacks one of ``columns`` (a section would leave out what it draws from them, silently)."""
        key = (rel, sep)
        if key not in self._tables:
            sep = sep or ("\t" if rel.endswith(".tsv") else ",")
            table = self.read(rel, lambda p: pd.read_csv(p, sep=sep), what, optional)
            if table is None:  # not kept: a later, non-optional ask still records the note
                return None
            self._tables[key] = table
        missing = [c for c in columns if c not in self._tables[key]]
        if missing:
            self.note(f"could not read {rel}: no column {', '.join(map(repr, missing))} (its columns: "
                      f"{', '.join(map(str, self._tables[key].columns))})")
            return None
        return self._tables[key].copy()

    def json(self, rel, what, optional=False):
        return self.read(rel, lambda p: json.loads(p.read_text(encoding="utf-8")), what, optional)

    def sequences(self, rel, what, alphabet="dna", optional=False):
        from seqgen.motifs import load_input

        return self.read(rel, lambda p: load_input(p, alphabet), what, optional)

    def subdirs(self, rel: str) -> list[str]:
        p = self.root / rel
        found = sorted(d.name for d in p.iterdir() if d.is_dir()) if p.is_dir() else []
        if rel not in self.only:
            return found
        missing = [d for d in self.only[rel] if d not in found]  # asked for, e.g. a misspelled --methods name
        for d in missing:
            note = f"no {rel}/{d}/ (asked for by --{'methods' if rel == 'design' else 'generators'})"
            self.note(note)
        return [d for d in found if d in self.only[rel]]


# ---------------------------------------------------------------- sections

def motif_section(res: Results, alphabet, folder: str = "motifs", heading: str = "h3",
                  coloured: bool = True) -> tuple[str, list, dict]:
    """Motifs of ``folder`` with their logos and best JASPAR matches. Returns html, motifs, {name: colour}.

    ``coloured``: False names the motifs on grey, not in the colours that mark the data's motifs' sites in designs.
    """
    from seqgen import plots
    from seqgen.motifs import MATCH_Q, MIN_MATCH_BITS, ORDER_COPIES, ORDER_P, match_strength, read_meme

    motifs = res.read(f"{folder}/motifs.meme", read_meme, "motif discovery: run `seqgen motifs`")
    if motifs is None:
        return note(f"No motifs yet: run `seqgen motifs --input ... --out RESULTS/{folder}`."), [], {}
    matches = res.csv(f"{folder}/tomtom.tsv", "Tomtom matches")
    summary = res.csv(f"{folder}/motifs.tsv", "motif statistics")
    params = res.json(f"{folder}/params.json", "motif settings") or {}
    colors = {m.name: SITE_COLORS[i % len(SITE_COLORS)] if coloured else UNMARKED for i, m in enumerate(motifs)}
    alphabet = alphabet or (motifs[0].alphabet if motifs else None)  # without data.npz: the motifs' own
    jaspar = params.get("jaspar", {})
    targets = f' ({esc(jaspar["n_targets"])} matrices)' if jaspar.get("n_targets") else ""
    matched = (f'Matches: Tomtom against {esc(jaspar.get("release", "JASPAR"))} {esc(jaspar.get("collection", ""))} '
               f'{esc(jaspar.get("tax_group", "") or "")}{targets}; logos in bits, the best match drawn below each '
               f"motif as Tomtom aligned them when significant (q &lt;= {MATCH_Q}, for a motif of at least "
               f"{MIN_MATCH_BITS:g} bits)." if motifs else "")
    if matches is None and motifs:
        matched = "No Tomtom matches (tomtom.tsv is missing)."
    if alphabet is not None and not alphabet.is_nucleic:
        matched = "Logos in bits, protein chemistry colours; no JASPAR comparison (JASPAR holds DNA motifs)."
    elif alphabet is not None and not alphabet.double_stranded:
        matched = "Logos in bits, one strand (RNA); no JASPAR comparison (JASPAR holds DNA motifs)."
    searched = (f'; foreground {esc(params["n_foreground"])} sequences, background: {esc(params.get("background"))}'
                if "n_foreground" in params else "")
    parts = [f'<p class="sub">{len(motifs)} motif{"" if len(motifs) == 1 else "s"}{searched}. {matched}</p>']
    if not motifs:
        parts.append(note("Motif discovery found no significant motif."))
    for number, m in enumerate(motifs):
        logo_png = res.path(f"{folder}/logos/{m.name}.png")
        picture = img(logo_png.read_bytes(), m.name) if logo_png else img(plots.to_png_bytes(plots.logo(m)), m.name)
        stats = ""
        if summary is not None and "motif" in summary and (summary["motif"] == m.name).any():
            row = summary[summary["motif"] == m.name].iloc[0].dropna().to_dict()
            stats = enrichment_text(row, number > 0) + "; ".join(f"{esc(k)} {fmt(v)}" for k, v in row.items()
                                                     if k not in ("motif",))
        hits = ""
        if matches is not None and len(matches):
            mm = matches[matches["query"] == m.name].head(3)
            if len(mm):
                show = mm[["rank", "target", "target_name", "target_family", "p_value", "q_value", "orientation"]]
                hits = table(show.astype(object).fillna(""))
                best, strength = mm.iloc[0], match_strength(mm.iloc[0])
                if strength == "none":
                    hits = note(f"no significant JASPAR match (every q > {MATCH_Q}); the closest:") + hits
                elif strength == "too little information":
                    hits = note(f"too little information ({best['query_bits']:.2f} bits, under "
                                f"{MIN_MATCH_BITS:g}) to name a JASPAR match; the closest:") + hits
                elif strength == "weak":
                    hits = note(f"weak evidence: column-shuffled copies of the motif match JASPAR as well "
                                f"(order p = {best['order_p']:.2g}, over {ORDER_P:g}; {ORDER_COPIES} copies), so "
                                f"the match rests on its letters more than on their order") + hits
            else:
                hits = note("no JASPAR match listed")
        parts.append(f'<{heading}><span style="background:{colors[m.name]};padding:0 .4em">{esc(m.name)}</span> '
                     f'<span class="seq">{esc(m.consensus)}</span></{heading}><p class="sub">{stats}</p>'
                     f"{picture}{hits}")
    return "".join(parts), motifs, colors


def enrichment_text(row: dict, masked: bool = False) -> str:
    """A motif search's numbers (a ``motifs.tsv`` row) in words: the sequences with a site in each set, as
    fractions, and the enrichment p- and E-value; '' for a row without them (a predictor's motif). ``masked``: a
    motif found after others, counted where their sites were masked (so fewer than ``sites.tsv`` lists)."""
    from seqgen.motifs import log10_evalue, log10_text

    if not {"fg_hits", "n_fg", "bg_hits", "n_bg", "log10_p"} <= set(row) or not row["n_fg"] or not row["n_bg"]:
        return ""
    text = (f"A site in {fmt(int(row['fg_hits']))} of the {fmt(int(row['n_fg']))} foreground sequences "
            f"({row['fg_hits'] / row['n_fg']:.1%}) against {fmt(int(row['bg_hits']))} of the "
            f"{fmt(int(row['n_bg']))} background ones ({row['bg_hits'] / row['n_bg']:.1%})"
            f"{', the sites of the motifs above masked' if masked else ''}; enrichment p = "
            f"{log10_text(row['log10_p'])} (hypergeometric)")
    if row.get("kmers_tested"):
        text += (f", E = {log10_text(log10_evalue(row['log10_p'], row['kmers_tested']))} (p x the "
                 f"{fmt(int(row['kmers_tested']))} seed k-mers tested: motifs this enriched expected by chance)")
    return esc(text) + ".<br>"


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
    above = summary.get("avoid_above") or [None] * len(summary.get("avoid") or [])
    for path, count in zip(summary.get("avoid") or [], above):
        level = summary.get("avoid_below")
        held = "minimized" if level is None else f"penalized above {level}" + (
            "" if count is None else f": {count} of {summary.get('designs')} designs still predicted above it")
        parts.append(f"the predictor {path} ({held})")
    if summary.get("naturalness"):
        parts.append(f"{summary['naturalness']:g} x the generator VAE's ELBO (naturalness)")
    searched = f", searched in the latent space of the generator {summary['generator']}" \
        if summary.get("method") == "latent" and summary.get("generator") else ""
    return "objective: " + (" + ".join(parts) or "none recorded") + searched


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
    from seqgen.motifs import SITE_P, unreachable_note

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
    site_p = float((params or {}).get("site_threshold", SITE_P))  # the threshold of the motifs' own sites.tsv
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
        shown = _marked_designs(df.head(top).reset_index(drop=True), motifs, colors, alphabet, site_p)
        summary = res.json(f"design/{method}/design.json", f"{method} design summary")
        dropped = dropped_text(summary)
        parts.append(f"<h3>{esc(method)}</h3><p class='sub'>{len(df)} designs{esc(dropped)}; "
                     f"{esc(objective_text(summary))}{esc(composition_limits(summary))}; top {len(shown)} by "
                     f"{esc(rank or 'file order')}."
                     f"{esc(training_comparison(summary, metrics))}{esc(start_comparison(summary))}"
                     f"{esc(predictor_accuracy(summary, metrics))}</p>"
                     + extrapolation_note(df, col, label_max)
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
    from seqgen.alphabets import encode
    from seqgen.motifs import scan

    if not motifs or "probe" not in designs or not len(designs) or not alphabet.double_stranded:
        return ""
    probes = designs["probe"].astype(str).str.upper()
    designed = designs["sequence"].astype(str).str.len().to_numpy()
    if probes.str.len().nunique() != 1 or len(set(designed)) != 1:
        return ""
    try:
        codes = encode(probes.tolist(), alphabet)
    except ValueError:
        return ""
    sites = scan(motifs, codes, threshold=site_p)
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


def _marked_designs(shown: pd.DataFrame, motifs: list, colors: dict, alphabet, site_p: float) -> pd.DataFrame:
    """``shown`` (the top designs) with each sequence as HTML, its motif sites (FIMO, p < ``site_p``) coloured,
    and a ``sites`` count column when the sequences could be scanned."""
    from seqgen.alphabets import encode
    from seqgen.motifs import scan

    if not motifs or not len(shown):
        shown["sequence"] = [f'<span class="seq">{esc(s)}</span>' for s in shown["sequence"]]
        return shown
    seqs = shown["sequence"].astype(str).str.upper().tolist()
    try:
        codes = encode(seqs, alphabet) if len({len(s) for s in seqs}) == 1 else None
    except ValueError:
        codes = None
    sites = scan(motifs, codes, threshold=site_p) if codes is not None else pd.DataFrame(columns=["index"])
    shown["sequence"] = [marked_sequence(s, sites[sites["index"] == i], colors) for i, s in enumerate(seqs)]
    if "index" in sites:  # a designs.tsv column of the same name is kept beside the count, under its file's name
        shown = shown.rename(columns={"sites": "sites (designs.tsv)"})
        shown.insert(2, "sites", np.bincount(sites["index"].astype(int), minlength=len(shown)))
    return shown


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


def mutation_section(res: Results, top: int) -> str:
    """Mutation effects (``mutations.tsv`` of ``seqgen score-mutants``): agreement with the site-independent
    model and the ``top`` mutants the VAE finds most and least like the family."""
    df = res.csv("mutations.tsv", "mutation effects")
    if df is None or not {"mutant", "vae", "site_independent"} <= set(df.columns):
        return note("mutations.tsv has no mutant, vae and site_independent columns.") if df is not None else ""
    scored = df.dropna(subset=["vae"])
    skipped = df.loc[df["vae"].isna(), "mutant"].astype(str).tolist()
    rho = scored["vae"].corr(scored["site_independent"], method="spearman") if len(scored) > 2 else float("nan")
    ranked = scored.sort_values("vae", ascending=False, kind="stable")[["mutant", "vae", "site_independent"]]
    unscored = (f" {len(skipped)} could not be scored (stops, or residues outside the alignment's match columns): "
                + ", ".join(skipped[:10]) + (" ..." if len(skipped) > 10 else "") + "." if skipped else "")
    return (f"<p class='sub'>{len(scored)} mutants of the focus sequence scored by the family VAE (ELBO(mutant) - "
            f"ELBO(wild type), nats; higher: more like the family); Spearman with the site-independent model "
            f"{fmt(rho)}.{html.escape(unscored)}</p>" + measured_text(df) + (
                "<h3>Every scored mutant, most tolerated first</h3>" + table(ranked) if len(ranked) <= 2 * top else
                "<h3>Most tolerated</h3>" + table(ranked.head(top))
                + "<h3>Least tolerated</h3>" + table(ranked.tail(top).iloc[::-1])))


def measured_text(df: pd.DataFrame) -> str:
    """How the scores rank against each measured column of ``mutations.tsv`` (``measured_<column>``, from the data
    set's ``mutants_measured``): a paragraph, or '' without one."""
    from seqgen.mutations import measured_agreement

    lines = []
    for column in [c for c in df.columns if str(c).startswith("measured_")]:
        r = measured_agreement(df, column)
        lines.append(f"{column[len('measured_'):]} ({r['n']} mutants measured and scored): family VAE {fmt(r['vae'])}, "
                     f"site-independent model {fmt(r['site_independent'])}")
    return f"<p>Spearman correlation with the measured {esc('; '.join(lines))}.</p>" if lines else ""


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


def family_summary(res: Results, data) -> dict | None:
    """The alignment a family VAE trained on, as stored in ``generator/vae/model.pt``: the effective number of
    sequences (sum of the sequence weights), the weights' threshold theta, the sequences kept and dropped by the
    gap filter, the focus; None without a family VAE (the model is read only where ``data`` is an alignment)."""
    from seqgen.checkpoint import load_checkpoint

    if data is None or "focus_positions" not in data.meta:
        return None
    payload = res.read("generator/vae/model.pt", lambda p: load_checkpoint(p, "vae"), "the VAE", optional=True)
    family = (payload or {}).get("family")
    if not family:
        return None
    return {"effective sequences": round(float(family["neff"]), 1), "theta": family["theta"],
            "sequences": family["n_sequences"], "dropped (too many gaps)": family["n_dropped_gaps"],
            "focus": family["focus_id"]}


def provenance_section(res: Results, data, family: dict | None = None) -> str:
    """Config, data provenance (``family``: the family VAE's alignment, :func:`family_summary`), motif settings,
    versions."""
    from seqgen.motifs import versions

    parts = []
    for name in ("config.yaml", "config.yml", "config.json"):
        p = res.path(name)
        if p:
            parts.append(f"<h3>Configuration ({esc(name)})</h3><pre>{esc(p.read_text(encoding='utf-8'))}</pre>")
            break
    else:
        res.note("no config.yaml in the results folder (settings)")
    if data is not None:
        parts.append("<h3>Training data</h3>" + kv_table(data.meta))
    if family:
        parts.append("<h3>The family VAE's alignment (sequence weights)</h3>" + kv_table(family))
    params = res.json("motifs/params.json", "motif settings", optional=True)
    if params:
        parts.append("<h3>Motif analysis</h3>" + kv_table({k: "none" if v is None else v for k, v in params.items()
                                                           if k != "versions"}))  # predictor, top: none, not n/a
        if "versions" in params:
            parts.append("<p class='sub'>Motif analysis run with:</p>" + kv_table(params["versions"]))
    parts.append("<h3>This report</h3>" + kv_table({"written": datetime.datetime.now().isoformat(timespec="seconds"),
                                                   "folder": str(res.root.resolve()), **versions()}))
    return "".join(parts)


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


def unmatched_cards(motif_list: list, matches: pd.DataFrame | None, top: int = 3) -> list[str]:
    """Cards for the first ``top`` motifs found (the most enriched) that match no JASPAR motif significantly: a
    motif the collection lacks (a plant TATA box against JASPAR's plant matrices) is still a finding. DNA motifs
    only (the others are compared with nothing)."""
    from seqgen.motifs import significant

    if not motif_list or not motif_list[0].alphabet.double_stranded:
        return []
    matched = set() if matches is None or not len(matches) else \
        set(matches.loc[(matches["rank"] == 1) & significant(matches), "query"])
    return [card(f"{m.name}: no significant JASPAR match", m.consensus) for m in motif_list[:top]
            if m.name not in matched]


def held_out_caveat(metrics: dict) -> str:
    """A sentence above the predictor's figures: what its held-out sequences are (a random part of the same data
    set), and that accuracy on another experiment is usually lower; '' without a validation split."""
    n_val, n = metrics.get("n_validation"), metrics.get("n_sequences")
    if not n_val or not n:
        return ""
    return (f"<p class='sub'>Held out: {fmt(n_val)} of the {fmt(n)} sequences ({n_val / n:.0%}, drawn at random, "
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
        key += f" (held-out sequences' highest: {fmt(held_out_best)})"
    return key


def build_report(results, title: str | None = None, top: int = 20, methods: list[str] | None = None,
                 generators: list[str] | None = None, mutations: bool = True,
                 predictor: bool = True) -> tuple[str, list[str]]:
    """HTML text of the report for one results folder, and the notes on what was missing.

    ``methods`` and ``generators`` restrict the design and generator sub-folders read (default: all found), so a
    folder left by an earlier configuration is not reported as this one's; ``mutations=False`` leaves out a
    ``mutations.tsv`` the folder may hold (an earlier configuration's, with ``mutants``), and ``predictor=False``
    its ``predictor/`` and the samples' scores by it (``generator/*/samples.tsv``: an earlier configuration's, when
    the data set has no label now)."""
    hidden = (() if mutations else ("mutations.tsv",)) + (() if predictor else ("predictor", "generator/*/samples.tsv"))
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
    title = title or res.root.resolve().name
    notes = sorted(set(res.notes))
    body = (f"<h1>seqgen report: {esc(title)}</h1><p class='sub'>{esc(res.root.resolve())}</p>"
            f"<h2>Summary</h2>{summary_cards(data, motif_list, matches, design_numbers, quality_numbers, family)}"
            f"<h2>Motifs</h2>{motif_html}<h2>Designs</h2>{design_html}{mutation_html}"
            f"<h2>Model quality</h2>{quality_html}<h2>Sequences: training, generated, designed</h2>{seq_html}"
            f"<h2>How it was made</h2>{prov_html}"
            f"<h2>Not in this folder</h2>" + ("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
                                                if notes else "<p>Everything expected was found.</p>"))
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>seqgen report: {esc(title)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")
    return page, notes


def write_report(results, out, title: str | None = None, top: int = 20, methods: list[str] | None = None,
                 generators: list[str] | None = None, mutations: bool = True, predictor: bool = True) -> list[str]:
    """Write the report of ``results`` to ``out`` (HTML, atomically); returns the notes."""
    page, notes = build_report(results, title, top, methods, generators, mutations, predictor)
    write_text(out, page)
    return notes
