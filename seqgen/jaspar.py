"""JASPAR, offline: the database that ``pyjaspar`` ships, one motif by id (the demo's simulation) or a whole
collection as :class:`seqgen.motifs.Motif` (what motifs found are matched to)."""
from __future__ import annotations

import functools
import warnings

import numpy as np

from seqgen.alphabets import DNA
from seqgen.errors import SeqgenError

JASPAR_RELEASE = "JASPAR2024"
JASPAR_COLLECTION = "CORE"
JASPAR_TAX_GROUP = "vertebrates"
#: JASPAR CORE's taxa (it has no prokaryotes); ``all`` (or None) compares with every one
JASPAR_TAX_GROUPS = ("vertebrates", "plants", "insects", "fungi", "nematodes", "urochordates", "diatoms")


def tax_group_or_all(name: str | None) -> str | None:
    """A taxon of :data:`JASPAR_TAX_GROUPS`, or None for every taxon (``all``, ``''`` or None)."""
    return None if name in (None, "", "all") else name


def open_jaspar(release: str | None = None):
    """pyjaspar's offline JASPAR database of ``release`` (default: its newest); an unknown release is a one-line
    error listing the ones pyjaspar ships."""
    import contextlib
    import io

    from pyjaspar import jaspardb

    with contextlib.redirect_stdout(io.StringIO()):  # pyjaspar prints its releases for an unknown one
        db = jaspardb(release=release) if release else jaspardb()
    if not hasattr(db, "conn"):
        raise SeqgenError(f"unknown JASPAR release {release!r}; pyjaspar offers {', '.join(db.get_releases())}")
    return db


def jaspar_motif(matrix_id: str, release: str | None = None):
    """Fetch a motif from the offline JASPAR database shipped with ``pyjaspar`` (default release: the one
    motif matching uses, :data:`JASPAR_RELEASE`).

    Returns
    -------
    name : str
    counts : np.ndarray
        ``(4, W)`` float counts in A, C, G, T order.
    matrix_id : str
        The versioned id (``MA0472`` gives the newest version in the release, e.g. ``MA0472.2``).
    """
    db = open_jaspar(release or JASPAR_RELEASE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjaspar warns before returning None for an unknown id
        motif = db.fetch_motif_by_id(matrix_id)
    if motif is None:
        raise SeqgenError(f"no JASPAR motif {matrix_id!r} in {db.release if hasattr(db, 'release') else 'JASPAR'}")
    counts = np.array([motif.counts[letter] for letter in "ACGT"], dtype=np.float64)
    return motif.name, counts, motif.matrix_id


@functools.lru_cache(maxsize=8)
def _jaspar(release: str, collection: str | None, tax_group: str | None) -> tuple:
    from seqgen.motifs import Motif, counts_to_pwm  # motifs imports this module

    db = open_jaspar(release)
    kwargs = {"collection": collection}
    if tax_group:
        kwargs["tax_group"] = [tax_group]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = db.fetch_motifs(**kwargs)
    out = []
    for r in records:
        counts = np.array([r.counts[c] for c in "ACGT"], dtype=np.float64)
        out.append(Motif(r.matrix_id, counts_to_pwm(counts), DNA, r.name, int(counts[:, 0].sum()),
                         {"source": "jaspar", "family": "; ".join(r.tf_family or []),
                          "class": "; ".join(r.tf_class or [])}))
    if not out:
        raise SeqgenError(f"no JASPAR motifs for release {release}, collection {collection}, tax group {tax_group}")
    return tuple(out)


def jaspar_motifs(release: str = JASPAR_RELEASE, collection: str | None = JASPAR_COLLECTION,
                  tax_group: str | None = JASPAR_TAX_GROUP) -> list:
    """JASPAR matrices (latest versions) from the offline database in ``pyjaspar``.

    ``description`` is the TF name; ``stats`` has ``family`` and ``class``.
    """
    return list(_jaspar(release, collection, tax_group))
