using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// A convolution host whose stride, padding, dilation, groups or padding mode is changed after wrapping: its dendrites
/// compute with the settings they copied, so the forward pass must refuse to run rather than mix the two.
/// </summary>
[TestFixture]
public sealed class HostSettingsChangeTests
{
    [SetUp]
    public void Seed() => manual_seed(11);

    [Test]
    public void Forward_HookedConvDilationChangedKeepingTheShape_ThrowsNamingLayerSettingAndValues()
    {
        var model = new ConcreteConvModel(nn.Conv2d(2, 3, 3, padding: 1));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.Layers.Single().Mode.Should().Be(AttachMode.Hooked);
        using var input = randn(2, 2, 6, 6);

        // Dilation 2 with padding 2 gives the same output shape, so nothing else would notice: the output would be wrong.
        model.Conv.dilation = new long[] { 2, 2 };
        model.Conv.SetPadding(new long[] { 2, 2 });
        var act = () => model.call(input).Dispose();

        var thrown = act.Should().Throw<HostSettingsChangedException>().Which;
        thrown.LayerName.Should().Be("conv");
        thrown.Setting.Should().Be("dilation");
        thrown.WrappedValue.Should().Be("1x1");
        thrown.CurrentValue.Should().Be("2x2");
        thrown.Message.Should().Contain("'conv'").And.Contain("Unwrap");
    }

    [Test]
    public void Forward_ReplacedConvStrideChanged_ThrowsInsteadOfIgnoringIt()
    {
        var conv = nn.Conv2d(2, 3, 3, padding: 1);
        var model = nn.Sequential(("conv", conv), ("act", nn.ReLU()));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.Layers.Single().Mode.Should().Be(AttachMode.Replaced);
        using var input = randn(2, 2, 6, 6);

        conv.stride = new long[] { 2, 2 };
        var act = () => model.call(input).Dispose();

        var thrown = act.Should().Throw<HostSettingsChangedException>().Which;
        thrown.LayerName.Should().Be("conv");
        thrown.Setting.Should().Be("stride");
        thrown.WrappedValue.Should().Be("1x1");
        thrown.CurrentValue.Should().Be("2x2");
    }

    [Test]
    public void Forward_SettingsSetAgainToTheirWrappedValues_RunsAsBefore()
    {
        var model = new ConcreteConvModel(nn.Conv2d(2, 3, 3, padding: Padding.Same, padding_mode: PaddingModes.Reflect));
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 2, 6, 6);
        using var before = model.call(input);

        model.Conv.stride = new long[] { 1, 1 };
        model.Conv.dilation = new long[] { 1, 1 };
        model.Conv.SetPadding(new long[] { 1, 1 });
        using var after = model.call(input);

        TensorAssert.Identical(after, before);
    }

    /// <summary>A convolution in a field typed as Conv2d, called through call(): the wrapper hooks it.</summary>
    private sealed class ConcreteConvModel : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv;

        public ConcreteConvModel(Conv2d conv)
            : base(nameof(ConcreteConvModel))
        {
            this.conv = conv;
            RegisterComponents();
        }

        public Conv2d Conv => conv;

        public override Tensor forward(Tensor input) => conv.call(input);
    }
}
