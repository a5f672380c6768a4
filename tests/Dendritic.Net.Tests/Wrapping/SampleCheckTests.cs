using System;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>The sample check's wording when the model's own forward throws a .NET argument exception.</summary>
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
