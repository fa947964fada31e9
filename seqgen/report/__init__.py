"""A self-contained HTML report of one data set's results folder.

The report reads files only (the layout of ``results/{dataset}/`` in the
project's design notes), takes what exists and notes what does not:

```
data.npz                                   training sequences and labels
generator/{vae,gan}/metrics.csv, samples.fasta, samples.tsv (optional: id, sequence, mean, std), evaluation.json
generator/vae/model.pt                     a family VAE's alignment summary (Neff, focus), for an alignment only
predictor/metrics.json, metrics.csv, predictions.tsv (optional: measured, predicted)
design/{method}/designs.fasta, designs.tsv (id, sequence, score_label_mean...), trajectory.tsv, design.json,
                training_utility.tsv (id, utility), motifs/ (the designs' motifs, as motifs/ below)
motifs/motifs.meme, motifs.tsv, tomtom.tsv, logos/*.png, params.json; motifs/predictor/ (the predictor's motifs)
mutations.tsv (optional: mutant, vae, site_independent, note) mutation effects from ``seqgen score-mutants``
scan/best.tsv, windows.tsv (optional) sequences scanned window by window (``seqgen predict --scan``)
config.yaml or config.json                 the settings the results were made with
```

Images are embedded as PNG data URIs; the file has no external links, so it
opens offline.

The modules, one per part of the report:

- :mod:`seqgen.report.page`: HTML primitives (escaping, embedded images, numbers, tables, cards, notes, CSS);
- :mod:`seqgen.report.results`: :class:`~seqgen.report.results.Results`, the reader of a results folder;
- :mod:`seqgen.report.motifs`: the motif section;
- :mod:`seqgen.report.designs`: the design section and its notes;
- :mod:`seqgen.report.quality`: the model quality section (predictor, training curves, generators);
- :mod:`seqgen.report.mutations`: the mutation effects section;
- :mod:`seqgen.report.scan`: the scanned sequences section;
- :mod:`seqgen.report.sequences`: score distributions and composition of the sequences;
- :mod:`seqgen.report.provenance`: how the results were made (configuration, data, versions);
- :mod:`seqgen.report.build`: the summary cards and the whole page, :func:`build_report` and :func:`write_report`.
"""
from seqgen.report.build import build_report, write_report

__all__ = ["build_report", "write_report"]
