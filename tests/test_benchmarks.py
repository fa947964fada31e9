"""The benchmark scripts stay in step with the package: each imports and builds its command line.

The benchmarks themselves need ../shared/data or minutes of training, so CI cannot run them; what it can
catch is a script left calling a package function that was renamed or removed (this happened once to
``benchmarks/protein.py``), which otherwise surfaces only at the next measurement.
"""
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if p.name != "common.py")

# One interpreter (torch imported once) imports every script and runs its main() with --help, which builds the
# whole argument parser; it prints each script that fails, one per line.
_CHECK_ALL = """
import contextlib, importlib.util, io, sys, traceback
sys.path.insert(0, {folder!r})
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("bench_" + path.rsplit("/", 1)[-1][:-3], path)
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.argv = [path, "--help"]
        with contextlib.redirect_stdout(io.StringIO()) as out:
            try:
                module.main()
            except SystemExit as stop:
                assert stop.code in (0, None), f"--help exited {{stop.code}}"
        assert "usage" in out.getvalue().lower(), "--help printed no usage"
    except BaseException:
        print(path, "|", traceback.format_exc().strip().splitlines()[-1])
"""


def test_there_are_benchmark_scripts():
    assert len(SCRIPTS) >= 10


def test_every_benchmark_script_imports_and_parses_help():
    run = subprocess.run([sys.executable, "-c", _CHECK_ALL.format(folder=str(BENCHMARKS)), *map(str, SCRIPTS)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == "", f"benchmark scripts that fail to import or to print --help:\n{run.stdout}"


# The figures' code, run in this interpreter on tiny inputs (a fake oracle, predictor or design where the real one
# needs ../shared/data or minutes of training) against references written out here, and on the results files in
# benchmarks/results/ (the published tables are recomputed from the stored rows).

import importlib  # noqa: E402
import json  # noqa: E402
import types  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from seqgen.data import one_hot  # noqa: E402

RESULTS = BENCHMARKS / "results"


def bench(name):
    """A benchmark script as a module (its folder first on sys.path, as when it runs)."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


def mann_whitney(scores, positive) -> float:
    """AUROC by counting: the fraction of (positive, negative) pairs ranked right, ties half."""
    pos, neg = scores[positive], scores[~positive]
    return float(((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (len(pos) * len(neg)))


def corr(x, y) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def dream5_case():
    """100 probes: 98 near 1,000 (one at -40), one at 4,000 (8.8 SD above the mean: the only positive) and one at
    2,200 (3.5 SD: not one); three members' predictions of log(signal + 2), some below log 2 (raw < 0)."""
    signal = np.concatenate([1000.0 + 10 * (np.arange(98) % 7 - 3), [4000.0, 2200.0]])
    signal[5] = -40.0
    rng = np.random.default_rng(0)
    members = np.log(np.maximum(signal, 0) + 2)[:, None] + rng.normal(0, 0.3, (100, 3))
    members[98] = np.log(1000.0) + np.array([0.05, -0.02, 0.1])  # the positive: ranked among the negatives
    members[99] = np.log(900.0)
    members[5] = [-1.0, 0.2, 0.5]  # exp(m) - 2 < 0 for every member
    return members, signal


def test_dream5_figures_map_log_predictions_back_and_take_positives_at_four_sd():
    dream5 = bench("dream5")
    members, signal = dream5_case()
    positive = np.arange(100) == 98  # by construction (z = 8.8; the probe at 2,200 has z = 3.5)
    log_signal = np.log(np.maximum(signal, 0) + 1)  # the figures' scale: log(signal + 1), offset 2 or not
    out = dream5.ensemble_figures(members, signal, offset=2.0)
    mean = members.mean(1)
    ensemble = {"pearson_raw": corr((np.exp(members) - 2).mean(1), signal),  # members' raw predictions averaged
                "pearson_log": corr(np.log(np.maximum(np.exp(mean) - 2, 0) + 1), log_signal),
                "spearman": float(spearmanr(mean, signal).statistic), "auroc": mann_whitney(mean, positive)}
    assert out["ensemble"] == pytest.approx(ensemble, abs=1e-12)
    singles = [{"pearson_raw": corr(np.exp(m) - 2, signal),
                "pearson_log": corr(np.log(np.maximum(np.exp(m) - 2, 0) + 1), log_signal),
                "spearman": float(spearmanr(m, signal).statistic), "auroc": mann_whitney(m, positive)}
               for m in members.T]
    assert out["member0"] == pytest.approx(singles[0], abs=1e-12)
    assert out["members_mean"] == pytest.approx({k: np.mean([s[k] for s in singles]) for k in ensemble}, abs=1e-12)
    assert 0.5 < ensemble["auroc"] < 0.99 and ensemble["pearson_raw"] != pytest.approx(singles[0]["pearson_raw"])


@pytest.mark.filterwarnings("ignore:Mean of empty slice")
def test_dream5_auroc_is_nan_without_a_positive_and_the_means_over_tfs_skip_it():
    dream5 = bench("dream5")
    members, signal = dream5_case()
    flat = signal[:98]  # no probe 4 SD above the mean
    out = dream5.ensemble_figures(members[:98], flat, offset=2.0)
    assert np.isnan(out["ensemble"]["auroc"]) and np.isnan(out["members_mean"]["auroc"])
    full = dream5.ensemble_figures(members, signal, offset=2.0)
    rows = [{"train": "HK", "test": "ME", **out, "validation": full},
            {"train": "HK", "test": "ME", **full, "validation": full},
            {"train": "ME", "test": "HK", **full, "validation": out}]
    summary = dream5.summary(rows, "ensemble")
    assert list(summary) == ["HK->ME", "ME->HK"]
    assert summary["HK->ME"]["auroc"] == pytest.approx(full["ensemble"]["auroc"])  # the nan is skipped
    assert summary["HK->ME"]["spearman"] == pytest.approx(
        (out["ensemble"]["spearman"] + full["ensemble"]["spearman"]) / 2)
    assert dream5.summary(rows, "validation")["HK->ME"]["spearman"] == pytest.approx(full["ensemble"]["spearman"])
    assert dream5.summary(rows, "member0")["ME->HK"] == pytest.approx(full["member0"])


def test_dream5_member_outputs_undo_the_normalization_over_every_batch():
    dream5 = bench("dream5")

    class Counts:  # member k predicts the count of letter k (standardized units), 3 rows a batch
        normalization = types.SimpleNamespace(mean=5.0, std=2.0)

        def batch_rows(self):
            return 3

        def outputs(self, x):
            return x[:, :2].sum(-1)

    codes = np.random.default_rng(1).integers(0, 4, (7, 10)).astype(np.uint8)  # 7 rows: a last batch of 1
    expected = np.stack([(codes == 0).sum(1), (codes == 1).sum(1)], 1) * 2.0 + 5.0
    np.testing.assert_allclose(dream5.member_outputs(Counts(), codes), expected)


def write_dream5(folder, name, rows, seed):
    rng = np.random.default_rng(seed)
    probes = ["".join(rng.choice(list("ACGT"), 35)) for _ in range(rows)]
    signal = np.round(rng.lognormal(7, 1, rows), 1)
    (folder / name).write_text("".join(f"{p}\t{s}\t100.0\n" for p, s in zip(probes, signal)))
    return probes, signal


def test_dream5_read_array_appends_the_flank_with_n_as_an_unknown_base(tmp_path, monkeypatch):
    from seqgen.alphabets import PAD

    dream5 = bench("dream5")
    monkeypatch.setattr(dream5, "DREAM5", tmp_path)
    probes, signal = write_dream5(tmp_path, "Toy_HK.txt", 4, seed=0)
    plain = dream5.read_array("Toy", "HK")
    flanked = dream5.read_array("Toy", "HK", "GANT")
    assert flanked.codes.shape == (4, 39) and flanked.meta["flank"] == "GANT"
    np.testing.assert_array_equal(flanked.codes[:, :35], plain.codes)  # the probe first, then the flank
    np.testing.assert_array_equal(flanked.codes[:, 35:], np.tile([2, 0, PAD, 3], (4, 1)))
    np.testing.assert_allclose(flanked.label("signal"), signal, rtol=1e-6)  # stored as float32


def test_dream5_run_one_validates_on_the_training_split_and_tests_on_the_other_array(tmp_path, monkeypatch):
    """A 3-step training: which probes and signals each set of figures is computed on."""
    from seqgen.tasks import merge_config
    from seqgen.tasks.predictor import split_index

    dream5 = bench("dream5")
    monkeypatch.setattr(dream5, "DREAM5", tmp_path)
    _, hk_signal = write_dream5(tmp_path, "Toy_HK.txt", 60, seed=0)
    me_probes, me_signal = write_dream5(tmp_path, "Toy_ME.txt", 40, seed=1)
    seen = []
    monkeypatch.setattr(dream5, "ensemble_figures",
                        lambda members, signal, offset: seen.append((members, signal, offset)) or {"ensemble": {}})
    row = dream5.run_one("Toy", "HK", "ME", {"steps": 3, "members": 2, "max_time": None, "log_offset": 3.0},
                         torch.device("cpu"), test=True)
    assert (row["tf"], row["train"], row["test"], row["members"], row["steps"]) == ("Toy", "HK", "ME", 2, 3)
    config = merge_config("predictor", {})[0]
    _, val_index = split_index(60, config["val_fraction"], config["val_seed"])
    (val_members, val_signal, val_offset), (test_members, test_signal, test_offset) = seen
    np.testing.assert_allclose(val_signal, hk_signal[val_index], rtol=1e-6)
    np.testing.assert_allclose(test_signal, me_signal, rtol=1e-6)
    assert val_members.shape == (len(val_index), 2) and test_members.shape == (40, 2)
    assert val_offset == test_offset == 3.0  # predictions are of log(signal + the model's offset)
    seen.clear()
    assert "ensemble" not in dream5.run_one("Toy", "HK", "ME", {"steps": 1, "max_time": None}, torch.device("cpu"),
                                            test=False) and len(seen) == 1


def test_dream5_published_summary_and_table_follow_from_the_stored_rows():
    dream5 = bench("dream5")
    stored = json.loads((RESULTS / "dream5.json").read_text())
    for part, directions in stored["summary"].items():
        mine = dream5.summary(stored["rows"], part)
        assert list(mine) == list(directions), part
        for direction, figures in directions.items():
            assert mine[direction] == pytest.approx(figures, rel=1e-12), (part, direction)
    assert np.isnan([r["ensemble"]["auroc"] for r in stored["rows"]]).sum() == 1  # Egr2 ME -> HK: no positive
    assert dream5.markdown(stored["rows"], stored["summary"]) == (RESULTS / "dream5.md").read_text()


# benchmarks/protein.py and protein_potts.py

FAMILY_A2M = ">FOCUS/1-8\nACdEFGhI\n>s1/1-8\nACeEFGkI\n>s2/3-10\nA-dEF-hL\n"  # match columns: residues 1 2 4 5 6 8


def test_protein_scan_keeps_mutants_with_a_2500_value_at_match_columns(tmp_path, monkeypatch):
    protein = bench("protein")
    monkeypatch.setattr(protein, "SHARED_DATA", tmp_path)
    (tmp_path / protein.ALIGNMENT).parent.mkdir(parents=True)
    (tmp_path / protein.ALIGNMENT).write_text(FAMILY_A2M)
    (tmp_path / protein.DMS).write_text("mutant,625,2500\nA1C,1.0,0.5\nD3A,1.0,0.1\nE4K,0.3,\nF5L,0.2,-0.2\n"
                                        "G6*,0.1,0.3\nC2W:I8V,0.0,0.7\n")
    data, dms = protein.load_family_and_scan()
    assert data.meta["focus_positions"] == [1, 2, 4, 5, 6, 8]
    assert dms["mutant"].tolist() == ["A1C", "F5L", "C2W:I8V"]  # D3A: an insert column; E4K: no 2500 value; G6*
    assert dms["2500"].tolist() == [0.5, -0.2, 0.7] and list(dms.index) == [0, 1, 2]


def protein_family(tmp_path):
    from seqgen.io import read_sequences

    (tmp_path / "f.a2m").write_text(FAMILY_A2M)
    data = read_sequences(tmp_path / "f.a2m", "protein-gap")
    log_freq = np.log(np.random.default_rng(0).dirichlet(np.ones(21), 6).T)  # (A, L)
    return {"focus_codes": data.codes[0].tolist(), "focus_positions": data.meta["focus_positions"],
            "site_log_freq": log_freq, "neff": 2.345, "n_sequences": 3}


def test_protein_score_writes_the_measured_column_and_the_spearman_of_each_model(tmp_path, monkeypatch):
    protein = bench("protein")
    family = protein_family(tmp_path)
    dms = pd.DataFrame({"mutant": ["A1C", "A1D", "C2W", "E4K", "F5L", "G6A", "I8V", "C2A:F5Y"],
                        "2500": [0.1, -0.4, 0.3, 0.9, -1.2, 0.0, 0.5, -0.8], "625": [9.0] * 8})
    calls = []

    def differences(model, focus, codes, samples, seed, weight_samples, estimator):
        calls.append((samples, seed, weight_samples, estimator))
        return codes.sum(1) * 1.0 - focus.sum() + 0.5 * (weight_samples == 0)

    monkeypatch.setattr(protein, "likelihood_differences", differences)
    args = types.SimpleNamespace(samples=7, seed=3, weight_samples=None, estimator="elbo", also_means=True)
    out = tmp_path / "scores.tsv"
    record = protein.score(args, {"steps": 5}, types.SimpleNamespace(bayesian=True), family, dms, out=out)
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == ["mutant", "measured", "vae", "site_independent"]
    assert table["mutant"].tolist() == dms["mutant"].tolist() and table["measured"].tolist() == dms["2500"].tolist()
    focus, letters = np.array(family["focus_codes"]), "ACDEFGHIKLMNPQRSTVWY-"
    column = {1: 0, 2: 1, 4: 2, 5: 3, 6: 4, 8: 5}  # residue -> match column
    log_freq = family["site_log_freq"]
    site = [sum(log_freq[letters.index(m[-1]), column[int(m[1:-1])]] - log_freq[focus[column[int(m[1:-1])]],
                                                                                column[int(m[1:-1])]]
                for m in name.split(":")) for name in dms["mutant"]]
    vae = [sum(letters.index(m[-1]) - focus[column[int(m[1:-1])]] for m in name.split(":")) for name in dms["mutant"]]
    np.testing.assert_allclose(table["site_independent"], site, rtol=1e-6)
    np.testing.assert_allclose(table["vae"], vae)
    assert record["spearman"] == pytest.approx(spearmanr(vae, dms["2500"]).statistic)
    assert record["spearman_site_independent"] == pytest.approx(spearmanr(site, dms["2500"]).statistic)
    assert record["spearman_posterior_mean"] == pytest.approx(spearmanr(np.add(vae, 0.5), dms["2500"]).statistic)
    assert calls == [(7, 3, None, "elbo"), (7, 3, 0, "elbo")]
    assert (record["n_mutants"], record["neff"], record["weight_samples"], record["samples"]) == (8, 2.3, 7, 7)
    assert record["scoring"] == protein.DEFAULT_SCORING | {"samples": 7}


def write_scores(path, measured, vae):
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"mutant": [f"A{i + 1}C" for i in range(len(vae))], "measured": measured, "vae": vae}).to_csv(
        path, sep="\t", index=False)


