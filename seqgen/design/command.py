"""``seqgen design``: load the models, build objectives and constraints, design, write outputs."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqgen.alphabets import PAD, PROTEIN, PROTEIN_GAP, get_alphabet
from seqgen.atomic import atomic_path, check_writable, write_text
from seqgen.data import SequenceSet
from seqgen.design.constraints import Constraints, data_gc_window, data_run_limit, long_runs
from seqgen.design.objectives import Objective, ObjectiveSet
from seqgen.design.options import add_arguments
from seqgen.design.outputs import designs_table, write_design
from seqgen.design.run import DesignResult, DesignSettings, design, score_codes
from seqgen.device import select_device
from seqgen.errors import SeqgenError
from seqgen.settings import DESIGN_ANNEALING, DESIGN_OPTIONS, LONG_RUN, ignored_design_options


def run_limit(reference: SequenceSet | None) -> int:
    """The longest run of one letter that designs keep to (``auto``) and that draws no warning: the training
    sequences' (:func:`~seqgen.design.constraints.data_run_limit`), else :data:`~seqgen.settings.LONG_RUN`. The
    gaps of an alignment (``protein-gap``) are no letter of a design, so their runs (a fragment's missing end spans
    dozens of columns) count for nothing, as padding."""
    if reference is None:
        return LONG_RUN
    codes = reference.codes
    if "-" in reference.alphabet.letters:
        codes = np.where(codes == reference.alphabet.letters.index("-"), PAD, codes)
    return data_run_limit(codes)


def _note_removed_linker(args, reference) -> None:
    """Note where ``--data`` was read from PBM probes whose constant linker was removed (a UniPROBE table) and no
    ``--linker`` puts it back: the designs are then variable regions, not probes an array can carry."""
    removed = None if reference is None else reference.meta.get("linker")
    if removed and not args.linker:
        print(f"note: {args.data}: the training probes' {len(removed)}-nt linker was removed when they were read, so "
              f"these designs are the variable regions only; --linker {removed} also writes full probes "
              f"(probes.fasta)", file=sys.stderr)


#: the files ``seqgen design`` writes beside ``--out`` (the designs' FASTA)
BESIDE_OUT = ("designs.tsv", "trajectory.tsv", "training_utility.tsv", "design.json", "probes.fasta")


def run(args) -> dict:
    """Run ``seqgen design`` with parsed ``args``; return the summary written to ``design.json``."""
    check_writable(args.out)  # fail before the work, not after
    if Path(args.out).name in BESIDE_OUT:  # the FASTA would be overwritten by that file, silently
        raise SeqgenError(f"--out is the designs' FASTA, and {Path(args.out).name} is a file written beside it: "
                          f"give --out a name of its own, e.g. designs.fasta", args.out)
    args.linker = args.linker.upper() if args.linker else None
    reference = SequenceSet.load(args.data) if args.data else None
    _note_removed_linker(args, reference)
    args.run_limit = run_limit(reference)
    if args.max_homopolymer == "auto":
        args.max_homopolymer = args.run_limit
    args.gc_window = gc_window(args, reference)
    device = select_device(args.device)
    _check_options(args)
    generator = _load_generator(args, device)
    main = _load_predictor(args.predictor, device) if args.predictor else None
    alphabet, length = _design_shape(main, generator)
    objectives, predictors = _objectives(args, main, generator, alphabet, length, device)
    _check_compatible(args, alphabet, length, generator, reference)
    _note_target_outside_data(args, main, reference)
    designed = design_alphabet(alphabet)
    constraints = Constraints.from_options(designed, length, args.fixed, *args.gc_window, args.forbid,
                                           args.max_homopolymer, args.max_edits, args.start, args.linker)
    settings = _settings(args)
    result = _design(objectives, constraints, settings, generator, device)
    table = _designs_table(result, constraints, predictors, reference, args)
    if args.naturalness:
        table["naturalness_fresh"] = np.round(fresh_elbo(result, generator, args, alphabet.size, device), 5)
    # the same objective on training sequences (are the designs better than the data?), scored before any output
    training = None if reference is None else training_utility(objectives, reference, designed, device, args.seed,
                                                               best_measured(main, reference, args.direction))
    _remove_earlier_outputs(args.out)
    summary = write_design(args.out, result, table)
    if training is not None:
        summary.update(_write_training(training, table["utility"], reference, designed, args.out))
    summary.update(_summary(args, settings, result, constraints))
    summary["avoid_above"] = count_above_avoid_level(table, args)
    summary["avoid_held_out"] = compare_with_avoided_data(table, predictors, args)
    summary["gc_outside_training"] = count_gc_outside(result.codes, reference, designed, args)
    summary["start_score"] = None if constraints.start is None else \
        score_start(objectives, constraints.start, predictors, table["utility"], designed, device)
    write_text(Path(args.out).parent / "design.json", json.dumps(summary, indent=2) + "\n")
    return summary


def gc_window(args, reference: SequenceSet | None) -> tuple[float | None, float | None]:
    """``(--gc-min, --gc-max)``, ``auto`` resolved to the ``--data`` sequences' window
    (:func:`~seqgen.design.constraints.data_gc_window`), widened to take in the ``--start``'s GC and the most and
    fewest G and C the ``--fixed`` letters leave possible, so that ``auto`` never rules out a run."""
    given = (args.gc_min, args.gc_max)
    if "auto" not in given:
        return given
    if reference is None:
        raise SeqgenError("--gc-min/--gc-max auto is the GC window of the training sequences: it needs --data")
    if not reference.alphabet.is_nucleic:
        raise SeqgenError(f"a GC window (--gc-min, --gc-max) applies to DNA or RNA only, not to the --data "
                          f"sequences' {reference.alphabet.name}")
    low, high = data_gc_window(reference.codes, reference.alphabet)
    for pattern, free in ((args.start, ""), (args.fixed, ".N")):
        if pattern:
            pattern = pattern.upper()
            gc, open_ = sum(map(pattern.count, "GC")) / len(pattern), sum(map(pattern.count, free)) / len(pattern)
            low, high = min(low, gc + open_), max(high, gc)
    return tuple(bound if value == "auto" else value for bound, value in zip((low, high), given))


def _note_target_outside_data(args, main, reference) -> None:
    """A one-line note where ``--target`` lies outside the range of the ``--data`` sequences' measured label: the
    predictor never saw such a value, so the designs that approach it are extrapolations."""
    if args.target is None or main is None or reference is None or main.label not in reference.label_names:
        return
    values = reference.label(main.label)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if not low <= args.target <= high:
        print(f"note: --target {args.target:g} lies outside the measured {main.label} of the --data sequences "
              f"({low:.4g} to {high:.4g}): the predictor never saw such a value, so designs that approach it are "
              f"extrapolations", file=sys.stderr)


def _remove_earlier_outputs(out) -> None:
    """Remove an earlier run's files of the folder of ``out`` (``design.json`` first: written last, it marks a
    finished folder), so that a run killed while writing leaves some of its own files, never some beside an earlier
    run's (its designs.tsv beside this run's designs.fasta), and one without --linker or --data none of theirs."""
    folder = Path(out).parent
    for name in ("design.json", Path(out).name, *BESIDE_OUT):
        (folder / name).unlink(missing_ok=True)


def _load_predictor(path, device, alphabet=None, length: int | None = None):
    """The predictor in folder ``path``; with ``alphabet`` and ``length``, refused unless it scores those."""
    from seqgen.predict import load_predictor

    predictor = load_predictor(path, device)
    if alphabet is not None and (predictor.alphabet.name, predictor.length) != (alphabet.name, length):
        raise SeqgenError(f"predictor {path} works on {predictor.alphabet.name} of length {predictor.length}, but "
                          f"the design is for {alphabet.name} of length {length}")
    return predictor


def _design_shape(main, generator) -> tuple:
    """The alphabet and length the design is for: the ``main`` predictor's, else the generator's."""
    if main is not None:
        return main.alphabet, main.length
    return get_alphabet(generator[1]["alphabet"]), int(generator[1]["length"])


def _objectives(args, main, generator, alphabet, length: int, device) -> tuple[ObjectiveSet, dict]:
    """The design's objectives: the ``main`` predictor's score, each ``--avoid`` predictor's (loaded here) and the
    ``--generator`` VAE's ELBO (``--naturalness``); and the predictors among them, by objective name."""
    objectives, predictors, paths = [], {}, {}
    if main is not None:
        objectives.append(_score_objective(main, args))
        predictors["score"], paths["score"] = main, args.predictor
    for i, path in enumerate(args.avoid):
        other = _load_predictor(path, device, alphabet, length)
        objectives.append(_avoid_objective(f"avoid{i + 1}", other, args))
        predictors[f"avoid{i + 1}"], paths[f"avoid{i + 1}"] = other, path
    single = [str(paths[name]) for name, p in predictors.items() if p.members == 1]
    if args.conservative and single:  # mean - K x std: a single model's std is 0
        print(f"note: --conservative {args.conservative:g} has no effect on {', '.join(single)}: one model "
              f"(members: 1), whose std is 0", file=sys.stderr)
    if args.naturalness:
        scorer = naturalness_scorer(generator, args.naturalness_samples, args.seed or 0, device)
        objectives.append(Objective("naturalness", scorer, "max", args.naturalness))
    return ObjectiveSet(objectives, alphabet.size), predictors


