#!/usr/bin/env bash
# Compiles cascade.cu into harness.cpp with the host C++ compiler (no GPU, no NVRTC) for each set count, dtype and
# activation, runs it, and prints one PASS/FAIL line per check. Needs g++ 11 or later (C++20 <barrier>).
# COMBOS="D BF16 ACT [BIAS_GRAD];..." picks the combinations (default: D = 1..4 in both dtypes, the other activations,
# D = 8, and the bias-gradient sums at D = 1, 4 and 8).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp -d)
failures=0
IFS=';' read -ra combos <<<"${COMBOS:-1 0 0;2 0 0;3 0 0;4 0 0;1 1 0;2 1 0;3 1 0;4 1 0;3 0 1;3 0 2;4 1 1;8 0 0;1 0 0 1;4 1 0 1;8 0 2 1}"
for combo in "${combos[@]}"; do
  read -r d bf act bias <<<"$combo"
  bias=${bias:-0}
  exe="$bin/h_${d}_${bf}_${act}_${bias}"
  if ! g++ -std=c++20 -O1 -pthread -Wno-unknown-pragmas -DCASCADE_D="$d" -DCASCADE_BF16="$bf" -DCASCADE_ACT="$act" -DCASCADE_BIAS_GRAD="$bias" "$here/harness.cpp" -o "$exe"; then
    echo "FAIL compile D=$d bf16=$bf act=$act bias-grad=$bias"; failures=$((failures + 1)); continue
  fi
  "$exe" || failures=$((failures + 1))
done
rm -rf "$bin"
echo "kernel-on-cpu: $failures failing combination(s)"
[ "$failures" -eq 0 ]
