using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>Loading the optimizer state saved inside a checkpoint.</content>
public static partial class DendriteCheckpoint
{
    /// <summary>
    /// Loads the optimizer state saved in the checkpoint (<see cref="Save"/> or <see cref="GrowthScheduler.SaveCheckpoint"/>
    /// given an optimizer) into <paramref name="optimizer"/>: moments, step counts and learning rates. The state and the
    /// weights come from the same save, so they cannot belong to different epochs. Checked before anything is read into
    /// the optimizer: the file <paramref name="checkpoint"/> was loaded from (<see cref="LoadedCheckpoint.Path"/>) must
    /// still be that save, the optimizer must be of the saved type over the same parameters of the loaded model in the
    /// same order, and the state's SHA-256 must be the recorded one.
    /// </summary>
    /// <remarks>
    /// Build the optimizer from <c>checkpoint.Handle.TrainableParameters()</c> after <see cref="GrowthScheduler.Resume"/>
    /// (which sets the dendrite sets' trainability; <see cref="Load"/> sets the base parameters' as saved). An LR
    /// scheduler of TorchSharp's steps once in its constructor, changing the optimizer's rate: build it before this
    /// call, so that the loaded rate is the one that stays (docs/growth-scheduler.md, "Checkpoints and resume").
    /// </remarks>
    /// <param name="checkpoint">What <see cref="Load"/> returned; its handle's parameters are the ones the optimizer must hold, and its file is read again.</param>
    /// <param name="optimizer">A freshly built optimizer of the saved type over the loaded model's parameters.</param>
    /// <param name="options">Bounds for reading the file again; when null, the options <paramref name="checkpoint"/> was loaded with (<see cref="Load"/>'s, so caps raised there hold here too), with room for the loaded manifest's extras.</param>
    /// <exception cref="InvalidOptionsException"><paramref name="options"/> are invalid (<see cref="CheckpointLoadOptions.Validate"/>); nothing is read.</exception>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> keeps its state natively (TorchSharp loads state only into optimizers derived from <c>OptimizerHelper</c>).</exception>
    /// <exception cref="InvalidOperationException">The handle was unwrapped (<see cref="DendriticModel.Unwrap"/>).</exception>
    /// <exception cref="CheckpointException">The checkpoint holds no optimizer state (it was saved without an optimizer).</exception>
    /// <exception cref="CheckpointMismatchException">The file at <see cref="LoadedCheckpoint.Path"/> was replaced since the load by another save (its optimizer state would not be the loaded weights'), or the optimizer is of another type or holds other parameters, or the same in another order; the message names the difference and the fix. Nothing was read into the optimizer.</exception>
    /// <exception cref="CheckpointCorruptedException">The optimizer state is damaged (size, CRC-32 or SHA-256, or a compressed entry; nothing was read into the optimizer) or, with a matching digest, does not read as the recorded optimizer's state, or, for one of TorchSharp's own optimizers, reads as one that cannot be trained with: a state tensor of another shape or dtype than its parameter, one missing that the loaded options need, NaN moments (unless <see cref="CheckpointLoadOptions.AllowNonFiniteWeights"/>), a hyperparameter that is not finite or beyond float range, a negative step count. The optimizer may then be partly loaded: build a new one.</exception>
    /// <exception cref="FileNotFoundException">The file at <see cref="LoadedCheckpoint.Path"/> is gone since the load.</exception>
    public static void LoadOptimizerState(LoadedCheckpoint checkpoint, optim.Optimizer optimizer, CheckpointLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(optimizer);
        checkpoint.Handle.ThrowIfUnwrapped();
        var path = checkpoint.Path;
        var loaded = checkpoint.Manifest;
        var recorded = loaded.Optimizer ?? throw new CheckpointException(
            $"Checkpoint '{path}' holds no optimizer state: it was saved without an optimizer. Pass the optimizer when saving (GrowthScheduler.SaveCheckpoint(path, extras, optimizer), or DendriteCheckpoint.Save(handle, path, extras, optimizer)); to go on from this checkpoint, start the optimizer afresh.");

        // The cheap checks first: an optimizer built too early or from other parameters costs no read.
        var helper = OptimizerStateEntry.ThrowIfOtherOptimizer(recorded, checkpoint.Handle, optimizer, path);
        var bounds = options ?? checkpoint.RereadOptions;
        using var archive = CheckpointArchive.Open(path, bounds);
        ThrowIfReplaced(checkpoint, archive.Manifest, "its optimizer state is not the one that trained the loaded weights", "and its optimizer state with it");

        OptimizerStateEntry.Load(archive, recorded, helper, path, bounds.AllowNonFiniteWeights);
        var logger = checkpoint.Handle.Options.Logger;
        DendriticLog.OptimizerStateLoaded(logger, path, recorded.Type, recorded.ParameterGroups.Sum(g => g.Count), recorded.ParameterGroups.Count, recorded.Bytes);
    }

    /// <summary>
    /// Refuses a checkpoint whose file (<see cref="LoadedCheckpoint.Path"/>) was replaced since the load by another save,
    /// for the callers that read more from it (the best weights beside it, its optimizer state), which would then be
    /// the other save's. Compared by content (<see cref="CheckpointManifest.IsSameSaveAs"/>), so the same file copied
    /// back in place passes.
    /// </summary>
    /// <param name="checkpoint">What <see cref="Load"/> returned.</param>
    /// <param name="there">The manifest of the file at its path now.</param>
    /// <param name="consequence">What would go wrong, for the message ("its optimizer state is not ...").</param>
    /// <param name="reload">What to load again with it, for the message ("and its optimizer state with it"; may be empty).</param>
    /// <exception cref="CheckpointMismatchException">The file there is another save (the message names both, with the validation of each when it holds a scheduler state).</exception>
    internal static void ThrowIfReplaced(LoadedCheckpoint checkpoint, CheckpointManifest there, string consequence, string reload)
    {
        var loaded = checkpoint.Manifest;
        if (there.IsSameSaveAs(loaded))
        {
            return;
        }

        var path = checkpoint.Path;
        throw new CheckpointMismatchException(FormattableString.Invariant(
            $"'{path}' was replaced since DendriteCheckpoint.Load read it: the file there was saved {there.CreatedUtc:u}{AtValidation(there)}, the loaded one {loaded.CreatedUtc:u}{AtValidation(loaded)}, so {consequence}. Load the checkpoint at '{path}' again{(reload.Length == 0 ? string.Empty : " " + reload)}, or put the loaded save back there."));
    }

    // " at validation N" for a save with a readable scheduler state; nothing otherwise (this is an error message already).
    private static string AtValidation(CheckpointManifest manifest)
    {
        try
        {
            return GrowthSchedulerState.FromCheckpoint(manifest) is { } state ? FormattableString.Invariant($" at validation {state.Validations}") : string.Empty;
        }
        catch (CheckpointCorruptedException)
        {
            return string.Empty;
        }
    }
}
