using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>Checkpoints that carry the scheduler state, and resuming from them.</content>
public sealed partial class GrowthScheduler
{
    /// <summary>Key of the scheduler state (JSON) in a checkpoint's extras.</summary>
    public static string StateExtrasKey => "dendritic.growth.state";

    /// <summary>Key of the best-weights file's name (<c>{checkpoint}.best</c>, as saved) in a checkpoint's extras; absent before the first score.</summary>
    public static string BestWeightsExtrasKey => "dendritic.growth.bestWeights";

    // Worded for both callers: GrowthScheduler.Resume (the user has the loaded checkpoint) and
    // DistributedGrowthScheduler.Resume (it loads the model itself, so the user reads the manifest instead).
    private const string DelegatesNotSaved =
        "Checkpoints do not save delegates (GrowthOptions.CandidateLosses), so Resume cannot give them back: "
        + "pass the recorded options with them, GrowthSchedulerState.FromCheckpoint(loaded)!.Options! with { CandidateLosses = () => ... } "
        + "(or, before loading, as DistributedGrowthScheduler.Resume needs, GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path))!.Options! with { ... }), "
        + "with the losses computed from the model being resumed.";

    // Set by Resume from a checkpoint with optimizer state: Fit's first optimizer continues it. Dropped at the first
    // Step, after which that state is out of date.
    private LoadedCheckpoint? _savedOptimizer;

    /// <summary>
    /// Saves a resume point: the model as it is now (the last epoch's, not necessarily the best) with
    /// <see cref="DendriteCheckpoint.Save"/>, with this scheduler's state in the extras, plus (once a score was reported)
    /// the best model as a checkpoint of its own next to it, <c>{path}.best</c>, whose SHA-256 and size the state
    /// records (<see cref="GrowthSchedulerState.BestWeightsSha256"/>). <c>{path}</c> resumes (<see cref="Resume"/>);
    /// <c>{path}.best</c> deploys (<see cref="DendriteCheckpoint.Load"/> gives the best model from it, with no scheduler).
    /// The two files belong together: a copy of the checkpoint needs a copy of its <c>.best</c> made at the same time,
    /// named after the copy (<c>{copy}.best</c>), because the next save to <paramref name="path"/> replaces both.
    /// </summary>
    /// <remarks>
    /// In memory the best weights are written as a checkpoint of the model as it was at the best score (its dendrite
    /// sets then, the handle's layers and options, which base parameters are frozen now). With
    /// <see cref="GrowthOptions.BestWeightsDirectory"/> the file is a copy of the checkpoint <c>best.dendrites</c> there,
    /// which later improvements overwrite; <see cref="Resume"/> puts the copy back there. The best-weights file is
    /// written first as <c>{path}.best.new</c>, then the checkpoint, then
    /// that file is renamed to <c>{path}.best</c> (each step atomic): a save interrupted at any point leaves a checkpoint
    /// that <see cref="Resume"/> accepts, the previous one with its <c>.best</c> or the new one with its <c>.best.new</c>;
    /// the next save to the path first renames such a <c>.best.new</c> to <c>.best</c> when it is the one the checkpoint
    /// there records, and a save that fails before its checkpoint is written deletes the copy it staged.
    /// </remarks>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="extras">More extras to store with it; none when null. The scheduler's keys must not be among them.</param>
    /// <param name="optimizer">
    /// The optimizer in use (your own, or <see cref="Optimizer"/> from a progress handler of <see cref="Fit"/>), whose state goes into the checkpoint file itself
    /// (<see cref="DendriteCheckpoint.Save"/>), so that the weights and the optimizer state of one save always travel
    /// together; none when null. After <see cref="Resume"/>, load it with <see cref="DendriteCheckpoint.LoadOptimizerState"/>
    /// (<see cref="Fit"/> does that itself for its first optimizer). Ignored once the scheduler is complete
    /// (<see cref="IsCompleted"/>): a completed run trains no more, so no optimizer state is written, and an optimizer
    /// left over tensors that the completion removed (<see cref="GrowthReason.RetriesExhausted"/>,
    /// <see cref="GrowthReason.MaxDendritesReached"/>, <see cref="Finish"/>) does not make the last save of a loop throw.
    /// </param>
    /// <returns>The manifest written.</returns>
    /// <exception cref="InvalidOperationException">The handle was unwrapped (<see cref="DendriticModel.Unwrap"/>); nothing is written.</exception>
    /// <exception cref="ArgumentException">The scheduler is not complete and <paramref name="optimizer"/> keeps its state natively, or holds a parameter that is not the model's (one built before a retry removed dendrite sets, or from another model); nothing is written.</exception>
    public CheckpointManifest SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? extras = null, optim.Optimizer? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var handle = (_model as WrappedGrowthModel)?.Handle
            ?? throw new InvalidOperationException("SaveCheckpoint needs a scheduler built on a DendriticModel handle.");
        handle.ThrowIfUnwrapped();

