using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dendritic.Tests.Support;

/// <summary>Small models in each of the shapes the wrapper supports, written without dendrites in mind.</summary>
internal static class TestModels
{
    public static Sequential Mlp(long inputs = 4, long hidden = 8, long outputs = 3) =>
        Sequential(("fc1", Linear(inputs, hidden)), ("act", ReLU()), ("fc2", Linear(hidden, outputs)));

    /// <summary>Linear 3 -> 4, Tanh, Linear 4 -> 2: the growth scheduler tests' model.</summary>
    public static Sequential TanhMlp() => Sequential(("fc1", Linear(3, 4)), ("act", Tanh()), ("fc2", Linear(4, 2)));

    public static Sequential Cnn() => Sequential(
        ("conv1", Conv2d(1, 4, 3, padding: 1)),
        ("act1", ReLU()),
        ("pool", MaxPool2d(2)),
        ("conv2", Conv2d(4, 8, 3, padding: 1)),
        ("act2", ReLU()),
        ("flat", Flatten()),
        ("head", Linear(8 * 4 * 4, 5)));
}

/// <summary>Fields typed as a general module: the wrapper replaces them.</summary>
internal sealed class GeneralFieldModel : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> fc1;
    private readonly Module<Tensor, Tensor> fc2;

    public GeneralFieldModel()
        : base(nameof(GeneralFieldModel))
    {
        fc1 = Linear(4, 6);
        fc2 = Linear(6, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc2.forward(functional.relu(fc1.forward(input)));
}

/// <summary>
/// Fields typed as the concrete layer, called through call(): the wrapper hooks them. With
/// <c>bypassHooks</c> both are called with forward(x) instead, so neither hook fires.
/// </summary>
internal sealed class ConcreteFieldModel : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly bool _bypassHooks;

    public ConcreteFieldModel(bool bypassHooks = false)
        : base(nameof(ConcreteFieldModel))
    {
        fc1 = Linear(4, 6);
        fc2 = Linear(6, 2);
        _bypassHooks = bypassHooks;
        RegisterComponents();
    }

    public Linear First => fc1;

    public override Tensor forward(Tensor input) => _bypassHooks
        ? fc2.forward(functional.relu(fc1.forward(input)))
        : fc2.call(functional.relu(fc1.call(input)));
}

/// <summary>A concrete field called with forward(): neither replacement nor hooks can reach it.</summary>
internal sealed class BypassModel : Module<Tensor, Tensor>
{
    private readonly Linear fc1;

    public BypassModel()
        : base(nameof(BypassModel))
    {
        fc1 = Linear(4, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc1.forward(input);
}

/// <summary>Layers in a ModuleList of general modules, a ModuleList of Linear and a ModuleDict.</summary>
internal sealed class ContainerModel : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> general;
    private readonly ModuleList<Linear> concrete;
    private readonly ModuleDict<Module<Tensor, Tensor>> named;

    public ContainerModel()
        : base(nameof(ContainerModel))
    {
        general = ModuleList<Module<Tensor, Tensor>>(Linear(4, 4), Linear(4, 4));
        concrete = ModuleList(Linear(4, 4));
        named = ModuleDict<Module<Tensor, Tensor>>(("proj", Linear(4, 3)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in general)
        {
            x = functional.relu(layer.call(x));
        }

        foreach (var layer in concrete)
        {
            x = functional.relu(layer.call(x));
        }

        return named["proj"].call(x);
    }
}

/// <summary>A nested model: a user module holding a Sequential encoder and a Linear head.</summary>
internal sealed class NestedModel : Module<Tensor, Tensor>
{
    private readonly Sequential encoder;
    private readonly Module<Tensor, Tensor> head;

    public NestedModel()
        : base(nameof(NestedModel))
    {
        encoder = Sequential(("fc1", Linear(5, 7)), ("act", Tanh()), ("fc2", Linear(7, 7)));
        head = Linear(7, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.call(encoder.call(input));
}

/// <summary>
/// A CNN as a newcomer writes it, its layers in fields typed Conv2d and Linear (so the wrapper hooks them) on 8x8
/// single-channel images: conv1 1 -> 4 (3x3, padding 1), pool, conv2 4 -> 8 (3x3, padding 1), pool, fc1 32 -> 16, fc2 16 -> 10.
/// </summary>
internal sealed class ConcreteFieldCnn : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public ConcreteFieldCnn()
        : base(nameof(ConcreteFieldCnn))
    {
        conv1 = Conv2d(1, 4, 3, padding: 1);
        conv2 = Conv2d(4, 8, 3, padding: 1);
        fc1 = Linear(8 * 2 * 2, 16);
        fc2 = Linear(16, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.max_pool2d(functional.relu(conv1.call(input)), 2);
        x = functional.max_pool2d(functional.relu(conv2.call(x)), 2);
        x = functional.relu(fc1.call(x.flatten(1)));
        return fc2.call(x).MoveToOuterDisposeScope();
    }
}
