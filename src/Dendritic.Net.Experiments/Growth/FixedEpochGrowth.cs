using System;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// A fixed growth schedule, the simplest dendritic arm: wraps the model with <see cref="Dendrites.Wrap"/> (no dendrites
/// at first, so it computes exactly what the plain model computes), adds dendrite sets to every wrapped layer after
/// fixed epochs, and stops after a fixed number of epochs (<see cref="FixedEpochGrowthOptions"/>). Unlike
/// <see cref="SchedulerGrowth"/> it does not watch the validation score and never reverts a growth step, which makes it
/// a predictable reference for the scheduler.
/// </summary>
public sealed class FixedEpochGrowth : IGrowthPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="options">The schedule (its growth epochs and epoch budget are required) and the wrap settings.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidOptionsException">A value of <paramref name="options"/> is invalid; the exception lists every invalid value at once.</exception>
    public FixedEpochGrowth(FixedEpochGrowthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
    }

    /// <summary>The validated schedule and wrap settings.</summary>
    public FixedEpochGrowthOptions Options { get; }

    /// <summary><see cref="FixedEpochGrowthOptions.MaxEpochs"/>: the arm trains exactly that many epochs.</summary>
    int? IGrowthPolicy.MaxEpochs => Options.MaxEpochs;

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"fixed schedule (FixedEpochGrowth): Dendrites.Wrap on {Options.Wrap.Targets} with {DendriteDescription.Of(Options.Wrap.Dendrite)}, +{Options.SetsPerStep} dendrite set(s) per layer after epoch(s) {(Options.GrowAfterEpochs.Count == 0 ? "none" : string.Join(", ", Options.GrowAfterEpochs))}, {Options.MaxEpochs} epochs in all, {(Options.FreezeHostOnGrowth ? "host weights frozen from the first growth step" : "everything trainable")}");

    /// <inheritdoc />
    public IGrowthSession Begin(nn.Module<Tensor, Tensor> model, GrowthContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        return new Session(Options, model, Dendrites.Wrap(model, Options.Wrap.ToWrapOptions(context.Logger), context.SampleInput));
    }

    private sealed class Session : IGrowthSession
    {
        private readonly FixedEpochGrowthOptions _options;

        public Session(FixedEpochGrowthOptions options, nn.Module<Tensor, Tensor> model, DendriticModel handle)
        {
            _options = options;
            Model = model;
            Handle = handle;
        }

        public nn.Module<Tensor, Tensor> Model { get; }

        public DendriticModel Handle { get; }

        public int MaxEpochs => _options.MaxEpochs;

        public GrowthStep AfterEpoch(int epoch, double validationScore)
        {
            var stop = epoch >= _options.MaxEpochs;
            if (stop || !_options.GrowAfterEpochs.Contains(epoch))
            {
                return stop ? new GrowthStep { Stop = true } : GrowthStep.Continue;
            }

            Handle.AddDendrites(_options.SetsPerStep);
            if (_options.FreezeHostOnGrowth)
            {
                Handle.SetBaseTrainable(false);
            }

            return new GrowthStep
            {
                DendritesAdded = _options.SetsPerStep,
                Note = string.Create(CultureInfo.InvariantCulture, $"+{_options.SetsPerStep} set(s) on {Handle.Layers.Count} layer(s)"),
            };
        }

        public void Dispose()
        {
        }
    }
}
