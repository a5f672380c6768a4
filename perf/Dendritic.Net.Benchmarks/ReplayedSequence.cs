namespace Dendritic.Benchmarks;

/// <summary>The op sequences <see cref="ReplayedCascade"/> replays.</summary>
internal enum ReplayedSequence
{
    /// <summary>perforatedai 3.0.5's forward: out-of-place products and sums, u expanded.</summary>
    Original,

    /// <summary>Ours: in-place sigmoid and addcmul_.</summary>
    InPlace,

    /// <summary>The library's CPU cascade node, at any number of sets.</summary>
    CpuCascade,
}
