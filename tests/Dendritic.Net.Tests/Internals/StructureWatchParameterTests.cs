using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Internals;

/// <summary>
/// The parameters a stale-graph check compares (<see cref="StructureWatch"/>): the host's own parameter objects, and
/// which parameters require gradients. A replay computes the gradients the captured step computed, with the tensors it
/// captured, so a frozen set or a replaced host bias would silently train (or read) the wrong thing.
/// </summary>
[TestFixture]
public sealed class StructureWatchParameterTests : StructureWatchFixture
{
    [Test]
    public void FirstChange_SetFrozenAfterRecording_SaysFrozenOrUnfrozen()
    {
        // A replay would go on computing the frozen set's gradients, which an optimizer then applies.
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Branch.Sets[0].Frozen = true;

        snapshot.FirstChange().Should().Contain("Linear(4→3)").And.Contain("frozen or unfrozen").And.Contain("requires_grad");
    }

    [Test]
    public void FirstChange_HostsUnfrozenThroughTheHandle_SaysTheHostTrainsNow()
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 3)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.SetBaseTrainable(false);
        using var input = randn(2, 4);
        var snapshot = Record(() => model.call(input).Dispose());

        handle.SetBaseTrainable(true);

        snapshot.FirstChange().Should().Be("layer 'fc' has its host's weight training now, not as when the step was captured (requires_grad changed: the captured backward computes the gradients it computed then)");
    }

    [Test]
    public void FirstChange_HostBiasAloneFrozen_NamesTheBias()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Bias!.requires_grad = false;

        snapshot.FirstChange().Should().Contain("has its host's bias frozen now");
    }

    [Test]
    public void FirstChange_ModuleHostsSecondParameterFrozen_NamesIt()
    {
        // A module host has no single weight and bias: every one of its parameters is watched.
        var model = nn.Sequential(("fc", nn.Linear(6, 8)), ("norm", nn.LayerNorm(8)));
        using var input = randn(5, 6);
        Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.OfType<TorchSharp.Modules.LayerNorm>(), InitialDendrites = 1 }, sampleInput: input);
        var snapshot = Record(() => model.call(input).Dispose());

        ((TorchSharp.Modules.LayerNorm)model[1]).bias!.requires_grad = false;

        snapshot.Layers.Should().Be(1);
        snapshot.FirstChange().Should().Contain("'norm' has its host's bias frozen now");
    }

    [Test]
    public void FirstChange_SetFrozenAfterAnInferenceRecording_IsNull()
    {
        // An inference graph computes no gradients: which parameters require them does not change what it replays.
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() =>
        {
            using var noGrad = no_grad();
            layer.call(input).Dispose();
        });

        layer.Branch.Sets[0].Frozen = true;
        layer.Weight.requires_grad = false;

        snapshot.FirstChange().Should().BeNull();
    }

    [Test]
    public void FirstChange_LayerRunWithAndWithoutGradients_FreezingIsAChange()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() =>
        {
            using (no_grad())
            {
                layer.call(input).Dispose();
            }

            layer.call(input).Dispose();
        });

        layer.Branch.Sets[0].Frozen = true;

        snapshot.Layers.Should().Be(1);
        snapshot.FirstChange().Should().Contain("frozen or unfrozen");
    }

    [Test]
    public void FirstChange_SetFrozenWhileSwitchedOff_IsNull()
    {
        // Neither the graph nor the model as it is runs the dendrites: which of their parameters train does not matter.
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1) { Enabled = false };
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Branch.Sets[0].Frozen = true;

        snapshot.FirstChange().Should().BeNull();
    }

    [Test]
    public void FirstChange_HookedHostsBiasReplaced_NamesTheLayer()
    {
        // Only the bias: the weight is the same object, so comparing the weight alone let the graph go on reading the old bias.
        var model = new ConcreteFieldModel();
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(2, 4);
        var snapshot = Record(() => model.call(input).Dispose());

        model.First.bias = new TorchSharp.Modules.Parameter(zeros(model.First.bias!.shape));

        snapshot.FirstChange().Should().StartWith("layer 'fc1' has other parameters");
    }

    [Test]
    public void FirstChange_HostBiasDisposed_SaysDisposed()
    {
        using var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);
        var snapshot = Record(() => layer.call(input).Dispose());

        layer.Bias!.Dispose();

        snapshot.FirstChange().Should().Contain("disposed");
    }
}