def _score_objective(main, args) -> Objective:
    """Maximize, minimize or reach ``--target`` with the ``--predictor`` (``--conservative``: penalize its
    ensemble's spread)."""
    target = None if args.target is None else main.to_model_scale(args.target, "--target")
    scorer = main.score_of_label_mean if target is not None else main.score  # the target holds for predict's mean
    return Objective("score", scorer, args.direction, 1.0, target, args.conservative,
                     main.model.forward_bytes(main.length))


def _avoid_objective(name: str, other, args) -> Objective:
    """Minimize the ``other`` predictor, or hold it below ``--avoid-below``, with weight ``--avoid-weight``."""
    direction, level = ("min", None) if args.avoid_below is None else \
        ("below", other.to_model_scale(args.avoid_below, "--avoid-below"))
    return Objective(name, other.score if level is None else other.score_of_label_mean, direction, args.avoid_weight,
                     level, args.conservative, other.model.forward_bytes(other.length))


def _check_compatible(args, alphabet, length: int, generator, reference) -> None:
    """Refuse a generator or ``--data`` of another alphabet or length than the design's ``alphabet`` and
    ``length``, and an ``--entropy`` floor its letters cannot reach."""
    if generator is not None and (int(generator[1]["length"]) != length
                                  or not generator_reads(generator[1]["alphabet"], alphabet)):
        raise SeqgenError(f"generator makes {generator[1]['alphabet']} of length {generator[1]['length']}, but the "
                          f"predictor scores {alphabet.name} of length {length}", args.generator)
    designed = design_alphabet(alphabet)
    if args.entropy >= math.log(designed.size):
        raise SeqgenError(f"--entropy {args.entropy:g} nats: a position of {designed.size} letters has at most "
                          f"ln {designed.size} = {math.log(designed.size):.2f}")
    if reference is not None and (reference.alphabet.name, reference.length) != (alphabet.name, length):
        hint = "" if {reference.alphabet.name, alphabet.name} != {"protein", "protein-gap"} or \
            reference.length != length else " (encode the predictor's labelled sequences with --alphabet " \
                                            "protein-gap, as the alignment: the amino acids' codes are the same)"
        raise SeqgenError(f"--data holds {reference.alphabet.name} of length {reference.length}, but the design is "
                          f"for {alphabet.name} of length {length}{hint}", args.data)


