"""The report's provenance section: the configuration, the training data (a family VAE's alignment),
the motif settings and the versions that made the results."""
from __future__ import annotations

import datetime

from seqgen.report.page import esc, kv_table
from seqgen.report.results import Results


def family_summary(res: Results, data) -> dict | None:
    """The alignment a family VAE trained on, as stored in ``generator/vae/model.pt``: the effective number of
    sequences (sum of the sequence weights), the weights' threshold theta, the sequences kept and dropped by the
    gap filter, the focus; None without a family VAE (the model is read only where ``data`` is an alignment)."""
    from seqgen.checkpoint import load_checkpoint

    if data is None or "focus_positions" not in data.meta:
        return None
    payload = res.read("generator/vae/model.pt", lambda p: load_checkpoint(p, "vae"), "the VAE", optional=True)
    family = (payload or {}).get("family")
    if not family:
        return None
    return {"effective sequences": round(float(family["neff"]), 1), "theta": family["theta"],
            "sequences": family["n_sequences"], "dropped (too many gaps)": family["n_dropped_gaps"],
            "focus": family["focus_id"]}


def provenance_section(res: Results, data, family: dict | None = None) -> str:
    """Config, data provenance (``family``: the family VAE's alignment, :func:`family_summary`), motif settings,
    versions."""
    from seqgen.motifs import versions

    parts = []
    for name in ("config.yaml", "config.yml", "config.json"):
        p = res.path(name)
        if p:
            parts.append(f"<h3>Configuration ({esc(name)})</h3><pre>{esc(p.read_text(encoding='utf-8'))}</pre>")
            break
    else:
        res.note("no config.yaml in the results folder (settings)")
    if data is not None:
        parts.append("<h3>Training data</h3>" + kv_table(data.meta))
    if family:
        parts.append("<h3>The family VAE's alignment (sequence weights)</h3>" + kv_table(family))
    params = res.json("motifs/params.json", "motif settings", optional=True)
    if params:
        parts.append("<h3>Motif analysis</h3>" + kv_table({k: "none" if v is None else v for k, v in params.items()
                                                           if k != "versions"}))  # predictor, top: none, not n/a
        if "versions" in params:
            parts.append("<p class='sub'>Motif analysis run with:</p>" + kv_table(params["versions"]))
    parts.append("<h3>This report</h3>" + kv_table({"written": datetime.datetime.now().isoformat(timespec="seconds"),
                                                   "folder": str(res.root.resolve()), **versions()}))
    return "".join(parts)
