"""The checks of the workflow's config at start (:func:`check_config`): each raises :class:`SeqgenError` with a
one-line message naming the config file, data set or ``design.<method>`` key, before any job runs.

``config`` is the workflow's config after the schema's defaults are filled in; ``name`` a data set's name, ``ds``
its block. Standard library and :mod:`seqgen.settings` only at import; the checks that need the package's readers
import them inside :func:`package_errors`, and are skipped where those cannot be imported.
"""
from __future__ import annotations

import difflib
import math
from contextlib import contextmanager
from pathlib import Path

from seqgen.errors import SeqgenError
from seqgen.settings import DESIGN_ANNEALING, DESIGN_METHODS, PBM_LABELS, ignored_design_options, load_config_file
from seqgen.workflow_config.common import (as_list, labelled, naturalness, positives_label, read_labels,
                                           requested_labels)
from seqgen.workflow_config.options import (avoided_models, design_block, holds_out, predictor_inputs,
                                            scans_intervals)


MODEL_BLOCKS = ("vae", "gan", "predictor")  #: the config's blocks of model settings (global, and per data set)


# The checks at start


def check_config(config, config_files=()) -> None:
    """Every check at start, in order: the config files, each data set, the design methods' blocks.

    Parameters
    ----------
    config : dict
        The workflow's config, the schema's defaults filled in.
    config_files : iterable of path
        The YAML files it was read from (Snakemake's ``workflow.configfiles``).

    Raises
    ------
    SeqgenError
        The first problem, in one line naming the file, data set or ``design.<method>`` key.
    """
    check_config_files(config_files)
    check_datasets(config)
    check_design_options(config)


def check_command(deployed: bool = False, which=None) -> None:
    """Refuse to start where the rules' command ``seqgen`` is not on PATH (Snakemake run as ``.venv/bin/snakemake``
    without the environment activated): every job would fail with exit status 127, its reason only in its log.
    ``deployed``: the jobs run in environments of their own (``--sw-deployment-method conda``), not checked."""
    import shutil

    if not deployed and (which or shutil.which)("seqgen") is None:
        raise SeqgenError("the command seqgen, which every job runs, is not on PATH: activate the environment "
                          "(source .venv/bin/activate, or export PATH=\"$PWD/.venv/bin:$PATH\" as scripts/demo.sh "
                          "does) before snakemake")


def schema_problem(config, schema_path) -> str | None:
    """The config's first problem under the JSON schema at ``schema_path`` (jsonschema's best match), in one line
    naming the key, where Snakemake's own validation prints the whole schema below it: ``config datasets.rest:
    Additional properties are not allowed ('negative' was unexpected); did you mean negatives? (known keys: ...)``.
    None where the schema passes it, or where jsonschema (a dependency of Snakemake) cannot be imported."""
    try:
        import jsonschema
        import yaml
    except ImportError:
        return None
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return None
    where = ".".join(map(str, error.absolute_path)) or "(top level)"
    known = sorted(error.schema.get("properties") or {}) if error.validator == "additionalProperties" else []
    if not known:
        return f"config {where}: {error.message}"
    close = [match for key in error.instance if key not in known for match in difflib.get_close_matches(key, known, 1)]
    return (f"config {where}: {error.message}" + (f"; did you mean {', '.join(close)}?" if close else "")
            + f" (known keys: {', '.join(known)})")


def check_config_files(paths) -> None:
    """Refuse a config file that gives a key twice in one mapping: Snakemake's YAML reader keeps the last
    silently."""
    for path in paths:
        load_config_file(path)


@contextmanager
def package_errors(name):
    """``with package_errors(name):`` a SeqgenError in the block is raised again naming data set ``name``; the
    block is skipped where seqgen's dependencies are missing (outside the rules' environment, the jobs check the
    same)."""
    try:
        yield
    except ImportError:
        return
    except SeqgenError as exc:
        raise SeqgenError(f"data set {name!r}: {exc}") from None


