"""The workflow's config, read without Snakemake: the checks that stop a run at start (:func:`check_config`), and
what each rule is given (command-line options, always shell-quoted, and the input files a data set's config asks
for).

``config`` is the workflow's config after the schema's defaults are filled in (``validate(..., set_default=True)``);
``name`` a data set's name, ``ds`` its block (``config["datasets"][name]``). A check raises :class:`SeqgenError`
with a one-line message naming the data set or key; ``workflow/rules/common.smk`` stops the workflow with it.

Standard library and :mod:`seqgen.settings` only at import, so that any Snakemake can load it; the checks that need
the package's readers import them inside :func:`package_errors`, and are skipped where those cannot be imported.
"""
from __future__ import annotations

import json
import math
import shlex
from contextlib import contextmanager
from pathlib import Path

from seqgen.errors import SeqgenError
from seqgen.settings import DESIGN_ANNEALING, DESIGN_METHODS, PBM_LABELS, ignored_design_options, load_config_file

MODEL_BLOCKS = ("vae", "gan", "predictor")  #: the config's blocks of model settings (global, and per data set)


# Settings as command-line text


def as_json(mapping) -> str:
    """A settings mapping as one shell-quoted JSON argument, its keys sorted: the same settings in another order
    are the same command, and rerun nothing."""
    return shlex.quote(json.dumps(mapping, sort_keys=True))


def cli_options(mapping) -> str:
    """Settings as command-line options.

    Parameters
    ----------
    mapping : dict
        ``{key: value}``; ``key`` becomes ``--key`` (underscores as dashes). A list repeats the option, True is a
        flag on its own, False and None leave the option out; 0 is a value.

    Returns
    -------
    str
        ``'--key value ...'`` in the order of the sorted keys, each value shell-quoted.
    """
    words = []
    for key, value in sorted(mapping.items()):
        flag = "--" + str(key).replace("_", "-")
        for item in value if isinstance(value, list) else [value]:
            if item is True:
                words.append(flag)
            elif item is not False and item is not None:  # 0 is a value (target: 0, guide_temperature: 0)
                words += [flag, shlex.quote(str(item))]
    return " ".join(words)


def gpu_resources(config) -> dict:
    """Resources of the rules that use a GPU when ``gpu: true`` (training, design, mutant scoring)."""
    if not config["gpu"]:
        return {}
    return {"gpu": 1, **({"slurm_partition": config["gpu_partition"]} if config["gpu_partition"] else {})}


def job_device(config, gpu_job: bool = True) -> str:
    """``--device`` of a job: the config's ``device``, but ``auto`` for a job that asks for no GPU (sampling,
    scoring the samples, the predictor's motifs) where ``gpu: true`` and ``device`` names CUDA: such a job may run
    on a node without one, where ``cuda`` stops with an error and ``auto`` runs on the CPU."""
    if config["gpu"] and not gpu_job and config["device"].startswith("cuda"):
        return "auto"
    return config["device"]


#: a training job's SLURM runtime (minutes) where its settings give no ``max_time``
TRAINING_RUNTIME = {"vae": 240, "gan": 240, "predictor": 120}
#: minutes a training job asks for beyond its ``max_time``: loading, the last validation, checkpoints, a queue's
#: slow start
RUNTIME_MARGIN = 30


def training_runtime(config, name, kind) -> int:
    """The ``runtime`` (minutes) a cluster job training ``kind`` on data set ``name`` asks for: its ``max_time``
    (the data set's block over the global one) and :data:`RUNTIME_MARGIN`, else :data:`TRAINING_RUNTIME`. A
    profile's fixed runtime would kill a longer ``max_time`` and overbook a short one."""
    max_time = model_settings(config, name, kind).get("max_time")
    return math.ceil(max_time) + RUNTIME_MARGIN if max_time else TRAINING_RUNTIME[kind]


# Labels and objectives of a data set


def requested_labels(ds) -> list:
    """The columns encoding is asked to read as labels (``--label-column``): ``label_columns``, else ``label``
    (not for a PBM table, whose format gives its own)."""
    if ds.get("label_columns"):
        return ds["label_columns"]
    return [ds["label"]] if "label" in ds and ds.get("format") not in PBM_LABELS else []


def read_labels(ds) -> list:
    """The label columns a data set's encoding holds."""
    if "simulate" in ds:
        return ["signal"]
    return PBM_LABELS.get(ds.get("format")) or requested_labels(ds)


