namespace Dendritic.Tests.Growth;

/// <summary>
/// Where a test's scheduler keeps its best weights, for test cases that run both ways: in memory
/// (<see cref="GrowthOptions.BestWeightsDirectory"/> null) or on disk (a folder).
/// </summary>
public enum BestWeightsKept
{
    /// <summary>In memory: no directory.</summary>
    Memory,

    /// <summary>On disk: a directory.</summary>
    Disk,
}
