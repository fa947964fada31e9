"""The HTML report: a full results folder, partial ones, and a real render in headless Chromium."""
import html
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import torch

from seqgen.alphabets import DNA, decode, encode
from seqgen.cli import main
from seqgen.data import SequenceSet, one_hot
from seqgen.interpret import in_silico_mutagenesis
from seqgen.io import write_fasta
from seqgen.motifs import Motif, discover_motifs, top_and_rest, write_results
from seqgen.report import build_report
from seqgen.simulate import simulate_pbm


class TinyCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, 8, 11, padding=5)
        self.out = torch.nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.relu(self.conv(x)).amax(dim=-1)).squeeze(-1)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A results folder made by real (small) steps: simulated data, a tiny predictor trained here,
    a greedy in-silico-mutagenesis design run with it, and motif discovery on the top probes."""
    root = tmp_path_factory.mktemp("results") / "demo"
    root.mkdir()
    table, info = simulate_pbm(n=3000, seed=0, threshold=8.0)
    data = SequenceSet(encode(table["sequence"].tolist(), DNA), DNA, table["id"].to_numpy(), labels=np.log(table["signal"].to_numpy())[:, None],
                       label_names=["log_signal"], meta={"source": "simulate_pbm", **info})
    data.save(root / "data.npz")
    (root / "config.yaml").write_text("dataset: demo\nseed: 0\nmotifs:\n  jaspar_release: JASPAR2024\n")
    # predictor
    torch.manual_seed(0)
    x = torch.tensor(one_hot(data.codes, 4))
    y = torch.tensor((data.labels[:, 0] - data.labels[:, 0].mean()) / data.labels[:, 0].std(), dtype=torch.float32)
    net, rows = TinyCNN(), []
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    for step in range(150):
        b = torch.randint(0, 2500, (128,))
        loss = ((net(x[b]) - y[b]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0:
            with torch.no_grad():
                val = float(((net(x[2500:]) - y[2500:]) ** 2).mean())
            rows.append({"step": step, "loss": loss.item(), "val_loss": val})
    (root / "predictor").mkdir()
    pd.DataFrame(rows).to_csv(root / "predictor" / "metrics.csv", index=False)
    with torch.no_grad():
        pred = net(x[2500:]).numpy()
    pd.DataFrame({"measured": y[2500:].numpy(), "predicted": pred}).to_csv(root / "predictor" / "predictions.tsv",
                                                                           sep="\t", index=False)
    (root / "predictor" / "metrics.json").write_text(json.dumps(
        {"pearson": float(np.corrcoef(pred, y[2500:].numpy())[0, 1]), "n_test": 500}))
    # design: greedy best single substitution per step, scored by the predictor
    design = x[:30].clone()
    traj = []
    with torch.no_grad():
        for step in range(8):
            s = net(design)
            traj.append({"step": step, "mean_score": float(s.mean()), "best_score": float(s.max())})
            deltas = torch.tensor(in_silico_mutagenesis(net, design)).reshape(len(design), -1)
            best = deltas.argmax(dim=1)
            letter, pos = best // design.shape[2], best % design.shape[2]
            design[torch.arange(len(design)), :, pos] = 0
            design[torch.arange(len(design)), letter, pos] = 1
        scores = net(design).numpy()
    seqs = decode(design.argmax(1).numpy().astype(np.uint8), DNA)
    folder = root / "design" / "greedy-ism"
    folder.mkdir(parents=True)
    ids = [f"design_{i + 1}" for i in range(len(seqs))]
    write_fasta(folder / "designs.fasta", ids, seqs)
    pd.DataFrame({"id": ids, "sequence": seqs, "score": scores}).to_csv(folder / "designs.tsv", sep="\t", index=False)
    pd.DataFrame(traj).to_csv(folder / "trajectory.tsv", sep="\t", index=False)
    # motifs
    fg, bg = top_and_rest(data.codes, data.labels[:, 0], 100)
    motifs = discover_motifs(fg, bg, DNA, n_motifs=2)
    write_results(root / "motifs", motifs, fg, params={"n_foreground": len(fg), "background": "the rest"})
    return root


def external_links(page: str) -> list:
    return re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?!data:)(?:https?:|//)""", page, flags=re.I)


