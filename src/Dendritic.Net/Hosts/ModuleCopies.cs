using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>Makes the re-initialised copies of a module host that dendrite sets of a <see cref="HostKind.Module"/> host hold.</summary>
internal static class ModuleCopies
{
    /// <summary>
    /// A new copy from <paramref name="createCopy"/>, its floating-point parameters redrawn as
    /// <see cref="DendriteOptions.Initialization"/> says (Normal: N(0, InitScale²) for every one, as perforatedai's
    /// init_params does; HostUniform: the module's own initialisation times InitScale), on the host's device and dtype.
    /// </summary>
    public static nn.Module Fresh(Func<nn.Module> createCopy, DendriteOptions options, Device device, ScalarType dtype)
    {
        var copy = createCopy() ?? throw new InvalidOperationException("A ModuleHost's copy factory returned null.");
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
