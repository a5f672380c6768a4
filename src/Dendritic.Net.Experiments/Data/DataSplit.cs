using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>One part of a data set (training, validation or test): inputs and targets with the same first dimension.</summary>
public sealed class DataSplit
{
    /// <summary>Creates a split. The tensors are kept, not copied; the split owns them from now on.</summary>
    /// <param name="inputs">Inputs, first dimension = samples.</param>
    /// <param name="targets">Targets (class indices as int64 for classification), first dimension = samples.</param>
    public DataSplit(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.dim() < 1 || targets.dim() < 1 || inputs.shape[0] != targets.shape[0])
        {
            throw new ArgumentException($"Inputs ({string.Join("x", inputs.shape)}) and targets ({string.Join("x", targets.shape)}) must have the same number of samples in their first dimension.", nameof(targets));
        }

        Inputs = inputs.DetachFromDisposeScope();
        Targets = targets.DetachFromDisposeScope();
    }

    /// <summary>Inputs, first dimension = samples.</summary>
    public Tensor Inputs { get; }

    /// <summary>Targets, first dimension = samples.</summary>
    public Tensor Targets { get; }

    /// <summary>Number of samples.</summary>
    public long Count => Inputs.shape[0];

    /// <summary>A copy of this split on <paramref name="device"/> (or this split when it is already there).</summary>
    /// <param name="device">The target device.</param>
    /// <returns>The split on that device.</returns>
    public DataSplit To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return IsOn(Inputs, device) && IsOn(Targets, device) ? this : new DataSplit(Inputs.to(device), Targets.to(device));
    }

    // Device has no value equality (each tensor.device is a new object, so == never held). "cuda" without an index
    // means the current device, which a tensor's index cannot be compared with: such a split is moved (to() of a
    // tensor already there returns it without a copy).
    private static bool IsOn(Tensor tensor, Device device) =>
        tensor.device_type == device.type && (device.type == DeviceType.CPU || device.type == DeviceType.META || tensor.device_index == device.index);
}