def test_full_report_is_self_contained(results, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", "--results", str(results), "--out", str(out), "--top", "10"]) == 0
    page = out.read_text()
    assert page.count("data:image/png;base64,") >= 6  # logos, curves, scatter, trajectory, scores, composition
    assert external_links(page) == [] and "<link" not in page and "<script" not in page
    for text in ("Summary", "seqgen-1", "EGR2", "MA0472.2", "greedy-ism", "design_", "Training curves",
                 "pearson", "dataset: demo", "memelite"):
        assert text in page, text
    assert page.index("Summary") < page.index("Motifs") < page.index("Designs") < page.index("Model quality") \
        < page.index("How it was made")
    assert "background:#ffd166" in page  # a motif site marked in the designs table


def test_predictor_motifs_too_short_for_the_site_threshold_are_named_in_their_section(results, tmp_path):
    """A predictor's 6-wide TATAAT has no sites at p 1e-4 (its sites.tsv lists none): its own section says why."""
    from seqgen.motifs import Motif, write_meme

    copy = tmp_path / "results"
    shutil.copytree(results, copy)
    folder = copy / "motifs" / "predictor"
    folder.mkdir(exist_ok=True)
    pwm = np.full((4, 6), 0.02)
    pwm[encode(["TATAAT"], DNA)[0], np.arange(6)] = 0.94
    write_meme(folder / "motifs.meme", [Motif("predictor-1", pwm, DNA)])
    (folder / "params.json").write_text(json.dumps({"site_threshold": 1e-4, "method": "in-silico mutagenesis"}))
    page, _ = build_report(copy)
    assert page.count("predictor-1 (TATAAT, best p 0.00024) cannot reach p &lt; 0.0001 at any window") == 1


def test_design_sites_are_marked_at_the_motif_search_threshold(results, tmp_path):
    copy = tmp_path / "results"
    shutil.copytree(results, copy)
    page, _ = build_report(copy)
    assert "Motif sites (FIMO, p &lt; 0.0001)" in page
    params = json.loads((copy / "motifs" / "params.json").read_text())
    (copy / "motifs" / "params.json").write_text(json.dumps({**params, "site_threshold": 0.01}))
    weak, _ = build_report(copy)
    assert "Motif sites (FIMO, p &lt; 0.01)" in weak
    assert weak.count("background:#") > page.count("background:#")  # weaker sites marked too


def test_motifs_too_short_for_the_site_threshold_are_named(results, tmp_path):
    from seqgen.motifs import Motif, write_meme

    copy = tmp_path / "results"
    shutil.copytree(results, copy)
    pwm = np.full((4, 6), 0.02)
    pwm[encode(["TATAAT"], DNA)[0], np.arange(6)] = 0.94  # best window p = 4^-6 = 2.4e-4
    write_meme(copy / "motifs" / "motifs.meme", [Motif("tata", pwm, DNA)])
    page, _ = build_report(copy)
    assert "tata (TATAAT, best p 0.00024) cannot reach p &lt; 0.0001 at any window" in page
    params = json.loads((copy / "motifs" / "params.json").read_text())
    (copy / "motifs" / "params.json").write_text(json.dumps({**params, "site_threshold": 0.001}))
    page, _ = build_report(copy)
    assert "cannot reach" not in page and "Motif sites (FIMO, p &lt; 0.001)" in page


def test_report_on_partial_folders(tmp_path):
    only_metrics = tmp_path / "only_metrics"
    (only_metrics / "predictor").mkdir(parents=True)
    pd.DataFrame({"step": [0, 1, 2], "loss": [1.0, 0.5, 0.3]}).to_csv(only_metrics / "predictor" / "metrics.csv",
                                                                      index=False)
    page, notes = build_report(only_metrics)
    assert "Training curves" in page and "data:image/png" in page
    assert any("motifs/motifs.meme" in n for n in notes) and any("data.npz" in n for n in notes)
    empty = tmp_path / "empty"
    empty.mkdir()
    page, notes = build_report(empty)
    assert "No motifs yet" in page and "No designs yet" in page
    broken = tmp_path / "broken"
    (broken / "predictor").mkdir(parents=True)
    (broken / "predictor" / "metrics.json").write_text("{not json")
    page, notes = build_report(broken)
    assert any("could not read predictor/metrics.json" in n for n in notes)
    (broken / "predictor" / "predictions.tsv").write_text("id\tscore\na\t1\n")  # read, but not a predictions table
    page, notes = build_report(broken)  # its measured-vs-predicted figure was left out without a word
    assert "could not read predictor/predictions.tsv: no column 'measured', 'predicted' (its columns: id, score)" \
        in notes


def test_gap_free_samples_of_an_alignment_are_flagged(tmp_path):
    """A family VAE's samples have no gaps (gaps are missing data), its alignment has: the generators' table said
    nothing, and its k = 1 JS ratio (150 on BLAT_ECOLX, 7 against the alignment's gap-free rows) read as a poor
    model. Samples with gaps (the conv VAE) get no such sentence."""
    from seqgen.alphabets import PROTEIN_GAP

    rows = ["MKVLA-", "MKV-AC", "MRVLAC", "MKVLAC"]
    SequenceSet(encode(rows, PROTEIN_GAP), "protein-gap", [f"s{i}" for i in range(4)]).save(tmp_path / "data.npz")
    (tmp_path / "generator" / "vae").mkdir(parents=True)
    (tmp_path / "generator" / "vae" / "evaluation.json").write_text(json.dumps(
        {"kmer_js": {"1": {"ratio": 150.0}}, "classifier_auroc": 0.8}))
    write_fasta(tmp_path / "generator" / "vae" / "samples.fasta", ["a", "b"], ["MKVLAC", "MRVLAC"])
    page, _ = build_report(tmp_path)
    assert "The training alignment has gaps (8.3% of its letters, in 50% of its rows) and the samples of vae none" \
        in page  # an evaluation.json of before: compared with every row
    (tmp_path / "generator" / "vae" / "evaluation.json").write_text(json.dumps(
        {"kmer_js": {"1": {"ratio": 2.0}}, "classifier_auroc": 0.6, "gap_free": {"reference": [2, 4]}}))
    page, _ = build_report(tmp_path)
    assert "The samples of vae hold no gap (gaps are missing data to a family VAE) and are compared with the " \
        "alignment&#x27;s 2 gap-free rows of 4." in page and "The training alignment has gaps" not in page
    (tmp_path / "generator" / "vae" / "evaluation.json").write_text(json.dumps(  # the workflow's holdout
        {"kmer_js": {"1": {"ratio": 2.0}}, "classifier_auroc": 0.6, "baseline": "training subset of 2",
         "gap_free": {"reference": [1, 2], "training": [2, 3]}}))
    page, _ = build_report(tmp_path)
    assert "compared with the 1 gap-free rows of the 2 held out (and the training part&#x27;s 2 of 3)." in page \
        and "the alignment&#x27;s" not in page
    write_fasta(tmp_path / "generator" / "vae" / "samples.fasta", ["a", "b"], ["MKVLA-", "MRVLAC"])
    page, _ = build_report(tmp_path)
    assert "The training alignment has gaps" not in page


def test_report_of_missing_folder(tmp_path, capsys):
    assert main(["report", "--results", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html")]) == 1
    assert "results folder does not exist" in capsys.readouterr().err
    assert main(["report", "--results", str(tmp_path), "--out", str(tmp_path / "r.html"), "--top", "-3"]) == 1
    assert "--top must be at least 1, not -3" in capsys.readouterr().err


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_report_renders_in_headless_chromium(results, tmp_path):
    out = results / "report.html"
    assert main(["report", "--results", str(results), "--out", str(out)]) == 0
    shot = results / "report.png"  # kept beside the report to look at
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1200,2400",
           f"--screenshot={shot}", out.as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=90)
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("L"))
    assert image.shape[0] >= 2000 and image.shape[1] >= 1000
    assert (image < 128).mean() > 0.01  # text and pictures were drawn, not a blank page
    print(f"screenshot: {shot}")


def test_mutation_section_counts_unscored_mutants(tmp_path):
    from seqgen.report.mutations import mutation_section
    from seqgen.report.results import Results

    pd.DataFrame({"mutant": ["A1C", "D2E", "G3W", "K90R"], "vae": [-1.0, 0.5, -3.0, np.nan],
                  "site_independent": [-0.5, 0.2, -2.0, np.nan],
                  "note": ["", "", "", "not scored: outside"]}).to_csv(tmp_path / "mutations.tsv", sep="\t", index=False)
    section = mutation_section(Results(tmp_path), top=1)
    assert "3 mutants of the focus sequence scored" in section
    assert "1 could not be scored" in section and "K90R" in section
    most, least = section.split("Most tolerated")[1].split("Least tolerated")
    assert "D2E" in most and "A1C" not in most and "G3W" in least and "D2E" not in least
    few = mutation_section(Results(tmp_path), top=2)  # no more than twice top: one list, no mutant twice
    assert "Least tolerated" not in few and few.index("D2E") < few.index("A1C") < few.index("G3W")
    assert "Spearman correlation with the measured" not in few  # no measured column


def test_mutation_section_gives_the_spearman_correlation_with_a_measured_column(tmp_path):
    from seqgen.report.mutations import mutation_section
    from seqgen.report.results import Results

    pd.DataFrame({"mutant": ["A1C", "D2E", "G3W", "K4R", "K90R"], "vae": [-1.0, 0.5, -3.0, -2.0, np.nan],
                  "site_independent": [-0.5, -0.6, -2.0, 0.1, np.nan], "note": ["", "", "", "", "outside"],
                  "measured_2500": [0.1, 0.3, -0.9, np.nan, 0.2]}).to_csv(tmp_path / "mutations.tsv", sep="\t",
                                                                         index=False)
    section = mutation_section(Results(tmp_path), top=5)
    # A1C, D2E, G3W: measured and scored; the VAE ranks them as measured (1), the site-independent model swaps two
    assert ("Spearman correlation with the measured 2500 (3 mutants measured and scored): family VAE 1, "
            "site-independent model 0.5.") in section


def write_scan(folder, p_values=True):
    """scan/best.tsv and scan/windows.tsv of three 40-letter sequences scanned on both strands (11 windows each)."""
    (folder / "scan").mkdir(parents=True)
    best = pd.DataFrame({"id": ["low", "high", "mid"], "sequence": ["ACGTACGTAC", "GGGCGTGGGC", "TTTTAAAACC"],
                         "mean": [0.5, 9.0, 3.0], "std": [0.1, 0.4, 0.2], "position": [3, 17, 0],
                         "orientation": ["+", "-", "+"], "windows": [22, 22, 22]})
    if p_values:
        best["p_value"], best["q_value"] = [0.6, 0.001, 0.04], [0.6, 0.003, 0.06]
    best.to_csv(folder / "scan" / "best.tsv", sep="\t", index=False)
    positions = np.r_[0:31:3, 30:-1:-3]  # each strand's 11 windows
    windows = pd.DataFrame({"id": np.repeat(["low", "high", "mid"], 22), "position": np.tile(positions, 3),
                            "orientation": np.tile(np.repeat(["+", "-"], 11), 3), "mean": np.linspace(0, 9, 66)})
    windows.to_csv(folder / "scan" / "windows.tsv", sep="\t", index=False)


def test_the_scan_section_counts_significant_best_windows_and_ranks_them(tmp_path):
    from seqgen.report.results import Results
    from seqgen.report.scan import scan_section

    write_scan(tmp_path)
    section = scan_section(Results(tmp_path), top=2)
    assert "3 sequences of the data set's scan file, scored by its predictor in every window of 10 letters (their 66 " \
           "windows, both strands" in section
    assert "<b>1</b> have a best window with q &lt; 0.05 (2 with p &lt; 0.05, where 0.2 would be by chance)" in section
    assert "The lowest best window called so scores 9" in section and section.count("<img") == 1
    shown = section.split("The 2 highest best windows")[1]
    assert shown.index("high") < shown.index("mid") and "low" not in shown and "GGGCGTGGGC" in shown
    (tmp_path / "scan" / "windows.tsv").unlink()
    (tmp_path / "plain").mkdir()
    write_scan(tmp_path / "plain", p_values=False)
    plain = scan_section(Results(tmp_path / "plain"), top=5)
    assert "q &lt;" not in plain and "p_value" not in plain and "ACGTACGTAC" in plain
    res = Results(tmp_path)
    assert "<img" not in scan_section(res, top=5) and "no scan/windows.tsv (every scanned window's score)" in res.notes


def test_the_scan_table_marks_the_data_s_motif_sites_in_the_best_windows(tmp_path):
    from seqgen.alphabets import DNA as dna
    from seqgen.motifs import Motif, counts_to_pwm
    from seqgen.report.results import Results
    from seqgen.report.scan import scan_section

    write_scan(tmp_path)
    counts = np.eye(4)[encode(["GGGCGTGG"], dna)[0]] * 10  # an 8-mer: a 6-mer cannot reach p 1e-4
    motif = Motif("gc", counts_to_pwm(counts.T, 0.01), dna)
    section = scan_section(Results(tmp_path), top=3, motifs=[motif], colors={"gc": "#abcdef"}, alphabet=dna)
    assert "sites (FIMO, p &lt; 0.0001) are marked" in section
    rows = section.split("<tr>")[2:]  # high, mid, low
    assert "#abcdef" in rows[0] and "#abcdef" not in rows[1] + rows[2]  # only GGGCGTGGGC holds it
    assert "<th>q_value</th><th>sites</th><th>sequence</th>" in section


def test_the_report_leaves_out_a_scan_with_no_scan(tmp_path):
    write_scan(tmp_path)
    assert "Scanned sequences" in build_report(tmp_path)[0]
    page, notes = build_report(tmp_path, scan=False)
    assert "Scanned sequences" not in page and not any("scan" in n for n in notes)
    assert "Scanned sequences" not in build_report(tmp_path, predictor=False)[0]  # scored by a predictor not this run's


def test_designs_are_ranked_on_the_label_scale():
    from seqgen.report.results import score_column

    designs = pd.DataFrame({"id": ["a", "b"], "sequence": ["AC", "GT"], "utility": [0.9, 0.8],
                            "score_mean": [0.9, 0.8], "score_std": [0.1, 0.1], "score_label_mean": [2.0e4, 1.0e4]})
    assert score_column(designs) == "score_label_mean"  # the scale of predictions.tsv and the measured labels
    assert score_column(designs.drop(columns="score_label_mean")) == "score_mean"
    assert score_column(designs[["id", "sequence", "utility"]]) == "utility"
    predicted = pd.DataFrame({"id": ["a"], "sequence": ["AC"], "mean": [3.0], "std": [0.5]})  # seqgen predict's
    assert score_column(predicted) == "mean"
    both = pd.DataFrame({"mean": [3.0], "score_label_mean": [2.0], "score": [1.0]})  # the order the docstring gives
    assert [score_column(both[list(c)]) for c in (both, ["mean", "score_label_mean"], ["mean"])] == [
        "score", "score_label_mean", "mean"]


def test_designs_beyond_the_training_labels_are_flagged():
    from seqgen.report.designs import extrapolation_note

    designs = pd.DataFrame({"score_label_mean": [3.0e7, 2.0e4, 1.0e3]})
    text = extrapolation_note(designs, "score_label_mean", label_max=2.6e4)
    assert "1 of 3 designs are predicted above the highest training label (26,000" in text
    assert extrapolation_note(designs, "score_label_mean", label_max=5e7) == ""
    assert extrapolation_note(designs, "utility", label_max=2.6e4) == ""  # no label scale, nothing to compare


def test_designs_of_a_composition_unlike_the_best_training_sequences_are_flagged(tmp_path):
    from seqgen.data import SequenceSet
    from seqgen.report.designs import composition_note, reference_letters
    from seqgen.report.results import Results

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (400, 30)).astype(np.uint8)
    codes[:100, :12] = encode(["GCGCGCCGGCGC"], DNA)[0]  # the 100 best: GC-rich
    labels = np.r_[np.full(100, 9.0), np.zeros(300)].astype(np.float32)[:, None]
    data = SequenceSet(codes, DNA, labels=labels, label_names=["signal"], ids=np.array([f"s{i}" for i in range(400)]))
    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "signal", "task": "regression"}))
    reference = reference_letters(Results(tmp_path), data)
    assert reference[1] == "the 100 training sequences of highest signal" and reference[0][:, 1:3].sum(1).min() > 0.4
    best = [seq for seq in decode(codes[:100], DNA) if not re.search(r"(.)\1{6}", seq)]  # no run of 7
    like_the_best = pd.DataFrame({"sequence": best[:20]})
    assert composition_note(like_the_best, DNA, reference) == ""
    at_rich = pd.DataFrame({"sequence": ["ATTATAAATTTATAATAAATTTATAGCATA"] * 5})
    assert "mean GC content, 0.07, lies outside that of 90% of the 100 training" in composition_note(
        at_rich, DNA, reference)
    runs = pd.DataFrame({"sequence": decode(codes[:4], DNA)[:3] + ["GCGCGCCGGCGC" + "G" * 8 + "ACGTACGTAC"]})
    assert "1 of 4 designs have a run of more than 6 of one letter" in composition_note(runs, DNA, reference)
    (tmp_path / "none").mkdir()
    everything = reference_letters(Results(tmp_path / "none"), data)  # no predictor: all the training sequences
    assert everything[1] == "the training sequences" and len(everything[0]) == 400
    assert reference_letters(Results(tmp_path), SequenceSet(codes[:, :5], "protein", ids=data.ids)) is None
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "signal", "task": "classification"}))
    classes = SequenceSet(codes, DNA, labels=(labels > 0).astype(np.float32), label_names=["signal"], ids=data.ids)
    positives = reference_letters(Results(tmp_path), classes)  # a classifier's: every positive
    assert positives[1] == "the 100 training sequences of signal 1" and np.array_equal(positives[0], reference[0])
    no_g = pd.DataFrame({"sequence": [seq.replace("G", "C") for seq in decode(codes[:20], DNA)]})  # GC as before
    flagged = composition_note(no_g, DNA, reference)  # G gone, C doubled: each outside its own range
    assert "each of these letters lies outside that of 90% of the 100 training sequences of highest signal: C " in \
        flagged and ", G 0.00 (" in flagged and "mean GC" not in flagged


