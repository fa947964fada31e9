"""``seqgen motifs``: motif discovery, JASPAR matching and sites, and the motifs a predictor learned."""
from __future__ import annotations

import re
import sys

from seqgen.cli.common import seed_value
from seqgen.errors import SeqgenError


def _add_motifs(sub) -> None:
    from seqgen.alphabets import ALPHABETS
    from seqgen.io import FORMATS
    from seqgen.jaspar import JASPAR_COLLECTION, JASPAR_RELEASE, JASPAR_TAX_GROUP, JASPAR_TAX_GROUPS
    from seqgen.settings import SITE_P

    p = sub.add_parser("motifs", help="discover motifs, compare them with JASPAR (Tomtom), scan sites (FIMO)",
                       description="Find motifs enriched in the input sequences against a background: the --top "
                                   "highest-scoring sequences against the rest when the input has scores, else "
                                   "against --background, else against shuffled copies (DNA/RNA: dinucleotide "
                                   "shuffles, protein: letters shuffled). Writes motifs.meme, "
                                   "motifs.tsv, tomtom.tsv, sites.tsv, logos/ and params.json to --out.")
    p.add_argument("--input", required=True, help="sequences: .npz, FASTA, CSV/TSV (with a score column), PBM")
    p.add_argument("--background", help="background sequences (default: the rest of the input, or shuffles)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--alphabet", choices=list(ALPHABETS), default="dna")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the extension)")
    p.add_argument("--sequence-column", default="sequence", help="CSV/TSV column holding sequences")
    p.add_argument("--label", help="score column ranking the input (default: a table's one numeric column, or the "
                                   "first label of a .npz)")
    p.add_argument("--top", type=int, default=500,
                   help="number of top-scoring sequences used as foreground (a 0/1 label: at most this many of the "
                        "1s, a random subset seeded by --seed, against the 0s)")
    p.add_argument("--max-sequences", type=int, metavar="N",
                   help="input without scores or --background: search at most N of its sequences (a random subset, "
                        "seeded by --seed) against their shuffles (default: all)")
    p.add_argument("--n-motifs", type=int, default=5)
    p.add_argument("--prefix", default="seqgen", help="motif name prefix (names: PREFIX-1, PREFIX-2...; the workflow "
                                                      "names the designs' motifs design-N, apart from the data's)")
    p.add_argument("--k", type=int, help="seed k-mer length (default 8 for DNA/RNA, 4 for protein)")
    p.add_argument("--jaspar-release", default=JASPAR_RELEASE)
    p.add_argument("--jaspar-collection", default=JASPAR_COLLECTION)
    p.add_argument("--jaspar-tax-group", default=JASPAR_TAX_GROUP, choices=[*JASPAR_TAX_GROUPS, "all", ""],
                   metavar="TAXON", help=f"JASPAR CORE taxon the motifs are matched to: "
                                         f"{', '.join(JASPAR_TAX_GROUPS)}, or all (or '': every taxon) "
                                         "(default: %(default)s)")
    p.add_argument("--seed", type=seed_value, default=0,
                   help="seed of the shuffled background, of the random subsets (--max-sequences, a 0/1 label's "
                        "--top) and of --predictor's motif search")
    p.add_argument("--site-p", type=float, default=SITE_P, metavar="P",
                   help="sites.tsv (FIMO): windows whose score has a p-value below P (default: FIMO's %(default)g; "
                        "a larger P also lists weaker sites); the report marks the designs' sites at the same P")
    p.add_argument("--predictor", help="also find the motifs a trained predictor learned (in-silico mutagenesis "
                                       "of the foreground sequences); written to OUT/predictor/")
    p.add_argument("--lengths", choices=["error", "pad"], default="error",
                   help="--predictor: sequences shorter than the model's: stop with an error, or pad them to its "
                        "length")
    p.add_argument("--seqlet-width", type=int, help="--predictor: width of the windows of high contribution that are "
                                                    "clustered into motifs (default 12 for DNA/RNA, 8 for protein)")
    p.add_argument("--device", default="auto", help="device of the predictor")


