"""The ``seqgen`` command line: thin subcommands over the package.

Every subcommand is a pair of functions, ``_add_NAME(subparsers)`` that declares
its arguments and ``_run_NAME(args)`` that calls the package. Errors of the
tool's own kind (:class:`SeqgenError`) print one line and exit with status 1;
``--debug`` shows the full traceback.
"""
from __future__ import annotations

import argparse
import re
import signal
import sys
import threading

from seqgen import __version__
from seqgen.errors import SeqgenError


def _add_encode(sub) -> None:
    from seqgen.alphabets import ALPHABETS
    from seqgen.io import DUPLICATE_POLICIES, FORMATS, LENGTH_POLICIES

    p = sub.add_parser("encode", help="read a sequence file and store it encoded as .npz",
                       description="Read FASTA/FASTQ/CSV/TSV/PBM/A2M (plain or gzip), validate it and write "
                                   "(N, L) uint8 codes, ids and labels to an .npz file.")
    p.add_argument("input", help="sequence file")
    p.add_argument("--alphabet", choices=list(ALPHABETS), default="dna")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the extension)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.add_argument("--sequence-column", default="sequence", help="CSV/TSV column holding sequences")
    p.add_argument("--label-column", action="append", default=[], help="CSV/TSV label column (repeatable)")
    p.add_argument("--id-column", help="CSV/TSV column holding ids (default: 'id' if present, else row numbers)")
    p.add_argument("--ambiguous", choices=["error", "drop"], default="error",
                   help="records with ambiguity codes (N, X, IUPAC): stop with an error, or drop them")
    p.add_argument("--lengths", choices=LENGTH_POLICIES, default="error",
                   help="records of different lengths: stop with an error, pad to the longest, or trim to the "
                        "shortest (or to --length; ambiguity codes in the part cut off do not count)")
    p.add_argument("--length", type=int, help="fixed length L to pad or trim to")
    p.add_argument("--duplicate-ids", choices=DUPLICATE_POLICIES, default="error")
    p.add_argument("--missing-labels", choices=["error", "drop"], default="error",
                   help="records whose label is missing (an empty field, NA, a PBM's flagged spot): stop with an "
                        "error, or leave them out")
    p.add_argument("--focus", metavar="ID", help="an alignment's focus sequence, whose match columns are kept and "
                                                 "whose numbering mutants use (default: the first record)")


def _encode_notes(args, data) -> list[str]:
    """What ``seqgen encode`` tells about how it read the input (each a note: ignored options, removed stops or
    linkers, an alignment read as plain sequences, a focus sequence to check...)."""
    notes = []
    table_options = [f"--{k.replace('_', '-')}" for k in ("sequence_column", "id_column")
                     if getattr(args, k) not in (None, "sequence")]
    if table_options and data.meta["format"] not in ("csv", "tsv"):
        notes.append(f"{' and '.join(table_options)} ignored: only a CSV/TSV table has columns, and this is a "
                     f"{data.meta['format']} file")
    if data.meta.get("trailing_stops"):
        notes.append(f"the stop '*' ending {data.meta['trailing_stops']} of the {data.meta['n_read']} records was "
                     f"removed")
    unread = data.meta.get("unread_numeric_columns")
    if unread:
        notes.append(f"{args.input}: numeric column{'s' if len(unread) > 1 else ''} {', '.join(unread)} not "
                     f"read: --label-column {unread[0]} keeps one as a label (a predictor needs one)")
    if data.meta.get("focus_range_mismatch"):
        start, end, residues = data.meta["focus_range_mismatch"]
        notes.append(f"{args.input}: the focus id's range {start}-{end} spans {end - start + 1} residues, but the "
                     f"focus sequence has {residues} (inserts included), numbered {start}-{start + residues - 1}: "
                     f"mutant numbers follow that; check the id")
    if data.meta.get("focus_without_range"):
        notes.append(f"{args.input}: the first record, {data.meta['focus_id']!r}, is read as the focus sequence; its "
                     f"id has no /START-END range while others have one ({data.meta['focus_without_range']!r}), so "
                     f"mutant numbers start at 1: is the focus first?")
    if data.alphabet.name == "protein-gap" and data.meta["format"] != "a2m" and \
            (data.codes == data.alphabet.letters.index("-")).any():
        notes.append(f"{args.input}: read as {data.meta['format']}, not as an alignment: no focus sequence, "
                     f"numbering or match columns, and the family VAE will not weight the sequences; --format a2m "
                     f"reads an aligned FASTA (focus sequence first) as one")
    if data.meta.get("linker"):
        notes.append(f"{args.input}: the universal PBM linker ({len(data.meta['linker'])} nt) ending every probe "
                     f"was removed, leaving the {data.length}-nt variable regions; design --linker "
                     f"{data.meta['linker']} (in the workflow, the data set's linker key) puts it back on the designs")
    if data.meta.get("n_missing_labels"):
        notes.append(f"{args.input}: {data.meta['n_missing_labels']} of the {data.meta['n_read']} records have a "
                     f"missing label and were left out (--missing-labels drop)")
    if data.meta.get("linker_missing"):
        notes.append(f"{data.meta['linker_missing']} of the {data.meta['n_read']} probes do not end with the "
                     f"universal PBM linker, so no probe's linker was removed")
    if data.looks_like_dna():
        notes.append(f"{args.input}: every sequence is made of A, C, G, T (and N) only; is it DNA? it was read as "
                     f"{data.alphabet.name} (--alphabet)")
    return notes


