# Summarises pilot reports (report.json) as docs/parity.md's rows: paired differences of the dendritic arm against
# each other arm with Student-t 95% CIs, in percentage points, and the dendrite sets kept per seed.
#   python3 samples/Dendritic.Pilot/parity/summarize.py NAME=out/parity/NAME/report.json ...
import json, math, statistics, sys
from collections import Counter

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (as Dendritic.Experiments.Statistics).
T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def ci(d):
    n = len(d)
    if n - 1 > len(T):
        sys.exit(f"{n} seeds: this script knows Student's t up to 31 seeds")
    m = statistics.mean(d); h = T[n - 2] * statistics.stdev(d) / math.sqrt(n)
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
