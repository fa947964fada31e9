"""Files of ``seqgen design``: a rerun into the same folder leaves none of an earlier run's outputs behind."""
import pytest

from seqgen.cli import main


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    """A predictor of 20-nt sequences trained for two steps on a tiny simulated data set."""
    root = tmp_path_factory.mktemp("outputs")
    assert main(["simulate", "--n", "60", "--length", "20", "--out", str(root / "sim.tsv")]) == 0
    assert main(["encode", str(root / "sim.tsv"), "--label-column", "signal", "--out", str(root / "data.npz")]) == 0
    assert main(["train", "predictor", "--data", str(root / "data.npz"), "--out", str(root / "predictor"),
                 "--steps", "2", "--no-progress", "--set", "members=1"]) == 0
    return root


def test_a_rerun_without_linker_or_data_removes_the_earlier_runs_probes_and_training_utility(predictor, tmp_path):
    """probes.fasta and training_utility.tsv of a run with --linker and --data are not left beside the designs of a
    later run without them (the probes, under the same ids, would be another run's sequences)."""
    out = tmp_path / "designs.fasta"
    common = ["design", "--predictor", str(predictor / "predictor"), "--n", "4", "--steps", "2", "--out", str(out)]
    assert main([*common, "--linker", "GTCTGTGTTCCG", "--data", str(predictor / "data.npz")]) == 0
    assert (tmp_path / "probes.fasta").exists() and (tmp_path / "training_utility.tsv").exists()
    assert main([*common, "--seed", "1"]) == 0
    assert not (tmp_path / "probes.fasta").exists() and not (tmp_path / "training_utility.tsv").exists()
    assert main([*common, "--seed", "2", "--linker", "ACGT"]) == 0  # probes again: this run's
    designs = out.read_text().splitlines()[1::2]
    assert (tmp_path / "probes.fasta").read_text().splitlines()[1::2] == [s + "ACGT" for s in designs]


def test_a_run_killed_while_writing_leaves_none_of_an_earlier_runs_files(predictor, tmp_path, monkeypatch):
    """A run stopped after its designs.fasta (Ctrl-C, a full disk) left the earlier run's designs.tsv, trajectory.tsv
    and training_utility.tsv beside it, which the report read as this run's: they are removed before the first write."""
    import seqgen.design.command as command
    from seqgen.design.outputs import write_fasta

    out = tmp_path / "designs.fasta"
    common = ["design", "--predictor", str(predictor / "predictor"), "--n", "4", "--steps", "2", "--out", str(out),
              "--data", str(predictor / "data.npz"), "--linker", "ACGT"]
    assert main(common) == 0
    earlier = {p.name for p in tmp_path.iterdir()}
    assert {"designs.fasta", "design.json", "probes.fasta", *command.BESIDE_OUT} <= earlier

    def killed(out_fasta, result, table):  # the FASTA written, then stopped
        write_fasta(out_fasta, table["id"], table["sequence"])
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "write_design", killed)
    assert main([*common, "--seed", "1"]) == 130
    assert {p.name for p in tmp_path.iterdir()} == {"designs.fasta"}  # this run's, and nothing of the earlier one


def test_designs_from_probes_read_without_their_linker_say_how_to_put_it_back(predictor, tmp_path, capsys):
    """Training probes read from a UniPROBE table lose their 24-nt linker; designing without --linker then gives
    variable regions only, and the design says so and names the --linker that writes full probes."""
    from seqgen.data import SequenceSet

    data = SequenceSet.load(predictor / "data.npz")
    data.meta["linker"] = "GTCTGTGTTCCGTTGTCCGTGCTG"  # as parse_uniprobe records it
    data.save(tmp_path / "uniprobe.npz")
    common = ["design", "--predictor", str(predictor / "predictor"), "--n", "4", "--steps", "2", "--data",
              str(tmp_path / "uniprobe.npz"), "--out", str(tmp_path / "designs.fasta")]
    assert main(common) == 0
    assert "the training probes' 24-nt linker was removed when they were read, so these designs are the variable " \
           "regions only; --linker GTCTGTGTTCCGTTGTCCGTGCTG also writes full probes" in capsys.readouterr().err
    assert main([*common, "--linker", "GTCTGTGTTCCGTTGTCCGTGCTG"]) == 0
    assert "linker was removed" not in capsys.readouterr().err and (tmp_path / "probes.fasta").exists()