def test_the_summary_gives_the_kmer_ratios_of_the_targets():
    from seqgen.report.quality import kmer_ratios

    row = {"JS ratio k=1": 272.1, "JS ratio k=4": 8.28, "JS ratio k=6": 1.545, "copies": 0}
    assert kmer_ratios(row) == {"k-mer JS ratio (k = 4 / 6)": "8.28 / 1.545"}  # not the forgiving 6-mer alone
    assert kmer_ratios({"JS ratio k=1": 1.0, "JS ratio k=5": 2.5}) == {"k-mer JS ratio (k = 5)": "2.5"}
    assert kmer_ratios({"copies": 0}) == {}


def test_designs_that_minimize_are_ranked_by_what_they_optimized(tmp_path):
    folder = tmp_path / "design" / "anneal"
    folder.mkdir(parents=True)
    pd.DataFrame({"id": ["weak", "strong", "middle"], "sequence": ["ACGT", "GGCC", "TTAA"],
                  "utility": [-0.2, -0.9, -0.5], "score_label_mean": [450.6, 980.0, 600.0]}).to_csv(
        folder / "designs.tsv", sep="\t", index=False)
    (folder / "design.json").write_text(json.dumps({"predictor": "p", "direction": "min", "target": None,
                                                    "dropped": 3}))
    page, _ = build_report(tmp_path)
    assert "the predictor p (minimized)" in page and "3 designs (3 dropped by the constraints)" in page
    assert page.index(">weak<") < page.index(">middle<") < page.index(">strong<")
    assert re.search(r'<div class="v">450.6</div><div class="k">anneal first-ranked design&#x27;s predicted '
                     r'score</div>', page)


