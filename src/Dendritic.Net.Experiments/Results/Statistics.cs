using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic.Experiments;

/// <summary>Summary statistics over seeds: mean, sample standard deviation, and a 95% Student-t interval.</summary>
public static class Statistics
{
    // Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
    private static readonly double[] T975 =
    {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    };

    /// <summary>Summarises <paramref name="values"/>.</summary>
    /// <param name="values">At least one finite value.</param>
    /// <returns>Mean, standard deviation and, from two values on, the 95% interval of the mean.</returns>
    /// <exception cref="ArgumentException">No values, or a value that is not finite.</exception>
    public static StatSummary Summarize(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToArray();
        if (v.Length == 0 || v.Any(x => !double.IsFinite(x)))
        {
            throw new ArgumentException("Need at least one value, all finite.", nameof(values));
        }

        var mean = v.Average();
        if (v.Length == 1)
        {
            return new StatSummary { Count = 1, Mean = mean, StdDev = 0 };
        }

        var std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        var half = TQuantile975(v.Length - 1) * std / Math.Sqrt(v.Length);
        return new StatSummary { Count = v.Length, Mean = mean, StdDev = std, Low95 = mean - half, High95 = mean + half };
    }

    /// <summary>The 0.975 quantile of Student's t with <paramref name="degreesOfFreedom"/> degrees of freedom.</summary>
    /// <param name="degreesOfFreedom">At least 1.</param>
    /// <returns>The quantile (12.706 for 1, tending to 1.960).</returns>
    internal static double TQuantile975(int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (degreesOfFreedom <= T975.Length)
        {
            return T975[degreesOfFreedom - 1];
        }

        // Cornish-Fisher expansion around the normal quantile; within 0.001 of the exact value above 30.
        const double z = 1.959964;
        double n = degreesOfFreedom;
        return z + (((z * z * z) + z) / (4 * n)) + (((5 * Math.Pow(z, 5)) + (16 * z * z * z) + (3 * z)) / (96 * n * n));
    }
}
