"""The workflow's config in dry runs: errors named at start, defaults, options reaching the commands, profile, lint."""
import os
import subprocess
import sys

from workflow_helpers import ROOT, TEST_CONFIG, job_counts, make_workdir, planned_jobs, snakemake


def test_the_default_profile_is_found_next_to_the_snakefile(tmp_path):
    out = snakemake(make_workdir(tmp_path, TEST_CONFIG.read_text()), "-n", "--cores", "1")
    log = out.stdout + out.stderr
    assert "Using workflow specific profile" in log and "profiles/default" in log


def test_lint_passes():
    result = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "XDG_CACHE_HOME": "/tmp/seqgen-xdg"})
    assert result.returncode == 0 and "good condition" in result.stdout + result.stderr


def test_default_config_plans_the_whole_chain(tmp_path):
    workdir = make_workdir(tmp_path, (ROOT / "config" / "config.yaml").read_text())
    out = snakemake(workdir, "-n", "-p", "--cores", "1").stdout
    jobs = job_counts(out)
    for rule in ("simulate", "encode", "train_generator", "sample", "evaluate_generator", "train_predictor",
                 "score_samples", "design", "motifs_data", "motifs_design", "simulate_scan", "scan", "report_html"):
        assert jobs.get(rule, 0) >= 1, rule
    planned = {job["rule"]: job for job in planned_jobs(out)}  # the demo scans sequences simulated with sites
    r = "results/demo"
    assert planned["simulate_scan"]["command"] == (
        f"seqgen simulate --jaspar-release JASPAR2024 --length 300 --motif MA0472.2 --n 200 --planted 0.25 --seed 0 "
        f"--out {r}/scan/input.fasta 2> {r}/logs/simulate_scan.log")
    assert planned["scan"]["input"] == [f"{r}/predictor/model.pt", f"{r}/scan/input.fasta"]
    assert "--no-scan" not in planned["report_html"]["command"]


def test_a_configfile_replaces_the_demo_config(tmp_path):
    workdir = make_workdir(tmp_path, (ROOT / "config" / "config.yaml").read_text())
    mine = tmp_path / "mine.yaml"
    mine.write_text(TEST_CONFIG.read_text())
    out = snakemake(workdir, "-n", "--cores", "1", "--configfile", str(mine)).stdout
    assert "results/tiny/report.html" in out and "results/demo" not in out
    demo = snakemake(workdir, "-n", "--cores", "1", "--config", "seed=1").stdout  # --config alone keeps the demo
    assert "results/demo/report.html" in demo