def _run_encode(args) -> None:
    from seqgen.io import read_sequences

    if not args.out.endswith(".npz"):  # the archive under another name (o.csv) would mislead whoever reads it next
        raise SeqgenError("encode writes a NumPy archive: name the output *.npz", args.out)
    data = read_sequences(args.input, args.alphabet, args.format, args.sequence_column, args.label_column,
                          args.id_column, args.ambiguous, args.lengths, args.length, args.duplicate_ids,
                          args.missing_labels, focus=args.focus)
    for text in _encode_notes(args, data):
        print(f"note: {text}", file=sys.stderr)
    data.save(args.out)
    dropped = data.meta.get("n_dropped", 0)
    labels = f", labels: {', '.join(data.label_names)}" if data.label_names else ""
    print(f"encoded {len(data)} x {data.length} {data.alphabet.name} sequences{labels}"
          f"{f' ({dropped} dropped)' if dropped else ''} -> {args.out}", file=sys.stderr)


def _add_simulate(sub) -> None:
    from seqgen.jaspar import JASPAR_RELEASE

    p = sub.add_parser("simulate", help="simulate a PBM-like data set from a JASPAR motif (offline)",
                       description="Random probes scored by an occupancy model of a real JASPAR motif "
                                   "(see seqgen.simulate). Writes a TSV with id, sequence, signal.")
    p.add_argument("--motif", default="MA0472.2", help="JASPAR matrix id (default: MA0472.2, EGR2)")
    p.add_argument("--n", type=int, default=5000, help="number of probes")
    p.add_argument("--length", type=int, default=35, help="probe length")
    p.add_argument("--noise", type=float, default=0.15, help="lognormal noise sigma")
    p.add_argument("--threshold", type=float, default=8.0,
                   help="half-occupancy point, in nats below the motif's best log-odds score")
    p.add_argument("--seed", type=seed_value, default=0)
    p.add_argument("--jaspar-release", help=f"pyjaspar release (default: {JASPAR_RELEASE}, as seqgen motifs)")
    p.add_argument("--out", required=True, help="output .tsv")


def _run_simulate(args) -> None:
    from seqgen.simulate import simulate_pbm, write_table

    _refuse_npz_out(args.out, "a TSV table (id, sequence, signal)", ".tsv")
    table, info = simulate_pbm(args.motif, args.n, args.length, args.seed, args.noise, args.threshold,
                               release=args.jaspar_release)
    write_table(table, args.out)
    print(f"simulated {args.n} probes of {args.length} nt for {info['motif_name']} ({info['motif_id']}) -> "
          f"{args.out}", file=sys.stderr)
    bound = info["fraction_bound"]
    if not 0.005 <= bound <= 0.5:
        print(f"note: in {bound:.1%} of the probes the motif's sites give more signal than the background, so the "
              f"signal says little about the motif; move --threshold (now {args.threshold} nats below the best "
              f"score: {'raise' if bound < 0.005 else 'lower'} it) for a {info['motif_id']} motif of this width",
              file=sys.stderr)


#: the largest --seed: numpy's and torch's generators both take every whole number from 0 to this
MAX_SEED = 2 ** 63 - 1


def seed_value(value: str) -> int:
    """``--seed``: a whole number from 0 to :data:`MAX_SEED` (numpy refuses a negative seed and torch one of 2**64
    or more, with a traceback at the first random draw, after the work before it)."""
    try:
        seed = int(value)
    except ValueError:
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a whole number from 0 to 2**63 - 1, not {value!r}")
    return seed


def _add_common(p, seed=True) -> None:
    """Options shared by the commands that run a model."""
    if seed:
        p.add_argument("--seed", type=seed_value, help="random seed (default 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu or cuda[:N]")


