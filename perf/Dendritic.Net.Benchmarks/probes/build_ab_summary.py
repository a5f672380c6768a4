#!/usr/bin/env python3
"""Ratios from build-ab.sh's kernel-breakdown files: python3 build_ab_summary.py FOLDER.

FOLDER holds new-N.md and old-N.md (one kernel-breakdown output per build and repetition). For each case, set count
and timed variant of the layer, prints the median time over the plain layer's median in the same file (training
variants over "plain train", inference over "plain infer"), one value per repetition, for each build.
"""
import glob
import os
import sys

WANTED = ("ours train, kernel, whole output", "ours train, reference cascade", "ours infer, kernel",
          "cascade fwd+bwd, kernel alone")


def rows(path):
    table = {}
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 6 and cells[0] not in ("case", "---") and not cells[0].startswith("-"):
            table[(cells[0], int(cells[1]), cells[2])] = float(cells[3])
    return table


def main(folder):
    ratios = {}
    for path in sorted(glob.glob(os.path.join(folder, "*-[0-9].md"))):
        build = os.path.basename(path).split("-")[0]
        table = rows(path)
        for (case, d, variant), ms in table.items():
            if variant in WANTED:
                plain = table[(case, d, "plain infer" if "infer" in variant else "plain train")]
                ratios.setdefault((case, d, variant), {}).setdefault(build, []).append(ms / plain)
    print("| case | D | variant | new (ratio to plain, per repetition) | old |")
    print("|---|---:|---|---|---|")
    for (case, d, variant), by_build in sorted(ratios.items()):
        cells = [" / ".join(f"{r:.2f}" for r in by_build.get(b, [])) for b in ("new", "old")]
        print(f"| {case} | {d} | {variant} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main(sys.argv[1])
