"""``seqgen encode``, ``seqgen simulate`` and ``seqgen split``: the commands that make and split data sets."""
from __future__ import annotations

import sys

from seqgen.cli.common import _refuse_npz_out, seed_value
from seqgen.errors import SeqgenError


def _add_encode(sub) -> None:
    from seqgen.alphabets import ALPHABETS
    from seqgen.io import DUPLICATE_POLICIES, FORMATS, LENGTH_POLICIES
    from seqgen.negatives import FLANK_DISTANCE, NEGATIVES

    p = sub.add_parser("encode", help="read a sequence file and store it encoded as .npz",
                       description="Read FASTA/FASTQ/CSV/TSV/PBM/A2M (plain or gzip), or the intervals of a BED "
                                   "file in a genome FASTA, validate it and write (N, L) uint8 codes, ids and labels "
                                   "to an .npz file.")
    p.add_argument("input", help="sequence file")
    p.add_argument("--alphabet", choices=list(ALPHABETS), default="dna")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the extension)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.add_argument("--sequence-column", default="sequence", help="CSV/TSV column holding sequences")
    p.add_argument("--label-column", action="append", default=[],
                   help="CSV/TSV label column, or a BED file's score, signalValue, pValue or qValue (repeatable)")
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
    p.add_argument("--genome", metavar="FASTA", help="a BED file's genome (FASTA, plain or gzip), whose sequences "
                                                     "the BED file's first column names")
    p.add_argument("--width", type=int, help="a BED file's intervals re-centred to this many letters on their summit "
                                             "(narrowPeak's peak column) or middle; minus-strand ones are read "
                                             "reverse-complemented")
    p.add_argument("--negatives", choices=NEGATIVES,
                   help="add negatives for a classifier of the input's sequences, labelled bound (1: read, 0: "
                        "added): a dinucleotide shuffle of each sequence; or, of a BED file's genome, windows "
                        "overlapping no interval and of A, C, G, T only: its intervals' flanks (the same width "
                        "--flank-distance either way), or random windows of its intervals' chromosomes, one an "
                        "interval, matched to them in GC and soft-masked (repeat) share (gc-matched); generators "
                        "learn the positives only (seqgen split --positives bound)")
    p.add_argument("--flank-distance", type=int, default=FLANK_DISTANCE,
                   help=f"--negatives flanks: letters between an interval's centre and its flanks' (default "
                        f"{FLANK_DISTANCE:,})")
    p.add_argument("--negatives-per-positive", type=int, default=1, metavar="N",
                   help="--negatives shuffle and gc-matched: negatives a sequence read, each drawn on its own (gkm-"
                        "SVM's xfold; flanks are two an interval) (default 1)")
    p.add_argument("--seed", type=seed_value, default=0,
                   help="--negatives shuffle and gc-matched: seed of the shuffles or of the windows drawn")


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
        why = f"--negatives {args.negatives} makes the label, bound: 1 for these sequences, 0 for their negatives" \
            if args.negatives else f"--label-column {unread[0]} keeps one as a label (a predictor needs one)"
        notes.append(f"{args.input}: numeric column{'s' if len(unread) > 1 else ''} {', '.join(unread)} not "
                     f"read: {why}")
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
    if data.meta.get("n_off_chromosome"):
        notes.append(f"{args.input}: {data.meta['n_off_chromosome']} of the {data.meta['n_intervals']} intervals run "
                     f"off their chromosome at --width {data.meta['width']} and were left out")
    if data.meta.get("n_near_copies"):
        notes.append(f"{args.input}: {data.meta['n_near_copies']:,} of the {data.meta['n_intervals']:,} intervals "
                     f"overlap another by half their length or more (several summits of one region?): a random "
                     f"split holds near-copies of training sequences; seqgen split --chromosomes and the predictor's "
                     f"val_chromosomes (in the workflow, holdout_chromosomes) hold whole chromosomes out")
    if data.meta.get("negatives"):
        notes.append(_negatives_note(args.input, data.meta["negatives"]))
    if data.meta.get("linker_missing"):
        notes.append(f"{data.meta['linker_missing']} of the {data.meta['n_read']} probes do not end with the "
                     f"universal PBM linker, so no probe's linker was removed")
    if data.looks_like_dna():
        notes.append(f"{args.input}: every sequence is made of A, C, G, T (and N) only; is it DNA? it was read as "
                     f"{data.alphabet.name} (--alphabet)")
    return notes


