# Helpers shared by the rules: settings to command-line text (always shell-quoted), and the checks of the config
# that stop a run at start.
from contextlib import contextmanager

from seqgen.settings import LONG_RUN as MAX_HOMOPOLYMER  # DNA/RNA designs' default longest run of one letter
from seqgen.settings import PBM_LABELS  # the label columns a PBM table's format gives by itself


def dataset(wildcards):
    return config["datasets"][wildcards.dataset]


def as_json(mapping):
    """A settings mapping as one shell-quoted JSON argument, its keys sorted: the same settings in another
    order are the same command, and rerun nothing."""
    return shlex.quote(json.dumps(mapping, sort_keys=True))


def cli_options(mapping):
    """{key: value} -> '--key value ...' in the order of the sorted keys (lists repeat the option; true flags
    stand alone), quoted."""
    words = []
    for key, value in sorted(mapping.items()):
        flag = "--" + str(key).replace("_", "-")
        for item in value if isinstance(value, list) else [value]:
            if item is True:
                words.append(flag)
            elif item is not False and item is not None:  # 0 is a value (target: 0, max_edits: 0)
                words += [flag, shlex.quote(str(item))]
    return " ".join(words)


def gpu_resources():
    """Resources of the rules that use a GPU when `gpu: true` (training, design, mutant scoring)."""
    if not config["gpu"]:
        return {}
    return {"gpu": 1, **({"slurm_partition": config["gpu_partition"]} if config["gpu_partition"] else {})}


def device():
    return shlex.quote(config["device"])


def raw_input(wildcards):
    ds = dataset(wildcards)
    return ds["input"] if "input" in ds else f"results/{wildcards.dataset}/input.tsv"


def encode_options(wildcards):
    ds = dataset(wildcards)
    options = {
        "alphabet": ds["alphabet"],
        "ambiguous": ds["ambiguous"],
        "lengths": ds["lengths"],
        "length": ds.get("length"),
        "duplicate_ids": ds["duplicate_ids"],
    }
    if "input" in ds:
        options.update({k: ds[k] for k in ("format", "id_column") if k in ds})
        options["sequence_column"] = ds["sequence_column"]
        options["label_column"] = requested_labels(ds)
    else:
        options["label_column"] = ["signal"]
        options["id_column"] = "id"
    return cli_options(options)


def requested_labels(ds):
    """The columns encoding is asked to read as labels (`--label-column`): `label_columns`, else `label` (not
    for a PBM table, whose format gives its own)."""
    if ds.get("label_columns"):
        return ds["label_columns"]
    return [ds["label"]] if "label" in ds and ds.get("format") not in PBM_LABELS else []


def read_labels(ds):
    """The label columns a data set's encoding holds."""
    if "simulate" in ds:
        return ["signal"]
    return PBM_LABELS.get(ds.get("format")) or requested_labels(ds)


def labelled(ds):
    """Whether a data set has a label a predictor can learn (simulated, `label`, `label_columns`, a PBM format)."""
    return bool(read_labels(ds))


def naturalness(ds, method=None):
    """Weight of the VAE's ELBO in design: the data set's `naturalness`, else the method's
    (`design.<method>.naturalness`), else 1 without a label and 0 with one."""
    default = (
        config["design"]
        .get(method, {})
        .get("naturalness", 0.0 if labelled(ds) else 1.0)
    )
    return ds.get("naturalness", default)


def check_datasets():
    """Stop with one line naming the data set when a design would have no objective or no VAE."""
    for name, ds in config["datasets"].items():
        if ("simulate" in ds) == ("input" in ds):
            raise ValueError(f"data set {name!r}: give either simulate (a demo from a JASPAR motif) or input (a file)")
        weights = [naturalness(ds, method) for method in METHODS]
        if not labelled(ds) and not all(weights):
            raise ValueError(
                f"data set {name!r} has no label: design needs naturalness > 0 (the VAE's likelihood)"
            )
        if "mutants" in ds and "vae" not in GENERATORS:
            raise ValueError(
                f"data set {name!r} scores mutants with the family VAE: add vae to generators"
            )
        if any(weights) and "vae" not in GENERATORS:
            raise ValueError(
                f"data set {name!r} designs with the VAE's likelihood (naturalness): add vae to generators"
            )
        if "simulate" in ds and ds.get("label", "signal") != "signal":
            raise ValueError(
                f"data set {name!r} is simulated: its label is signal, not {ds['label']!r}"
            )
        read = read_labels(ds)
        if "label" in ds and ds["label"] not in read:
            raise ValueError(
                f"data set {name!r}: its label {ds['label']!r} is not among the columns it reads "
                f"({', '.join(read) or 'none'})"
                + ("" if ds.get("format") in PBM_LABELS else ": add it to label_columns")
            )
        if "mutants" in ds and ds.get("format") != "a2m":
            raise ValueError(
                f"data set {name!r} scores mutants: that needs an alignment (format: a2m), the family VAE's input"
            )
        for kind in ("vae", "gan", "predictor"):
            if "seed" in {**config[kind], **ds.get(kind, {})}:
                raise ValueError(
                    f"data set {name!r}: 'seed' in a {kind} block is not used; the workflow's seed is the "
                    f"top-level key seed"
                )
        check_model_settings(name, ds)
        check_input_format(name, ds)
        check_input_files(name, ds)
        check_simulated_motif(name, ds)
        check_design_lengths(name, ds)


