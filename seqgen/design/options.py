"""The options of ``seqgen design``, declared without importing torch, pandas or the design code: building the
parser of every command (``seqgen --help``) should not wait for them."""
from __future__ import annotations

import argparse

from seqgen.settings import DESIGN_METHODS as METHODS
from seqgen.settings import DESIGN_OPTIONS, LONG_RUN, DesignOption


def add_arguments(p) -> None:
    """Declare the options of ``seqgen design``: the design settings' from :data:`~seqgen.settings.DESIGN_OPTIONS`,
    between the objectives' and the constraints'."""
    p.add_argument("--predictor", help="predictor folder to maximize (or see --direction); optional with "
                                       "--naturalness")
    p.add_argument("--direction", choices=["max", "min", "target"],
                   help="maximize (the default), minimize or reach --target (the default when --target is given)")
    p.add_argument("--target", type=float,
                   help="target value of the predictor's mean, on the label's scale as `seqgen predict` gives it (a "
                        "probability for a classifier)")
    p.add_argument("--avoid", action="append", default=[], metavar="DIR",
                   help="another predictor whose prediction is minimized (e.g. bind A, not B); repeatable")
    p.add_argument("--avoid-weight", type=float, default=1.0, metavar="WEIGHT",
                   help="weight of each --avoid predictor's score (on its model's scale: the standardized label, "
                        "or a classifier's logit) beside the --predictor's weight of 1 (default 1; not negative)")
    p.add_argument("--avoid-below", type=float, metavar="VALUE",
                   help="penalize an --avoid predictor only above VALUE (on its label's scale, as `seqgen "
                        "predict` gives it) instead of minimizing it")
    p.add_argument("--conservative", type=float, default=0.0, metavar="K",
                   help="maximize mean - K * std of the ensemble (designs where the members agree; a bias every "
                        "member learned from the data, such as an array's composition, is no disagreement)")
    p.add_argument("--generator", help="generator folder (vae or gan), for --method latent and --naturalness")
    p.add_argument("--naturalness", type=float, default=0.0, metavar="WEIGHT",
                   help="also maximize WEIGHT x the --generator VAE's ELBO (nats; its own likelihood of the "
                        "sequence, e.g. a family VAE); alone, without --predictor, it is the only objective")
    p.add_argument("--naturalness-samples", type=int, default=8,
                   help="latent samples per ELBO in --naturalness, drawn once (by --seed): designs can fit those "
                        "draws, so designs.tsv's naturalness_mean is optimistic (more samples: slower, less so)")
    p.add_argument("--method", choices=METHODS, default="fast-seqprop")
    for option in DESIGN_OPTIONS:
        _add_setting(p, option)
    p.add_argument("--fixed", help="pattern of length L: letters are fixed, '.' free (also N for DNA/RNA, X for "
                                   "protein; e.g. primers)")
    for bound, quantile in (("min", "1st"), ("max", "99th")):
        p.add_argument(f"--gc-{bound}", type=_fraction, metavar="F|auto",
                       help=f"{bound.replace('min', 'least').replace('max', 'most')} GC fraction of each design (the "
                            f"designed letters, not the --linker); auto: the {quantile} percentile of the --data "
                            f"sequences' (a predictor's scores of a composition it never saw are extrapolations)")
    p.add_argument("--forbid", action="append", default=[], metavar="KMER",
                   help="forbidden k-mer, both strands for DNA (e.g. a restriction site; IUPAC codes stand for the "
                        "letters they allow: GANTC forbids GAATC, GACTC, GAGTC and GATTC; in a protein X is any "
                        "amino acid: NXT); repeatable")
    p.add_argument("--max-homopolymer", type=_run_length, metavar="N|auto",
                   help="no run of one letter longer than N; auto: the longest run 99%% of the --data sequences stay "
                        f"within, at least {LONG_RUN} (without --data: {LONG_RUN})")
    p.add_argument("--start", help="starting sequence (with --max-edits)")
    p.add_argument("--max-edits", type=int, help="most positions that may differ from --start (fixed letters "
                                                 "that differ from it count too)")
    p.add_argument("--linker", help="constant region appended to every design: writes full probes (PBM mode)")
    p.add_argument("--data", help="training data (.npz): adds the distance to the nearest training sequence, and "
                   "scores up to 1,000 training sequences with the same objective, the 100 best measured among them "
                   "(training_utility.tsv)")
    p.add_argument("--out", required=True, help="designs.fasta; designs.tsv, trajectory.tsv, design.json beside it "
                                                "(and training_utility.tsv with --data, probes.fasta with --linker)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (none is drawn off a terminal)")


def _add_setting(p, option: DesignOption) -> None:
    """Declare the option of one design setting: a flag for a bool, else a value of its default's type."""
    if isinstance(option.default, bool):
        p.add_argument(option.flag, action="store_true", help=option.help)
    else:
        p.add_argument(option.flag, type=type(option.default), default=option.default, metavar=option.metavar,
                       help=option.help)


def _fraction(value: str):
    """``--gc-min`` / ``--gc-max``: a number, or ``auto``."""
    if value == "auto":
        return value
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a fraction from 0 to 1, or auto, not {value!r}") from None


def _run_length(value: str):
    """``--max-homopolymer``: a positive whole number, or ``auto``."""
    if value == "auto":
        return value
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, or auto, not {value!r}")
    return int(value)
