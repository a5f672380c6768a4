#!/usr/bin/env bash
# Issue 19: which oneDNN implementation and ISA serve a plain Conv2d in our .NET process and in Python, and how long
# each oneDNN primitive takes in each, on the same core pair one after the other (ONEDNN_VERBOSE=1 prints both).
# On the GPU machine (carry .gpu and .anchor): bash perf/Dendritic.Net.Benchmarks/probes/onednn-isa.sh [blocks]
# (the plain layer only in both programs since the recorded call, whose .NET side also ran our layer's convolutions).
# Writes $OUT/onednn-verbose.tar.gz and prints the implementations and the median time per primitive and program.
set -uo pipefail
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 DOTNET_ROOT=/tmp/dotnet VARIANTS=plain
repo=$(cd "$(dirname "$0")/../../.." && pwd); out=${OUT:-/tmp/out}/onednn; mkdir -p "$out"
[ -x /tmp/dotnet/dotnet ] || { mkdir -p /tmp/dotnet && tar -C /tmp/dotnet -xJf "$repo/.gpu/dotnet-rt.tar.xz"; }
tl=$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')
for b in $(seq 1 "${1:-2}"); do
  order="python dotnet"; [ $((b % 2)) = 0 ] && order="dotnet python"
  for who in $order; do
    if [ "$who" = python ]; then
      ONEDNN_VERBOSE=1 PAI_DIR="$repo/.anchor" taskset -c 2,3 \
        python3 "$repo/perf/Dendritic.Net.Benchmarks/probes/cascade_sequences.py" 3 1 "Conv2d small" > "$out/python-$b.txt" 2>/dev/null
    else
      (cd "$repo/.gpu/app" && ONEDNN_VERBOSE=1 LD_LIBRARY_PATH=$tl taskset -c 2,3 /tmp/dotnet/dotnet Dendritic.Net.Benchmarks.dll \
        cascade-sequences 3 1 "Conv2d small") > "$out/dotnet-$b.txt" 2>&1
    fi
  done
done
python3 - "$out" <<'PY'
import collections, glob, statistics, sys
for prog in ("python", "dotnet"):
    times, isa = collections.defaultdict(list), set()
    for f in glob.glob(f"{sys.argv[1]}/{prog}-*.txt"):
        for line in open(f):
            p = line.strip().split(",")
            if ",info,cpu,isa:" in line:
                isa.add(line.split("isa:", 1)[1].strip())
            if ",exec," in line and "cpu" in p:
                kind = p[5] + " " + p[6] + " " + (p[7] if p[5] == "convolution" else p[8].split(" ")[1] + " " + p[-2])
                times[kind].append(float(p[-1]))
            if line.startswith("{") and "plain" in line:
                print(prog, line.strip())
    print(prog, "isa:", isa)
    for k, v in sorted(times.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {prog:6} n={len(v):3} median {statistics.median(v):7.2f} ms  min {min(v):7.2f}  {k}")
PY
tar czf "${OUT:-/tmp/out}/onednn-verbose.tar.gz" -C "$out" . && rm -rf "$out"
