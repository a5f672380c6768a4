using System.Linq;
using System.Threading.Tasks;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Internals;

/// <summary>
/// What Dendritic.Net.Cuda's <c>CudaGraphStep</c> relies on to refuse a stale graph: the dendrite layers that ran while
/// a thread recorded, and every change since that would make a replay compute the old model.
/// </summary>
[TestFixture]
public sealed class StructureWatchTests : StructureWatchFixture
{
    [Test]
    public void FirstChange_NothingChanged_IsNullAndTheLayerIsRecordedOnce()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);

        var snapshot = Record(() =>
        {
            layer.call(input).Dispose();
            layer.call(input).Dispose();
        });

        snapshot.Layers.Should().Be(1);
        snapshot.FirstChange().Should().BeNull();
    }

    [Test]
    public void FirstChange_SetAddedAfterRecording_NamesTheLayerAndBothCounts()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.AddDendrites();

        snapshot.FirstChange().Should().Contain("Linear(4→3)").And.Contain("had 1 dendrite set(s)").And.Contain("has 2 now");
    }

    [Test]
    public void FirstChange_FirstSetAddedToALayerRecordedWithNone_NamesTheGrowth()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3));
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.AddDendrites();

        snapshot.FirstChange().Should().Contain("had 0 dendrite set(s)").And.Contain("has 1 now");
    }

    [Test]
    public void FirstChange_SetRemovedAndAnotherAdded_NamesOtherSets()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Branch.RemoveLast(1);
        layer.AddDendrites();

        snapshot.FirstChange().Should().Contain("other dendrite sets or dendrite parameters");
    }

    [Test]
    public void FirstChange_DendritesSwitchedOff_SaysSwitchedOff()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Enabled = false;

        snapshot.FirstChange().Should().Contain("switched off");
        layer.Enabled = true;
        snapshot.FirstChange().Should().BeNull();
    }

    [Test]
    public void FirstChange_LayerMovedToAnotherDtype_SaysParametersReplaced()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.to(ScalarType.Float64);

        snapshot.FirstChange().Should().Contain("other parameters").And.Contain(".to()");
    }

    [Test]
    public void FirstChange_WeightsOverwrittenInPlace_IsNull()
    {
        // Loading a checkpoint or restoring the best weights copies into the same tensors: the graph reads them as they are.
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        using (no_grad())
        {
            layer.Weight.fill_(0.5);
            layer.Branch.Sets[0].OutputScale.fill_(2.0);
        }

        snapshot.FirstChange().Should().BeNull();
    }

    [Test]
    public void FirstChange_HookedLayersGrownThroughTheHandle_NamesTheFirstByPath()
    {
        var model = new ConcreteFieldModel();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);
        using var input = randn(2, 4);
        var snapshot = Record(() => model.call(input).Dispose());

        handle.AddDendrites();

        snapshot.Layers.Should().Be(2);
        snapshot.FirstChange().Should().StartWith("layer 'fc1' had 1 dendrite set(s)");
    }

    [Test]
    public void FirstChange_ReplacedLayerSwitchedOffThroughTheHandle_NamesItsPath()
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 3)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 4);
        var snapshot = Record(() => model.call(input).Dispose());

        handle.Layers.Single().Enabled = false;

        snapshot.FirstChange().Should().Contain("'fc'").And.Contain("switched off");
    }

    [Test]
    public void FirstChange_LayerDisposed_SaysDisposed()
    {
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Dispose();

        snapshot.FirstChange().Should().Contain("was disposed");
    }

    [Test]
    public void FirstChange_DendritesAloneMovedToAnotherDtype_SaysOtherDendriteParameters()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Branch.to(ScalarType.Float64);

        snapshot.FirstChange().Should().Contain("other dendrite sets or dendrite parameters");
    }

    [Test]
    public void FirstChange_SetAddedWhileSwitchedOff_IsNull()
    {
        // Neither the graph nor the model as it is computes dendrites here: the new set changes nothing either runs.
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1) { Enabled = false };
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.AddDendrites();

        snapshot.FirstChange().Should().BeNull();
    }

    [Test]
    public void FirstChange_HookedModelUnwrapped_SaysUnwrapped()
    {
        var model = new ConcreteFieldModel();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 4);
        var snapshot = Record(() => model.call(input).Dispose());

        handle.Unwrap();

        snapshot.FirstChange().Should().Be("layer 'fc1' was unwrapped after the step was captured");
    }

    [Test]
    public void FirstChange_ReplacedLayerUnwrapped_SaysUnwrappedAndTheLayerIsRecordedOnce()
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 3)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 4);
        var snapshot = Record(() => model.call(input).Dispose());

        handle.Unwrap();

        snapshot.Layers.Should().Be(1);
        snapshot.FirstChange().Should().Be("layer 'fc' was unwrapped after the step was captured");
    }

    [Test]
    public void FirstChange_MonitorStartedAfterRecording_SaysNowWatched()
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 3)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 4);
        var snapshot = Record(() => model.call(input).Dispose());

        using var monitor = handle.MonitorActivations();

        snapshot.FirstChange().Should().Contain("now watched by an activation monitor");
    }

    [Test]
    public void FirstWatched_MonitorOnWhileRecording_NamesTheLayer()
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 3)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 4);
        using var monitor = handle.MonitorActivations();

        var snapshot = Record(() => model.call(input).Dispose());

        snapshot.FirstWatched().Should().Be("fc");
    }

    [Test]
    public void End_RecordingNestedInAnother_ResumesTheOuterOne()
    {
        using var first = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var second = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var third = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);

        var outer = StructureWatch.Begin();
        first.call(input).Dispose();
        var inner = Record(() => second.call(input).Dispose());
        third.call(input).Dispose();
        var snapshot = StructureWatch.End(outer);

        inner.Layers.Should().Be(1);
        snapshot.Layers.Should().Be(2);
        second.AddDendrites();
        snapshot.FirstChange().Should().BeNull();
    }

    [Test]
    public void Record_ForwardOnAnotherThread_IsNotRecorded()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);

        var snapshot = Record(() => Task.Run(() => layer.call(input).Dispose()).Wait());

        snapshot.Layers.Should().Be(0);
    }

    [Test]
    public void Record_NotRecording_RecordsNothing()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);

        layer.call(input).Dispose();

        StructureWatch.End(null).Layers.Should().Be(0);
    }
}
