#!/usr/bin/env bash
# Model selection for the DREAM5 benchmark, on validation splits of the TRAINING arrays only (--no-test).
# Single models (K = 1) trained to early stopping or 3 minutes, one thread, on Egr2 HK->ME, Foxo1 HK->ME
# and Tbx3 ME->HK (the TFs weakest on the test arrays in round 1). The best mean validation log-Pearson
# wins; the full table is then run with it as a 3-member ensemble in 5 minutes per TF and direction:
#   python benchmarks/dream5.py --jobs 2 --max-time 5 --set members=3 --set steps=100000 --set KEY=VALUE ...
# Round 9 (2026-11-23, session 21): the target's log offset on padding=full, single models as rounds 2-4 (the loop
#   below with settings "log_offset=100", "log_offset=1000"; figures on log(signal + 1) whatever the offset):
#   0.835 and 0.835 against 0.836; none chosen.
# Round 8 (2026-11-23, session 20): on padding=full, single models as rounds 2-4 (the loop below with settings
#   "ema=0.99", "ema=0.999", "kernel=13", "filters=128"): 0.837, 0.837, 0.832, 0.836 against 0.836; none chosen.
# Round 7 (2026-11-22, session 16): the batch size on padding=full, single models as rounds 2-4 (the loop below
#   with settings "batch_size=128", "batch_size=512"; default 256): 0.835 and 0.834 against 0.836; none chosen.
# Round 6 (2026-11-22, session 14): on padding=full, single models as rounds 2-4 (the loop below with
#   settings "dropout=0.3", "weight_decay=0.05", "loss=huber", "loss=huber huber_delta=0.5", "layers=3"):
#   0.836, 0.835, 0.837, 0.835, 0.837 against 0.836 unchanged; strands=concat 0.832, strands=max 0.774 (in
#   place of strands=forward); none chosen (RESULTS.md).
# Round 5 (2026-11-22, session 11): the ensemble size within the final 5 minutes, padding=full, members 1, 2
#   and 3 (dream5.py --no-test --max-time 5 --set members=K --set steps=100000, the TFs below): 0.836, 0.840,
#   0.837 mean validation log-Pearson, all the same; the final table keeps 3 members.
# Round 4 (2026-11-22, session 10; below): the probe's ends. A constant flank appended to every probe (the
# universal-PBM linker, the same with one more base before it, an ACGT repeat as a control, unknown bases)
# against zero padding at both ends (padding=full). Winner: padding=full (RESULTS.md).
# Round 3 (2026-11-22): L with lr=0.002, lr_schedule=cosine, lr=0.003 lr_schedule=cosine: no change.
# Round 2 (2026-11-21): C strands=forward; G C+pool_bins=3; I C+filters=128 hidden=64;
#   L strands=forward layers=2 dilation=2 kernel=9 (the winner); LG L+pool_bins=3.
# Round 1 (strands and background correction, 0.5-min models on Egr2 HK and Irf2 ME): see RESULTS.md.
# Run under the shared lock:  flock /tmp/seqgen-bench.lock bash benchmarks/dream5_select.sh
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/data/pbm/dream5 ]; then echo "skipped: ../shared/data/pbm/dream5 is absent"; exit 0; fi
STARTED=$(date +%s)  # the summary reads only the results this run writes
export PYTHONPATH="$PWD" OMP_NUM_THREADS=1
PY=${PYTHON:-python}
L="strands=forward layers=2 dilation=2 kernel=9"
LINKER=GTCTGTGTTCCGTTGTCCGTGCTG
# name | flank appended to every probe (N: unknown base) | settings
CANDIDATES=("L||$L"
            "F24|$LINKER|$L"
            "C25|C$LINKER|$L"
            "T25|T$LINKER|$L"
            "X24|ACGTACGTACGTACGTACGTACGT|$L"
            "N24|NNNNNNNNNNNNNNNNNNNNNNNN|$L"
            "PF||$L padding=full")
for cand in "${CANDIDATES[@]}"; do
  IFS="|" read -r name flank settings <<< "$cand"
  sets=""; for kv in $settings; do sets="$sets --set $kv"; done
  for r in "Egr2 HK-ME" "Foxo1 HK-ME" "Tbx3 ME-HK"; do set -- $r
    $PY benchmarks/dream5.py --no-test --max-time 3 --tfs $1 --directions $2 --name s10-$name-$1 \
      --flank "$flank" --set members=1 --set steps=30000 $sets 2>&1 | grep -E "^validation" | sed "s/^/$name $1 /"
  done
done
STARTED=$STARTED $PY - <<'PYEOF'
import glob, json, os
started = float(os.environ["STARTED"])
for name in ("L", "F24", "C25", "T25", "X24", "N24", "PF"):
    paths = [p for p in sorted(glob.glob(f"benchmarks/results/dream5-s10-{name}-*.json"))
             if os.path.getmtime(p) >= started]
    vals = [json.load(open(p))["summary"]["validation"] for p in paths]
    logr = [v[d]["pearson_log"] for v in vals for d in v]
    if logr:
        print(f"{name}: mean validation log-Pearson {sum(logr) / len(logr):.4f} over {len(logr)} runs")
PYEOF
