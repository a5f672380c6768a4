using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Dendritic;

/// <content>Checkpoints that carry the scheduler state, and resuming from them.</content>
public sealed partial class GrowthScheduler
{
    /// <summary>Key of the scheduler state (JSON) in a checkpoint's extras.</summary>
    public const string StateExtrasKey = "dendritic.growth.state";

    /// <summary>Key of the best-weights file name in a checkpoint's extras (in-memory storage only).</summary>
    public const string BestWeightsExtrasKey = "dendritic.growth.bestWeights";

    // Worded for both callers: GrowthScheduler.Resume (the user has the loaded checkpoint) and
    // DistributedGrowthScheduler.Resume (it loads the model itself, so the user reads the manifest instead).
    private const string DelegatesNotSaved =
        "Checkpoints do not save delegates (GrowthOptions.CandidateLosses, OptimizerFactory), so Resume cannot give them back: "
        + "pass the recorded options with them, GrowthSchedulerState.FromCheckpoint(loaded)!.Options! with { CandidateLosses = () => ... } "
        + "(or, before loading, as DistributedGrowthScheduler.Resume needs, GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path))!.Options! with { ... }), "
        + "with the losses computed from the model being resumed.";

    /// <summary>
    /// Saves the model with <see cref="DendriteCheckpoint.Save"/>, with this scheduler's state in the extras, plus (for
    /// in-memory best weights) the best weights in a file next to it, <c>{path}.best</c>. Resume with <see cref="Resume"/>.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="extras">More extras to store with it; none when null. The scheduler's keys must not be among them.</param>
    /// <returns>The manifest written.</returns>
    /// <exception cref="InvalidOperationException">The handle was unwrapped (<see cref="DendriticModel.Unwrap"/>); nothing is written.</exception>
    public CheckpointManifest SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? extras = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var handle = (_model as WrappedGrowthModel)?.Handle
            ?? throw new InvalidOperationException("SaveCheckpoint needs a scheduler built on a DendriticModel handle.");
        handle.ThrowIfUnwrapped();
        var all = new Dictionary<string, string>(extras ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [StateExtrasKey] = ExportState().ToJson(),
        };
        if (_best.NeedsSidecar)
        {
            var best = path + ".best";
            SaveBestWeights(best);
            all[BestWeightsExtrasKey] = Path.GetFileName(best);
        }

        return DendriteCheckpoint.Save(handle, path, all);
    }

    /// <summary>
    /// Continues a run saved with <see cref="SaveCheckpoint"/>: builds a scheduler on the loaded model and gives it the
    /// saved state and best weights, so that it makes the same decisions as a run that never stopped (given the same
    /// training; optimizer state and random generator are the caller's to checkpoint).
    /// </summary>
    /// <param name="checkpoint">What <see cref="DendriteCheckpoint.Load"/> returned.</param>
    /// <param name="path">The checkpoint file it was loaded from (the best-weights file lies next to it).</param>
    /// <param name="options">
    /// The options of the saved run, with its delegates (<see cref="GrowthOptions.OptimizerFactory"/>,
    /// <see cref="GrowthOptions.CandidateLosses"/>); when null, the options recorded in the checkpoint (without delegates).
    /// Their settings must equal the recorded ones. Required for checkpoints that record no options.
    /// </param>
    /// <returns>The scheduler (logging to the loaded handle's logger), ready for the next <see cref="Step"/>.</returns>
    /// <exception cref="ArgumentException">The checkpoint holds no scheduler state; or <paramref name="options"/> differ from the recorded ones (the message names each), or are null and none were recorded or the recorded ones keep the best weights on disk (pass them explicitly then).</exception>
    /// <exception cref="InvalidOptionsException">The options are invalid; for cascade-correlation without <see cref="GrowthOptions.CandidateLosses"/> (which checkpoints do not save) the message says to pass <c>GrowthSchedulerState.FromCheckpoint(checkpoint)!.Options! with { CandidateLosses = ... }</c>.</exception>
    /// <exception cref="CheckpointCorruptedException">The scheduler state in the extras is not readable (<see cref="GrowthSchedulerState.FromCheckpoint(LoadedCheckpoint)"/>), the best-weights file name in the extras is not a plain file name, or that file is corrupted (its SHA-256 does not match).</exception>
    /// <exception cref="CheckpointException">The best-weights file beside the checkpoint is of another format version (written by an earlier or a later Dendritic.Net).</exception>
    /// <exception cref="FileNotFoundException">The best-weights file that <see cref="SaveCheckpoint"/> wrote beside the checkpoint is not there.</exception>
    public static GrowthScheduler Resume(LoadedCheckpoint checkpoint, string path, GrowthOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var extras = checkpoint.Manifest.Extras ?? new Dictionary<string, string>();
        var state = GrowthSchedulerState.FromCheckpoint(checkpoint)
            ?? throw new ArgumentException($"The checkpoint has no '{StateExtrasKey}' extra: it was not saved by GrowthScheduler.SaveCheckpoint.", nameof(checkpoint));
        var effective = options ?? state.Options
            ?? throw new ArgumentException("The checkpoint's scheduler state records no options (it was written before they were recorded); pass the options of the saved run.", nameof(options));
        if (options is null && effective.BestWeights == BestWeightsStorage.Disk)
        {
            // A checkpoint is a file from outside: it must not choose the directory the scheduler writes into.
            throw new ArgumentException($"The saved run keeps its best weights on disk (in '{effective.BestWeightsDirectory}'); a checkpoint does not pick directories to write to, so pass the run's options with its BestWeightsDirectory.", nameof(options));
        }

        GrowthScheduler scheduler;
        try
        {
            scheduler = new GrowthScheduler(checkpoint.Handle, effective);
        }
        catch (InvalidOptionsException e) when (effective.CandidateLosses is null && e.OptionNames.Contains(nameof(GrowthOptions.CandidateLosses)))
        {
            // The recorded options never hold it: say why it is missing and how to give it back.
            throw new InvalidOptionsException(e.OptionsType, e.Problems, e.Message + " " + DelegatesNotSaved, e);
        }

        scheduler.ImportState(state);
        if (extras.TryGetValue(BestWeightsExtrasKey, out var bestName))
        {
            var best = CheckpointSidecar.Resolve(path, bestName, BestWeightsExtrasKey);
            if (!File.Exists(best))
            {
                // The usual cause: the checkpoint was copied or moved without the file SaveCheckpoint wrote beside it.
                throw new FileNotFoundException($"Checkpoint '{path}' keeps the run's best weights in '{bestName}' beside it, and '{best}' does not exist. Copy or move that file together with the checkpoint, and pass Resume the path the checkpoint was loaded from.", best);
            }

            scheduler.LoadBestWeights(best);
        }

        return scheduler;
    }
}