        // Checked before anything is written: a refused optimizer must not cost the best weights' export and rename.
        // A completed run trains no more, so its optimizer state has no use; and a completion that removed sets left
        // the caller's optimizer over tensors that are no longer the model's (a loop that stops at completion need not rebuild it), which
        // would make the save at the last epoch of every loop that saves each epoch throw.
        var described = optimizer is null || IsCompleted ? null : OptimizerStateEntry.Describe(handle, optimizer);
        var all = new Dictionary<string, string>(extras ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (!_best.HasWeights)
        {
            all[StateExtrasKey] = ExportState().ToJson();
            return DendriteCheckpoint.SaveDescribed(handle, path, all, described);
        }

        // Three steps, each atomic, so that a crash at any point leaves a checkpoint that resumes: the new best weights
        // under a name of their own, then the checkpoint, then the rename over the previous save's file. Until the
        // rename, the previous checkpoint still has its own file beside it; after the checkpoint, the new one has its
        // file under either name (Resume looks for both).
        var best = path + BestWeightsSidecar.Suffix;
        var pending = best + BestWeightsSidecar.PendingSuffix;

        // A previous save to this path that stopped before its rename left the checkpoint there with its file still
        // under the staging name, which step 1 is about to overwrite: finish that rename first.
        // The state's length bounds the previous manifest's read; serialised for it only when there is such a file.
        BestWeightsSidecar.FinishInterruptedSave(path, () => ExportState().ToJson().Length);

        // The digest is what sha256sum prints for the file: on disk hashed as the copy is written; in memory the
        // weights are serialised once and the finished temporary is read back for it, before it replaces the target.
        var (sha256, bytes) = _best.Export(pending);
        var state = ExportStateWith(sha256, bytes);
        all[BestWeightsExtrasKey] = Path.GetFileName(best);
        all[StateExtrasKey] = state.ToJson();
        CheckpointManifest manifest;
        try
        {
            manifest = DendriteCheckpoint.SaveDescribed(handle, path, all, described);
        }
        catch
        {
            // The checkpoint at the path (if any) is still the previous one, whose file is the '.best': the staged
            // copy belongs to nothing now, and it is as large as the weights.
            AtomicFileWriter.TryDelete(pending);
            throw;
        }

        BestWeightsSidecar.Publish(pending, best, sha256, bytes);
        DendriticLog.BestModelSaved(_logger, Path.GetFullPath(best), bytes, Path.GetFullPath(path));
        return manifest;
    }

