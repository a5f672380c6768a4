using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>
/// The pilot's model, a plain MLP written without dendrites in mind: image → flatten → Linear(inputs, width) → ReLU →
/// Linear(width, classes). The dendritic arm wraps it with <see cref="Dendrites.Wrap"/>; inside a Sequential, both
/// Linear layers are replaced by <see cref="DendriteLayer"/>s.
/// </summary>
internal static class PilotMlp
{
    public static nn.Module<Tensor, Tensor> Create(long inputs, int width, long classes) => nn.Sequential(
        ("flatten", nn.Flatten()),
        ("hidden", nn.Linear(inputs, width)),
        ("relu", nn.ReLU()),
        ("output", nn.Linear(width, classes)));
}
