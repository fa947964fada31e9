"""What several ``seqgen`` commands share: the ``--seed`` type, the options of a command that runs a model, the
refusal of an ``--out`` named ``.npz`` for a command that writes text."""
from __future__ import annotations

import argparse

from seqgen.errors import SeqgenError


#: the largest --seed: numpy's and torch's generators both take every whole number from 0 to this
MAX_SEED = 2 ** 63 - 1


def seed_value(value: str) -> int:
    """``--seed``: a whole number from 0 to :data:`MAX_SEED` (numpy refuses a negative seed and torch one of 2**64
    or more, with a traceback at the first random draw, after the work before it)."""
    try:
        seed = int(value)
    except ValueError:
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a whole number from 0 to 2**63 - 1, not {value!r}")
    return seed


def _add_common(p, seed=True) -> None:
    """Options shared by the commands that run a model."""
    if seed:
        p.add_argument("--seed", type=seed_value, help="random seed (default 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu or cuda[:N]")


def _refuse_npz_out(out, writes: str, suffix: str) -> None:
    """Refuse an ``--out`` named ``.npz`` for a command that writes text: later commands would take the file for an
    encoded data set and call it 'not a seqgen data file'."""
    if str(out).endswith(".npz"):
        raise SeqgenError(f"this command writes {writes}, not an encoded .npz: name it {suffix} (seqgen encode makes "
                          f"an .npz of it)", out)
