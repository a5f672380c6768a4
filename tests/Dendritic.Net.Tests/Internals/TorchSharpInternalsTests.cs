using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Internals;

/// <summary>
/// Fails, naming the field, when a TorchSharp update moves the private layout the wrapper depends on
/// (<see cref="TorchSharpInternals"/>), and checks each dependency does what the wrapper needs.
/// </summary>
[TestFixture]
public sealed class TorchSharpInternalsTests
{
    [Test]
    public void CheckLayout_ThisTorchSharp_FindsEveryPrivateMember()
    {
        TorchSharpInternals.CheckLayout().Should().BeEmpty(
            "these TorchSharp private members moved; update TorchSharpInternals for TorchSharp {0}", typeof(nn.Module).Assembly.GetName().Version);
    }

    [Test]
    public void Submodules_ModelWithFields_IsTheRegistryOfItsChildren()
    {
        var model = new ConcreteFieldModel();

        var registry = TorchSharpInternals.Submodules(model);

        registry.Count.Should().Be(2);
        model.named_children().Should().OnlyContain(c => registry.ContainsKey(c.Item1) && ReferenceEquals(registry[c.Item1], c.Item2));
    }

    [Test]
    public void RemoveSubmodule_RegisteredName_DisappearsFromStateDict()
    {
        var model = new ConcreteFieldModel();

        TorchSharpInternals.RemoveSubmodule(model, "fc2");

        model.state_dict().Keys.Should().Equal("fc1.weight", "fc1.bias");
    }

    [Test]
    public void SetSequentialItem_Replacement_RunsInForward()
    {
        var model = nn.Sequential(("fc", nn.Linear(3, 2)));
        var replacement = nn.Identity();

        TorchSharpInternals.SetSequentialItem(model, 0, replacement);

        using var input = randn(4, 3);
        using var output = model.call(input);
        TensorAssert.Identical(output, input);
        TorchSharpInternals.SequentialNames(model).Should().Equal("fc");
    }

    [Test]
    public void SetHostParameter_NewWeight_FieldAndRegistryBothUpdated()
    {
        var linear = nn.Linear(3, 2);
        var conv = nn.Conv2d(1, 2, 3);
        var weight = new Parameter(ones(2, 3));
        var convBias = new Parameter(zeros(2));

        TorchSharpInternals.SetHostParameter(linear, "weight", weight);
        TorchSharpInternals.SetHostParameter(linear, "bias", null);
        TorchSharpInternals.SetHostParameter(conv, "bias", convBias);

        linear.weight.Should().BeSameAs(weight);
        linear.bias.Should().BeNull();
        linear.named_parameters().Select(p => p.name).Should().Equal("weight");
        conv.bias.Should().BeSameAs(convBias);
        conv.get_parameter("bias").Should().BeSameAs(convBias);
    }

    [Test]
    public void TryRegisterCallHooks_HookableModule_RunsAroundCallUntilRemoved()
    {
        var model = TestModels.Mlp();
        var events = new System.Collections.Generic.List<string>();

        var remove = TorchSharpInternals.TryRegisterCallHooks(model, _ => events.Add("before"), _ => events.Add("after"));
        using (var output = model.call(randn(2, 4)))
        {
        }

        remove.Should().NotBeNull();
        events.Should().Equal("before", "after");
        remove!();
        using (var output = model.call(randn(2, 4)))
        {
        }

        events.Should().HaveCount(2, "the hooks were removed");
    }

    [Test]
    public void TryRegisterCallHooks_ModuleWithoutHooks_ReturnsNull()
    {
        using var container = new DendriteHookContainer();

        TorchSharpInternals.TryRegisterCallHooks(container, _ => { }, _ => { }).Should().BeNull();
    }
}
