using System;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The samples in the batch that a check pass (<see cref="DendriticModel.Verify"/>) runs, for
/// <see cref="FlopCounter.PositionsPerSample"/>: the number the caller gave, else the model input's first dimension
/// (its batch axis, as the sample input's) read at each <c>call()</c> of a <c>Module&lt;Tensor, Tensor&gt;</c> model.
/// With it, a layer whose output is batch-second ((T, B, F), after a recurrent module with batch_first false, or a
/// transpose) counts T positions per sample as a (B, T, F) one does, not B. Null when neither is known (a model of
/// other inputs, or one run with <c>.forward()</c>, which skips hooks): each layer's output is then read batch-first.
/// Dispose it to remove its hook.
/// </summary>
internal sealed class CheckPassSamples : IDisposable
{
    private readonly long? _given;
    private long? _read;
    private Action? _removeHook;

    private CheckPassSamples(long? given) => _given = given;

    /// <summary>The samples in the batch now running; null when unknown.</summary>
    public long? Current => _given ?? _read;

    /// <summary>Starts watching <paramref name="model"/>'s input, unless <paramref name="samples"/> gives the number.</summary>
    /// <param name="model">The root model that the check pass calls.</param>
    /// <param name="samples">Samples in the batch, when the caller knows them (at least 1); null to read them from the model input.</param>
    /// <returns>The watch; dispose it after the pass.</returns>
    public static CheckPassSamples Watch(nn.Module model, long? samples)
    {
        var watch = new CheckPassSamples(samples);
        if (samples is null && model is nn.Module<Tensor, Tensor> root)
        {
            // Read at every call, so that a pass that runs the model on two batches counts each by its own size. A
            // scalar input has no batch axis: the layers' outputs are read batch-first then.
            var hook = root.register_forward_pre_hook((_, input) =>
            {
                watch._read = input.dim() > 0 && input.shape[0] > 0 ? input.shape[0] : null;
                return input;
            });
            watch._removeHook = hook.remove;
        }

        return watch;
    }

    /// <summary>Removes the hook; <see cref="Current"/> keeps the last number read.</summary>
    public void Dispose()
    {
        _removeHook?.Invoke();
        _removeHook = null;
    }
}
