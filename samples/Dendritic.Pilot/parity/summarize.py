# Summarises pilot reports (report.json) as docs/parity.md's rows: paired differences of the dendritic arm against
# each other arm with Student-t 95% CIs, in percentage points, and the dendrite sets kept per seed.
#   python3 samples/Dendritic.Pilot/parity/summarize.py NAME=out/parity/NAME/report.json ...
import json, math, statistics, sys
from collections import Counter

T = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179}


def ci(d):
    n = len(d); m = statistics.mean(d); h = T.get(n - 1, 2.0) * statistics.stdev(d) / math.sqrt(n)
    return f"{m:+.2f} ({m - h:+.2f} to {h + m:+.2f})"


print("| rules | dendritic - baseline | - capacity-matched | - train-as-long | sets kept (seeds) | epochs | params |")
print("|---|---|---|---|---|---|---|")
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    runs = json.load(open(path))["Runs"]
    by = {}
    for r in runs:
        by.setdefault(r["Arm"], {})[r["Seed"]] = r
    seeds = sorted(by["Dendritic"])
    diff = lambda arm: [100 * (by["Dendritic"][s]["TestMetric"] - by[arm][s]["TestMetric"]) for s in seeds]
    kept = Counter(by["Dendritic"][s]["DendritesPerLayer"] for s in seeds)
    sets = ", ".join(f"{k} on {v}" for k, v in sorted(kept.items(), reverse=True))
    d = by["Dendritic"]
    print(f"| {name} | {ci(diff('Baseline'))} | {ci(diff('CapacityMatched'))} | {ci(diff('TrainAsLong'))} | {sets} | "
          f"{statistics.mean(d[s]['Epochs'] for s in seeds):.1f} | {statistics.mean(d[s]['Parameters'] for s in seeds):,.0f} |")
