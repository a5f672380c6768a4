using System;
using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// Bounds and checks for reading checkpoints, which are untrusted input: every size a file declares is checked
/// against these caps and against the file's real size before anything is allocated. The defaults fit any model
/// this library can train on one machine; raise a cap only for a file you trust. See docs/checkpoints.md.
/// </summary>
public sealed record CheckpointLoadOptions
{
    /// <summary>The defaults.</summary>
    public static CheckpointLoadOptions Default { get; } = new();

    /// <summary>Largest <c>manifest.json</c> accepted, in bytes (uncompressed). Default 16 MiB.</summary>
    public long MaxManifestBytes { get; init; } = 16L << 20;

    /// <summary>Largest JSON header of the weights (safetensors) entry accepted, in bytes. Default 16 MiB.</summary>
    public long MaxWeightsHeaderBytes { get; init; } = 16L << 20;

    /// <summary>Largest weights entry accepted, in bytes (all tensors together). Default 256 GiB.</summary>
    public long MaxWeightsBytes { get; init; } = 256L << 30;

    /// <summary>Largest number of tensors in the weights entry. Default 1,000,000.</summary>
    public int MaxTensorCount { get; init; } = 1_000_000;

    /// <summary>
    /// Most dendrite sets one layer may declare. Default 1,024. Independently of this cap, the weights must hold at
    /// least the bytes the declared sets need, so a manifest cannot make the loader build more than the file holds.
    /// </summary>
    public int MaxDendritesPerLayer { get; init; } = 1024;

    /// <summary>
    /// Whether weights that are NaN or infinite load. Default false: such a checkpoint raises
    /// <see cref="CheckpointCorruptedException"/> naming the tensor, because a model with them produces only NaN.
    /// </summary>
    public bool AllowNonFiniteWeights { get; init; }

    /// <summary>Checks every value and throws <see cref="ArgumentException"/> listing all bad ones.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentException">One or more caps are not positive.</exception>
    public CheckpointLoadOptions Validate()
    {
        var problems = new List<string>();
        if (MaxManifestBytes < 1)
        {
            problems.Add($"MaxManifestBytes is {MaxManifestBytes}; it must be at least 1 (default 16 MiB)");
        }

        if (MaxWeightsHeaderBytes < 1)
        {
            problems.Add($"MaxWeightsHeaderBytes is {MaxWeightsHeaderBytes}; it must be at least 1 (default 16 MiB)");
        }

        if (MaxWeightsBytes < 8)
        {
            problems.Add($"MaxWeightsBytes is {MaxWeightsBytes}; it must be at least 8 (default 256 GiB)");
        }

        if (MaxTensorCount < 1)
        {
            problems.Add($"MaxTensorCount is {MaxTensorCount}; it must be at least 1 (default 1,000,000)");
        }

        if (MaxDendritesPerLayer < 0)
        {
            problems.Add($"MaxDendritesPerLayer is {MaxDendritesPerLayer}; it must not be negative (default 1,024)");
        }

        return problems.Count == 0 ? this : throw new ArgumentException("Invalid CheckpointLoadOptions: " + string.Join("; ", problems) + ".");
    }
}
