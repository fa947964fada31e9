"""The report's mutation effects section (``mutations.tsv`` of ``seqgen score-mutants``)."""
from __future__ import annotations

import html

import pandas as pd

from seqgen.report.page import esc, fmt, note, table
from seqgen.report.results import Results


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
