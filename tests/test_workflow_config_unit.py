"""seqgen.workflow_config on small config dicts, without Snakemake: each start-up check's refusal (its one line)
and acceptance, and the options and inputs the rules are given. tests/test_workflow_config.py keeps one dry run
per kind of check, so that the wiring through workflow/rules/common.smk stays tested."""
import copy
import json
import shlex
import subprocess
import sys

import pytest
import yaml

from seqgen import workflow_config as wfc
from seqgen.errors import SeqgenError
from workflow_helpers import ROOT

SIMULATE = {"motif": "MA0472.2", "n": 600, "length": 30, "noise": 0.15, "threshold": 8.0, "seed": 0}
SIMULATED_SCAN = {"n": 200, "length": 300, "planted": 0.25}
DATASET_DEFAULTS = {"alphabet": "dna", "sequence_column": "sequence", "ambiguous": "error", "lengths": "error",
                    "duplicate_ids": "error"}
SCAN_DEFAULTS = {"stride": 1, "both_strands": True, "shuffles": 10}
MOTIF_DEFAULTS = {"top": 400, "n_motifs": 3, "jaspar_release": "JASPAR2024",
                  "jaspar_tax_group": "vertebrates", "site_p": 0.0001, "predictor": True}


def dataset(**keys):
    """A data set's block as the schema fills it in: simulated (labelled, signal) unless ``input`` is given."""
    source = {} if "input" in keys else {"simulate": dict(SIMULATE), "label": "signal"}
    return {**DATASET_DEFAULTS, **source, **keys}


def make_config(datasets=None, **keys):
    """A validated config (the schema's defaults filled in), one simulated data set 'tiny' unless given."""
    config = {"datasets": datasets or {"tiny": dataset()}, "device": "cpu", "gpu": False, "gpu_partition": None,
              "seed": 0, "generators": ["vae", "gan"], "vae": {}, "gan": {}, "predictor": {},
              "sample": {"n": 1000}, "evaluate": {"holdout": 0.1}, "mutations": {"samples": 500},
              "design": {"methods": ["fast-seqprop", "anneal"], "n": 64, "steps": 200},
              "motifs": dict(MOTIF_DEFAULTS), "report": {"top": 20}, "scan": dict(SCAN_DEFAULTS)}
    return {**config, **copy.deepcopy(keys)}


def refusal(check, *args):
    with pytest.raises(SeqgenError) as error:
        check(*args)
    return str(error.value)


def test_the_fixture_fills_in_the_schema_s_defaults():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    properties = schema["properties"]["datasets"]["additionalProperties"]["properties"]
    assert {k: v["default"] for k, v in properties.items() if "default" in v} == DATASET_DEFAULTS
    simulate = properties["simulate"]["properties"]
    assert {k: v["default"] for k, v in simulate.items() if "default" in v}.keys() == SIMULATE.keys()
    assert {k: v["default"] for k, v in simulate["scan"]["properties"].items()} == SIMULATED_SCAN
    motifs = schema["properties"]["motifs"]["properties"]
    assert {k: v["default"] for k, v in motifs.items() if "default" in v} == MOTIF_DEFAULTS  # max_sequences: by alphabet
    assert {k: v["default"] for k, v in schema["properties"]["scan"]["properties"].items()} == SCAN_DEFAULTS