def labelled(ds) -> bool:
    """Whether a data set has a label a predictor can learn (simulated, ``label``, ``label_columns``, a PBM
    format)."""
    return bool(read_labels(ds))


def naturalness(config, ds, method=None) -> float:
    """Weight of the VAE's ELBO in design: the data set's ``naturalness``, else the method's
    (``design.<method>.naturalness``), else 1 without a label and 0 with one."""
    default = config["design"].get(method, {}).get("naturalness", 0.0 if labelled(ds) else 1.0)
    return ds.get("naturalness", default)


# Each rule's inputs and options (name: the data set, a wildcard of the rules)


def raw_input(config, name) -> str:
    """The sequence file encoding reads: the data set's ``input``, else its simulated table."""
    ds = config["datasets"][name]
    return ds["input"] if "input" in ds else f"results/{name}/input.tsv"


def simulate_options(config, name) -> str:
    """``seqgen simulate`` options: the data set's ``simulate`` block and the JASPAR release."""
    simulate = config["datasets"][name]["simulate"]
    return cli_options({**simulate, "jaspar_release": config["motifs"]["jaspar_release"]})


def encode_options(ds) -> str:
    """``seqgen encode`` options of a data set: its alphabet and policies, and the columns of its input (a
    simulated table's are id and signal)."""
    options = {
        "alphabet": ds["alphabet"],
        "ambiguous": ds["ambiguous"],
        "lengths": ds["lengths"],
        "length": ds.get("length"),
        "duplicate_ids": ds["duplicate_ids"],
    }
    if "input" in ds:
        options.update({k: ds[k] for k in ("format", "id_column", "focus", "missing_labels") if k in ds})
        options["sequence_column"] = ds["sequence_column"]
        options["label_column"] = requested_labels(ds)
    else:
        options["label_column"] = ["signal"]
        options["id_column"] = "id"
    return cli_options(options)


def model_settings(config, name, kind) -> dict:
    """Settings of ``seqgen train KIND``: the global ``KIND:`` block, overridden by the data set's own."""
    return {**config[kind], **config["datasets"][name].get(kind, {})}


def predictor_settings(config, name) -> str:
    """``seqgen train predictor``'s ``--settings``: :func:`model_settings`, the data set's own label winning over
    a global predictor block's."""
    settings = model_settings(config, name, "predictor")
    if "label" in config["datasets"][name]:
        settings["label"] = config["datasets"][name]["label"]
    return as_json(settings)


def trained_settings(config, name, inputs) -> str:
    """The settings of the trained models among a rule's ``inputs`` (its input files, a dict or a list), as one
    JSON text: a param of every rule that reads a model.

    Snakemake remakes a missing file only where a job that must run reads it, and it records a killed or failed
    job's params as if it had finished: a training stopped after a settings change (its ``model.pt`` removed, the
    old samples, designs and motifs left) would never run again, and the report would show the old model's
    results under the new settings. With the settings here, those readers' params change with the model's, so they
    rerun and ask for the model again (also a design's for another data set's predictor it ``avoid``s)."""
    files = set(inputs.values() if isinstance(inputs, dict) else inputs)
    settings = {}
    for other in config["datasets"]:  # its own predictor, and another data set's that a design ``avoid``s
        if f"results/{other}/predictor/model.pt" in files:
            settings["predictor" if other == name else f"predictor of {other}"] = predictor_settings(config, other)
    for kind in ("vae", "gan"):
        if f"results/{name}/generator/{kind}/model.pt" in files:
            settings[kind] = as_json(model_settings(config, name, kind))
    return json.dumps(settings, sort_keys=True)


def generator_holdout(config, name) -> float:
    """The share of data set ``name``'s sequences its generators do not train on, to evaluate their samples
    against: its own ``holdout``, else 0 with ``mutants`` (the family VAE that scores them learns the whole family,
    as DeepSequence's), else ``evaluate.holdout``."""
    ds = config["datasets"][name]
    if "holdout" in ds:
        return ds["holdout"]
    return 0 if "mutants" in ds else config["evaluate"]["holdout"]


def generator_data(config, name) -> str:
    """What the generators of data set ``name`` train on: the training part of its split, or all its data without
    a holdout."""
    return f"results/{name}/generator/training.npz" if generator_holdout(config, name) else f"results/{name}/data.npz"


