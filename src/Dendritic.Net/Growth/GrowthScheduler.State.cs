using System;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace Dendritic;

/// <content>Export and import of the scheduler state, for checkpoints and resume.</content>
public sealed partial class GrowthScheduler
{
    /// <summary>
    /// Everything the scheduler needs to carry on exactly where it is (not the weights: save the model and
    /// <see cref="SaveBestWeights"/>; <see cref="SaveCheckpoint"/> does both). A fresh copy each call.
    /// </summary>
    /// <returns>The state; serialise it with <see cref="GrowthSchedulerState.ToJson"/>.</returns>
    public GrowthSchedulerState ExportState() => new()
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
        LayerDendrites = _model.LayerDendrites.ToList(),
        FrozenSets = _model.FrozenSets.Select(l => l.ToList()).ToList(),
        Options = Options with { CandidateLosses = null },
        History = History.Entries.ToList(),
    };

    /// <summary>
    /// Continues from a state written by <see cref="ExportState"/>. Call it on a fresh scheduler, before any
    /// <see cref="Step"/>, with the model already loaded from the checkpoint taken with that state (same dendrite
    /// sets per layer). With in-memory best weights, also call <see cref="LoadBestWeights"/>.
    /// </summary>
    /// <param name="state">The state to continue from.</param>
    /// <exception cref="InvalidOperationException">This scheduler has already seen scores, or its handle was unwrapped (<see cref="DendriticModel.Unwrap"/>).</exception>
    /// <exception cref="ArgumentException">The model's structure differs from the state's, or the state records options that differ from this scheduler's (the message names each).</exception>
    public void ImportState(GrowthSchedulerState state)
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
            throw new InvalidOperationException("ImportState must be called on a fresh scheduler, before the first Step.");
        }

        if (state.Version != 1)
        {
            throw new ArgumentException($"Unknown scheduler state version {state.Version}; this library reads version 1.", nameof(state));
        }

        if (state.Options is { } saved && GrowthOptionsDifferences.Between(saved, Options) is { Count: > 0 } differences)
        {
            throw new ArgumentException(
                $"The state was saved with other growth options: {string.Join("; ", differences)}. Resume with the saved options (GrowthScheduler.Resume without options uses them, or pass state.Options), or start a new run.",
                nameof(state));
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
        var scored = state.Validations > (Options.FirstScoreIsBest ? 0 : 1);
        if ((scored && state.BestScore is null) || (state.BestScore is { } b && !double.IsFinite(b)) || (state.CycleBestScore is { } c && !double.IsFinite(c)))
        {
            throw new ArgumentException("The state has validations but no finite best score; the state is corrupt.", nameof(state));
        }
    }

    private void LogImported() => GrowthLog.StateImported(_logger, _state.Validations, Phase, _model.DendriteCount);

    /// <summary>Writes the best weights to <paramref name="path"/>, to be read back with <see cref="LoadBestWeights"/> on resume.</summary>
    /// <param name="path">File to write.</param>
    /// <exception cref="InvalidOperationException">No score has been reported yet.</exception>
    public void SaveBestWeights(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _ = _best.Export(path);
    }

    /// <summary>Reads best weights saved by <see cref="SaveBestWeights"/> (after <see cref="ImportState"/>).</summary>
    /// <param name="path">File to read.</param>
    /// <exception cref="System.IO.FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointCorruptedException">The file is not a best-weights file, is cut off, or its SHA-256 does not match its contents (a changed byte): restore it together with its checkpoint.</exception>
    /// <exception cref="CheckpointException">The file is a best-weights file of another format version (written by an earlier or a later Dendritic.Net): resume with the version that wrote it, or save a checkpoint again.</exception>
    public void LoadBestWeights(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _best.Import(path);
    }
}