    /// <summary>
    /// Continues a run saved with <see cref="SaveCheckpoint"/>: builds a scheduler on the loaded model and gives it the
    /// saved state and best weights, and sets which dendrite sets train as saved (<see cref="DendriteCheckpoint.Load"/>
    /// set the base parameters'), so that it makes the same decisions as a run that never stopped (given the same
    /// training: the optimizer state saved with the checkpoint, <see cref="DendriteCheckpoint.LoadOptimizerState"/>, and
    /// the random generator's, which is the caller's to save; see docs/growth-scheduler.md).
    /// </summary>
    /// <remarks>
    /// The best weights are looked up beside the file the checkpoint was loaded from (<see cref="LoadedCheckpoint.Path"/>):
    /// as <c>{path}.best</c>, under the name it was saved with, and as <c>{path}.best.new</c> (left by a save interrupted
    /// before its last step, read where it is: Resume writes nothing, and the next save to the path finishes that
    /// rename); the one whose SHA-256 and size the state records is taken. That file must be a checkpoint (as
    /// <see cref="SaveCheckpoint"/> writes it); the best-weights files of pre-release versions are refused with a
    /// <see cref="CheckpointException"/> that says what to do. With optimizer state in the checkpoint,
    /// <see cref="Fit"/> loads that state into the first optimizer its factory builds, unless <see cref="Step"/> was
    /// called before (the state is then out of date).
    /// </remarks>
    /// <param name="checkpoint">What <see cref="DendriteCheckpoint.Load"/> returned.</param>
    /// <param name="options">
    /// The options of the saved run, with its <see cref="GrowthOptions.CandidateLosses"/> for cascade-correlation; when
    /// null, the options recorded in the checkpoint (without that delegate).
    /// Their settings must equal the recorded ones. Required for checkpoints that record no options.
    /// </param>
    /// <returns>The scheduler (logging to the loaded handle's logger), ready for the next <see cref="Step"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> differ from the recorded ones (the message names each), or are null and none were recorded or the recorded ones keep the best weights on disk (pass them explicitly then).</exception>
    /// <exception cref="InvalidOptionsException">The options are invalid; for cascade-correlation without <see cref="GrowthOptions.CandidateLosses"/> (which checkpoints do not save) the message says to pass <c>GrowthSchedulerState.FromCheckpoint(checkpoint)!.Options! with { CandidateLosses = ... }</c>.</exception>
    /// <exception cref="CheckpointMismatchException">The file at <see cref="LoadedCheckpoint.Path"/> was replaced since the load by another save (the message names both; load it again); or best-weights files are beside the checkpoint, but none has the SHA-256 and size it was saved with (a later save overwrote it, the copy belongs to another checkpoint, or a changed byte damaged it; the message names the files and the fix: such a file is hashed only, never loaded or copied); or the file with the recorded digest does not fit the model.</exception>
    /// <exception cref="CheckpointCorruptedException">The file at <see cref="LoadedCheckpoint.Path"/> or the scheduler state in its extras is not readable (<see cref="GrowthSchedulerState.FromCheckpoint(LoadedCheckpoint)"/>: an unknown field or version, frozen flags that do not match the dendrite sets, validations without a best score, invalid recorded options, or a counter beyond what they allow; the message names the field and its value), the best-weights file name or digest in them is malformed, or the file with the recorded digest does not read as a checkpoint.</exception>
    /// <exception cref="CheckpointException">The checkpoint holds no scheduler state (a model saved with <see cref="DendriteCheckpoint.Save"/>, or the best model <c>{path}.best</c>, whose resume point the message names); or the best-weights file with the recorded digest is of another format: a checkpoint of a later Dendritic.Net, or a best-weights file of a pre-release one (the message says what to do).</exception>
    /// <exception cref="IOException">With <see cref="GrowthOptions.BestWeightsDirectory"/>, the best-weights file with the recorded digest could not be copied into it (a full disk, for example).</exception>
    /// <exception cref="FileNotFoundException">The file at <see cref="LoadedCheckpoint.Path"/> is gone since the load, or the best-weights file that <see cref="SaveCheckpoint"/> wrote beside the checkpoint is not there.</exception>
    public static GrowthScheduler Resume(LoadedCheckpoint checkpoint, GrowthOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var path = checkpoint.Path;
        var extras = checkpoint.Manifest.Extras ?? new Dictionary<string, string>();
        var state = GrowthSchedulerState.FromCheckpoint(checkpoint) ?? throw NoSchedulerState(path);
        ThrowIfReplaced(checkpoint);
        if (options is not null && state.Options is { } saved && GrowthOptionsDifferences.Between(saved, options) is { Count: > 0 } differences)
        {
            // Checked here as well as on import, so that the exception names the argument the caller gave.
            throw new ArgumentException(OtherOptions(differences), nameof(options));
        }

        var effective = options ?? state.Options
            ?? throw new ArgumentException("The checkpoint's scheduler state records no options (it was written before they were recorded); pass the options of the saved run.", nameof(options));
        if (options is null && effective.BestWeightsDirectory is { } directory)
        {
            // A checkpoint is a file from outside: it must not choose the directory the scheduler writes into.
            throw new ArgumentException($"The saved run keeps its best weights on disk (in '{directory}'); a checkpoint does not pick directories to write to, so pass the run's options with its BestWeightsDirectory.", nameof(options));
        }

        GrowthScheduler scheduler;
        var earlier = checkpoint.Handle.Scheduler;
        try
        {
            scheduler = new GrowthScheduler(checkpoint.Handle, effective);
        }
        catch (InvalidOptionsException e) when (effective.CandidateLosses is null && e.OptionNames.Contains(nameof(GrowthOptions.CandidateLosses)))
        {
            // The recorded options never hold it: say why it is missing and how to give it back.
            throw new InvalidOptionsException(e.OptionsType, e.Problems, e.Message + " " + DelegatesNotSaved, e);
        }

        try
        {
            // The state is checked first (it changes nothing), then the best weights are hashed and, only when their
            // digest is the recorded one, taken (read again, checked again as they load or are copied), and only then
            // does the state go into the scheduler and the model's frozen flags:
            // a resume that fails on either leaves the model as it was. Logged (3013) after both.
            scheduler.ThrowIfNotImportable(state);

            // The best model is the same model as the checkpoint's: what its load needed (non-finite weights, larger
            // caps), the best weights' need too, now and at every later restore from disk.
            ((WrappedGrowthModel)scheduler._model).LoadOptions = checkpoint.LoadOptions;
            if (extras.TryGetValue(BestWeightsExtrasKey, out var bestName))
            {
                BestWeightsSidecar.Import(path, bestName, state, scheduler._best);
            }

            scheduler.Import(state);
        }
        catch
        {
            // The half-resumed scheduler registered itself on the handle: a retry would take it for another run (3018).
            if (ReferenceEquals(checkpoint.Handle.Scheduler, scheduler))
            {
                checkpoint.Handle.Scheduler = earlier;
            }

            throw;
        }

        scheduler._savedOptimizer = checkpoint.Manifest.Optimizer is null ? null : checkpoint;

        // Resumed as documented: its saves and exports are of a run again, not of a resume point's last epoch.
        checkpoint.Handle.LoadedResumePoint = null;
        scheduler.LogImported();
        return scheduler;
    }

