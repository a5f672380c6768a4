using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A deep copy of a wrapped model's weights (base and dendrites) and of its dendrite structure, taken by
/// <see cref="DendriticModel.CaptureWeights"/> and put back by <see cref="DendriticModel.RestoreWeights"/>.
/// Dispose it to free the copies.
/// </summary>
public sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;
    private bool _disposed;

    internal WeightSnapshot(Dictionary<string, Tensor> tensors, Dictionary<string, int> dendriteCounts)
    {
        _tensors = tensors;
        DendriteCounts = dendriteCounts;
    }

    /// <summary>The copied tensors by state-dict key.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _tensors;
        }
    }

    /// <summary>Dendrite sets per wrapped layer when the snapshot was taken.</summary>
    public IReadOnlyDictionary<string, int> DendriteCounts { get; }

    /// <summary>Frees the copied tensors.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        _disposed = true;
    }
}
