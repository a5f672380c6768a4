using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace Dendritic;

/// <content>Export and import of the scheduler state, for checkpoints and resume.</content>
public sealed partial class GrowthScheduler
{
    /// <summary>
    /// The scheduler's state as <see cref="SaveCheckpoint"/> records it, for inspection: counters, scores, phase,
    /// structure, options and history (not the weights). A fresh, read-only snapshot each call: later steps do not change
    /// it. To continue a run, save it with <see cref="SaveCheckpoint"/> and continue it with <see cref="Resume"/>, which
    /// also carry the best weights.
    /// </summary>
    /// <returns>The state, without a best-weights digest (only a checkpoint has a best-weights file).</returns>
    public GrowthSchedulerState ExportState() => ExportStateWith(null, null);

    /// <summary><see cref="ExportState()"/>, recording the best-weights file saved with it (<see cref="SaveCheckpoint"/>).</summary>
    private GrowthSchedulerState ExportStateWith(string? bestWeightsSha256, long? bestWeightsBytes) => new()
    {
        Validations = _state.Validations,
        SinceChange = _state.SinceChange,
        BadValidations = _state.BadValidations,
        CooldownLeft = _state.CooldownLeft,
        Retries = _state.Retries,
        ImprovedSinceChange = _state.ImprovedSinceChange,
        BestScore = _state.Best,
        CycleBestScore = _state.CycleBest,
        SmoothedScore = _state.Smoothed,
        BestDendriteCount = _state.BestDendriteCount,
        Phase = Phase,
        LayerDendrites = _model.LayerDendrites,
        FrozenSets = _model.FrozenSets,
        Options = Options with { CandidateLosses = null },
        History = History.Entries,
        BestWeightsSha256 = bestWeightsSha256,
        BestWeightsBytes = bestWeightsBytes,
    };

    /// <summary>
    /// Continues from a state written by <see cref="ExportState()"/>, without the best weights (for tests of the state
    /// alone; <see cref="Resume"/> is the way in, with them). Call it on a fresh scheduler, before any
    /// <see cref="Step"/>, with the model already loaded from the checkpoint taken with that state (same dendrite
    /// sets per layer). With in-memory best weights, also call <see cref="LoadBestWeights"/>.
    /// </summary>
    /// <param name="state">The state to continue from.</param>
    /// <exception cref="InvalidOperationException">This scheduler has already seen scores, or its handle was unwrapped (<see cref="DendriticModel.Unwrap"/>).</exception>
    /// <exception cref="ArgumentException">The model's structure differs from the state's, or the state records options that differ from this scheduler's (the message names each).</exception>
    internal void ImportState(GrowthSchedulerState state)
    {
        Import(state);
        LogImported();
    }

    /// <summary>
    /// <see cref="ImportState"/> without its log event, for <see cref="Resume"/>, which logs 3013 only once the best
    /// weights are in as well (a resume that fails on them imported nothing anyone can use).
    /// </summary>
    private void Import(GrowthSchedulerState state)
    {
        ThrowIfNotImportable(state);
        _model.ApplyFrozen(state.FrozenSets);
        _state = new GrowthPolicyState
        {
            Validations = state.Validations,
            SinceChange = state.SinceChange,
            BadValidations = state.BadValidations,
            CooldownLeft = state.CooldownLeft,
            Best = state.BestScore,
            CycleBest = state.CycleBestScore,
            Smoothed = state.SmoothedScore,
            Retries = state.Retries,
            ImprovedSinceChange = state.ImprovedSinceChange,
            BestDendriteCount = state.BestDendriteCount,
            Phase = state.Phase,
        };
        History.Load(state.History);
    }

    /// <summary>
    /// Every check of <see cref="Import"/>, which changes nothing: <see cref="Resume"/> runs them before it reads the
    /// best weights, so that a state that cannot be imported costs no read and leaves the model as it was.
    /// </summary>
    private void ThrowIfNotImportable(GrowthSchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ThrowIfUnwrapped();
        if (_state.Validations > 0)
        {
            throw new InvalidOperationException("A scheduler state is imported into a fresh scheduler only, before its first Step; GrowthScheduler.Resume builds one.");
        }

        // The version, frozen flags and best score are checked again here for a state built in code (ImportState); one
        // read from a checkpoint got here through FromCheckpoint, which refuses them as the file's corruption
        // (CheckpointCorruptedException). What remains is the caller's: options or a model that differ from the state.
        if (state.Version != 1)
        {
            throw new ArgumentException($"Unknown scheduler state version {state.Version}; this library reads version 1.", nameof(state));
        }

        if (state.Options is { } saved && GrowthOptionsDifferences.Between(saved, Options) is { Count: > 0 } differences)
        {
            throw new ArgumentException(OtherOptions(differences), nameof(state));
        }

        if (!state.LayerDendrites.SequenceEqual(_model.LayerDendrites))
        {
            throw new ArgumentException(
                $"The state was taken with [{string.Join(", ", state.LayerDendrites)}] dendrite set(s) per layer but the model has [{string.Join(", ", _model.LayerDendrites)}]; load the checkpoint saved with this state into the model first.",
                nameof(state));
        }

        if (state.FrozenSets.Count != state.LayerDendrites.Count || state.FrozenSets.Where((f, i) => f.Count != state.LayerDendrites[i]).Any())
        {
            throw new ArgumentException("The state's FrozenSets do not match its LayerDendrites; the state is corrupt.", nameof(state));
        }

        // Without FirstScoreIsBest the first score is not a best, so a best exists only from the second validation on.
        // For a state without recorded options this depends on the options given, so that a missing best is a mismatch.
        var scored = state.Validations > (Options.FirstScoreIsBest ? 0 : 1);
        if ((scored && state.BestScore is null) || (state.BestScore is { } b && !double.IsFinite(b)) || (state.CycleBestScore is { } c && !double.IsFinite(c)))
        {
            throw new ArgumentException("The state has validations but no finite best score: it is corrupt, or was saved by a run with FirstScoreIsBest = false; pass the options of the saved run.", nameof(state));
        }
    }

    /// <summary>The message for options that differ from the saved ones, naming each difference.</summary>
    private static string OtherOptions(IReadOnlyList<string> differences) =>
        $"The state was saved with other growth options: {string.Join("; ", differences)}. Resume with the saved options (GrowthScheduler.Resume without options uses them, or pass state.Options), or start a new run.";

    private void LogImported() => GrowthLog.StateImported(_logger, _state.Validations, Phase, _model.DendriteCount);

    /// <summary>Writes the best weights to <paramref name="path"/> as a checkpoint, to be read back with <see cref="LoadBestWeights"/> (for tests; <see cref="SaveCheckpoint"/> writes them beside its checkpoint).</summary>
    /// <param name="path">File to write.</param>
    /// <exception cref="InvalidOperationException">No score has been reported yet.</exception>
    internal void SaveBestWeights(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _ = _best.Export(path);
    }

    /// <summary>Reads best weights saved by <see cref="SaveBestWeights"/> (after <see cref="ImportState"/>), unchecked against any digest.</summary>
    /// <param name="path">File to read.</param>
    /// <exception cref="System.IO.FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointCorruptedException">The file is not an intact checkpoint.</exception>
    /// <exception cref="CheckpointException">The file is of another format (a newer checkpoint, or a pre-release best-weights file).</exception>
    internal void LoadBestWeights(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _best.Import(path);
    }
}