def _add_train(sub) -> None:
    from seqgen.tasks import KINDS

    p = sub.add_parser("train", help="train a generator (vae, gan) or a predictor",
                       description="Train a model on an encoded data set (from 'seqgen encode'). Settings come "
                                   "from the model kind's defaults, then --config, then the options below.")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--data", required=True, help="encoded data set (.npz)")
    p.add_argument("--out", required=True, help="output folder: model.pt, checkpoint.pt, metrics.csv")
    p.add_argument("--config", help="YAML file of settings (any key of the kind's DEFAULTS in seqgen/settings.py)")
    p.add_argument("--steps", type=int, help="number of training steps")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--max-time", type=float, help="stop after this many minutes, with a usable model (a resumed run "
                                                  "counts the minutes before it; where it stops depends on the "
                                                  "machine's speed, so a time-bound run is not reproducible: "
                                                  "--steps is)")
    p.add_argument("--arch", choices=["conv", "mlp"], help="vae: conv (default) or mlp (the family VAE for "
                                                           "protein alignments)")
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt if present")
    p.add_argument("--resume-if-unchanged", action="store_true",
                   help="continue from OUT/checkpoint.pt if it was written with the same settings and data, else "
                        "train from scratch (what the workflow does, so an interrupted run picks up where it was)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--settings", metavar="JSON", help="settings as one JSON mapping (used by the workflow)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one setting (YAML value), repeatable")
    _add_common(p)


def _run_train(args) -> None:
    from seqgen.settings import user_settings
    from seqgen.tasks import train

    flags = {key: getattr(args, key) for key in ("steps", "batch_size", "max_time", "checkpoint_every", "seed", "arch")
             if getattr(args, key) is not None}
    if args.compile:
        flags["compile"] = True
    if args.no_progress:
        flags["progress"] = False
    user = user_settings(args.config, args.settings, args.set, flags)
    train(args.kind, args.data, args.out, user, args.device, resume=args.resume or
          args.resume_if_unchanged, restart_if_changed=args.resume_if_unchanged, source=args.config or "settings")


def _add_design(sub) -> None:
    from seqgen.design.options import add_arguments

    p = sub.add_parser("design", help="design sequences for a predictor (or a VAE's likelihood)",
                       description="Optimize sequences for a trained predictor or a VAE's likelihood "
                                   "(--naturalness) by softmax relaxation, Fast SeqProp, a generator's latent space "
                                   "or simulated annealing, under constraints. Writes the designs to --out (FASTA), "
                                   "and designs.tsv, trajectory.tsv and design.json beside it.")
    add_arguments(p)
    _add_common(p)


def _run_design(args) -> None:
    from seqgen.design.command import run

    summary = run(args)
    print(f"designed {summary['designs']} sequences with {args.method} ({summary['calls_per_sequence']} objective "
          f"calls each, best utility {summary['best_utility']:.4g}) -> {args.out}", file=sys.stderr)
    if summary.get("dropped"):
        duplicates = summary.get("duplicates", 0)
        print(f"note: {summary['dropped']} of the {summary['designs'] + summary['dropped']} candidates dropped "
              f"({duplicates} as duplicates of another design, {summary['dropped'] - duplicates} breaking a "
              f"constraint that could not be repaired)", file=sys.stderr)
    if summary.get("training_scored"):
        print(f"the same objective on {summary['training_scored']} training sequences: median "
              f"{summary['training_utility_median']:.4g}, best {summary['training_utility_max']:.4g}; "
              f"{summary['designs_above_training_max']} designs above the best", file=sys.stderr)


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
    if args.top < 1 or (args.k is not None and args.k < 1) or (args.seqlet_width is not None and args.seqlet_width < 2):
        raise SeqgenError("--top and --k must be at least 1, and --seqlet-width at least 2")
    if not 0 < args.site_p < 1:
        raise SeqgenError(f"--site-p must be between 0 and 1, not {args.site_p:g}")
    if not re.fullmatch(r"[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)*", args.prefix):  # MEME names and logo file names
        raise SeqgenError(f"--prefix {args.prefix!r}: a motif name prefix is letters, digits, '_', '.' and inner '-'")
    if args.n_motifs < 1:  # 0 or less found none, and the note blamed the data
        raise SeqgenError(f"--n-motifs must be at least 1, not {args.n_motifs}")
    data = m.load_input(args.input, args.alphabet, args.format, args.sequence_column, args.label,
                        scores=not args.background)
    if data.meta.get("n_dropped"):
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


