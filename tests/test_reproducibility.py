"""Same input, same seed: the same bytes (model files included), not only the same numbers."""
import hashlib

import numpy as np
import torch

from seqgen.checkpoint import load_checkpoint, save_checkpoint
from seqgen.cli import main
from seqgen.data import SequenceSet


def _sha1(path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_the_same_checkpoint_is_the_same_bytes(tmp_path):
    """A checkpoint's bytes do not carry the random name of the temporary file it was written to."""
    payload = {"kind": "toy", "config": {"a": 1}, "alphabet": "dna", "length": 4,
               "state_dict": {"model": {"w": torch.arange(6.0).reshape(2, 3)}}}
    save_checkpoint(tmp_path / "a" / "model.pt", payload)
    save_checkpoint(tmp_path / "b" / "model.pt", payload)
    assert _sha1(tmp_path / "a" / "model.pt") == _sha1(tmp_path / "b" / "model.pt")
    assert torch.equal(load_checkpoint(tmp_path / "a")["state_dict"]["model"]["w"], payload["state_dict"]["model"]["w"])


def test_training_twice_writes_the_same_model_file(tmp_path):
    """``seqgen train`` twice with one seed: byte-identical ``model.pt`` (what a checksum of results compares)."""
    rng = np.random.default_rng(0)
    data = SequenceSet(codes=rng.integers(0, 4, (48, 12)).astype(np.uint8), alphabet="dna",
                       ids=np.array([f"s{i}" for i in range(48)]))
    data.save(tmp_path / "data.npz")
    for out in ("a", "b"):
        assert main(["train", "vae", "--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / out),
                     "--steps", "3", "--batch-size", "16", "--no-progress", "--device", "cpu"]) == 0
    assert _sha1(tmp_path / "a" / "model.pt") == _sha1(tmp_path / "b" / "model.pt")


def test_equal_payloads_are_the_same_bytes_whatever_their_strings_identity(tmp_path):
    """A payload whose equal strings are distinct objects (as after a ``--resume``, whose best snapshot comes back from
    ``checkpoint.pt``) is written as the same bytes as one whose equal strings are one object: pickle writes a string
    it has seen as a back-reference, so object identity must not reach the file."""
    kind = "predictor"
    other = "".join(["pred", "ictor"])  # equal to kind, another object
    assert other == kind and other is not kind
    payloads = [{"kind": kind, "config": {}, "alphabet": "dna", "length": 4,
                 "state_dict": {key: {"w": torch.ones(2)}}} for key in (kind, other)]
    save_checkpoint(tmp_path / "a" / "model.pt", payloads[0])
    save_checkpoint(tmp_path / "b" / "model.pt", payloads[1])
    assert _sha1(tmp_path / "a" / "model.pt") == _sha1(tmp_path / "b" / "model.pt")
