"""What each rule of the workflow is given: command-line options (always shell-quoted), the input files a data
set's config asks for, the resources and runtime of its jobs, and the copy of a data set's settings for its report.

``config`` is the workflow's config after the schema's defaults are filled in; ``name`` a data set's name, a
wildcard of the rules. Standard library and :mod:`seqgen.settings` only at import (PyYAML inside
:func:`dataset_config_yaml`), so that any Snakemake can load it.
"""
from __future__ import annotations

import json
import math
import shlex
from pathlib import Path

from seqgen.workflow_config.common import as_list, labelled, naturalness, positives_label, requested_labels


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


# Each rule's inputs and options (name: the data set, a wildcard of the rules)


def raw_input(config, name) -> str:
    """The sequence file encoding reads: the data set's ``input``, else its simulated table."""
    ds = config["datasets"][name]
    return ds["input"] if "input" in ds else f"results/{name}/input.tsv"


def genome_input(config, name) -> list:
    """The genome FASTA a data set's BED input names intervals of (an input of encoding, so that a new genome
    remakes the data), else none."""
    ds = config["datasets"][name]
    return [ds["genome"]] if "genome" in ds else []


def simulate_options(config, name) -> str:
    """``seqgen simulate`` options: the data set's ``simulate`` block and the JASPAR release."""
    simulate = config["datasets"][name]["simulate"]
    return cli_options({**{k: v for k, v in simulate.items() if k != "scan"},
                        "jaspar_release": config["motifs"]["jaspar_release"]})


def simulated_scan_options(config, name) -> str:
    """``seqgen simulate --planted`` options of a simulated data set's ``scan``: its sequences to scan, a site of the
    data set's motif planted in some (the simulation's seed)."""
    simulate = config["datasets"][name]["simulate"]
    return cli_options({"motif": simulate["motif"], **simulate["scan"], "seed": simulate["seed"],
                        "jaspar_release": config["motifs"]["jaspar_release"]})


def encode_options(ds, seed: int = 0) -> str:
    """``seqgen encode`` options of a data set: its alphabet and policies, the columns of its input (a
    simulated table's are id and signal), and its negatives (shuffled and GC-matched ones: drawn by the workflow's
    ``seed``)."""
    options = {
        "alphabet": ds["alphabet"],
        "ambiguous": ds["ambiguous"],
        "lengths": ds["lengths"],
        "length": ds.get("length"),
        "duplicate_ids": ds["duplicate_ids"],
    }
    if "input" in ds:
        options.update({k: ds[k] for k in ("format", "id_column", "focus", "missing_labels", "genome", "width")
                        if k in ds})
        options["sequence_column"] = ds["sequence_column"]
        options["label_column"] = requested_labels(ds)
        options["negatives"] = ds.get("negatives")
        if ds.get("negatives") == "flanks":
            options["flank_distance"] = ds.get("flank_distance")
        if ds.get("negatives") in ("shuffle", "gc-matched"):
            options["seed"] = seed
            options["negatives_per_positive"] = ds.get("negatives_per_positive")
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
    chromosomes = holdout_chromosomes(config["datasets"][name])
    if chromosomes and "val_chromosomes" not in settings:  # the predictor validates on what the generators left out
        settings["val_chromosomes"] = chromosomes
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


def holdout_chromosomes(ds) -> list:
    """A data set's ``holdout_chromosomes`` as names (YAML reads ``[8, 9]`` as numbers), else none."""
    return [str(name) for name in ds.get("holdout_chromosomes", [])]


def holds_out(config, name) -> bool:
    """Whether data set ``name``'s generators leave sequences out to be evaluated on: a ``holdout`` share above 0,
    or ``holdout_chromosomes``."""
    return bool(holdout_chromosomes(config["datasets"][name])) or generator_holdout(config, name) > 0


def generator_holdout(config, name) -> float:
    """The share of data set ``name``'s sequences its generators do not train on, to evaluate their samples
    against: its own ``holdout``, else 0 with ``mutants`` (the family VAE that scores them learns the whole family,
    as DeepSequence's), else ``evaluate.holdout``."""
    ds = config["datasets"][name]
    if "holdout" in ds:
        return ds["holdout"]
    return 0 if "mutants" in ds else config["evaluate"]["holdout"]


def split_options(config, name) -> str:
    """``seqgen split``'s options: the data set's held-out chromosomes, else its held-out share and the workflow's
    seed; and ``--positives`` for a data set whose generators learn a class's positives alone."""
    ds = config["datasets"][name]
    chromosomes = holdout_chromosomes(ds)
    held = {"chromosomes": chromosomes} if chromosomes else {"holdout": generator_holdout(config, name),
                                                             "seed": config["seed"]}
    return cli_options({**held, "positives": positives_label(ds)})


