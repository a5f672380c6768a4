# Pools the original's per-seed results (the JSON files pai_pilot.py writes) from several runs into docs/parity.md's
# rows: paired differences of its dendritic arm against each other arm with exact Student-t 95% intervals (paired.py;
# the anchors' pai_pilot_summary.py approximates t by 2.0 beyond 11 degrees of freedom), per-arm means and sets kept.
#   python3 samples/Dendritic.Pilot/parity/pool_original.py samples/Dendritic.Pilot/parity/original-*/pai_pilot_*.json
import json, os, statistics, sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import ci  # noqa: E402

rows = {}
for path in sys.argv[1:]:
    for row in json.load(open(path))["rows"]:
        if rows.setdefault(row["seed"], row) != row:
            sys.exit(f"seed {row['seed']} appears twice with different results ({path})")
seeds = sorted(rows)
runs = [rows[s] for s in seeds]
print(f"seeds {seeds[0]}-{seeds[-1]} ({len(seeds)})")
for other in ("baseline", "capacity_matched", "train_as_long"):
    print(f"dendritic - {other}: {ci([r['pai']['test'] - r[other]['test'] for r in runs])}")
for arm in ("baseline", "pai", "capacity_matched", "train_as_long"):
    acc = [r[arm]["test"] for r in runs]
    print(f"{arm}: {statistics.mean(acc):.2f} ± {statistics.stdev(acc):.2f}, {statistics.mean(r[arm]['params'] for r in runs):,.0f} parameters, {statistics.mean(r[arm]['epochs'] for r in runs):.1f} epochs")
print("sets kept:", ", ".join(f"{k} on {v}" for k, v in sorted(Counter(r["pai"]["dendrites"] for r in runs).items(), reverse=True)))