def _print_motifs(found, matches, n_fg: int, n_bg: int, site_p: float, out) -> None:
    """One line per motif found (its best JASPAR match), then notes and the summary line, on stderr."""
    from seqgen import motifs as m

    best = matches[matches["rank"] == 1] if len(matches) else matches
    for motif in found:
        hit = best[best["query"] == motif.name]
        match = ""
        if len(hit):
            match = f", {m.match_verdict(hit.iloc[0])}"
        print(f"{motif.name} {motif.consensus}{match}", file=sys.stderr)
    if not found:
        print(f"note: no motif is enriched at p <= 1e-5 in the {n_fg} foreground sequences against the "
              f"background; more foreground sequences (--top), more data or a closer --background may find one",
              file=sys.stderr)
    unreachable = m.unreachable_note(found, site_p)
    if unreachable:
        print(f"note: {unreachable}", file=sys.stderr)
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
                     data.length, path)
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
    m.write_results(Path(args.out) / "predictor", found, fg, fg_ids, args.jaspar_release, args.jaspar_collection,
                    tax_group_or_all(args.jaspar_tax_group), params, site_threshold=args.site_p,
                    stat_columns=("source", "n_seqlets", "method"), residue_numbers=residue_numbers)
    print(f"{len(found)} predictor motifs -> {Path(args.out) / 'predictor'}", file=sys.stderr)


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report of a results folder",
                       description="Read what exists in a results folder (data.npz, generator/, predictor/, "
                                   "design/, motifs/) and write one HTML file with embedded images.")
    p.add_argument("--results", required=True, help="results folder of one data set")
    p.add_argument("--out", required=True, help="output .html")
    p.add_argument("--title", help="report title (default: the folder name)")
    p.add_argument("--top", type=int, default=20, help="designs shown per method")
    p.add_argument("--methods", nargs="+", metavar="METHOD",
                   help="design/ sub-folders to report (default: every one found)")
    p.add_argument("--generators", nargs="+", metavar="KIND",
                   help="generator/ sub-folders to report (default: every one found)")
    p.add_argument("--no-mutations", dest="mutations", action="store_false",
                   help="leave out mutations.tsv (an earlier run's, when the data set no longer scores mutants)")
    p.add_argument("--no-predictor", dest="predictor", action="store_false",
                   help="leave out predictor/ and generator/*/samples.tsv (an earlier run's, when the data set no "
                        "longer has a label)")


def _run_report(args) -> None:
    from seqgen.report import write_report

    if args.top < 1:
        raise SeqgenError(f"--top must be at least 1, not {args.top}")
    notes = write_report(args.results, args.out, args.title, args.top, args.methods, args.generators,
                         args.mutations, args.predictor)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"report -> {args.out}", file=sys.stderr)

def _add_predict(sub) -> None:
    from seqgen.io import FORMATS

    p = sub.add_parser("predict", help="predict sequences with a trained predictor",
                       description="Score every sequence of a file (any format 'encode' reads, or an encoded .npz) "
                                   "with a predictor ensemble; writes a TSV with id, sequence, mean, std (over the "
                                   "ensemble's members, on the label's own scale; probabilities for "
                                   "classification), then measured_LABEL for each label the input holds (a PBM "
                                   "table's signal, a CSV/TSV's --label-column; empty where the table has none, a "
                                   "flagged spot).")
    p.add_argument("--model", required=True, help="model folder (or model.pt) from 'seqgen train predictor'; a "
                                                  "checkpoint.pt is read as model.pt would be (a run not finished)")
    p.add_argument("--input", required=True, help="sequences to score (-: standard input, with --format)")
    p.add_argument("--out", required=True, help="output .tsv (-: standard output)")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the extension)")
    p.add_argument("--sequence-column", default="sequence", help="CSV/TSV column holding sequences")
    p.add_argument("--id-column", help="CSV/TSV column holding ids")
    p.add_argument("--label-column", action="append", default=[],
                   help="CSV/TSV column of measured values, written beside the predictions as measured_COLUMN "
                        "(repeatable)")
    p.add_argument("--ambiguous", choices=["error", "drop"], default="error")
    p.add_argument("--lengths", choices=["error", "pad", "trim"], default="error",
                   help="records whose length is not the model's: stop with an error, or pad or trim them to it "
                        "(as a model trained on padded data expects)")
    p.add_argument("--duplicate-ids", choices=["error", "keep"], default="error")
    p.add_argument("--batch-size", type=int,
                   help="sequences a batch (default: as many as fit 512 MiB of activations, or a quarter of the free "
                        "GPU memory)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (none is drawn off a terminal)")
    _add_common(p, seed=False)


