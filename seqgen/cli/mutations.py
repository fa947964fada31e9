"""``seqgen score-mutants``: mutation effects from a family VAE."""
from __future__ import annotations

import sys

from seqgen.cli.common import _add_common
from seqgen.errors import SeqgenError


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