def test_design_motifs_and_a_broken_designs_table_are_reported(results, tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(results, copy)
    method = copy / "design" / "greedy-ism"
    designs = SequenceSet.load(copy / "data.npz").codes[:200]  # stands in for designs: the top probes' motif
    write_results(method / "motifs", discover_motifs(designs, np.concatenate(
        [np.random.default_rng(i).permuted(designs, axis=1) for i in range(3)]), DNA, n_motifs=1), designs,
        params={"n_foreground": 200, "background": "shuffled designs"})
    page, notes = build_report(copy)
    assert "Motifs in the greedy-ism designs" in page and "shuffled designs" in page
    write_results(method / "motifs", [Motif("design-1", np.eye(4)[:, [0, 1, 2, 3, 0, 1]] * 0.97 + 0.0075, DNA)],
                  designs, params={"n_foreground": 200, "background": "the training data"})
    page, notes = build_report(copy)
    # named on grey: the colours mark the data's motifs' sites in the designs, which these are not
    assert '<h5><span style="background:#e5e5e5;padding:0 .4em">design-1</span>' in page
    assert '<h3><span style="background:#ffd166;padding:0 .4em">seqgen-1</span>' in page
    (method / "designs.tsv").write_text("")
    page, notes = build_report(copy)  # no traceback: a note, and the rest of the report
    assert any("could not read design/greedy-ism/designs.tsv" in n for n in notes) and "Model quality" in page


def test_training_curves_are_per_model_without_throughput_or_repeats():
    from seqgen.plots import curve_columns, training_curves

    predictor = pd.DataFrame({"step": [50, 100, 150, 200], "seconds": [1, 2, 3, 4], "seqs_per_s": [9.0] * 4,
                              "loss": [1, .8, .7, .6], "val_score": [np.nan, .9, np.nan, .7],
                              "val_loss": [np.nan, .9, np.nan, .7], "val_pearson": [np.nan, .3, np.nan, .5]})
    vae = pd.DataFrame({"step": [20, 40], "loss": [30.0, 40.0], "reconstruction": [20.0, 19.0], "kl": [1.0, 3.0]})
    assert curve_columns(predictor) == ["loss", "val_loss", "val_pearson"]
    fig = training_curves({"predictor": predictor, "generator/vae": vae})
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["predictor: loss", "predictor: val_loss", "predictor: val_pearson", "generator/vae: loss",
                      "generator/vae: reconstruction", "generator/vae: kl"]
    val = fig.axes[1].lines[0]
    assert list(val.get_xdata()) == [100, 200]  # the validation rows only: a line, not isolated invisible points


def test_report_reads_only_the_methods_asked(tmp_path):
    for method in ("softmax", "anneal"):
        (tmp_path / "design" / method).mkdir(parents=True)
        pd.DataFrame({"id": [f"{method}_1"], "sequence": ["ACGT"], "utility": [1.0]}).to_csv(
            tmp_path / "design" / method / "designs.tsv", sep="\t", index=False)
    page, _ = build_report(tmp_path)
    assert "<h3>softmax</h3>" in page and "<h3>anneal</h3>" in page
    page, notes = build_report(tmp_path, methods=["anneal"], generators=[])  # softmax/ is left from an older run
    assert "<h3>anneal</h3>" in page and "softmax" not in page
    assert not any("asked for" in n for n in notes)
    page, notes = build_report(tmp_path, methods=["anneal", "bogus"], generators=["vea"])  # misspelled names
    assert [n for n in notes if "asked for" in n] == ["no design/bogus/ (asked for by --methods)",
                                                       "no generator/vea/ (asked for by --generators)"]
    page, notes = build_report(tmp_path, methods=["fastseqprop"])  # none of those asked for: design/ is not missing
    assert "no design/fastseqprop/ (asked for by --methods)" in notes and not any("no design/ folder" in n for n in notes)
    assert "None of the designs asked for is in design/, which holds anneal, softmax." in page


def test_data_without_labels_expects_no_predictor(tmp_path):
    SequenceSet(encode(["ACGT", "GGCA"], DNA), "dna", ["a", "b"]).save(tmp_path / "data.npz")
    page, notes = build_report(tmp_path)
    assert "No predictor in this folder" in page and not any("predictor" in n for n in notes)
    labelled = tmp_path / "labelled"
    labelled.mkdir()
    SequenceSet(encode(["ACGT", "GGCA"], DNA), "dna", ["a", "b"], labels=np.ones((2, 1), np.float32),
                label_names=["y"]).save(labelled / "data.npz")
    assert any("predictor/metrics.json" in n for n in build_report(labelled)[1])  # missing where one is expected


def test_without_a_label_the_designs_utility_is_plotted_beside_the_training_sequences(tmp_path, monkeypatch):
    from seqgen import plots

    plotted = []
    monkeypatch.setattr(plots, "distributions", lambda scores, **kw: plotted.append(scores) or plots.plt.figure())
    SequenceSet(encode(["ACGT", "GGCA"], DNA), "dna", ["a", "b"]).save(tmp_path / "data.npz")
    for method in ("anneal", "softmax"):
        (tmp_path / "design" / method).mkdir(parents=True)
        pd.DataFrame({"id": ["d1"], "sequence": ["ACGA"], "utility": [-3.0]}).to_csv(
            tmp_path / "design" / method / "designs.tsv", sep="\t", index=False)
    pd.DataFrame({"id": ["a", "b"], "utility": [-5.0, -4.0]}).to_csv(
        tmp_path / "design" / "softmax" / "training_utility.tsv", sep="\t", index=False)
    (tmp_path / "design" / "softmax" / "design.json").write_text(json.dumps(
        {"designs": 1, "training_scored": 2, "training_utility_median": -4.5, "training_utility_max": -4.0,
         "designs_above_training_max": 1}))
    page, _ = build_report(tmp_path)
    assert list(plotted[-1]) == ["training (utility)", "design anneal", "design softmax"]
    assert "1 of 1 designs score above the best of 2 training sequences (median -4.5, best -4;" in page
    assert "utility, as the models judge it, on their own scale (a predictor's standardized output, a VAE's nats), " \
        "not the label's)" in html.unescape(page)  # not the scale of the table's label columns
    assert plotted[-1]["training (utility)"].tolist() == [-5.0, -4.0]
    for extra, says in (({"training_sequences": 300, "training_comparable": 2}, "the best of 2 of the 300 training "
                         "sequences (the 2 of full length, without padding or gaps, compare with the designs) (median"),
                        ({"training_sequences": 4000, "training_comparable": 4000}, "the best of 2 of the 4000 "
                         "training sequences (a random 2 of all) (median"),
                        ({"training_sequences": 4000, "training_comparable": 3000}, "(the 3000 of full length, "
                         "without padding or gaps, compare with the designs; a random 2 of them)")):
        (tmp_path / "design" / "softmax" / "design.json").write_text(json.dumps(
            {"designs": 1, "training_scored": 2, "training_utility_median": -4.5, "training_utility_max": -4.0,
             "designs_above_training_max": 1, **extra}))
        assert says in build_report(tmp_path)[0]
    SequenceSet(encode(["ACGT", "GGCA"], DNA), "dna", ["a", "b"], labels=np.ones((2, 1), np.float32),
                label_names=["y"]).save(tmp_path / "data.npz")  # labelled: the designs are on the label's scale
    build_report(tmp_path)
    assert "training (utility)" not in plotted[-1] and "training (y, measured)" in plotted[-1]


def test_a_match_is_named_only_when_significant_and_protein_motifs_claim_no_jaspar(tmp_path):
    from seqgen.alphabets import PROTEIN
    from seqgen.motifs import TOMTOM_COLUMNS, Motif, write_meme

    (tmp_path / "motifs").mkdir()
    write_meme(tmp_path / "motifs" / "motifs.meme", [Motif("seqgen-1", np.full((4, 6), 0.25), DNA)])
    row = {"query": "seqgen-1", "rank": 1, "target": "MA0162.5", "target_name": "EGR1", "target_family": "",
           "p_value": 0.01, "e_value": 8.0, "q_value": 0.64, "offset": 0, "overlap": 6, "orientation": "+"}
    pd.DataFrame([row], columns=TOMTOM_COLUMNS).to_csv(tmp_path / "motifs" / "tomtom.tsv", sep="\t", index=False)
    page, _ = build_report(tmp_path)
    assert "no significant JASPAR match (every q &gt; 0.05)" in page
    assert "best match (q" not in page  # not in the summary cards either
    protein = tmp_path / "protein"
    (protein / "motifs").mkdir(parents=True)
    write_meme(protein / "motifs" / "motifs.meme", [Motif("seqgen-1", np.full((20, 4), 0.05), PROTEIN)])
    page, _ = build_report(protein)  # no data.npz: the alphabet is the motifs' own
    assert "no JASPAR comparison (JASPAR holds DNA motifs)" in page and "Tomtom against" not in page


def test_a_motif_s_search_numbers_are_given_in_words(tmp_path):
    """FOXA1 peaks: the section said 'log10_p -2,202; kmers_tested 28,916; fg_hits 4,292; n_fg 5,000...' only."""
    from seqgen.motifs import write_meme

    (tmp_path / "motifs").mkdir()
    write_meme(tmp_path / "motifs" / "motifs.meme", [Motif(f"seqgen-{i}", np.full((4, 6), 0.25), DNA) for i in (1, 2)])
    row = {"motif": "seqgen-1", "log10_p": -2202.3, "kmers_tested": 28916, "fg_hits": 4292, "n_fg": 5000,
           "bg_hits": 1542, "n_bg": 15000}
    second = {**row, "motif": "seqgen-2", "fg_hits": 102, "bg_hits": 12, "log10_p": -47.46}
    pd.DataFrame([row, second]).to_csv(tmp_path / "motifs" / "motifs.tsv", sep="\t", index=False)
    page, _ = build_report(tmp_path)
    assert ("A site in 4,292 of the 5,000 foreground sequences (85.8%) against 1,542 of the 15,000 background ones "
            "(10.3%); enrichment p = 5.01e-2203 (hypergeometric), E = 1.45e-2198") in page
    assert "A site in 102 of the 5,000 foreground sequences (2.0%) against 12 of the 15,000 background ones (0.1%), " \
           "the sites of the motifs above masked; enrichment p = 3.47e-48" in page


def test_the_design_table_shows_spread_checks_and_distances(tmp_path):
    folder = tmp_path / "design" / "anneal"
    folder.mkdir(parents=True)
    pd.DataFrame({"id": ["a", "b"], "sequence": ["ACGT", "GGCC"], "utility": [2.0, 1.0], "score_mean": [2.0, 1.0],
                  "score_std": [0.1, 0.2], "ok_homopolymer": [True, True], "ok_gc": [True, False], "gc": [0.5, 1.0],
                  "nearest_training_distance": [17, 3], "score_label_mean": [900.0, 450.0],
                  "score_label_std": [30.0, 60.0], "avoid1_mean": [-1.0, -0.5]}).to_csv(
        folder / "designs.tsv", sep="\t", index=False)
    page, _ = build_report(tmp_path)
    header = re.findall(r"<th>([^<]+)</th>", page.split("<h3>anneal</h3>")[1])
    assert header[:5] == ["id", "sequence", "score_label_mean", "score_label_std", "utility"]
    assert {"gc", "nearest_training_distance", "avoid1_mean", "constraints met"} <= set(header)
    assert "score_mean" not in header and "ok_gc" not in header


def test_score_distributions_over_a_wide_range_use_a_log_axis_and_fractions():
    from seqgen.plots import distributions

    rng = np.random.default_rng(0)
    fig = distributions({"held out": rng.uniform(500, 900, 400), "designs": rng.uniform(1e6, 3e7, 60)})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    heights = [patch.get_path().vertices[:, 1].max() for patch in ax.patches]
    assert all(0.1 < h <= 1 for h in heights)  # each set's fraction per bin: the designs are visible too
    assert distributions({"a": rng.normal(0, 1, 50)}).axes[0].get_xscale() == "linear"
    assert distributions({"a": np.array([1.0, 50.0]), "b": np.array([20.0])}).axes[0].get_xscale() == "linear"


def test_a_classifiers_probabilities_are_drawn_on_a_logit_axis():
    """Bound peaks at p 0.99-0.9999 and designs at 1 - 1e-9 fell in one bin on a log axis (and would on a linear)."""
    from seqgen.plots import distributions

    rng = np.random.default_rng(0)
    confident = 1 - 10.0 ** -rng.uniform(2, 4, 200)
    values = {"held out": np.r_[10.0 ** -rng.uniform(2, 4, 200), confident], "designs": np.full(20, 1 - 1e-9)}

    def bins_of_the_confident(fig):
        ax = fig.axes[0]
        edges = ax.patches[0].get_path().vertices[:, 0]  # the step outline: every bin edge
        return len(np.unique(np.digitize(confident, np.unique(edges)))), ax.get_xscale()

    bins, scale = bins_of_the_confident(distributions(values, probability=True))
    assert scale == "logit" and bins >= 5
    bins, scale = bins_of_the_confident(distributions(values))
    assert scale == "log" and bins <= 2  # as it was
    assert distributions({"a": np.array([0.5, 2.0])}, probability=True).axes[0].get_xscale() == "linear"


def test_measured_against_predicted_intensities_are_drawn_on_log_axes():
    """DREAM5 intensities span 100 to 65,000: on linear axes almost every probe sat in the bottom-left corner."""
    from seqgen.plots import measured_vs_predicted

    rng = np.random.default_rng(0)
    measured = np.exp(rng.normal(7, 1.5, 300))
    ax = measured_vs_predicted(measured, measured * rng.uniform(0.5, 2, 300)).axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log") and ax.get_xlabel() == "measured (log axis)"
    ax = measured_vs_predicted(rng.normal(0, 1, 50), rng.normal(0, 1, 50)).axes[0]  # standardized or signed
    assert (ax.get_xscale(), ax.get_xlabel()) == ("linear", "measured")


def test_the_same_logo_saves_to_the_same_svg_bytes(tmp_path):
    from seqgen.motifs import Motif
    from seqgen.plots import logo, save

    motif = Motif("m", np.array([[0.7, 0.1, 0.1], [0.1, 0.7, 0.1], [0.1, 0.1, 0.7], [0.1, 0.1, 0.1]]), DNA)
    first = save(logo(motif), tmp_path / "a", formats=("svg",))[0].read_bytes()
    second = save(logo(motif), tmp_path / "b", formats=("svg",))[0].read_bytes()
    assert first == second and b"<svg" in first


def test_mutation_section_spearman_boundary_and_mutants_scored_by_the_vae_alone(tmp_path):
    from seqgen.report.mutations import mutation_section
    from seqgen.report.results import Results

    pd.DataFrame({"mutant": ["A1C", "D2E", "G3W", "K4R", "L5W"], "vae": [1.0, 2.0, 3.0, 100.0, np.nan],
                  "site_independent": [1.0, 2.0, 3.0, 4.0, 0.5]}).to_csv(tmp_path / "mutations.tsv", sep="\t",
                                                                         index=False)
    section = mutation_section(Results(tmp_path), top=2)  # ranks agree (Spearman 1), values do not (Pearson 0.8)
    assert "4 mutants of the focus sequence scored" in section and "site-independent model 1." in section
    assert "1 could not be scored (stops, or residues outside the alignment&#x27;s match columns): L5W." in section
    assert "Every scored mutant" in section and "Least tolerated" not in section  # 4 = twice top: one list


def test_extrapolation_training_label_and_marked_sites():
    from seqgen.report.designs import composition_note, extrapolation_note, marked_sequence, training_label_max
    from seqgen.report.results import score_column

    designs = pd.DataFrame({"score_label_mean": [2.6e4, 1.0e3]})
    assert extrapolation_note(designs, "score_label_mean", label_max=2.6e4) == ""  # at the highest: not above
    assert score_column(pd.DataFrame({"id": ["a"], "predicted": [1.0], "gc": [0.5]})) == "predicted"
    low_gc = pd.DataFrame({"sequence": ["G" + ("ATTA" * 13)[:49]] * 3})  # GC 0.02: inside 0-1, below the 5% point
    gc = np.linspace(0, 1, 101)  # (101, 4) letter fractions of GC 0 .. 1, half of it G, half C
    reference = np.stack([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2], 1)
    assert "mean GC content, 0.02, lies outside that of 90% of the reference (0.05-0.95)" in composition_note(
        low_gc, DNA, (reference, "the reference"))

    class Res:
        def __init__(self, metrics):
            self.metrics = metrics

        def json(self, rel, what, optional=False):
            return self.metrics

    data = SequenceSet(np.zeros((3, 4), np.uint8), DNA, ["a", "b", "c"],
                       labels=np.array([[1.0, 50.0], [2.0, 70.0], [np.nan, 60.0]], np.float32),
                       label_names=["bound", "signal"])
    assert training_label_max(Res({"task": "regression", "label": "signal"}), data) == 70.0
    assert training_label_max(Res({"task": "regression", "label": "bound"}), data) == 2.0
    assert training_label_max(Res({"task": "classification", "label": "bound"}), data) is None
    sites = pd.DataFrame({"motif": ["weak", "strong"], "start": [0, 2], "end": [4, 6], "strand": ["+", "-"],
                          "p_value": [1e-3, 1e-6]})
    assert marked_sequence("ACGTACGT", sites, {"weak": "#111", "strong": "#222"}) == (
        '<span class="seq"><span style="background:#111" title="weak + p=0.001">AC</span>'
        '<span style="background:#222" title="strong - p=1e-06">GTAC</span>GT</span>')  # the stronger wins


def test_designs_are_placed_among_the_avoided_predictors_held_out_sequences():
    """design.json's avoid_held_out, in the objective's sentence; a note only where most designs lie at or above the
    avoided predictor's held-out median (not specific against it); older design.json files without it read as before."""
    from seqgen.report.designs import avoided_data_note, objective_text

    low = {"held_out": "held-out sequences", "n_held_out": 400, "held_out_median": 0.52, "designs_median": 0.21,
           "designs_median_percentile": 3.5, "designs_below_held_out_median": 240, "designs": 256}
    high = {**low, "held_out": "held-out negatives", "designs_median": 0.9, "designs_median_percentile": 97.0,
            "designs_below_held_out_median": 100}
    summary = {"predictor": "p", "avoid": ["q", "r"], "avoid_below": None, "avoid_held_out": [low, None]}
    assert objective_text(summary) == (
        "objective: the predictor p (maximized) + the predictor q (minimized; the designs' median prediction, 0.21, is "
        "above 3.5% of its predictions of its 400 held-out sequences, and 240 of 256 designs lie below their median, "
        "0.52) + the predictor r (minimized)")
    assert avoided_data_note(summary) == "" and avoided_data_note({"avoid": ["q"]}) == ""
    assert objective_text({"avoid": ["q"]}) == "objective: the predictor q (minimized)"
    text = avoided_data_note({"avoid": ["q", "r"], "avoid_held_out": [low, high]})
    assert "Only 100 of 256 designs are predicted by r below the median of its own held-out negatives" in text
    assert " q " not in text


def test_design_summary_sentences_and_number_formats():
    from seqgen.report.designs import objective_text, scored_training
    from seqgen.report.page import fmt

    assert scored_training({"training_scored": 21, "training_sequences": 300, "training_comparable": 21}) == (
        "21 of the 300 training sequences (the 21 of full length, without padding or gaps, compare with the designs)")
    assert scored_training({"training_scored": 50, "training_sequences": 300}) == (
        "50 of the 300 training sequences (a random 50 of all)")
    assert scored_training({"training_scored": 300, "training_sequences": 300}) == "300 training sequences"
    assert objective_text({"predictor": "p", "direction": "target", "target": 2.5, "avoid": ["q"],
                           "avoid_below": 0.0, "naturalness": 0.5}) == (
        "objective: the predictor p (brought to 2.5) + the predictor q (penalized above 0.0) + 0.5 x the generator "
        "VAE's ELBO (naturalness)")
    assert objective_text({"predictor": "p", "avoid": ["q", "r"], "avoid_below": 3000.0, "avoid_above": [27, 0],
                           "designs": 32}) == (
        "objective: the predictor p (maximized) + the predictor q (penalized above 3000.0: 27 of 32 designs still "
        "predicted above it) + the predictor r (penalized above 3000.0: 0 of 32 designs still predicted above it)")
    assert objective_text({"avoid": ["q"], "avoid_below": None}) == "objective: the predictor q (minimized)"
    assert objective_text({"predictor": "p", "method": "latent", "generator": "results/x/generator/gan"}) == (
        "objective: the predictor p (maximized), searched in the latent space of the generator results/x/generator/gan")
    assert [fmt(v) for v in (1e5, 99999.0, 12.345678, 0.0005, 0.0, 3, True)] == [
        "1e+05", "99,999", "12.35", "0.0005", "0", "3", "True"]


def test_a_table_asked_for_by_two_sections_is_read_once_and_each_gets_its_own_copy(tmp_path, monkeypatch):
    from seqgen.report.results import Results

    (tmp_path / "design" / "softmax").mkdir(parents=True)
    pd.DataFrame({"id": ["a", "b"], "utility": [1.0, 2.0]}).to_csv(tmp_path / "design/softmax/designs.tsv", sep="\t",
                                                                   index=False)
    reads = []
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    res = Results(tmp_path)
    assert res.csv("design/other/designs.tsv", "x", optional=True) is None and res.notes == []
    assert res.csv("design/other/designs.tsv", "other designs") is None
    assert res.notes == ["no design/other/designs.tsv (other designs)"]
    first = res.csv("design/softmax/designs.tsv", "designs")
    first.loc[0, "utility"] = -5.0
    second = res.csv("design/softmax/designs.tsv", "designs")
    assert len(reads) == 1 and second["utility"].tolist() == [1.0, 2.0]


def test_a_missing_value_shows_as_n_a_in_a_table():
    from seqgen.report.page import table

    html = table(pd.DataFrame({"name": ["a", "b"], "value": [np.nan, 1.5]}))
    assert '<td class="num">n/a</td>' in html and '<td class="num">1.5</td>' in html and "nan" not in html


def test_rna_motifs_are_logos_on_one_strand_without_jaspar(tmp_path):
    from seqgen.alphabets import RNA
    from seqgen.motifs import Motif, write_meme

    (tmp_path / "motifs").mkdir()
    write_meme(tmp_path / "motifs" / "motifs.meme", [Motif("seqgen-1", np.full((4, 6), 0.25), RNA)])
    page, _ = build_report(tmp_path)
    assert "Logos in bits, one strand (RNA); no JASPAR comparison" in page and "Tomtom against" not in page


def test_design_sites_are_marked_in_the_sequence_that_holds_them():
    from seqgen.motifs import Motif, counts_to_pwm
    from seqgen.report.designs import marked_sites

    pwm = counts_to_pwm(np.eye(4)[:, [3, 2, 3, 3, 3, 0, 1, 3, 3, 0, 2]] * 20 + 0.1)  # TGTTTACTTAG
    shown = pd.DataFrame({"id": ["plain", "with", "twice"], "sequence": ["C" * 30, "C" * 5 + "TGTTTACTTAG" + "C" * 14,
                                                                         "TGTTTACTTAG" * 2 + "C" * 8]})
    marked = marked_sites(shown, [Motif("m", pwm, DNA)], {"m": "#123456"}, DNA, 1e-4)
    assert marked["sites"].tolist() == [0, 1, 2] and list(marked.columns) == ["id", "sequence", "sites"]
    assert "#123456" not in marked["sequence"][0]
    assert '<span style="background:#123456" title="m + p=2.4e-07">TGTTTACTTAG</span>' in marked["sequence"][1]


def test_designs_that_cannot_be_scanned_get_no_site_count():
    """Designs of other lengths or with a letter outside the alphabet are shown unmarked, without a sites count of 0
    that would read as "no site" (and draw the note that their scores rest on something else)."""
    from seqgen.motifs import Motif, counts_to_pwm
    from seqgen.report.designs import marked_sites, siteless_note

    pwm = counts_to_pwm(np.eye(4)[:, [3, 2, 3, 3, 3, 0, 1, 3, 3, 0, 2]] * 20 + 0.1)  # TGTTTACTTAG
    motifs = [Motif("m", pwm, DNA)]
    for seqs in (["TGTTTACTTAG" + "C" * 9, "C" * 30], ["TGTTTACTTAG" + "C" * 9, "C" * 19 + "Z"]):
        marked = marked_sites(pd.DataFrame({"id": ["a", "b"], "sequence": seqs}), motifs, {"m": "#123456"}, DNA,
                                 1e-4)
        assert "sites" not in marked and "#123456" not in "".join(marked["sequence"])
        assert siteless_note(marked, 1e-4, motifs) == ""


def test_a_site_across_the_design_and_linker_junction_is_noted():
    from seqgen.motifs import Motif, counts_to_pwm
    from seqgen.report.designs import junction_note

    pwm = counts_to_pwm(np.eye(4)[:, [3, 2, 3, 3, 3, 0, 1, 3, 3, 0, 2]] * 20 + 0.1)  # TGTTTACTTAG
    linker = "ACTTAG" + "C" * 10
    designs = pd.DataFrame({"sequence": ["C" * 15 + "TGTTT", "C" * 20, "TGTTTACTTAG" + "C" * 9]})
    designs["probe"] = designs["sequence"] + linker  # the first forms the site across the junction, the third holds it
    motifs = [Motif("m", pwm, DNA)]
    text = junction_note(designs, motifs, DNA, 1e-4)
    assert "1 of 3 probes (probes.fasta) hold a site" in html.unescape(text) and "(m in 1)" in text
    assert junction_note(designs.drop(index=0), motifs, DNA, 1e-4) == ""  # a site inside the design is no junction's
    assert junction_note(designs.drop(columns="probe"), motifs, DNA, 1e-4) == ""  # no --linker, no probes


def test_held_out_predictions_stand_for_the_training_scores(tmp_path, monkeypatch):
    from seqgen import plots
    from seqgen.report.results import Results
    from seqgen.report.sequences import sequence_section

    plotted = []
    monkeypatch.setattr(plots, "distributions", lambda scores, **kw: plotted.append(scores) or plots.plt.figure())
    data = SequenceSet(encode(["ACGT", "GGCA"], DNA), "dna", ["a", "b"], labels=np.array([[1.0], [2.0]], np.float32),
                       label_names=["y"])
    (tmp_path / "predictor").mkdir()
    pd.DataFrame({"measured": [1.0, 2.0], "predicted": [1.5, 2.5]}).to_csv(tmp_path / "predictor" / "predictions.tsv",
                                                                           sep="\t", index=False)
    sequence_section(Results(tmp_path), data, DNA)
    assert list(plotted[-1]) == ["held-out training (predicted)"]  # not the measured labels beside them
    assert plotted[-1]["held-out training (predicted)"].tolist() == [1.5, 2.5]


def test_a_config_found_is_shown_and_not_noted_missing(tmp_path):
    (tmp_path / "config.yaml").write_text("dataset: demo\n")
    (tmp_path / "config.json").write_text('{"dataset": "json-settings"}\n')
    page, notes = build_report(tmp_path)
    assert "Configuration (config.yaml)" in page and "Configuration (config.json)" not in page
    assert "json-settings" not in page
    assert not any("config" in n for n in notes)
    (tmp_path / "config.yaml").unlink()
    page, notes = build_report(tmp_path)
    assert "Configuration (config.json)" in page and not any("config" in n for n in notes)
    (tmp_path / "config.json").unlink()
    assert "no config.yaml in the results folder (settings)" in build_report(tmp_path)[1]


def test_generator_row_reads_each_evaluation_number():
    from seqgen.report.quality import generator_row

    ev = {"kmer_js": {"4": {"ratio": 1.5}, "6": {"ratio": 1.1}}, "gc": {"query_mean": 0.41, "reference_mean": 0.52},
          "copies": {"fraction": 0.02, "of": "training"}, "nearest_hamming": {"mean": 7.5, "median": 7.0},
          "diversity": {"query": 0.7, "reference": 0.72}, "classifier_auroc": {"auroc": 0.61}}
    assert generator_row(ev) == {"JS ratio k=4": 1.5, "JS ratio k=6": 1.1, "GC samples": 0.41, "GC real": 0.52,
                                 "copies": 0.02, "nearest Hamming": 7.5, "diversity": 0.7, "diversity real": 0.72,
                                 "classifier AUROC": 0.61}  # the samples' diversity beside the real sequences'
    assert generator_row({"classifier_auroc": 0.5, "copies": 0.0})["classifier AUROC"] == 0.5


def test_an_unmatched_motif_among_the_first_three_gets_a_card_of_its_own(tmp_path):
    """Arabidopsis promoters: the TATA box, the second motif found, matches nothing in JASPAR's plant collection,
    and the summary listed only matched motifs."""
    from seqgen.motifs import TOMTOM_COLUMNS, Motif, write_meme

    (tmp_path / "motifs").mkdir()
    pwm = np.eye(4)[:, [3, 0, 3, 0, 3, 0]] * 0.9 + 0.025  # TATATA
    write_meme(tmp_path / "motifs" / "motifs.meme", [Motif(n, pwm, DNA) for n in ("m1", "m2", "m3", "m4")])
    rows = [{"query": "m1", "rank": 1, "target": "MA0001.1", "target_name": "BPC1", "target_family": "",
             "p_value": 1e-10, "e_value": 1e-9, "q_value": 1e-9, "offset": 0, "overlap": 6, "orientation": "+",
             "query_bits": 9, "order_p": 0.001},
            {"query": "m3", "rank": 1, "target": "MA0002.1", "target_name": "X", "target_family": "",
             "p_value": 0.5, "e_value": 5, "q_value": 0.6, "offset": 0, "overlap": 6, "orientation": "+",
             "query_bits": 9, "order_p": 0.5}]
    pd.DataFrame(rows, columns=TOMTOM_COLUMNS).to_csv(tmp_path / "motifs" / "tomtom.tsv", sep="\t", index=False)
    page, _ = build_report(tmp_path)
    cards = re.findall(r'<div class="k">([^<]+)</div>', page)
    assert cards == ["motifs", "m1 best match (q = 1e-09)", "m2: no significant JASPAR match",
                     "m3: no significant JASPAR match"]  # m4: not among the first three
    assert '<div class="v">TATATA</div><div class="k">m2: no significant JASPAR match' in page


def test_the_summary_cards_give_three_quality_numbers_and_the_three_most_significant_matches(tmp_path):
    from seqgen.motifs import TOMTOM_COLUMNS, Motif, write_meme

    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps(
        {"val_pearson": 0.81, "val_spearman": 0.72, "val_auroc": 0.93, "val_pearson_log": 0.5}))
    (tmp_path / "motifs").mkdir()
    names, q, bits = ["m1", "m2", "m3", "m4", "m5"], [0.04, 0.001, 0.05, 0.02, 1e-9], [9, 9, 4, 12, 3.95]
    order_p = [0.3, 0.005, 0.06, 0.05, 0.9]
    write_meme(tmp_path / "motifs" / "motifs.meme", [Motif(n, np.full((4, 6), 0.25), DNA) for n in names])
    rows = [{"query": n, "rank": 1, "target": f"MA000{i}.1", "target_name": f"TF{i}", "target_family": "",
             "p_value": v / 10, "e_value": v, "q_value": v, "offset": 0, "overlap": 6, "orientation": "+",
             "query_bits": b, "order_p": o} for i, (n, v, b, o) in enumerate(zip(names, q, bits, order_p))]
    pd.DataFrame(rows, columns=TOMTOM_COLUMNS).to_csv(tmp_path / "motifs" / "tomtom.tsv", sep="\t", index=False)
    page, _ = build_report(tmp_path)
    cards = re.findall(r'<div class="k">([^<]+)</div>', page)
    assert cards == ["predictor val pearson", "predictor val spearman", "predictor val auroc", "motifs",
                     "m2 best match (q = 0.001)", "m4 best match (q = 0.02)",
                     "m1 best match (q = 0.04; weak evidence)"]  # m1: order p 0.3
    assert "no significant JASPAR match" not in page  # q = 0.05 is significant (q <= 0.05), as in the cards
    assert page.count("too little information") == 1  # m5: q = 1e-9, but 3.95 bits in all
    assert page.count("weak evidence: column-shuffled copies") == 2  # m1 and m3, order p over 0.05; not m2, m4
    assert ("weak evidence: column-shuffled copies of the motif match JASPAR as well (order p = 0.06, over 0.05; "
            "199 copies)") in page
    assert "too little information (3.95 bits, under 4) to name a JASPAR match; the closest:" in page


