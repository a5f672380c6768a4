#!/usr/bin/env bash
# On the GPU machine: A/B of two builds of the libraries in one call. .gpu/ holds the package of the change
# (gpu-pack.sh); .gpu/old/ the Dendritic.Net*.dll of the build to compare with (from a second pack, DEST=... gpu-pack.sh).
# Runs fused-check on the change (CHECK=0 skips it), then `kernel-breakdown` REPS times per build, the builds
# alternating, and with SUITES set (e.g. "LayerTraining:small:140") the BenchmarkDotNet suites of `bench.sh
# fused-suites` once per build after that. Environment variables such as DOTNET_TieredCompilation pass through.
# Usage (device tool, carry [".gpu"]): OUT=$OUT [ROUNDS=15 REPS=2 CASES=Linear/small DS=1,2,4 DT=bfloat16 \
#   EXTRA="Conv2d/small 2 float32" SUITES=...] bash perf/Dendritic.Net.Benchmarks/probes/build-ab.sh
set -uo pipefail
ROUNDS=${ROUNDS:-15}; REPS=${REPS:-2}; CASES=${CASES:-Linear/small}; DS=${DS:-1,2,4}; DT=${DT:-bfloat16}; EXTRA=${EXTRA:-}
CHECK=${CHECK:-1}; SUITES=${SUITES:-}
out=${OUT:?set OUT}; mkdir -p "$out"
nv=$(find $(python3 -c 'import nvidia; print(" ".join(nvidia.__path__))') -name 'libnvrtc.so.1[0-9]*' | sort -V | tail -1)
export DENDRITIC_NVRTC_PATH=$nv LD_LIBRARY_PATH=$(dirname "$nv")
rm -rf /tmp/old-build && cp -r .gpu /tmp/old-build && cp .gpu/old/*.dll /tmp/old-build/app/
start=$(date +%s)
if [ "$CHECK" = 1 ]; then
  bash .gpu/run.sh Dendritic.Net.Benchmarks.dll fused-check cuda > "$out/fused-check.txt" 2>&1
  echo "fused-check rc=$? $(grep -E 'passed|failed' "$out/fused-check.txt" | tail -1) ($(( $(date +%s) - start )) s)"
fi
for r in $(seq "$REPS"); do
  for b in new old; do
    pkg=.gpu; [ "$b" = old ] && pkg=/tmp/old-build
    t=$(date +%s)
    bash "$pkg/run.sh" Dendritic.Net.Benchmarks.dll kernel-breakdown "$ROUNDS" "$CASES" "$DS" "$DT" > "$out/$b-$r.md" 2>&1
    if [ -n "$EXTRA" ]; then
      set -- $EXTRA
      bash "$pkg/run.sh" Dendritic.Net.Benchmarks.dll kernel-breakdown "$ROUNDS" "$1" "$2" "$3" >> "$out/$b-$r.md" 2>&1
    fi
    echo "$b rep $r: $(( $(date +%s) - t )) s"
  done
done
if [ -n "$SUITES" ]; then
  for b in new old; do
    pkg=.gpu; [ "$b" = old ] && pkg=/tmp/old-build
    mkdir -p "$out/suites-$b"; t=$(date +%s)
    OUT="$out/suites-$b" FUSED_SUITES="$SUITES" BUDGET=${SUITE_BUDGET:-170} bash "$pkg/bench.sh" fused-suites > "$out/suites-$b/bench.log" 2>&1
    echo "suites $b: $(( $(date +%s) - t )) s"
  done
fi
# One archive, whatever the number of files (the device tool brings back a few files only).
tar czf /tmp/build-ab.tgz -C "$out" . && find "$out" -mindepth 1 -delete && mv /tmp/build-ab.tgz "$out/"