def test_invalid_config_names_the_key(tmp_path):
    text = TEST_CONFIG.read_text().replace("n: 16", "n: sixteen")
    result = snakemake(make_workdir(tmp_path, text), "-n", "--cores", "1", check=False)
    assert result.returncode != 0
    out = result.stdout + result.stderr  # one line naming the key, not Snakemake's print of the whole schema
    assert "config design.n: 'sixteen' is not of type 'integer'" in out and "Failed validating" not in out
    assert len(out.splitlines()) < 10, out
    unknown = TEST_CONFIG.read_text() + "colour: blue\n"
    result = snakemake(make_workdir(tmp_path / "b", unknown), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "config (top level): Additional properties are not allowed ('colour' was " \
        "unexpected) (known keys: datasets, design, device," in result.stdout + result.stderr
    design = TEST_CONFIG.read_text().replace("design:\n", "design:\n  anneal: {propsals: 4}\n")
    result = snakemake(make_workdir(tmp_path / "c", design), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "config design.anneal: Additional properties are not allowed ('propsals' was " \
        "unexpected); did you mean proposals? (known keys: " in result.stdout + result.stderr  # at once
    method = TEST_CONFIG.read_text().replace("design:\n", "design:\n  fast_seqprop: {polish: 5}\n")
    result = snakemake(make_workdir(tmp_path / "d", method), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "'fast_seqprop' was unexpected" in result.stdout + result.stderr
    for i, name in enumerate(["'-n'", "'..'", "'a/b'", "''", "'{x}'"]):  # names no results folder can have
        odd = TEST_CONFIG.read_text().replace("  tiny:", f"  {name}:")
        result = snakemake(make_workdir(tmp_path / f"n{i}", odd), "-n", "--cores", "1", check=False)
        assert result.returncode != 0 and "does not match" in result.stdout + result.stderr, name
    for i, (old, new, message) in enumerate((
            ("generators: [vae, gan]", "generators: []", "should be non-empty"),
            ("  n: 16\n", "  n: 16\n  lr: -1\n", "'lr' was unexpected"))):
        bad = TEST_CONFIG.read_text().replace(old, new)
        result = snakemake(make_workdir(tmp_path / f"s{i}", bad), "-n", "--cores", "1", check=False)
        assert result.returncode != 0 and message in result.stdout + result.stderr, message


def test_each_kind_of_start_up_check_stops_the_dry_run(tmp_path):
    """One config per check of seqgen.workflow_config, through common.smk (every refusal of each check:
    tests/test_workflow_config_unit.py)."""
    simulated = "    simulate: {motif: MA0472.2, n: 600, length: 30, noise: 0.15, seed: 0}\n"
    for i, (old, new, message) in enumerate((
            ("label: signal", "label: intensity", "data set 'tiny' is simulated: its label is signal, not "
                                                  "'intensity'"),  # check_datasets' own
            ("predictor: {steps: 80,", "predictor: {stepz: 80,", "data set 'tiny': config predictor: unknown "
                                                                 "setting 'stepz' for predictor"),
            ("  n: 16\n", "  n: 16\n  softmax: {freeze_offset: true}\n", "design.softmax.freeze_offset does not "
                                                                          "apply to softmax: remove it or move it"),
            (simulated, "    input: p.fa\n", "data set 'tiny': p.fa: a fasta file has no label columns to read "
                                             "signal from"),
            ("motif: MA0472.2,", "motif: MA9999.1,", "data set 'tiny': no JASPAR motif 'MA9999.1' in JASPAR2024"),
            ("  n: 16\n", "  n: 16\n  anneal: {fixed: ACGT}\n", "data set 'tiny': design.anneal.fixed has length 4, "
                                                                "but its sequences have length 30"),
            ("vae: {steps: 60, batch_size: 64}\n", "vae: {steps: 60, batch_size: 64}\nseed: 1\nseed: 2\n",
             "config/config.yaml: 'seed' is given twice (lines 10 and 11); keep one"))):
        bad = TEST_CONFIG.read_text().replace(old, new)
        assert bad != TEST_CONFIG.read_text()
        result = snakemake(make_workdir(tmp_path / f"c{i}", bad), "-n", "--cores", "1", check=False)
        assert result.returncode != 0  # at once, not when a job runs
        assert "ValueError in file" in result.stdout and f"\n{message}" in result.stdout, message


def test_a_missing_input_file_is_refused_at_start_even_where_results_exist(tmp_path):
    workdir = tmp_path / "w"
    (workdir / "results" / "mine").mkdir(parents=True)
    (workdir / "results" / "mine" / "data.npz").write_bytes(b"made from an earlier input")
    config = "datasets:\n  mine:\n    input: gone.fa\n"
    result = snakemake(make_workdir(workdir, config), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "data set 'mine': its input file gone.fa does not exist" in result.stdout


def test_the_schema_knows_every_design_option():
    """`design.<method>` accepts exactly the options of `seqgen design` that the workflow does not set itself."""
    import argparse

    import yaml

    from seqgen.design.command import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = {a.dest for a in parser._actions if a.option_strings} - {
        "help", "predictor", "generator", "method", "data", "out", "linker", "seed", "device",
        "no_progress"}  # a job's log is no terminal: no bar is drawn there
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert set(schema["$defs"]["design_method"]["properties"]) == options


def design_schema():
    import yaml

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    return schema["properties"]["design"], schema["$defs"]["design_method"]["properties"]


def test_the_schema_declares_each_design_setting_as_seqgen_settings_does():
    """`design.<method>`'s settings have the type and range of `DESIGN_OPTIONS`, and no default: Snakemake would
    fill it into every method's block, and the workflow refuses a setting its method does not use."""
    from seqgen.settings import DESIGN_OPTIONS, NOT_NEGATIVE, POSITIVE

    design, properties = design_schema()
    for option in DESIGN_OPTIONS:
        integer = type(option.default) is int
        expected = {"type": {bool: "boolean", int: "integer", float: "number"}[type(option.default)],
                    **{None: {}, NOT_NEGATIVE: {"minimum": 0},
                       POSITIVE: {"minimum": 1} if integer else {"exclusiveMinimum": 0}}[option.bound]}
        declared = {k: v for k, v in properties[option.name].items() if k != "description"}
        assert declared == expected, option.name
    for name in ("n", "steps"):  # the workflow's own defaults of every method's n and steps
        assert design["properties"][name]["default"] == next(o.default for o in DESIGN_OPTIONS if o.name == name)


def test_the_schema_declares_the_other_design_options_as_seqgen_design_does():
    """Types and choices of the objectives' and constraints' options, against `seqgen design`'s parser."""
    import argparse

    from seqgen.design.command import add_arguments
    from seqgen.settings import DESIGN_OPTIONS

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    actions = {a.dest: a for a in parser._actions}
    _, properties = design_schema()
    for name in set(properties) - {o.name for o in DESIGN_OPTIONS}:
        action, declared = actions[name], properties[name]
        if isinstance(action, argparse._AppendAction):
            assert declared["type"] == ["string", "array"], name
        elif name == "max_homopolymer":  # a whole number or auto, as the command's own type reads it
            assert declared["anyOf"] == [{"type": "integer", "minimum": 1}, {"const": "auto"}]
            assert [action.type(v) for v in ("1", "auto")] == [1, "auto"]
        elif name in ("gc_min", "gc_max"):  # a fraction or auto, likewise
            assert declared["anyOf"] == [{"type": "number", "minimum": 0, "maximum": 1}, {"const": "auto"}]
            assert [action.type(v) for v in ("0.25", "auto")] == [0.25, "auto"]
        else:
            assert declared["type"] == {float: "number", int: "integer", None: "string"}[action.type], name
        assert declared.get("enum") == (list(action.choices) if action.choices else None), name
        assert "default" not in declared, name


def test_the_design_methods_are_seqgen_s():
    import re

    from seqgen.settings import DESIGN_METHODS

    design, _ = design_schema()
    assert design["properties"]["methods"]["items"]["enum"] == list(DESIGN_METHODS)
    assert [k for k, v in design["properties"].items() if v == {"$ref": "#/$defs/design_method"}] == \
        list(DESIGN_METHODS)
    rule = (ROOT / "workflow" / "rules" / "design.smk").read_text()
    assert re.search(r'method="([^"]+)"', rule).group(1).split("|") == list(DESIGN_METHODS)


def test_gpu_jobs_ask_for_a_gpu_on_their_partition_only_with_gpu_true(tmp_path):
    workdir = make_workdir(tmp_path, TEST_CONFIG.read_text())
    target = "results/tiny/predictor/model.pt"
    out = snakemake(workdir, "-n", "--cores", "1", target, "--config", "gpu=true", "gpu_partition=gpu").stdout
    assert "gpu=1, slurm_partition=gpu" in out  # --config gives the string 'true': read as the boolean
    assert "runtime=120" in out  # the predictor's cluster runtime: no max_time in this config
    out = snakemake(workdir, "-n", "--cores", "1", target, "--config", "gpu=false").stdout
    assert "gpu=1" not in out and "slurm_partition" not in out


def test_jobs_that_ask_for_no_gpu_are_not_told_cuda_on_a_cluster(tmp_path):
    """With gpu: true only training, design and mutant scoring ask for a GPU: the other jobs may run on a node
    without one, where --device cuda stops ('CUDA is not available'); they get auto."""
    workdir = make_workdir(tmp_path, TEST_CONFIG.read_text())
    targets = ["results/tiny/generator/vae/samples.tsv", "results/tiny/motifs/tomtom.tsv"]
    out = snakemake(workdir, "-n", "-p", "--cores", "1", *targets, "--config", "gpu=true", "device=cuda").stdout
    commands = {line.split()[3]: line for line in out.splitlines() if line.startswith("Shell command: seqgen ")}
    for command in ("sample", "predict", "motifs"):
        assert "--device auto" in commands[command], command
    assert "--device cuda" in commands["train"]  # asks for a GPU
    out = snakemake(workdir, "-n", "-p", "--cores", "1", *targets, "--config", "device=cuda").stdout
    assert "--device auto" not in out  # without gpu: true every job runs where snakemake runs


def test_a_data_set_s_own_design_block_reaches_its_design_commands(tmp_path):
    start = "ACGT" * 7 + "AC"
    text = TEST_CONFIG.read_text().replace(
        "    label: signal\n", "    label: signal\n    design: {start: %s, max_edits: 3, gc_min: 0.2}\n" % start)
    out = snakemake(make_workdir(tmp_path, text), "-n", "-p", "--cores", "1",
                    "results/tiny/design/anneal/designs.fasta", "results/tiny/design/softmax/designs.fasta")
    commands = [line for line in out.stdout.splitlines() if "seqgen design" in line]
    assert len(commands) == 2
    assert all(f"--start {start} " in c and "--max-edits 3 " in c and "--gc-min 0.2 " in c for c in commands)
    bad = text.replace("max_edits: 3", "max_edits: 3, steps: 5")  # a method's setting: not the data set's
    failed = snakemake(make_workdir(tmp_path / "bad", bad), "-n", "--cores", "1", check=False)
    assert failed.returncode != 0 and "'steps' was unexpected" in failed.stdout + failed.stderr


def test_design_options_of_value_zero_reach_the_command(tmp_path):
    text = TEST_CONFIG.read_text().replace(
        "  steps: 20\n", "  steps: 20\n  anneal: {target: 0, max_edits: 1, start: %s, guide_temperature: 0, "
        "guided: true, combine: false}\n" % ("ACGT" * 7 + "AC"))
    out = snakemake(make_workdir(tmp_path, text), "-n", "-p", "--cores", "1",
                    "results/tiny/design/anneal/designs.fasta")
    command = next(line for line in out.stdout.splitlines() if "seqgen design" in line and "anneal" in line)
    for words in ("--target 0 ", "--max-edits 1 ", "--guide-temperature 0 ", "--guided "):
        assert words in command + " ", words
    assert "--combine" not in command


def test_encode_options_from_the_config(tmp_path):
    (tmp_path / "seqs.fa").write_text(">a\nACGTACGT\n>a\nACGTAC\n")
    text = (f"datasets:\n  mine:\n    input: {tmp_path / 'seqs.fa'}\n    lengths: pad\n    length: 10\n"
            "    duplicate_ids: keep\n")
    out = snakemake(make_workdir(tmp_path / "w", text), "-n", "-p", "--cores", "1", "results/mine/data.npz").stdout
    for option in ("--lengths pad", "--length 10", "--duplicate-ids keep"):  # the options sorted by name
        assert option in out, option


def peaks_workdir(folder, genome_repeats: int, summits: range, keys: str):
    """A workflow folder with a one-chromosome genome (``g.fa``: ACGTTGCAAGGC repeated) and 60-nt narrowPeak
    intervals at ``summits`` (``p.narrowPeak``, signalValue i / 10), configured as data set ``mine`` with
    ``keys`` (YAML lines) after its input and genome."""
    folder.mkdir()
    (folder / "g.fa").write_text(">chr1\n" + "ACGTTGCAAGGC" * genome_repeats + "\n")
    (folder / "p.narrowPeak").write_text("".join(f"chr1\t{i}\t{i + 60}\tp{i}\t0\t+\t{i / 10}\t1\t1\t30\n"
                                                  for i in summits))
    return make_workdir(folder, "datasets:\n  mine:\n    input: p.narrowPeak\n    genome: g.fa\n" + keys)


def test_a_bed_data_set_is_encoded_from_its_genome(tmp_path):
    """The encode job reads the genome (an input: a new genome remakes the data) and re-centres the intervals."""
    workdir = peaks_workdir(tmp_path / "w", 40, range(20, 300, 20), "    width: 24\n    label: signalValue\n")
    jobs = planned_jobs(snakemake(workdir, "-n", "-p", "--cores", "1", "results/mine/data.npz").stdout)
    encode = next(job for job in jobs if job["rule"] == "encode")
    assert encode["input"] == ["p.narrowPeak", "g.fa"] and "--genome g.fa" in encode["command"]
    snakemake(workdir, "--cores", "1", "results/mine/data.npz")
    from seqgen.data import SequenceSet

    data = SequenceSet.load(workdir / "results" / "mine" / "data.npz")
    assert (len(data), data.length, data.label_names) == (14, 24, ["signalValue"])


def test_a_scan_of_genome_intervals_runs_after_the_predictor_and_feeds_the_report(tmp_path):
    """A PBM-like data set scanning peaks of a genome of its own (scan_genome): the scan job reads the predictor,
    the intervals and the genome, and the report reads what it writes."""
    text = TEST_CONFIG.read_text().replace("    label: signal\n", "    label: signal\n    scan: peaks.bed\n"
                                           "    scan_genome: g.fa\n") + "scan: {stride: 5, shuffles: 2}\n"
    workdir = make_workdir(tmp_path, text)
    (workdir / "peaks.bed").write_text("chr1\t10\t90\n")
    (workdir / "g.fa").write_text(">chr1\n" + "ACGT" * 30 + "\n")
    jobs = planned_jobs(snakemake(workdir, "-n", "-p", "--cores", "1").stdout)
    (scan,) = [job for job in jobs if job["rule"] == "scan"]
    r = "results/tiny"
    assert scan["input"] == [f"{r}/predictor/model.pt", "peaks.bed", "g.fa"]
    assert scan["output"] == [f"{r}/scan/best.tsv", f"{r}/scan/windows.tsv"]
    assert scan["command"] == (f"seqgen predict --model {r}/predictor/model.pt --input peaks.bed --scan --stride 5 "
                               f"--shuffles 2 --ambiguous keep --both-strands --genome g.fa --seed 0 --device cpu --no-progress --out "
                               f"{r}/scan/best.tsv --windows {r}/scan/windows.tsv 2> {r}/logs/scan.log")
    (report,) = [job for job in jobs if job["rule"] == "report_html"]
    assert {f"{r}/scan/best.tsv", f"{r}/scan/windows.tsv"} <= set(report["input"])
    assert "--no-scan" not in report["command"]


def test_a_data_set_with_negatives_trains_its_generators_on_the_positives(tmp_path):
    """encode adds the flanks (label bound), and the generators' split keeps the peaks alone."""
    workdir = peaks_workdir(tmp_path / "w", 400, range(1000, 3800, 100),
                            "    width: 24\n    negatives: flanks\n    flank_distance: 900\n")
    jobs = planned_jobs(snakemake(workdir, "-n", "-p", "--cores", "1", "results/mine/generator/training.npz").stdout)
    commands = {job["rule"]: job["command"] for job in jobs}
    assert "--negatives flanks" in commands["encode"] and "--flank-distance 900" in commands["encode"]
    assert "--positives bound" in commands["split_generator_data"]
    snakemake(workdir, "--cores", "1", "results/mine/generator/training.npz")
    from seqgen.data import SequenceSet

    data = SequenceSet.load(workdir / "results" / "mine" / "data.npz")
    training = SequenceSet.load(workdir / "results" / "mine" / "generator" / "training.npz")
    heldout = SequenceSet.load(workdir / "results" / "mine" / "generator" / "heldout.npz")
    assert data.label_names == ["bound"] and (data.label() == 0).sum() > 0
    assert len(training) + len(heldout) == (data.label() == 1).sum() == 28
    assert (training.label() == 1).all() and (heldout.label() == 1).all()


def test_the_jaspar_taxon_reaches_tomtom(tmp_path):
    text = TEST_CONFIG.read_text().replace("    label: signal\n", "    label: signal\n    jaspar_tax_group: all\n")
    out = snakemake(make_workdir(tmp_path / "a", text), "-n", "-p", "--cores", "1", "results/tiny/motifs/tomtom.tsv",
                    "results/tiny/design/anneal/motifs/tomtom.tsv")
    commands = [line for line in out.stdout.splitlines() if "seqgen motifs" in line]
    assert len(commands) == 2 and all("--jaspar-tax-group '' " in command for command in commands)  # every taxon


def test_numbers_in_scientific_notation_and_the_site_threshold_reach_the_commands(tmp_path):
    # YAML 1.1 (PyYAML, Snakemake) reads 1e-3 as a string; the schema wants a number, as YAML 1.2 reads it
    text = TEST_CONFIG.read_text().replace("motifs: {top: 100, n_motifs: 2}", "motifs: {top: 100, n_motifs: 2, "
                                           "site_p: 1e-3}").replace("  steps: 20\n", "  steps: 20\n  softmax: {lr: 5e-2}\n")
    workdir = make_workdir(tmp_path, text)
    out = snakemake(workdir, "-n", "-p", "--cores", "1", "results/tiny/motifs/tomtom.tsv",
                    "results/tiny/design/softmax/designs.fasta").stdout
    motifs = next(line for line in out.splitlines() if "seqgen motifs" in line)
    design = next(line for line in out.splitlines() if "seqgen design" in line)
    assert "--site-p 0.001 " in motifs and "--lr 0.05 " in design + " "
    default = snakemake(make_workdir(tmp_path / "d", TEST_CONFIG.read_text()), "-n", "-p", "--cores", "1",
                        "results/tiny/motifs/tomtom.tsv").stdout
    assert "--site-p 0.0001 " in next(line for line in default.splitlines() if "seqgen motifs" in line)
    wrong = TEST_CONFIG.read_text().replace("motifs: {top: 100, n_motifs: 2}", "motifs: {site_p: 5}")
    result = snakemake(make_workdir(tmp_path / "w", wrong), "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and "config motifs.site_p: 5 is greater than or equal to" in \
        result.stdout + result.stderr


def test_each_rule_reads_the_files_its_command_names_and_declares_what_it_writes(tmp_path):
    """The tiny config's dry run with seed 7: every job's inputs, outputs and command (one of each rule and kind)."""
    out = snakemake(make_workdir(tmp_path, TEST_CONFIG.read_text()), "-n", "-p", "--cores", "1", "--config",
                    "seed=7").stdout
    jobs = {(job["rule"], *job["wildcards"].values()): job for job in planned_jobs(out)}
    assert len(jobs) == 24 and all(job["wildcards"].get("dataset", "tiny") == "tiny" for job in jobs.values())
    r, log = "results/tiny", "2> results/tiny/logs"
    expected = {
        ("simulate", "tiny"): ([], [f"{r}/input.tsv"], "seqgen simulate --jaspar-release JASPAR2024 --length 30 "
                               f"--motif MA0472.2 --n 600 --noise 0.15 --seed 0 --threshold 8.0 --out {r}/input.tsv "
                               f"{log}/simulate.log"),  # the data set's own simulate.seed, not the workflow's
        ("encode", "tiny"): ([f"{r}/input.tsv"], [f"{r}/data.npz"], f"seqgen encode {r}/input.tsv --alphabet dna "
                             "--ambiguous error --duplicate-ids error --id-column id --label-column signal --lengths "
                             f"error --out {r}/data.npz {log}/encode.log"),
        ("split_generator_data", "tiny"): (  # evaluate.holdout: 0.1 of the data kept from the generators
            [f"{r}/data.npz"], [f"{r}/generator/training.npz", f"{r}/generator/heldout.npz"],
            f"seqgen split {r}/data.npz --holdout 0.1 --seed 7 --training {r}/generator/training.npz --heldout "
            f"{r}/generator/heldout.npz {log}/split_generator_data.log"),
        ("train_generator", "tiny", "gan"): (
            [f"{r}/generator/training.npz"], [f"{r}/generator/gan/model.pt", f"{r}/generator/gan/metrics.csv"],
            f"seqgen train gan --data {r}/generator/training.npz --out {r}/generator/gan --settings '{{\"blocks\": 2, "
            f"\"channels\": 16, \"critic_steps\": 2, \"steps\": 10}}' --seed 7 --device cpu --no-progress "
            f"--resume-if-unchanged {log}/train_gan.log"),
        ("train_predictor", "tiny"): (
            [f"{r}/data.npz"], [f"{r}/predictor/model.pt", f"{r}/predictor/metrics.csv", f"{r}/predictor/metrics.json"],
            f"seqgen train predictor --data {r}/data.npz --out {r}/predictor --settings '{{\"label\": \"signal\", "
            f"\"members\": 2, \"steps\": 80}}' --seed 7 --device cpu --no-progress --resume-if-unchanged "
            f"{log}/train_predictor.log"),
        ("sample", "tiny", "gan"): (
            [f"{r}/generator/gan/model.pt"], [f"{r}/generator/gan/samples.fasta"],
            f"seqgen sample --model {r}/generator/gan/model.pt --n 100 --seed 7 --device cpu --out "
            f"{r}/generator/gan/samples.fasta {log}/sample_gan.log"),
        ("evaluate_generator", "tiny", "gan"): (
            [f"{r}/generator/heldout.npz", f"{r}/generator/training.npz", f"{r}/generator/gan/samples.fasta"],
            [f"{r}/generator/gan/evaluation.json"],
            f"seqgen evaluate --reference {r}/generator/heldout.npz --query {r}/generator/gan/samples.fasta "
            f"--training {r}/generator/training.npz --seed 7 --out {r}/generator/gan/evaluation.json "
            f"{log}/evaluate_gan.log"),
        ("score_samples", "tiny", "gan"): (
            [f"{r}/predictor/model.pt", f"{r}/generator/gan/samples.fasta"], [f"{r}/generator/gan/samples.tsv"],
            f"seqgen predict --model {r}/predictor/model.pt --input {r}/generator/gan/samples.fasta --out "
            f"{r}/generator/gan/samples.tsv --device cpu --no-progress {log}/score_samples_gan.log"),
        ("design", "tiny", "anneal"): (
            [f"{r}/data.npz", f"{r}/predictor/model.pt"],
            [f"{r}/design/anneal/{name}" for name in ("designs.fasta", "designs.tsv", "trajectory.tsv",
                                                       "training_utility.tsv", "design.json")],
            f"seqgen design --method anneal --data {r}/data.npz --n 16 --steps 20 --seed 7 --device cpu "
            f"--max-homopolymer auto --predictor {r}/predictor --out {r}/design/anneal/designs.fasta "
            f"{log}/design_anneal.log"),
        ("design", "tiny", "latent"): (
            [f"{r}/data.npz", f"{r}/predictor/model.pt", f"{r}/generator/vae/model.pt"],
            [f"{r}/design/latent/{name}" for name in ("designs.fasta", "designs.tsv", "trajectory.tsv",
                                                       "training_utility.tsv", "design.json")],
            f"seqgen design --method latent --data {r}/data.npz --n 16 --steps 20 --seed 7 --device cpu "
            f"--generator {r}/generator/vae --max-homopolymer auto --predictor {r}/predictor --out "
            f"{r}/design/latent/designs.fasta {log}/design_latent.log"),
        ("motifs_data", "tiny"): (
            [f"{r}/predictor/model.pt", f"{r}/data.npz"],
            [f"{r}/motifs/{name}" for name in ("motifs.meme", "tomtom.tsv", "motifs.tsv", "params.json", "logos",
                                               "predictor")],
            f"seqgen motifs --input {r}/data.npz --alphabet dna --device cpu --jaspar-release JASPAR2024 --jaspar-tax-group "
            f"vertebrates --n-motifs 2 --predictor {r}/predictor --seed 7 --site-p 0.0001 --top 100 --out "
            f"{r}/motifs {log}/motifs.log && mkdir -p {r}/motifs/predictor"),
        ("motifs_design", "tiny", "anneal"): (  # designs against the training data; no --top, no predictor
            [f"{r}/design/anneal/designs.fasta", f"{r}/data.npz"],
            [f"{r}/design/anneal/motifs/{name}" for name in ("motifs.meme", "tomtom.tsv", "motifs.tsv", "params.json",
                                                             "logos")],
            f"seqgen motifs --input {r}/design/anneal/designs.fasta --background {r}/data.npz --alphabet dna "
            "--jaspar-release JASPAR2024 --jaspar-tax-group vertebrates --n-motifs 2 --prefix design --seed 7 "
            f"--site-p 0.0001 --out {r}/design/anneal/motifs {log}/motifs_anneal.log"),
        ("report_html", "tiny"): (
            [f"{r}/generator/{m}/evaluation.json" for m in ("vae", "gan")]
            + [f"{r}/design/{m}/motifs/tomtom.tsv" for m in ("fast-seqprop", "softmax", "anneal", "latent")]
            + [f"{r}/design/{m}/training_utility.tsv" for m in ("fast-seqprop", "softmax", "anneal", "latent")]
            + [f"{r}/motifs/tomtom.tsv", f"{r}/predictor/model.pt", f"{r}/generator/vae/samples.tsv",
               f"{r}/generator/gan/samples.tsv", f"{r}/config.yaml"]
            + [f"{r}/design/{m}/design.json" for m in ("fast-seqprop", "softmax", "anneal", "latent")]
            + [f"{folder}/motifs/{name}" for folder in [r] + [f"{r}/design/{m}" for m in ("fast-seqprop", "softmax",
                                                                                           "anneal", "latent")]
               for name in ("motifs.tsv", "params.json")] + [f"{r}/predictor/metrics.json"],
            [f"{r}/report.html"],
            f"seqgen report --results {r} --title tiny --top 5 --methods fast-seqprop softmax anneal latent "
            f"--generators vae gan --no-mutations --no-scan --out {r}/report.html {log}/report.log"),
    }
    for key, (inputs, outputs, command) in expected.items():
        job = jobs[key]
        assert (job["input"], job["output"], job["command"]) == (inputs, outputs, command), key
    assert jobs[("save_config", "tiny")]["output"] == [f"{r}/config.yaml"]
    assert jobs[("all",)]["input"] == [f"{r}/report.html"]
    counts = {}
    for job in jobs.values():
        counts[job["rule"]] = counts.get(job["rule"], 0) + 1
    assert counts == {"save_config": 1, "simulate": 1, "encode": 1, "split_generator_data": 1, "train_generator": 2, "train_predictor": 1,
                      "design": 4, "motifs_data": 1, "sample": 2, "evaluate_generator": 2, "motifs_design": 4,
                      "score_samples": 2, "report_html": 1, "all": 1}


def test_the_schema_s_defaults_are_those_config_readme_documents():
    """Each default the key tables of config/README.md give in backticks (`key` | `default`) is the schema's."""
    import re

    import yaml

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    top, dataset = (ROOT / "config" / "README.md").read_text().split("### A data set")
    blocks = ((top, schema["properties"]), (dataset, schema["properties"]["datasets"]["additionalProperties"]
                                            ["properties"]))
    checked = {}
    for text, properties in blocks:
        for line in text.splitlines():
            cells = line.split(" | ")
            if not line.startswith("| `") or len(cells) < 3:
                continue
            if not re.fullmatch(r"\s*`[^`]+`(, `[^`]+`)*\s*", cells[1]):
                continue  # a default in words, or none
            keys, defaults = re.findall(r"`([^`]+)`", cells[0]), re.findall(r"`([^`]+)`", cells[1])
            if any("<" in key for key in keys):
                continue  # design.<method>: each method's block, no default of its own
            for key, default in zip(keys, defaults * len(keys) if len(defaults) == 1 else defaults):
                node = {"properties": properties}
                for part in key.split("."):
                    node = node["properties"][part]
                checked[key] = node["default"]
                assert node["default"] == yaml.safe_load(default), key
    assert checked == {
        "device": "auto", "gpu": False, "seed": 0, "generators": ["vae"], "vae": {}, "gan": {}, "predictor": {},
        "sample.n": 1000, "evaluate.holdout": 0.1, "mutations.samples": 500, "scan.stride": 1, "scan.both_strands": True,
        "scan.shuffles": 10, "design.methods": ["fast-seqprop"], "design.n": 64,
        "design.steps": 200, "motifs.top": 400, "motifs.n_motifs": 3,
        "motifs.jaspar_release": "JASPAR2024", "motifs.jaspar_tax_group": "vertebrates", "motifs.site_p": 0.0001,
        "motifs.predictor": True,
        "report.top": 20, "alphabet": "dna", "ambiguous": "error", "lengths": "error", "duplicate_ids": "error"}


def test_writing_a_data_set_s_config_is_not_a_cluster_job(tmp_path):
    """Under --workflow-profile workflow/profiles/slurm every rule not local is queued with the profile's resources
    (8 GB, 2 CPUs): save_config, a few lines of YAML written by snakemake itself, runs where snakemake runs."""
    workdir = make_workdir(tmp_path, TEST_CONFIG.read_text())
    code = ("import sys; from pathlib import Path; from snakemake.api import SnakemakeApi; "
            "from snakemake.settings.types import ResourceSettings\n"
            "with SnakemakeApi() as api:\n"
            "    w = api.workflow(resource_settings=ResourceSettings(), snakefile=Path(sys.argv[1]), "
            "workdir=Path(sys.argv[2]))._workflow\n"
            "    print(' '.join(r.name for r in w.rules if r.name in w._localrules or r.norun))")  # not local_exec
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "Snakefile"), str(workdir)], capture_output=True,
                         text=True, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / ".cache")})
    assert out.returncode == 0, out.stderr[-2000:]
    assert set(out.stdout.split()) == {"all", "save_config"}  # every other rule runs seqgen: a cluster job
