# seqgen: the whole chain, per data set: simulate/encode -> generators -> predictor (when the data
# set has a label) -> design -> motifs -> (scan) -> report.  Run:  snakemake --cores 4   (settings: config/config.yaml)
import json
import shlex
from pathlib import Path

from snakemake.utils import min_version, validate

from seqgen.settings import scientific_numbers  # standard library only: importable beside any Snakemake

min_version("8.0")


# The demo's config is the default only: with --configfile the user's file replaces it (Snakemake would
# otherwise merge the two key by key, so the demo's data set and settings would run with the user's).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


config.update(scientific_numbers(config))  # 1e-4 is a number (YAML 1.2), not the string YAML 1.1 reads
if isinstance(config.get("gpu"), str):  # --config gpu=true arrives as the string 'true'
    config["gpu"] = {"true": True, "false": False}.get(config["gpu"].lower(), config["gpu"])


include: "workflow/rules/common.smk"


validate_config("workflow/schemas/config.schema.yaml")

DATASETS = list(config["datasets"])
GENERATORS = config["generators"]
METHODS = config["design"]["methods"]


wildcard_constraints:
    dataset="[^/]+",  # results/A/motifs/ is data set A's, not the motifs of a data set "A/design/M"


check_config()


onstart:
    check_command()


include: "workflow/rules/data.smk"
include: "workflow/rules/generators.smk"
include: "workflow/rules/predictor.smk"
include: "workflow/rules/design.smk"
include: "workflow/rules/motifs.smk"
include: "workflow/rules/mutations.smk"
include: "workflow/rules/scan.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        expand("results/{dataset}/report.html", dataset=DATASETS),
