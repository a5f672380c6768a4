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
/// compute with the settings they copied, so the forward pass must refuse to run rather than mix the two, naming every
/// setting that changed (it named the first only, so fixing it led to the next error).
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
        thrown.Changes.Should().Equal(new HostSettingChange("dilation", "1x1", "2x2"), new HostSettingChange("padding", "1x1", "2x2"));
        thrown.Message.Should().Contain("'conv'").And.Contain("Unwrap").And.Contain("dilation 2x2 (was 1x1), padding 2x2 (was 1x1)");
    }

    [Test]
    public void Forward_EverySettingChanged_ThrowsOnceListingEachWithBothValues()
    {
        var conv = nn.Conv2d(2, 4, 3, padding: 1);
        var model = nn.Sequential(("conv", conv));
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 2, 6, 6);

        conv.stride = new long[] { 2, 1 };
        conv.dilation = new long[] { 1, 2 };
        conv.SetPadding(new long[] { 0, 2 });
        conv.groups = 2;
        conv.padding_mode = PaddingModes.Reflect;
        var act = () => model.call(input).Dispose();

        var thrown = act.Should().Throw<HostSettingsChangedException>().Which;
        thrown.Changes.Should().Equal(
            new HostSettingChange("stride", "1x1", "2x1"),
            new HostSettingChange("dilation", "1x1", "1x2"),
            new HostSettingChange("padding", "1x1", "0x2"),
            new HostSettingChange("groups", "1", "2"),
            new HostSettingChange("padding_mode", "Zeros", "Reflect"));
        thrown.Message.Should().StartWith("Layer 'conv' (Conv2d) has changed since its dendrites were added: stride 2x1 (was 1x1), dilation 1x2 (was 1x1), padding 0x2 (was 1x1), groups 2 (was 1), padding_mode Reflect (was Zeros).")
            .And.Contain("Set each back (stride 1x1, dilation 1x1, padding 1x1, groups 1, padding_mode Zeros)");
    }

    [Test]
    public void Forward_DilationChangedUnderSamePadding_ListsTheDilationAlone()
    {
        // "same" follows the dilation, so the padding's value changes with it; the padding setting itself did not.
        var model = new ConcreteConvModel(nn.Conv2d(2, 3, 3, padding: Padding.Same));
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 2, 6, 6);

        model.Conv.dilation = new long[] { 2, 2 };
        var act = () => model.call(input).Dispose();

        act.Should().Throw<HostSettingsChangedException>().Which.Changes.Should().Equal(new HostSettingChange("dilation", "1x1", "2x2"));
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
        thrown.Changes.Should().Equal(new HostSettingChange("stride", "1x1", "2x2"));
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
