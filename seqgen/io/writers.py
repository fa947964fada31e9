"""Writing results: sequences as FASTA (:func:`write_fasta`), atomically."""
from __future__ import annotations

from seqgen.atomic import atomic_path

def write_fasta(path, ids, sequences, descriptions=None) -> None:
    """Write sequences as FASTA, atomically (one line a sequence)."""
    ids = list(ids)
    lines = []
    for i, (name, seq) in enumerate(zip(ids, sequences)):
        desc = f" {descriptions[i]}" if descriptions is not None and descriptions[i] else ""
        lines.append(f">{name}{desc}\n{seq}\n")
    with atomic_path(path) as tmp:
        tmp.write_text("".join(lines))
