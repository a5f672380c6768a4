using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Measures the dendritic arm's activation scales after each epoch (<see cref="ActivationMonitor"/>): one forward and
/// backward pass in eval mode over the first <see cref="ExperimentOptions.ActivationProbeSamples"/> training samples,
/// outside the timed and metered part of the epoch. It changes no weight, optimizer state or random stream, so an arm
/// trains bit for bit the same with the probe as without; the monitor records nothing during training itself.
/// </summary>
internal sealed class ActivationProbe : IDisposable
{
    private readonly DendriticModel _handle;
    private readonly ActivationMonitor _monitor;
    private readonly DataSplit _train;
    private readonly long _samples;
    private readonly LossFunction _loss;

    private ActivationProbe(DendriticModel handle, DataSplit train, int samples, LossFunction loss)
    {
        _handle = handle;
        _train = train;
        _samples = Math.Min(samples, train.Count);
        _loss = loss;
        _monitor = handle.MonitorActivations();
        _monitor.Enabled = false;
    }

    /// <summary>A probe for the arm's handle; null for arms without one or when probing is off.</summary>
    public static ActivationProbe? For(DendriticModel? handle, DataSplit train, ExperimentOptions options) =>
        handle is null || options.ActivationProbeSamples == 0 ? null : new ActivationProbe(handle, train, options.ActivationProbeSamples, options.Loss);

    /// <summary>The statistics of one probe pass per wrapped layer; null while the layers have no dendrites.</summary>
    public IReadOnlyList<LayerActivationStats>? Measure(nn.Module<Tensor, Tensor> module)
    {
        if (_handle.DendriteCount == 0)
        {
            return null;
        }

        // The last training step's gradients would add to the probe's; the next step clears the probe's own.
        module.zero_grad();
        using (EvalModeScope.Enter(module))
        using (NewDisposeScope())
        {
            _monitor.Enabled = true;
            try
            {
                var loss = _loss(module.call(_train.Inputs.narrow(0, 0, _samples)), _train.Targets.narrow(0, 0, _samples));
                if (loss.requires_grad)
                {
                    loss.backward();
                    _monitor.RecordGradients();
                }
            }
            finally
            {
                _monitor.Enabled = false;
            }
        }

        module.zero_grad();
        return _monitor.Collect();
    }

    public void Dispose() => _monitor.Dispose();
}