def test_motif_settings_list_versions_once_and_no_training_comparison_without_scored_training(tmp_path):
    from seqgen.report.designs import training_comparison
    from seqgen.report.provenance import provenance_section
    from seqgen.report.results import Results

    (tmp_path / "motifs").mkdir()
    (tmp_path / "motifs" / "params.json").write_text(json.dumps({"site_threshold": 1e-4, "predictor": None,
                                                                 "versions": {"memelite": "9.9"}}))
    html = provenance_section(Results(tmp_path), None)
    settings, versions = html.split("Motif analysis run with:")
    assert "site_threshold" in settings and "memelite" not in settings and "<td>9.9</td>" in versions
    assert "<td>predictor</td><td>none</td>" in settings  # no predictor, not a missing value ("n/a")
    assert training_comparison({"designs": 3, "designs_above_training_max": 1}) == ""
    assert training_comparison(None) == ""


def test_logo_heights_are_information_content_in_bits(monkeypatch):
    import logomaker

    from seqgen.alphabets import PROTEIN
    from seqgen.motifs import Motif
    from seqgen.plots import logo

    drawn, real = [], logomaker.Logo
    monkeypatch.setattr(logomaker, "Logo", lambda df, **kw: drawn.append(df) or real(df, **kw))
    pwm = np.array([[1.0, 0.25, 0.5], [0.0, 0.25, 0.5], [0.0, 0.25, 0.0], [0.0, 0.25, 0.0]])
    fig = logo(Motif("m", pwm, DNA))
    np.testing.assert_allclose(drawn[0].to_numpy().T, [[2, 0, 0.5], [0, 0, 0.5], [0, 0, 0], [0, 0, 0]], atol=1e-12)
    assert list(drawn[0].columns) == list("ACGT") and fig.axes[0].get_ylim() == (0, 2)
    fig = logo(Motif("p", np.full((20, 2), 0.05), PROTEIN))
    assert fig.axes[0].get_ylim() == pytest.approx((0, np.log2(20)))  # a protein logo holds up to log2(20) bits


