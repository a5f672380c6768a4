using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// A fixed growth schedule, the simplest dendritic arm: wraps the model with <see cref="Dendrites.Wrap"/> (no dendrites
/// at first, so it computes exactly what the plain model computes), adds dendrite sets to every wrapped layer after
/// fixed epochs, and stops after a fixed total. Unlike <see cref="SchedulerGrowth"/> it does not watch the validation
/// score and never reverts a growth step, which makes it a predictable reference for the scheduler.
/// </summary>
public sealed class FixedEpochGrowth : IGrowthPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="growAfterEpochs">Epochs (from 1, strictly increasing) after which to add dendrites; may be empty.</param>
    /// <param name="totalEpochs">Epochs the dendritic arm trains in all; larger than every growth epoch.</param>
    /// <param name="setsPerStep">Dendrite sets added to each layer per growth step. Default 1.</param>
    /// <param name="wrap">Which layers get dendrites and how they compute; <see cref="WrapOptions"/> defaults (every Linear and Conv) when null. Its InitialDendrites is ignored (0); its Logger must be left unset (the harness logs to ExperimentOptions.Logger).</param>
    /// <param name="freezeHostOnGrowth">
    /// Whether the host weights stop training at the first growth step, so that only dendrites learn afterwards (as in
    /// cascade-correlation and Perforated AI's dendrite phase). Default false: everything keeps training.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException"><paramref name="wrap"/> sets a logger.</exception>
    public FixedEpochGrowth(IReadOnlyList<int> growAfterEpochs, int totalEpochs, int setsPerStep = 1, WrapOptions? wrap = null, bool freezeHostOnGrowth = false)
    {
        ArgumentNullException.ThrowIfNull(growAfterEpochs);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(setsPerStep, 1);
        for (var i = 0; i < growAfterEpochs.Count; i++)
        {
            var epoch = growAfterEpochs[i];
            if (epoch < 1 || epoch >= totalEpochs || (i > 0 && epoch <= growAfterEpochs[i - 1]))
            {
                throw new ArgumentOutOfRangeException(nameof(growAfterEpochs), epoch, $"Growth epochs must be strictly increasing and lie in 1..{totalEpochs - 1} (before the last of {totalEpochs} epochs).");
            }
        }

        GrowAfterEpochs = growAfterEpochs.ToArray();
        TotalEpochs = totalEpochs;
        SetsPerStep = setsPerStep;
        Wrap = HarnessWrapOptions.Prepare(wrap);
        FreezeHostOnGrowth = freezeHostOnGrowth;
    }

    /// <summary>Whether the host weights stop training at the first growth step.</summary>
    public bool FreezeHostOnGrowth { get; }

    /// <summary>Epochs after which dendrites are added.</summary>
    public IReadOnlyList<int> GrowAfterEpochs { get; }

    /// <summary>Epochs the dendritic arm trains in all.</summary>
    public int TotalEpochs { get; }

    /// <summary>Dendrite sets added to each layer per growth step.</summary>
    public int SetsPerStep { get; }

    /// <summary>How the model is wrapped (InitialDendrites 0).</summary>
    public WrapOptions Wrap { get; }

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"fixed schedule (FixedEpochGrowth): Dendrites.Wrap on {Wrap.Targets} with {DendriteDescription.Of(Wrap.Dendrite)}, +{SetsPerStep} dendrite set(s) per layer after epoch(s) {(GrowAfterEpochs.Count == 0 ? "none" : string.Join(", ", GrowAfterEpochs))}, {TotalEpochs} epochs in all, {(FreezeHostOnGrowth ? "host weights frozen from the first growth step" : "everything trainable")}");

    /// <inheritdoc />
    public IGrowthSession Begin(nn.Module<Tensor, Tensor> model, GrowthContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        return new Session(this, model, Dendrites.Wrap(model, Wrap with { Logger = context.Logger }, context.SampleInput));
    }

    private sealed class Session : IGrowthSession
    {
        private readonly FixedEpochGrowth _policy;

        public Session(FixedEpochGrowth policy, nn.Module<Tensor, Tensor> model, DendriticModel handle)
        {
            _policy = policy;
            Model = model;
            Handle = handle;
        }

        public nn.Module<Tensor, Tensor> Model { get; }

        public DendriticModel Handle { get; }

        public int MaxEpochs => _policy.TotalEpochs;

        public GrowthStep AfterEpoch(int epoch, double validationScore)
        {
            var stop = epoch >= _policy.TotalEpochs;
            if (stop || !_policy.GrowAfterEpochs.Contains(epoch))
            {
                return stop ? new GrowthStep { Stop = true } : GrowthStep.Continue;
            }

            Handle.AddDendrites(_policy.SetsPerStep);
            if (_policy.FreezeHostOnGrowth)
            {
                Handle.SetBaseTrainable(false);
            }

            return new GrowthStep
            {
                DendritesAdded = _policy.SetsPerStep,
                Note = string.Create(CultureInfo.InvariantCulture, $"+{_policy.SetsPerStep} set(s) on {Handle.Layers.Count} layer(s)"),
            };
        }

        public void Dispose()
        {
        }
    }
}