def _option_values(args) -> dict:
    """Each of :data:`~seqgen.settings.DESIGN_OPTIONS` of ``args``, under its own name."""
    return {option.name: getattr(args, option.name) for option in DESIGN_OPTIONS}


def _settings(args) -> DesignSettings:
    """The design settings of ``args``: :func:`_option_values`, but ``--freeze-offset``, which unsets
    ``learn_offset``."""
    options = _option_values(args)
    options["learn_offset"] = not options.pop("freeze_offset")
    return DesignSettings(method=args.method, seed=args.seed or 0, progress=not args.no_progress, **options)


#: the options that set each constraint of :meth:`seqgen.design.constraints.Constraints.check`
CONSTRAINT_OPTIONS = {"fixed": "--fixed", "gc": "--gc-min/--gc-max", "forbidden": "--forbid",
                      "homopolymer": "--max-homopolymer", "edits": "--max-edits"}


def _design(objectives: ObjectiveSet, constraints: Constraints, settings: DesignSettings, generator,
            device) -> DesignResult:
    """Design (method latent: through the generator's decoder); refuse a result without any design."""
    decoder, latent_dim = (_decoder(generator[0], constraints.alphabet.size), generator[0].latent_dim) \
        if settings.method == "latent" else (None, None)
    result = design(objectives, constraints, settings, device, decoder, latent_dim)
    if not len(result.codes):
        broken = ", ".join(f"{count} break {CONSTRAINT_OPTIONS.get(name, name)}"
                           for name, count in result.broken.items())
        raise SeqgenError(f"no design satisfies the constraints: of the {settings.n} candidates, after repair, "
                          f"{broken}; loosen them or design more candidates")
    return result


