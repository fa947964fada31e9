"""What both the workflow's options and its checks read of a data set's block: the labels its encoding holds,
the weight of the VAE's likelihood in its designs, and a config value given as one item or a list.

Standard library and :mod:`seqgen.settings` only at import (see :mod:`seqgen.workflow_config`).
"""
from __future__ import annotations

from seqgen.settings import PBM_LABELS


# Labels and objectives of a data set


#: the label of a data set with ``negatives`` (:data:`seqgen.negatives.BOUND`, not imported: see the module doc)
BOUND = "bound"


def requested_labels(ds) -> list:
    """The columns encoding is asked to read as labels (``--label-column``): ``label_columns``, else ``label``
    (not for a PBM table, whose format gives its own, nor with ``negatives``, which give :data:`BOUND`)."""
    if "negatives" in ds:
        return []
    if ds.get("label_columns"):
        return ds["label_columns"]
    return [ds["label"]] if "label" in ds and ds.get("format") not in PBM_LABELS else []


def read_labels(ds) -> list:
    """The label columns a data set's encoding holds."""
    if "simulate" in ds:
        return ["signal"]
    if "negatives" in ds:
        return [BOUND]
    return PBM_LABELS.get(ds.get("format")) or requested_labels(ds)


def positives_label(ds) -> str | None:
    """The 0/1 label whose 1s a data set's generators learn alone: its ``positives``, else :data:`BOUND` with
    ``negatives``, else None (they learn every sequence)."""
    return ds.get("positives", BOUND if "negatives" in ds else None)


def labelled(ds) -> bool:
    """Whether a data set has a label a predictor can learn (simulated, ``label``, ``label_columns``, a PBM
    format)."""
    return bool(read_labels(ds))


def naturalness(config, ds, method=None) -> float:
    """Weight of the VAE's ELBO in design: the data set's ``naturalness``, else the method's
    (``design.<method>.naturalness``), else 1 without a label and 0 with one."""
    default = config["design"].get(method, {}).get("naturalness", 0.0 if labelled(ds) else 1.0)
    return ds.get("naturalness", default)


def as_list(value) -> list:
    """A config value that is one item or a list of them, as a list."""
    return [value] if isinstance(value, str) else list(value)
