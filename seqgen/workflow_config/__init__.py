"""The workflow's config, read without Snakemake: the checks that stop a run at start (:func:`check_config`), and
what each rule is given (command-line options, always shell-quoted, and the input files a data set's config asks
for).

``config`` is the workflow's config after the schema's defaults are filled in (``validate(..., set_default=True)``);
``name`` a data set's name, ``ds`` its block (``config["datasets"][name]``). A check raises
:class:`~seqgen.errors.SeqgenError` with a one-line message naming the data set or key; ``workflow/rules/common.smk``
stops the workflow with it.

Standard library and :mod:`seqgen.settings` only at import, so that any Snakemake can load it; the checks that need
the package's readers import them inside :func:`package_errors`, and are skipped where those cannot be imported.

The modules:

- :mod:`seqgen.workflow_config.common`: what both read of a data set's block (its labels, naturalness, ``as_list``);
- :mod:`seqgen.workflow_config.options`: each rule's options and inputs, its jobs' resources and runtime;
- :mod:`seqgen.workflow_config.checks`: the checks at start.

The names the workflow (``workflow/rules/*.smk``, as ``wfc.NAME``) and the tests use are imported here. A test that
replaces a function or a setting must replace it in the module that looks it up (``check_datasets`` calls the
checks of :mod:`seqgen.workflow_config.checks`, ``design_options`` the helpers of
:mod:`seqgen.workflow_config.options`).
"""
from __future__ import annotations

from seqgen.workflow_config.checks import (check_avoid, check_avoided_datasets, check_command, check_config,
                                           check_config_files, check_datasets, check_design_block,
                                           check_design_constraints, check_design_lengths, check_design_options,
                                           check_input_files, check_input_format, check_labels, check_model_settings,
                                           check_mutants_format, check_mutants_scorable, check_negatives,
                                           check_objectives, check_scan, check_seeds, check_simulated_motif,
                                           check_source, known_length, package_errors, schema_problem)
from seqgen.workflow_config.common import labelled, naturalness, positives_label, read_labels, requested_labels
from seqgen.workflow_config.options import (RUNTIME_MARGIN, TRAINING_RUNTIME, as_json, avoided_folders, cli_options,
                                            dataset_config_yaml, design_block, design_generator, design_inputs,
                                            design_options, design_steps, encode_options, evaluation_inputs,
                                            generator_data, generator_holdout, genome_input, gpu_resources, holds_out,
                                            job_device, model_settings, motif_options, motif_predictor_inputs,
                                            mutation_inputs, mutation_options, predictor_inputs, predictor_settings,
                                            raw_input, report_options, report_summaries, sample_score_inputs,
                                            scan_file, scan_genome, scan_inputs, scan_options, scans_intervals,
                                            simulate_options, simulated_scan_options, split_options, trained_settings,
                                            training_runtime)

__all__ = [
    "RUNTIME_MARGIN", "TRAINING_RUNTIME", "as_json", "avoided_folders", "check_avoid", "check_avoided_datasets",
    "check_command", "check_config", "check_config_files", "check_datasets", "check_design_block",
    "check_design_constraints", "check_design_lengths", "check_design_options", "check_input_files",
    "check_input_format", "check_labels", "check_model_settings", "check_mutants_format", "check_mutants_scorable",
    "check_negatives", "check_objectives", "check_scan", "check_seeds", "check_simulated_motif", "check_source",
    "cli_options", "dataset_config_yaml", "design_block", "design_generator", "design_inputs", "design_options",
    "design_steps", "encode_options", "evaluation_inputs", "generator_data", "generator_holdout", "genome_input",
    "gpu_resources", "holds_out", "job_device", "known_length", "labelled", "model_settings", "motif_options",
    "motif_predictor_inputs", "mutation_inputs", "mutation_options", "naturalness", "package_errors",
    "positives_label", "predictor_inputs", "predictor_settings", "raw_input", "read_labels", "report_options",
    "report_summaries", "requested_labels", "sample_score_inputs", "scan_file", "scan_genome", "scan_inputs",
    "scan_options", "schema_problem", "scans_intervals", "simulate_options", "simulated_scan_options", "split_options",
    "trained_settings", "training_runtime",
]