def test_a_match_is_drawn_reverse_complemented_at_minus_the_offset(monkeypatch):
    from seqgen import plots
    from seqgen.motifs import Motif

    calls = []
    monkeypatch.setattr(plots, "draw_logo", lambda ax, m, start=0, title=None: calls.append((m.pwm, start)))
    query = Motif("q", np.eye(4)[:, [0, 1, 2]], DNA)  # ACG
    match = Motif("t", np.eye(4)[:, [0, 0, 1, 1, 2]] * 0.9 + 0.025, DNA)  # AACCG
    fig = plots.motif_with_match(query, match, offset=2, orientation="-")
    assert calls[1][1] == -2 and np.array_equal(calls[1][0], match.pwm[::-1, ::-1])
    assert fig.axes[1].get_xlim() == pytest.approx((-2.6, 2.6))  # from -offset to the match's end, 5 - 2
    plots.motif_with_match(query, match, offset=-1, orientation="+")
    assert calls[3][1] == 1 and np.array_equal(calls[3][0], match.pwm)


def test_composition_gives_each_sets_kmer_js_divergence_and_gc_histogram():
    from seqgen.metrics import kmer_counts
    from seqgen.plots import composition
    from seqgen.stats import js_divergence

    rng = np.random.default_rng(0)
    training, gc_rich = rng.integers(0, 4, (50, 12)).astype(np.uint8), encode(["GGCCGCGCGGCC"] * 20, DNA)
    fig, js = composition({"training": training, "gc": gc_rich}, DNA, k=2)
    want = js_divergence(kmer_counts(training, 2, 4), kmer_counts(gc_rich, 2, 4))
    assert list(js) == ["gc"] and js["gc"] == pytest.approx(want, rel=1e-9)
    steps = fig.axes[0].patches[1].get_xy()  # the GC-rich set's histogram: all in the last bin, GC = 1
    assert steps[np.argmax(steps[:, 1]), 0] > 0.95


def test_a_histogram_from_zero_is_on_a_linear_axis_and_a_saved_figure_is_closed(tmp_path):
    from seqgen.plots import distributions, plt, save

    fig = distributions({"a": np.array([0.0, 1.0, 500.0])})
    assert fig.axes[0].get_xscale() == "linear"
    save(fig, tmp_path / "d", formats=("png",))
    assert not plt.fignum_exists(fig.number)


def test_the_training_comparison_names_the_best_measured_sequences_it_holds():
    from seqgen.report.designs import scored_training

    assert scored_training({"training_scored": 1000, "training_sequences": 40000, "training_best_measured": 100}) == (
        "1000 of the 40000 training sequences (the 100 best measured and a random 900 of the rest)")
    assert scored_training({"training_scored": 50, "training_sequences": 300}) == (
        "50 of the 300 training sequences (a random 50 of all)")  # a design.json of before, or no label


def test_a_mutations_table_of_an_earlier_run_is_left_out_when_asked(tmp_path):
    pd.DataFrame({"mutant": ["A1C"], "vae": [-1.0], "site_independent": [-0.5], "note": [""]}).to_csv(
        tmp_path / "mutations.tsv", sep="\t", index=False)
    assert "Mutation effects" in build_report(tmp_path)[0]
    assert "Mutation effects" not in build_report(tmp_path, mutations=False)[0]  # the workflow's --no-mutations


def test_a_protein_design_s_mutations_come_right_after_its_sequence():
    """The mutations column (a protein family's designs) is never among the columns cut to keep the table short."""
    from seqgen.report.designs import design_columns

    shown = pd.DataFrame({"id": ["d1"], "sequence": ["MKV"], "utility": [1.0], "naturalness_mean": [2.0],
                          "naturalness_std": [0.1], **{f"extra_{i}": [i] for i in range(8)},
                          "ok_fixed": [True], "nearest_training_distance": [3], "mutations": ["K2R"],
                          "n_mutations": [1]})
    assert list(design_columns(shown, "naturalness_mean", "utility").columns)[:5] == [
        "id", "sequence", "mutations", "naturalness_mean", "naturalness_std"]


