using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Support;

/// <summary>Moves a model's weights away from where they were, as training would, so that a restore has something to undo.</summary>
internal static class Perturbation
{
    /// <summary>Adds N(0, 0.3²) noise to every parameter, in place (from torch's global generator).</summary>
    public static void Perturb(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var parameter in model.parameters())
        {
            parameter.add_(randn_like(parameter) * 0.3);
        }
    }
}