def _designs_table(result: DesignResult, constraints: Constraints, predictors: dict, reference, args) -> pd.DataFrame:
    """``designs.tsv``: :func:`designs_table`, with each predictor's prediction on its label's own scale."""
    table = designs_table(result, constraints, args.method, None if reference is None else reference.codes,
                          args.linker)
    for name, predictor in predictors.items():  # predictions on the label's own scale, beside the model's
        mean, std = predictor.predict(result.codes)
        table[f"{name}_label_mean"], table[f"{name}_label_std"] = np.round(mean, 5), np.round(std, 5)
    if reference is not None and "focus_positions" in reference.meta and reference.length == result.codes.shape[1]:
        from seqgen.protein import mutant_names_of  # a protein family: each design as mutations of the focus

        table["mutations"] = mutant_names_of(result.codes, reference.codes[0], reference.meta["focus_positions"])
        table["n_mutations"] = (table["mutations"].str.count(":") + 1).where(table["mutations"] != "WT", 0)
        if "focus_residues" in reference.meta:  # the protein to make: the focus's insert residues put back
            from seqgen.protein import whole_proteins

            meta = reference.meta
            table["protein"] = whole_proteins(result.codes, meta["focus_positions"], meta["focus_residues"],
                                              meta["focus_start"])
    return table


def _write_training(training: pd.DataFrame, utility: pd.Series, reference: SequenceSet, designed, out) -> dict:
    """Write ``training_utility.tsv`` beside ``out``; return ``design.json``'s comparison of the designs'
    ``utility`` with the training sequences'."""
    comparison = {**compare_with_training(training, utility), "training_sequences": len(reference),
                  "training_comparable": len(comparable_rows(reference, designed))}
    with atomic_path(Path(out).parent / "training_utility.tsv") as tmp:
        training.to_csv(tmp, sep="\t", index=False)
    return comparison


