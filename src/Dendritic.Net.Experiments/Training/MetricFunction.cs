using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>A score over a whole split, higher is better (for example accuracy in [0, 1]).</summary>
/// <param name="outputs">The model's outputs for every sample of the split, in order.</param>
/// <param name="targets">The split's targets.</param>
/// <returns>The score.</returns>
public delegate double MetricFunction(Tensor outputs, Tensor targets);
