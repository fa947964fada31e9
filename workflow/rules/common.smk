# Helpers shared by the rules: settings to command-line text (always shell-quoted).


def dataset(wildcards):
    return config["datasets"][wildcards.dataset]


def as_json(mapping):
    """A settings mapping as one shell-quoted JSON argument."""
    return shlex.quote(json.dumps(mapping))


def cli_options(mapping):
    """{key: value} -> '--key value ...' (lists repeat the option; true flags stand alone), quoted."""
    words = []
    for key, value in mapping.items():
        flag = "--" + str(key).replace("_", "-")
        for item in value if isinstance(value, list) else [value]:
            if item is True:
                words.append(flag)
            elif item not in (False, None):
                words += [flag, shlex.quote(str(item))]
    return " ".join(words)


def gpu_resources():
    return {"gpu": 1} if config["gpu"] else {}


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
    }
    if "input" in ds:
        options.update({k: ds[k] for k in ("format", "id_column") if k in ds})
        options["sequence_column"] = ds["sequence_column"]
        labels = ds.get("label_columns") or (
            [ds["label"]]
            if "label" in ds and ds.get("format") in (None, "csv", "tsv")
            else []
        )
        options["label_column"] = labels
    else:
        options["label_column"] = ["signal"]
        options["id_column"] = "id"
    return cli_options(options)


def predictor_settings(wildcards):
    settings = dict(config["predictor"])
    if "label" in dataset(wildcards):
        settings.setdefault("label", dataset(wildcards)["label"])
    return as_json(settings)


def design_inputs(wildcards):
    inputs = {
        "predictor": f"results/{wildcards.dataset}/predictor/model.pt",
        "data": f"results/{wildcards.dataset}/data.npz",
    }
    if wildcards.method == "latent":
        inputs["generator"] = (
            f"results/{wildcards.dataset}/generator/{GENERATORS[0]}/model.pt"
        )
    return inputs


def design_options(wildcards, input):
    options = dict(config["design"].get(wildcards.method, {}))
    if "linker" in dataset(wildcards):
        options["linker"] = dataset(wildcards)["linker"]
    if "generator" in input.keys():
        options["generator"] = str(Path(input.generator).parent)
    return cli_options(options)


def dataset_config_yaml(wildcards):
    """The settings of one data set's run, as YAML (copied into its results folder for the report)."""
    import yaml

    settings = {k: v for k, v in config.items() if k != "datasets"}
    settings["dataset"] = {wildcards.dataset: config["datasets"][wildcards.dataset]}
    return yaml.safe_dump(settings, sort_keys=False)
