# Summarises pilot reports (report.json) as docs/parity.md's rows: paired differences of the dendritic arm against
# each other arm with Student-t 95% CIs, in percentage points, and the dendrite sets kept per seed.
#   python3 samples/Dendritic.Pilot/parity/summarize.py NAME=out/parity/NAME/report.json ...
import json, os, statistics, sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import ci  # noqa: E402

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