def _run_predict(args) -> None:
    from seqgen.device import select_device
    from seqgen.io import STDOUT
    from seqgen.predict import predict_file

    if args.batch_size is not None and args.batch_size < 1:
        raise SeqgenError(f"--batch-size must be at least 1, not {args.batch_size}")
    n = predict_file(args.model, args.input, args.out, args.format, select_device(args.device), args.batch_size,
                     sequence_column=args.sequence_column, id_column=args.id_column,
                     label_columns=args.label_column, ambiguous=args.ambiguous,
                     lengths=args.lengths, duplicate_ids=args.duplicate_ids, progress=not args.no_progress)
    where = "standard output" if args.out == STDOUT else args.out
    print(f"predicted {n} sequence{'' if n == 1 else 's'} -> {where}", file=sys.stderr)

def _add_sample(sub) -> None:
    p = sub.add_parser("sample", help="sample sequences from a trained generator (vae, gan)",
                       description="Draw sequences from a generator trained with 'seqgen train vae|gan' and "
                                   "write them as FASTA. The same seed gives the same sequences on the CPU.")
    p.add_argument("--model", required=True,
                   help="model folder (or its model.pt; a checkpoint.pt is read as model.pt would be)")
    p.add_argument("--n", type=int, required=True, help="number of sequences")
    p.add_argument("--out", required=True, help="output FASTA")
    p.add_argument("--prefix", default="sample", help="sequence id prefix (ids: PREFIX_1, PREFIX_2...)")
    _add_common(p)


def _refuse_npz_out(out, writes: str, suffix: str) -> None:
    """Refuse an ``--out`` named ``.npz`` for a command that writes text: later commands would take the file for an
    encoded data set and call it 'not a seqgen data file'."""
    if str(out).endswith(".npz"):
        raise SeqgenError(f"this command writes {writes}, not an encoded .npz: name it {suffix} (seqgen encode makes "
                          f"an .npz of it)", out)


def _run_sample(args) -> None:
    from seqgen.atomic import check_writable
    from seqgen.device import select_device
    from seqgen.generate import sample_sequences
    from seqgen.io import write_fasta

    if args.n <= 0:
        raise SeqgenError(f"--n must be positive, not {args.n}")
    if args.prefix.split() != [args.prefix] or args.prefix.startswith(">"):  # empty, blank or spaced
        raise SeqgenError(f"--prefix {args.prefix!r}: an id prefix must be one word without spaces (a FASTA id ends "
                          f"at the first space, so every id would read as the same one)")
    _refuse_npz_out(args.out, "FASTA", ".fasta")
    check_writable(args.out)
    seqs, payload = sample_sequences(args.model, args.n, args.seed or 0, select_device(args.device))
    write_fasta(args.out, [f"{args.prefix}_{i + 1}" for i in range(len(seqs))], seqs)
    print(f"sampled {len(seqs)} {payload['alphabet']} sequences of {payload['length']} from the {payload['kind']} "
          f"-> {args.out}", file=sys.stderr)


def _add_evaluate(sub) -> None:
    from seqgen.alphabets import ALPHABETS
    from seqgen.io import FORMATS

    p = sub.add_parser("evaluate", help="compare generated sequences with real ones (JSON)",
                       description="k-mer spectrum JS divergence (with the real-vs-real baseline), GC content, "
                                   "copies and nearest-training distance, diversity and a two-sample classifier "
                                   "AUROC of QUERY (generated) against REFERENCE (held-out real) sequences.")
    p.add_argument("--reference", required=True, help="real held-out sequences (FASTA or .npz, any format "
                                                      "'seqgen encode' reads)")
    p.add_argument("--query", required=True, help="generated sequences")
    p.add_argument("--training", help="the generator's training sequences (copies are counted against them)")
    p.add_argument("--alphabet", choices=list(ALPHABETS), default=None,
                   help="alphabet of non-.npz inputs (default: the reference's, else dna)")
    for role in ("reference", "query", "training"):
        p.add_argument(f"--{role}-format", choices=FORMATS, metavar="FORMAT",
                       help=f"format of --{role} (default: from the extension; one of {', '.join(FORMATS)})")
    p.add_argument("--sequence-column", default="sequence", help="CSV/TSV column holding sequences")
    p.add_argument("--ambiguous", choices=["error", "drop"], default="error",
                   help="records with ambiguity codes in non-.npz inputs: stop with an error, or drop them")
    p.add_argument("--lengths", choices=["error", "pad", "trim"], default="error",
                   help="records of different lengths in non-.npz inputs: stop with an error, pad each file to its "
                        "longest or trim it to its shortest (the files must end up of one length)")
    p.add_argument("--out", required=True, help="output JSON")
    p.add_argument("--seed", type=seed_value, help="random seed (default 0)")


