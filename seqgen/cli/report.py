"""``seqgen report``: the HTML report of a results folder."""
from __future__ import annotations

import sys

from seqgen.errors import SeqgenError


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report of a results folder",
                       description="Read what exists in a results folder (data.npz, generator/, predictor/, "
                                   "design/, motifs/, mutations.tsv, scan/) and write one HTML file with embedded "
                                   "images.")
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
    p.add_argument("--no-scan", dest="scan", action="store_false",
                   help="leave out scan/ (an earlier run's, when the data set no longer scans sequences)")
    p.add_argument("--no-predictor", dest="predictor", action="store_false",
                   help="leave out predictor/ and generator/*/samples.tsv (an earlier run's, when the data set no "
                        "longer has a label)")


def _run_report(args) -> None:
    from seqgen.report import write_report

    if args.top < 1:
        raise SeqgenError(f"--top must be at least 1, not {args.top}")
    notes = write_report(args.results, args.out, args.title, args.top, args.methods, args.generators,
                         args.mutations, args.predictor, args.scan)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"report -> {args.out}", file=sys.stderr)
