using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>The training loss of one mini-batch, a scalar tensor to minimise.</summary>
/// <param name="outputs">The model's outputs for the batch.</param>
/// <param name="targets">The batch's targets.</param>
/// <returns>A scalar loss tensor.</returns>
public delegate Tensor LossFunction(Tensor outputs, Tensor targets);
