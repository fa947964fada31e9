# Thin wrappers of seqgen.workflow_config (the config's checks at start, and each rule's options and inputs):
# they pass the config and the wildcards; a check's SeqgenError stops the workflow with its one line.
from snakemake.exceptions import WorkflowError

from seqgen import workflow_config as wfc
from seqgen.errors import SeqgenError


def validate_config(schema):
    """Validate the config against the JSON ``schema`` and fill in its defaults; stop with one line naming the key
    where the schema rejects it (Snakemake's validation error prints the whole schema below its message)."""
    try:
        validate(config, schema, set_default=True)
    except WorkflowError:
        problem = wfc.schema_problem(config, Path(workflow.basedir) / schema)
        if problem is None:
            raise
        raise ValueError(problem) from None


def check_config():
    """Stop at start with the one line of the config's first problem (a ValueError, as Snakemake reports one)."""
    try:
        wfc.check_config(config, workflow.configfiles)
    except SeqgenError as exc:
        raise ValueError(str(exc)) from None


def check_command():
    """Stop before the first job where the jobs' command seqgen is not on PATH (run by onstart: not for a dry run
    or --lint, which run no job)."""
    try:
        wfc.check_command(deployed=bool(getattr(workflow.deployment_settings, "deployment_method", None)))
    except SeqgenError as exc:
        raise ValueError(str(exc)) from None


def dataset(wildcards):
    return config["datasets"][wildcards.dataset]


def gpu_resources():
    return wfc.gpu_resources(config)


def device(gpu_job=True):
    return shlex.quote(wfc.job_device(config, gpu_job))


def raw_input(wildcards):
    return wfc.raw_input(config, wildcards.dataset)


def genome_input(wildcards):
    return wfc.genome_input(config, wildcards.dataset)


def simulate_options(wildcards):
    return wfc.simulate_options(config, wildcards.dataset)


def encode_options(wildcards):
    return wfc.encode_options(dataset(wildcards), config["seed"])


def split_options(wildcards):
    return wfc.split_options(config, wildcards.dataset)


def generator_data(wildcards):
    return wfc.generator_data(config, wildcards.dataset)


def evaluation_inputs(wildcards):
    return wfc.evaluation_inputs(config, wildcards.dataset)


def generator_settings(wildcards):
    return wfc.as_json(wfc.model_settings(config, wildcards.dataset, wildcards.model))


def predictor_settings(wildcards):
    return wfc.predictor_settings(config, wildcards.dataset)


def design_inputs(wildcards):
    return wfc.design_inputs(config, wildcards.dataset, wildcards.method)


def design_steps(wildcards):
    return wfc.design_steps(config, wildcards.method)


def design_options(wildcards):
    return wfc.design_options(config, wildcards.dataset, wildcards.method)


def motif_options(wildcards, search_data=True):
    return wfc.motif_options(config, wildcards.dataset, search_data)


def trained_settings(inputs):
    """A params function: the settings of the models a job reads, ``inputs(wildcards)`` being its input files."""
    return lambda wildcards: wfc.trained_settings(config, wildcards.dataset, inputs(wildcards))


def report_summaries(wildcards):
    return wfc.report_summaries(config, wildcards.dataset)


def predictor_inputs(wildcards):
    return wfc.predictor_inputs(config, wildcards.dataset)


def motif_predictor_inputs(wildcards):
    return wfc.motif_predictor_inputs(config, wildcards.dataset)


def sample_score_inputs(wildcards):
    return wfc.sample_score_inputs(config, wildcards.dataset)


def mutation_inputs(wildcards):
    return wfc.mutation_inputs(config, wildcards.dataset)


def mutation_options(wildcards):
    return wfc.mutation_options(config, wildcards.dataset)


def scan_file(wildcards):
    return wfc.scan_file(config, wildcards.dataset)


def simulated_scan_options(wildcards):
    return wfc.simulated_scan_options(config, wildcards.dataset)


def scan_genome(wildcards):
    return wfc.scan_genome(config, wildcards.dataset)


def scan_options(wildcards):
    return wfc.scan_options(config, wildcards.dataset)


def scan_inputs(wildcards):
    return wfc.scan_inputs(config, wildcards.dataset)


def report_options(wildcards):
    return wfc.report_options(config, wildcards.dataset)


def dataset_config_yaml(wildcards):
    return wfc.dataset_config_yaml(config, wildcards.dataset)
