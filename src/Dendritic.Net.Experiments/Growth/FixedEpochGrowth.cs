using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// A STAND-IN for the growth scheduler: adds dendrite sets to every <see cref="DendriteLayer"/> in the model after
/// fixed epochs and stops after a fixed total. It does not watch the validation score, wrap models, or revert growth
/// steps that do not help; it exists so the harness can be built and tested without the scheduler. The model must
/// already contain <see cref="DendriteLayer"/>s (with 0 dendrites they compute exactly what their hosts compute).
/// </summary>
public sealed class FixedEpochGrowth : IGrowthPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="growAfterEpochs">Epochs (from 1, strictly increasing) after which to add dendrites; may be empty.</param>
    /// <param name="totalEpochs">Epochs the dendritic arm trains in all; larger than every growth epoch.</param>
    /// <param name="setsPerStep">Dendrite sets added to each layer per growth step. Default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public FixedEpochGrowth(IReadOnlyList<int> growAfterEpochs, int totalEpochs, int setsPerStep = 1)
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
    }

    /// <summary>Epochs after which dendrites are added.</summary>
    public IReadOnlyList<int> GrowAfterEpochs { get; }

    /// <summary>Epochs the dendritic arm trains in all.</summary>
    public int TotalEpochs { get; }

    /// <summary>Dendrite sets added to each layer per growth step.</summary>
    public int SetsPerStep { get; }

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"stand-in growth (FixedEpochGrowth, not the scheduler): +{SetsPerStep} dendrite set(s) per layer after epoch(s) {(GrowAfterEpochs.Count == 0 ? "none" : string.Join(", ", GrowAfterEpochs))}, {TotalEpochs} epochs in all");

    /// <inheritdoc />
    public IGrowthSession Begin(nn.Module<Tensor, Tensor> model, int baselineEpochs)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = model.modules().OfType<DendriteLayer>().ToList();
        if (layers.Count == 0)
        {
            throw new InvalidOperationException($"FixedEpochGrowth needs a model that contains DendriteLayer modules (built with 0 dendrites), but the {model.GetType().Name} has none. Build the layers that should grow as new DendriteLayer(new Linear(...)).");
        }

        return new Session(this, model, layers);
    }

    private sealed class Session : IGrowthSession
    {
        private readonly FixedEpochGrowth _policy;
        private readonly List<DendriteLayer> _layers;

        public Session(FixedEpochGrowth policy, nn.Module<Tensor, Tensor> model, List<DendriteLayer> layers)
        {
            _policy = policy;
            _layers = layers;
            Model = model;
        }

        public nn.Module<Tensor, Tensor> Model { get; }

        public int MaxEpochs => _policy.TotalEpochs;

        public GrowthStep AfterEpoch(int epoch, double validationScore)
        {
            var stop = epoch >= _policy.TotalEpochs;
            if (stop || !_policy.GrowAfterEpochs.Contains(epoch))
            {
                return stop ? new GrowthStep { Stop = true } : GrowthStep.Continue;
            }

            foreach (var layer in _layers)
            {
                layer.AddDendrites(_policy.SetsPerStep);
            }

            return new GrowthStep
            {
                DendritesAdded = _policy.SetsPerStep,
                Note = string.Create(CultureInfo.InvariantCulture, $"+{_policy.SetsPerStep} set(s) on {_layers.Count} layer(s)"),
            };
        }

        public void Dispose()
        {
        }
    }
}