def test_protein_ensemble_is_the_spearman_of_the_mean_score(tmp_path, capsys):
    protein = bench("protein")
    measured = [0.1, 0.5, -0.3, 0.9, 0.0, -1.0]
    a, b = [1.0, 2.0, 0.0, 1.5, 3.0, -1.0], [0.0, -2.0, 1.0, 2.5, -3.0, 0.0]
    write_scores(tmp_path / "a.tsv", measured, a)
    write_scores(tmp_path / "b.tsv", measured, b)
    protein.ensemble([str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv")])
    out = json.loads(capsys.readouterr().out)
    assert out["single_spearman"] == pytest.approx([spearmanr(a, measured).statistic, spearmanr(b, measured).statistic])
    assert out["ensemble_spearman"] == pytest.approx(spearmanr(np.add(a, b) / 2, measured).statistic)
    pd.read_csv(tmp_path / "a.tsv", sep="\t").iloc[::-1].to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    with pytest.raises(SystemExit, match="not list the same mutants in the same order"):
        protein.ensemble([str(tmp_path / "a.tsv"), str(tmp_path / "c.tsv")])


def test_protein_store_replaces_a_seed_s_run_and_keeps_each_settings_and_scoring_apart(tmp_path, monkeypatch):
    protein, common = bench("protein"), bench("common")
    for module in (protein, common):
        monkeypatch.setattr(module, "RESULTS", tmp_path)
    monkeypatch.setattr(protein, "SCORES", tmp_path / "protein")
    measured = [0.1, 0.5, -0.3, 0.9, 0.0]
    scores = {0: [1.0, 2.0, 0.0, 1.5, 3.0], 1: [0.0, 3.0, -1.0, 0.5, -2.0], 2: [2.0, 1.0, 0.0, 3.0, 1.5]}
    fast = protein.DEFAULT_SCORING | {"samples": 20}

    def run(seed, scoring=protein.DEFAULT_SCORING, table=None, seconds=10.0):
        vae = scores[seed if table is None else table]
        write_scores(protein.scores_path(seed, {"steps": 5}, scoring), measured, vae)
        return {"seed": seed, "settings": {"steps": 5}, "scoring": scoring, "train_seconds": seconds,
                "spearman": float(spearmanr(vae, measured).statistic), "spearman_site_independent": 0.25}

    for stored in (run(0, table=2), run(1), run(0, seconds=30.0), run(0, fast)):  # seed 0 again: replaces it
        protein.store(stored)
    saved = json.loads((tmp_path / "protein.json").read_text())
    assert [(r["seed"], r["scoring"]["samples"]) for r in saved["runs"]] == [(1, 200), (0, 200), (0, 20)]
    default, other = saved["groups"]  # in the order first stored
    assert saved["summary"] == other and default["seeds"] == [1, 0] and other["seeds"] == [0]  # the last run's
    assert default["ensemble_spearman"] == pytest.approx(
        spearmanr(np.add(scores[0], scores[1]), measured).statistic, abs=1e-4)
    assert default["single_mean"] == pytest.approx(
        (spearmanr(scores[0], measured).statistic + spearmanr(scores[1], measured).statistic) / 2, abs=1e-4)
    assert default["train_seconds_per_model"] == 20.0 and other["scoring"] == fast
    assert "machine" in saved


def test_protein_scores_path_tags_the_settings_and_only_a_non_default_scoring():
    import hashlib

    protein = bench("protein")
    settings = {"steps": 5, "arch": "mlp"}
    tag = hashlib.sha1(b'{"arch": "mlp", "steps": 5}').hexdigest()[:8]
    assert protein.scores_path(2, settings) == protein.SCORES / f"seed2-{tag}.tsv"
    other = protein.DEFAULT_SCORING | {"samples": 20}
    key = json.dumps({"settings": settings, "scoring": other}, sort_keys=True).encode()
    assert protein.scores_path(2, settings, other).name == f"seed2-{hashlib.sha1(key).hexdigest()[:8]}.tsv"
    assert protein.scoring_of({"samples": 100, "weight_samples": 100}) == {"samples": 100, "weight_samples": None,
                                                                           "estimator": "elbo"}
    assert protein.scoring_of({"samples": 100, "weight_samples": 1, "estimator": "iwae"})["weight_samples"] == 1


def test_protein_published_groups_follow_from_the_stored_tables():
    protein = bench("protein")
    stored = json.loads((RESULTS / "protein.json").read_text())
    assert len(stored["groups"]) >= 20
    for group in stored["groups"]:
        assert protein.summarize(stored["runs"], group["settings"], group["scoring"]) == group
    for run in stored["runs"]:  # each run's own Spearman is its table's
        table = pd.read_csv(protein.scores_path(run["seed"], run["settings"], protein.scoring_of(run)), sep="\t")
        assert run["spearman"] == pytest.approx(spearmanr(table["vae"], table["measured"]).statistic, abs=1e-9)


def random_potts(length=4, q=3, seed=0):
    potts = bench("protein_potts").Potts(length, q)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        potts.h.copy_(torch.randn(length, q, generator=gen))
        potts.w.copy_(torch.randn(length * q, length * q, generator=gen))
    return potts


def coupling(potts, i, a, j, b) -> float:
    """J_ij(a, b) from the raw weights: the symmetrized entry (a pair of columns i != j)."""
    q, w = potts.q, potts.w.detach()
    return float(w[i * q + a, j * q + b] + w[j * q + b, i * q + a]) / 2


def hamiltonian(potts, x) -> float:
    """sum_i h_i(x_i) + sum_{i<j} J_ij(x_i, x_j), by loops."""
    h = potts.h.detach()
    return sum(float(h[i, x[i]]) for i in range(potts.length)) + sum(
        coupling(potts, i, x[i], j, x[j]) for i in range(potts.length) for j in range(i + 1, potts.length))


def test_potts_energy_and_conditionals_against_loops():
    potts = random_potts()
    codes = torch.tensor([[0, 1, 2, 0], [2, 2, 1, 1], [1, 0, 0, 2]])
    energy = potts.energy(codes).detach().numpy()
    np.testing.assert_allclose(energy, [hamiltonian(potts, x.tolist()) for x in codes], rtol=1e-5)
    conditional = potts.conditional_log_probs(codes).detach().numpy()
    for n, x in enumerate(codes.tolist()):
        for i in range(4):  # p(x_i = a | rest) is proportional to exp(H) with x_i = a
            e = np.array([hamiltonian(potts, x[:i] + [a] + x[i + 1:]) for a in range(3)])
            np.testing.assert_allclose(conditional[n, i], e - np.log(np.exp(e).sum()), rtol=1e-5, atol=1e-6)


def test_potts_fit_objective_is_the_weighted_pseudo_likelihood_plus_each_penalty_once():
    protein_potts = bench("protein_potts")
    potts = random_potts(seed=1)
    codes, weights = torch.tensor([[0, 1, 2, 0], [2, 2, 1, 1], [1, 0, 0, 2]]), torch.tensor([1.0, 0.5, 0.25])
    expected = 0.0
    for x, weight in zip(codes.tolist(), weights.tolist()):
        for i in range(4):
            e = np.array([hamiltonian(potts, x[:i] + [a] + x[i + 1:]) for a in range(3)])
            expected -= weight * (e[x[i]] - np.log(np.exp(e).sum()))
    expected += 0.1 * float((potts.h.detach() ** 2).sum()) + 0.2 * sum(
        coupling(potts, i, a, j, b) ** 2 for i in range(4) for j in range(i + 1, 4) for a in range(3) for b in range(3))
    trace = protein_potts.fit(potts, codes, weights, iterations=1, lambda_h=0.1, lambda_j=0.2)
    assert trace[0] == pytest.approx(expected, rel=1e-5)  # the first evaluation: at the starting parameters
    assert trace[-1] < trace[0]


def test_potts_published_combination_with_the_vae_follows_from_the_stored_tables():
    protein_potts = bench("protein_potts")
    potts = pd.read_csv(RESULTS / "protein" / "potts.tsv", sep="\t")
    dms = pd.DataFrame({"mutant": potts["mutant"], "2500": potts["measured"]})
    stored = json.loads((RESULTS / "protein-potts.json").read_text())
    mine = protein_potts.combined_with_vae(potts["vae"].to_numpy(), dms, "b90141a9")
    assert mine == {k: stored[k] for k in mine} and len(mine) == 5
    assert stored["spearman"] == round(spearmanr(potts["vae"], potts["measured"]).statistic, 4)
    assert protein_potts.combined_with_vae(potts["vae"].to_numpy(), dms.iloc[::-1].reset_index(), "b90141a9") == {}


def test_potts_combination_standardizes_both_scores(tmp_path, monkeypatch):
    protein_potts = bench("protein_potts")
    monkeypatch.setattr(protein_potts, "SCORES", tmp_path)
    measured = np.array([0.1, 0.5, -0.3, 0.9, 0.0, -1.0, 0.4])
    seeds = [np.array([1.0, 2.0, 0.0, 1.5, 3.0, -1.0, 0.2]), np.array([0.0, 3.0, 1.0, 2.5, 1.0, 0.0, 0.1])]
    for seed, vae in enumerate(seeds):
        write_scores(tmp_path / f"seed{seed}-abc.tsv", measured, vae)
    write_scores(tmp_path / "seed0-other.tsv", measured, -seeds[0])  # another tag: not read
    potts = np.array([-30.0, 10.0, 20.0, 60.0, -40.0, 5.0, 0.0])
    dms = pd.DataFrame({"mutant": [f"A{i + 1}C" for i in range(7)], "2500": measured})
    vae = (seeds[0] + seeds[1]) / 2
    z_vae, z_potts = (vae - vae.mean()) / vae.std(), (potts - potts.mean()) / potts.std()
    out = protein_potts.combined_with_vae(potts, dms, "abc")
    assert out == {"vae_tables": 2, "vae_ensemble_spearman": round(spearmanr(vae, measured).statistic, 4),
                   "vae_ensemble_plus_potts_spearman": round(spearmanr(z_vae + z_potts, measured).statistic, 4),
                   "vae_ensemble_plus_half_potts_spearman": round(
                       spearmanr(z_vae + 0.5 * z_potts, measured).statistic, 4),
                   "rank_correlation_with_vae": round(spearmanr(vae, potts).statistic, 4)}
    unstandardized = round(spearmanr(vae + potts, measured).statistic, 4)
    assert len({out["vae_ensemble_spearman"], out["vae_ensemble_plus_potts_spearman"],
                out["vae_ensemble_plus_half_potts_spearman"], unstandardized}) == 4


# benchmarks/design.py and design_heldout.py


class LevelOracle:
    """A stand-in for the 8-mer oracle: a probe's occupancy is its first three letters read as a base-4 number
    (0-63); every probe but those given has an 8-mer of E-score 0.5."""

    def __init__(self, weak_escore=()):
        self.weak = list(weak_escore)

    def occupancy(self, codes):
        return 16.0 * codes[:, 0] + 4 * codes[:, 1] + codes[:, 2]

    def max_escore(self, codes):
        escore = np.full(len(codes), 0.5)
        escore[self.weak] = 0.45  # not above 0.45
        return escore


def level_probes(levels):
    """36-nt probes of the given occupancies on an ACG-repeat background; the fourth (if any) ends in a run of
    seven G (over design.py's homopolymer limit of 6)."""
    codes = np.tile(np.array([0, 1, 2] * 12, np.uint8), (len(levels), 1))
    levels = np.asarray(levels)
    codes[:, 0], codes[:, 1], codes[:, 2] = levels // 16, levels // 4 % 4, levels % 4
    if len(levels) > 3:
        codes[3, 29:] = 2
    return codes


def test_design_training_set_keeps_the_lower_half_of_noisy_oracle_scores():
    design = bench("design")

    class Counts:  # occupancy: the number of T, mean 9, SD 2.6
        def occupancy(self, codes):
            return (codes == 3).sum(1).astype(float)

    data, best_random, best_training = design.make_training_set(Counts(), 4000, seed=0)
    rng = np.random.default_rng(0)  # the protocol written out: probes, then the noise, from one generator
    codes = rng.integers(0, 4, (4000, 36)).astype(np.uint8)
    true = (codes == 3).sum(1)
    noisy = true + 0.1 * true.std() * rng.standard_normal(4000)
    kept = np.flatnonzero(noisy <= np.median(noisy))
    assert len(kept) == 2000 and data.label_names == ["score"] and data.ids.tolist() == [f"p{i}" for i in kept]
    np.testing.assert_array_equal(data.codes, codes[kept])
    np.testing.assert_allclose(data.label("score"), noisy[kept], rtol=1e-6)
    assert (best_random, best_training) == (true.max(), true[kept].max()) and best_random > best_training
    every, best_random, best_training = design.make_training_set(Counts(), 4000, seed=0, keep_all=True)
    np.testing.assert_array_equal(every.codes, codes)  # the same probes, none left out
    np.testing.assert_allclose(every.label("score"), noisy, rtol=1e-6)
    assert best_random == best_training == true.max()


def test_design_hit_needs_a_score_above_the_best_random_a_strong_8mer_and_the_constraints():
    design = bench("design")
    oracle = LevelOracle(weak_escore=[2])
    codes = level_probes([10, 11, 12, 13, 14])  # probe 2: E-score 0.45; probe 3: a run of 7 G
    hits = design.hit_mask(oracle, codes, 10.0, design.method_constraints("anneal-h6"))
    assert hits.tolist() == [False, True, False, False, True]  # 10 is not above the best random probe's 10
    assert design.hit_mask(oracle, codes, 10.0, design.method_constraints("anneal")).tolist() == [
        False, True, False, True, True]  # no homopolymer limit


def test_design_method_settings_spend_the_budget():
    design = bench("design")
    assert design.method_settings("softmax", 8, 0, 200).steps == 200
    assert design.method_settings("anneal", 8, 0, 200).steps == 25  # 8 proposals a step
    assert design.method_settings("anneal", 8, 0, 50).steps == 6  # whole steps within the budget
    polish = design.method_settings("fsp-polish", 8, 3, 2000)
    assert (polish.method, polish.steps, polish.polish, polish.n, polish.seed) == ("fast-seqprop", 50, 244, 8, 3)
    assert design.method_settings("fsp-guided", 8, 0, 2000).polish == 220  # (2000 - 20) / (8 + a gradient)
    assert design.method_settings("fsp-guided-1", 8, 0, 2000).polish == 1980  # its pass carries the gradient
    assert design.method_settings("fsp-guided-3-h6", 8, 0, 200).mutations == 3
    assert design.method_constraints("fsp-guided-3-h6").max_homopolymer == 6
    assert design.method_constraints("anneal").max_homopolymer is None
    from seqgen.data import SequenceSet  # the workflow's GC window: the training probes' 1st-99th percentile
    probes = SequenceSet(np.random.default_rng(0).integers(0, 4, (2000, 36)).astype(np.uint8), "dna",
                         [f"p{i}" for i in range(2000)])
    window = design.method_constraints("fsp-guided-3-h6-gc", probes).gc
    assert window == (11 / 36, 25 / 36) and design.method_constraints("fsp-guided-3-h6", probes).gc is None


def test_design_run_method_figures_at_each_budget_and_calls_to_95_percent(monkeypatch):
    design = bench("design")
    steps = {25: [20] * 4, 50: [21] * 4, 75: [22] * 4, 100: [23] * 4, 200: [30, 31, 32, 33], 300: [37, 38, 39, 40],
             500: [38, 39, 39, 40], 1000: [39, 40, 41, 42], 1500: [38, 40, 41, 41]}

    def fake_design(objectives, constraints, settings, device, callback):
        assert constraints.max_homopolymer == 6 and settings.steps == 250  # the largest budget, 8 calls a step
        for step, (calls, levels) in enumerate(steps.items()):
            callback(step, calls, level_probes(levels))
        return types.SimpleNamespace(calls_per_sequence=1500, restarts=2)  # stopped before 2,000 calls

    monkeypatch.setattr(design, "design", fake_design)
    budgets, speed = design.run_method("anneal-h6", None, LevelOracle(), 40.0, 4, torch.device("cpu"), 0)
    means = {b: budgets[b]["oracle_mean"] for b in design.BUDGETS}
    assert means == {50: 21.0, 200: 31.5, 1000: 40.5, 2000: 40.0}  # the first step at or past each; then the last
    assert {b: budgets[b]["hit_fraction"] for b in design.BUDGETS} == {50: 0.0, 200: 0.0, 1000: 0.25, 2000: 0.25}
    assert {b: budgets[b]["valid_fraction"] for b in design.BUDGETS} == dict.fromkeys(design.BUDGETS, 0.75)
    assert budgets[50]["mean_pairwise_hamming"] == 4.0  # distinct probes only: 2, 4 letters apart (the G run)
    assert speed["calls_to_95"] == 500  # the gain 19 = 95% of the final 20 (from 20 to 40), first reached at 500
    assert (speed["calls_used"], speed["restarts"]) == (1500, 2)
    assert speed["curve"] == [[c, float(np.mean(v))] for c, v in steps.items()]


def test_design_merge_joins_runs_and_a_rerun_replaces_its_own(tmp_path, monkeypatch):
    design, common = bench("design"), bench("common")
    for module in (design, common):
        monkeypatch.setattr(module, "RESULTS", tmp_path)
    protocol = {"probes": 100, "n": 8, "budgets": [50, 200], "methods": {"anneal": {"proposals": 8}}}

    def run(seed, method, hits):
        return {"seed": seed, "method": method, "hits": hits}

    parts = {"a": {"protocol": protocol, "tfs": {"EGR2": {"best_random": 1.0, "runs": [run(0, "anneal", 0.1),
                                                                                      run(1, "anneal", 0.2)]}},
                   "specificity": {"up": "EGR2", "methods": {"anneal (min)": 1, "anneal (below)": 2}}},
             "b": {"protocol": {**protocol, "methods": {"softmax": {"lr": 0.1}}},
                   "tfs": {"EGR2": {"best_random": 1.0, "runs": [run(1, "anneal", 0.9), run(0, "softmax", 0.3)]},
                           "CRX": {"best_random": 2.0, "runs": [run(0, "anneal", 0.5)]}},
                   "specificity": {"up": "EGR2", "methods": {"anneal (min)": 3}}}}
    for name, part in parts.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(part))
    merged = design.merge(["a", "b"], "out")
    assert merged["tfs"]["EGR2"]["runs"] == [run(0, "anneal", 0.1), run(1, "anneal", 0.9), run(0, "softmax", 0.3)]
    assert merged["tfs"]["CRX"]["runs"] == [run(0, "anneal", 0.5)]
    assert merged["protocol"]["methods"] == {"anneal": {"proposals": 8}, "softmax": {"lr": 0.1}}
    assert merged["specificity"]["methods"] == {"anneal (min)": 3, "anneal (below)": 2}
    assert json.loads((tmp_path / "out.json").read_text())["tfs"] == merged["tfs"]
    parts["b"]["protocol"]["n"] = 16
    (tmp_path / "b.json").write_text(json.dumps(parts["b"]))
    with pytest.raises(SystemExit, match="protocol differs"):
        design.merge(["a", "b"], "out")
    parts["b"]["protocol"] = {**protocol, "methods": {"anneal": {"proposals": 4}}}  # a method's settings changed
    (tmp_path / "b.json").write_text(json.dumps(parts["b"]))
    with pytest.raises(SystemExit, match="protocol differs"):
        design.merge(["a", "b"], "out")


def test_design_table_reports_the_budget_nearest_200_calls_and_leaves_klf1_out_of_the_means(monkeypatch):
    design = bench("design")
    monkeypatch.setattr(design, "BUDGETS", (20, 50, 250, 1000))

    def run(seed, hits, calls):
        return {"seed": seed, "method": "anneal", "calls_to_95": calls, "budgets": {
            str(b): {"hit_fraction": hits * b / 1000, "oracle_mean": b / 100, "mean_pairwise_hamming": 10 + b / 100}
            for b in (20, 50, 250, 1000)}}

    results = {"tfs": {"EGR2": {"runs": [run(0, 0.4, 100), run(1, 0.8, 300)]}, "KLF1": {"runs": [run(0, 0.2, 50)]}}}
    assert design.markdown(results) == (
        "| TF | method | seeds | hits @20 | hits @50 | hits @250 | hits @1000 | oracle mean @250 | calls to 95% (per "
        "seed) | pairwise Hamming @250 |\n" + "|---" * 10 + "|\n"
        "| EGR2 | anneal | 2 | 0.01 | 0.03 | 0.15 | 0.60 | 2.50 | 200 (100 / 300) | 12.5 |\n"
        "| KLF1 | anneal | 1 | 0.00 | 0.01 | 0.05 | 0.20 | 2.50 | 50 (50) | 12.5 |\n\n"
        "| method | seed | mean hits @250 over EGR2 | lowest TF |\n|---|---|---|---|\n"
        "| anneal | 0 | 0.10 | 0.10 |\n| anneal | 1 | 0.20 | 0.20 |\n")  # KLF1: the specificity task's down TF


def test_design_published_tables_follow_from_the_stored_runs(monkeypatch):
    design = bench("design")
    for name in ("design", "design-s13-rerun"):
        stored = json.loads((RESULTS / f"{name}.json").read_text())
        monkeypatch.setattr(design, "BUDGETS", tuple(stored["protocol"]["budgets"]))
        assert design.markdown(stored) == (RESULTS / f"{name}.md").read_text(), name


def test_design_heldout_optimizes_members_1_on_and_records_member_0_apart(monkeypatch):
    heldout = bench("design_heldout")

    class Members:  # member k predicts (k + 1) x the count of letter k
        def outputs(self, x):
            return x[:, :3].sum(-1) * torch.tensor([1.0, 2.0, 3.0])

    recorded = {}

    def fake_design(objectives, constraints, settings, device, callback):
        x = torch.nn.functional.one_hot(torch.as_tensor(level_probes([1, 2, 3]), dtype=torch.long), 4)
        recorded["objective"] = objectives.objectives[0].scorer(x.permute(0, 2, 1).float())
        recorded["settings"] = settings
        for calls in range(1, 61):
            callback(calls - 1, calls, level_probes([calls % 16, 3, 12]))
        return None

    monkeypatch.setattr(heldout, "KmerOracle", types.SimpleNamespace(from_file=lambda path: LevelOracle([2])))
    monkeypatch.setattr(heldout, "tfbind8_path", lambda folder, tf: folder / tf)
    monkeypatch.setattr(heldout.bench, "make_training_set", lambda oracle, n, seed: (None, 4.0, None))
    monkeypatch.setattr(heldout, "load_predictor", lambda folder, device: Members())
    monkeypatch.setattr(heldout, "design", fake_design)
    rows = heldout.trace("EGR2", 1, Path("models"), "fsp-guided-2", 3, torch.device("cpu"))
    assert [r[0] for r in rows] == list(range(1, 21)) + [30, 40, 50, 60]  # every call of the first 20, then 10s
    counts = np.stack([(k + 1) * (level_probes([1, 2, 3]) == k).sum(1) for k in range(3)], 1)  # (3, members)
    mean, std = recorded["objective"]
    np.testing.assert_allclose(mean, counts[:, 1:].mean(1))
    np.testing.assert_allclose(std, counts[:, 1:].std(1, ddof=1))
    assert (recorded["settings"].seed, recorded["settings"].n, recorded["settings"].mutations) == (1, 3, 2)
    probes = level_probes([7, 3, 12])  # the row at 7 calls
    counts = np.stack([(k + 1) * (probes == k).sum(1) for k in range(3)], 1)
    assert rows[6] == pytest.approx((7, counts[:, 1:].mean(), counts[:, 0].mean(), counts[:, 1:].std(1, ddof=1).mean(),
                                     22 / 3, 1 / 3))  # hits: 7 (12 is above 4 too, but its E-score is 0.45)


# benchmarks/generator_quality.py and motifs.py


def test_generator_baselines_draw_uniform_letters_or_the_training_composition():
    from seqgen.data import SequenceSet

    quality = bench("generator_quality")
    codes = np.zeros((40, 50), np.uint8)  # A 0.5, C 0.26, G 0.24, no T
    codes[:, 25:] = np.array([1, 2] * 12 + [1])[None]
    train = SequenceSet(codes, "dna", [str(i) for i in range(40)])
    rng = np.random.default_rng(0)
    drawn = quality.baseline("composition", train, 400, rng)
    assert drawn.shape == (400, 50) and drawn.dtype == np.uint8
    np.testing.assert_allclose(np.bincount(drawn.ravel(), minlength=4) / drawn.size, [0.5, 0.26, 0.24, 0], atol=0.01)
    uniform = quality.baseline("uniform", train, 400, rng)
    np.testing.assert_allclose(np.bincount(uniform.ravel(), minlength=4) / uniform.size, [0.25] * 4, atol=0.01)
    chain = quality.baseline("markov", train, 30, rng)
    assert chain.shape == (30, 50) and (chain != 3).mean() > 0.95  # T is rare in the chain's training set too


def test_generator_published_summaries_follow_from_the_stored_metrics():
    quality = bench("generator_quality")
    stored = json.loads((RESULTS / "generator_quality.json").read_text())["results"]
    models = [row for rows in stored.values() for row in rows.values() if isinstance(row, dict) and "metrics" in row]
    assert len(models) >= 8
    for row in models:
        assert {k: row[k] for k in quality.summary(row["metrics"])} == quality.summary(row["metrics"])
        assert row["js_ratio_k4"] == row["metrics"]["kmer_js"]["4"]["ratio"]
        assert row["js_ratio_k6"] == row["metrics"]["kmer_js"]["6"]["ratio"]
        assert row["auroc"] == row["metrics"]["classifier_auroc"]


def test_generator_store_keeps_the_rows_of_other_runs(tmp_path, monkeypatch):
    quality, common = bench("generator_quality"), bench("common")
    for module in (quality, common):
        monkeypatch.setattr(module, "RESULTS", tmp_path)
    quality.store("gq", {"FOXA1": {"n_train": 8, "vae": {"js_ratio_k4": 1.5}}, "REST": {"gan": {"js_ratio_k4": 3.0}}})
    path = quality.store("gq", {"FOXA1": {"n_train": 8, "gan": {"js_ratio_k4": 2.0}}})  # another run's model
    assert path == tmp_path / "gq.json"
    assert json.loads(path.read_text())["results"] == {
        "FOXA1": {"n_train": 8, "vae": {"js_ratio_k4": 1.5}, "gan": {"js_ratio_k4": 2.0}},
        "REST": {"gan": {"js_ratio_k4": 3.0}}}
    quality.store("gq", {"FOXA1": {"vae": {"js_ratio_k4": 1.4}}})  # a model run again: its row is replaced
    assert json.loads(path.read_text())["results"]["FOXA1"]["vae"] == {"js_ratio_k4": 1.4}


def test_motifs_judge_passes_the_tf_s_own_motif_or_its_family_in_the_top_three_with_q_below_5_percent(monkeypatch):
    motifs = bench("motifs")
    hits = pd.DataFrame({"target": ["M1", "M2", "M3"], "target_name": ["ZNF1", "egr2", "KLF4"],
                         "target_family": ["C2H2; Other", "", "Three-zinc finger Kruppel-related"],
                         "q_value": [0.01, 0.05, 0.001], "p_value": [1e-4, 1e-3, 1e-6],
                         "orientation": ["+", "-", "+"], "query_bits": 7.5, "order_p": 0.2})
    asked = []
    monkeypatch.setattr(motifs, "tomtom", lambda query, targets, top: asked.append(top) or hits)
    motif = types.SimpleNamespace(consensus="GCGTGGGCG", width=9)
    families = {"Three-zinc finger Kruppel-related"}
    judged = motifs.judge(motif, "Egr2", ["targets"], families)
    assert asked == [3] and judged["pass"] and judged["rank"] == 3  # EGR2 itself has q = 0.05: not below
    assert judged["hits"][1] == {"target": "M2", "name": "egr2", "family": "", "q": 0.05, "p": 1e-3,
                                 "orientation": "-"}
    assert (judged["bits"], judged["order_p"], judged["strength"]) == (7.5, 0.2, "weak")  # of the best hit
    assert motifs.judge(motif, "Egr2", [], {"Homeo"})["pass"] is False
    assert motifs.judge(motif, "Egr2", [], {"Other"})["rank"] == 1  # one family of a dimer's 'A; B'
    assert motifs.judge(motif, "Znf1", [], set())["rank"] == 1  # the name, in any case
    assert not motifs.same_family("", {"Other"}) and motifs.same_family("Other", {"C2H2; Other"})


def test_motifs_standardized_log_clips_below_one():
    motifs = bench("motifs")
    y = np.log([1.0, 1.0, 10.0, 100.0])  # signals -5 and 0.5 count as 1
    np.testing.assert_allclose(motifs.standardized_log(np.array([-5.0, 0.5, 10.0, 100.0])),
                               (y - y.mean()) / y.std(), rtol=1e-6)


def test_motifs_interpret_the_top_scoring_sequences(monkeypatch):
    motifs = bench("motifs")
    seen = {}
    monkeypatch.setattr(motifs, "attribution_motifs",
                        lambda score, best, alphabet, **kw: seen.setdefault("attribution", best) is None or ["a", "b"])
    monkeypatch.setattr(motifs, "filter_motifs",
                        lambda model, best, alphabet, top: seen.setdefault("filter", best) is None or ["f"])
    x = torch.arange(10.0)[:, None, None].expand(10, 4, 6)  # sequence i scores i
    out = motifs.predictor_motifs(lambda t: t[:, 0, 0], "model", x, top=3)
    assert out == {"attribution": ["a"], "filter": ["f"]}  # the first (largest) attribution motif
    assert seen["attribution"][:, 0, 0].tolist() == [9.0, 8.0, 7.0] and seen["filter"] is seen["attribution"]
    assert "filter" not in motifs.predictor_motifs(lambda t: t[:, 0, 0], None, x, top=3)


def test_design_specificity_counts_up_hits_below_the_down_oracle_s_random_median(tmp_path, monkeypatch):
    design = bench("design")

    class Letters:  # an oracle (and predictor) of one letter: occupancy = its count
        def __init__(self, letter):
            self.letter = letter

        def occupancy(self, codes):
            return (codes == self.letter).sum(1).astype(float)

        def max_escore(self, codes):
            return np.full(len(codes), 0.5)

        def score(self, x):
            return x[:, self.letter].sum(-1), torch.zeros(len(x))

    oracles = {"UP": Letters(2), "DOWN": Letters(3)}  # up: G, down: T
    designs = np.array([[{"A": 0, "C": 1, "G": 2, "T": 3}[c] for c in pattern * 12]
                        for pattern in ("GGA", "GGT", "GTA", "GGC")], np.uint8)  # G 24, 24, 12, 24; T 0, 12, 12, 0
    objectives = []

    def fake_design(objective_set, constraints, settings, device):
        objectives.append((objective_set.objectives, settings.steps))
        return types.SimpleNamespace(codes=designs, calls_per_sequence=200)

    monkeypatch.setattr(design, "KmerOracle", types.SimpleNamespace(from_file=lambda path: oracles[path.name]))
    monkeypatch.setattr(design, "tfbind8_path", lambda folder, tf: folder / tf)
    monkeypatch.setattr(design, "load_predictor", lambda folder, device: oracles[folder.name.split("_")[0]])
    monkeypatch.setattr(design, "design", fake_design)
    out = design.specificity("UP", "DOWN", tmp_path, 0, 4, torch.device("cpu"), tmp_path, ["anneal"], 300,
                             conservative=(2.0,))
    random = np.random.default_rng(1).integers(0, 4, (300, 36))
    t_counts = (random == 3).sum(1)
    assert out["down_median_random"] == np.median(t_counts) and 7 <= np.median(t_counts) <= 11
    assert out["below_level"] == pytest.approx(t_counts.mean())  # the down predictor's mean on the random probes
    assert out["random"] == {"UP": (random == 2).sum(1).mean(), "DOWN": t_counts.mean()}
    for form, direction in (("min", "min"), ("below", "below")):
        figures = out["methods"][f"anneal ({form})"]
        assert {k: figures[k] for k in ("UP", "DOWN", "up_hits", "specific")} == {
            "UP": 21.0, "DOWN": 6.0, "up_hits": 0.75, "specific": 0.5}  # GGT is a hit, but T-rich
    (up, down), steps = objectives[1]
    assert (up.direction, down.direction, down.target, steps) == ("max", "below", out["below_level"], 25)
    assert objectives[0][0][1].direction == "min"
    assert (up.conservative, down.conservative) == (0.0, 0.0)
    (up, down), _ = objectives[2]  # as seqgen design --conservative 2: K on both objectives
    assert list(out["methods"]) == ["anneal (min)", "anneal (below)", "anneal (below, conservative 2)"]
    assert (up.direction, up.conservative, down.direction, down.target, down.conservative) == (
        "max", 2.0, "below", out["below_level"], 2.0)
    assert out["down_trained_on_all"] is False
    trained = []  # the down TF's predictor trained on every probe: its own folder, made by trained_predictor
    monkeypatch.setattr(design, "trained_predictor", lambda oracle, folder, probes, seed, device, keep_all: (
        trained.append((oracle, folder.name, probes, keep_all)) or Letters(0)))  # A: a down predictor of its own
    out = design.specificity("UP", "DOWN", tmp_path, 0, 4, torch.device("cpu"), tmp_path, ["anneal"], 300,
                             down_all=True, ceiling=True)
    assert trained == [(oracles["DOWN"], "DOWN_all_0", 300, True)] and out["down_trained_on_all"] is True
    assert out["up_trained_on_all"] is False
    assert out["below_level"] == pytest.approx((random == 0).sum(1).mean())  # the new predictor's level
    assert list(out["methods"]) == ["anneal (min)", "anneal (below)", "oracle ceiling: anneal-h6 (below)"]
    (up, down), steps = objectives[-1]  # the ceiling: the oracles themselves, the down one below its random median
    x = torch.as_tensor(one_hot(designs, 4))
    for objective, letter in ((up, 2), (down, 3)):
        mean, std = objective.scorer(x)
        assert mean.tolist() == (designs == letter).sum(1).tolist() and not std.any()
    assert (down.direction, down.target, steps) == ("below", out["down_median_random"], 25)  # anneal's 8 a step
    trained.clear()
    out = design.specificity("UP", "DOWN", tmp_path, 0, 4, torch.device("cpu"), tmp_path, ["anneal"], 300,
                             up_all=True)
    assert trained == [(oracles["UP"], "UP_all_0", 300, True)] and out["up_trained_on_all"] is True
    assert out["methods"]["anneal (min)"]["UP"] == 21.0  # the designs scored by the oracles, as before
    assert objectives[-1][0][0].scorer.__self__.letter == 0  # the up objective: the predictor trained on all


def write_potts_family(folder, protein):
    """An alignment of 10 columns: column 1 always A, the others drawn at random but for W and Y at columns 6 and 7 in
    every other row (24 rows, 3 of them copies of the row before); and the scan: A1W (column 1, never W), G6W (column
    6, W in half the rows) and C2D."""
    rng = np.random.default_rng(0)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    rows = [list("ACDEFGHIKL")]
    for i in range(23):
        row = [rows[0][0]] + list(rng.choice(letters, 9))
        row[5:7] = ["W", "Y"] if i % 2 else row[5:7]
        rows.append(rows[-1] if i % 6 == 5 else row)
    (folder / protein.ALIGNMENT).parent.mkdir(parents=True)
    (folder / protein.ALIGNMENT).write_text("".join(f">s{i}/1-10\n{''.join(r)}\n" for i, r in enumerate(rows)))
    (folder / protein.DMS).write_text("mutant,2500\nA1W,-1.0\nG6W,0.2\nC2D,0.1\n")
    return np.array(rows)


def test_potts_main_scores_mutants_as_the_mutant_s_hamiltonian_minus_the_wild_type_s(tmp_path, monkeypatch):
    protein, potts, common = bench("protein"), bench("protein_potts"), bench("common")
    for module in (protein, potts):
        monkeypatch.setattr(module, "SHARED_DATA", tmp_path)
    monkeypatch.setattr(potts, "SCORES", tmp_path / "scores")
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    rows = write_potts_family(tmp_path, protein)
    monkeypatch.setattr(sys, "argv", ["protein_potts.py", "--iterations", "20", "--threads", "1"])
    potts.main()
    table = pd.read_csv(tmp_path / "scores" / "potts.tsv", sep="\t")
    assert table["mutant"].tolist() == ["A1W", "G6W", "C2D"] and table["measured"].tolist() == [-1.0, 0.2, 0.1]
    a1w, g6w, _ = table["vae"]
    assert a1w < -1 and a1w < g6w - 1  # a letter never seen in a conserved column: much less likely
    result = json.loads((tmp_path / "protein-potts.json").read_text())
    identity = (rows[:, None] == rows[None]).mean(-1)  # DeepSequence's weights, theta 0.2: only the copies are
    assert result["neff"] == round(float((1 / (identity > 0.8).sum(1)).sum()), 1) == 21.0  # neighbours
    assert result["spearman"] == round(spearmanr(table["vae"], table["measured"]).statistic, 4)
    assert result["n_mutants"] == 3 and result["iterations"] == 20 and "vae_tables" not in result


def test_generator_quality_trains_on_80_percent_and_evaluates_against_the_held_out_rest(tmp_path, monkeypatch):
    import gzip

    quality, common = bench("generator_quality"), bench("common")
    (tmp_path / "chipseq").mkdir()
    rng = np.random.default_rng(0)
    peaks = ["".join(rng.choice(list("ACGT"), 20)) for _ in range(50)]
    with gzip.open(tmp_path / "chipseq" / "TOY_cell_AC.seq.gz", "wt") as handle:
        handle.write("FoldID\tEventID\tseq\tBound\n" + "".join(f"A\tp{i}\t{s}\t1\n" for i, s in enumerate(peaks)))
    monkeypatch.setattr(quality, "SHARED_DATA", tmp_path)
    for module in (quality, common):
        monkeypatch.setattr(module, "RESULTS", tmp_path)
    seen = {"baseline": [], "evaluate": [], "train": []}

    def fake_baseline(kind, train, n, rng):
        seen["baseline"].append((kind, set(train.ids), n))
        return np.zeros((n, train.length), np.uint8)

    def fake_evaluate(reference, query, training, seed):
        seen["evaluate"].append((set(reference.ids), len(query), set(training.ids), seed))
        js = {str(k): {"ratio": 1.0 + k / 10, "query": 0.1, "real": 0.01} for k in (4, 6)}
        return {"kmer_js": js, "copies": {"fraction": 0.0}, "classifier_auroc": 0.6, "nearest_hamming": {"mean": 9},
                "gc": {"ks": 0.1}, "diversity": {"query": 0.7}}

    def fake_train(model, train, n, minutes, device, out, seed):
        seen["train"].append((model, set(train.ids), n, minutes, seed))
        return np.zeros((n, train.length), np.uint8), {"steps": 1}, None

    monkeypatch.setattr(quality, "baseline", fake_baseline)
    monkeypatch.setattr(quality, "evaluate", fake_evaluate)
    monkeypatch.setattr(quality, "train_and_sample", fake_train)
    quality.main(["--datasets", "TOY", "--models", "vae", "--minutes", "0.5", "--seed", "3", "--name", "gq",
                  "--threads", "1"])
    stored = json.loads((tmp_path / "gq.json").read_text())["results"]["TOY"]
    assert (stored["n_train"], stored["n_held_out"], stored["length"]) == (40, 10, 20)
    train = seen["train"][0][1]
    assert len(train) == 40 and seen["train"][0] == ("vae", train, 10, 0.5, 3)
    held = {f"p{i}" for i in range(50)} - train
    assert seen["baseline"] == [(kind, train, 10) for kind in ("uniform", "composition", "markov")]
    assert seen["evaluate"] == [(held, 10, train, 3)] * 4  # three baselines and the model
    assert (stored["vae"]["js_ratio_k4"], stored["vae"]["js_ratio_k6"], stored["markov"]["auroc"]) == (1.4, 1.6, 0.6)


def test_tomtom_calibration_bins_spurious_matches_by_the_motifs_bits():
    spurious_rates = bench("tomtom_calibration").spurious_rates
    best = pd.DataFrame({"query_bits": [2.0, 3.9, 4.0, 5.0, 9.0, 11.0], "q_value": [1e-9, 0.5, 0.05, 0.2, 0.01, 0.3]})
    rates = spurious_rates(best).set_index("bits")
    assert rates["n"].to_dict() == {"[0, 4)": 2, "[4, 6)": 2, "[8, 10)": 1, "[10, 12)": 1}
    assert rates["matched"].to_dict() == {"[0, 4)": 0.5, "[4, 6)": 0.5, "[8, 10)": 1.0, "[10, 12)": 0.0}
    assert rates["named"].to_dict() == {"[0, 4)": 0.0, "[4, 6)": 0.5, "[8, 10)": 1.0, "[10, 12)": 0.0}
    assert rates["strong"].to_dict() == rates["named"].to_dict() and "right" not in rates  # no order_p: no mark
    tested = best.assign(order_p=[0.005, 0.005, 0.5, 0.005, 0.01, 0.005], target_name=["A", "B", "C", "D", "E", "F"],
                         source=["A", "B", "C", "D", "e", "F"])
    rates = spurious_rates(tested).set_index("bits")
    assert rates["strong"].to_dict() == {"[0, 4)": 0.0, "[4, 6)": 0.0, "[8, 10)": 1.0, "[10, 12)": 0.0}
    assert rates["right"].to_dict() == {"[0, 4)": 0.0, "[4, 6)": 0.0, "[8, 10)": 1.0, "[10, 12)": 0.0}  # any case
    wrong = spurious_rates(tested.assign(source="G")).set_index("bits")
    assert wrong["right"].sum() == 0 and wrong["strong"].to_dict() == rates["strong"].to_dict()


def test_tomtom_calibration_plants_motifs_from_sites_drawn_from_each_column_of_a_target():
    from seqgen.motifs import Motif

    planted_motifs = bench("tomtom_calibration").planted_motifs
    sharp = np.array([[0.97, 0.01, 0.01, 0.01], [0.01, 0.01, 0.97, 0.01], [0.1, 0.6, 0.2, 0.1]]).T  # (4, 3)
    flat_edge = np.concatenate([sharp, np.full((4, 1), 0.25)], 1)  # a last column under 0.3 bits
    targets = [Motif("MA1", flat_edge * 10, description="TF1")]  # counts: columns need not sum to 1
    motifs = planted_motifs(np.random.default_rng(0), targets, 3, 20000)
    assert [m.stats["source"] for m in motifs] == ["TF1"] * 3 and len({m.name for m in motifs}) == 3
    for m in motifs:
        assert m.width == 3  # the flat edge trimmed
        np.testing.assert_allclose(m.pwm, sharp, atol=0.015)
    few = planted_motifs(np.random.default_rng(0), targets, 1, 4)[0]
    assert np.allclose(few.pwm.sum(0), 1) and (few.pwm > 0).all()  # pseudocount 1 over 4 sites


def test_the_machine_lists_every_gpu_not_the_first_only(monkeypatch):
    """A run on cuda:1 was recorded with GPU 0's name: the machine now lists every GPU, and a run its own device."""
    import torch

    machine = bench("common").machine
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=None: ["H200", "A100"][i])
    info = machine()
    assert info["gpus"] == ["H200", "A100"] and "gpu" not in info
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert "gpus" not in machine()


