#!/usr/bin/env bash
# Model selection for the DREAM5 benchmark, on validation splits of the TRAINING arrays only (--no-test).
# Round 2 (2026-11-21): single models (K = 1), forward strand (the round-1 winner), trained to early
# stopping or 3 minutes, on Egr2 HK->ME, Foxo1 HK->ME and Tbx3 ME->HK (the TFs weakest on the test
# arrays in round 1). The best mean validation log-Pearson wins; the full table is then run with it
# as a 3-member ensemble in 5 minutes per TF and direction:
#   python benchmarks/dream5.py --max-time 5 --set members=3 --set steps=100000 --set KEY=VALUE ...
# Round 3 (2026-11-22): CANDIDATES=("L strands=forward layers=2 dilation=2 kernel=9" plus lr=0.002, lr_schedule=cosine,
# lr=0.003 lr_schedule=cosine): no change (RESULTS.md).
# Round 1 (strands and background correction, 0.5-min models on Egr2 HK and Irf2 ME): see RESULTS.md.
# Run under the shared lock:  flock /tmp/seqgen-bench.lock bash benchmarks/dream5_select.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" OMP_NUM_THREADS=1
PY=${PYTHON:-python}
CANDIDATES=("C strands=forward"
            "G strands=forward pool_bins=3"
            "I strands=forward filters=128 hidden=64"
            "L strands=forward layers=2 dilation=2 kernel=9"
            "LG strands=forward layers=2 dilation=2 kernel=9 pool_bins=3")
for cand in "${CANDIDATES[@]}"; do
  set -- $cand; name=$1; shift; sets=""; for kv in "$@"; do sets="$sets --set $kv"; done
  for r in "Egr2 HK-ME" "Foxo1 HK-ME" "Tbx3 ME-HK"; do set -- $r
    $PY benchmarks/dream5.py --no-test --max-time 3 --tfs $1 --directions $2 --name s2-$name-$1 \
      --set members=1 --set steps=30000 $sets 2>&1 | grep -E "^(Egr2|Foxo1|Tbx3) " | sed "s/^/$name /"
  done
done
$PY - <<'PYEOF'
import glob, json
for name in ("C", "G", "I", "L", "LG"):
    vals = [json.load(open(p))["summary"]["validation"] for p in sorted(glob.glob(f"benchmarks/results/dream5-s2-{name}-*.json"))]
    logr = [v[d]["pearson_log"] for v in vals for d in v]
    print(f"{name}: mean validation log-Pearson {sum(logr) / len(logr):.4f} over {len(logr)} runs")
PYEOF
