namespace Dendritic.Experiments;

/// <summary>A progress report from a running experiment: sent when an arm starts and after every epoch.</summary>
public sealed record ExperimentProgress
{
    /// <summary>The arm running.</summary>
    public required ArmKind Arm { get; init; }

    /// <summary>The seed running.</summary>
    public required int Seed { get; init; }

    /// <summary>Index of this arm-and-seed run, from 0.</summary>
    public required int RunIndex { get; init; }

    /// <summary>Number of arm-and-seed runs in the experiment.</summary>
    public required int RunCount { get; init; }

    /// <summary>Epochs finished in this run (0 when it starts).</summary>
    public required int Epoch { get; init; }

    /// <summary>The most epochs this run will train.</summary>
    public required int MaxEpochs { get; init; }

    /// <summary>Width of this run's model.</summary>
    public required int Width { get; init; }

    /// <summary>Validation metric after <see cref="Epoch"/>; null when the run starts.</summary>
    public double? ValidationMetric { get; init; }

    /// <summary>Whether this run has finished (the last report of the run).</summary>
    public bool Finished { get; init; }
}