def test_the_module_imports_neither_snakemake_nor_the_numeric_stack():
    code = ("import sys, seqgen.workflow_config; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'snakemake', 'numpy', 'torch', 'yaml'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# Settings as command-line text


def test_cli_options_sort_repeat_lists_keep_zero_and_quote():
    options = {"steps": 3, "avoid": ["AAA", "C C"], "guided": True, "combine": False, "linker": None,
               "target": 0, "jaspar_tax_group": ""}
    assert wfc.cli_options(options) == "--avoid AAA --avoid 'C C' --guided --jaspar-tax-group '' --steps 3 --target 0"
    assert wfc.cli_options({}) == ""


def test_as_json_sorts_the_keys_and_quotes_once():
    assert wfc.as_json({"steps": 5, "arch": "mlp x"}) == """'{"arch": "mlp x", "steps": 5}'"""


def test_the_device_of_a_job_without_a_gpu_on_a_cluster():
    assert wfc.job_device(make_config(gpu=True, device="cuda:1"), gpu_job=False) == "auto"
    assert wfc.job_device(make_config(gpu=True, device="cuda:1")) == "cuda:1"
    assert wfc.job_device(make_config(device="cuda"), gpu_job=False) == "cuda"  # local: no node without one
    assert wfc.job_device(make_config(gpu=True, device="cpu"), gpu_job=False) == "cpu"


def test_gpu_resources_only_with_gpu_true():
    assert wfc.gpu_resources(make_config()) == {}
    assert wfc.gpu_resources(make_config(gpu=True)) == {"gpu": 1}
    assert wfc.gpu_resources(make_config(gpu=True, gpu_partition="gpu")) == {"gpu": 1, "slurm_partition": "gpu"}


def test_a_training_job_asks_the_cluster_for_its_max_time_and_a_margin():
    config = make_config({"a": dataset(), "b": dataset(predictor={"max_time": 300})}, predictor={"max_time": 2.5})
    assert wfc.training_runtime(config, "a", "predictor") == 3 + wfc.RUNTIME_MARGIN  # the global block
    assert wfc.training_runtime(config, "b", "predictor") == 300 + wfc.RUNTIME_MARGIN  # the data set's own
    assert wfc.training_runtime(config, "a", "vae") == wfc.TRAINING_RUNTIME["vae"]  # steps only: a default


# Labels and objectives


def test_the_labels_a_data_set_reads():
    csv = dataset(input="p.csv", label="bound")
    assert wfc.requested_labels(csv) == wfc.read_labels(csv) == ["bound"]
    both = dataset(input="p.csv", label="bound", label_columns=["bound", "other"])
    assert wfc.requested_labels(both) == ["bound", "other"]
    pbm = dataset(input="p.txt", format="dream5", label="signal")
    assert wfc.requested_labels(pbm) == [] and wfc.read_labels(pbm) == ["signal", "background"]
    assert wfc.read_labels(dataset()) == ["signal"] and wfc.labelled(dataset())
    alignment = dataset(input="f.a2m", format="a2m")
    assert wfc.read_labels(alignment) == [] and not wfc.labelled(alignment)


def test_naturalness_the_data_set_s_then_the_method_s_then_by_label():
    config = make_config(design={"methods": ["anneal"], "anneal": {"naturalness": 0.3}})
    assert wfc.naturalness(config, dataset()) == 0.0  # labelled: the predictor only
    assert wfc.naturalness(config, dataset(input="f.fa")) == 1.0  # no label: the VAE's likelihood
    assert wfc.naturalness(config, dataset(), "anneal") == 0.3
    assert wfc.naturalness(config, dataset(naturalness=2.0), "anneal") == 2.0


# Each rule's inputs and options


def test_simulate_and_encode_options_of_a_simulated_data_set():
    config = make_config()
    assert wfc.raw_input(config, "tiny") == "results/tiny/input.tsv"
    assert wfc.simulate_options(config, "tiny") == (
        "--jaspar-release JASPAR2024 --length 30 --motif MA0472.2 --n 600 --noise 0.15 --seed 0 --threshold 8.0")
    assert wfc.encode_options(dataset()) == ("--alphabet dna --ambiguous error --duplicate-ids error --id-column id "
                                             "--label-column signal --lengths error")


def test_encode_options_of_an_input_file():
    ds = dataset(input="my seqs.csv", label_columns=["bound", "other"], lengths="pad", length=10,
                 duplicate_ids="keep", id_column="name", format="csv")
    config = make_config({"mine": ds})
    assert wfc.raw_input(config, "mine") == "my seqs.csv"
    assert wfc.encode_options(ds) == (
        "--alphabet dna --ambiguous error --duplicate-ids keep --format csv --id-column name --label-column bound "
        "--label-column other --length 10 --lengths pad --sequence-column sequence")
    alignment = dataset(input="fam.a2m", alphabet="protein-gap", focus="BLAT ECOLX/24-286")
    assert "--focus 'BLAT ECOLX/24-286'" in wfc.encode_options(alignment)
    assert "--missing-labels drop " in wfc.encode_options(dataset(input="scan.csv", label="fitness",
                                                                   missing_labels="drop"))


def test_model_settings_the_data_set_s_over_the_global_block():
    config = make_config({"tiny": dataset(label="signal", vae={"steps": 9}, predictor={"members": 3})},
                         vae={"steps": 60, "batch_size": 64}, predictor={"steps": 80, "label": "other"})
    assert wfc.model_settings(config, "tiny", "vae") == {"steps": 9, "batch_size": 64}
    assert wfc.predictor_settings(config, "tiny") == """'{"label": "signal", "members": 3, "steps": 80}'"""


def test_the_inputs_a_data_set_s_config_asks_for():
    config = make_config({"tiny": dataset(), "family": dataset(input="f.a2m", format="a2m", mutants="m.txt")})
    assert wfc.predictor_inputs(config, "tiny") == {"predictor": "results/tiny/predictor/model.pt"}
    assert wfc.predictor_inputs(config, "family") == {}
    assert wfc.sample_score_inputs(config, "tiny") == ["results/tiny/generator/vae/samples.tsv",
                                                       "results/tiny/generator/gan/samples.tsv"]
    assert wfc.sample_score_inputs(config, "family") == []
    assert wfc.mutation_inputs(config, "family") == {"mutations": "results/family/mutations.tsv"}
    assert wfc.mutation_inputs(config, "tiny") == {}


def test_the_report_reads_every_summary_as_an_input():
    config = make_config({"tiny": dataset(), "family": dataset(input="f.a2m", format="a2m")},
                         design={"methods": ["anneal"]})
    assert wfc.report_summaries(config, "tiny") == [
        "results/tiny/design/anneal/design.json", "results/tiny/motifs/motifs.tsv", "results/tiny/motifs/params.json",
        "results/tiny/design/anneal/motifs/motifs.tsv", "results/tiny/design/anneal/motifs/params.json",
        "results/tiny/predictor/metrics.json"]
    assert "results/family/predictor/metrics.json" not in wfc.report_summaries(config, "family")  # no label


def test_the_generators_train_on_all_but_the_holdout_which_evaluates_them():
    config = make_config({"tiny": dataset(), "own": dataset(holdout=0.25), "none": dataset(holdout=0),
                          "family": dataset(input="f.a2m", format="a2m", mutants="m.txt"),
                          "scored": dataset(input="f.a2m", format="a2m", mutants="m.txt", holdout=0.2)})
    assert [wfc.generator_holdout(config, name) for name in config["datasets"]] == [0.1, 0.25, 0, 0, 0.2]
    assert wfc.generator_data(config, "tiny") == "results/tiny/generator/training.npz"
    assert wfc.evaluation_inputs(config, "tiny") == {"reference": "results/tiny/generator/heldout.npz",
                                                     "training": "results/tiny/generator/training.npz"}
    for name in ("none", "family"):  # no split: the training data is the reference
        assert wfc.generator_data(config, name) == f"results/{name}/data.npz"
        assert wfc.evaluation_inputs(config, name) == {"reference": f"results/{name}/data.npz"}
    config["evaluate"]["holdout"] = 0
    assert wfc.generator_data(config, "tiny") == "results/tiny/data.npz"


def test_design_inputs_and_the_generator_design_uses():
    config = make_config(generators=["gan", "vae"], design={"methods": ["anneal", "latent", "softmax"],
                                                            "softmax": {"naturalness": 0.5}})
    assert wfc.design_inputs(config, "tiny", "anneal") == {"data": "results/tiny/data.npz",
                                                           "predictor": "results/tiny/predictor/model.pt"}
    assert wfc.design_generator(config, "tiny", "latent") == "gan"  # the first generator, no ELBO objective
    assert wfc.design_inputs(config, "tiny", "latent")["generator"] == "results/tiny/generator/gan/model.pt"
    assert wfc.design_generator(config, "tiny", "softmax") == "vae"  # the ELBO is an objective
    assert wfc.design_inputs(config, "tiny", "softmax")["generator"] == "results/tiny/generator/vae/model.pt"


def test_a_design_without_a_label_is_compared_with_the_generators_training_part():
    """Without a label the designs' only model is the VAE, trained on the split's training part: their training
    sequences (training_utility.tsv, designs_above_training_max) are that part, not the held-out rows too."""
    config = make_config({"tiny": dataset(), "family": dataset(input="f.a2m", format="a2m"),
                          "scored": dataset(input="f.a2m", format="a2m", mutants="m.txt")})
    assert wfc.design_inputs(config, "tiny", "anneal")["data"] == "results/tiny/data.npz"  # the predictor's data
    assert wfc.design_inputs(config, "family", "anneal")["data"] == "results/family/generator/training.npz"
    assert wfc.design_inputs(config, "scored", "anneal")["data"] == "results/scored/data.npz"  # no holdout


def test_a_design_waits_for_the_predictors_it_avoids_and_never_avoids_its_own(monkeypatch, tmp_path):
    """An avoided predictor is an input of the design job (trained first, and a retrained one designs again); a
    data set whose design would avoid its own predictor (design blocks apply to every data set) is refused."""
    monkeypatch.chdir(tmp_path)
    config = make_config({"sox14": dataset(), "cebpb": dataset()}, design={
        "methods": ["fast-seqprop"], "fast-seqprop": {"avoid": "results/cebpb/predictor"},
        "anneal": {"avoid": ["results/cebpb/predictor/", "elsewhere/b/model.pt"]}})
    inputs = wfc.design_inputs(config, "sox14", "fast-seqprop")
    assert inputs["avoid1"] == "results/cebpb/predictor/model.pt" and inputs["predictor"].startswith("results/sox14")
    assert [v for k, v in wfc.design_inputs(config, "sox14", "anneal").items() if k.startswith("avoid")] == [
        "results/cebpb/predictor/model.pt", "elsewhere/b/model.pt"]
    wfc.check_avoid(config, "sox14", dataset())
    assert refusal(wfc.check_avoid, config, "cebpb", dataset()) == (
        "data set 'cebpb': design.fast-seqprop.avoid is its own predictor (results/cebpb/predictor), so its designs "
        "would raise and lower the same score: run the data set it avoids in a config of its own")
    assert "design.anneal.avoid is its own" in refusal(wfc.check_datasets, {**config, "design": {
        **config["design"], "methods": ["anneal"]}})


def test_a_data_set_avoids_the_predictors_of_other_data_sets_it_names():
    """Bind A, not B with A and B in one config: A's ``avoid: [B]`` gives every design of A the --avoid of B's
    predictor (an input, so trained first), after the method's own; B designs as usual. Names that are A itself,
    not a data set, without a label or of another alphabet are refused at start."""
    config = make_config({"egr2": dataset(avoid="foxo1"), "foxo1": dataset(), "klf": dataset(avoid=["egr2", "foxo1"])},
                         design={"methods": ["anneal"], "n": 64, "steps": 200,
                                 "anneal": {"avoid": "elsewhere/m", "avoid_below": 2.0}})
    inputs = wfc.design_inputs(config, "egr2", "anneal")
    assert [v for k, v in inputs.items() if k.startswith("avoid")] == ["elsewhere/m/model.pt",
                                                                       "results/foxo1/predictor/model.pt"]
    assert "--avoid elsewhere/m --avoid results/foxo1/predictor --avoid-below 2.0" in wfc.design_options(
        config, "egr2", "anneal")
    assert wfc.avoided_folders(config, "foxo1", "anneal") == ["elsewhere/m"]
    assert wfc.avoided_folders(config, "klf", "anneal")[1:] == ["results/egr2/predictor", "results/foxo1/predictor"]
    assert set(json.loads(wfc.trained_settings(config, "egr2", inputs))) == {"predictor", "predictor of foxo1"}
    wfc.check_datasets(config)
    datasets = config["datasets"]
    for bad, message in (
            ({"egr2": dataset(avoid="egr2")},
             "data set 'egr2': avoid names the data set itself; its designs would raise and lower the same score"),
            ({"egr2": dataset(avoid="foxo"), "foxo1": dataset()},
             "data set 'egr2': avoid names 'foxo', which is not a data set of this config (one of: egr2, foxo1)"),
            ({"egr2": dataset(avoid="seqs"), "seqs": dataset(input="s.fa")},
             "data set 'egr2': avoid names 'seqs', which has no label, so no predictor"),
            ({"egr2": dataset(avoid="rna"), "rna": dataset(input="r.csv", alphabet="rna", label="y")},
             "data set 'egr2': avoid names 'rna', whose predictor reads rna, not dna")):
        assert refusal(wfc.check_avoided_datasets, make_config(bad), "egr2", bad["egr2"]) == message
    assert datasets["egr2"]["avoid"] == "foxo1"  # the checks change nothing


@pytest.mark.parametrize("avoid, design", [(["foxo1", "foxo1"], {}),
                                           ("foxo1", {"anneal": {"avoid": "results/foxo1/predictor/"}})])
def test_a_predictor_avoided_twice_is_refused(monkeypatch, tmp_path, avoid, design):
    """One predictor given twice to a design (twice in a data set's avoid, or there and in the method's avoid)
    would be two --avoid objectives of the same score, its weight counted twice: refused at start."""
    monkeypatch.chdir(tmp_path)
    config = make_config({"egr2": dataset(avoid=avoid), "foxo1": dataset()},
                         design={"methods": ["anneal"], "n": 64, "steps": 200, **design})
    assert refusal(wfc.check_avoid, config, "egr2", config["datasets"]["egr2"]) == (
        "data set 'egr2': design.anneal would avoid the predictor results/foxo1/predictor/model.pt twice (named "
        "twice in its avoid and design.anneal.avoid), which counts its weight twice: name it once")
    once = make_config({"egr2": dataset(avoid="foxo1"), "foxo1": dataset()})
    wfc.check_avoid(once, "egr2", once["datasets"]["egr2"])  # named once: accepted


def test_design_options_of_a_labelled_dna_data_set():
    config = make_config({"tiny": dataset(linker="GG CC")}, design={
        "methods": ["anneal"], "anneal": {"target": 0, "max_edits": 0, "guided": True, "combine": False}})
    assert wfc.design_options(config, "tiny", "anneal") == (
        "--guided --linker 'GG CC' --max-edits 0 --max-homopolymer auto --predictor results/tiny/predictor "
        "--target 0")
    config["design"]["anneal"]["max_homopolymer"] = 0  # the config's own, 0 included, wins over the default
    assert "--max-homopolymer 0 " in wfc.design_options(config, "tiny", "anneal")
    config["datasets"]["tiny"]["design"] = {"gc_min": "auto", "gc_max": 0.6}  # a data set's own GC window
    assert "--gc-max 0.6 --gc-min auto " in wfc.design_options(config, "tiny", "anneal")
    config["datasets"]["tiny"]["design"] = {"gc_min": 0.6, "gc_max": "auto"}  # checked once auto is resolved
    wfc.check_design_block("tiny", wfc.design_block(config, config["datasets"]["tiny"], "anneal"), pairs=False)


def test_design_options_of_a_protein_alignment_without_a_label():
    config = make_config({"family": dataset(input="f.a2m", format="a2m", alphabet="protein-gap")},
                         generators=["vae"], design={"methods": ["latent"], "latent": {"diversity": 10}})
    assert wfc.design_options(config, "family", "latent") == (
        "--diversity 10 --generator results/family/generator/vae --naturalness 1.0")  # no --max-homopolymer


def test_motif_options_of_a_labelled_dna_data_set_and_of_its_designs():
    config = make_config({"tiny": dataset(jaspar_tax_group="all")}, seed=3, device="cpu")
    assert wfc.motif_options(config, "tiny") == (  # the predictor's mutagenesis on the config's device
        "--alphabet dna --device cpu --jaspar-release JASPAR2024 --jaspar-tax-group '' --n-motifs 3 "
        "--predictor results/tiny/predictor --seed 3 --site-p 0.0001 --top 400")
    assert wfc.motif_options(config, "tiny", search_data=False) == (
        "--alphabet dna --jaspar-release JASPAR2024 --jaspar-tax-group '' --n-motifs 3 --prefix design --seed 3 "
        "--site-p 0.0001")
    config["datasets"]["tiny"].pop("jaspar_tax_group")
    assert "--jaspar-tax-group vertebrates " in wfc.motif_options(config, "tiny")
    assert wfc.motif_predictor_inputs(config, "tiny") == {"predictor": "results/tiny/predictor/model.pt"}
    config["motifs"]["predictor"] = False  # the search alone: no in-silico mutagenesis, the model not an input
    assert "--predictor" not in wfc.motif_options(config, "tiny") and "--top 400" in wfc.motif_options(config, "tiny")
    assert wfc.motif_predictor_inputs(config, "tiny") == {}


def test_motif_options_of_data_sets_without_a_label():
    """Without motifs.max_sequences, a protein family searches 2,000 of its sequences, DNA 20,000 (a random 2,000
    FOXA1 peaks lose HNF4); a value set holds for both."""
    config = make_config({"family": dataset(input="f.a2m", format="a2m", alphabet="protein"),
                          "peaks": dataset(input="p.fa")})
    assert wfc.motif_options(config, "family") == (
        "--alphabet protein --max-sequences 2000 --n-motifs 3 --seed 0 --site-p 0.0001")
    assert "--max-sequences 20000 " in wfc.motif_options(config, "peaks")
    config["motifs"]["max_sequences"] = 500
    assert all("--max-sequences 500 " in wfc.motif_options(config, name) for name in ("family", "peaks"))


def test_a_data_set_s_config_yaml_holds_only_the_blocks_it_uses():
    config = make_config({"tiny": dataset(), "family": dataset(input="f.a2m", format="a2m", mutants="m.txt")},
                         generators=["vae"])
    tiny = yaml.safe_load(wfc.dataset_config_yaml(config, "tiny"))
    assert list(tiny["datasets"]) == ["tiny"] and "predictor" in tiny
    assert "gan" not in tiny and "mutations" not in tiny
    family = yaml.safe_load(wfc.dataset_config_yaml(config, "family"))
    assert family["datasets"] == {"family": config["datasets"]["family"]}
    assert "predictor" not in family and family["mutations"] == {"samples": 500}
    assert tiny["evaluate"] == {"holdout": 0.1} and "evaluate" not in family  # a family with mutants holds out 0
    assert wfc.generator_holdout(family, "family") == wfc.generator_holdout(config, "family") == 0
    config.update(gpu=True, gpu_partition="gpu")  # where the jobs run: the report (which reads the file) stays
    assert yaml.safe_load(wfc.dataset_config_yaml(config, "tiny")) == tiny and "gpu" not in tiny


def test_a_data_set_s_config_yaml_runs_on_its_own_with_the_data_sets_it_avoids():
    """``snakemake --configfile results/A/config.yaml`` reruns A alone: where A's designs avoid B's predictor (and
    B's avoid C's), the file names B and C, so that its checks pass and A's design jobs stay the same."""
    config = make_config({"egr2": dataset(avoid="foxo1"), "foxo1": dataset(avoid=["klf"]), "klf": dataset(),
                          "other": dataset(), "seqs": dataset(input="s.fa", avoid="egr2")}, generators=["vae"])
    for name, kept in (("egr2", ["egr2", "foxo1", "klf"]), ("seqs", ["egr2", "foxo1", "klf", "seqs"]),
                       ("other", ["other"])):
        own = yaml.safe_load(wfc.dataset_config_yaml(config, name))
        assert sorted(own["datasets"]) == kept
        for each, ds in own["datasets"].items():
            wfc.check_avoided_datasets(own, each, ds)
        assert own["predictor"] == config["predictor"]  # the avoided predictors' settings, for seqs too
        assert wfc.design_options(own, name, "anneal") == wfc.design_options(config, name, "anneal")
        inputs = wfc.design_inputs(own, name, "anneal")
        assert inputs == wfc.design_inputs(config, name, "anneal")
        assert wfc.trained_settings(own, name, inputs) == wfc.trained_settings(config, name, inputs)


# The checks at start: each refusal names the data set or key; a good config passes


def test_a_good_config_passes_every_check(tmp_path):
    (tmp_path / "peaks.csv").write_text("id,sequence,bound\na,ACGTACGT,1\n")
    config = make_config({"tiny": dataset(), "peaks": dataset(input=str(tmp_path / "peaks.csv"), label="bound",
                                                              label_columns=["bound"])})
    (tmp_path / "config.yaml").write_text("seed: 1\nvae: {steps: 2}\n")
    assert wfc.check_config(config, [tmp_path / "config.yaml"]) is None


def test_a_data_set_is_simulated_or_read_from_a_file():
    both = {**dataset(), "input": "x.fa"}
    neither = {k: v for k, v in dataset().items() if k != "simulate"}
    for ds in (both, neither):
        assert refusal(wfc.check_source, "tiny", ds) == (
            "data set 'tiny': give either simulate (a demo from a JASPAR motif) or input (a file)")
    wfc.check_source("tiny", dataset())


def test_design_needs_an_objective_and_the_vae_where_it_uses_one():
    unlabelled = dataset(input="f.fa", naturalness=0)
    assert refusal(wfc.check_objectives, make_config(), "f", unlabelled) == (
        "data set 'f' has no label: design needs naturalness > 0 (the VAE's likelihood)")
    mutants = dataset(input="f.a2m", format="a2m", mutants="m.txt")
    assert refusal(wfc.check_objectives, make_config(generators=["gan"]), "f", mutants) == (
        "data set 'f' scores mutants with the family VAE: add vae to generators")
    assert refusal(wfc.check_objectives, make_config(generators=["gan"]), "f", dataset(input="f.fa")) == (
        "data set 'f' designs with the VAE's likelihood (naturalness): add vae to generators")
    wfc.check_objectives(make_config(generators=["gan"]), "tiny", dataset())  # labelled: no VAE needed
    wfc.check_objectives(make_config(), "f", dataset(input="f.fa"))


def test_a_label_must_be_among_the_columns_encoding_reads():
    assert refusal(wfc.check_labels, "tiny", dataset(label="intensity")) == (
        "data set 'tiny' is simulated: its label is signal, not 'intensity'")
    csv = dataset(input="peaks.csv", label="other", label_columns=["bound"])
    assert refusal(wfc.check_labels, "p", csv) == (
        "data set 'p': its label 'other' is not among the columns it reads (bound): add it to label_columns")
    pbm = dataset(input="p.txt", format="dream5", label="intensity")
    assert refusal(wfc.check_labels, "p", pbm) == (
        "data set 'p': its label 'intensity' is not among the columns it reads (signal, background)")
    wfc.check_labels("p", dataset(input="p.txt", format="uniprobe", label="intensity"))
    wfc.check_labels("p", dataset(input="peaks.csv", label="bound"))


def test_seqgen_must_be_on_path_unless_jobs_deploy_their_own_environment():
    """.venv/bin/snakemake without the environment activated: refused at start in one line, not 127 in every job's
    log."""
    assert "the command seqgen, which every job runs, is not on PATH" in refusal(wfc.check_command, False,
                                                                                  lambda name: None)
    wfc.check_command(False, lambda name: f"/env/bin/{name}")
    wfc.check_command(True, lambda name: None)  # conda / apptainer: the rules' environment has it


def test_mutants_need_an_alignment():
    assert refusal(wfc.check_mutants_format, "f", dataset(input="f.fa", mutants="m.txt")) == (
        "data set 'f' scores mutants: that needs an alignment (format: a2m), the family VAE's input")
    wfc.check_mutants_format("f", dataset(input="f.a2m", format="a2m", mutants="m.txt"))


def test_mutants_of_an_alignment_whose_format_comes_from_its_extension():
    """config/README.md: format defaults to the extension's; an .a2m (or .afa, gzip or not) input without a
    format key is an alignment, as encode reads it."""
    for name in ("f.a2m", "f.afa", "f.a2m.gz"):
        wfc.check_mutants_format("f", dataset(input=name, mutants="m.txt"))
    assert refusal(wfc.check_mutants_format, "f", dataset(input="f.fasta", mutants="m.txt")) == (
        "data set 'f' scores mutants: that needs an alignment (format: a2m), the family VAE's input")


def test_a_seed_in_a_model_block_is_refused():
    message = "data set 'tiny': 'seed' in a {} block is not used; the workflow's seed is the top-level key seed"
    assert refusal(wfc.check_seeds, make_config(vae={"seed": 5}), "tiny", dataset()) == message.format("vae")
    assert refusal(wfc.check_seeds, make_config(), "tiny", dataset(gan={"seed": 1})) == message.format("gan")
    assert refusal(wfc.check_seeds, make_config(predictor={"seed": 1}), "tiny", dataset()) == \
        message.format("predictor")
    wfc.check_seeds(make_config(vae={"steps": 5}), "tiny", dataset())


def test_model_settings_are_checked_at_start_even_for_a_model_not_trained():
    config = make_config(predictor={"stepz": 80})
    assert refusal(wfc.check_model_settings, config, "tiny", dataset()).startswith(
        "data set 'tiny': config predictor: unknown setting 'stepz' for predictor; known: ")
    unused = make_config(generators=["vae"], gan={"stepz": 10})
    assert refusal(wfc.check_model_settings, unused, "tiny", dataset()).startswith(
        "data set 'tiny': config gan: unknown setting 'stepz' for gan")
    assert refusal(wfc.check_model_settings, make_config(), "tiny", dataset(predictor={"lr": -0.1})) == (
        "data set 'tiny': config predictor: setting 'lr' must be positive, not -0.1")
    assert refusal(wfc.check_model_settings, make_config(vae={"kernel_size": 4}), "tiny", dataset()) == (
        "data set 'tiny': config vae: setting 'kernel_size' must be a positive odd number, not 4")
    wfc.check_model_settings(make_config(vae={"steps": 60}, predictor={"members": 2}), "tiny", dataset())


def test_an_input_format_that_cannot_be_told_or_cannot_hold_the_labels():
    assert refusal(wfc.check_input_format, "tiny", dataset(input="probes.txt")) == (
        "data set 'tiny': probes.txt: cannot tell the format from the extension; pass format: in the data set's "
        "config (fasta|fastq|csv|tsv|dream5|uniprobe|a2m|bed)")
    assert refusal(wfc.check_input_format, "tiny", dataset(input="p.fa", label="signal")) == (
        "data set 'tiny': p.fa: a fasta file has no label columns to read signal from; give the labels as columns "
        "of a CSV/TSV table")
    wfc.check_input_format("tiny", dataset(input="probes.txt", format="dream5", label="signal"))
    wfc.check_input_format("tiny", dataset(input="p.csv", label="signal"))
    wfc.check_input_format("tiny", dataset())  # simulated: no file


def test_a_bed_input_needs_its_genome_and_only_a_bed_input_takes_one(tmp_path):
    assert refusal(wfc.check_input_format, "p", dataset(input="peaks.narrowPeak", label="signalValue")) == (
        "data set 'p': its input peaks.narrowPeak is a BED file of genome intervals: give the genome FASTA they "
        "are in (genome: in the data set's config)")
    assert refusal(wfc.check_input_format, "p", dataset(input="p.fa", genome="hg38.fa", width=200)) == (
        "data set 'p': genome and width read the intervals of a BED input, and its input p.fa is read as fasta")
    assert refusal(wfc.check_input_format, "p", dataset(input="p.bed", genome="g.fa", label="signal")) == (
        "data set 'p': p.bed: a BED file's label columns are score, signalValue, pValue, qValue (signalValue, "
        "pValue and qValue of narrowPeak and broadPeak), not 'signal'")
    ds = dataset(input=str(tmp_path / "p.bed"), genome=str(tmp_path / "g.fa"), width=200, label="signalValue")
    wfc.check_input_format("p", ds)
    (tmp_path / "p.bed").write_text("chr1\t0\t10\n")
    assert refusal(wfc.check_input_files, "p", ds) == f"data set 'p': its genome file {tmp_path / 'g.fa'} does not exist"
    config = make_config({"p": ds})
    assert wfc.genome_input(config, "p") == [ds["genome"]] and wfc.genome_input(make_config(), "tiny") == []
    assert f"--genome {ds['genome']} " in wfc.encode_options(ds) and wfc.encode_options(ds).endswith("--width 200")


def test_negatives_label_bound_and_the_generators_learn_the_positives_alone():
    flanks = dataset(input="p.narrowPeak", genome="g.fa", width=200, negatives="flanks", flank_distance=2000)
    assert wfc.read_labels(flanks) == ["bound"] and wfc.requested_labels(flanks) == [] and wfc.labelled(flanks)
    assert wfc.positives_label(flanks) == "bound" and wfc.positives_label(dataset()) is None
    options = wfc.encode_options(flanks, seed=5)
    assert "--negatives flanks " in options and "--flank-distance 2000 " in options and "--seed" not in options
    assert "--label-column" not in options
    shuffle = dataset(input="peaks.fa", negatives="shuffle")
    assert "--negatives shuffle --seed 5" in wfc.encode_options(shuffle, seed=5)
    gc_matched = dataset(input="p.narrowPeak", genome="g.fa", width=200, negatives="gc-matched")
    assert "--negatives gc-matched --seed 5" in wfc.encode_options(gc_matched, seed=5)
    assert "--negatives-per-positive" not in wfc.encode_options(gc_matched, seed=5)
    assert "--negatives gc-matched --negatives-per-positive 4 --seed 5" in wfc.encode_options(
        {**gc_matched, "negatives_per_positive": 4}, seed=5)
    wfc.check_input_format("p", gc_matched)
    config = make_config({"p": flanks, "s": shuffle, "tiny": dataset(), "t": dataset(input="c.tsv", label="Bound",
                                                                                    positives="Bound")})
    assert [wfc.split_options(config, n) for n in ("p", "tiny", "t")] == [
        "--holdout 0.1 --positives bound --seed 0", "--holdout 0.1 --seed 0", "--holdout 0.1 --positives Bound --seed 0"]
    for name in ("p", "s", "tiny", "t"):
        wfc.check_negatives(config, name, config["datasets"][name])
    wfc.check_input_format("p", flanks)
    wfc.check_labels("p", {**flanks, "label": "bound"})


def test_holdout_chromosomes_split_the_generators_data_and_validate_the_predictor():
    peaks = dataset(input="p.narrowPeak", genome="g.fa", width=200, negatives="gc-matched",
                    holdout_chromosomes=["chr8", 9])
    config = make_config({"p": peaks, "q": {**peaks, "predictor": {"val_chromosomes": ["chr1"]}},
                          "r": dataset(input="p.narrowPeak", genome="g.fa", holdout=0)})
    assert wfc.split_options(config, "p") == "--chromosomes chr8 --chromosomes 9 --positives bound"
    assert wfc.holds_out(config, "p") and wfc.holds_out(config, "q") and not wfc.holds_out(config, "r")
    assert wfc.generator_data(config, "p") == "results/p/generator/training.npz"
    assert wfc.evaluation_inputs(config, "p")["reference"] == "results/p/generator/heldout.npz"
    assert json.loads(shlex.split(wfc.predictor_settings(config, "p"))[0])["val_chromosomes"] == ["chr8", "9"]
    assert json.loads(shlex.split(wfc.predictor_settings(config, "q"))[0])["val_chromosomes"] == ["chr1"]  # its own wins
    assert "val_chromosomes" not in json.loads(shlex.split(wfc.predictor_settings(config, "r"))[0])
    no_share = {**config, "evaluate": {"holdout": 0}}  # no random share, and yet a held-out part
    assert wfc.holds_out(no_share, "p") and wfc.generator_data(no_share, "p") == "results/p/generator/training.npz"
    wfc.check_negatives(no_share, "p", peaks)
    wfc.check_input_format("p", peaks)
    assert refusal(wfc.check_input_format, "x", dataset(input="p.fa", holdout_chromosomes=["chr1"])) == (
        "data set 'x': holdout_chromosomes holds out the chromosomes of a BED input's intervals, and its input p.fa "
        "is read as fasta (holdout: a random share of any input)")
    assert refusal(wfc.check_input_format, "x", {**peaks, "holdout": 0.2}) == (
        "data set 'x': holdout_chromosomes holds out whole chromosomes instead of a random share: give it or "
        "holdout, not both")


def test_negatives_and_positives_that_cannot_work_are_refused():
    config = make_config()
    refusals = [
        (dataset(negatives="shuffle"), "data set 'x' is simulated: its label is signal, and negatives are for a file "
                                       "of bound sequences without one"),
        (dataset(input="c.tsv", label_columns=["signal"], negatives="shuffle"),
         "data set 'x': negatives are labelled bound 0 and have no value of its label_columns: negatives or labels, "
         "not both"),
        (dataset(input="p.fa", negatives="shuffle", flank_distance=100),
         "data set 'x': flank_distance places the flanks of negatives: flanks, and it has negatives: shuffle"),
        (dataset(input="p.bed", genome="g.fa", negatives="flanks", negatives_per_positive=2),
         "data set 'x': negatives_per_positive is for negatives: shuffle or gc-matched, and it has negatives: flanks "
         "(two an interval)"),
        (dataset(input="p.fa", negatives_per_positive=2),
         "data set 'x': negatives_per_positive is for negatives: shuffle or gc-matched, and it has no negatives"),
        (dataset(input="c.tsv", label="signal", positives="Bound"),
         "data set 'x': positives names a 0/1 label, and 'Bound' is not among the columns it reads (signal)"),
        (dataset(input="p.fa", negatives="shuffle", holdout=0),
         "data set 'x': its generators learn the positives of bound alone, split from the rest with a held-out "
         "part: a holdout above 0 (the data set's holdout, or evaluate.holdout), or holdout_chromosomes"),
    ]
    for ds, message in refusals:
        assert refusal(wfc.check_negatives, {**config, "datasets": {"x": ds}}, "x", ds) == message
    for kind in ("flanks", "gc-matched"):
        assert refusal(wfc.check_input_format, "x", dataset(input="p.fa", negatives=kind)) == (
            f"data set 'x': negatives: {kind} are cut out of a BED input's genome, and its input p.fa is read as "
            f"fasta (negatives: shuffle makes negatives of any input)")
    assert refusal(wfc.check_input_format, "x", dataset(input="p.txt", format="dream5", negatives="shuffle")) == (
        "data set 'x': its input p.txt is a PBM table, labelled by its format: negatives are for a file of bound "
        "sequences without labels")
    assert refusal(wfc.check_labels, "x", dataset(input="p.fa", negatives="shuffle", label="signal")) == (
        "data set 'x': its label 'signal' is not among the columns it reads (bound)")


def test_input_and_mutants_files_must_exist_and_mutants_need_their_column(tmp_path, monkeypatch):
    fasta, mutants = tmp_path / "f.a2m", tmp_path / "m.txt"
    ds = dataset(input=str(fasta), format="a2m", mutants=str(mutants))
    assert refusal(wfc.check_input_files, "f", ds) == f"data set 'f': its input file {fasta} does not exist"
    fasta.write_text(">a\nACGT\n")
    assert refusal(wfc.check_input_files, "f", ds) == f"data set 'f': its mutants file {mutants} does not exist"
    mutants.write_text("variant,score\nA1C,0.5\n")
    assert refusal(wfc.check_input_files, "f", ds).startswith(
        f"data set 'f': {mutants}: a table of mutants needs a 'mutant' column; it has variant, score")
    mutants.write_text("mutant,score\nA1C,0.5\n")
    monkeypatch.chdir(tmp_path)  # a relative path: the message says where it was looked for
    assert refusal(wfc.check_input_files, "f", dataset(input="gone.fa")) == (
        f"data set 'f': its input file gone.fa does not exist (a relative path is read from the workflow's folder, "
        f"not the config file's: {tmp_path / 'gone.fa'})")
    wfc.check_input_files("f", ds)
    wfc.check_input_files("f", {**ds, "mutants_measured": ["score"]})
    assert refusal(wfc.check_input_files, "f", {**ds, "mutants_measured": [2500]}) == (
        f"data set 'f': {mutants}: no column '2500' of measured values: the file has columns mutant, score")
    assert refusal(wfc.check_input_files, "f", dataset(input=str(fasta), mutants_measured=["score"])) == (
        "data set 'f': mutants_measured names columns of a mutants file, and it has none")


def test_mutants_the_alignment_cannot_score_are_refused_before_the_vae_trains(tmp_path):
    """score-mutants refuses a mutant of a residue the focus sequence does not have (another protein's scan) and
    a file of which no mutant is at a match column; the checks at start say so before the family VAE trains."""
    alignment, mutants = tmp_path / "f.a2m", tmp_path / "m.txt"
    alignment.write_text(">BLAT/24-31\nhpETLVKV\n>other\n--KTLVRV\n")  # H24 and P25: insert columns
    ds = dataset(input=str(alignment), format="a2m", mutants=str(mutants))
    for names, message in (("H24A\nP25G\n", "none of the 2 mutants can be scored (a residue outside the "
                                            "alignment's match columns: H24A)"),
                           ("H24A\nE26*\nP25G\n", "none of the 3 mutants can be scored (a residue outside the "
                                                   "alignment's match columns: H24A; a stop codon: E26*)"),
                           ("E26A\nP311A\n", "mutant 'P311A': residue 311 is not in the focus sequence (residues "
                                             "24-31)"),
                           ("T27A\nL28G:V29W\nE27K\n", "mutant 'E27K': residue 27 is T, not E")):
        mutants.write_text(names)
        assert refusal(wfc.check_mutants_scorable, "f", ds) == f"data set 'f': {mutants}: {message}"
    mutants.write_text("H24A\nE26K\nT27A:V29W\n")  # one at an insert column is left unscored, as score-mutants does
    wfc.check_mutants_scorable("f", ds)


def test_a_simulated_motif_must_be_in_the_shipped_jaspar():
    unknown = dataset(simulate={**SIMULATE, "motif": "MA9999.1"})
    assert refusal(wfc.check_simulated_motif, "tiny", unknown) == (
        "data set 'tiny': no JASPAR motif 'MA9999.1' in JASPAR2024")
    wfc.check_simulated_motif("tiny", dataset())


def test_package_errors_names_the_data_set_and_skips_a_missing_dependency():
    with pytest.raises(SeqgenError, match="^data set 'x': f.fa: bad$"):
        with wfc.package_errors("x"):
            raise SeqgenError("bad", "f.fa")
    with wfc.package_errors("x"):
        raise ImportError("no torch here")  # outside the rules' environment: the jobs check the same


def test_a_design_pattern_or_start_must_be_as_long_as_the_sequences():
    config = make_config(design={"methods": ["anneal", "softmax"], "anneal": {"fixed": "ACGT"},
                                 "softmax": {"start": "ACGTA", "max_edits": 2}})
    assert refusal(wfc.check_design_lengths, config, "tiny", dataset()) == (
        "data set 'tiny': design.anneal.fixed has length 4, but its sequences have length 30")
    config["design"]["anneal"]["fixed"] = "N" * 30
    assert refusal(wfc.check_design_lengths, config, "tiny", dataset()) == (
        "data set 'tiny': design.softmax.start has length 5, but its sequences have length 30")
    config["design"]["methods"] = ["anneal"]  # softmax's block is not used
    wfc.check_design_lengths(config, "tiny", dataset())
    trimmed = dataset(input="p.csv", lengths="trim", length=5)
    config["design"]["methods"] = ["softmax"]
    wfc.check_design_lengths(config, "p", trimmed)
    assert refusal(wfc.check_design_lengths, config, "p", dataset(input="p.csv", lengths="trim", length=6)) == (
        "data set 'p': design.softmax.start has length 5, but its sequences have length 6")
    wfc.check_design_lengths(config, "p", dataset(input="p.csv"))  # length unknown: the design job checks


def test_a_linker_no_design_could_use_is_refused_at_start():
    """A linker of letters outside the alphabet, or holding a k-mer a method forbids (either strand) or a run over
    its max_homopolymer, is refused before any job, naming the data set and the method (not after training)."""
    pbm = "GTCTGTGTTCCGTTGTCCGTGCTG"  # the universal PBM primer
    config = make_config(design={"methods": ["fast-seqprop"], "n": 64, "steps": 200,
                                 "fast-seqprop": {"forbid": ["GAATTC", "CGGAAC"]}, "anneal": {"max_homopolymer": 1}})
    assert refusal(wfc.check_design_constraints, config, "egr2", dataset(linker=pbm)).startswith(
        "data set 'egr2': design.fast-seqprop: the linker itself holds a forbidden k-mer")
    config["design"]["methods"] = ["anneal"]
    assert "design.anneal: the linker itself holds a run longer than 1" in refusal(
        wfc.check_design_constraints, config, "egr2", dataset(linker=pbm))
    assert refusal(wfc.check_design_constraints, config, "egr2", dataset(linker="GTCTGXTG")) == (
        "data set 'egr2': linker 'GTCTGXTG': 'X' at position 6 is not a letter of the dna alphabet")
    config["design"]["anneal"] = {"max_homopolymer": "auto", "forbid": ["GGATCC", "TGCTGGTCTGTGTTCCGTTGTCCGTGCTGA"]}
    wfc.check_design_constraints(config, "egr2", dataset(linker=pbm.lower()))  # auto, and a k-mer longer than the linker
    wfc.check_design_constraints(config, "egr2", dataset())  # no linker


def test_fixed_letters_no_design_could_use_are_refused_at_start():
    """Where the data set's length is known, a method's fixed letters holding a k-mer it forbids (with the linker
    after them too), or a GC window they rule out, are refused before any job; a single forbidden k-mer given as a
    string is that k-mer, not its letters."""
    config = make_config(design={"methods": ["anneal"], "n": 64, "steps": 200,
                                 "anneal": {"fixed": "GAATTC" + "." * 24, "forbid": "GAATTC"}})
    assert refusal(wfc.check_design_constraints, config, "tiny", dataset()) == (
        "data set 'tiny': design.anneal: the fixed letters hold a forbidden k-mer (GAATTC at position 1), so every "
        "design would break the constraint: change --fixed or the constraint")
    config["design"]["anneal"] = {"fixed": "." * 28 + "GA", "forbid": ["GAATTC"]}
    assert "the fixed letters and the linker hold a forbidden k-mer (GAATTC at position 29)" in refusal(
        wfc.check_design_constraints, config, "tiny", dataset(linker="ATTCGG"))
    config["design"]["anneal"] = {"fixed": "C" * 20 + "." * 10, "gc_max": 0.5}
    assert "GC window 0-0.5 cannot be met" in refusal(wfc.check_design_constraints, config, "tiny", dataset())
    config["design"]["anneal"] = {"forbid": "GAATTC"}
    wfc.check_design_constraints(config, "tiny", dataset(linker="GTCTGTGTTCCG"))  # was refused: 'G' forbidden
    wfc.check_design_constraints(config, "p", dataset(input="p.csv"))  # no linker, length unknown


def test_trained_settings_follow_every_predictor_a_rule_reads():
    """A design's params carry the settings of its own predictor and of another data set's that it ``avoid``s, so
    a retraining of either stopped after a settings change reruns the design; files of no model add nothing."""
    config = make_config({"a": dataset(), "b": dataset()}, design={"methods": ["anneal"], "n": 64, "steps": 200,
                                                                   "anneal": {"avoid": ["results/b/predictor"]}})
    inputs = wfc.design_inputs(config, "a", "anneal")
    before = json.loads(wfc.trained_settings(config, "a", inputs))
    assert set(before) == {"predictor", "predictor of b"}
    config["datasets"]["b"]["label"] = "background"  # b's predictor learns another label: a's design reruns
    after = json.loads(wfc.trained_settings(config, "a", inputs))
    assert after["predictor of b"] != before["predictor of b"] and after["predictor"] == before["predictor"]
    assert wfc.trained_settings(config, "a", ["results/a/data.npz"]) == "{}"


def test_known_length():
    assert wfc.known_length(dataset()) == 30
    assert wfc.known_length(dataset(input="p.csv", lengths="pad", length=12)) == 12
    assert wfc.known_length(dataset(input="p.csv", lengths="trim")) is None  # the shortest, known only on reading
    assert wfc.known_length(dataset(input="p.csv", lengths="trim", length=5)) == 5
    assert wfc.known_length(dataset(input="p.csv", length=12)) is None  # lengths: error
    assert wfc.known_length(dataset(input="p.bed", genome="g.fa", width=200)) == 200  # intervals re-centred
    assert wfc.known_length(dataset(input="p.bed", genome="g.fa", width=200, lengths="pad", length=250)) == 250


def test_design_blocks_refuse_options_their_method_does_not_use():
    def design(**blocks):
        return make_config(design={"methods": ["anneal"], **blocks})

    assert refusal(wfc.check_design_options, design(anneal={"gc_min": 0.8, "gc_max": 0.2})) == (
        "design.anneal: gc_min 0.8 is above gc_max 0.2")
    assert refusal(wfc.check_design_options, design(softmax={"gc_min": 0.6, "gc_max": 0.5})) == (
        "design.softmax: gc_min 0.6 is above gc_max 0.5")  # blocks of methods not run are checked too
    assert refusal(wfc.check_design_options, design(anneal={"start": "ACGT"})) == (
        "design.anneal: start and max_edits go together (the edits allowed from start)")
    assert refusal(wfc.check_design_options, design(anneal={"diversity": float("nan")})) == (
        "design.anneal.diversity must be a finite number, not nan")  # YAML .nan passes the schema's minimum: 0
    assert refusal(wfc.check_design_options, design(softmax={"freeze_offset": True})) == (
        "design.softmax.freeze_offset does not apply to softmax: remove it or move it to the method that uses it")
    assert refusal(wfc.check_design_options, design(latent={"proposals": 4})) == (
        "design.latent.proposals does not apply to latent without polish: remove it or move it to the method that "
        "uses it")
    wfc.check_design_options(design(latent={"proposals": 4, "polish": 5}, anneal={"proposals": 4, "gc_min": 0.4,
                                                                                 "start": "AC", "max_edits": 1}))


def test_a_key_given_twice_in_a_config_file_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("seed: 1\nvae: {steps: 2}\nseed: 2\n")
    assert refusal(wfc.check_config_files, [path]) == f"{path}: 'seed' is given twice (lines 1 and 3); keep one"
    path.write_text("seed: 1\n")
    wfc.check_config_files([path])


def test_check_config_names_the_data_set_at_fault_and_checks_files_first(tmp_path):
    config = make_config({"good": dataset(), "bad": dataset(label="intensity")})
    assert refusal(wfc.check_config, config) == "data set 'bad' is simulated: its label is signal, not 'intensity'"
    path = tmp_path / "config.yaml"
    path.write_text("seed: 1\nseed: 2\n")
    assert refusal(wfc.check_config, config, [path]).startswith(f"{path}: 'seed' is given twice")
    config["datasets"]["bad"]["label"] = "signal"
    config["design"]["softmax"] = {"freeze_offset": True}
    assert refusal(wfc.check_config, config).startswith("design.softmax.freeze_offset does not apply")


def test_a_data_set_name_yaml_reads_as_a_number_or_boolean_is_refused():
    for name in (2024, 1.5, True):
        assert refusal(wfc.check_config, make_config({name: dataset()})) == (
            f"data set name {name!r} is read from YAML as {type(name).__name__}, not text: quote it in the config "
            "file (\"2024\": rather than 2024:)")
    assert wfc.check_config(make_config({"2024": dataset()})) is None


def test_the_report_reads_only_what_the_config_makes_now():
    config = make_config({"tiny": dataset(), "blat": dataset(input="f.a2m", alphabet="protein-gap",
                                                                mutants="m.csv")})
    assert wfc.report_options(config, "tiny") == (  # a mutations.tsv or scan/ left is not its
        "--methods fast-seqprop anneal --generators vae gan --no-mutations --no-scan")
    assert wfc.report_options(config, "blat") == (
        "--methods fast-seqprop anneal --generators vae gan --no-scan --no-predictor")  # no label: a predictor left
    # is not its


def test_mutation_options_name_each_measured_column_quoted():
    config = make_config({"f": dataset(input="f.a2m", mutants="m.csv", mutants_measured=[2500, "fit ness"])})
    assert wfc.mutation_options(config, "f") == " --measured 2500 --measured 'fit ness'"
    assert wfc.mutation_options(make_config({"g": dataset()}), "g") == ""


def test_the_report_of_a_data_set_without_a_label_leaves_out_a_predictor_left_by_an_earlier_run():
    config = make_config({"promoters": dataset(input="p.fa"), "tiny": dataset()})
    assert wfc.report_options(config, "promoters").endswith(" --no-predictor")  # its predictor/ is not this run's
    assert "--no-predictor" not in wfc.report_options(config, "tiny")


def test_a_design_steps_a_method_overrides_is_not_among_its_settings():
    """The design job named design.steps and then the method's own steps (the last one counts), so a changed
    design.steps reran a design it does not change: its command is now the same, its steps named once."""
    config = make_config()
    config["design"]["fast-seqprop"] = {"steps": 20, "polish": 180}
    before = wfc.design_steps(config, "fast-seqprop"), wfc.design_options(config, "tiny", "fast-seqprop")
    config["design"]["steps"] = 300
    assert (wfc.design_steps(config, "fast-seqprop"), wfc.design_options(config, "tiny", "fast-seqprop")) == before
    assert before[0] == 20 and "--steps" not in before[1] and "--polish 180" in before[1]
    assert wfc.design_steps(config, "anneal") == 300


def test_a_simulated_data_set_is_dna():
    """alphabet: rna on a simulated data set passed the checks, simulated DNA probes and then stopped in encode
    ("'T' is not a letter of the rna alphabet"), after the run had started."""
    assert refusal(wfc.check_source, "tiny", dataset(alphabet="rna")) == (
        "data set 'tiny' is simulated: its probes are DNA, not rna (leave out alphabet, or give an input file of rna "
        "sequences)")
    wfc.check_source("tiny", dataset(alphabet="dna"))


def test_dna_constraints_on_an_rna_data_set_of_unknown_length_are_refused_at_start():
    """forbid: [GAATTC] (the demo's kind of constraint) on an RNA input file of unknown length passed the checks and
    stopped only the design job, after training ('T' is not a letter of the rna alphabet)."""
    config = make_config(design={"methods": ["fast-seqprop"], "n": 64, "steps": 200,
                                 "fast-seqprop": {"forbid": ["GAATTC"]}})
    rna = dataset(input="rna.tsv", alphabet="rna", label="signal")
    assert refusal(wfc.check_design_constraints, config, "rbp", rna) == (
        "data set 'rbp': design.fast-seqprop: forbidden k-mer 'GAATTC': 'T' at position 4 is not a letter of the rna "
        "alphabet, nor one of its IUPAC codes")
    config["design"]["fast-seqprop"] = {"forbid": ["GAAUUC"], "fixed": "U...T"}
    assert "design.fast-seqprop: --fixed" in refusal(wfc.check_design_constraints, config, "rbp", rna)
    config["design"]["fast-seqprop"] = {"forbid": ["GAAUUC"], "fixed": "U.....A"}
    wfc.check_design_constraints(config, "rbp", rna)  # RNA letters: the design job checks the length


def test_constraints_no_design_could_meet_are_refused_at_start_for_an_input_file_of_unknown_length():
    """An input file's length is unknown before it is read, but fixed letters or a start sequence must have it: their
    length serves, so fixed letters holding a forbidden k-mer, or a GC window they rule out, stop the run at start
    rather than the design job after training; so does a GC window on protein, auto included."""
    probes = dataset(input="wt1.txt", format="uniprobe", label="intensity")
    config = make_config(design={"methods": ["anneal"], "n": 64, "steps": 200,
                                 "anneal": {"fixed": "GAATTC" + "." * 30, "forbid": ["GAATTC"]}})
    assert refusal(wfc.check_design_constraints, config, "wt1", probes).startswith(
        "data set 'wt1': design.anneal: the fixed letters hold a forbidden k-mer (GAATTC at position 1)")
    config["design"]["anneal"] = {"fixed": "GGGGGGCCCCCCGGGGGGCCCCCC" + "." * 12, "gc_max": 0.5}
    assert "GC window 0-0.5 cannot be met" in refusal(wfc.check_design_constraints, config, "wt1", probes)
    config["design"]["anneal"] = {"start": "GAATTC" + "A" * 30, "max_edits": 2, "forbid": ["GAATTC"]}
    wfc.check_design_constraints(config, "wt1", probes)  # the edits can remove it: the design job repairs
    config["design"]["anneal"] = {"fixed": "GGGGCC" + "." * 30, "gc_max": 0.5}
    wfc.check_design_constraints(config, "wt1", probes)  # 6 of 36 letters: the window can be met
    family = dataset(input="blat.a2m", format="a2m", alphabet="protein-gap")
    for window in ({"gc_min": 0.3}, {"gc_max": "auto"}):
        config["design"]["anneal"] = window
        assert refusal(wfc.check_design_constraints, config, "blat", family) == (
            "data set 'blat': design.anneal: a GC window (gc_min, gc_max) applies to DNA or RNA only, not to "
            "protein-gap")


def test_a_data_set_s_own_design_block_overrides_every_method_s():
    """A start, fixed letters or a target belong to one data set's sequences: with design.<method> blocks alone, a
    config of a protein scan and another data set could not give the scan its wild type."""
    import jsonschema

    config = make_config({"scan": dataset(input="s.csv", label="fitness", alphabet="protein", design={
                              "start": "MKV", "max_edits": 2, "target": 1.5}),
                          "tiny": dataset()},
                         design={"methods": ["anneal", "softmax"], "anneal": {"max_edits": 5, "guided": True}})
    assert wfc.design_options(config, "scan", "anneal") == (
        "--guided --max-edits 2 --predictor results/scan/predictor --start MKV --target 1.5")
    assert wfc.design_options(config, "scan", "softmax") == (
        "--max-edits 2 --predictor results/scan/predictor --start MKV --target 1.5")
    assert "--start" not in wfc.design_options(config, "tiny", "anneal")  # the other data set keeps its own
    assert refusal(wfc.check_design_options, config) == (  # ... and anneal's max_edits has no start there
        "data set 'tiny''s design.anneal: start and max_edits go together (the edits allowed from start)")
    del config["design"]["anneal"]["max_edits"]
    wfc.check_design_options(config)
    config["datasets"]["scan"]["design"] = {"start": "MKV"}
    assert refusal(wfc.check_design_options, config) == (
        "data set 'scan''s design.anneal with its own design block: start and max_edits go together (the edits "
        "allowed from start)")
    config["datasets"]["tiny"]["design"] = {"fixed": "ACGT"}
    assert refusal(wfc.check_design_lengths, config, "tiny", config["datasets"]["tiny"]) == (
        "data set 'tiny': design.fixed has length 4, but its sequences have length 30")
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    good = {"datasets": {"scan": {"input": "s.csv", "design": {"start": "MKV", "max_edits": 2, "gc_min": 0.3}}}}
    assert not list(validator.iter_errors(good))
    for bad in ({"steps": 10}, {"max_edits": 0}, {"conservative": -1}):  # a method's setting; out of range
        errors = list(validator.iter_errors({"datasets": {"scan": {"input": "s.csv", "design": bad}}}))
        assert errors, bad


def test_a_scan_is_scored_by_the_data_set_s_predictor_with_the_scan_settings():
    config = make_config({"tiny": dataset(scan="promoters.fa"), "peaks": dataset(scan="peaks.narrowPeak.gz",
                                                                               genome="my genome.fa"),
                          "protein": dataset(input="p.csv", alphabet="protein", label="y", scan="long.csv"),
                          "plain": dataset()}, scan={"stride": 3, "both_strands": True, "shuffles": 7})
    assert wfc.scan_inputs(config, "tiny") == {"scan": "results/tiny/scan/best.tsv",
                                               "scan_windows": "results/tiny/scan/windows.tsv"}
    assert wfc.scan_inputs(config, "plain") == {} and wfc.scan_genome(config, "tiny") == []
    assert wfc.scan_options(config, "tiny") == "--stride 3 --shuffles 7 --ambiguous keep --both-strands"
    assert wfc.scan_options(config, "protein") == "--stride 3 --shuffles 7 --ambiguous keep"  # one strand: no reverse complement
    assert wfc.scan_genome(config, "peaks") == ["my genome.fa"]
    assert wfc.scan_options(config, "peaks") == "--stride 3 --shuffles 7 --ambiguous keep --both-strands --genome 'my genome.fa'"
    config["datasets"]["tiny"].update(scan="chip.bed", scan_genome="hg38.fa")  # a PBM data set scanning peaks
    assert wfc.scan_genome(config, "tiny") == ["hg38.fa"] and wfc.scan_options(config, "tiny").endswith(
        "--genome hg38.fa")
    config["datasets"]["tiny"].update(scan="promoters.fa")
    del config["datasets"]["tiny"]["scan_genome"]
    assert "--no-scan" not in wfc.report_options(config, "tiny") and "--no-scan" in wfc.report_options(config, "plain")
    config["scan"]["both_strands"] = False
    assert wfc.scan_options(config, "tiny") == "--stride 3 --shuffles 7 --ambiguous keep"


def test_a_simulated_data_set_scans_sequences_simulated_from_its_motif():
    simulated = dataset(simulate={**SIMULATE, "seed": 4, "scan": dict(SIMULATED_SCAN)})
    config = make_config({"tiny": simulated, "plain": dataset(), "file": dataset(scan="promoters.fa")})
    assert wfc.scan_file(config, "tiny") == "results/tiny/scan/input.fasta"  # made by the rule simulate_scan
    assert wfc.scan_file(config, "file") == "promoters.fa" and wfc.scan_file(config, "plain") is None
    assert wfc.simulated_scan_options(config, "tiny") == (
        "--jaspar-release JASPAR2024 --length 300 --motif MA0472.2 --n 200 --planted 0.25 --seed 4")
    assert wfc.simulate_options(config, "tiny") == (  # the probes' simulation is as without a scan
        "--jaspar-release JASPAR2024 --length 30 --motif MA0472.2 --n 600 --noise 0.15 --seed 4 --threshold 8.0")
    assert wfc.scan_inputs(config, "tiny") == {"scan": "results/tiny/scan/best.tsv",
                                               "scan_windows": "results/tiny/scan/windows.tsv"}
    assert "--no-scan" not in wfc.report_options(config, "tiny") and wfc.scan_genome(config, "tiny") == []
    assert wfc.scan_options(config, "tiny") == "--stride 1 --shuffles 10 --ambiguous keep --both-strands"
    wfc.check_scan("tiny", simulated)
    assert refusal(wfc.check_scan, "tiny", {**simulated, "scan": "promoters.fa"}) == (
        "data set 'tiny' scans promoters.fa and simulates sequences to scan (simulate: scan): give one of the two")
    short = dataset(simulate={**SIMULATE, "scan": {**SIMULATED_SCAN, "length": 29}})
    assert refusal(wfc.check_scan, "tiny", short) == (
        "data set 'tiny': its simulated sequences to scan (simulate.scan.length 29) are shorter than its probes (30), "
        "the window its predictor scores")
    wfc.check_scan("tiny", dataset(simulate={**SIMULATE, "scan": {**SIMULATED_SCAN, "length": 30}}))


def test_a_scan_without_a_label_or_of_intervals_without_a_genome_is_refused(tmp_path):
    family = dataset(input="f.a2m", format="a2m", alphabet="protein-gap", scan="long.fa")
    assert refusal(wfc.check_scan, "family", family) == (
        "data set 'family' scans long.fa with its predictor, and it has no label to train one on (label, "
        "label_columns, or a PBM format)")
    assert refusal(wfc.check_scan, "peaks", dataset(scan="more.bed")) == (
        "data set 'peaks': its scan file more.bed holds genome intervals: add scan_genome, the FASTA they are cut "
        "from")
    assert refusal(wfc.check_scan, "tiny", dataset(scan="long.fa", scan_genome="g.fa")) == (
        "data set 'tiny': scan_genome is the genome of a scan file of intervals (BED, narrowPeak), and its scan is "
        "long.fa")
    wfc.check_scan("tiny", dataset(scan="promoters.fa"))
    wfc.check_scan("peaks", dataset(scan="more.bed", genome="g.fa"))
    wfc.check_scan("pbm", dataset(scan="peaks.narrowPeak", scan_genome="hg38.fa.gz"))
    assert refusal(wfc.check_input_files, "tiny", dataset(scan=str(tmp_path / "none.fa"))).startswith(
        f"data set 'tiny': its scan file {tmp_path / 'none.fa'} does not exist")


def test_a_schema_problem_is_one_line_naming_the_key_with_the_close_known_ones():
    """schema_problem: None for the demo config; else jsonschema's best match, where it is and (for an unknown key)
    the close and all known keys, in one line."""
    schema = ROOT / "workflow" / "schemas" / "config.schema.yaml"
    demo = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert wfc.schema_problem(demo, schema) is None
    typo = copy.deepcopy(demo)
    typo["datasets"]["demo"]["negative"] = "shuffle"
    problem = wfc.schema_problem(typo, schema)
    assert problem.startswith("config datasets.demo: Additional properties are not allowed ('negative' was "
                              "unexpected); did you mean negatives? (known keys: alphabet, ambiguous, avoid, ")
    assert "\n" not in problem
    typo = copy.deepcopy(demo)
    typo["design"]["n"] = "sixty-four"
    assert wfc.schema_problem(typo, schema) == "config design.n: 'sixty-four' is not of type 'integer'"
    typo = copy.deepcopy(demo)
    typo["zzz"] = 1
    assert "('zzz' was unexpected) (known keys: datasets, design, device" in wfc.schema_problem(typo, schema)
