namespace Dendritic.Experiments;

/// <summary>Mean, sample standard deviation and 95% confidence interval (Student t) of values over seeds.</summary>
public sealed record StatSummary
{
    /// <summary>Number of values.</summary>
    public required int Count { get; init; }

    /// <summary>Mean.</summary>
    public required double Mean { get; init; }

    /// <summary>Sample standard deviation (n − 1); 0 for a single value.</summary>
    public required double StdDev { get; init; }

    /// <summary>Lower end of the 95% confidence interval of the mean; null for fewer than 2 values.</summary>
    public double? Low95 { get; init; }

    /// <summary>Upper end of the 95% confidence interval of the mean; null for fewer than 2 values.</summary>
    public double? High95 { get; init; }
}
