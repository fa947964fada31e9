"""The report's motif section: the motifs found, their logos, enrichment and JASPAR matches, and the
summary's cards for motifs that match nothing; the colours that mark their sites in designs."""
from __future__ import annotations

import pandas as pd

from seqgen.report.page import card, esc, fmt, img, note, table
from seqgen.report.results import Results


SITE_COLORS = ["#ffd166", "#8ecae6", "#b5e48c", "#f4a3c1", "#cdb4db", "#f6bd60", "#a0c4ff", "#ffadad"]
#: the name swatch of motifs whose sites the report does not mark (the designs' own)
UNMARKED = "#e5e5e5"


def motif_section(res: Results, alphabet, folder: str = "motifs", heading: str = "h3",
                  coloured: bool = True) -> tuple[str, list, dict]:
    """Motifs of ``folder`` with their logos and best JASPAR matches. Returns html, motifs, {name: colour}.

    ``coloured``: False names the motifs on grey, not in the colours that mark the data's motifs' sites in designs.
    """
    from seqgen import plots
    from seqgen.motifs import (MATCH_Q, MIN_MATCH_BITS, ORDER_COPIES, ORDER_P, SITE_P, match_strength, read_meme,
                               unreachable_note)

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
    unreachable = unreachable_note(motifs, float(params.get("site_threshold", SITE_P)))
    if unreachable:  # its sites.tsv has none of theirs: say why
        parts.append(note(unreachable + "."))
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
