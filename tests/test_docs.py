"""The documentation's examples stay true: every `seqgen` command line of the README files parses with the
command's own parser, as does every `python benchmarks/...` command quoted there and in benchmarks/RESULTS.md,
every name their Python examples import exists, and every YAML example of config/README.md
passes the workflow's schema and its checks at start (its files replaced by stand-ins of the same names)."""
import ast
import importlib
import importlib.util
import re
import shlex

import pytest
import yaml

from seqgen import workflow_config as wfc
from seqgen.cli import build_parser
from workflow_helpers import ROOT

DOCS = {"README.md": ROOT / "README.md", "config/README.md": ROOT / "config" / "README.md"}


def code_blocks(language):
    """``(doc, text)`` of every fenced block of ``language`` ('' for a block without one) in the README files."""
    blocks = []
    for doc, path in DOCS.items():
        for lang, text in re.findall(r"^```(\w*)\n(.*?)^```", path.read_text(), re.M | re.S):
            if lang == language:
                blocks.append((doc, text))
    return blocks


def seqgen_commands():
    """Every ``seqgen ...`` line of the shell blocks, continuation lines joined, comments dropped."""
    commands = []
    for doc, text in code_blocks("bash"):
        for line in text.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["seqgen"]:
                commands.append((doc, words[1:]))
    return commands


def test_the_readmes_show_the_commands_this_test_reads():
    assert len(seqgen_commands()) >= 25
    assert {words[0] for _, words in seqgen_commands()} >= {"encode", "train", "design", "motifs", "report",
                                                             "predict", "sample", "evaluate", "score-mutants"}
    assert len(code_blocks("yaml")) >= 5 and len(code_blocks("python")) >= 3


