# Student-t 95% intervals for docs/parity.md's scripts (summarize.py: our reports; pool_original.py: the original's).
import math, statistics

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (as Dendritic.Experiments.Statistics).
T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def ci(d):
    """'mean (low to high)' of the values d, in points, with a 95% Student-t interval; 2 to 31 values."""
    n = len(d)
    if n < 2 or n - 1 > len(T):
        raise SystemExit(f"{n} values: these scripts know Student's t for 2 to {len(T) + 1} values")
    m = statistics.mean(d); h = T[n - 2] * statistics.stdev(d) / math.sqrt(n)
    return f"{m:+.2f} ({m - h:+.2f} to {m + h:+.2f})"