def check_datasets(config) -> None:
    """Refuse, naming the data set, one that a design would give no objective or no VAE, or whose settings,
    files, motif or design lengths no job could take."""
    for name, ds in config["datasets"].items():
        check_name(name)
        check_source(name, ds)
        check_objectives(config, name, ds)
        check_avoided_datasets(config, name, ds)
        check_avoid(config, name, ds)
        check_labels(name, ds)
        check_negatives(config, name, ds)
        check_mutants_format(name, ds)
        check_scan(name, ds)
        check_seeds(config, name, ds)
        check_model_settings(config, name, ds)
        check_input_format(name, ds)
        check_input_files(name, ds)
        check_mutants_scorable(name, ds)
        check_simulated_motif(name, ds)
        check_design_lengths(config, name, ds)
        check_design_constraints(config, name, ds)


def check_name(name) -> None:
    """A data set's name is text: YAML reads an unquoted ``2024:``, ``1.5:`` or ``yes:`` as a number or a boolean,
    which no results folder's wildcard (always text) would find again."""
    if not isinstance(name, str):
        raise SeqgenError(f"data set name {name!r} is read from YAML as {type(name).__name__}, not text: quote it "
                          "in the config file (\"2024\": rather than 2024:)")


def check_source(name, ds) -> None:
    """A data set is simulated or read from a file: one of the two."""
    if ("simulate" in ds) == ("input" in ds):
        raise SeqgenError(f"data set {name!r}: give either simulate (a demo from a JASPAR motif) or input (a file)")
    if "simulate" in ds and ds.get("alphabet", "dna") != "dna":  # else encode stops on the simulated probes' T
        raise SeqgenError(f"data set {name!r} is simulated: its probes are DNA, not {ds['alphabet']} (leave out "
                          f"alphabet, or give an input file of {ds['alphabet']} sequences)")


def check_objectives(config, name, ds) -> None:
    """Design needs an objective (a label, else the VAE's likelihood), and the VAE where the likelihood or
    mutant scoring uses it."""
    weights = [naturalness(config, ds, method) for method in config["design"]["methods"]]
    vae = "vae" in config["generators"]
    if not labelled(ds) and not all(weights):
        raise SeqgenError(f"data set {name!r} has no label: design needs naturalness > 0 (the VAE's likelihood)")
    if "mutants" in ds and not vae:
        raise SeqgenError(f"data set {name!r} scores mutants with the family VAE: add vae to generators")
    if any(weights) and not vae:
        raise SeqgenError(
            f"data set {name!r} designs with the VAE's likelihood (naturalness): add vae to generators"
        )


def check_scan(name, ds) -> None:
    """A ``scan`` is scored by the data set's predictor, so it needs a label; genome intervals need a genome
    (``scan_genome``, else the data set's own ``genome``), and ``scan_genome`` needs intervals; a simulated data set
    scans its ``scan`` file or simulated sequences (``simulate: {scan: ...}``), not both."""
    if "scan" in ds and "scan" in ds.get("simulate", {}):
        raise SeqgenError(f"data set {name!r} scans {ds['scan']} and simulates sequences to scan (simulate: scan): "
                          f"give one of the two")
    simulated = ds.get("simulate", {})
    if "scan" in simulated and simulated["scan"]["length"] < simulated["length"]:  # the schema filled both in
        raise SeqgenError(f"data set {name!r}: its simulated sequences to scan (simulate.scan.length "
                          f"{simulated['scan']['length']}) are shorter than its probes ({simulated['length']}), the "
                          f"window its predictor scores")
    if "scan_genome" in ds and not scans_intervals(ds):
        raise SeqgenError(f"data set {name!r}: scan_genome is the genome of a scan file of intervals (BED, "
                          f"narrowPeak), and its scan is {ds.get('scan', 'not given')}")
    if "scan" not in ds:
        return
    if not labelled(ds):
        raise SeqgenError(f"data set {name!r} scans {ds['scan']} with its predictor, and it has no label to train "
                          f"one on (label, label_columns, or a PBM format)")
    if scans_intervals(ds) and not ({"genome", "scan_genome"} & set(ds)):
        raise SeqgenError(f"data set {name!r}: its scan file {ds['scan']} holds genome intervals: add scan_genome, "
                          f"the FASTA they are cut from")


