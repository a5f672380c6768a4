#!/usr/bin/env bash
# Runs on the H200 machine (copied to .gpu/bench.sh by gpu-pack.sh): bash .gpu/bench.sh STEP...
# Steps: check, memory, layer, model, growth, or "suite:FILTER" for one BenchmarkDotNet filter. Each step has its own
# time limit; logs and BenchmarkDotNet's reports go into one archive under $OUT (the tool brings back 8 files at most).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/out}; mkdir -p "$out/logs"
dll=Dendritic.Net.Benchmarks.dll
bdn=(--device "${BENCH_DEVICE:-cuda}" --inprocess --quick)
budget=${BUDGET:-480}; start=$SECONDS  # seconds for all steps; the archive is written whatever happens
step() { # name, seconds, args...
  local name=$1 secs=$2; shift 2
  local left=$((budget - (SECONDS - start) - 10))
  if [ "$left" -lt 20 ]; then echo "=== $name skipped: out of time"; return; fi
  [ "$secs" -gt "$left" ] && secs=$left
  echo "=== $name ($(date -u +%H:%M:%S), limit ${secs}s)"
  OUT= timeout "$secs" bash "$here/run.sh" "$dll" "$@" > "$out/logs/$name.log" 2>&1; echo "=== $name rc=$?"
  grep -E '^\||passed|failed|Run time|rror|xception' "$out/logs/$name.log" | head -120
}
for s in "$@"; do
  case $s in
    check) step cuda-check 120 cuda-check ;;
    memory) step cuda-memory 200 cuda-memory ;;
    layer) for f in LayerTraining LayerInference LayerForward; do step "$f" 200 --filter "*$f*" "${bdn[@]}"; done ;;
    training|inference|forward) f=Layer${s^}; step "$f" 200 --filter "*$f*" "${bdn[@]}" ;;
    model) step ModelTraining 120 --filter '*ModelTraining*' "${bdn[@]}" ;;
    growth) step GrowthStep 90 --filter '*GrowthStep*' "${bdn[@]}" ;;
    suite:*) f=${s#suite:}; step "${f//[^A-Za-z0-9]/_}" 300 --filter "$f" "${bdn[@]}" ;;
  esac
done
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$out/logs/nvidia-smi.csv" 2>&1
python3 -c 'import torch; print(torch.__version__, torch.version.cuda)' > "$out/logs/torch.txt" 2>&1
cp -r "$here/app/BenchmarkDotNet.Artifacts/results" "$out/results" 2>/dev/null
tar -C "$out" -czf "$out/results.tar.gz" logs results 2>/dev/null && rm -rf "$out/logs" "$out/results"
ls -la "$out"