def evaluation_inputs(config, name) -> dict:
    """``seqgen evaluate``'s real sequences: the held-out ``reference`` and the generators' ``training`` part, or
    without a holdout the training data as the reference (split in two halves by evaluate)."""
    if generator_holdout(config, name):
        return {"reference": f"results/{name}/generator/heldout.npz",
                "training": f"results/{name}/generator/training.npz"}
    return {"reference": f"results/{name}/data.npz"}


def predictor_inputs(config, name) -> dict:
    """The predictor model of a labelled data set (none for an alignment without a label)."""
    if labelled(config["datasets"][name]):
        return {"predictor": f"results/{name}/predictor/model.pt"}
    return {}


def motif_predictor_inputs(config, name) -> dict:
    """The predictor whose learned motifs ``motifs_data`` also finds (none when ``motifs.predictor`` is off)."""
    return predictor_inputs(config, name) if config["motifs"].get("predictor", True) else {}


def sample_score_inputs(config, name) -> list:
    """The predictor's scores of each generator's samples (none without a label, so without a predictor)."""
    if labelled(config["datasets"][name]):
        return [f"results/{name}/generator/{model}/samples.tsv" for model in config["generators"]]
    return []


def mutation_inputs(config, name) -> dict:
    """The mutation effects of a data set with ``mutants`` (none otherwise)."""
    if "mutants" in config["datasets"][name]:
        return {"mutations": f"results/{name}/mutations.tsv"}
    return {}


def mutation_options(config, name) -> str:
    """``seqgen score-mutants`` options of a data set: ``--measured COLUMN`` for each of its ``mutants_measured``
    (leading space; empty without)."""
    return "".join(f" --measured {shlex.quote(str(column))}"
                   for column in config["datasets"][name].get("mutants_measured", []))


def report_summaries(config, name) -> list:
    """The files the report reads beside those its other inputs name: each design's ``design.json`` and each motif
    search's ``motifs.tsv`` and ``params.json``, the predictor's ``metrics.json``; inputs of the report, so that a
    deleted one is made again, not reported missing."""
    folders = [f"results/{name}"] + [f"results/{name}/design/{m}" for m in config["design"]["methods"]]
    files = [f"{folder}/design.json" for folder in folders[1:]]
    files += [f"{folder}/motifs/{file}" for folder in folders for file in ("motifs.tsv", "params.json")]
    return files + ([f"results/{name}/predictor/metrics.json"] if predictor_inputs(config, name) else [])


def report_options(config, name) -> str:
    """``seqgen report`` options that keep an earlier configuration's results out of the report: the design
    methods and generators configured now, ``--no-mutations`` for a data set without ``mutants`` (a
    ``mutations.tsv`` of a run with them stays in the folder) and ``--no-predictor`` for one without a label (a
    ``predictor/`` of a run with one stays)."""
    words = ["--methods", *map(shlex.quote, config["design"]["methods"]), "--generators", *config["generators"]]
    words += [] if mutation_inputs(config, name) else ["--no-mutations"]
    return " ".join(words + ([] if predictor_inputs(config, name) else ["--no-predictor"]))


def design_generator(config, name, method) -> str:
    """The generator design uses: the VAE when its ELBO is an objective, else the first generator."""
    return "vae" if naturalness(config, config["datasets"][name], method) else config["generators"][0]


def as_list(value) -> list:
    """A config value that is one item or a list of them, as a list."""
    return [value] if isinstance(value, str) else list(value)


def avoided_folders(config, name, method) -> list:
    """The predictor folders (or ``.pt`` files) a design job ``avoid``s: the method's ``design.<method>.avoid``,
    then the predictors of the other data sets the data set's own ``avoid`` names (bind this one, not those)."""
    return [*as_list(config["design"].get(method, {}).get("avoid", [])),
            *(f"results/{other}/predictor" for other in as_list(config["datasets"][name].get("avoid", [])))]


def avoided_models(config, name, method) -> list:
    """The model files of :func:`avoided_folders` (a folder's ``model.pt``, or a ``.pt`` given)."""
    return [path if str(path).endswith(".pt") else f"{str(path).rstrip('/')}/model.pt"
            for path in avoided_folders(config, name, method)]


