"""``seqgen design``: load the models, build objectives and constraints, design, write outputs."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqgen.alphabets import PROTEIN, PROTEIN_GAP, get_alphabet
from seqgen.atomic import atomic_path, check_writable, write_text
from seqgen.data import SequenceSet
from seqgen.design.constraints import Constraints, long_runs
from seqgen.design.objectives import Objective, ObjectiveSet
from seqgen.design.outputs import designs_table, write_design
from seqgen.design.run import METHODS, DesignSettings, design, score_codes
from seqgen.device import select_device
from seqgen.errors import SeqgenError
from seqgen.settings import DESIGN_ANNEALING, LONG_RUN, ignored_design_options


def add_arguments(p) -> None:
    """Declare the options of ``seqgen design``."""
    p.add_argument("--predictor", help="predictor folder to maximize (or see --direction); optional with "
                                       "--naturalness")
    p.add_argument("--direction", choices=["max", "min", "target"],
                   help="maximize (the default), minimize or reach --target (the default when --target is given)")
    p.add_argument("--target", type=float,
                   help="target value of the predictor's mean, on the label's scale as `seqgen predict` gives it (a "
                        "probability for a classifier)")
    p.add_argument("--avoid", action="append", default=[], metavar="DIR",
                   help="another predictor whose prediction is minimized (e.g. bind A, not B); repeatable")
    p.add_argument("--avoid-weight", type=float, default=1.0)
    p.add_argument("--avoid-below", type=float, metavar="VALUE",
                   help="penalize an --avoid predictor only above VALUE (on its label's scale, as `seqgen "
                        "predict` gives it) instead of minimizing it")
    p.add_argument("--conservative", type=float, default=0.0, metavar="K",
                   help="maximize mean - K * std of the ensemble (designs where the members agree)")
    p.add_argument("--generator", help="generator folder (vae or gan), for --method latent and --naturalness")
    p.add_argument("--naturalness", type=float, default=0.0, metavar="WEIGHT",
                   help="also maximize WEIGHT x the --generator VAE's ELBO (nats; its own likelihood of the "
                        "sequence, e.g. a family VAE); alone, without --predictor, it is the only objective")
    p.add_argument("--naturalness-samples", type=int, default=8, help="latent samples per ELBO in --naturalness")
    p.add_argument("--method", choices=METHODS, default="fast-seqprop")
    p.add_argument("--n", type=int, default=64, help="number of candidates")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--samples", type=int, default=1, help="straight-through samples per step")
    p.add_argument("--diversity", type=float, default=0.0, help="weight of the similarity penalty")
    p.add_argument("--entropy", type=float, default=0.0, metavar="NATS",
                   help="fast-seqprop/softmax: keep each chain's mean per-position entropy above NATS (anti-collapse)")
    p.add_argument("--restart", type=int, default=0, metavar="STEPS",
                   help="re-initialize a chain whose best has not improved for STEPS steps (its best is kept)")
    p.add_argument("--freeze-offset", action="store_true",
                   help="fast-seqprop: do not learn the per-letter offset, so the letter composition cannot drift")
    p.add_argument("--offset-limit", type=float, default=0.0, metavar="M",
                   help="fast-seqprop: bound the learned per-letter offset softly to +-M (0: unbounded), so the "
                        "composition may drift but no letter leaves every position at once")
    p.add_argument("--polish", type=int, default=0, metavar="STEPS",
                   help="gradient methods: STEPS annealing steps (--proposals mutants each) from each chain's best")
    p.add_argument("--patience", type=int, default=0, metavar="STEPS",
                   help="stop once no chain's best has improved for STEPS steps (0: run all --steps)")
    p.add_argument("--plateau", type=float, default=0.0, metavar="FRACTION",
                   help="stop the run (and its polish) once the last --plateau-window calls raised the mean best "
                        "score by less than FRACTION of its rise so far (e.g. 0.05; 0: off)")
    p.add_argument("--plateau-window", type=int, default=50, metavar="CALLS")
    p.add_argument("--prior-weight", type=float, default=0.0, help="latent: weight of the N(0, I) prior on z")
    p.add_argument("--proposals", type=int, default=8, help="anneal: mutants per chain and step")
    p.add_argument("--guided", action="store_true",
                   help="anneal and --polish: draw the mutants by the predictor's gradient (first-order gain of "
                        "each single-letter change; one more call per step, none with --proposals 1) instead of "
                        "at random")
    p.add_argument("--guide-temperature", type=float, default=0.5,
                   help="--guided: randomness of the draw, in units of the gains' spread (0: the top ones)")
    p.add_argument("--combine", action="store_true",
                   help="anneal and --polish: also score each chain with all its improving mutants at once (one "
                        "more call per step) and take it when it beats the best single mutant")
    p.add_argument("--mutations", type=int, default=1, metavar="K",
                   help="anneal and --polish: letters each mutant changes, at K distinct positions (guided: the K "
                        "positions of best gradient gain, each with its best letter)")
    p.add_argument("--fixed", help="pattern of length L: letters are fixed, '.' free (also N for DNA/RNA, X for "
                                   "protein; e.g. primers)")
    p.add_argument("--gc-min", type=float)
    p.add_argument("--gc-max", type=float)
    p.add_argument("--forbid", action="append", default=[], metavar="KMER",
                   help="forbidden k-mer, both strands for DNA (e.g. a restriction site; IUPAC codes stand for the "
                        "letters they allow: GANTC forbids GAATC, GACTC, GAGTC and GATTC); repeatable")
    p.add_argument("--max-homopolymer", type=int)
    p.add_argument("--start", help="starting sequence (with --max-edits)")
    p.add_argument("--max-edits", type=int)
    p.add_argument("--linker", help="constant region appended to every design: writes full probes (PBM mode)")
    p.add_argument("--data", help="training data (.npz): adds the distance to the nearest training sequence, and "
                   "scores up to 1,000 training sequences with the same objective (training_utility.tsv)")
    p.add_argument("--out", required=True, help="designs.fasta; designs.tsv, trajectory.tsv, design.json beside it")


def run(args) -> dict:
    """Run ``seqgen design`` with parsed ``args``; return the summary written to ``design.json``."""
    from seqgen.predict import load_predictor

    check_writable(args.out)  # fail before the work, not after
    args.linker = args.linker.upper() if args.linker else None
    reference = SequenceSet.load(args.data) if args.data else None
    device = select_device(args.device)
    if not args.predictor and not args.naturalness:
        raise SeqgenError("design needs --predictor DIR, or --naturalness WEIGHT with a --generator VAE")
    _check_options(args)
    generator = _load_generator(args, device)
    objectives, predictors = [], {}
    main = load_predictor(args.predictor, device) if args.predictor else None
    if main is not None:
        target = None if args.target is None else main.to_model_scale(args.target, "--target")
        scorer = main.score_of_label_mean if target is not None else main.score  # the target holds for predict's mean
        objectives.append(Objective("score", scorer, args.direction, 1.0, target, args.conservative,
                                    main.model.forward_bytes(main.length)))
        predictors["score"] = main
    alphabet, length = (main.alphabet, main.length) if main is not None else (
        get_alphabet(generator[1]["alphabet"]), int(generator[1]["length"]))
    if generator is not None and (generator[1]["alphabet"], int(generator[1]["length"])) != (alphabet.name, length):
        raise SeqgenError(f"generator makes {generator[1]['alphabet']} of length {generator[1]['length']}, but the "
                          f"predictor scores {alphabet.name} of length {length}", args.generator)
    for i, path in enumerate(args.avoid):
        other = load_predictor(path, device)
        if (other.alphabet.name, other.length) != (alphabet.name, length):
            raise SeqgenError(f"predictor {path} works on {other.alphabet.name} of length {other.length}, but "
                              f"the design is for {alphabet.name} of length {length}")
        direction, level = ("min", None) if args.avoid_below is None else \
            ("below", other.to_model_scale(args.avoid_below, "--avoid-below"))
        objectives.append(Objective(f"avoid{i + 1}", other.score if level is None else other.score_of_label_mean,
                                    direction, args.avoid_weight, level, args.conservative,
                                    other.model.forward_bytes(other.length)))
        predictors[f"avoid{i + 1}"] = other
    if args.naturalness:
        objectives.append(Objective("naturalness", naturalness_scorer(generator, args, device), "max",
                                    args.naturalness))
    designed = design_alphabet(alphabet)
    if args.entropy >= math.log(designed.size):
        raise SeqgenError(f"--entropy {args.entropy:g} nats: a position of {designed.size} letters has at most "
                          f"ln {designed.size} = {math.log(designed.size):.2f}")
    if reference is not None and (reference.alphabet.name, reference.length) != (alphabet.name, length):
        raise SeqgenError(f"--data holds {reference.alphabet.name} of length {reference.length}, but the design is "
                          f"for {alphabet.name} of length {length}", args.data)
    constraints = Constraints.from_options(designed, length, args.fixed, args.gc_min, args.gc_max,
                                           args.forbid, args.max_homopolymer, args.max_edits, args.start,
                                           args.linker)
    settings = DesignSettings(method=args.method, n=args.n, steps=args.steps, lr=args.lr, samples=args.samples,
                              diversity=args.diversity, prior_weight=args.prior_weight, proposals=args.proposals,
                              guided=args.guided, guide_temperature=args.guide_temperature, combine=args.combine,
                              mutations=args.mutations, entropy=args.entropy, restart=args.restart,
                              patience=args.patience,
                              plateau=args.plateau, plateau_window=args.plateau_window,
                              learn_offset=not args.freeze_offset, offset_limit=args.offset_limit,
                              polish=args.polish, seed=args.seed or 0)
    decoder, latent_dim = (_decoder(generator[0], designed.size), generator[0].latent_dim) \
        if args.method == "latent" else (None, None)
    result = design(ObjectiveSet(objectives, alphabet.size), constraints, settings, device, decoder, latent_dim)
    if not len(result.codes):
        raise SeqgenError("no design satisfies the constraints; loosen them or design more candidates")
    table = designs_table(result, constraints, args.method, None if reference is None else reference.codes,
                          args.linker)
    for name, predictor in predictors.items():  # predictions on the label's own scale, beside the model's
        mean, std = predictor.predict(result.codes)
        table[f"{name}_label_mean"], table[f"{name}_label_std"] = np.round(mean, 5), np.round(std, 5)
    # the same objective on training sequences (are the designs better than the data?), scored before any output
    training = None if reference is None else \
        training_utility(ObjectiveSet(objectives, alphabet.size), reference, designed, device, args.seed)
    summary = write_design(args.out, result, table)
    if training is not None:
        summary.update(compare_with_training(training, table["utility"]), training_sequences=len(reference),
                       training_comparable=len(comparable_rows(reference, designed)))
        with atomic_path(Path(args.out).parent / "training_utility.tsv") as tmp:
            training.to_csv(tmp, sep="\t", index=False)
    long_runs = None if args.max_homopolymer is not None or not alphabet.is_nucleic else \
        count_long_runs(result.codes, constraints, args.out)
    summary.update(method=args.method, predictor=str(args.predictor) if args.predictor else None,
                   direction=args.direction if args.predictor else None, target=args.target,
                   avoid=[str(p) for p in args.avoid], avoid_below=args.avoid_below, naturalness=args.naturalness,
                   seed=settings.seed, long_runs=long_runs,
                   restarts=result.restarts, stopped_at=result.stopped_at,
                   mean_utility=float(np.mean(result.utility)))
    write_text(Path(args.out).parent / "design.json", json.dumps(summary, indent=2) + "\n")
    return summary


#: training sequences scored with the design's objective (a seeded subsample of those made of the designs' letters)
TRAINING_SCORED = 1000


def training_utility(objectives: ObjectiveSet, reference: SequenceSet, designed, device, seed=None) -> pd.DataFrame:
    """The design objective's utility of up to :data:`TRAINING_SCORED` training sequences, those made only of the
    designs' letters (no padding; no gaps where designs have none): a table of id and utility (maybe empty)."""
    whole = comparable_rows(reference, designed)
    pick = np.sort(np.random.default_rng(seed or 0).choice(whole, min(len(whole), TRAINING_SCORED), replace=False))
    utility, _ = score_codes(objectives, reference.codes[pick], designed.size, device)
    return pd.DataFrame({"id": np.asarray(reference.ids, dtype=object)[pick],
                         "utility": np.round(utility.cpu().numpy().astype(float), 5)})