def check_avoid(config, name, ds) -> None:
    """Refuse a design method that would ``avoid`` the data set's own predictor: design blocks apply to every data
    set, so in a config of TF A and TF B, ``avoid: results/B/predictor`` would also have B's designs maximize and
    minimize the same score. Refuse a predictor avoided twice by one design (its weight would count twice): named
    twice in ``avoid``, or in ``design.<method>.avoid`` and as a data set of ``avoid``."""
    for method in config["design"]["methods"]:
        models = avoided_models(config, name, method)
        paths = [Path(path).resolve() for path in models]
        twice = next((models[i] for i, path in enumerate(paths) if path in paths[:i]), None)
        if twice is not None:
            raise SeqgenError(f"data set {name!r}: design.{method} would avoid the predictor {twice} twice (named "
                              f"twice in its avoid and design.{method}.avoid), which counts its weight twice: name "
                              f"it once")
    if not labelled(ds):
        return
    own = Path(predictor_inputs(config, name)["predictor"]).resolve()
    for method in config["design"]["methods"]:
        if any(Path(path).resolve() == own for path in avoided_models(config, name, method)):
            raise SeqgenError(f"data set {name!r}: design.{method}.avoid is its own predictor (results/{name}/"
                              f"predictor), so its designs would raise and lower the same score: run the data set "
                              f"it avoids in a config of its own")


def check_avoided_datasets(config, name, ds) -> None:
    """The data sets a data set's ``avoid`` names are other labelled data sets of the config, of its alphabet
    (their predictors score its designs)."""
    for other in as_list(ds.get("avoid", [])):
        if other == name:
            raise SeqgenError(f"data set {name!r}: avoid names the data set itself; its designs would raise and "
                              "lower the same score")
        if other not in config["datasets"]:
            raise SeqgenError(f"data set {name!r}: avoid names {other!r}, which is not a data set of this config "
                              f"(one of: {', '.join(map(str, config['datasets']))})")
        theirs = config["datasets"][other]
        if not labelled(theirs):
            raise SeqgenError(f"data set {name!r}: avoid names {other!r}, which has no label, so no predictor")
        if theirs["alphabet"] != ds["alphabet"]:
            raise SeqgenError(f"data set {name!r}: avoid names {other!r}, whose predictor reads "
                              f"{theirs['alphabet']}, not {ds['alphabet']}")


def check_labels(name, ds) -> None:
    """A data set's ``label`` is among the columns its encoding reads (a simulated one's is signal)."""
    if "simulate" in ds and ds.get("label", "signal") != "signal":
        raise SeqgenError(f"data set {name!r} is simulated: its label is signal, not {ds['label']!r}")
    read = read_labels(ds)
    if "label" in ds and ds["label"] not in read:
        raise SeqgenError(
            f"data set {name!r}: its label {ds['label']!r} is not among the columns it reads "
            f"({', '.join(read) or 'none'})"
            + ("" if ds.get("format") in PBM_LABELS or "negatives" in ds else ": add it to label_columns")
        )


def check_negatives(config, name, ds) -> None:
    """``negatives`` of a file without labels, ``flank_distance`` with flanks, ``negatives_per_positive`` with
    shuffles or gc-matched windows, ``positives`` a label it reads, with
    a held-out part for the generators' split to make."""
    negatives = ds.get("negatives")
    if negatives and "input" not in ds:
        raise SeqgenError(f"data set {name!r} is simulated: its label is signal, and negatives are for a file of "
                          f"bound sequences without one")
    if negatives and ds.get("label_columns"):
        raise SeqgenError(f"data set {name!r}: negatives are labelled bound 0 and have no value of its "
                          f"label_columns: negatives or labels, not both")
    if "flank_distance" in ds and negatives != "flanks":
        raise SeqgenError(f"data set {name!r}: flank_distance places the flanks of negatives: flanks, and it has "
                          f"{f'negatives: {negatives}' if negatives else 'no negatives'}")
    if ds.get("negatives_per_positive", 1) != 1 and negatives not in ("shuffle", "gc-matched"):
        raise SeqgenError(f"data set {name!r}: negatives_per_positive is for negatives: shuffle or gc-matched, and it "
                          f"has {f'negatives: {negatives} (two an interval)' if negatives else 'no negatives'}")
    positives = positives_label(ds)
    if positives is None:
        return
    if positives not in read_labels(ds):
        raise SeqgenError(f"data set {name!r}: positives names a 0/1 label, and {positives!r} is not among the "
                          f"columns it reads ({', '.join(read_labels(ds)) or 'none'})")
    if not holds_out(config, name):
        raise SeqgenError(f"data set {name!r}: its generators learn the positives of {positives} alone, split from "
                          f"the rest with a held-out part: a holdout above 0 (the data set's holdout, or "
                          f"evaluate.holdout), or holdout_chromosomes")


