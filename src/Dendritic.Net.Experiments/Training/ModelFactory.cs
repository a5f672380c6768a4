using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Builds a fresh, untrained model of the given width (hidden units, channels, or any size knob whose growth grows the
/// parameter count monotonically). The harness seeds the random generator before each call, so the factory must
/// create its weights from it (TorchSharp's default initialisers do).
/// </summary>
/// <param name="width">The size knob; at least 1.</param>
/// <returns>A model mapping a batch of inputs to a batch of outputs (logits for classification).</returns>
public delegate nn.Module<Tensor, Tensor> ModelFactory(int width);
