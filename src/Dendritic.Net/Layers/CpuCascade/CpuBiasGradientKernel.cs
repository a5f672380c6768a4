using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The built-in CPU cascade as the <see cref="IBiasGradientKernel"/> a layer uses when no kernel is registered: its
/// node also returns the host's and each set's bias gradients, sparing autograd a reduction over an output per bias.
/// The layer asks <see cref="CpuCascadeKernel.TakesBiasGradients"/> first, which knows the input and the projection path
/// and says yes only to calls <see cref="TryCombine"/> takes.
/// </summary>
internal sealed class CpuBiasGradientKernel : IBiasGradientKernel
{
    /// <summary>The one instance.</summary>
    public static readonly CpuBiasGradientKernel Instance = new();

    private CpuBiasGradientKernel()
    {
    }

    /// <inheritdoc />
    /// <remarks>The checks that need no tensor; the layer adds the rest (<see cref="CpuCascadeKernel.TakesBiasGradients"/>).</remarks>
    public bool TakesBiasGradients(Device device, ScalarType dtype, int sets, long neurons, DendriteActivation activation) =>
        device.type == DeviceType.CPU && dtype == ScalarType.Float32 && sets is >= 1 and <= CpuCascadeShape.MaxSets;

    /// <inheritdoc />
    /// <remarks>The layer offers it only separate projections, fresh tensors it alone holds.</remarks>
    public Tensor? TryCombine(CascadeInputs inputs) => CpuCascadeKernel.TryCombine(inputs, preActivationsOwned: true);
}
