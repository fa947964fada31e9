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