def design_inputs(config, name, method) -> dict:
    """The files a design job reads: the encoded data, the predictor (if any), each predictor it ``avoid``s (so
    that one trained by the workflow is trained first, and a retrained one designs again), and the generator where
    latent design or the VAE's ELBO needs one. The data, which the designs are compared with (training_utility.tsv,
    nearest_training_distance), are the predictor's, or without a label the generators' training part."""
    data = f"results/{name}/data.npz" if labelled(config["datasets"][name]) else generator_data(config, name)
    inputs = {"data": data, **predictor_inputs(config, name)}
    inputs.update({f"avoid{i + 1}": path for i, path in enumerate(avoided_models(config, name, method))})
    if method == "latent" or naturalness(config, config["datasets"][name], method):
        model = design_generator(config, name, method)
        inputs["generator"] = f"results/{name}/generator/{model}/model.pt"
    return inputs


def design_block(config, ds, method) -> dict:
    """The options of data set ``ds``'s designs by ``method``: the method's block (``design.<method>``),
    overridden by the data set's own ``design`` block (its constraints and objective: a ``start``, ``fixed``
    letters or a ``target`` belong to one data set's sequences, not to every data set's)."""
    return {**config["design"].get(method, {}), **ds.get("design", {})}


def design_steps(config, method) -> int:
    """The design's steps: the method's own ``design.<method>.steps``, else ``design.steps`` (so that a changed
    ``design.steps`` reruns only the methods that use it)."""
    return config["design"].get(method, {}).get("steps", config["design"]["steps"])


def design_options(config, name, method) -> str:
    """The method's options, the naturalness weight, the linker and the model folders, as ``seqgen design``
    options. A function of the config and wildcards only: Snakemake leaves params computed from ``input`` out of
    its change detection, so a changed design option would not rerun the design."""
    ds = config["datasets"][name]
    options = {k: v for k, v in design_block(config, ds, method).items() if k != "steps"}  # design_steps gives it
    options["avoid"] = avoided_folders(config, name, method)
    if ds["alphabet"] in ("dna", "rna"):  # predictors and a VAE's likelihood alike over-rate long runs of a letter
        options.setdefault("max_homopolymer", "auto")  # the training data's longest runs, at least 6
    options["naturalness"] = naturalness(config, ds, method) or None
    if "linker" in ds:
        options["linker"] = ds["linker"]
    for model, path in design_inputs(config, name, method).items():
        if model in ("generator", "predictor"):
            options[model] = str(Path(path).parent)
    return cli_options(options)


#: ``motifs.max_sequences`` by alphabet: all 42,614 FOXA1 peaks search in 12 s, and a random 2,000 of them lose
#: HNF4, which 20,000 find second (session 36); a protein family's 4-mer search is far slower per sequence
MOTIF_MAX_SEQUENCES = {"dna": 20000, "rna": 20000, "protein": 2000, "protein-gap": 2000}


def motif_options(config, name, search_data=True) -> str:
    """``seqgen motifs`` options, only those that matter for the data set (so that a setting it does not use
    reruns nothing): ``--top`` and the predictor (on the config's ``device``) for a labelled one,
    ``--max-sequences`` for one without a label, the JASPAR release and taxon for DNA; ``search_data``: False for
    the motifs of designs."""
    ds = config["datasets"][name]
    motifs = config["motifs"]
    options = {"alphabet": ds["alphabet"], "n_motifs": motifs["n_motifs"], "seed": config["seed"],
               "site_p": motifs["site_p"]}
    if ds["alphabet"] == "dna":
        options["jaspar_release"] = motifs["jaspar_release"]
        taxon = ds.get("jaspar_tax_group", motifs["jaspar_tax_group"])
        options["jaspar_tax_group"] = "" if taxon == "all" else taxon
    if search_data and labelled(ds):
        options["top"] = motifs["top"]
        if motif_predictor_inputs(config, name):
            options["predictor"] = str(Path(predictor_inputs(config, name)["predictor"]).parent)
            options["device"] = job_device(config, gpu_job=False)  # where its mutagenesis runs
    elif search_data:
        options["max_sequences"] = motifs.get("max_sequences") or MOTIF_MAX_SEQUENCES[ds["alphabet"]]
    if not search_data:
        options["prefix"] = "design"  # not seqgen-N, the data's motifs' names: the report shows both
    return cli_options(options)


def with_avoided(config, name) -> list:
    """Data set ``name`` and the data sets its ``avoid`` names, theirs in turn: the data sets its designs need."""
    needed = [name]
    for current in needed:
        needed += [other for other in as_list(config["datasets"][current].get("avoid", [])) if other not in needed]
    return needed


#: config keys that say where the jobs run, not what they compute: toggling them reruns no report
SCHEDULING_KEYS = ("gpu", "gpu_partition")


