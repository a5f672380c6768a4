using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// The wrapper lists a model's layers in the order the model holds them (depth first, as PyTorch's
/// <c>named_modules()</c>), not in TorchSharp's <c>named_modules()</c> order, which lists every child of a container
/// before any grandchild.
/// </summary>
public class ModelOrderTests
{
    private static nn.Module Nested() => nn.Sequential(
        ("a", nn.Linear(4, 4)),
        ("b", nn.Sequential(("c", nn.Linear(4, 4)), ("e", nn.Sequential(("f", nn.Linear(4, 4)))))),
        ("d", nn.Linear(4, 4)));

    [Test]
    public void NamedModules_NestedContainers_DepthFirstWithTheSameEntries()
    {
        using var model = Nested();

        var ordered = ModelOrder.NamedModules(model);

        ordered.Select(m => m.Name).Should().Equal("a", "b", "b.c", "b.e", "b.e.f", "d");
        var listed = model.named_modules().ToList();
        ordered.Should().HaveCount(listed.Count);
        ordered.Should().OnlyContain(m => listed.Any(l => l.name == m.Name && ReferenceEquals(l.module, m.Module)), "the same entries as named_modules(), reordered");
    }

    [Test]
    public void Wrap_NestedContainers_ListsLayersInModelOrder()
    {
        using var model = Nested();

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });

        handle.Layers.Select(l => l.Name).Should().Equal("a", "b.c", "b.e.f", "d");
    }

    [Test]
    public void Adopt_NestedDendriteLayers_ListsLayersInModelOrder()
    {
        using var model = nn.Sequential(
            ("a", new DendriteLayer(nn.Linear(4, 4), dendrites: 1)),
            ("b", nn.Sequential(("c", new DendriteLayer(nn.Linear(4, 4), dendrites: 1)))),
            ("d", new DendriteLayer(nn.Linear(4, 4), dendrites: 1)));

        var handle = Dendrites.Adopt(model);

        handle.Layers.Select(l => l.Name).Should().Equal("a", "b.c", "d");
    }

    [Test]
    public void Wrap_SequentialItemNamedWithADot_ListsLayersInModelOrder()
    {
        // Sequential accepts item names with a dot (register_module refuses them): names are joined, never split.
        using var model = nn.Sequential(("x", nn.Linear(4, 4)), ("blk.1", nn.Sequential(("fc", nn.Linear(4, 4)))));

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });

        handle.Layers.Select(l => l.Name).Should().Equal("x", "blk.1.fc");
    }

    [Test]
    public void Wrap_DottedItemNameSharingASiblingsPrefix_ListsLayersInModelOrder()
    {
        using var model = nn.Sequential(
            ("a", nn.Sequential(("c", nn.Linear(4, 4)))),
            ("z", nn.Linear(4, 4)),
            ("a.b", nn.Sequential(("d", nn.Linear(4, 4)))));

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });

        handle.Layers.Select(l => l.Name).Should().Equal("a.c", "z", "a.b.d");
    }

    [Test]
    public void Wrap_LayerNamedWithADot_IsReplacedInItsPlace()
    {
        // The path "x.a.b" is "x" holding "a.b", not "x.a" holding "b".
        using var model = nn.Sequential(("x", nn.Sequential(("a.b", nn.Linear(4, 3)))), ("y", nn.ReLU()));
        using var input = randn(2, 4);

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var output = model.call(input);

        handle.Layers.Select(l => (l.Name, l.Mode)).Should().Equal(("x.a.b", AttachMode.Replaced));
        ((nn.Module)model[0]).named_children().Single().module.Should().BeOfType<DendriteLayer>();
        output.shape.Should().Equal(2, 3);
    }

    [Test]
    public void NamedModules_ModuleRegisteredTwice_KeepsBothEntries()
    {
        var shared = nn.Linear(4, 4);
        using var model = nn.Sequential(("p", nn.Sequential(("s", shared))), ("q", shared));

        ModelOrder.NamedModules(model).Select(m => m.Name).Should().Equal("p", "p.s", "q");
    }

    [Test]
    public void NamedModules_FlatModel_KeepsTorchSharpsOrder()
    {
        using var model = nn.Sequential(("x", nn.Linear(4, 4)), ("y", nn.ReLU()), ("z", nn.Linear(4, 2)));

        ModelOrder.NamedModules(model).Select(m => m.Name).Should().Equal(model.named_modules().Select(m => m.name));
    }
}