def _run_motifs(args) -> None:
    from pathlib import Path

    from seqgen import motifs as m
    from seqgen.atomic import check_folder
    from seqgen.jaspar import jaspar_motifs, tax_group_or_all

    if args.max_sequences is not None and args.max_sequences < 2:
        raise SeqgenError(f"--max-sequences must be at least 2, not {args.max_sequences}")
    for option, value, least in (("--top", args.top, 1), ("--k", args.k, 1), ("--seqlet-width", args.seqlet_width, 2)):
        if value is not None and value < least:
            raise SeqgenError(f"{option} must be at least {least}, not {value}")
    if not 0 < args.site_p < 1:
        raise SeqgenError(f"--site-p must be between 0 and 1, not {args.site_p:g}")
    if not re.fullmatch(r"[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)*", args.prefix):  # MEME names and logo file names
        raise SeqgenError(f"--prefix {args.prefix!r}: a motif name prefix is letters, digits, '_', '.' and inner '-'")
    if args.n_motifs < 1:  # 0 or less found none, and the note blamed the data
        raise SeqgenError(f"--n-motifs must be at least 1, not {args.n_motifs}")
    data = m.load_input(args.input, args.alphabet, args.format, args.sequence_column, args.label,
                        scores=not args.background)
    if data.meta.get("n_dropped") and not str(args.input).endswith(".npz"):  # an .npz's were dropped by encode
        print(f"note: {data.meta['n_dropped']} of the {data.meta['n_read']} input sequences have ambiguity codes and "
              f"are left out", file=sys.stderr)
    predictor = None
    if args.predictor:
        predictor, data = _checked_predictor(args.predictor, args.device, data, args.lengths == "pad")
    check_folder(args.out)  # before the search, not after
    if data.alphabet.double_stranded:  # the JASPAR matrices motifs are matched to, opened (and checked) now
        jaspar_motifs(args.jaspar_release, args.jaspar_collection, tax_group_or_all(args.jaspar_tax_group))
    background = None
    if args.background:
        loaded = m.load_input(args.background, data.alphabet, sequence_column=args.sequence_column, scores=False)
        if loaded.alphabet.name != data.alphabet.name:  # an .npz keeps its own alphabet: its codes mean other letters
            raise SeqgenError(f"--background holds {loaded.alphabet.name} sequences, but the input is "
                              f"{data.alphabet.name}", args.background)
        background = loaded.codes
    fg, fg_ids, bg, how, top = m.foreground_and_background(data, background, args.background, args.label, args.top,
                                                           args.max_sequences, args.seed)
    constant = m.one_valued_label(data, args.label)
    if constant and background is None:
        print(f"note: {constant}: searching against shuffled copies (--background: real ones)", file=sys.stderr)
    if background is None and "shuffled" in how and (shared := m.shared_sequence_note(fg)):
        print(shared, file=sys.stderr)
    found = m.discover_motifs(fg, bg, data.alphabet, args.n_motifs, args.k, prefix=args.prefix)
    params = {"input": args.input, "background": how, "n_foreground": len(fg), "n_background": len(bg),
              "top": top, "k": m.seed_length(args.k, data.alphabet, fg.shape[1], bg.shape[1]), "seed": args.seed,
              "predictor": args.predictor}  # None: an OUT/predictor/ left by an earlier run is not this run's
    if args.max_sequences is not None:
        params["max_sequences"] = args.max_sequences
    numbers = _residue_numbers(data, loaded if args.background else None)
    if predictor is not None:  # an earlier OUT/predictor/ is unfinished (no params.json) until this run's search ends
        (Path(args.out) / "predictor" / "params.json").unlink(missing_ok=True)
    matches = m.write_results(args.out, found, fg, fg_ids, args.jaspar_release, args.jaspar_collection,
                              tax_group_or_all(args.jaspar_tax_group), params, site_threshold=args.site_p,
                              residue_numbers=numbers)
    _print_motifs(found, matches, len(fg), len(bg), args.site_p, args.out)
    if predictor is not None:
        _predictor_motifs(args, predictor, fg, fg_ids, data.alphabet, numbers)