def check_mutants_format(name, ds) -> None:
    """Mutants are scored by the family VAE, which reads an alignment: ``format: a2m``, or an input whose
    extension says so (``.a2m``, ``.afa``, as ``seqgen encode`` reads it) where no format is given."""
    if "mutants" not in ds:
        return
    fmt = ds.get("format")
    if fmt is None and "input" in ds:
        try:
            from seqgen.io import detect_format
        except ImportError:  # outside the rules' environment: score-mutants checks the model it is given
            return
        try:
            fmt = detect_format(ds["input"])
        except SeqgenError:  # no known extension: check_input_format names the file
            fmt = None
    if fmt != "a2m":
        raise SeqgenError(
            f"data set {name!r} scores mutants: that needs an alignment (format: a2m), the family VAE's input"
        )


def check_seeds(config, name, ds) -> None:
    """No ``seed`` in a model block (global or the data set's): the workflow's seed is the top-level key."""
    for kind in MODEL_BLOCKS:
        if "seed" in {**config[kind], **ds.get(kind, {})}:
            raise SeqgenError(
                f"data set {name!r}: 'seed' in a {kind} block is not used; the workflow's seed is the top-level "
                "key seed"
            )


def check_model_settings(config, name, ds) -> None:
    """Refuse before any job a model block with an unknown or mistyped setting (not after other training)."""
    with package_errors(name):
        from seqgen.tasks import merge_config

        for kind in MODEL_BLOCKS:  # blocks of models this data set does not train are checked too
            if config.get(kind) or ds.get(kind):
                merge_config(kind, {**config.get(kind, {}), **ds.get(kind, {})}, source=f"config {kind}")


def check_input_format(name, ds) -> None:
    """Refuse before any job an input file whose format cannot be told from its name, or cannot hold the labels
    asked for (the encode job would say so in terms of command-line options)."""
    if "input" not in ds:
        return
    with package_errors(name):
        from seqgen.io import resolve_format

        fmt = resolve_format(ds["input"], ds.get("format"), requested_labels(ds),
                             option="format: in the data set's config")
        if fmt == "bed" and "genome" not in ds:
            raise SeqgenError(f"its input {ds['input']} is a BED file of genome intervals: give the genome FASTA "
                              f"they are in (genome: in the data set's config)")
        given = [key for key in ("genome", "width") if key in ds]
        if fmt != "bed" and given:
            raise SeqgenError(f"{' and '.join(given)} read the intervals of a BED input, and its input "
                              f"{ds['input']} is read as {fmt}")
        if fmt != "bed" and ds.get("holdout_chromosomes"):
            raise SeqgenError(f"holdout_chromosomes holds out the chromosomes of a BED input's intervals, and its "
                              f"input {ds['input']} is read as {fmt} (holdout: a random share of any input)")
        if "holdout_chromosomes" in ds and "holdout" in ds:
            raise SeqgenError("holdout_chromosomes holds out whole chromosomes instead of a random share: give it "
                              "or holdout, not both")
        if fmt != "bed" and ds.get("negatives") in ("flanks", "gc-matched"):
            raise SeqgenError(f"negatives: {ds['negatives']} are cut out of a BED input's genome, and its input "
                              f"{ds['input']} is read as {fmt} (negatives: shuffle makes negatives of any input)")
        if fmt in PBM_LABELS and ds.get("negatives"):
            raise SeqgenError(f"its input {ds['input']} is a PBM table, labelled by its format: negatives are for a "
                              f"file of bound sequences without labels")