@pytest.mark.parametrize("doc,words", seqgen_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_every_command_line_in_the_readmes_parses(doc, words):
    try:
        build_parser(only=words[0]).parse_args(words)
    except SystemExit as exit:
        pytest.fail(f"{doc}: `seqgen {' '.join(words)}` does not parse (exit {exit.code})")


def test_a_wrong_option_would_be_caught():
    with pytest.raises(SystemExit):
        build_parser(only="encode").parse_args(["encode", "x.fa", "--no-such-option", "--out", "x.npz"])


@pytest.mark.parametrize("doc,text", code_blocks("python"))
def test_every_name_the_python_examples_import_exists(doc, text):
    imports = [node for node in ast.parse(text).body if isinstance(node, ast.ImportFrom)]
    assert imports
    for node in imports:
        module = importlib.import_module(node.module)
        for alias in node.names:
            submodule = importlib.util.find_spec(f"{node.module}.{alias.name}") if hasattr(module, "__path__") else None
            assert hasattr(module, alias.name) or submodule, f"{doc}: {node.module} has no {alias.name}"


def stand_ins(config, folder):
    """The config with each data set's input, mutants, genome, scan and scan_genome file replaced by an existing
    file of the same name (a mutants table with the columns its ``mutants_measured`` names; an alignment whose focus
    has that mutant's residue)."""
    for ds in config["datasets"].values():
        measured = [str(c) for c in ds.get("mutants_measured", [])]
        mutants = ",".join(["mutant", *measured]) + "\n" + ",".join(["H24A", *["0.5"] * len(measured)]) + "\n"
        files = {"mutants": mutants, "input": ">BLAT_ECOLX/24-30\nHPETLVK\n" if "mutants" in ds else "",
                 "genome": ">chr1\nACGT\n", "scan": "", "scan_genome": ">chr1\nACGT\n"}
        for key in ("input", "mutants", "genome", "scan", "scan_genome"):
            if key in ds:
                path = folder / ds[key].rsplit("/", 1)[-1]
                path.write_text(files[key])
                ds[key] = str(path)
    return config


@pytest.mark.parametrize("doc,text", code_blocks("yaml"))
def test_every_config_example_passes_the_schema_and_the_checks_at_start(doc, text, tmp_path):
    from snakemake.utils import validate

    config = stand_ins(yaml.safe_load(text), tmp_path)
    validate(config, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"), set_default=True)
    wfc.check_config(config)


def test_the_python_examples_run_in_order_on_tiny_models(tmp_path, monkeypatch):
    """README.md's Python blocks run as written, one after another (the later ones use the first one's ``x``),
    in a folder holding what they name: a DREAM5 table ``Egr2_HK.txt`` and models ``models/egr2`` and
    ``models/vae`` trained a few steps on it."""
    import numpy as np
    import torch

    from seqgen.cli import main

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    rows = ["".join(rng.choice(list("ACGT"), 20)) + f"\t{rng.uniform(100, 5000):.1f}\t{rng.uniform(10, 50):.1f}"
            for _ in range(200)]
    (tmp_path / "Egr2_HK.txt").write_text("\n".join(rows) + "\n")
    quiet = ["--steps", "3", "--no-progress"]
    assert main(["encode", "Egr2_HK.txt", "--format", "dream5", "--out", "hk.npz"]) == 0
    assert main(["train", "predictor", "--data", "hk.npz", "--out", "models/egr2", "--set", "members=2",
                 "--set", "filters=4", "--set", "kernel=5", *quiet]) == 0
    assert main(["train", "vae", "--data", "hk.npz", "--out", "models/vae", *quiet]) == 0
    import seqgen.tasks

    real_train = seqgen.tasks.train
    monkeypatch.setattr(seqgen.tasks, "train", lambda kind, data, out, settings=None, **kw: real_train(
        kind, data, out, {**(settings or {}), "steps": 3, "progress": False}, **kw))  # as written, but 3 steps
    (tmp_path / "data.npz").write_bytes((tmp_path / "hk.npz").read_bytes())
    (tmp_path / "Arabidopsis_tata.fa").write_text(">a\nTATAAAGC\n>b\nTATATAAAGG\n")  # config/README's two classes
    (tmp_path / "Arabidopsis_non_prom.fa").write_text(">a\nGGCCGGCC\n")  # the same id as a TATA one
    names = {}
    for doc, text in code_blocks("python"):
        exec(compile(text, doc, "exec"), names)
    assert main(["encode", "promoters.tsv", "--label-column", "promoter", "--lengths", "pad", "--out", "p.npz"]) == 0
    from seqgen.data import SequenceSet

    promoters = SequenceSet.load("p.npz")
    assert promoters.label("promoter").tolist() == [1, 1, 0] and promoters.length == 10
    assert names["x"].shape == (200, 4, 20) and names["result"].steps == 3  # seqgen.tasks.train's model
    assert names["mean"].shape == names["std"].shape == (200,)
    assert names["probs"].shape == (16, 4, 20) and names["codes"].shape == (100, 20)
    assert names["ll"].shape == (200,) and torch.isfinite(names["ll"]).all()
    from seqgen.design.constraints import Constraints

    designs, rules = names["designs"], Constraints.from_options("dna", 20, gc_min=0.35, gc_max=0.65,
                                                                forbidden=["GAATTC"], max_homopolymer=5)
    assert 0 < len(designs) <= 64 and all(len(d) == 20 for d in designs) and names["label_mean"].shape == (len(designs),)
    assert all(ok.all() for ok in rules.check(names["found"].codes).values())  # every constraint holds


def test_every_design_option_says_what_it_does():
    """`seqgen design --help` explains each option; the GC window says it is the design's, not the linker's."""
    design = build_parser()._subparsers._group_actions[0].choices["design"]
    assert [a.option_strings for a in design._actions if a.help is None] == []
    gc = {a.option_strings[0]: a.help for a in design._actions if a.option_strings[0] in ("--gc-min", "--gc-max")}
    assert all("not the --linker" in h for h in gc.values()) and len(gc) == 2


def test_the_workflow_section_puts_seqgen_on_the_path_before_snakemake():
    """The rules call `seqgen`: run from a plain shell, snakemake fails with 'seqgen: command not found'."""
    block = re.search(r"^## The workflow\n\n```bash\n(.*?)^```", DOCS["README.md"].read_text(), re.M | re.S).group(1)
    lines = block.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("snakemake"))
    assert any("activate" in line or "PATH" in line for line in lines[:first])


def readme_section(title):
    """The text of README.md's section ``## title``, up to the next one."""
    return re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", DOCS["README.md"].read_text(), re.M | re.S).group(1)


def test_the_layout_names_every_module_of_the_package():
    """The layout's tree lists each module of seqgen/ on its own line, and each subpackage's modules on its line."""
    layout = readme_section("Layout and architecture")
    package = ROOT / "seqgen"
    missing = [p.name for p in package.glob("*.py") if p.name != "__init__.py" and p.name not in layout]
    for folder in sorted(p for p in package.iterdir() if (p / "__init__.py").exists()):
        line = next(line for line in layout.splitlines() if line.strip().startswith(f"{folder.name}/"))
        line += next((nxt for prev, nxt in zip(layout.splitlines(), layout.splitlines()[1:]) if prev == line), "")
        missing += [f"{folder.name}/{p.name}" for p in folder.glob("*.py") if p.name != "__init__.py"
                    and p.name not in line]
    assert missing == []


def test_the_tests_and_benchmarks_section_names_every_benchmark_script():
    section = readme_section("Tests and benchmarks")
    scripts = [p.name for p in (ROOT / "benchmarks").iterdir() if p.suffix in (".py", ".sh") and p.name != "common.py"]
    assert [name for name in scripts if f"`{name}`" not in section] == []


def benchmark_commands():
    """``(doc, script, words)`` of every ``python benchmarks/NAME.py ...`` command quoted in README.md,
    config/README.md and benchmarks/RESULTS.md (fenced or inline, wrapped lines joined); a one-letter capital
    word stands for a number (``--seed S``) and is read as 0."""
    commands = []
    for doc in (*DOCS, "benchmarks/RESULTS.md"):
        text = (ROOT / doc).read_text().replace("\\\n", " ")
        fenced = re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S)
        inline = [span.replace("\n", " ") for span in re.findall(r"`([^`]+)`", re.sub(r"^```.*?^```", "", text,
                                                                                    flags=re.M | re.S))]
        for line in "\n".join(fenced + inline).splitlines():
            for script, rest in re.findall(r"python\S*\s+(benchmarks/\w+\.py)([^;|&]*)", line):
                words = ["0" if re.fullmatch(r"[A-Z]", w) else w for w in shlex.split(rest, comments=True)]
                commands.append((doc, script, words))
    return commands