def test_the_gpu_session_refuses_a_machine_without_cuda_and_an_unknown_stage(tmp_path):
    import torch

    script, env = str(BENCHMARKS / "gpu_session.sh"), {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable}
    if not torch.cuda.is_available():
        no_gpu = subprocess.run(["bash", script, "tests"], env=env, capture_output=True, text=True)
        assert no_gpu.returncode == 1 and "no CUDA device here" in no_gpu.stderr
    unknown = subprocess.run(["bash", script, "tset"], env={**env, "SEQGEN_BENCH_DEVICE": "cpu"}, capture_output=True,
                             text=True)
    assert unknown.returncode == 2 and "unknown stage 'tset'" in unknown.stderr


def test_the_real_data_folder_can_be_named(tmp_path):
    code = f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import common; print(common.SHARED_DATA)"
    shown = subprocess.run([sys.executable, "-c", code], env={"SEQGEN_SHARED_DATA": str(tmp_path)},
                           capture_output=True, text=True)
    assert shown.stdout.strip() == str(tmp_path)


def test_chipseq_trains_on_peaks_and_their_shuffles_and_tests_on_fold_b(tmp_path, monkeypatch):
    import gzip

    chipseq, common = bench("chipseq"), bench("common")
    folder = tmp_path / "chipseq"
    folder.mkdir()
    rng = np.random.default_rng(0)

    def peak(bound: bool) -> str:
        letters = "".join(rng.choice(list("ACGT"), 30))
        return letters[:10] + "GGGCGTGGC" + letters[19:] if bound else letters

    header = "FoldID\tEventID\tseq\tBound\n"
    with gzip.open(folder / "TOY_cell_AC.seq.gz", "wt") as handle:
        handle.write(header + "".join(f"A\tp{i}\t{peak(True)}\t1\n" for i in range(300)))
    with gzip.open(folder / "TOY_cell_B.seq.gz", "wt") as handle:
        handle.write(header + "".join(f"B\tt{i}\t{peak(i % 2 == 0)}\t{int(i % 2 == 0)}\n" for i in range(60)))
    monkeypatch.setattr(chipseq, "CHIPSEQ", folder)
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    assert chipseq.main(["--max-time", "0.05", "--device", "cpu", "--name", "toy", "--threads", "1"]) == 0
    stored = json.loads((tmp_path / "toy.json").read_text())
    (row,) = stored["tfs"]
    assert (row["tf"], row["n_peaks"], row["n_test"]) == ("TOY_cell", 300, 60)
    assert row["auroc_kmer_ridge"] > 0.9  # the planted site's 5-mers, against shuffles that break it
    assert stored["mean_auroc"] == row["auroc"] and len(row["auroc_members"]) == 5


