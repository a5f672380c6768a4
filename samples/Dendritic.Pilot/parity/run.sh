#!/usr/bin/env bash
# Runs the pilot (10 seeds, its default configuration) once per growth rule set, back to back, and prints the parity
# and ablation table of docs/parity.md. From the repository root:
#   bash samples/Dendritic.Pilot/parity/run.sh [RULESETS...]
# Default rule sets: default original classic cycle-best at-patience skip-first thresholds normal-init.
# Reports go to out/parity/<rule set>/ (ignored by git). The pilot is deterministic: a rerun gives the same accuracies.
# The build is copied first, so rebuilding the repository while this runs cannot mix two versions in one table.
set -euo pipefail
cd "$(dirname "$0")/../../.."
sets=("$@"); [ ${#sets[@]} -gt 0 ] || sets=(default original classic cycle-best at-patience skip-first thresholds normal-init)
mkdir -p out/parity
dotnet build samples/Dendritic.Pilot/Dendritic.Pilot.csproj -c Release >/dev/null
bin=$(mktemp -d); cp -r samples/Dendritic.Pilot/bin/Release/net10.0/. "$bin/"
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src samples || echo ' + uncommitted changes'), $(date -u +%FT%TZ)"
args=()
for s in "${sets[@]}"; do
  dotnet "$bin/Dendritic.Pilot.dll" --growth-rules "$s" -o "out/parity/$s" > "out/parity/$s.log" 2>&1 || { echo "pilot failed for $s: see out/parity/$s.log"; exit 1; }
  args+=("$s=out/parity/$s/report.json")
  python3 samples/Dendritic.Pilot/parity/summarize.py "$s=out/parity/$s/report.json" | tail -1
done
python3 samples/Dendritic.Pilot/parity/summarize.py "${args[@]}"
rm -rf "$bin"
