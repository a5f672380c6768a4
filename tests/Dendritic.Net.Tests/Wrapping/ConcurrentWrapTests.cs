using System;
using System.Threading;
using System.Threading.Tasks;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// One model wrapped from two threads at once. The overlap is forced, not hoped for: the first wrap waits inside its
/// layer selector (user code that Wrap runs before it changes the model) until the second call has returned.
/// </summary>
[TestFixture]
public sealed class ConcurrentWrapTests
{
    // Only a broken test waits this long: every wait below is released by the other side's next step.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Test]
    public void Wrap_SameModelWhileAnotherThreadWrapsIt_ThrowsDendriteWrapExceptionAndTheFirstWrapSucceeds()
    {
        var model = TestModels.Mlp();
        using var firstInside = new ManualResetEventSlim();
        using var secondDone = new ManualResetEventSlim();
        var selector = LayerSelector.Where(
            (_, m) =>
            {
                firstInside.Set();
                secondDone.Wait(Deadline).Should().BeTrue("the second wrap returns while the first one waits");
                return HostLayerSpec.IsSupported(m);
            },
            "supported layers, after the second wrap");

        var first = Task.Run(() => Dendrites.Wrap(model, new WrapOptions { Targets = selector }));
        firstInside.Wait(Deadline).Should().BeTrue("the first wrap reaches its selector");
        Exception? thrown = null;
        try
        {
            Dendrites.Wrap(model);
        }
        catch (Exception e)
        {
            thrown = e;
        }
        finally
        {
            secondDone.Set();
        }

        thrown.Should().BeOfType<DendriteWrapException>().Which.Message.Should().Contain("another thread");
        first.Wait(Deadline).Should().BeTrue();
        var handle = first.Result;
        handle.Layers.Should().HaveCount(2);
        using var output = model.call(randn(2, 4));
        output.shape.Should().Equal(2, 3);
    }
}