def check_input_files(name, ds) -> None:
    """Refuse a missing input or mutants file: where its results exist, Snakemake would not ask for it, and the
    report would describe the old results under the new file's name. A mutants file without its column (or its
    ``mutants_measured`` columns) is refused too (score-mutants would say so only after the VAE has trained)."""
    for key in ("input", "mutants", "genome", "scan", "scan_genome"):
        if key in ds and not Path(ds[key]).is_file():
            where = "" if Path(ds[key]).is_absolute() else (f" (a relative path is read from the workflow's folder, "
                                                             f"not the config file's: {Path(ds[key]).absolute()})")
            raise SeqgenError(f"data set {name!r}: its {key} file {ds[key]} does not exist{where}")
    if "mutants_measured" in ds and "mutants" not in ds:
        raise SeqgenError(f"data set {name!r}: mutants_measured names columns of a mutants file, and it has none")
    if "mutants" in ds:
        with package_errors(name):
            from seqgen.mutations import read_mutants

            read_mutants(ds["mutants"], ds.get("mutants_measured", []))


def check_mutants_scorable(name, ds) -> None:
    """Refuse, before the family VAE trains, mutants that score-mutants would refuse after it: one whose residue
    is not in the alignment's focus sequence or whose wild-type letter is not the focus's (a scan of another
    protein, or another numbering), or a file of which no mutant is at a match column."""
    if "mutants" not in ds or "input" not in ds:
        return
    with package_errors(name):
        from seqgen.io import parse_a2m, read_bytes
        from seqgen.mutations import read_mutants
        from seqgen.protein import mutant_notes, unscorable

        family = parse_a2m(read_bytes(ds["input"]), ds["input"], ds.get("focus")).meta
        names, _ = read_mutants(ds["mutants"])
        notes = mutant_notes(names, family, source=ds["mutants"])
        if all(notes):
            raise SeqgenError(unscorable(names, notes), ds["mutants"])


def check_simulated_motif(name, ds) -> None:
    """Refuse a simulated data set whose JASPAR motif is not in the JASPAR that pyjaspar ships."""
    if "simulate" in ds:
        with package_errors(name):
            from seqgen.jaspar import jaspar_motif

            jaspar_motif(ds["simulate"]["motif"])


def known_length(ds):
    """The length of a data set's sequences where the config gives it (simulated, padded/trimmed to ``length``, or a
    BED input's ``width``), else None."""
    if "simulate" in ds:
        return ds["simulate"]["length"]
    fixed = ds.get("length") if ds.get("lengths") in ("pad", "trim") else None
    return fixed or ds.get("width")  # a BED input's intervals, re-centred


def check_design_lengths(config, name, ds) -> None:
    """Refuse a design method's ``fixed`` pattern or ``start`` sequence that cannot be as long as the data set's
    sequences (where the config gives their length), rather than in the design job after training."""
    length = known_length(ds)
    if not length:
        return
    for method in config["design"]["methods"]:
        for key in ("fixed", "start"):
            given = design_block(config, ds, method).get(key)
            if given is not None and len(given) != length:
                where = "design" if key in ds.get("design", {}) else f"design.{method}"
                raise SeqgenError(
                    f"data set {name!r}: {where}.{key} has length {len(given)}, but its sequences have "
                    f"length {length}"
                )


