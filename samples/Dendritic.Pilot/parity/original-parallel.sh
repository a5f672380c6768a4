#!/usr/bin/env bash
# The original (perforatedai 3.0.5) on the pilot's experiment, the 10 seeds in parallel (one torch thread each), as
# ../shared/anchors/run-original.sh does one core at a time. Made for the GPU machine's 16 host cores:
#   device run, carry [".anchor"]:  bash samples/Dendritic.Pilot/parity/original-parallel.sh
# .anchor/ (git-ignored) holds pai_pilot.py, pai_pilot_summary.py and _fallback/ from ../shared/anchors, and the
# package folder perforatedai/. Writes the pooled table and the per-seed JSON files to $OUT (default /tmp).
set -u
root=$(pwd); out=${OUT:-/tmp}; w=/tmp/paiw; mkdir -p "$w"
cp .anchor/pai_pilot.py "$w/"; cp -r .anchor/_fallback "$w/"; ln -sfn "$root/.anchor/perforatedai" "$w/perforatedai"
for s in $(seq 1 10); do
  PAI_DEVICE=cpu PAI_THREADS=1 PAI_DATA="$root/samples/Dendritic.Pilot/data" OUT="$w" python3 "$w/pai_pilot.py" "$s" 1 3 2 45 > "$w/seed$s.log" 2>&1 &
done
wait
python3 .anchor/pai_pilot_summary.py "$w"/pai_pilot_*.json | tee "$out/original-pilot-summary.txt"
tar -C "$w" -czf "$out/original-pilot.tar.gz" $(cd "$w" && ls pai_pilot_*.json seed*.log)
