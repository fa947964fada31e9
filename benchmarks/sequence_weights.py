"""DeepSequence sequence weights of a large alignment: the blocked, triangular computation against the old one.

``seqgen train vae --arch mlp`` on an alignment weighs its sequences first (``seqgen.protein.sequence_weights``):
the identity of every pair, an ``(N, N)`` matrix of ``(N, 20 L)`` one-hot products. Two forms, on the same random
alignment (a consensus with a fraction of its residues changed, so that some pairs are neighbours), each in its
own process (peak RSS of that process; the alignment's codes themselves are small):

- ``old``: the whole alignment's float32 one-hot held in memory, every row chunk against all of it;
- ``new``: as shipped, one-hot chunks made as needed and only the blocks on and above the diagonal computed (each
  gives both its rows' and its columns' neighbours).

Both must give the same weights (asserted equal). One thread.

Usage: python benchmarks/sequence_weights.py [--n 10000] [--length 500] [--name NAME]  ->  results/NAME.json
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_json  # noqa: E402

CHILD = r"""
import json, resource, sys, time
import numpy as np, torch
torch.set_num_threads(1)
from seqgen.alphabets import PROTEIN_GAP
from seqgen.data import one_hot
from seqgen.protein import GAP, sequence_weights
form, n, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
base = rng.integers(0, 21, length)
codes = np.where(rng.random((n, length)) < 0.3, rng.integers(0, 21, (n, length)), base).astype(np.uint8)
start = time.perf_counter()
if form == "new":
    w = sequence_weights(codes, 0.2)
else:
    x = one_hot(torch.as_tensor(codes), PROTEIN_GAP.size)[:, :GAP].reshape(n, -1)
    residues = x.sum(1).clamp_min(1)
    nb = torch.empty(n)
    for s in range(0, n, 2048):
        nb[s:s + 2048] = ((x[s:s + 2048] @ x.T) / residues[s:s + 2048, None] > 0.8).sum(1)
    w = torch.where(nb > 0, 1.0 / nb.clamp_min(1), 0.0).numpy().astype(np.float32)
seconds = time.perf_counter() - start
np.save(sys.argv[4], w)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mib": peak}))
"""


def run(form: str, n: int, length: int, out: Path) -> dict:
    """Time and peak RSS of one form in a fresh process; its weights saved to ``out``."""
    done = subprocess.run([sys.executable, "-c", CHILD, form, str(n), str(length), str(out)], check=True,
                          capture_output=True, text=True, env={"OMP_NUM_THREADS": "1", "PATH": ""})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--name", default="sequence_weights", help="results/NAME.json")
    args = parser.parse_args()
    tmp = Path(__file__).parent / "results" / args.name
    result = {"n": args.n, "length": args.length}
    for form in ("old", "new"):
        result[form] = run(form, args.n, args.length, tmp.with_name(f"{tmp.name}_{form}.npy"))
    old, new = (np.load(tmp.with_name(f"{tmp.name}_{f}.npy")) for f in ("old", "new"))
    for f in ("old", "new"):
        tmp.with_name(f"{tmp.name}_{f}.npy").unlink()
    result["identical"] = bool(np.array_equal(old, new))
    assert result["identical"], "the two forms disagree"
    write_json(args.name, result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
