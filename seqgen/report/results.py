"""Reading a results folder: :class:`Results` (each reader returns None and notes what is missing) and
:func:`score_column`, the column of a designs or samples table that holds the score."""
from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pandas as pd

from seqgen.errors import SeqgenError


def score_column(df: pd.DataFrame) -> str | None:
    """The column of a designs/samples table holding the score: ``score``, else ``score_label_mean`` (the
    predictor's mean on the label's scale, as in predictor/predictions.tsv), else ``mean`` (``seqgen predict``'s
    table, as the workflow's samples.tsv), else the first ``*score*``/``pred*``, else ``utility`` (designs for the
    VAE's likelihood alone)."""
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    by_name = {c.lower(): c for c in numeric}
    for name in ("score", "score_label_mean", "mean"):
        if name in by_name:
            return by_name[name]
    for c in numeric:
        if "score" in c.lower() or c.lower().startswith("pred"):
            return c
    return "utility" if "utility" in numeric else None  # designs for the VAE's likelihood alone


class Results:
    """What a results folder holds; every reader returns None (and records a note) when a file is missing."""

    def __init__(self, root, only: dict[str, list[str]] | None = None, hidden: tuple[str, ...] = ()):
        """``only``: the sub-folders to read of ``design``/``generator`` (e.g. those the current config makes);
        by default every one found. ``hidden``: files and folders (``fnmatch`` patterns) read as absent, without a
        note (an earlier configuration's ``predictor``...)."""
        self.root = Path(root)
        self.hidden = tuple(hidden)
        if not self.root.is_dir():
            raise SeqgenError("is a file, not a results folder" if self.root.exists() else
                              "results folder does not exist", root)
        self.notes: list[str] = []
        self.only = {k: v for k, v in (only or {}).items() if v is not None}
        self._tables: dict = {}

    def is_hidden(self, rel: str) -> bool:
        """Whether ``rel`` is one of ``hidden``, or inside one."""
        return any(fnmatch.fnmatch(rel, h) or rel.startswith(f"{h}/") for h in self.hidden)

    def path(self, rel: str) -> Path | None:
        if self.is_hidden(rel):
            return None
        p = self.root / rel
        return p if p.exists() else None

    def read(self, rel: str, reader, what: str, optional: bool = False):
        """``reader(path)`` of the file ``rel`` of the folder; None when it is absent (with a note saying ``what``
        is missing, unless ``optional``) or cannot be read (with a note)."""
        p = self.path(rel)
        if p is None:
            if not optional and not self.is_hidden(rel):  # a hidden file is left out, not missing
                self.note(f"no {rel} ({what})")
            return None
        try:
            return reader(p)
        except Exception as exc:  # a broken file is reported, the rest of the report is still written
            self.note(f"could not read {rel}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            return None

    def note(self, text: str) -> None:
        """Record a note once (sections may read the same file)."""
        if text not in self.notes:
            self.notes.append(text)

    def csv(self, rel, what, sep=None, optional=False, columns=()):
        """The table ``rel``, read from disk once however many sections ask (each gets its own copy); None, with
        a note, when it lacks one of ``columns`` (a section would leave out what it draws from them, silently)."""
        key = (rel, sep)
        if key not in self._tables:
            sep = sep or ("\t" if rel.endswith(".tsv") else ",")
            table = self.read(rel, lambda p: pd.read_csv(p, sep=sep), what, optional)
            if table is None:  # not kept: a later, non-optional ask still records the note
                return None
            self._tables[key] = table
        missing = [c for c in columns if c not in self._tables[key]]
        if missing:
            self.note(f"could not read {rel}: no column {', '.join(map(repr, missing))} (its columns: "
                      f"{', '.join(map(str, self._tables[key].columns))})")
            return None
        return self._tables[key].copy()

    def json(self, rel, what, optional=False):
        return self.read(rel, lambda p: json.loads(p.read_text(encoding="utf-8")), what, optional)

    def sequences(self, rel, what, alphabet="dna", optional=False):
        from seqgen.motifs import load_input

        return self.read(rel, lambda p: load_input(p, alphabet), what, optional)

    def subdirs(self, rel: str) -> list[str]:
        p = self.root / rel
        found = sorted(d.name for d in p.iterdir() if d.is_dir()) if p.is_dir() else []
        if rel not in self.only:
            return found
        missing = [d for d in self.only[rel] if d not in found]  # asked for, e.g. a misspelled --methods name
        for d in missing:
            note = f"no {rel}/{d}/ (asked for by --{'methods' if rel == 'design' else 'generators'})"
            self.note(note)
        return [d for d in found if d in self.only[rel]]