def test_negatives_gc_matched_windows_follow_the_peaks_composition_and_random_ones_do_not(tmp_path, monkeypatch):
    negatives, common = bench("negatives"), bench("common")
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    assert negatives.main(["--genome-mb", "6", "--peaks", "600", "--name", "toy"]) == 0
    stored = json.loads((tmp_path / "toy.json").read_text())
    kinds, peaks = stored["kinds"], stored["peaks"]
    assert peaks["gc"] > stored["genome"]["gc"] + 0.02 and peaks["masked"] < stored["genome"]["masked"] - 0.1
    matched, random = kinds["gc-matched"], kinds["random windows (baseline)"]
    assert matched["n"] >= 0.95 * stored["n_peaks"] and random["n"] == stored["n_peaks"]
    assert abs(matched["gc"] - peaks["gc"]) < 0.01 and abs(matched["masked"] - peaks["masked"]) < 0.02
    assert matched["auroc_gc"] < 0.56 and matched["auroc_masked"] < 0.56
    assert random["auroc_gc"] > 0.65 and random["auroc_masked"] > 0.6
    assert kinds["flanks"]["auroc_masked"] > 0.6  # repeats are local: the flanks do not share the peaks' depletion


def test_scan_scores_chipseq_folds_with_pbm_models_and_times_the_scan_against_numpy_windows(tmp_path, monkeypatch):
    import gzip

    scan, common = bench("scan"), bench("common")
    rng = np.random.default_rng(2)
    (tmp_path / "dream5").mkdir()
    (tmp_path / "chipseq").mkdir()
    probes = ["".join(rng.choice(list("ACGT"), 35)) for _ in range(300)]
    (tmp_path / "dream5" / "Toy_HK.txt").write_text(
        "".join(f"{p}\t{100 + 900 * ('GGGCG' in p):.1f}\t50\n" for p in probes))
    peaks = ["".join(rng.choice(list("ACGT"), 50)) for _ in range(40)]
    with gzip.open(tmp_path / "chipseq" / "TOY_cell_B.seq.gz", "wt") as handle:
        handle.write("FoldID\tEventID\tseq\tBound\n" + "".join(f"B\tp{i}\t{s}\t{i % 2}\n" for i, s in
                                                                 enumerate(peaks)))
    monkeypatch.setattr(scan, "DREAM5", tmp_path / "dream5")
    monkeypatch.setattr(scan, "CHIPSEQ", tmp_path / "chipseq")
    monkeypatch.setattr(scan, "RELATED", {"Toy": "TOY_cell"})
    monkeypatch.setattr(scan, "SETTINGS", {**scan.SETTINGS, "members": 2, "filters": 4, "layers": 1})
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    assert scan.main(["--max-time", "0.01", "--threads", "1", "--name", "toy", "--shuffles", "2"]) == 0
    stored = json.loads((tmp_path / "toy.json").read_text())
    (pair,) = stored["pairs"]
    assert pair["pbm"] == "Toy" and pair["chipseq"] == "TOY_cell" and pair["related"]
    assert all(0 <= pair[f"auroc_{k}"] <= 1 for k in ("scan", "both", "centre", "first"))
    speed, default = stored["speed"], stored["default_architecture"]
    assert speed["windows"] == 40 * 16 and speed["baseline_bytes"] == 40 * 16 * 35 and not speed["shares_windows"]
    assert default["shares_windows"] and default["windows"] == 40 * 16 and 0 <= default["auroc_scan"] <= 1
    for figures in (speed, default):
        assert figures["max_abs_difference"] <= 1e-5 * figures["max_score"]
        assert set(figures["windows_per_second"]) == {"scan", "one_by_one", "numpy"}
    assert set(stored["models"]) == {"Toy", "Toy, default architecture"}
    (significance,) = default["significance"].values()
    assert significance["shuffles"] == 2 and all(0 <= significance[f"{kind}_{name}"] <= 1 for kind in ("bound", "unbound")
                                                 for name in ("p05", "p01", "p001", "q05"))
    assert 0 <= significance["auroc_p"] <= 1 and 0 < significance["q_min"] <= 1


def test_design_trained_predictor_trains_once_on_the_probes_asked_for(tmp_path, monkeypatch):
    design = bench("design")
    calls = []
    monkeypatch.setattr(design, "make_training_set", lambda oracle, n, seed, keep_all: (("data", n, keep_all), 0, 0))
    monkeypatch.setattr(design, "train_predictor", lambda data, seed, folder, device: calls.append((data, seed)) or 2.5)
    monkeypatch.setattr(design, "load_predictor", lambda folder, device: folder.name)
    folder = tmp_path / "KLF1_all_3"
    assert design.trained_predictor("oracle", folder, 500, 3, "cpu", keep_all=True) == "KLF1_all_3"
    assert calls == [(("data", 500, True), 3)] and (folder / "train_seconds.txt").read_text() == "2.5\n"
    assert design.trained_predictor("oracle", folder, 500, 3, "cpu", keep_all=True) == "KLF1_all_3"
    assert len(calls) == 1  # kept: not trained again