def _read_any(role: str, alphabet, args):
    """The ``--reference``, ``--query`` or ``--training`` (``role``) sequences of ``seqgen evaluate``."""
    from seqgen.data import SequenceSet
    from seqgen.io import detect_format, read_sequences

    path, format = getattr(args, role), getattr(args, f"{role}_format")
    if str(path).endswith(".npz"):
        return SequenceSet.load(path)
    return read_sequences(path, alphabet or "dna", format or detect_format(path, f"--{role}-format"),
                          sequence_column=args.sequence_column, ambiguous=args.ambiguous, lengths=args.lengths,
                          duplicate_ids="keep")


def _run_evaluate(args) -> None:
    from seqgen.atomic import check_writable, nan_to_none, write_json
    from seqgen.metrics import copy_fraction, evaluate, near_copies_note

    check_writable(args.out)
    reference = _read_any("reference", args.alphabet, args)
    alphabet = args.alphabet or reference.alphabet.name
    query = _read_any("query", alphabet, args)
    training = _read_any("training", alphabet, args) if args.training else None
    for name, data in (("reference", reference), ("query", query)):
        if len(data) < 2:
            raise SeqgenError(f"--{name} holds {len(data)} sequence{'' if len(data) == 1 else 's'}; evaluation needs "
                              f"at least 2", getattr(args, name))
    for name, data in (("query", query), ("training", training)):
        if data is not None and (data.alphabet.name, data.length) != (reference.alphabet.name, reference.length):
            raise SeqgenError(f"--{name} holds {data.alphabet.name} sequences of length {data.length}, but --reference "
                              f"{args.reference} {reference.alphabet.name} ones of length {reference.length}",
                              getattr(args, name))
    if training is not None:  # of the reference's length, checked above
        shared = copy_fraction(reference.codes, training.codes)
        if shared > 0.5:
            print(f"note: {shared:.0%} of the --reference sequences are --training sequences: the reference should "
                  f"be held out, or copies of the training data look like real sequences", file=sys.stderr)
    result = nan_to_none(evaluate(reference, query, training, seed=args.seed or 0))
    write_json(args.out, result)  # strict JSON: null, not NaN
    for name, (kept, read) in result.get("gap_free", {}).items():
        print(f"note: the query holds no gap (a family VAE's samples: gaps are missing data to it), so it is compared "
              f"with the {kept} gap-free of the {read} --{name} sequences", file=sys.stderr)
    if similar := near_copies_note(result):
        print(f"note: {similar}", file=sys.stderr)
    js = ", ".join(f"k={k} {v['ratio']:.2f}" for k, v in result["kmer_js"].items() if v["ratio"] is not None) or "n/a"
    auroc = result["classifier_auroc"]
    print(f"k-mer JS ratio to real: {js}; copies {result['copies']['fraction']:.3f}; "
          f"classifier AUROC {'n/a' if auroc is None else f'{auroc:.3f}'} -> {args.out}", file=sys.stderr)


def _add_split(sub) -> None:
    p = sub.add_parser("split", help="hold out a random share of an encoded data set (to evaluate generators on)",
                       description="Split an encoded data set (.npz from 'seqgen encode') at random into a training "
                                   "part and a held-out part, both .npz: train a generator on the first and give "
                                   "'seqgen evaluate' the second as --reference and the first as --training. An "
                                   "alignment's focus sequence (its first record) stays in the training part.")
    p.add_argument("data", help="encoded data set (.npz)")
    p.add_argument("--holdout", type=float, required=True, help="the share of sequences held out, in (0, 1)")
    p.add_argument("--training", required=True, help="output .npz: the rest")
    p.add_argument("--heldout", required=True, help="output .npz: the held-out sequences")
    p.add_argument("--seed", type=seed_value, help="random seed of the split (default 0)")


#: fewer held-out sequences than this draw a note: the evaluation's k-mer spectra and classifier rest on few
HELD_OUT_FEW = 100


