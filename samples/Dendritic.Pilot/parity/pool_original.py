# Pools the original's per-seed results (the JSON files pai_pilot.py writes) from several runs into docs/parity.md's
# rows: paired differences of its dendritic arm against each other arm with exact Student-t 95% intervals (the
# anchors' pai_pilot_summary.py approximates t by 2.0 beyond 11 degrees of freedom), the per-arm means and the sets kept.
#   python3 samples/Dendritic.Pilot/parity/pool_original.py samples/Dendritic.Pilot/parity/original-*/pai_pilot_*.json
import json, math, statistics, sys
from collections import Counter

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (as Dendritic.Experiments.Statistics).
T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]

rows = {}
for path in sys.argv[1:]:
    for row in json.load(open(path))["rows"]:
        if rows.setdefault(row["seed"], row) != row:
            sys.exit(f"seed {row['seed']} appears twice with different results ({path})")
seeds = sorted(rows)
runs = [rows[s] for s in seeds]
if len(runs) < 2 or len(runs) > len(T) + 1:
    sys.exit(f"need 2 to {len(T) + 1} seeds, got {len(runs)}")
print(f"seeds {seeds[0]}-{seeds[-1]} ({len(seeds)})")
for other in ("baseline", "capacity_matched", "train_as_long"):
    d = [r["pai"]["test"] - r[other]["test"] for r in runs]
    m = statistics.mean(d); h = T[len(d) - 2] * statistics.stdev(d) / math.sqrt(len(d))
    print(f"dendritic - {other}: {m:+.2f} ({m - h:+.2f} to {m + h:+.2f})")
for arm in ("baseline", "pai", "capacity_matched", "train_as_long"):
    acc = [r[arm]["test"] for r in runs]
    print(f"{arm}: {statistics.mean(acc):.2f} ± {statistics.stdev(acc):.2f}, {statistics.mean(r[arm]['params'] for r in runs):,.0f} parameters, {statistics.mean(r[arm]['epochs'] for r in runs):.1f} epochs")
print("sets kept:", ", ".join(f"{k} on {v}" for k, v in sorted(Counter(r["pai"]["dendrites"] for r in runs).items(), reverse=True)))
