using System;
using System.Linq;
using Dendritic.Tests.Growth;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// A <see cref="DendriteLayer"/> that a handle holds (<see cref="WrappedLayer.Layer"/>) grows and unwraps only through
/// the handle: its own AddDendrites and DetachHost would change one layer behind the handle's back (an API review
/// found that <c>handle.Layers[0].Layer!.AddDendrites(2)</c> left the layers at 2 and 0 sets, the handle reporting 2 and
/// RemoveLastDendrites(1) then refusing). And <see cref="Dendrites.TryGetHandle"/> finds a handle again.
/// </summary>
[TestFixture]
public sealed class HandleOwnedLayerTests
{
    [SetUp]
    public void Seed() => manual_seed(5);

    [Test]
    public void AddDendrites_LayerOfAWrappedModel_ThrowsNamingTheLayerAndTheHandleAndAddsNothing()
    {
        var handle = Dendrites.Wrap(Mlp(), new WrapOptions { InitialDendrites = 0 });
        var layer = handle.Layers[1].Layer!;

        var act = () => layer.AddDendrites(2);

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Layer 'fc2' belongs to a DendriticModel handle*AddDendrites(2) on the layer is refused*handle.AddDendrites(2)*Dendrites.TryGetHandle*Nothing was changed.");
        handle.Layers.Select(l => l.DendriteCount).Should().Equal(0, 0);
        handle.DendriteCount.Should().Be(0);
    }

    [Test]
    public void AddDendrites_ThroughTheHandle_GrowsEveryLayerAlike()
    {
        var handle = Dendrites.Wrap(Mlp(), new WrapOptions { InitialDendrites = 0 });

        handle.AddDendrites(2);
        handle.RemoveLastDendrites(1);

        handle.Layers.Select(l => l.Layer!.DendriteCount).Should().Equal(1, 1);
    }

    [Test]
    public void DetachHost_LayerOfAnAdoptedModel_ThrowsNamingUnwrapAndLeavesTheModel()
    {
        var model = nn.Sequential(("fc1", new DendriteLayer(nn.Linear(4, 6), dendrites: 1)), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(6, 2), dendrites: 1)));
        var handle = Dendrites.Adopt(model);

        var act = () => handle.Layers[0].Layer!.DetachHost();

        act.Should().Throw<InvalidOperationException>().WithMessage("Layer 'fc1' belongs to a DendriticModel handle*DetachHost()*handle.Unwrap()*");
        model.named_children().Select(c => c.module.GetType()).Should().Equal(typeof(DendriteLayer), typeof(Tanh), typeof(DendriteLayer));
        handle.Unwrap();
        model.named_children().Select(c => c.module.GetType()).Should().Equal(new[] { typeof(Linear), typeof(Tanh), typeof(Linear) }, "the handle's own Unwrap still detaches the hosts");
    }

    [Test]
    public void AddDendrites_AdoptedLayerThatIsTheModel_ThrowsSayingSo()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 1);
        Dendrites.Adopt(layer);

        var act = () => layer.AddDendrites();

        act.Should().Throw<InvalidOperationException>().WithMessage("This DendriteLayer (the adopted model itself) belongs to a DendriticModel handle*");
        layer.DendriteCount.Should().Be(1);
    }

    [Test]
    public void AddDendrites_AfterUnwrap_GrowsTheLayerAgain()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 1);
        Dendrites.Adopt(layer).Unwrap();

        var added = layer.AddDendrites(2);

        layer.DendriteCount.Should().Be(2, "Unwrap removed the set of a layer without a parent slot; the layer is its own again");
        added.Should().HaveCount(layer.Branch.parameters().Count()).And.OnlyContain(p => layer.Branch.parameters().Any(q => ReferenceEquals(p, q)));
    }

    [Test]
    public void AddDendrites_StandaloneLayer_ReturnsTheNewParametersAsTheHandleDoes()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 1);
        var before = layer.Branch.Sets[0].parameters().ToList();

        var added = layer.AddDendrites();

        added.Should().Equal(layer.Branch.Sets[1].parameters(), (a, b) => ReferenceEquals(a, b));
        before.Should().NotContain(p => added.Any(a => ReferenceEquals(a, p)));
    }

    [Test]
    public void Adopt_LayerOfAnotherModelsHandle_ThrowsNamingBoth()
    {
        var model = Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        var other = nn.Sequential(("reused", handle.Layers[0].Layer!));

        var act = () => Dendrites.Adopt(other);

        act.Should().Throw<DendriteWrapException>().WithMessage("Layer 'reused' already belongs to the handle of another model (where it is 'fc1')*TryGetHandle*");
        Dendrites.TryGetHandle(other, out _).Should().BeFalse();
    }

    [Test]
    public void TryGetHandle_WrappedModel_ReturnsTheSameHandle()
    {
        var model = Mlp();
        var handle = Dendrites.Wrap(model);

        Dendrites.TryGetHandle(model, out var found).Should().BeTrue();

        found.Should().BeSameAs(handle);
    }

    [Test]
    public void TryGetHandle_NeverWrappedOrUnwrapped_ReturnsFalse()
    {
        var model = Mlp();
        Dendrites.TryGetHandle(model, out var never).Should().BeFalse();
        never.Should().BeNull();

        Dendrites.Wrap(model).Unwrap();

        Dendrites.TryGetHandle(model, out var after).Should().BeFalse();
        after.Should().BeNull();
    }

    [Test]
    public void TryGetHandle_NullModel_ThrowsArgumentNullException()
    {
        var act = () => Dendrites.TryGetHandle(null!, out _);

        act.Should().Throw<ArgumentNullException>().WithParameterName("model");
    }

    [Test]
    public void Wrap_AlreadyWrapped_ThrowsNamingTryGetHandle()
    {
        var model = Mlp();
        Dendrites.Wrap(model);

        var wrap = () => Dendrites.Wrap(model);
        var adopt = () => Dendrites.Adopt(model);

        wrap.Should().Throw<DendriteWrapException>().WithMessage("*Dendrites.TryGetHandle(model, out var handle) finds it again*");
        adopt.Should().Throw<DendriteWrapException>().WithMessage("*Dendrites.TryGetHandle(model, out var handle) finds it again*");
    }

    [Test]
    public void Step_AfterRefusedLayerGrowth_GrowsEveryLayerToTheSameCount()
    {
        var handle = Dendrites.Wrap(Mlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 0 });
        var grow = () => handle.Layers[0].Layer!.AddDendrites(2);
        grow.Should().Throw<InvalidOperationException>();

        scheduler.Step(1);
        scheduler.Step(1).Action.Should().Be(GrowthAction.DendritesAdded);

        handle.Layers.Select(l => l.DendriteCount).Should().Equal(1, 1);
    }

    private static Sequential Mlp() => nn.Sequential(("fc1", nn.Linear(4, 6)), ("act", nn.Tanh()), ("fc2", nn.Linear(6, 2)));
}