def generator_data(config, name) -> str:
    """What the generators of data set ``name`` train on: the training part of its split, or all its data without
    a holdout."""
    return f"results/{name}/generator/training.npz" if holds_out(config, name) else f"results/{name}/data.npz"


def evaluation_inputs(config, name) -> dict:
    """``seqgen evaluate``'s real sequences: the held-out ``reference`` and the generators' ``training`` part, or
    without a holdout the training data as the reference (split in two halves by evaluate)."""
    if holds_out(config, name):
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


#: file name endings of genome intervals (read against the data set's genome)
INTERVAL_SUFFIXES = (".bed", ".narrowpeak", ".broadpeak")


def scans_intervals(ds) -> bool:
    """Whether a data set's ``scan`` file is genome intervals (BED, narrowPeak, broadPeak; gzip or not)."""
    path = str(ds.get("scan", "")).lower()
    return path.removesuffix(".gz").endswith(INTERVAL_SUFFIXES)


def scan_file(config, name) -> str | None:
    """The sequences a data set scans: its ``scan`` file, a simulated data set's simulated ones
    (``simulate: {scan: ...}``, made by the rule ``simulate_scan``), else None."""
    ds = config["datasets"][name]
    if "scan" in ds.get("simulate", {}):
        return f"results/{name}/scan/input.fasta"
    return ds.get("scan")


def scan_inputs(config, name) -> dict:
    """The scan tables of a labelled data set with sequences to scan (:func:`scan_file`): each sequence's best
    window and every window scored (none otherwise)."""
    ds = config["datasets"][name]
    if scan_file(config, name) and labelled(ds):
        return {"scan": f"results/{name}/scan/best.tsv", "scan_windows": f"results/{name}/scan/windows.tsv"}
    return {}


def scan_genome(config, name) -> list:
    """The genome FASTA a data set's ``scan`` intervals are cut from (its ``scan_genome``, else its ``genome``),
    else none."""
    ds = config["datasets"][name]
    return [ds.get("scan_genome", ds.get("genome"))] if scans_intervals(ds) else []


def scan_options(config, name) -> str:
    """``seqgen predict --scan`` options of a data set: the global ``scan`` settings (``--both-strands`` of DNA and
    RNA only), ``--ambiguous keep`` (a window holding an N is left out, not its sequence), and ``--genome`` for
    intervals (:func:`scan_genome`)."""
    ds, settings = config["datasets"][name], config["scan"]
    words = ["--stride", str(settings["stride"]), "--shuffles", str(settings["shuffles"]), "--ambiguous", "keep"]
    if settings["both_strands"] and ds.get("alphabet", "dna") in ("dna", "rna"):
        words.append("--both-strands")
    return " ".join(words + [f"--genome {shlex.quote(genome)}" for genome in scan_genome(config, name)])


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
    ``predictor/`` of a run with one stays), and ``--no-scan`` for one without ``scan`` (a ``scan/`` of a run with
    it stays)."""
    words = ["--methods", *map(shlex.quote, config["design"]["methods"]), "--generators", *config["generators"]]
    words += [] if mutation_inputs(config, name) else ["--no-mutations"]
    words += [] if scan_inputs(config, name) else ["--no-scan"]
    return " ".join(words + ([] if predictor_inputs(config, name) else ["--no-predictor"]))


def design_generator(config, name, method) -> str:
    """The generator design uses: the VAE when its ELBO is an objective, else the first generator."""
    return "vae" if naturalness(config, config["datasets"][name], method) else config["generators"][0]


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
    blocks it uses (no ``evaluate`` where each data set holds out its own share, or none for its mutants), so that
    a change to another data set's kind of model reruns nothing of it, and only the data set and those it
    ``avoid``s (their predictors score its designs: a config of its own must name them). Where the
    jobs run (:data:`SCHEDULING_KEYS`) is left out: it changes no result, and the report reads this file."""
    import yaml

    datasets = {other: config["datasets"][other] for other in with_avoided(config, name)}
    unused = {"datasets", *SCHEDULING_KEYS} | ({"vae", "gan"} - set(config["generators"]))
    if not any(map(labelled, datasets.values())):
        unused.add("predictor")
    if not any("mutants" in ds for ds in datasets.values()):
        unused.add("mutations")
    if all("holdout" in ds or "mutants" in ds for ds in datasets.values()):  # generator_holdout: theirs, not this
        unused.add("evaluate")
    settings = {k: v for k, v in config.items() if k not in unused}
    settings["datasets"] = datasets  # a config of its own: --configfile reruns this data set
    return yaml.safe_dump(settings, sort_keys=True)
