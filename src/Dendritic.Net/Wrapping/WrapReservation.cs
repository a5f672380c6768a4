using System;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Marks a model as being wrapped or adopted, from the first check to the handle's registration, so that a second
/// <see cref="Dendrites.Wrap"/> or <see cref="Dendrites.Adopt"/> of it meanwhile fails at once with a typed error.
/// Without it, two threads both passed the "already wrapped" check, both changed the model, and the later one failed
/// at the registration with a bare <see cref="ArgumentException"/>, leaving its dendrites on the model.
/// </summary>
/// <remarks>
/// A refusal rather than a lock: waiting would only lead the second caller to "already wrapped" after the first had
/// finished, and a lock held across the check pass would deadlock a sample forward that wraps the same model.
/// </remarks>
internal sealed class WrapReservation : IDisposable
{
    private static readonly ConditionalWeakTable<nn.Module, WrapReservation> Active = new();
    private readonly nn.Module _model;

    private WrapReservation(nn.Module model) => _model = model;

    /// <summary>Reserves <paramref name="model"/>; dispose the result when the wrap or adoption has finished or failed.</summary>
    /// <exception cref="DendriteWrapException">The model is being wrapped or adopted already.</exception>
    public static WrapReservation Enter(nn.Module model)
    {
        var reservation = new WrapReservation(model);
        if (!Active.TryAdd(model, reservation))
        {
            throw new DendriteWrapException($"This model ({model.GetType().Name}) is being wrapped or adopted right now, on another thread or by code that call runs (a layer selector, the sample input's forward pass). Wrap or adopt a model once, from one thread, and share the handle it returns.");
        }

        return reservation;
    }

    public void Dispose() => Active.Remove(_model);
}