def _residue_numbers(data, background=None):
    """The focus residue number of each column where the input is an alignment, or sequences of its columns (a
    family's designs) searched against one given as --background; else None."""
    for source in (data, background):
        numbers = None if source is None else source.meta.get("focus_positions")
        if numbers is not None and len(numbers) == data.length:
            return numbers
    return None


def _print_found(found, matches, site_p: float) -> None:
    """One line per motif found (its best JASPAR match of ``matches``), and the note on those whose sites can never
    reach ``site_p`` (too short), on stderr."""
    from seqgen import motifs as m

    best = matches[matches["rank"] == 1] if matches is not None and len(matches) else None
    for motif in found:
        hit = None if best is None else best[best["query"] == motif.name]
        match = ""
        if hit is not None and len(hit):
            match = f", {m.match_verdict(hit.iloc[0])}"
        print(f"{motif.name} {motif.consensus}{match}", file=sys.stderr)
    unreachable = m.unreachable_note(found, site_p)
    if unreachable:
        print(f"note: {unreachable}", file=sys.stderr)


def _print_motifs(found, matches, n_fg: int, n_bg: int, site_p: float, out) -> None:
    """:func:`_print_found`, a note where none was found, and the summary line, on stderr."""
    _print_found(found, matches, site_p)
    if not found:
        print(f"note: no motif is enriched at p <= 1e-5 in the {n_fg} foreground sequences against the "
              f"background; more foreground sequences (--top), more data or a closer --background may find one",
              file=sys.stderr)
    print(f"{len(found)} motif{'' if len(found) == 1 else 's'} from {n_fg} sequences against {n_bg} -> "
          f"{out}", file=sys.stderr)


def _checked_predictor(path, device, data, pad: bool = False):
    """A predictor for the motif search and the data it reads, refused (before any work) if made for another
    alphabet or length; ``pad``: shorter sequences are padded to the model's length. Returns (predictor, data)."""
    from seqgen.checkpoint import check_compatible
    from seqgen.device import select_device
    from seqgen.predict import load_predictor

    predictor = load_predictor(path, select_device(device))
    if pad and data.length < predictor.length:
        data = data.padded(predictor.length)
    check_compatible({"alphabet": predictor.alphabet.name, "length": predictor.length}, data.alphabet.name,
                     data.length, path, longer="--predictor reads sequences of its length (seqgen predict --scan "
                                               "finds its best window in longer ones)")
    return predictor, data


def _predictor_motifs(args, predictor, fg, fg_ids, alphabet, residue_numbers=None) -> None:
    """Motifs the predictor learned: in-silico mutagenesis of the foreground, cut into seqlets (OUT/predictor/)."""
    from pathlib import Path

    import torch

    from seqgen import motifs as m
    from seqgen.data import one_hot
    from seqgen.interpret import attribution_motifs
    from seqgen.jaspar import tax_group_or_all

    print(f"predictor motifs: in-silico mutagenesis of {len(fg)} sequences ({fg.size * (alphabet.size - 1):,} "
          f"single-letter changes)", file=sys.stderr)
    top = torch.as_tensor(one_hot(fg, alphabet.size), device=predictor.device)  # mutants made where they are scored
    found = attribution_motifs(lambda x: predictor.score(x)[0], top, alphabet, method="ism",
                               width=args.seqlet_width, prefix="predictor", seed=args.seed,
                               substituted=predictor.substituted_score, progress=True)[: args.n_motifs]
    params = {"predictor": args.predictor, "method": "in-silico mutagenesis seqlets", "n_sequences": len(fg)}
    matches = m.write_results(Path(args.out) / "predictor", found, fg, fg_ids, args.jaspar_release,
                              args.jaspar_collection, tax_group_or_all(args.jaspar_tax_group), params,
                              site_threshold=args.site_p, stat_columns=("source", "n_seqlets", "method"),
                              residue_numbers=residue_numbers)
    _print_found(found, matches, args.site_p)
    print(f"{len(found)} predictor motif{'' if len(found) == 1 else 's'} -> {Path(args.out) / 'predictor'}",
          file=sys.stderr)
