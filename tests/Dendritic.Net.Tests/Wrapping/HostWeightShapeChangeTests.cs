using System;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// A wrapped host given a weight of another shape (<c>layer.weight = new Parameter(...)</c>): its dendrites keep the
/// shape they copied, so the forward pass must refuse to run. A hooked host computed with the new weight and failed in
/// libtorch's in-place sum with the dendrites, or broadcast into it; a replaced host's layer failed on its own weight,
/// which TorchSharp's setter had disposed ("Tensor invalid -- empty handle").
/// </summary>
[TestFixture]
public sealed class HostWeightShapeChangeTests
{
    [SetUp]
    public void Seed() => manual_seed(11);

    [Test]
    public void Forward_HookedLinearGivenAWeightWithMoreNeurons_ThrowsNamingTheWeightShape()
    {
        var model = new ConcreteLinearModel(nn.Linear(4, 1));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.Layers.Single().Mode.Should().Be(AttachMode.Hooked);
        using var input = randn(2, 4);

        model.Linear.weight = new Parameter(randn(3, 4));
        model.Linear.bias = new Parameter(randn(3));
        var act = () => model.call(input).Dispose();

        var thrown = act.Should().Throw<HostSettingsChangedException>().Which;
        thrown.LayerName.Should().Be("linear");
        thrown.Changes.Should().Equal(new HostSettingChange("weight shape", "1x4", "3x4"));
        thrown.Message.Should().StartWith("Layer 'linear' (Linear) has changed since its dendrites were added: weight shape 3x4 (was 1x4).").And.Contain("Unwrap");
    }

    [Test]
    public void Forward_ReplacedConvHostGivenAWeightOfAnotherKernel_ThrowsNamingTheWeightShape()
    {
        var conv = nn.Conv2d(2, 3, 3, padding: 1);
        var model = nn.Sequential(("conv", conv));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.Layers.Single().Mode.Should().Be(AttachMode.Replaced);
        using var input = randn(2, 2, 6, 6);

        conv.weight = new Parameter(randn(3, 2, 5, 5));
        conv.stride = new long[] { 2, 2 };
        var act = () => model.call(input).Dispose();

        act.Should().Throw<HostSettingsChangedException>().Which.Changes.Should().Equal(
            new HostSettingChange("stride", "1x1", "2x2"),
            new HostSettingChange("weight shape", "3x2x3x3", "3x2x5x5"));
    }

    [Test]
    public void Forward_HookedLinearGivenAWeightOfTheSameShape_RunsWithIt()
    {
        var model = new ConcreteLinearModel(nn.Linear(4, 3));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 4);
        using var weight = randn(3, 4);

        model.Linear.weight = new Parameter(weight.clone());
        using var output = model.call(input);

        using (handle.Disable())
        {
            using var plain = model.call(input);
            using var expected = nn.functional.linear(input, weight, model.Linear.bias);
            TensorAssert.Identical(plain, expected, "a weight of the shape the dendrites copied is the host's to change");
        }
    }

    [Test]
    public void Forward_AfterTheModelMovesToAnotherDtype_RunsAsBefore()
    {
        // A replaced host's fields keep the parameters of wrap time, which the move disposes (the layer holds the
        // moved ones): a disposed weight is not a changed one.
        var hooked = new ConcreteLinearModel(nn.Linear(4, 3));
        var replaced = nn.Sequential(("conv", nn.Conv2d(2, 3, 3, padding: 1)));
        Dendrites.Wrap(hooked, new WrapOptions { InitialDendrites = 1 });
        Dendrites.Wrap(replaced, new WrapOptions { InitialDendrites = 1 });

        hooked.to(ScalarType.Float64);
        replaced.to(ScalarType.Float64);
        using var linearInput = randn(2, 4, dtype: ScalarType.Float64);
        using var convInput = randn(2, 2, 6, 6, dtype: ScalarType.Float64);

        using var linearOutput = hooked.call(linearInput);
        using var convOutput = replaced.call(convInput);
        linearOutput.dtype.Should().Be(ScalarType.Float64);
        convOutput.dtype.Should().Be(ScalarType.Float64);
    }

    [Test]
    public void ThrowIfChanged_UnchangedHosts_AllocatesNothing()
    {
        // It runs on every forward pass: the shape is read a dimension at a time, never as a new array.
        using var linear = nn.Linear(4, 3);
        using var conv = nn.Conv3d(2, 4, 3, padding: 1, groups: 2);
        var linearSpec = HostLayerSpec.From(linear);
        var convSpec = HostLayerSpec.From(conv);
        void CheckAll()
        {
            HostSettingsCheck.ThrowIfChanged(linearSpec, linear, layerWeight: null, "linear");
            HostSettingsCheck.ThrowIfChanged(convSpec, conv, conv.weight, "conv");
        }

        CheckAll();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            CheckAll();
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    /// <summary>A Linear in a field typed as Linear, called through call(): the wrapper hooks it.</summary>
    private sealed class ConcreteLinearModel : nn.Module<Tensor, Tensor>
    {
        private readonly Linear linear;

        public ConcreteLinearModel(Linear linear)
            : base(nameof(ConcreteLinearModel))
        {
            this.linear = linear;
            RegisterComponents();
        }

        public Linear Linear => linear;

        public override Tensor forward(Tensor input) => linear.call(input);
    }
}