def _negatives_note(path, negatives: dict) -> str:
    """What ``--negatives`` added, and (flanks) what it left out and why."""
    each = negatives.get("per_positive", 1)
    text = f"{path}: {negatives['n_negatives']:,} negatives ({negatives['kind']}" + \
        (f", {each} a sequence read" if each > 1 else "") + f") added after the {negatives['n_positives']:,} " \
        f"sequences read, labelled bound 0 (the sequences read: 1)"
    if negatives.get("n_identical"):
        text += f"; {negatives['n_identical']:,} shuffles came out as their own sequence (too short for another " \
                f"order) and were left out"
    if negatives["kind"] == "flanks":
        text += f"; of the {negatives['n_windows']:,} flanks {negatives['distance']:,} letters either way of the " \
                f"intervals, {negatives['n_overlapping']:,} overlap an interval, {negatives['n_off_chromosome']:,} " \
                f"run off their chromosome, {negatives['n_ambiguous']:,} hold N (or another letter than A, C, G, " \
                f"T) and {negatives['n_duplicates']:,} repeat another's window"
    if negatives["kind"] == "gc-matched":
        chromosomes = f"{negatives['n_chromosomes']:,} chromosome" + ("s" if negatives["n_chromosomes"] > 1 else "")
        text += f"; drawn from {negatives['n_windows']:,} windows of {negatives['length']:,} letters on the " \
                f"intervals' {chromosomes}, less {negatives['n_overlapping']:,} that " \
                f"overlap an interval and {negatives['n_ambiguous']:,} that hold N (or another letter than A, C, " \
                f"G, T); mean GC {negatives['gc_negatives']:.3f}, the intervals' {negatives['gc_positives']:.3f}"
        if negatives["masked_positives"] or negatives["masked_negatives"]:
            text += f"; soft-masked (repeat) share {negatives['masked_negatives']:.3f}, the intervals' " \
                    f"{negatives['masked_positives']:.3f}"
        if negatives["n_short"]:
            low, high = negatives["short_gc"]
            asked = "the intervals" if each == 1 else f"{each} an interval"
            text += f"; {negatives['n_short']:,} fewer than {asked}: too few windows of their GC " \
                    f"({low:.2f}-{high:.2f}) and soft-masked share were drawn"
    return text


def _run_encode(args) -> None:
    from seqgen.io import read_sequences

    if not args.out.endswith(".npz"):  # the archive under another name (o.csv) would mislead whoever reads it next
        raise SeqgenError("encode writes a NumPy archive: name the output *.npz", args.out)
    data = read_sequences(args.input, args.alphabet, args.format, args.sequence_column, args.label_column,
                          args.id_column, args.ambiguous, args.lengths, args.length, args.duplicate_ids,
                          args.missing_labels, focus=args.focus, genome=args.genome, width=args.width,
                          negatives=args.negatives, flank_distance=args.flank_distance, seed=args.seed,
                          negatives_per_positive=args.negatives_per_positive)
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
                                   "(see seqgen.simulate). Writes a TSV with id, sequence, signal. With --planted: "
                                   "longer sequences to scan instead, a site of the motif planted in a share of them, "
                                   "as FASTA whose headers say where.")
    p.add_argument("--motif", default="MA0472.2", help="JASPAR matrix id (default: MA0472.2, EGR2)")
    p.add_argument("--n", type=int, default=5000, help="number of probes")
    p.add_argument("--length", type=int, default=35, help="probe length")
    p.add_argument("--noise", type=float, default=0.15, help="lognormal noise sigma")
    p.add_argument("--threshold", type=float, default=8.0,
                   help="half-occupancy point, in nats below the motif's best log-odds score")
    p.add_argument("--planted", type=float, metavar="SHARE",
                   help="instead of probes: --n random sequences of --length, one site drawn from the motif planted "
                        "in this share of them (ids planted_i and plain_i; each header gives the site's start, "
                        "strand and letters), written as FASTA: sequences to scan (seqgen predict --scan)")
    p.add_argument("--seed", type=seed_value, default=0)
    p.add_argument("--jaspar-release", help=f"pyjaspar release (default: {JASPAR_RELEASE}, as seqgen motifs)")
    p.add_argument("--out", required=True, help="output .tsv (with --planted: .fasta)")