def comparable_rows(reference: SequenceSet, designed) -> np.ndarray:
    """Indices of the training sequences made only of the designs' letters (no padding; no gaps where designs
    have none): those whose utility compares with the designs'."""
    return np.flatnonzero((reference.codes < designed.size).all(axis=1))


def compare_with_training(training: pd.DataFrame, designs: pd.Series) -> dict:
    """``design.json``'s comparison of the designs' utilities with the training sequences' (``training_utility``)."""
    if not len(training):
        return {"training_scored": 0}
    best = float(training["utility"].max())
    return {"training_scored": len(training), "training_utility_median": float(training["utility"].median()),
            "training_utility_max": best, "designs_above_training_max": int((designs > best).sum())}


def _check_options(args) -> None:
    """Refuse contradictory options; name the ones this run ignores (a one-line note each)."""
    if args.target is not None:
        if args.direction not in (None, "target"):
            raise SeqgenError(f"--target reaches a value: it cannot be combined with --direction {args.direction}")
        args.direction = "target"
    args.direction = args.direction or "max"
    if args.direction == "target" and args.target is None:
        raise SeqgenError("--direction target needs --target VALUE")
    if args.avoid_below is not None and not args.avoid:
        raise SeqgenError("--avoid-below needs an --avoid predictor to hold below it")
    for name in ("lr", "naturalness_samples"):
        if not getattr(args, name) > 0:
            raise SeqgenError(f"--{name.replace('_', '-')} must be positive, not {getattr(args, name)}")
    defaults = vars(_parser_defaults())
    changed = [k for k in defaults if k != "method" and getattr(args, k, defaults[k]) != defaults[k]]
    ignored = ignored_design_options(args.method, changed, bool(args.polish))
    ignored += [k for k in ("naturalness_samples",) if k in changed and not args.naturalness]
    ignored += [k for k in ("avoid_weight",) if k in changed and not args.avoid]
    ignored += ["generator"] if args.generator and args.method != "latent" and not args.naturalness else []
    for name in ignored:
        print(f"note: --{name.replace('_', '-')} does not apply to this design (--method {args.method}"
              f"{' without --polish' if name in DESIGN_ANNEALING else ''}) and is ignored", file=sys.stderr)