def _run_split(args) -> None:
    from seqgen.data import SequenceSet

    _check_split_options(args)
    data = SequenceSet.load(args.data)
    training, heldout = data.split(args.holdout, args.seed or 0, keep_first="focus_positions" in data.meta)
    if min(len(training), len(heldout)) < 2:
        raise SeqgenError(f"--holdout {args.holdout:g} of its {len(data)} sequences leaves {len(training)} to train "
                          f"on and {len(heldout)} held out: an evaluation needs at least 2 of each (the workflow: "
                          f"a larger evaluate.holdout, or the data set's holdout: 0)", args.data)
    for part, name in ((training, "training"), (heldout, "held out")):
        part.meta["split"] = {"part": name, "holdout": args.holdout, "seed": args.seed or 0, "of": len(data)}
    heldout.meta = {k: v for k, v in heldout.meta.items() if not k.startswith("focus")}  # its first row is not it
    _save_parts(training, heldout, args)
    print(f"split {len(data)} sequences: {len(training)} to train on -> {args.training}, {len(heldout)} held out -> "
          f"{args.heldout}", file=sys.stderr)
    if len(heldout) < HELD_OUT_FEW:
        print(f"note: {len(heldout)} held-out sequences: an evaluation against so few is noisy (k-mer spectra, "
              f"classifier)", file=sys.stderr)


def _check_split_options(args) -> None:
    """Refuse a ``--holdout`` outside (0, 1) and parts that are not ``.npz``, not writable, one file, or the data."""
    from pathlib import Path

    from seqgen.atomic import check_writable

    if not 0 < args.holdout < 1:
        raise SeqgenError(f"--holdout is the share of sequences held out, between 0 and 1 (exclusive), not "
                          f"{args.holdout:g}")
    for role in ("training", "heldout"):
        if not str(getattr(args, role)).endswith(".npz"):
            raise SeqgenError(f"--{role} is an encoded data set: name it .npz", getattr(args, role))
        check_writable(getattr(args, role))
    if Path(args.training).resolve() == Path(args.heldout).resolve():
        raise SeqgenError("--training and --heldout name the same file", args.training)
    for role in ("training", "heldout"):  # written over, the data set would lose its held-out part for good
        if Path(getattr(args, role)).resolve() == Path(args.data).resolve():
            raise SeqgenError(f"--{role} is the data set this command splits: write the parts elsewhere",
                              getattr(args, role))


def _save_parts(training, heldout, args) -> None:
    """Write both parts, or neither (the held-out one is removed if the training one cannot be written)."""
    from pathlib import Path

    heldout.save(args.heldout)
    try:
        training.save(args.training)
    except BaseException:
        Path(args.heldout).unlink(missing_ok=True)
        raise


def _add_score_mutants(sub) -> None:
    p = sub.add_parser("score-mutants", help="mutation effects from a family VAE (ELBO mutant - wild type)",
                       description="Score mutants of the focus sequence (H24A, H24A:G26C; numbering of the focus "
                                   "header NAME/START-END) with a VAE trained on an alignment: ELBO(mutant) - "
                                   "ELBO(wild type) averaged over latent samples, and the site-independent model's "
                                   "log-probability ratio. Writes a TSV: mutant, vae, site_independent, note (why a "
                                   "mutant was not scored), then measured_COLUMN for each --measured. With several "
                                   "models (an ensemble of one alignment, e.g. other seeds) vae is their mean, "
                                   "and a column vae_std is added.")
    p.add_argument("--model", required=True, nargs="+",
                   help="VAE folder (or model.pt, or a checkpoint.pt) trained on an encoded alignment; several: an "
                        "ensemble")
    p.add_argument("--mutants", required=True, help="CSV/TSV with a 'mutant' column, or one mutant per line")
    p.add_argument("--out", required=True, help="output .tsv")
    p.add_argument("--samples", type=int, default=500, help="latent samples per estimate (shared by all sequences)")
    p.add_argument("--estimator", choices=("elbo", "iwae"), default="elbo",
                   help="each sequence's log-likelihood estimate: the ELBO (DeepSequence; default) or the "
                        "importance-weighted bound over the latent samples of each decoder weight draw (with a "
                        "variational decoder give --weight-samples well below --samples, or 0)")
    p.add_argument("--weight-samples", type=int, default=None,
                   help="decoder weight draws of a variational decoder, each shared by --samples / N latent "
                        "samples (default: one per latent sample; 0: the posterior means)")
    p.add_argument("--measured", action="append", default=[], metavar="COLUMN",
                   help="a column of the mutants table with measured values (e.g. a scan's fitness): copied as "
                        "measured_COLUMN, and the Spearman correlation of the scores with it printed; repeatable")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (none is drawn off a terminal)")
    _add_common(p)


