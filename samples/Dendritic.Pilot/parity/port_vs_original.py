# Seed for seed: samples/Dendritic.FromPerforatedAI's table (its last lines, as the program prints them) against the
# original's figures it prints beside ours. Counts the arms that agree to two decimals, and gives paired differences
# (ours - original) and each program's dendritic - control differences with Student-t 95% intervals (paired.py).
#   python3 samples/Dendritic.Pilot/parity/port_vs_original.py OUTPUT.txt
import os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import ci  # noqa: E402

ARMS = ("baseline", "dendritic", "capacity-matched", "train-as-long")
rows = {}
for line in open(sys.argv[1], encoding="utf-8"):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 9 or not cells[0].isdigit():
        continue
    arm = next((a for a in ARMS if cells[1].startswith(a)), None)
    if arm is None or cells[6] in ("", "—"):
        continue
    rows.setdefault(int(cells[0]), {})[arm] = {
        "test": float(cells[5]), "epochs": int(cells[3]), "sets": cells[4],
        "original": float(cells[6]), "original_epochs": int(cells[7]), "original_sets": cells[8]}

seeds = sorted(s for s, r in rows.items() if all(a in r for a in ARMS))
if len(seeds) < 2:
    sys.exit(f"{len(seeds)} seed(s) with all four arms and the original's figures: nothing to compare")
print(f"seeds with the original's figures: {len(seeds)} ({seeds[0]}-{seeds[-1]})")
for arm in ARMS:
    same = [s for s in seeds if rows[s][arm]["test"] == rows[s][arm]["original"]]
    print(f"{arm}: equal to the original's on {len(same)} of {len(seeds)} seeds; ours - original {ci([rows[s][arm]['test'] - rows[s][arm]['original'] for s in seeds])}")
same_course = [s for s in seeds if rows[s]["dendritic"]["epochs"] == rows[s]["dendritic"]["original_epochs"] and rows[s]["dendritic"]["sets"] == rows[s]["dendritic"]["original_sets"]]
print(f"dendritic arm with the original's epochs and sets: {len(same_course)} of {len(seeds)} seeds ({', '.join(map(str, same_course))})")
for other in ("baseline", "capacity-matched", "train-as-long"):
    ours = ci([rows[s]["dendritic"]["test"] - rows[s][other]["test"] for s in seeds])
    theirs = ci([rows[s]["dendritic"]["original"] - rows[s][other]["original"] for s in seeds])
    print(f"dendritic - {other}: ours {ours}, the original {theirs}")