def test_a_design_killed_while_writing_leaves_no_earlier_design_json(predictor, tmp_path, monkeypatch):
    """design.json is written last: a run killed after its designs but before its summary leaves none, not the
    earlier run's summary beside this run's designs."""
    import seqgen.design.command as command

    common = ["design", "--predictor", str(predictor / "predictor"), "--n", "4", "--steps", "2", "--out",
              str(tmp_path / "designs.fasta")]
    assert main(common) == 0 and (tmp_path / "design.json").exists()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "count_above_avoid_level", killed)  # between the designs and design.json
    assert main([*common, "--seed", "1"]) == 130
    assert (tmp_path / "designs.fasta").exists() and not (tmp_path / "design.json").exists()


def test_a_conservative_design_records_k_and_the_report_names_it(predictor, tmp_path):
    """design.json left out --conservative, so the report called a mean - 1 x std design plainly '(maximized)'
    while its utility column sat far below its predicted score (a ChIP-seq classifier's anneal designs)."""
    import json

    from seqgen.report.designs import objective_text

    out = tmp_path / "designs.fasta"
    assert main(["design", "--predictor", str(predictor / "predictor"), "--n", "2", "--steps", "2", "--method",
                 "anneal", "--conservative", "1", "--out", str(out)]) == 0
    summary = json.loads((tmp_path / "design.json").read_text())
    assert summary["conservative"] == 1.0
    assert "less 1 x its ensemble's std (--conservative)" in objective_text(summary)
    assert "conservative" not in objective_text({**summary, "conservative": 0.0})


def test_conservative_on_a_single_model_is_noted(predictor, tmp_path, capsys):
    """mean - K x std with one model (members: 1, std 0) is the mean alone: --conservative K changes nothing, and
    the design says so instead of passing it off as a conservative design."""
    common = ["design", "--predictor", str(predictor / "predictor"), "--n", "2", "--steps", "2", "--out",
              str(tmp_path / "designs.fasta")]
    assert main([*common, "--conservative", "1"]) == 0
    assert "note: --conservative 1 has no effect on" in capsys.readouterr().err
    assert main(common) == 0
    assert "--conservative" not in capsys.readouterr().err


def test_designs_from_a_start_list_their_changes_and_the_start_is_scored(predictor, tmp_path, capsys):
    """A protein engineer's first questions of designs made from a wild type: which letters changed, and are they
    better than the wild type? designs.tsv gave neither (nor did design.json score the start)."""
    import json

    import numpy as np
    import pandas as pd

    start = "ACGTTGCAACGTTGCAACGT"
    out = tmp_path / "designs.fasta"
    assert main(["design", "--predictor", str(predictor / "predictor"), "--start", start, "--max-edits", "3",
                 "--n", "8", "--steps", "5", "--no-progress", "--out", str(out)]) == 0
    table = pd.read_csv(tmp_path / "designs.tsv", sep="\t", keep_default_na=False)
    for seq, edits, changes in zip(table["sequence"], table["edits"], table["changes"]):
        rebuilt = list(start)
        for change in ([] if changes == "none" else changes.split(";")):
            old, position, new = change[0], int(change[1:-1]), change[-1]
            assert rebuilt[position - 1] == old and old != new
            rebuilt[position - 1] = new
        assert "".join(rebuilt) == seq and edits == sum(a != b for a, b in zip(seq, start)) <= 3
    summary = json.loads((tmp_path / "design.json").read_text())["start_score"]
    (tmp_path / "start.tsv").write_text(f"id\tsequence\nstart\t{start}\n")
    assert main(["predict", "--model", str(predictor / "predictor"), "--input", str(tmp_path / "start.tsv"),
                 "--out", str(tmp_path / "start_pred.tsv")]) == 0
    predicted = pd.read_csv(tmp_path / "start_pred.tsv", sep="\t")["mean"].item()
    assert summary["score_label_mean"] == pytest.approx(predicted, rel=1e-4)
    assert summary["designs_above"] == int((table["utility"] > summary["utility"]).sum())
    assert f"the starting sequence: utility {summary['utility']:g}" in capsys.readouterr().err
    assert np.isfinite(summary["utility"])
    from seqgen.report import build_report  # the report says it, and shows each design's changes

    (tmp_path / "design" / "fast-seqprop").mkdir(parents=True)
    for name in ("designs.fasta", "designs.tsv", "design.json"):
        (tmp_path / name).rename(tmp_path / "design" / "fast-seqprop" / name)
    page, _ = build_report(tmp_path)
    assert (f"{summary['designs_above']} of {len(table)} designs score higher under the design objective"
            in page) and "<th>changes</th>" in page