def check_input_files(name, ds):
    """Stop when a data set's input or mutants file is missing: where its results exist, Snakemake would not ask
    for it, and the report would describe the old results under the new file's name. A mutants file without its
    column is refused too (score-mutants would say so only after the VAE has trained)."""
    for key in ("input", "mutants"):
        if key in ds and not Path(ds[key]).is_file():
            raise ValueError(f"data set {name!r}: its {key} file {ds[key]} does not exist")
    if "mutants" in ds:
        with package_errors(name):
            from seqgen.mutations import read_mutant_names

            read_mutant_names(ds["mutants"])


def check_simulated_motif(name, ds):
    """Stop when a simulated data set's JASPAR motif is not in the JASPAR that pyjaspar ships."""
    if "simulate" in ds:
        with package_errors(name):
            from seqgen.jaspar import jaspar_motif

            jaspar_motif(ds["simulate"]["motif"])


def check_config_files():
    """Stop when a config file gives a key twice in one mapping: Snakemake's YAML reader keeps the last silently."""
    from seqgen.errors import SeqgenError
    from seqgen.settings import load_config_file

    for path in workflow.configfiles:
        try:
            load_config_file(path)
        except SeqgenError as exc:
            raise ValueError(str(exc)) from None


@contextmanager
def package_errors(name):
    """``with package_errors(name):`` a SeqgenError in the block stops the workflow naming data set ``name``; the
    block is skipped where seqgen's dependencies are missing (outside the rules' environment, the jobs check the
    same)."""
    from seqgen.errors import SeqgenError

    try:
        yield
    except ImportError:
        return
    except SeqgenError as exc:
        raise ValueError(f"data set {name!r}: {exc}") from None


def check_input_format(name, ds):
    """Stop before any job when an input file's format cannot be told from its name, or cannot hold the labels
    asked for (the encode job would say so in terms of command-line options)."""
    if "input" not in ds:
        return
    with package_errors(name):
        from seqgen.io import resolve_format

        resolve_format(ds["input"], ds.get("format"), requested_labels(ds), option="format: in the data set's config")


def check_design_options():
    """Stop when a design method's block sets an option that method does not use (`seqgen design` would only note
    it in the job's log), or a GC window or edit budget no design job could take."""
    from seqgen.settings import DESIGN_ANNEALING, DESIGN_METHODS, ignored_design_options

    for method in DESIGN_METHODS:
        block = config["design"].get(method, {})
        if block.get("gc_min", 0) > block.get("gc_max", 1):
            raise ValueError(f"design.{method}: gc_min {block['gc_min']} is above gc_max {block.get('gc_max', 1)}")
        if ("start" in block) != ("max_edits" in block):
            raise ValueError(f"design.{method}: start and max_edits go together (the edits allowed from start)")
        for key in ignored_design_options(method, block, bool(block.get("polish"))):
            raise ValueError(
                f"design.{method}.{key} does not apply to {method}"
                + (" without polish" if key in DESIGN_ANNEALING else "")
                + ": remove it or move it to the method that uses it"
            )


def known_length(ds):
    """The length of a data set's sequences where the config gives it (simulated, or padded/trimmed to
    `length`), else None."""
    if "simulate" in ds:
        return ds["simulate"]["length"]
    return ds.get("length") if ds.get("lengths") in ("pad", "trim") else None


def check_design_lengths(name, ds):
    """Stop when a design method's `fixed` pattern or `start` sequence cannot be as long as the data set's
    sequences (where the config gives their length), rather than in the design job after training."""
    length = known_length(ds)
    for method in METHODS if length else ():
        for key in ("fixed", "start"):
            given = config["design"].get(method, {}).get(key)
            if given is not None and len(given) != length:
                raise ValueError(
                    f"data set {name!r}: design.{method}.{key} has length {len(given)}, but its sequences have "
                    f"length {length}"
                )