def dataset_config_yaml(config, name) -> str:
    """The settings of one data set's run, as YAML (copied into its results folder for the report): only the
    blocks it uses, so that a change to another data set's kind of model reruns nothing of it, and only the data
    set and those it ``avoid``s (their predictors score its designs: a config of its own must name them). Where the
    jobs run (:data:`SCHEDULING_KEYS`) is left out: it changes no result, and the report reads this file."""
    import yaml

    datasets = {other: config["datasets"][other] for other in with_avoided(config, name)}
    unused = {"datasets", *SCHEDULING_KEYS} | ({"vae", "gan"} - set(config["generators"]))
    if not any(map(labelled, datasets.values())):
        unused.add("predictor")
    if not any("mutants" in ds for ds in datasets.values()):
        unused.add("mutations")
    settings = {k: v for k, v in config.items() if k not in unused}
    settings["datasets"] = datasets  # a config of its own: --configfile reruns this data set
    return yaml.safe_dump(settings, sort_keys=True)


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
        check_mutants_format(name, ds)
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
            + ("" if ds.get("format") in PBM_LABELS else ": add it to label_columns")
        )


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

        resolve_format(ds["input"], ds.get("format"), requested_labels(ds), option="format: in the data set's config")


def check_input_files(name, ds) -> None:
    """Refuse a missing input or mutants file: where its results exist, Snakemake would not ask for it, and the
    report would describe the old results under the new file's name. A mutants file without its column (or its
    ``mutants_measured`` columns) is refused too (score-mutants would say so only after the VAE has trained)."""
    for key in ("input", "mutants"):
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
        from seqgen.protein import mutant_notes

        family = parse_a2m(read_bytes(ds["input"]), ds["input"], ds.get("focus")).meta
        names, _ = read_mutants(ds["mutants"])
        notes = mutant_notes(names, family, source=ds["mutants"])
        if all(notes):
            raise SeqgenError(f"none of the {len(names)} mutants can be scored ({notes[0]}: {names[0]})",
                              ds["mutants"])


def check_simulated_motif(name, ds) -> None:
    """Refuse a simulated data set whose JASPAR motif is not in the JASPAR that pyjaspar ships."""
    if "simulate" in ds:
        with package_errors(name):
            from seqgen.jaspar import jaspar_motif

            jaspar_motif(ds["simulate"]["motif"])


def known_length(ds):
    """The length of a data set's sequences where the config gives it (simulated, or padded/trimmed to
    ``length``), else None."""
    if "simulate" in ds:
        return ds["simulate"]["length"]
    return ds.get("length") if ds.get("lengths") in ("pad", "trim") else None


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
    ``fixed`` letters (where the data set's length is known), holding a k-mer the method ``forbid``s or a run
    longer than its ``max_homopolymer``; a GC window or an edit budget the fixed letters rule out. Where neither
    is known, the letters of ``fixed`` and ``forbid`` alone (a DNA ``forbid: [GAATTC]`` on an RNA data set)."""
    length = known_length(ds)
    with package_errors(name):
        from seqgen.alphabets import get_alphabet
        from seqgen.design.constraints import Constraints, _encode_or_fail

        alphabet = get_alphabet(ds["alphabet"])
        linker = _encode_or_fail(ds["linker"].upper(), alphabet, "linker") if ds.get("linker") else None
        for method in config["design"]["methods"]:
            block = design_block(config, ds, method)
            run = block.get("max_homopolymer")
            low, high = (None if block.get(k) == "auto" else block.get(k) for k in ("gc_min", "gc_max"))
            forbid = block.get("forbid", [])
            forbid = as_list(forbid)
            try:
                if length:
                    Constraints.from_options(alphabet, length, block.get("fixed"), low, high, forbid,
                                             run if isinstance(run, int) else None,
                                             block.get("max_edits"), block.get("start"), ds.get("linker"))
                elif linker is not None:  # the linker alone: only the k-mers that fit in it
                    fits = [k.upper() for k in forbid if len(k) <= len(linker)]
                    Constraints(alphabet, 1, forbidden=fits, max_homopolymer=run if isinstance(run, int) else None,
                                suffix=linker).check_pinned()
                else:  # the input file's length, unknown here: the letters alone
                    if block.get("fixed"):
                        Constraints.from_options(alphabet, len(block["fixed"]), block["fixed"])
                    if forbid:
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