def _summary(args, settings: DesignSettings, result: DesignResult, constraints: Constraints) -> dict:
    """``design.json``'s record of the run's options (every design setting and constraint) and outcome; counts (and
    warns of) the designs with a long run of one letter when the run set no ``--max-homopolymer`` (DNA/RNA)."""
    long_runs = None if args.max_homopolymer is not None or not constraints.alphabet.is_nucleic else \
        count_long_runs(result.codes, constraints, args.out, args.run_limit)
    return dict(method=args.method, predictor=str(args.predictor) if args.predictor else None,
                direction=args.direction if args.predictor else None, target=args.target,
                avoid=[str(p) for p in args.avoid], avoid_below=args.avoid_below,
                avoid_weight=args.avoid_weight if args.avoid else None, conservative=args.conservative,
                naturalness=args.naturalness, generator=str(args.generator) if args.generator else None,
                naturalness_samples=args.naturalness_samples if args.naturalness else None,
                data=str(args.data) if args.data else None,
                settings=_option_values(args),
                constraints=_constraint_options(args),
                seed=settings.seed, max_homopolymer=args.max_homopolymer, run_limit=args.run_limit,
                gc_window=list(args.gc_window) if any(v is not None for v in args.gc_window) else None,
                long_runs=long_runs, restarts=result.restarts, stopped_at=result.stopped_at,
                mean_utility=float(np.mean(result.utility)))


def _constraint_options(args) -> dict:
    """``design.json``'s record of the constraint options as given (``max_homopolymer`` and ``gc_window`` are
    recorded beside it, resolved from ``auto``), so that the run can be told apart from, and repeated as, another."""
    return dict(fixed=args.fixed, gc_min=args.gc_min, gc_max=args.gc_max, forbid=list(args.forbid),
                start=args.start, max_edits=args.max_edits, linker=args.linker)


#: training sequences scored with the design's objective (a seeded subsample of those made of the designs' letters)
TRAINING_SCORED = 1000
#: of those, the best measured (by the main predictor's label, in the design's direction): a random subsample of a
#: large PBM array holds few of its strongest probes, so "above the best training sequence" would be a weak claim
TRAINING_BEST = 100


def best_measured(predictor, reference: SequenceSet, direction: str) -> np.ndarray | None:
    """``(N,)`` the training data's measured values of the predictor's label, oriented so that higher is what the
    design seeks (negated to minimize); None where the data lack that label or the design hits a target."""
    if predictor is None or predictor.label not in reference.label_names or direction not in ("max", "min"):
        return None
    values = reference.label(predictor.label).astype(float)
    return values if direction == "max" else -values


def training_utility(objectives: ObjectiveSet, reference: SequenceSet, designed, device, seed=None,
                     measured: np.ndarray | None = None) -> pd.DataFrame:
    """The design objective's utility of up to :data:`TRAINING_SCORED` training sequences, those made only of the
    designs' letters (no padding; no gaps where designs have none): the :data:`TRAINING_BEST` best ``measured``
    (``(N,)``, higher is better; see :func:`best_measured`; ties, as among 0/1 labels, drawn at random, not in file
    order) and a random subsample of the rest. A table of id, utility and ``best_measured`` (whether the row is
    among those; maybe empty)."""
    whole = comparable_rows(reference, designed)
    n = min(len(whole), TRAINING_SCORED)
    rng = np.random.default_rng(seed or 0)
    best = np.array([], dtype=np.int64)
    if measured is not None:
        shuffled = rng.permutation(whole)
        best = shuffled[np.argsort(-measured[shuffled], kind="stable")[: min(TRAINING_BEST, n)]]
    rest = np.setdiff1d(whole, best)
    pick = np.sort(np.concatenate([best, rng.choice(rest, n - len(best), replace=False)]))
    utility, _ = score_codes(objectives, reference.codes[pick], designed.size, device)
    return pd.DataFrame({"id": np.asarray(reference.ids, dtype=object)[pick],
                         "utility": np.round(utility.cpu().numpy().astype(float), 5),
                         "best_measured": np.isin(pick, best)})


def score_start(objectives: ObjectiveSet, start: np.ndarray, predictors: dict, utility: pd.Series, designed,
                device) -> dict:
    """The starting sequence (``(L,)`` codes) under the design objective, what the designs are to improve on: its
    ``utility``, each predictor's ``{name}_label_mean`` (the label's own scale, as in designs.tsv) and the
    number of designs of higher ``utility`` (``designs_above``); printed too."""
    start_utility, _ = score_codes(objectives, start[None], designed.size, device)
    out = {"utility": round(float(start_utility.item()), 5)}
    for name, predictor in predictors.items():
        out[f"{name}_label_mean"] = round(float(predictor.predict(start[None])[0][0]), 5)
    out["designs_above"] = int((utility > out["utility"]).sum())
    print(f"the starting sequence: utility {out['utility']:g}; {out['designs_above']} of {len(utility)} designs "
          f"score higher", file=sys.stderr)
    return out


