"""Motif files: MEME text files (write, read, E-values), the folder of a motif analysis (:func:`write_results`),
package versions, and reading the sequences of a motif search (:func:`load_input`)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from seqgen.alphabets import DNA, get_alphabet
from seqgen.atomic import atomic_path
from seqgen.errors import SeqgenError
from seqgen.jaspar import JASPAR_COLLECTION, JASPAR_RELEASE, JASPAR_TAX_GROUP, jaspar_motifs
from seqgen.motifs.matching import TOMTOM_COLUMNS, significant, tomtom
from seqgen.motifs.pwm import Motif
from seqgen.motifs.sites import number_sites, scan
from seqgen.settings import SITE_P

DISCOVERY_STATS = ("source", "seed", "log10_p", "kmers_tested", "fg_hits", "n_fg", "bg_hits", "n_bg")  # motifs.tsv


# ---------------------------------------------------------------- MEME format

def log10_text(log10_value: float) -> str:
    """``10 ** log10_value`` written with 3 significant digits, as MEME writes E-values: also below float's range
    (a motif in thousands of sequences has log10 p-values of -2000, which ``10 **`` would round to 0)."""
    exponent = int(np.floor(log10_value))
    mantissa = round(10 ** (log10_value - exponent), 2)
    if mantissa >= 10:  # 9.995 rounds up
        mantissa, exponent = 1.0, exponent + 1
    if -300 < exponent < 300:
        return f"{mantissa * 10.0 ** exponent:.3g}"
    return f"{mantissa:.3g}e{exponent:+03d}"


def log10_evalue(log10_p: float, kmers_tested: int = 1) -> float:
    """log10 of a discovered motif's E-value: its enrichment p-value times the seed k-mers it was the best of
    (Bonferroni: how many motifs this enriched the search would find by chance)."""
    return log10_p + float(np.log10(kmers_tested))


def write_meme(path, motifs: list[Motif], background: np.ndarray | None = None) -> None:
    """Write motifs to a MEME (version 4) text file, atomically.

    All motifs must share one alphabet; ``background`` ``(A,)`` defaults to uniform.
    """
    alphabet = motifs[0].alphabet if motifs else DNA
    if any(m.alphabet != alphabet for m in motifs):
        raise SeqgenError("cannot write motifs of different alphabets to one MEME file", path)
    spaced = [m.name for m in motifs if not m.name or re.search(r"\s", m.name)]
    if spaced:  # the MOTIF line's first word is the name: read back, "my motif" would be "my", described "motif"
        raise SeqgenError(f"motif name {spaced[0]!r} is empty or holds white space, which a MEME file cannot keep; "
                          f"rename it (e.g. {'_'.join(spaced[0].split()) or 'motif-1'!r})", path)
    bg = np.full(alphabet.size, 1.0 / alphabet.size) if background is None else np.asarray(background)
    lines = ["MEME version 4", "", f"ALPHABET= {alphabet.letters}", ""]
    lines += ["strands: + -" if alphabet.double_stranded else "strands: +", ""] if alphabet.is_nucleic else []
    lines += ["Background letter frequencies", " ".join(f"{c} {f:.4f}" for c, f in zip(alphabet.letters, bg)), ""]
    for m in motifs:
        evalue = "0"  # where there is none (a predictor's motif), as JASPAR writes
        if "log10_p" in m.stats:
            evalue = log10_text(log10_evalue(m.stats["log10_p"], m.stats.get("kmers_tested", 1)))
        lines.append(f"MOTIF {m.name} {m.description}".rstrip())
        lines.append(f"letter-probability matrix: alength= {alphabet.size} w= {m.width} nsites= {m.nsites} "
                     f"E= {evalue}")
        lines += [" ".join(f"{v:.6f}" for v in col) for col in m.pwm.T]
        lines.append("")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def read_meme(path) -> list[Motif]:
    """Read the motifs of a MEME text file (any MEME alphabet that seqgen knows)."""
    from pathlib import Path

    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SeqgenError(f"cannot read MEME file: {exc.strerror or exc}", path) from None
    letters = re.search(r"^ALPHABET=\s*(\S+)", text, re.M)
    letters = letters.group(1).upper() if letters else "ACGT"
    matches = [a for a in ("dna", "rna", "protein", "protein-gap") if get_alphabet(a).letters == letters]
    if not matches:
        raise SeqgenError(f"unsupported MEME alphabet {letters!r}", path)
    alphabet = get_alphabet(matches[0])
    motifs = []
    blocks = re.split(r"^MOTIF[ \t]+", text, flags=re.M)[1:]
    for block in blocks:
        head, _, body = block.partition("\n")
        fields = head.split(None, 1)
        mat = re.search(r"letter-probability matrix:([^\n]*)\n", body)
        if not fields or not mat:
            raise SeqgenError(f"motif {head.strip()!r} has no letter-probability matrix", path)
        width = int(re.search(r"w=\s*(\d+)", mat.group(1)).group(1))
        nsites = re.search(r"nsites=\s*([\d.eE+-]+)", mat.group(1))
        rows = body[mat.end():].strip().splitlines()[:width]
        try:
            pwm = np.array([[float(v) for v in r.split()] for r in rows]).T
        except ValueError:
            raise SeqgenError(f"motif {fields[0]!r}: bad number in its matrix", path) from None
        if pwm.shape != (alphabet.size, width):
            raise SeqgenError(f"motif {fields[0]!r}: matrix is not {width} rows of {alphabet.size} numbers", path)
        motifs.append(Motif(fields[0], pwm, alphabet, fields[1].strip() if len(fields) > 1 else "",
                            int(float(nsites.group(1))) if nsites else 0))
    return motifs


# ---------------------------------------------------------------- the `seqgen motifs` step

def versions() -> dict:
    """Versions of the packages behind a motif analysis or a report."""
    import importlib.metadata as md
    import platform

    out = {"python": platform.python_version()}
    for pkg in ("seqgen", "numpy", "pandas", "torch", "memelite", "pyjaspar", "logomaker", "matplotlib", "scipy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            if pkg == "seqgen":
                from seqgen import __version__

                out[pkg] = __version__
    return out


def write_results(out_dir, motifs: list[Motif], fg_codes: np.ndarray | None = None, fg_ids=None,
                  release: str = JASPAR_RELEASE, collection: str | None = JASPAR_COLLECTION,
                  tax_group: str | None = JASPAR_TAX_GROUP, params: dict | None = None,
                  background: np.ndarray | None = None, site_threshold: float = SITE_P,
                  stat_columns: tuple[str, ...] = DISCOVERY_STATS, residue_numbers=None) -> pd.DataFrame:
    """Write a motif folder: ``motifs.meme``, ``motifs.tsv``, ``tomtom.tsv``, ``sites.tsv``, ``logos/``,
    ``params.json``.

    Parameters
    ----------
    out_dir : folder (created if needed).
    motifs : list of Motif (one alphabet).
    fg_codes, fg_ids : (N, L) codes and ids of the sequences to scan for sites (FIMO).
    release, collection, tax_group : the JASPAR database to compare with (DNA/RNA motifs only).
    params : settings to record in ``params.json``.
    stat_columns : the ``motifs.tsv`` columns after motif, consensus, width and nsites when no motif was found
        (found motifs give their own ``stats``).
    residue_numbers : (L,) ints, optional
        The focus sequence's residue number of each column of an alignment (-1 where it has a gap): sites then
        also give ``focus_start`` and ``focus_end``, the residues of their first and last column (:func:`number_sites`).

    Returns
    -------
    pandas.DataFrame
        The Tomtom table (top 5 matches per motif).
    """
    import json
    from pathlib import Path

    from seqgen import plots
    from seqgen.atomic import write_text

    out = Path(out_dir)
    targets, matches = _jaspar_matches(motifs, release, collection, tax_group)
    # every slow step (Tomtom, FIMO) before the first file: a run killed on the way leaves the earlier run's
    # folder whole, not its tables beside this run's motifs.meme
    sites = None if fg_codes is None else number_sites(scan(motifs, fg_codes, fg_ids, site_threshold),
                                                       residue_numbers)
    _remove_earlier_outputs(out, motifs)
    write_meme(out / "motifs.meme", motifs, background)
    with atomic_path(out / "tomtom.tsv") as tmp:
        matches.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    summary = pd.DataFrame([{"motif": m.name, "consensus": m.consensus, "width": m.width, "nsites": m.nsites,
                             **{k: v for k, v in m.stats.items() if np.isscalar(v)}} for m in motifs],
                           columns=None if motifs else ["motif", "consensus", "width", "nsites", *stat_columns])
    if "log10_p" in summary:  # 4 digits of -211.3 would move the report's E-value off the MEME file's
        summary["log10_p"] = summary["log10_p"].map(lambda v: f"{v:.8g}" if pd.notna(v) else "")
    with atomic_path(out / "motifs.tsv") as tmp:
        summary.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    if sites is not None:
        with atomic_path(out / "sites.tsv") as tmp:
            sites.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    by_id = {t.name: t for t in targets}
    best = matches[(matches["rank"] == 1) & significant(matches)].set_index("query") if len(matches) else None
    for m in motifs:
        if best is not None and m.name in best.index:
            row = best.loc[m.name]
            fig = plots.motif_with_match(m, by_id[row["target"]], int(row["offset"]), row["orientation"],
                                         f"q = {row['q_value']:.2g}")
        else:
            fig = plots.logo(m)
        plots.save(fig, out / "logos" / m.name)
    info = {"n_motifs": len(motifs), "jaspar": {"release": release, "collection": collection,
                                                "tax_group": tax_group, "n_targets": len(targets)},
            "site_threshold": site_threshold, **(params or {}), "versions": versions()}
    write_text(out / "params.json", json.dumps(info, indent=2, default=str) + "\n")
    return matches


def _jaspar_matches(motifs: list[Motif], release: str, collection: str | None,
                    tax_group: str | None) -> tuple[list[Motif], pd.DataFrame]:
    """The JASPAR motifs compared with and Tomtom's table (top 5 matches per motif); DNA/RNA motifs only (JASPAR
    holds DNA motifs of transcription factors), none for protein."""
    nucleic = bool(motifs) and motifs[0].alphabet.double_stranded
    if not nucleic:
        return [], pd.DataFrame(columns=TOMTOM_COLUMNS)
    targets = jaspar_motifs(release, collection, tax_group)
    as_dna = [Motif(m.name, m.pwm, DNA, m.description, m.nsites, m.stats) for m in motifs]
    return targets, tomtom(as_dna, targets, top=5)


def _remove_earlier_outputs(out, motifs: list[Motif]) -> None:
    """Make the folder ``out`` and its ``logos/``; remove an earlier run's ``params.json`` (written last: a folder
    without it is unfinished), its ``sites.tsv`` (this run may scan none) and its logos of motifs this run has not.
    """
    from pathlib import Path

    logos = Path(out) / "logos"
    logos.mkdir(parents=True, exist_ok=True)
    for name in ("params.json", "sites.tsv"):
        (Path(out) / name).unlink(missing_ok=True)
    keep = {f"{m.name}.{fmt}" for m in motifs for fmt in ("png", "svg")}
    for path in logos.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink()


def load_input(path, alphabet="dna", format: str | None = None, sequence_column: str = "sequence",
               label: str | None = None, scores: bool = True):
    """Read sequences for motif work: a seqgen ``.npz`` or any file :func:`seqgen.io.read_sequences` reads.

    A table (CSV/TSV) keeps the column ``label`` as its score; without ``label``, its one numeric column other
    than the sequence (``sequence_column``), ``id`` and ``index`` (several are an error: which one ranks the
    input is the user's choice). ``scores=False`` reads no scores (a background).
    """
    from pathlib import Path

    from seqgen.data import SequenceSet
    from seqgen.io import detect_format, read_sequences

    if str(path).endswith(".npz"):
        return SequenceSet.load(path)
    if not Path(path).is_file():
        raise SeqgenError("no such file", path)
    fmt = (format or detect_format(path)).lower()
    labels = ()
    if fmt in ("csv", "tsv") and scores:
        labels = [label] if label is not None else _score_column(path, fmt, sequence_column)
    return read_sequences(path, alphabet, fmt, sequence_column, label_columns=labels, ambiguous="drop", lengths="pad",
                          duplicate_ids="keep")


def _score_column(path, fmt: str, sequence_column: str) -> list[str]:
    """The score column of a table, as a list of at most one name (see :func:`load_input`)."""
    head = pd.read_csv(path, sep="," if fmt == "csv" else "\t", nrows=50)
    # a score column with a placeholder ('.', '-') in its first rows reads as text: count it as numeric when most of
    # its values are numbers (reading it then names the bad cell), not drop it and search against shuffles unasked
    numeric = [c for c in head.columns if c not in ("id", "index", sequence_column)
               and (pd.api.types.is_numeric_dtype(head[c])
                    or pd.to_numeric(head[c].dropna(), errors="coerce").notna().mean() > 0.5)]
    if len(numeric) > 1:
        raise SeqgenError(f"the table has several numeric columns ({', '.join(map(str, numeric))}): name the score "
                          "that ranks the sequences with --label", path)
    return numeric
