"""Writing a design's results: ``designs.fasta``, ``designs.tsv`` and ``trajectory.tsv`` (all atomic)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqgen.alphabets import decode
from seqgen.atomic import atomic_path
from seqgen.design.constraints import Constraints
from seqgen.design.run import DesignResult
from seqgen.io import write_fasta
from seqgen.metrics import mean_pairwise_hamming, nearest_hamming


def designs_table(result: DesignResult, constraints: Constraints, method: str, reference: np.ndarray | None = None,
                  linker: str | None = None) -> pd.DataFrame:
    """One row per design: id, sequence, utility, each objective's mean/std, constraint checks, distance.

    Parameters
    ----------
    reference : np.ndarray, optional
        ``(R, L)`` training codes; adds ``nearest_training_distance`` (Hamming).
    linker : str, optional
        A constant region appended to each design to give the full array-ready ``probe``.
    """
    seqs = decode(result.codes, constraints.alphabet)
    table = pd.DataFrame({"id": [f"{method}_{i + 1}" for i in range(len(seqs))], "sequence": seqs,
                          "utility": np.round(result.utility, 5)})
    for name, (mean, std) in result.predictions.items():
        table[f"{name}_mean"] = np.round(mean, 5)
        table[f"{name}_std"] = np.round(std, 5)
    for name, ok in constraints.check(result.codes).items():
        table[f"ok_{name}"] = ok
    if constraints.alphabet.is_nucleic and len(seqs):
        table["gc"] = np.round(constraints.gc_fraction(result.codes), 4)
    if reference is not None and len(seqs) and reference.shape[1] == result.codes.shape[1]:
        table["nearest_training_distance"] = nearest_hamming(result.codes, reference, constraints.alphabet.size)
    if constraints.start is not None and len(seqs):
        table["edits"] = constraints.edits(result.codes)
        table["changes"] = changes_from(result.codes, constraints.start, constraints.alphabet)
    if result.repaired is not None:
        table["repaired"] = result.repaired
    if linker:
        table["probe"] = [s + linker for s in seqs]
    return table


def changes_from(codes: np.ndarray, start: np.ndarray, alphabet) -> list[str]:
    """Each design's changes from the starting sequence, as ``A12G`` (the start's letter, the 1-based position,
    the design's letter) joined by ``;``, or ``none``.

    codes: (N, L) designs; start: (L,) the starting sequence's codes."""
    letters = np.array(list(alphabet.letters))
    rows, cols = np.nonzero(codes != start)
    words = np.char.add(np.char.add(letters[start[cols]], (cols + 1).astype(str)), letters[codes[rows, cols]])
    split = np.split(words, np.searchsorted(rows, np.arange(1, len(codes))))
    return [";".join(w) if len(w) else "none" for w in split]


def write_design(out_fasta, result: DesignResult, table: pd.DataFrame) -> dict:
    """Write ``designs.fasta``, ``designs.tsv`` and ``trajectory.tsv`` beside it, and ``probes.fasta`` where the
    table has probes (a ``--linker``); return a summary.

    A ``probes.fasta`` of an earlier run with a linker is removed from a run without one: its probes, under the
    same ids, would be taken for this run's.
    """
    out_fasta = Path(out_fasta)
    folder = out_fasta.parent
    descriptions = [f"utility={u:.4f}" for u in table["utility"]]
    write_fasta(out_fasta, table["id"], table["sequence"], descriptions)
    with atomic_path(folder / "designs.tsv") as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    with atomic_path(folder / "trajectory.tsv") as tmp:
        pd.DataFrame(result.trajectory).to_csv(tmp, sep="\t", index=False)
    if "probe" in table:
        write_fasta(folder / "probes.fasta", table["id"], table["probe"])
    else:
        (folder / "probes.fasta").unlink(missing_ok=True)
    return {"designs": len(table), "dropped": result.dropped, "duplicates": result.duplicates,
            "repaired": None if result.repaired is None else int(result.repaired.sum()),
            "calls_per_sequence": result.calls_per_sequence,
            "seconds": round(result.seconds, 2),  # no pair among fewer than 2 designs: no distance, not 0
            "mean_pairwise_distance": mean_pairwise_hamming(result.codes) if len(result.codes) > 1 else None,
            "best_utility": float(table["utility"].max()) if len(table) else None}