def check_model_settings(name, ds):
    """Stop before any job when a model block holds an unknown or mistyped setting (not after other training)."""
    with package_errors(name):
        from seqgen.tasks import merge_config

        for kind in ("vae", "gan", "predictor"):  # blocks of models this data set does not train are checked too
            if config.get(kind) or ds.get(kind):
                merge_config(kind, {**config.get(kind, {}), **ds.get(kind, {})}, source=f"config {kind}")


def model_settings(wildcards, kind):
    """Settings of `seqgen train KIND`: the global `KIND:` block, overridden by the data set's own."""
    return {**config[kind], **dataset(wildcards).get(kind, {})}


def predictor_settings(wildcards):
    settings = model_settings(wildcards, "predictor")
    if "label" in dataset(wildcards):  # the data set's own label wins over a global predictor block's
        settings["label"] = dataset(wildcards)["label"]
    return as_json(settings)


def design_generator(wildcards):
    """The generator design uses: the VAE when its ELBO is an objective, else the first generator."""
    return "vae" if naturalness(dataset(wildcards), wildcards.method) else GENERATORS[0]


def design_inputs(wildcards):
    ds = dataset(wildcards)
    inputs = {
        "data": f"results/{wildcards.dataset}/data.npz",
        **predictor_inputs(wildcards),
    }
    if wildcards.method == "latent" or naturalness(ds, wildcards.method):
        model = design_generator(wildcards)
        inputs["generator"] = f"results/{wildcards.dataset}/generator/{model}/model.pt"
    return inputs


def design_options(wildcards):
    """The method's options, the naturalness weight, the linker and the model folders, as `seqgen design`
    options. A function of the wildcards only: Snakemake leaves params computed from `input` out of its change
    detection, so a changed design option would not rerun the design."""
    ds = dataset(wildcards)
    options = dict(config["design"].get(wildcards.method, {}))
    if ds["alphabet"] in ("dna", "rna"):  # predictors and a VAE's likelihood alike over-rate long runs of a letter
        options.setdefault("max_homopolymer", MAX_HOMOPOLYMER)
    options["naturalness"] = naturalness(ds, wildcards.method) or None
    if "linker" in ds:
        options["linker"] = ds["linker"]
    for model, path in design_inputs(wildcards).items():
        if model in ("generator", "predictor"):
            options[model] = str(Path(path).parent)
    return cli_options(options)


def motif_options(wildcards, search_data=True):
    """`seqgen motifs` options, only those that matter for the data set (so that a setting it does not use
    reruns nothing): `--top` and the predictor for a labelled one, `--max-sequences` for one without a label,
    the JASPAR release and taxon for DNA. A function of the wildcards only, so that Snakemake tracks every change."""
    ds = dataset(wildcards)
    motifs = config["motifs"]
    options = {"alphabet": ds["alphabet"], "n_motifs": motifs["n_motifs"], "seed": config["seed"],
               "site_p": motifs["site_p"]}
    if ds["alphabet"] == "dna":
        options["jaspar_release"] = motifs["jaspar_release"]
        taxon = ds.get("jaspar_tax_group", motifs["jaspar_tax_group"])
        options["jaspar_tax_group"] = "" if taxon == "all" else taxon
    if search_data and labelled(ds):
        options["top"] = motifs["top"]
        options["predictor"] = str(Path(predictor_inputs(wildcards)["predictor"]).parent)
    elif search_data:
        options["max_sequences"] = motifs.get("max_sequences")
    return cli_options(options)


def predictor_inputs(wildcards):
    """The predictor model of a labelled data set (none for an alignment without a label)."""
    if labelled(dataset(wildcards)):
        return {"predictor": f"results/{wildcards.dataset}/predictor/model.pt"}
    return {}


def sample_score_inputs(wildcards):
    """The predictor's scores of each generator's samples (none without a label, so without a predictor)."""
    if labelled(dataset(wildcards)):
        return [f"results/{wildcards.dataset}/generator/{model}/samples.tsv" for model in GENERATORS]
    return []


def mutation_inputs(wildcards):
    """The mutation effects of a data set with `mutants` (none otherwise)."""
    if "mutants" in dataset(wildcards):
        return {"mutations": f"results/{wildcards.dataset}/mutations.tsv"}
    return {}


def dataset_config_yaml(wildcards):
    """The settings of one data set's run, as YAML (copied into its results folder for the report): only the
    blocks it uses, so that a change to another data set's kind of model reruns nothing of it."""
    import yaml

    ds = config["datasets"][wildcards.dataset]
    unused = {"datasets"} | ({"vae", "gan"} - set(GENERATORS))
    if not labelled(ds):
        unused.add("predictor")
    if "mutants" not in ds:
        unused.add("mutations")
    settings = {k: v for k, v in config.items() if k not in unused}
    settings["datasets"] = {wildcards.dataset: ds}  # a config of its own: --configfile reruns this data set
    return yaml.safe_dump(settings, sort_keys=True)
