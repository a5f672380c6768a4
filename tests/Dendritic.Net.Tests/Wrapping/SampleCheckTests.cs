using System;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>The sample check's wording when the model's forward throws: the cause, and the module it threw in.</summary>
[TestFixture]
public sealed class SampleCheckTests
{
    [Test]
    public void Wrap_ForwardThrowsArgumentOutOfRange_WrapErrorSaysTheForwardThrewAndKeepsTheCause()
    {
        var model = new ThrowingModel(() => new ArgumentOutOfRangeException("index", "index 7 is past the end"));
        using var sample = randn(2, 4);

        var act = () => Dendrites.Wrap(model, sampleInput: sample);

        var thrown = act.Should().Throw<DendriteWrapException>().Which;
        thrown.Message.Should().Contain("the model's forward pass threw ArgumentOutOfRangeException on the sample input (2x4")
            .And.Contain("index 7 is past the end").And.Contain("If the sample's shape").And.Contain("the exception is inside")
            .And.Contain("left unwrapped");
        thrown.InnerException.Should().BeOfType<ArgumentOutOfRangeException>();
        model.modules().OfType<DendriteLayer>().Should().BeEmpty();
    }

    [Test]
    public void Wrap_ForwardThrowsArgumentNull_PassesItThroughUnchangedAndLeavesTheModelUnwrapped()
    {
        var model = new ThrowingModel(() => new ArgumentNullException("weights"));
        using var sample = randn(2, 4);

        var act = () => Dendrites.Wrap(model, sampleInput: sample);

        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("weights");
        model.modules().OfType<DendriteLayer>().Should().BeEmpty();
    }

    [Test]
    public void Wrap_SampleTooWideForTheSecondLayer_WrapErrorNamesThatLayerAndItsHost()
    {
        var model = nn.Sequential(("fc1", nn.Linear(4, 3)), ("relu", nn.ReLU()), ("fc2", nn.Linear(5, 2)));
        using var sample = randn(2, 4);

        var act = () => Dendrites.Wrap(model, sampleInput: sample);

        act.Should().Throw<DendriteWrapException>().Which.Message.Should().Contain("a libtorch error in module 'fc2' (DendriteLayer on Linear)");
    }

    [Test]
    public void Wrap_NestedConvolutionRefusesTheSampleRank_WrapErrorNamesTheNestedModule()
    {
        var model = new NestedModel();
        using var sample = randn(2, 4);

        var act = () => Dendrites.Wrap(model, sampleInput: sample);

        act.Should().Throw<DendriteWrapException>().Which.Message.Should().Contain("in module 'block.conv' (DendriteLayer on Conv2d)");
    }

    [Test]
    public void Wrap_ChildErrorCaughtByItsParentThenModelThrows_WrapErrorNamesNoModule()
    {
        var model = new RecoveringModel();
        using var sample = randn(2, 4);

        var act = () => Dendrites.Wrap(model, sampleInput: sample);

        act.Should().Throw<DendriteWrapException>().Which.Message.Should()
            .Contain("the model's forward pass threw ArgumentException on the sample input").And.NotContain("in module");
    }

    private sealed class NestedModel : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential block;

        public NestedModel()
            : base(nameof(NestedModel))
        {
            block = nn.Sequential(("conv", nn.Conv2d(1, 2, 3)), ("relu", nn.ReLU()));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => block.call(input);
    }

    /// <summary>Its forward tries a too-narrow layer first, falls back to the right one, then refuses the input itself.</summary>
    private sealed class RecoveringModel : nn.Module<Tensor, Tensor>
    {
        private readonly Linear narrow;
        private readonly Linear wide;

        public RecoveringModel()
            : base(nameof(RecoveringModel))
        {
            narrow = nn.Linear(3, 2);
            wide = nn.Linear(4, 2);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            try
            {
                return narrow.call(input);
            }
            catch (System.Runtime.InteropServices.ExternalException)
            {
                using var output = wide.call(input);
                throw new ArgumentException("the model refuses this input after all");
            }
        }
    }

    private sealed class ThrowingModel : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1;
        private readonly Func<Exception> _error;

        public ThrowingModel(Func<Exception> error)
            : base(nameof(ThrowingModel))
        {
            fc1 = nn.Linear(4, 3);
            _error = error;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var hidden = fc1.call(input);
            throw _error();
        }
    }
}