def check_design_constraints(config, name, ds) -> None:
    """Refuse, before any job rather than in the design job after training, a data set's ``linker`` that is not
    made of its alphabet's letters, and a design method's constraints that no design could meet: a linker, or
    ``fixed`` letters, holding a k-mer the method ``forbid``s or a run longer than its ``max_homopolymer``; a GC
    window or an edit budget the fixed letters rule out; a GC window on protein. The sequences' length is the
    config's (:func:`known_length`), else that of ``fixed`` or ``start``, which must have it (the design job checks
    that against the data); with neither, the linker alone, or the letters of ``forbid`` alone (a DNA
    ``forbid: [GAATTC]`` on an RNA data set)."""
    known = known_length(ds)
    with package_errors(name):
        from seqgen.alphabets import get_alphabet
        from seqgen.design.constraints import Constraints, _encode_or_fail

        alphabet = get_alphabet(ds["alphabet"])
        linker = _encode_or_fail(ds["linker"].upper(), alphabet, "linker") if ds.get("linker") else None
        for method in config["design"]["methods"]:
            block = design_block(config, ds, method)
            run = block.get("max_homopolymer")
            low, high = (None if block.get(k) == "auto" else block.get(k) for k in ("gc_min", "gc_max"))
            forbid = as_list(block.get("forbid", []))
            length = known or len(block.get("fixed") or block.get("start") or "")
            try:
                if not alphabet.is_nucleic and (block.get("gc_min") is not None or block.get("gc_max") is not None):
                    raise SeqgenError(f"a GC window (gc_min, gc_max) applies to DNA or RNA only, not to "
                                      f"{alphabet.name}")
                if length:
                    Constraints.from_options(alphabet, length, block.get("fixed"), low, high, forbid,
                                             run if isinstance(run, int) else None,
                                             block.get("max_edits"), block.get("start"), ds.get("linker"))
                elif linker is not None:  # the linker alone: only the k-mers that fit in it
                    fits = [k.upper() for k in forbid if len(k) <= len(linker)]
                    Constraints(alphabet, 1, forbidden=fits, max_homopolymer=run if isinstance(run, int) else None,
                                suffix=linker).check_pinned()
                elif forbid:  # the input file's length, unknown here: the letters alone
                    Constraints(alphabet, max(len(k) for k in forbid), forbidden=[k.upper() for k in forbid])
            except SeqgenError as exc:
                own = " with the data set's own design block" if "design" in ds else ""
                raise SeqgenError(f"design.{method}{own}: {exc}") from None


def check_design_options(config) -> None:
    """Refuse a design method's block that sets an option that method does not use (``seqgen design`` would only
    note it in the job's log), a number given as YAML's .nan or .inf, or a GC window or edit budget no design job
    could take; the same of each data set's options merged with its own ``design`` block."""
    own = any({"start", "max_edits"} & set(ds.get("design", {})) for ds in config["datasets"].values())
    for method in DESIGN_METHODS:
        block = config["design"].get(method, {})
        check_design_block(f"design.{method}", block, pairs=not own)  # else checked with each data set's below
        for key in ignored_design_options(method, block, bool(block.get("polish"))):
            raise SeqgenError(
                f"design.{method}.{key} does not apply to {method}"
                + (" without polish" if key in DESIGN_ANNEALING else "")
                + ": remove it or move it to the method that uses it"
            )
    for name, ds in config["datasets"].items():
        if "design" in ds or own:
            for method in config["design"]["methods"]:
                own_block = " with its own design block" if "design" in ds else ""
                check_design_block(f"data set {name!r}'s design.{method}{own_block}", design_block(config, ds, method))


def check_design_block(where: str, block: dict, pairs: bool = True) -> None:
    """Refuse design options given as YAML's .nan or .inf, a GC window upside down, or (``pairs``) a start
    without max_edits or the reverse; ``where`` names the block in the message."""
    for key, value in block.items():
        if isinstance(value, float) and not math.isfinite(value):  # the schema's ranges let NaN through
            raise SeqgenError(f"{where}.{key} must be a finite number, not {value}")
    low, high = block.get("gc_min", 0), block.get("gc_max", 1)
    if "auto" not in (low, high) and low > high:
        raise SeqgenError(f"{where}: gc_min {block['gc_min']} is above gc_max {block.get('gc_max', 1)}")
    if pairs and ("start" in block) != ("max_edits" in block):
        raise SeqgenError(f"{where}: start and max_edits go together (the edits allowed from start)")
