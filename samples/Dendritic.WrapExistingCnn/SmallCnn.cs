using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.WrapExistingCnn;

/// <summary>
/// An ordinary small CNN for 28×28 digits, written without dendrites in mind: its layers are fields typed as the
/// concrete TorchSharp layers and called through <c>call()</c>. Dendrites.Wrap reaches them with forward hooks.
/// </summary>
internal sealed class SmallCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc;

    public SmallCnn()
        : base(nameof(SmallCnn))
    {
        conv1 = nn.Conv2d(1, 8, 3);
        conv2 = nn.Conv2d(8, 16, 3);
        fc = nn.Linear(16 * 5 * 5, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.max_pool2d(nn.functional.relu(conv1.call(input)), 2);   // 8 × 13 × 13
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.call(x)), 2);            // 16 × 5 × 5
        return fc.call(x.flatten(1)).MoveToOuterDisposeScope();
    }
}