def _run_simulate(args) -> None:
    from seqgen.simulate import simulate_pbm, write_table

    if args.planted is not None:
        return _run_simulate_sites(args)
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


def _run_simulate_sites(args) -> None:
    """``seqgen simulate --planted``: sequences to scan, a site planted in some, as FASTA."""
    from seqgen.io.writers import write_fasta
    from seqgen.simulate import simulate_sites

    _refuse_npz_out(args.out, "FASTA (sequences to scan)", ".fasta")
    if str(args.out).lower().endswith((".tsv", ".csv")):
        raise SeqgenError("with --planted this command writes FASTA, not a table: name it .fasta", args.out)
    table, info = simulate_sites(args.motif, args.n, args.length, args.planted, args.seed, args.jaspar_release)
    notes = [f"site {start} {strand} {site}" if start >= 0 else "no site"
             for start, strand, site in table[["site_start", "site_strand", "site"]].itertuples(index=False)]
    write_fasta(args.out, table["id"], table["sequence"], notes)
    print(f"simulated {args.n} sequences of {args.length} nt, {info['planted']} with a planted {info['motif_name']} "
          f"({info['motif_id']}) site -> {args.out}", file=sys.stderr)


def _add_split(sub) -> None:
    p = sub.add_parser("split", help="hold out a random share of an encoded data set (to evaluate generators on)",
                       description="Split an encoded data set (.npz from 'seqgen encode') at random, or by "
                                   "chromosome, into a training part and a held-out part, both .npz: train a "
                                   "generator on the first and give 'seqgen evaluate' the second as --reference and "
                                   "the first as --training. An alignment's focus sequence (its first record) stays "
                                   "in the training part.")
    p.add_argument("data", help="encoded data set (.npz)")
    held = p.add_mutually_exclusive_group(required=True)
    held.add_argument("--holdout", type=float, help="the share of sequences held out at random, in (0, 1)")
    held.add_argument("--chromosomes", nargs="+", action="extend", metavar="NAME",
                      help="genome intervals: hold out every sequence of these chromosomes instead, so that "
                           "overlapping intervals are never on both sides")
    p.add_argument("--training", required=True, help="output .npz: the rest")
    p.add_argument("--heldout", required=True, help="output .npz: the held-out sequences")
    p.add_argument("--seed", type=seed_value, help="random seed of the split (default 0)")
    p.add_argument("--positives", metavar="LABEL",
                   help="split only the sequences whose 0/1 LABEL is 1 (bound peaks, not the negatives beside "
                        "them), for generators to learn the positives alone")


#: fewer held-out sequences than this draw a note: the evaluation's k-mer spectra and classifier rest on few
HELD_OUT_FEW = 100


def _run_split(args) -> None:
    from seqgen.data import SequenceSet
    from seqgen.negatives import positives

    _check_split_options(args)
    data = SequenceSet.load(args.data)
    if args.positives is not None:
        n_all, data = len(data), positives(data, args.positives)
        print(f"note: {n_all - len(data):,} of the {n_all:,} sequences have {args.positives} 0 and are in neither "
              f"part", file=sys.stderr)
    if args.chromosomes:
        training, heldout = (data.subset(index) for index in data.chromosome_split(args.chromosomes, "--chromosomes"))
        how, held = f"--chromosomes {' '.join(args.chromosomes)}", {"chromosomes": list(args.chromosomes)}
    else:
        training, heldout = data.split(args.holdout, args.seed or 0, keep_first="focus_positions" in data.meta)
        how, held = f"--holdout {args.holdout:g}", {"holdout": args.holdout, "seed": args.seed or 0}
    if min(len(training), len(heldout)) < 2:
        raise SeqgenError(f"{how} of its {len(data)} sequences leaves {len(training)} to train on and {len(heldout)} "
                          f"held out: an evaluation needs at least 2 of each (the workflow: a larger "
                          f"evaluate.holdout, other holdout_chromosomes, or the data set's holdout: 0)", args.data)
    for part, name in ((training, "training"), (heldout, "held out")):
        part.meta["split"] = {"part": name, **held, "of": len(data)}
        if args.positives is not None:
            part.meta["split"]["positives"] = args.positives
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

    if args.holdout is not None and not 0 < args.holdout < 1:
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
