using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>
/// The pilot's model: 28×28 image → flatten → Linear(784, width) → ReLU → Linear(width, classes). Both Linear layers sit
/// in <see cref="DendriteLayer"/>s with no dendrites, which compute exactly what the plain layers compute, so the
/// stand-in growth policy can add dendrites to them later.
/// </summary>
internal sealed class PilotMlp : nn.Module<Tensor, Tensor>
{
    private readonly Flatten flatten;
    private readonly DendriteLayer hidden;
    private readonly ReLU relu;
    private readonly DendriteLayer output;

    public PilotMlp(long inputs, int width, long classes)
        : base(nameof(PilotMlp))
    {
        flatten = nn.Flatten();
        hidden = new DendriteLayer(nn.Linear(inputs, width));
        relu = nn.ReLU();
        output = new DendriteLayer(nn.Linear(width, classes));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        output.call(relu.call(hidden.call(flatten.call(input))));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            flatten.Dispose();
            hidden.Dispose();
            relu.Dispose();
            output.Dispose();
        }

        base.Dispose(disposing);
    }
}
