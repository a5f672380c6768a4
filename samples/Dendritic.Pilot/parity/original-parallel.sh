#!/usr/bin/env bash
# The original (perforatedai 3.0.5) on the pilot's experiment, seeds in parallel processes (one torch thread each), as
# ../shared/anchors/run-original.sh does one core at a time:
#   bash samples/Dendritic.Pilot/parity/original-parallel.sh [FIRST_SEED] [COUNT] [SEEDS_PER_PROCESS]
# Default: seeds 1 to 10, one process per seed (made for the GPU machine's 16 host cores; device run, carry
# [".anchor"]). On 2 cores, e.g. seeds 11 to 30 in two processes of ten: original-parallel.sh 11 20 10. PYTHON picks the
# interpreter (default python3; on the development box /usr/bin/python3, which has Debian's torch).
# .anchor/ (git-ignored) holds pai_pilot.py, pai_pilot_summary.py and _fallback/ from ../shared/anchors, and the
# package folder perforatedai/. Writes the pooled table and the per-seed JSON files to $OUT (default /tmp).
set -u
# A fresh work folder per call, so that an earlier call's results never join this one's summary.
root=$(pwd); out=${OUT:-/tmp}; w=$(mktemp -d /tmp/paiw.XXXXXX)
cp .anchor/pai_pilot.py "$w/"; cp -r .anchor/_fallback "$w/"; ln -sfn "$root/.anchor/perforatedai" "$w/perforatedai"
first=${1:-1}; count=${2:-10}; per=${3:-1}
for s in $(seq "$first" "$per" $((first + count - 1))); do
  n=$(( per < first + count - s ? per : first + count - s ))
  PAI_DEVICE=cpu PAI_THREADS=1 PAI_DATA="$root/samples/Dendritic.Pilot/data" OUT="$w" "${PYTHON:-python3}" "$w/pai_pilot.py" "$s" "$n" 3 2 45 > "$w/seed$s.log" 2>&1 &
done
wait
"${PYTHON:-python3}" .anchor/pai_pilot_summary.py "$w"/pai_pilot_*.json | tee "$out/original-pilot-summary.txt"
tar -C "$w" -czf "$out/original-pilot.tar.gz" $(cd "$w" && ls pai_pilot_*.json seed*.log)