def _parser_defaults():
    """The options' defaults, as ``seqgen design`` declares them."""
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["--out", "-"])


def design_alphabet(alphabet):
    """The letters designs are made of: a protein alignment's alphabet without its gap (designs are proteins:
    with gaps as missing data a gap costs a family VAE nothing, and designs for it filled up with gaps)."""
    return PROTEIN if alphabet.name == PROTEIN_GAP.name else alphabet


def _decoder(generator, letters: int):
    """``z (N, D) -> (N, letters, L)``: the generator's letter probabilities, restricted to the first ``letters``."""
    def decode(z):
        p = generator.decode(z)[:, :letters]
        return p / p.sum(1, keepdim=True).clamp_min(1e-12)
    return decode


def count_long_runs(codes: np.ndarray, constraints: Constraints, out) -> int:
    """How many ``(N, L)`` designs hold a run of one letter longer than ``LONG_RUN`` (:func:`long_runs`, the
    constraints' linker included); a one-line warning if any."""
    long = long_runs(codes, constraints.alphabet, constraints.suffix)
    if long.any():
        print(f"warning: {out}: {int(long.sum())} of {len(codes)} designs have a run of more than {LONG_RUN} of one "
              f"letter, which models of ordinary sequences often over-rate (predictors and a VAE's likelihood alike); "
              f"consider --max-homopolymer {LONG_RUN} (workflow: design.<method>.max_homopolymer)", file=sys.stderr)
    return int(long.sum())


def _load_generator(args, device):
    """``(module, payload)`` of ``--generator`` with frozen weights, or None when no option needs one."""
    if args.method == "latent" and not args.generator:
        raise SeqgenError("--method latent needs --generator DIR (a trained vae or gan)")
    if args.naturalness and not args.generator:
        raise SeqgenError("--naturalness needs --generator DIR (a trained vae)")
    if not args.generator or (args.method != "latent" and not args.naturalness):
        return None
    from seqgen.generate import load_generator

    module, payload = load_generator(args.generator, device)
    if args.naturalness and not hasattr(module, "elbo"):
        raise SeqgenError(f"--naturalness needs a vae, not a {payload['kind']}", args.generator)
    for p in module.parameters():
        p.requires_grad_(False)
    return module, payload


def naturalness_scorer(generator, args, device):
    """``x (B, A, L) -> (B,)`` the VAE's ELBO in nats, differentiable in relaxed ``x``; fixed latent draws."""
    module = generator[0]
    eps = torch.randn(args.naturalness_samples, module.latent_dim, device=device,
                      generator=torch.Generator(device=device).manual_seed(args.seed or 0))
    return lambda x: module.elbo(x, eps)