    /// <summary>
    /// What <see cref="Resume"/> says of a checkpoint without scheduler state: most likely the best model that
    /// <see cref="SaveCheckpoint"/> writes beside the resume point (it records no state), else a model saved with
    /// <see cref="DendriteCheckpoint.Save"/>.
    /// </summary>
    private static CheckpointException NoSchedulerState(string path)
    {
        if (path.EndsWith(BestWeightsSidecar.Suffix, StringComparison.Ordinal))
        {
            var resumePoint = path[..^BestWeightsSidecar.Suffix.Length];
            return new CheckpointException(
                $"'{path}' holds no growth scheduler state ('{StateExtrasKey}'): it is the best model that GrowthScheduler.SaveCheckpoint writes beside its resume point, for DendriteCheckpoint.Load to deploy. "
                + $"To resume the run, load the resume point{(File.Exists(resumePoint) ? string.Empty : " (not found there)")}, '{resumePoint}', and pass that to GrowthScheduler.Resume.");
        }

        return new CheckpointException(
            $"'{path}' holds no growth scheduler state ('{StateExtrasKey}'): it was not written by GrowthScheduler.SaveCheckpoint (DendriteCheckpoint.Save writes a model only). "
            + "Resume from a file SaveCheckpoint wrote, or start a new GrowthScheduler on the loaded model (its history then starts over).");
    }

    /// <summary>
    /// Refuses a checkpoint whose file (<see cref="LoadedCheckpoint.Path"/>) was replaced since the load by another save:
    /// the best weights are looked up beside it, so they would be the other save's.
    /// </summary>
    private static void ThrowIfReplaced(LoadedCheckpoint checkpoint)
    {
        // Read with the load's options (caps raised for it hold here too), with room for what the loaded manifest
        // needs (the extras, the scheduler's history among them, are most of it).
        var there = DendriteCheckpoint.ReadManifest(checkpoint.Path, checkpoint.RereadOptions);
        DendriteCheckpoint.ThrowIfReplaced(checkpoint, there, "the best weights beside it belong to the file there", string.Empty);
    }

    /// <summary>
    /// Bounds for reading a checkpoint's manifest whose extras (the scheduler's history most of it) hold
    /// <paramref name="extrasChars"/> characters: the default, plus 8 bytes a character (UTF-8 and JSON escapes).
    /// </summary>
    internal static CheckpointLoadOptions ManifestBounds(long extrasChars) =>
        CheckpointLoadOptions.Default with { MaxManifestBytes = CheckpointLoadOptions.Default.MaxManifestBytes + (8 * extrasChars) };
}
