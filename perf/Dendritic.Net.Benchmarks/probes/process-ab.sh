#!/usr/bin/env bash
# Issue 19: is a plain layer, the same libtorch call in both programs, slower in our process than in Python's, and
# which process setting moves it? One core pair; per block, every configuration once, the order rotating by block.
# Configurations (the same environment for both programs where it applies):
#   py, net               glibc's defaults
#   py-retain, net-retain glibc keeps freed memory (GLIBC_TUNABLES: mmap threshold 32 MiB, no trimming)
#   net-nojit             .NET without tiered compilation (nothing is compiled in the background while timing)
# On the GPU machine (carry .gpu and .anchor): bash perf/Dendritic.Net.Benchmarks/probes/process-ab.sh CORES BLOCKS
# ROUNDS [D list] [cases]; CONFIGS="py net ..." picks configurations. Writes $OUT/process-ab-CORES/CONFIG-BLOCK.jsonl; read with probes/summarize.py FOLDER.
set -uo pipefail
cores=$1 blocks=$2 rounds=$3 dlist=${4:-1} cases=${5:-Conv2d small,Conv2d large}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
out=${OUT:-/tmp/out}/process-ab-${cores/,/-}; mkdir -p "$out"
[ -x /tmp/dotnet/dotnet ] || { mkdir -p /tmp/dotnet && tar -C /tmp/dotnet -xJf "$repo/.gpu/dotnet-rt.tar.xz"; }
export DOTNET_ROOT=/tmp/dotnet OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
tl=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
retain="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184"
{ echo "thp: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"; lscpu | grep -iE 'numa|model name|^cpu\(s\)|thread'; } > "$out/machine.txt"
read -r -a configs <<<"${CONFIGS:-py net py-retain net-retain net-nojit}"
suffix() { local s=${1#net}; s=${s#-}; echo "${s:-default}"; }
for b in $(seq 1 "$blocks"); do
  n=${#configs[@]}; shift_by=$(((b - 1) % n))
  for i in $(seq 0 $((n - 1))); do
    c=${configs[$(((i + shift_by) % n))]}
    echo "=== $cores block $b: $c ($(date -u +%H:%M:%S))"
    tun=; [[ $c == *-retain ]] && tun=$retain
    # File names follow summarize.py: python-B for Python, dotnet-NAME-B for each of our configurations.
    case $c in
      py*) name=python-$b; [ -n "$tun" ] && name=python-retain-$b
        GLIBC_TUNABLES=$tun PAI_DIR="$repo/.anchor" VARIANTS=plain,perforatedai,original,inplace taskset -c "$cores" \
          python3 "$repo/perf/Dendritic.Net.Benchmarks/probes/cascade_sequences.py" "$rounds" "$dlist" "$cases" 2>>"$out/python.err" \
          | grep '^{' > "$out/$name.jsonl" ;;
      net*) jit=1; [ "$c" = net-nojit ] && jit=0
        (cd "$repo/.gpu/app" && GLIBC_TUNABLES=$tun DOTNET_TieredCompilation=$jit VARIANTS=plain,ours,original,inplace LD_LIBRARY_PATH="$tl" \
          taskset -c "$cores" /tmp/dotnet/dotnet Dendritic.Net.Benchmarks.dll cascade-sequences "$rounds" "$dlist" "$cases" \
          2>>"$out/dotnet.err") | grep '^{' > "$out/dotnet-$(suffix "$c")-$b.jsonl" ;;
    esac
  done
done