def test_constraints_met_is_shown_for_a_design_that_avoids_another_predictor():
    """A design with --avoid has more columns than the six others the table keeps (the avoided predictor's mean
    and std on both scales): its "constraints met" column is kept all the same."""
    from seqgen.report.designs import design_columns

    shown = pd.DataFrame({"id": ["d1"], "sequence": ["ACGT"], "utility": [4.8], "score_label_mean": [2.1e5],
                          "score_label_std": [5e3], "avoid1_mean": [-1.0], "avoid1_std": [0.1], "ok_fixed": [True],
                          "ok_gc": [True], "ok_forbidden": [False], "gc": [0.5], "nearest_training_distance": [15],
                          "probe": ["ACGTGTCT"], "avoid1_label_mean": [1726.0], "avoid1_label_std": [55.0]})
    columns = design_columns(shown, "score_label_mean", "utility")
    assert "constraints met" in columns and not columns["constraints met"].iloc[0]
    # the avoided predictor once, on the label's scale: its model-scale mean and std repeat it
    assert "avoid1_label_mean" in columns and "avoid1_mean" not in columns and "avoid1_std" not in columns


def test_the_summary_card_of_a_design_says_predicted_and_flags_extrapolation(tmp_path):
    codes = np.random.default_rng(0).integers(0, 4, (50, 8)).astype(np.uint8)
    labels = np.linspace(100.0, 1000.0, 50, dtype=np.float32)[:, None]
    SequenceSet(codes, DNA, [f"s{i}" for i in range(50)], labels=labels, label_names=["signal"]).save(
        tmp_path / "data.npz")
    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "signal", "task": "regression"}))
    for method, first in (("anneal", 2500.0), ("fast-seqprop", 900.0)):
        (tmp_path / "design" / method).mkdir(parents=True)
        pd.DataFrame({"id": ["a", "b"], "sequence": ["ACGTACGT", "GGCCAATT"], "utility": [2.0, 1.0],
                      "score_label_mean": [first, 500.0]}).to_csv(tmp_path / "design" / method / "designs.tsv",
                                                                  sep="\t", index=False)
    page, _ = build_report(tmp_path)
    cards = re.findall(r'<div class="k">([^<]+)</div>', page)
    assert "anneal first-ranked design&#x27;s predicted score (above the highest training label, 1,000: " \
           "extrapolated)" in cards
    assert "fast-seqprop first-ranked design&#x27;s predicted score" in cards  # within the training labels
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "signal", "task": "classification"}))
    pd.DataFrame({"id": ["s1", "s2"], "measured": [0, 1], "predicted": [0.2, 0.63]}).to_csv(
        tmp_path / "predictor" / "predictions.tsv", sep="\t", index=False)
    cards = re.findall(r'<div class="k">([^<]+)</div>', build_report(tmp_path)[0])  # a classifier: no label to
    assert "fast-seqprop first-ranked design&#x27;s predicted score (the highest prediction of a held-out sequence: " \
        "0.63)" in cards  # pass, but the real sequences' highest prediction is a yardstick (a prediction, not measured)


def test_design_claims_come_with_the_predictor_s_held_out_accuracy(tmp_path):
    from seqgen.report.designs import predictor_accuracy

    (tmp_path / "design" / "anneal").mkdir(parents=True)
    pd.DataFrame({"id": ["a"], "sequence": ["ACGT"], "utility": [2.0], "score_label_mean": [900.0]}).to_csv(
        tmp_path / "design" / "anneal" / "designs.tsv", sep="\t", index=False)
    (tmp_path / "design" / "anneal" / "design.json").write_text(json.dumps(
        {"predictor": "p", "designs": 1, "training_scored": 10, "designs_above_training_max": 1,
         "training_utility_median": 0.0, "training_utility_max": 1.5}))
    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps(
        {"label": "signal", "task": "regression", "n_validation": 150, "val_pearson": 0.18, "val_spearman": 0.24}))
    page, _ = build_report(tmp_path)
    designs = page[page.index("<h2>Designs</h2>"):page.index("<h2>Model quality</h2>")]
    assert ("Predicted, not measured: on 150 held-out training sequences the predictor scores Pearson r 0.18, "
            "Spearman 0.24 (Model quality).") in designs
    assert "untested" in predictor_accuracy({"predictor": "p"}, {"n_validation": 0, "val_pearson": None})
    assert predictor_accuracy({"predictor": None, "naturalness": 1.0}, {"val_pearson": 0.5}) == ""


def test_the_score_axis_says_what_the_scores_are(tmp_path, monkeypatch):
    from seqgen import plots
    from seqgen.report.results import Results
    from seqgen.report.sequences import sequence_section

    axes = []
    monkeypatch.setattr(plots, "distributions", lambda scores, xlabel="score", **kw: axes.append(xlabel)
                        or plots.plt.figure())
    data = SequenceSet(encode(["ACGT", "GGCA"], DNA), "dna", ["a", "b"], labels=np.array([[1.0], [2.0]], np.float32),
                       label_names=["signal"])
    sequence_section(Results(tmp_path), data, DNA)  # no predictions.tsv: the measured labels
    (tmp_path / "predictor").mkdir()
    pd.DataFrame({"measured": [1.0, 2.0], "predicted": [1.5, 2.5]}).to_csv(tmp_path / "predictor" / "predictions.tsv",
                                                                           sep="\t", index=False)
    sequence_section(Results(tmp_path), data, DNA)
    assert axes == ["signal (training: measured; samples and designs: predicted)",
                    "signal, predicted (the label's scale)"]
    bare = tmp_path / "bare"
    (bare / "design" / "anneal").mkdir(parents=True)
    pd.DataFrame({"id": ["d"], "sequence": ["ACGA"], "utility": [-3.0]}).to_csv(
        bare / "design" / "anneal" / "designs.tsv", sep="\t", index=False)
    sequence_section(Results(bare), SequenceSet(data.codes, "dna", ["a", "b"]), DNA)  # no label: the utility
    assert axes[-1] == "utility (what the designs maximized)"


def test_top_designs_without_a_site_of_the_data_s_motifs_are_noted():
    """12 of 16 DREAM5 Egr2 designs held no site of the motifs found in the data, and the report said nothing."""
    from seqgen.report.designs import siteless_note

    shown = pd.DataFrame({"id": ["a", "b", "c"], "sites": [2, 0, 0]})
    assert "2 of the top 3 designs hold no site of the data&#x27;s motifs (p &lt; 0.0001)" in siteless_note(shown,
                                                                                                           1e-4)
    assert siteless_note(shown.assign(sites=[1, 1, 3]), 1e-4) == ""
    assert siteless_note(shown.drop(columns="sites"), 1e-4) == ""  # not scanned (no motifs)


def test_the_predictor_s_held_out_figures_say_what_was_held_out():
    from seqgen.report.quality import held_out_caveat

    text = held_out_caveat({"n_sequences": 4000, "n_validation": 400})
    assert "Held out: 400 of the 4,000 sequences (10%, drawn at random, never trained on, but they chose when training stopped" in text
    assert "same experiment" in text and held_out_caveat({"n_sequences": 4000, "n_validation": 0}) == ""
    whole = held_out_caveat({"n_sequences": 4000, "n_validation": 300, "val_chromosomes": ["chr8", "chr9"]})
    assert "Held out: 300 of the 4,000 sequences (8%, every sequence of chr8, chr9, never trained on" in whole


def test_the_trajectory_axis_names_its_scale():
    """The trajectories are the optimizer's utility on the models' scale, not the label's of the designs table."""
    from seqgen.plots import trajectories

    fig = trajectories({"anneal": pd.DataFrame({"step": [0, 1], "best_score": [0.1, 0.5]})})
    assert fig.axes[0].get_ylabel() == "score (the models' own scale)"


def test_a_predictor_of_an_earlier_run_is_left_out_when_asked(tmp_path):
    """A data set whose label was dropped from the config trains no predictor: the workflow's --no-predictor keeps
    the earlier run's predictor/ and samples.tsv (scored by it) out of the report."""
    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "signal", "val_spearman": 0.9}))
    (tmp_path / "generator" / "vae").mkdir(parents=True)
    write_fasta(tmp_path / "generator" / "vae" / "samples.fasta", ["s1", "s2"], ["ACGTACGT", "ACGTACGA"])
    pd.DataFrame({"id": ["s1", "s2"], "sequence": ["ACGTACGT", "ACGTACGA"], "mean": [1.0, 2.0],
                  "std": [0.1, 0.1]}).to_csv(tmp_path / "generator" / "vae" / "samples.tsv", sep="\t", index=False)
    assert "predictor val spearman" in build_report(tmp_path)[0]
    page, notes = build_report(tmp_path, predictor=False)
    assert "predictor val spearman" not in page and "<h3>Predictor</h3>" not in page
    assert not any("predictor/" in n or "samples.tsv" in n for n in notes)  # left out, not noted as missing
    assert main(["report", "--results", str(tmp_path), "--no-predictor", "--out", str(tmp_path / "r.html")]) == 0
    assert "predictor val spearman" not in (tmp_path / "r.html").read_text()


def test_no_siteless_note_when_no_motif_can_reach_the_site_p_value():
    """A 6-wide RNA motif (UGCAUG) can never reach p < 1e-4, so every design scanned 0 sites, and the report said
    that designs full of UGCAUG held no site of the data's motifs and 'rest on something else'."""
    from seqgen.motifs import Motif
    from seqgen.report.designs import siteless_note

    def motif(name, consensus):
        pwm = np.full((4, len(consensus)), 0.01)
        for j, c in enumerate(consensus):
            pwm["ACGU".index(c), j] = 0.97
        return Motif(name, pwm / pwm.sum(0), "rna")

    shown = pd.DataFrame({"id": ["a", "b"], "sites": [0, 0]})
    assert siteless_note(shown, 1e-4, [motif("seqgen-1", "UGCAUG")]) == ""
    both = siteless_note(shown, 1e-4, [motif("seqgen-1", "UGCAUG"), motif("seqgen-2", "UUUAUUUAUU")])
    assert "2 of the top 2 designs hold no site" in both and "seqgen-1 cannot reach that p-value" in both


def test_a_classifier_s_design_utility_is_said_to_be_on_the_logit_scale():
    """The sentence comparing designs with training sequences called a classifier's utility 'a predictor's
    standardized output': it is a logit (a ChIP-seq bound/unbound classifier)."""
    from seqgen.report.designs import training_comparison

    summary = {"training_scored": 1000, "training_sequences": 1000, "designs": 8, "designs_above_training_max": 0,
               "training_utility_median": -0.09, "training_utility_max": 0.66}
    text = training_comparison(summary, {"task": "classification"})
    assert "a classifier's logit" in text and "standardized" not in text
    assert "a predictor's standardized output" in training_comparison(summary, {"task": "regression"})


