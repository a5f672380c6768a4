#!/usr/bin/env bash
# Issue 19: the same cascade, timed by the Python probe (perforatedai's own module, its op sequence replayed, ours
# replayed) and by our .NET layer, one program after the other on one core pair, so that both see the same machine.
# On the GPU machine (carry .gpu and .anchor): bash perf/Dendritic.Net.Benchmarks/probes/same-cores.sh CORES BLOCKS
# ROUNDS FIRST [D list] [cases]; FIRST is python or dotnet (the order alternates from there). Writes
# $OUT/same-cores-CORES/{python,dotnet}-BLOCK.jsonl. HEAPS="retain default" runs our program once per native heap
# setting (BenchHeap: keep freed memory, or glibc's defaults), as dotnet-HEAP-BLOCK.jsonl, in reverse order on even
# blocks.
set -uo pipefail
cores=$1 blocks=$2 rounds=$3 first=$4 dlist=${5:-1,2} cases=${6:-Linear small,Linear large,Conv2d small,Conv2d large}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
out=${OUT:-/tmp/out}/same-cores-${cores/,/-}; mkdir -p "$out"
[ -x /tmp/dotnet/dotnet ] || { mkdir -p /tmp/dotnet && tar -C /tmp/dotnet -xJf "$repo/.gpu/dotnet-rt.tar.xz"; }
export DOTNET_ROOT=/tmp/dotnet OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
tl=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
for b in $(seq 1 "$blocks"); do
  flip=0; [ "$first" = dotnet ] && flip=1
  if [ $(((b + flip) % 2)) = 1 ]; then order="python dotnet"; else order="dotnet python"; fi
  for who in $order; do
    echo "=== $cores block $b: $who ($(date -u +%H:%M:%S))"
    if [ "$who" = python ]; then
      PAI_DIR="$repo/.anchor" VARIANTS=plain,perforatedai,original,inplace taskset -c "$cores" \
        python3 "$repo/perf/Dendritic.Net.Benchmarks/probes/cascade_sequences.py" "$rounds" "$dlist" "$cases" 2>>"$out/python.err" \
        | grep '^{' > "$out/python-$b.jsonl"
    else
      heaps=${HEAPS:-default}; [ $((b % 2)) = 0 ] && heaps=$(echo "$heaps" | tr ' ' '\n' | tac | tr '\n' ' ')
      for heap in $heaps; do
        name=dotnet-$b; [ -n "${HEAPS:-}" ] && name=dotnet-$heap-$b
        (cd "$repo/.gpu/app" && DENDRITIC_NATIVE_HEAP=$heap LD_LIBRARY_PATH="$tl" taskset -c "$cores" /tmp/dotnet/dotnet \
          Dendritic.Net.Benchmarks.dll cascade-sequences "$rounds" "$dlist" "$cases" 2>"$out/$name.err") | grep '^{' > "$out/$name.jsonl"
      done
    fi
  done
done
