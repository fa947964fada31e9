"""``seqgen predict``: scoring sequences with a trained predictor."""
from __future__ import annotations

import sys

from seqgen.cli.common import _add_common
from seqgen.errors import SeqgenError


def _add_predict(sub) -> None:
    from seqgen.io import FORMATS

    p = sub.add_parser("predict", help="predict sequences with a trained predictor",
                       description="Score every sequence of a file (any format 'encode' reads, or an encoded .npz) "
                                   "with a predictor ensemble; writes a TSV with id, sequence, mean, std (over the "
                                   "ensemble's members, on the label's own scale; probabilities for "
                                   "classification), then, for genome intervals (a BED file with --genome, or its "
                                   ".npz), chrom, start, end, strand of the window scored (0-based, as BED), then "
                                   "measured_LABEL for each label the input holds (a PBM "
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
    p.add_argument("--ambiguous", choices=["error", "drop", "keep"], default="error",
                   help="records holding ambiguity codes (N): stop with an error, leave them out, or (--scan) keep "
                        "them and score only their windows without one")
    p.add_argument("--lengths", choices=["error", "pad", "trim"], default="error",
                   help="records whose length is not the model's: stop with an error, or pad or trim them to it "
                        "(as a model trained on padded data expects)")
    p.add_argument("--duplicate-ids", choices=["error", "keep"], default="error")
    p.add_argument("--genome", metavar="FASTA", help="a BED input's genome (FASTA, plain or gzip): score the genome's "
                                                     "letters in its intervals")
    p.add_argument("--width", type=int, help="a BED input's intervals re-centred to this many letters on their "
                                             "summit or middle (default: the model's length; with --scan, the "
                                             "intervals as given)")
    p.add_argument("--scan", action="store_true",
                   help="score sequences longer than the model reads (promoters, whole peaks) window by window: a "
                        "row a sequence for its highest window, with its position (0-based) and the number of "
                        "windows; a BED input's intervals are scanned whole unless --width is given")
    p.add_argument("--stride", type=int, default=1, help="--scan: letters between windows")
    p.add_argument("--both-strands", action="store_true",
                   help="--scan of DNA or RNA: also the windows of each sequence's reverse complement (as FIMO scans "
                        "both strands), with an orientation column (+, -)")
    p.add_argument("--windows", metavar="TSV", help="--scan: also write every window's id, position, mean, std (and "
                                                    "a genome interval's chrom, start, end, strand: a track)")
    p.add_argument("--shuffles", type=int, metavar="K",
                   help="--scan: also scan K dinucleotide shuffles of each sequence (its length and letter pairs, "
                        "without its sites) and add p_value, how often a shuffle's best window over as many windows "
                        "scores at least the sequence's best, and q_value (Benjamini-Hochberg over the sequences); "
                        "costs K times the scan (--seed draws the shuffles)")
    p.add_argument("--batch-size", type=int,
                   help="sequences a batch (default: as many as fit 512 MiB of activations, or a quarter of the free "
                        "GPU memory)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (none is drawn off a terminal)")
    _add_common(p)


def _run_predict(args) -> None:
    from seqgen.device import select_device
    from seqgen.io import STDOUT
    from seqgen.predict import predict_file

    if args.batch_size is not None and args.batch_size < 1:
        raise SeqgenError(f"--batch-size must be at least 1, not {args.batch_size}")
    n = predict_file(args.model, args.input, args.out, args.format, select_device(args.device), args.batch_size,
                     sequence_column=args.sequence_column, id_column=args.id_column,
                     label_columns=args.label_column, ambiguous=args.ambiguous,
                     lengths=args.lengths, duplicate_ids=args.duplicate_ids, progress=not args.no_progress,
                     genome=args.genome, width=args.width, scan=args.scan, stride=args.stride,
                     windows_path=args.windows, both_strands=args.both_strands, shuffles=args.shuffles,
                     seed=args.seed or 0)
    where = "standard output" if args.out == STDOUT else args.out
    print(f"predicted {n} sequence{'' if n == 1 else 's'} -> {where}", file=sys.stderr)