def test_a_classifier_s_held_out_plot_gives_its_auroc_not_pearson(tmp_path, monkeypatch):
    """A ChIP-seq bound/unbound classifier's held-out plot was a measured-vs-predicted scatter of 0/1 labels with a
    y = x line and 'Pearson r = 0.887, Spearman = 0.845' as its title, while its quality is an AUROC."""
    from seqgen import plots

    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps(
        {"label": "Bound", "task": "classification", "val_auroc": 0.75}))
    pd.DataFrame({"id": list("abcd"), "sequence": ["ACGT"] * 4, "measured": [0.0, 1.0, 0.0, 1.0],
                  "predicted": [0.2, 0.9, 0.6, 0.4], "std": [0.01] * 4}).to_csv(
        tmp_path / "predictor" / "predictions.tsv", sep="\t", index=False)
    drawn = []
    monkeypatch.setattr(plots, "measured_vs_predicted", lambda *a, **k: drawn.append(a) or plots.plt.figure())
    build_report(tmp_path)
    assert drawn == []  # no Pearson scatter for 0/1 labels
    ax = plots.classes_vs_predicted(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.2, 0.9, 0.6, 0.4]), "held out:").axes[0]
    assert ax.get_title() == "held out: AUROC = 0.750" and ax.get_ylabel() == "predicted probability of class 1"


def test_a_classifier_s_score_axis_says_probability(tmp_path):
    """The score distributions of a bound/unbound classifier were labelled "Bound, predicted (the label's scale)",
    which does not say the numbers are probabilities of class 1."""
    from seqgen.report.results import Results
    from seqgen.report.sequences import score_axis_label

    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "Bound", "task": "classification"}))
    res = Results(tmp_path)
    scores = {"held-out training (predicted)": np.zeros(2), "design anneal": np.ones(2)}
    assert score_axis_label(scores, res, None) == "probability that Bound = 1, predicted"
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "signal", "task": "regression"}))
    assert score_axis_label(scores, Results(tmp_path), None) == "signal, predicted (the label's scale)"


@pytest.mark.parametrize("task,logit", [("classification", True), ("regression", False)])
def test_a_classifier_s_scores_are_drawn_on_a_logit_axis_in_the_report(tmp_path, monkeypatch, task, logit):
    from seqgen import plots
    from seqgen.alphabets import DNA
    from seqgen.report.results import Results
    from seqgen.report.sequences import sequence_section

    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "metrics.json").write_text(json.dumps({"label": "Bound", "task": task}))
    (tmp_path / "predictor" / "predictions.tsv").write_text("measured\tpredicted\n0\t0.001\n1\t0.999\n")
    drawn = []
    monkeypatch.setattr(plots, "distributions", lambda *a, **k: drawn.append(k) or plots.plt.figure())
    sequence_section(Results(tmp_path), None, DNA)
    assert [k["probability"] for k in drawn] == [logit]


@pytest.mark.parametrize("rows", ["", "1.5\t2.0\n", "1.0\tnan\n2.0\t3.0\n"])
def test_a_validation_split_of_fewer_than_two_sequences_is_noted_not_a_crash(tmp_path, rows):
    """predictor/predictions.tsv of a one-sequence (or empty) validation split: `seqgen report` raised scipy's or
    numpy's ValueError (a traceback, and no report) drawing measured against predicted."""
    (tmp_path / "predictor").mkdir()
    (tmp_path / "predictor" / "predictions.tsv").write_text("measured\tpredicted\n" + rows)
    page, notes = build_report(tmp_path)
    assert "too few to draw one against the other" in html.unescape(page)
    assert "measured vs predicted" not in page


def test_a_metric_that_could_not_be_computed_reads_n_a_not_none_or_nan(tmp_path):
    """evaluation.json stores a classifier AUROC of too few samples as null, and a Spearman of two mutants is NaN:
    the summary card read "None", the mutation sentence "nan"."""
    from seqgen.report.page import fmt

    assert [fmt(v) for v in (None, float("nan"), np.float32("nan"))] == ["n/a"] * 3
    (tmp_path / "generator" / "vae").mkdir(parents=True)
    (tmp_path / "generator" / "vae" / "evaluation.json").write_text(json.dumps({"classifier_auroc": None}))
    pd.DataFrame({"mutant": ["A1C", "D2E"], "vae": [1.0, 2.0], "site_independent": [1.0, 0.5]}).to_csv(
        tmp_path / "mutations.tsv", sep="\t", index=False)
    page, _ = build_report(tmp_path)
    assert '<div class="v">n/a</div><div class="k">vae classifier AUROC</div>' in page
    assert "site-independent model n/a." in page
    assert not re.search(r">\s*(None|nan)\s*<|model nan", page)


def test_the_report_is_written_and_read_as_utf_8_whatever_the_locale(tmp_path):
    """Under an ASCII locale (LC_ALL=C without Python's UTF-8 mode; cp1252 on Windows is alike) a config.yaml
    holding a non-ASCII letter stopped `seqgen report` with a UnicodeDecodeError traceback, and the page, which
    declares charset utf-8, would have been written in the locale's encoding."""
    import os
    import sys

    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "config.yaml").write_text("datasets:\n  Hsp70 \u03b2-sheet: {label: K\u1d05}\n", encoding="utf-8")
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, "-c", "import sys; from seqgen.cli import main; sys.exit(main())",
                          "report", "--results", str(folder), "--out", str(tmp_path / "r.html")], env=env,
                         capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 0, run.stderr[-500:]
    page = (tmp_path / "r.html").read_bytes().decode("utf-8")
    assert "Hsp70 \u03b2-sheet: {label: K\u1d05}" in page


def test_a_labelled_data_set_without_its_predictor_yet_is_not_said_to_have_no_label(tmp_path):
    """A folder whose data set has a label but whose predictor is not trained yet read "No predictor in this folder
    (a data set without a label has none)": a wrong reason, where the predictor is merely missing."""
    codes = encode(["ACGTACGTAC", "TTGCAACGTA", "GGGCCCAATT"], DNA)
    SequenceSet(codes, DNA, np.array(["a", "b", "c"]), labels=np.array([[1.0], [2.0], [3.0]]),
                label_names=["signal"]).save(tmp_path / "data.npz")
    page, notes = build_report(tmp_path)
    assert "a data set without a label has none" not in page
    assert "No predictor yet (the data set has a label, signal): run `seqgen train predictor`" in page
    assert "no predictor/metrics.json (predictor quality)" in notes


def test_the_motif_caption_s_less_or_equal_sign_is_escaped(results):
    """The caption above the logos wrote a bare "<" ("q <= 0.05"): an HTML parse error, and a tag to any tool that
    reads the page's text by stripping tags (the rest of the sentence was lost)."""
    page, _ = build_report(results)
    assert "(q <= " not in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "when significant (q <= 0.05, for a motif of at least 4 bits)" in text


def test_a_designs_table_with_its_own_sites_column_is_reported(results, tmp_path):
    """A designs.tsv holding a ``sites`` column of its own stopped `seqgen report` with pandas' "cannot insert
    sites, already exists" (a traceback, no report) where the report adds its count of motif sites."""
    folder = tmp_path / "demo"
    shutil.copytree(results, folder)
    table = pd.read_csv(folder / "design/greedy-ism/designs.tsv", sep="\t")
    table.assign(sites="GGG at 4").to_csv(folder / "design/greedy-ism/designs.tsv", sep="\t", index=False)
    page, _ = build_report(folder)
    assert "<th>sites</th>" in page and "<th>sites (designs.tsv)</th>" in page and "GGG at 4" in page


def test_every_figure_has_a_caption_saying_what_it_shows_and_on_which_scale(results, tmp_path):
    """The training curves, the measured-against-predicted scatter and the composition panels had none (the
    composition's divergences did not say of which k-mers)."""
    page, _ = build_report(results)
    for figure in ("training curves", "measured vs predicted", "composition"):
        before = page[:page.index(f'<img alt="{figure}"')]
        assert before.rstrip().endswith("</p>"), figure  # a caption right above the figure
    assert "on its own linear axis" in page and "both on the label's own scale" in page
    assert "each set's 4-mer frequencies" in page and "4-mer Jensen-Shannon divergence to training" in page


def test_the_generators_table_says_a_ratio_below_1_is_memorization_without_a_held_out_set(tmp_path):
    """The workflow evaluates samples against the training data split in halves: the samples' spectra are compared
    with sequences their generator learnt, the real subset's with others, and copies of the training data score a
    JS ratio of about 0.5, which the caption's '1 = as close as real data' read as better than real."""
    (tmp_path / "generator" / "vae").mkdir(parents=True)
    ev = {"baseline": "reference half subset of 500", "kmer_js": {"4": {"ratio": 0.5}}, "classifier_auroc": 0.5}
    (tmp_path / "generator" / "vae" / "evaluation.json").write_text(json.dumps(ev))
    page = html.unescape(build_report(tmp_path)[0])
    assert "a JS ratio below 1 is no better than real data but a sign of memorization" in page
    assert "nearest Hamming: the mean number of letters" in page
    assert "Generators: samples against the training data" in page
    ev.update(baseline="training subset of 500", n_reference=400)  # seqgen evaluate --training: held out
    (tmp_path / "generator" / "vae" / "evaluation.json").write_text(json.dumps(ev))
    page = html.unescape(build_report(tmp_path)[0])
    assert "sign of memorization" not in page and "Generators: samples against held-out data" in page
    assert "The samples of vae are compared with 400 real sequences held out from their generator's training" in page
    assert "Fewer held-out sequences pull every ratio toward 1" in page
    (tmp_path / "generator" / "gan").mkdir()
    ev["baseline"] = "reference half subset of 500"
    (tmp_path / "generator" / "gan" / "evaluation.json").write_text(json.dumps(ev))
    page = html.unescape(build_report(tmp_path)[0])
    assert "Generators: samples against real data" in page and "The samples of gan were evaluated without" in page
    assert "The samples of vae are compared with 400 real" in page


def test_a_design_s_composition_limits_are_stated():
    from seqgen.report.designs import composition_limits

    auto = {"gc_window": [0.3056, 0.6944], "constraints": {"gc_min": "auto", "gc_max": "auto"}, "max_homopolymer": 6}
    assert composition_limits(auto) == ("; kept to GC 0.31-0.69 (auto: the 1st and 99th percentile of the training "
                                        "sequences') and runs of one letter of at most 6")
    assert composition_limits({"gc_window": [None, 0.6], "constraints": {"gc_max": 0.6}}) == "; kept to GC 0-0.60"
    assert composition_limits({"gc_window": None, "max_homopolymer": None}) == composition_limits(None) == ""
