using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Makes the re-initialised copies of a module host that dendrite sets of a <see cref="HostKind.Module"/> host hold,
/// and knows the host's path and type for the messages that concern them.
/// </summary>
/// <param name="layerPath">The host's path in its model.</param>
/// <param name="moduleType">The host module's type name, e.g. <c>LayerNorm</c>.</param>
/// <param name="createCopy">The <see cref="ModuleHost"/>'s copy factory, applied to the host.</param>
internal sealed class ModuleCopies(string layerPath, string moduleType, Func<nn.Module> createCopy)
{
    /// <summary>The host's path in its model.</summary>
    public string LayerPath { get; } = layerPath;

    /// <summary>The host module's type name.</summary>
    public string ModuleType { get; } = moduleType;

    /// <summary>
    /// A new copy from the factory, its floating-point parameters redrawn as
    /// <see cref="DendriteOptions.Initialization"/> says (Normal: N(0, InitScale²) for every one, as perforatedai's
    /// init_params does; HostUniform: the module's own initialisation times InitScale), on the host's device and dtype.
    /// </summary>
    /// <exception cref="DendriteWrapException">The factory returned null.</exception>
    public nn.Module Fresh(DendriteOptions options, Device device, ScalarType dtype)
    {
        var copy = createCopy() ?? throw new DendriteWrapException(
            $"Layer '{LayerPath}' ({ModuleType}): its ModuleHost's copy factory returned null. Return a new {ModuleType} of the same architecture from the factory given to ModuleHost.For.");
        if (copy.parameters().FirstOrDefault() is { } first && (first.device != device || first.dtype != dtype))
        {
            copy.to(device).to(dtype);
        }

        // An explicit Scalar, disposed here: an implicit conversion would leave one for the finalizer (docs/concepts.md).
        using var scale = options.InitScale.ToScalar();
        using (no_grad())
        {
            foreach (var parameter in copy.parameters().Where(p => p.is_floating_point()))
            {
                if (options.Initialization == DendriteInitialization.Normal)
                {
                    parameter.normal_(0, options.InitScale);
                }
                else
                {
                    parameter.mul_(scale);
                }
            }
        }

        return copy;
    }
}
