#!/usr/bin/env bash
# Model selection for the DREAM5 benchmark, on validation splits of the TRAINING arrays only (--no-test):
# five single-model candidates (K=1, 0.5 min each, i.e. the per-member share of the final 2-min
# 5-member budget) on Egr2 HK->ME and Irf2 ME->HK; the best mean validation log-Pearson wins, and
# the full table is then run with that setting as a 5-member ensemble.
# Run under the shared lock:  flock /tmp/seqgen-bench.lock bash benchmarks/dream5_select.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD"
PY=${PYTHON:-python}
run() { name=$1; shift; sets=""; for kv in "$@"; do sets="$sets --set $kv"; done
  echo "== $name $@"
  echo "$@" > benchmarks/results/.sel-$name.args
  for r in "Egr2 HK-ME" "Irf2 ME-HK"; do set -- $r
    $PY benchmarks/dream5.py --no-test --max-time 0.5 --tfs $1 --directions $2 --name sel-$name-$1 $sets 2>&1 | grep -E "^(Egr2|Irf2) "
  done; }
run A members=1
run B members=1 strands=max
run C members=1 strands=forward
run E members=1 filters=128 layers=2
run F members=1 background_label=background
best=$($PY - <<'PYEOF'
import json, glob
scores = {}
for name in "ABCEF":
    vals = [json.load(open(p))["summary"]["validation"] for p in glob.glob(f"benchmarks/results/dream5-sel-{name}-*.json")]
    vals = [v[d]["pearson_log"] for v in vals for d in v]
    scores[name] = sum(vals) / len(vals)
print(" ".join(f"{k}={v:.4f}" for k, v in scores.items()), file=open("benchmarks/results/.sel-scores.txt", "w"))
print(max(scores, key=scores.get))
PYEOF
)
echo "best: $best ($(cat benchmarks/results/.sel-scores.txt))"
sets=""; for kv in $(cat benchmarks/results/.sel-$best.args); do case $kv in members=*) ;; *) sets="$sets --set $kv";; esac; done
echo "final: $sets members=5"
$PY benchmarks/dream5.py --max-time 2.0 --set members=5 $sets 2>&1 | grep -v Warning
