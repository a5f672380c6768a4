using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic;

/// <summary>
/// How checkpoints are read, which are untrusted input: every size a file declares is checked against these caps and
/// against the file's real size before anything is allocated; and, for <see cref="DendriteCheckpoint.Load"/>, the
/// module hosts and the logger of the handle it makes. The defaults fit any model this library can train on one
/// machine; raise a cap only for a file you trust. Validated by each read that takes them. See docs/checkpoints.md.
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

    /// <summary>
    /// Largest optimizer-state entry accepted, in bytes (<see cref="DendriteCheckpoint.LoadOptimizerState"/>). Default
    /// 768 GiB: three times <see cref="MaxWeightsBytes"/>, as Adam with <c>amsgrad</c> keeps three tensors per parameter.
    /// </summary>
    public long MaxOptimizerBytes { get; init; } = 768L << 30;

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

    /// <summary>
    /// How to copy the checkpoint's module hosts whose type is not built in (the same list given to
    /// <see cref="WrapOptions.ModuleHosts"/> when the model was wrapped). Default empty. The list is copied when set, so
    /// changing yours afterwards changes nothing here.
    /// </summary>
    public IReadOnlyList<ModuleHost> ModuleHosts { get; init => field = ValueList<ModuleHost>.CopyOf(value); } = ValueList<ModuleHost>.Empty;

    /// <summary>
    /// The logger of the handle <see cref="DendriteCheckpoint.Load"/> makes (its <see cref="WrapOptions.Logger"/>, or
    /// <see cref="AdoptOptions.Logger"/> for a model built with <see cref="DendriteLayer"/>s): where the load's events
    /// (1101, 1104) go, and later the handle's growth, checkpoint and export events. Default
    /// <see cref="NullLogger.Instance"/>. Only <see cref="DendriteCheckpoint.Load"/> (and
    /// <c>DistributedGrowthScheduler.Resume</c>, which calls it) uses it: the reads that take a handle
    /// (<see cref="DendriteCheckpoint.Restore"/>, <see cref="DendriteCheckpoint.LoadOptimizerState"/>) log to that
    /// handle's logger, and <see cref="DendriteCheckpoint.ReadManifest"/> logs nothing.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more caps are out of range, <see cref="ModuleHosts"/> is null or holds null, or <see cref="Logger"/> is null; the exception lists each.</exception>
    public CheckpointLoadOptions Validate()
    {
        var check = new OptionsValidator(nameof(CheckpointLoadOptions));
        check.AtLeast(MaxManifestBytes, 1, nameof(MaxManifestBytes), Default.MaxManifestBytes);
        check.AtLeast(MaxWeightsHeaderBytes, 1, nameof(MaxWeightsHeaderBytes), Default.MaxWeightsHeaderBytes);
        check.AtLeast(MaxWeightsBytes, 8, nameof(MaxWeightsBytes), Default.MaxWeightsBytes);
        check.AtLeast(MaxOptimizerBytes, 1, nameof(MaxOptimizerBytes), Default.MaxOptimizerBytes);
        check.AtLeast(MaxTensorCount, 1, nameof(MaxTensorCount), Default.MaxTensorCount);
        check.AtLeast(MaxDendritesPerLayer, 0, nameof(MaxDendritesPerLayer), Default.MaxDendritesPerLayer);
        if (check.NotNull(ModuleHosts, nameof(ModuleHosts), "empty"))
        {
            check.Require(ModuleHosts.All(h => h is not null), nameof(ModuleHosts), "a list with null entries", "must not contain null (default: empty)");
        }

        check.NotNull(Logger, nameof(Logger), "NullLogger.Instance");
        check.ThrowIfInvalid();
        return this;
    }
}