def comparable_rows(reference: SequenceSet, designed) -> np.ndarray:
    """Indices of the training sequences made only of the designs' letters (no padding; no gaps where designs
    have none): those whose utility compares with the designs'."""
    return np.flatnonzero((reference.codes < designed.size).all(axis=1))


def compare_with_training(training: pd.DataFrame, designs: pd.Series) -> dict:
    """``design.json``'s comparison of the designs' utilities with the training sequences' (``training_utility``)."""
    if not len(training):
        return {"training_scored": 0}
    best = float(training["utility"].max())
    best_measured_rows = int(training["best_measured"].sum()) if "best_measured" in training else 0
    return {"training_scored": len(training), "training_best_measured": best_measured_rows,
            "training_utility_median": float(training["utility"].median()),
            "training_utility_max": best, "designs_above_training_max": int((designs > best).sum())}


#: options that act only together with another (option -> the one it needs): without it they would change nothing
NEEDS_OPTION = {"guide_temperature": "guided", "plateau_window": "plateau"}


def _check_options(args) -> None:
    """Refuse contradictory options; name the ones this run ignores (a one-line note each)."""
    _check_finite(args)
    if not args.predictor and not args.naturalness:
        raise SeqgenError("design needs --predictor DIR, or --naturalness WEIGHT with a --generator VAE")
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
    for name in ("avoid_weight", "naturalness", "conservative"):  # negative: seek what the option keeps low or out
        if getattr(args, name) < 0:
            raise SeqgenError(f"--{name.replace('_', '-')} must not be negative, not {getattr(args, name):g}")
    defaults = vars(_parser_defaults())
    changed = [k for k in defaults if k != "method" and getattr(args, k, defaults[k]) != defaults[k]]
    ignored = ignored_design_options(args.method, changed, bool(args.polish))
    ignored += [k for k in ("naturalness_samples",) if k in changed and not args.naturalness]
    ignored += [k for k in ("avoid_weight",) if k in changed and not args.avoid]
    ignored += ["generator"] if args.generator and args.method != "latent" and not args.naturalness else []
    if args.method == "latent" and args.start:
        print("note: --method latent starts from random latent codes, not from --start: the start only bounds the "
              "designs' edits (--max-edits), mended at the end", file=sys.stderr)
    for name in ignored:
        print(f"note: --{name.replace('_', '-')} does not apply to this design (--method {args.method}"
              f"{' without --polish' if name in DESIGN_ANNEALING else ''}) and is ignored", file=sys.stderr)
    for name, needed in NEEDS_OPTION.items():  # used by the method, but only together with another option
        if name in changed and name not in ignored and not getattr(args, needed):
            print(f"note: --{name.replace('_', '-')} acts only with --{needed} and is ignored", file=sys.stderr)


def _check_finite(args) -> None:
    """Refuse a number option given as nan or inf (``float`` reads them): the objective or the letter
    probabilities would become NaN, and the run would crash in torch or write designs of utility nan."""
    for name, value in vars(args).items():
        if isinstance(value, float) and not math.isfinite(value):
            raise SeqgenError(f"--{name.replace('_', '-')} must be a finite number, not {value}")


def _parser_defaults():
    """The options' defaults, as ``seqgen design`` declares them."""
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["--out", "-"])


def generator_reads(generator_alphabet: str, alphabet) -> bool:
    """Whether a generator of ``generator_alphabet`` scores designs for ``alphabet``: the same one, or a protein
    alignment's (protein-gap) VAE and a protein predictor (designs are proteins either way, the gap is the VAE's
    last letter and gets a zero channel)."""
    return generator_alphabet == alphabet.name or (generator_alphabet, alphabet.name) == (PROTEIN_GAP.name,
                                                                                           PROTEIN.name)


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


