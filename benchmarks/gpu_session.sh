#!/usr/bin/env bash
# The project's GPU measurements, stage by stage, on a machine with CUDA (each stage fits a 10-minute slot):
#   tests       the tests marked gpu (CUDA paths of every model kind, design, training) in the files that hold them
#   throughput  benchmarks/train_throughput.py: generator training throughput, CPU and every GPU
#   protein     benchmarks/protein.py: one family VAE on BLAT_ECOLX trained towards DeepSequence's 300,000 steps,
#               scored on the way; resumable: run the stage again and it continues from its checkpoint
#   dream5      benchmarks/dream5.py: the DREAM5 protocol (both directions) for the TFs in $DREAM5_TFS
#   scan        benchmarks/scan.py: PBM models scanned along ChIP-seq peaks, and the scan's windows a second
#   demo        the whole workflow on the demo config (config/config.yaml; `seqgen` on PATH), every job on
#               $SEQGEN_BENCH_DEVICE, run afresh; each job's seconds (Snakemake's benchmark files) ->
#               benchmarks/results/demo-DEVICE.tsv
# Usage: bash benchmarks/gpu_session.sh STAGE...   (default: tests throughput)
# Settings: PYTHON (python3), SEQGEN_BENCH_DEVICE (cuda), PROTEIN_SEED (0), PROTEIN_STAGES
# (6000,300000), STAGE_MINUTES (4: the training budget of each protein stage, a run that stops at it is scored
# where it stopped and continued by the next call), DREAM5_TFS (all),
# DREAM5_MINUTES (0.5: per TF and direction), DREAM5_ARGS (more options of dream5.py, e.g. "--set members=8"),
# SCAN_MINUTES (1: training per PBM model), DEMO_CORES (8),
# SEQGEN_SHARED_DATA (the real data; default ../shared/data). Figures go to benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
DEVICE=${SEQGEN_BENCH_DEVICE:-cuda}
MINUTES=${STAGE_MINUTES:-4}
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if [ "$DEVICE" = cuda ] && ! "$PYTHON" -c "import torch, sys; sys.exit(not torch.cuda.is_available())"; then
    echo "gpu_session.sh: no CUDA device here (set SEQGEN_BENCH_DEVICE=cpu to try the stages on the CPU)" >&2
    exit 1
fi
"$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda' if torch.cuda.is_available() else 'no cuda',
      *(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())))"

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(tests throughput)
for stage in "${stages[@]}"; do
    echo "== $stage ($(date -u +%FT%TZ))"
    case $stage in
        tests)
            "$PYTHON" -m pytest -q -p no:cacheprovider -m gpu tests/test_training.py tests/test_generators.py \
                tests/test_predictor.py tests/test_family_vae.py tests/test_design.py tests/test_scan.py ;;
        throughput)
            "$PYTHON" benchmarks/train_throughput.py ;;
        protein)
            "$PYTHON" benchmarks/protein.py --device "$DEVICE" --seed "${PROTEIN_SEED:-0}" --samples 200 \
                --score-at "${PROTEIN_STAGES:-6000,300000}" --minutes "$MINUTES" \
                --work-dir "benchmarks/results/protein-$DEVICE-seed${PROTEIN_SEED:-0}" ;;
        dream5)
            # shellcheck disable=SC2086
            "$PYTHON" benchmarks/dream5.py --device "$DEVICE" --max-time "${DREAM5_MINUTES:-0.5}" \
                --name "$DEVICE" ${DREAM5_TFS:+--tfs $DREAM5_TFS} ${DREAM5_ARGS:-} ;;
        scan)
            "$PYTHON" benchmarks/scan.py --device "$DEVICE" --max-time "${SCAN_MINUTES:-1}" --name "scan-$DEVICE" ;;
        demo)
            XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache}" "$PYTHON" -m snakemake --cores "${DEMO_CORES:-8}" \
                --forceall --config device="$DEVICE"
            timings="benchmarks/results/demo-$DEVICE.tsv"
            { printf 'job\tseconds\n'
              for file in results/demo/benchmarks/*.tsv; do
                  printf '%s\t%s\n' "$(basename "$file" .tsv)" "$(sed -n 2p "$file" | cut -f1)"
              done; } > "$timings.tmp" && mv "$timings.tmp" "$timings"
            cat "$timings" ;;
        *)
            echo "gpu_session.sh: unknown stage '$stage' (tests, throughput, protein, dream5, scan, demo)" >&2
            exit 2 ;;
    esac
done