class _Parsed(Exception):
    """Raised by a benchmark's parser once its arguments parsed, before the benchmark runs."""


def test_the_documents_quote_benchmark_commands():
    assert len(benchmark_commands()) >= 15
    assert {"benchmarks/protein.py", "benchmarks/design.py", "benchmarks/dream5.py"} <= {
        script for _, script, _ in benchmark_commands()}


@pytest.mark.parametrize("doc,script,words", benchmark_commands(),
                         ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_every_benchmark_command_in_the_documents_parses(doc, script, words, monkeypatch):
    """Each quoted command's options are those its script takes today (the script stops once they parse)."""
    import argparse
    import runpy

    parse = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        raise _Parsed(parse(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    monkeypatch.setattr("sys.argv", [script, *words])
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    with pytest.raises(_Parsed):
        try:
            runpy.run_path(str(ROOT / script), run_name="__main__")
        except SystemExit as exit:
            pytest.fail(f"{doc}: `python {script} {' '.join(words)}` does not parse (exit {exit.code})")


def test_the_readers_speed_quoted_in_the_readme_covers_the_stored_benchmark():
    """README.md's FASTA reader figures (records/s and the speedup over Biopython) are ranges that hold
    benchmarks/results/encode.json, the run RESULTS.md keeps: a rerun that moves out of them must change them."""
    import json

    stored = json.loads((ROOT / "benchmarks" / "results" / "encode.json").read_text())
    text = readme_section("Layout and architecture")
    rate = re.search(r"\(([\d.]+)-([\d.]+)M records/s, ([\d.]+)-([\d.]+)x Biopython", text)
    assert rate, "README.md: the reader's speed is no longer quoted as a range"
    low, high, slow, fast = map(float, rate.groups())
    assert low <= stored["seqgen"]["records_per_s"] / 1e6 <= high and slow <= stored["speedup"] <= fast


def test_the_models_package_docstring_names_every_model_module():
    import seqgen.models

    names = [p.stem for p in (ROOT / "seqgen" / "models").glob("*.py") if p.stem != "__init__"]
    assert [n for n in names if f":mod:`seqgen.models.{n}`" not in seqgen.models.__doc__] == []


def test_the_report_layouts_name_every_file_the_report_reads():
    """The files `seqgen report` reads (its ``res.csv("...")`` and like calls, in any module of seqgen/report/) are
    named in the package's docstring and in the results layout README.md gives under "Motifs and the report"."""
    import seqgen.report

    source = "".join(p.read_text() for p in sorted((ROOT / "seqgen" / "report").glob("*.py")))
    calls = re.findall(r'res\.(?:csv|json|read|path|sequences)\(f?"([^"]+)"', source)
    read = {path.rsplit("/", 1)[-1] for path in calls}
    read = {name for name in read if "." in name and "{" not in name}
    assert {"designs.tsv", "training_utility.tsv", "mutations.tsv"} <= read
    block = re.search(r"It\nreads the results layout below.*?\n```\n(.*?)```", DOCS["README.md"].read_text(), re.S)
    for where, text in (("seqgen/report/__init__.py", seqgen.report.__doc__), ("README.md", block.group(1))):
        assert sorted(name for name in read if name not in text) == [], where


def test_the_negatives_table_in_results_md_is_the_stored_run():
    """benchmarks/RESULTS.md's genomic negatives table is benchmarks/results/negatives.json rounded."""
    import json

    stored = json.loads((ROOT / "benchmarks" / "results" / "negatives.json").read_text())
    text = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    kinds = stored["kinds"]
    assert (f"| (the peaks) | {stored['n_peaks']:,} | {stored['peaks']['gc']:.3f} | | {stored['peaks']['masked']:.3f} "
            f"| | {kinds['peaks alone']['seconds']:.2f} |") in text
    for kind, label in (("flanks", "flanks (3,000 bp either way)"), ("gc-matched", "gc-matched"),
                        ("random windows (baseline)", "random windows (baseline)")):
        row = kinds[kind]
        seconds = f" {row['seconds']:.2f} " if "seconds" in row else " "
        line = (f"| {label} | {row['n']:,} | {row['gc']:.3f} | {row['auroc_gc']:.3f} | {row['masked']:.3f} | "
                f"{row['auroc_masked']:.3f} |{seconds}|")
        assert line in text, line


def test_the_chipseq_table_in_results_md_is_the_stored_run():
    """benchmarks/RESULTS.md's ChIP-seq table (AUROC of the ensemble, its members' range, the k-mer yardstick)
    is benchmarks/results/chipseq.json rounded: a rerun must rewrite the table."""
    import json

    stored = json.loads((ROOT / "benchmarks" / "results" / "chipseq.json").read_text())
    text = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    for row in stored["tfs"]:
        members = f"{min(row['auroc_members']):.3f}-{max(row['auroc_members']):.3f}"
        line = (f"| {row['tf']} | {row['n_peaks']:,} | {row['auroc']:.3f} | {members} | "
                f"{row['auroc_kmer_ridge']:.3f} | {row['steps']} |")
        assert line in text, line
    assert f"| mean | | **{stored['mean_auroc']:.3f}** | | {stored['mean_auroc_kmer_ridge']:.3f} | |" in text


def test_the_scan_table_in_results_md_is_the_stored_run():
    """benchmarks/RESULTS.md's table of PBM models scanned along ChIP-seq peaks is benchmarks/results/scan.json
    rounded, and so are its speed lines and its table of p-values against shuffles."""
    import json

    stored = json.loads((ROOT / "benchmarks" / "results" / "scan.json").read_text())
    text = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    for row in stored["pairs"]:
        both = f"**{row['auroc_both']:.3f}**" if row["pbm"] == "Foxo1" and row["related"] else \
            f"{row['auroc_both']:.3f}"
        line = (f"| {row['pbm']} | {row['chipseq']} | {'yes' if row['related'] else 'no'} | {row['auroc_scan']:.3f} "
                f"| {both} | {row['auroc_centre']:.3f} | {row['auroc_first']:.3f} |")
        assert line in text, line
    for figures, label in ((stored["speed"], "DREAM5 settings"), (stored["default_architecture"], "default arch")):
        rate = figures["windows_per_second"]
        scan = f"**{rate['scan']:,.0f}**" if figures["shares_windows"] else f"{rate['scan']:,.0f}"
        assert f"| {scan} windows/s | {rate['one_by_one']:,.0f} | {rate['numpy']:,.0f} |" in text, label
    assert f"AUROC **{stored['default_architecture']['auroc_scan']:.3f}** by its best window" in text
    for name, figures in stored["default_architecture"]["significance"].items():
        for kind in ("bound", "unbound"):
            shares = " | ".join(f"{figures[f'{kind}_{key}']:.3f}" for key in ("p05", "p01", "p001", "q05"))
            auroc = f" {figures['auroc_p']:.3f} |" if kind == "bound" else " |"
            assert f"| {name} ({'related' if name == 'FOXA1_HepG2' else 'control'}) | {kind} | {shares} |{auroc}" \
                in text, (name, kind)