def count_above_avoid_level(table: pd.DataFrame, args) -> list | None:
    """How many designs each ``--avoid`` predictor still predicts above ``--avoid-below`` (its ensemble mean on the
    label's scale, ``avoidN_label_mean``); a one-line note for each that has any: the level is a penalty the main
    objective can outweigh, not a limit. None without ``--avoid-below``."""
    if args.avoid_below is None:
        return None
    counts = [int((table[f"avoid{i + 1}_label_mean"] > args.avoid_below).sum()) for i in range(len(args.avoid))]
    for path, count in zip(args.avoid, counts):
        if count:
            print(f"note: {args.out}: {count} of {len(table)} designs are predicted above --avoid-below "
                  f"{args.avoid_below:g} by {path} (a penalty, not a limit: raise --avoid-weight, or keep the designs "
                  f"whose avoid*_label_mean in designs.tsv is below it)", file=sys.stderr)
    return counts


def avoided_reference(path, classifier: bool) -> tuple[np.ndarray, str] | None:
    """``(M,)`` predictions, on the label's scale, of the held-out sequences of an ``--avoid`` predictor's own data
    (``predictions.tsv``, written beside its model at training), and what they are: a ``classifier``'s held-out
    negatives (what it does not bind), else all of them; None where the folder keeps none."""
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    try:
        held = pd.read_csv(folder / "predictions.tsv", sep="\t", usecols=["measured", "predicted"])
    except (OSError, ValueError, pd.errors.ParserError):  # no validation split, or not seqgen's table
        return None
    held = held[np.isfinite(pd.to_numeric(held["predicted"], errors="coerce"))]
    if classifier:
        held = held[held["measured"] == 0]
    return (held["predicted"].to_numpy(), "held-out negatives" if classifier else "held-out sequences") \
        if len(held) else None


def compare_with_avoided_data(table: pd.DataFrame, predictors: dict, args) -> list | None:
    """Where the designs' predictions by each ``--avoid`` predictor (``avoidN_label_mean``) fall among its predictions
    of the held-out sequences of its own data (:func:`avoided_reference`): the percentile of the designs' median and
    how many designs lie below the held-out median; a one-line note where most do not (the designs are no lower for
    it than its own data: the objective traded it away, or the predictor does not know the sites to avoid). None
    without ``--avoid``; an entry None for a predictor whose folder keeps no held-out predictions."""
    if not args.avoid:
        return None
    comparisons = []
    for i, path in enumerate(args.avoid):
        reference = avoided_reference(path, predictors[f"avoid{i + 1}"].task == "classification")
        if reference is None:
            comparisons.append(None)
            continue
        held, what = reference
        designs = table[f"avoid{i + 1}_label_mean"].to_numpy()
        median, designs_median = float(np.median(held)), float(np.median(designs))
        below = int((designs < median).sum())
        comparisons.append({"held_out": what, "n_held_out": len(held), "held_out_median": round(median, 5),
                            "designs_median": round(designs_median, 5),
                            "designs_median_percentile": round(float((held < designs_median).mean()) * 100, 1),
                            "designs_below_held_out_median": below, "designs": len(designs)})
        if 2 * below < len(designs):
            print(f"note: {args.out}: only {below} of {len(designs)} designs are predicted below the median of "
                  f"{path}'s {len(held)} {what} ({median:.4g}): for it the designs are no lower than its own data "
                  f"(raise --avoid-weight; an avoided predictor keeps out only the sites its data showed it)",
                  file=sys.stderr)
    return comparisons


def count_long_runs(codes: np.ndarray, constraints: Constraints, out, limit: int = LONG_RUN) -> int:
    """How many ``(N, L)`` designs hold a run of one letter longer than ``limit`` (:func:`long_runs`, the
    constraints' linker included); a one-line warning if any."""
    long = long_runs(codes, constraints.alphabet, constraints.suffix, limit)
    if long.any():
        print(f"warning: {out}: {int(long.sum())} of {len(codes)} designs have a run of more than {limit} of one "
              f"letter, which models of ordinary sequences often over-rate (predictors and a VAE's likelihood alike); "
              f"consider --max-homopolymer {limit} (workflow: design.<method>.max_homopolymer)", file=sys.stderr)
    return int(long.sum())