def _run_score_mutants(args) -> None:
    from seqgen.device import select_device
    from seqgen.mutations import score_mutants

    if args.samples <= 0:
        raise SeqgenError(f"--samples must be positive, not {args.samples}")
    if args.weight_samples is not None and not 0 <= args.weight_samples <= args.samples:
        raise SeqgenError(f"--weight-samples must lie in [0, --samples = {args.samples}], not {args.weight_samples}")
    summary = score_mutants(args.model, args.mutants, args.out, args.samples, args.seed or 0,
                            select_device(args.device), args.weight_samples, args.estimator,
                            progress=not args.no_progress, measured=args.measured)
    skipped = summary["skipped"]
    if skipped:
        shown = ", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        print(f"skipped {len(skipped)} mutants (stops, or residues outside the alignment's match columns; see their "
              f"note): {shown}",
              file=sys.stderr)
    models = f" with {summary['models']} models" if summary["models"] > 1 else ""
    print(f"scored {summary['scored']} mutants{models} -> {args.out}", file=sys.stderr)
    for column, r in summary["spearman"].items():
        print(f"Spearman with {column} ({r['n']} mutants measured and scored): family VAE {r['vae']:.3f}, "
              f"site-independent {r['site_independent']:.3f}", file=sys.stderr)


COMMANDS = {"encode": (_add_encode, _run_encode), "simulate": (_add_simulate, _run_simulate),
            "train": (_add_train, _run_train), "sample": (_add_sample, _run_sample),
            "split": (_add_split, _run_split), "evaluate": (_add_evaluate, _run_evaluate),
            "predict": (_add_predict, _run_predict),
            "design": (_add_design, _run_design), "motifs": (_add_motifs, _run_motifs),
            "report": (_add_report, _run_report), "score-mutants": (_add_score_mutants, _run_score_mutants)}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of command ``only`` alone: some commands' options come from modules that
    import torch (2-3 s), which a command that does not need them should not wait for."""
    parser = argparse.ArgumentParser(prog="seqgen", description="Design DNA and protein sequences with deep "
                                                                "generative models.")
    parser.add_argument("--version", action="version", version=f"seqgen {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add, _) in COMMANDS.items():
        if only is None or name == only:
            add(sub)
    for command in sub.choices.values():
        _show_defaults(command)
    return parser


def _show_defaults(parser: argparse.ArgumentParser) -> None:
    """Every option with a default value shows it in its help, unless its help already speaks of the default or
    the option is a flag (``--no-mutations`` stores False when given: its default True says nothing to a user)."""
    for action in parser._actions:
        default = action.default
        if not action.option_strings or default is None or default is False or default == argparse.SUPPRESS \
                or default == [] or action.nargs == 0:
            continue
        text = action.help or ""
        if "default" not in text.lower():
            action.help = f"{text} (default: %(default)s)".lstrip()


#: options naming files or model folders a command reads, which its --out must not overwrite
INPUT_OPTIONS = ("input", "data", "model", "predictor", "generator", "avoid", "reference", "query", "training",
                 "mutants", "background", "config")


def _check_out_is_not_an_input(args) -> None:
    """Refuse an --out that is one of the files the command reads (a model folder's model.pt and checkpoint.pt
    included): the output would replace the input once the command succeeds."""
    import os
    from pathlib import Path

    out = getattr(args, "out", None)
    # -: standard output (predict); train's and motifs' --out is a folder, where a file is refused already
    if not out or out == "-" or args.command in ("train", "motifs"):
        return
    target = Path(out)
    for name in INPUT_OPTIONS:
        values = getattr(args, name, None)
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str) or not value:
                continue
            path = Path(value)
            candidates = [path, path / "model.pt", path / "checkpoint.pt"] if path.is_dir() else [path]
            for candidate in candidates:
                same = candidate.exists() and target.exists() and os.path.samefile(candidate, target)
                if same or candidate.resolve() == target.resolve():
                    raise SeqgenError(f"--out is the --{name.replace('_', '-')} file {str(candidate)!r} that this "
                                      f"command reads: it would be overwritten; write the output elsewhere", out)


class Terminated(BaseException):
    """SIGTERM (a scheduler's cancel or time limit, ``kill``): raised so that every ``with atomic_path`` block removes
    its temporary file on the way out, as on Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)  # no top-level option takes a value
    name = f"seqgen {command}" if command in COMMANDS else "seqgen"
    debug = "--debug" in argv  # before or after the command
    previous = None
    if threading.current_thread() is threading.main_thread():  # signal handlers can only be set there
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:  # from the start: building the parser imports numpy (seconds on a cold disk), a time to press Ctrl-C
        parser = build_parser(command if command in COMMANDS else None)
        args = parser.parse_args([a for a in argv if a != "--debug"])
        args.debug = debug
        _check_out_is_not_an_input(args)
        COMMANDS[args.command][1](args)
    except SeqgenError as exc:
        if debug:
            raise
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"{name}: terminated (SIGTERM)", file=sys.stderr)
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
