# Tables of a same-cores.sh folder (issue 19): per case and D, the median over blocks of each program's variants, and
# the medians of per-block ratios (a Python block and the .NET block beside it ran back to back on the same cores).
# Usage: python3 summarize.py FOLDER [FOLDER...]   (folders holding python-B.jsonl and dotnet[-HEAP]-B.jsonl files)
import collections, glob, json, os, statistics, sys

data = collections.defaultdict(dict)  # (case, D, column, field) -> {block key: value}
for folder in sys.argv[1:]:
    files = glob.glob(os.path.join(folder, "**", "python-*.jsonl"), recursive=True)
    files += glob.glob(os.path.join(folder, "**", "dotnet*-*.jsonl"), recursive=True)
    for f in sorted(files):
        parts = os.path.basename(f)[:-6].split("-")
        program = ("py" if parts[0] == "python" else "net") + ("" if len(parts) == 2 else " " + parts[1])
        block = (os.path.dirname(f), parts[-1])
        for line in open(f):
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if "case" not in row or "error" in row:
                continue
            for field in ("train_ms", "infer_ms", "train_faults"):
                if field in row:
                    data[(row["case"], row["dendrites"], f"{program}:{row['variant']}", field)][block] = row[field]

columns = sorted({k[2] for k in data}, key=lambda c: (not c.startswith("py"), c))
ratios = [(a, b) for a in columns if a.startswith("net") and a.endswith(":ours") for b in ("py:perforatedai", "py:inplace") if b in columns]
# process-ab.sh: the same layer or op sequence in each of our configurations against Python's (the same heap setting
# where there is one): the plain layer, and the two cascades replayed op for op (ReplayedCascade.cs).
ratios += [(a, b) for a in columns if a.startswith("net") and a.endswith((":plain", ":original", ":inplace"))
           for b in [("py retain:" if " retain:" in a and "py retain:plain" in columns else "py:") + a.split(":")[1]] if b in columns]
pairs = sorted({(k[0], k[1]) for k in data})


def median_ratio(case, d, field, a, b):
    x, y = data.get((case, d, a, field), {}), data.get((case, d, b, field), {})
    keys = [k for k in x if k in y and y[k]]
    return statistics.median(x[k] / y[k] for k in keys) if keys else float("nan")


for field in ("train_ms", "infer_ms", "train_faults"):
    print(f"\n#### {field}: median over blocks" + ("" if field == "train_faults" else "; ratios: medians of per-block ratios"))
    head = columns + ([f"{a} / {b}" for a, b in ratios] if field != "train_faults" else [])
    print("| case | D | " + " | ".join(head) + " |")
    print("|---|---:|" + "---:|" * len(head))
    for case, d in pairs:
        cells = []
        for c in columns:
            v = data.get((case, d, c, field), {})
            cells.append(f"{statistics.median(v.values()):.1f}" if v else "")
        if field != "train_faults":
            cells += [f"{median_ratio(case, d, field, a, b):.2f}" for a, b in ratios]
        print(f"| {case} | {d} | " + " | ".join(cells) + " |")