def count_gc_outside(codes: np.ndarray, reference: SequenceSet | None, alphabet, args) -> int | None:
    """How many ``(N, L)`` DNA/RNA designs have a GC fraction outside that of 98% of the ``--data`` sequences
    (:func:`~seqgen.design.constraints.data_gc_window`; None without --data, or for protein); a one-line note
    if any and the run set no GC window: the predictor's scores of such designs are extrapolations."""
    if reference is None or not alphabet.is_nucleic or reference.alphabet.name != alphabet.name:
        return None
    from seqgen.metrics import gc_content

    low, high = data_gc_window(reference.codes, reference.alphabet)
    gc = gc_content(codes, alphabet)
    outside = int(((gc < low - 1e-9) | (gc > high + 1e-9)).sum())
    if outside and args.gc_min is None and args.gc_max is None:
        print(f"note: {args.out}: {outside} of {len(codes)} designs have a GC fraction outside that of 98% of the "
              f"--data sequences ({low:.2f} to {high:.2f}): a composition the predictor never saw, scored by "
              f"extrapolation (right for a truly GC-rich or A/T-rich site, wrong for an array's composition bias); "
              f"--gc-min auto --gc-max auto keeps designs within it", file=sys.stderr)
    return outside


def fresh_elbo(result: DesignResult, generator, args, alphabet_size: int, device) -> np.ndarray:
    """``(N,)`` the VAE's ELBO of the designs over :data:`FRESH_ELBO_SAMPLES` draws they were not optimized against;
    a one-line note where the design's own estimate (``naturalness_mean``) exceeds it by over half a nat (median)."""
    scorer = naturalness_scorer(generator, FRESH_ELBO_SAMPLES, (args.seed or 0) + FRESH_ELBO_SEED, device)
    _, parts = score_codes(ObjectiveSet([Objective("fresh", scorer)], alphabet_size), result.codes, alphabet_size,
                           device)
    fresh = parts["fresh"][0].cpu().numpy()
    gap = float(np.median(result.predictions["naturalness"][0] - fresh)) if len(fresh) else 0.0
    if gap > 0.5:
        print(f"note: {args.out}: the designs' ELBO over the {args.naturalness_samples} latent draws they were "
              f"optimized against exceeds a fresh {FRESH_ELBO_SAMPLES}-draw estimate by {gap:.2f} nats (median): "
              f"they fit those draws (designs.tsv: naturalness_mean against naturalness_fresh); more "
              f"--naturalness-samples fit them less", file=sys.stderr)
    return fresh


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
    return module, payload


#: latent draws of the ELBO that ``designs.tsv``'s ``naturalness_fresh`` gives, and the offset of their seed from
#: ``--seed`` (the design's own draws use ``--seed``): the designs can fit the draws they were optimized against
#: (WT1 probes, 8 draws: 1-2.5 nats above a fresh estimate), so the table also gives an estimate they never saw
FRESH_ELBO_SAMPLES, FRESH_ELBO_SEED = 64, 1_000_003


def naturalness_scorer(generator, samples: int, seed: int, device):
    """``x (B, A, L) -> (B,)`` the VAE's ELBO in nats, differentiable in relaxed ``x``; ``samples`` latent draws,
    fixed by ``seed``."""
    module = generator[0]
    eps = torch.randn(samples, module.latent_dim, device=device,
                      generator=torch.Generator(device=device).manual_seed(seed))
    size = module.alphabet_size

    def elbo(x):
        if x.shape[-2] < size:  # a protein predictor's 20 letters for a protein-gap VAE: no gap
            x = torch.nn.functional.pad(x, (0, 0, 0, size - x.shape[-2]))
        return module.elbo(x, eps)
    return elbo
