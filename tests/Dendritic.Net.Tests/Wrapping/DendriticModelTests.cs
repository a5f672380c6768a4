using System;
using System.Globalization;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

[TestFixture]
public sealed class DendriticModelTests
{
    [SetUp]
    public void Seed() => manual_seed(7);

    [Test]
    public void StateDict_ReplacedLayers_KeepHostKeysAndNestDendrites()
    {
        var model = TestModels.Mlp();

        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });

        model.state_dict().Keys.Should().Equal(
            "fc1.weight", "fc1.bias",
            "fc1.dendrites.0.weight", "fc1.dendrites.0.bias", "fc1.dendrites.0.u",
            "fc1.dendrites.1.weight", "fc1.dendrites.1.bias", "fc1.dendrites.1.u", "fc1.dendrites.1.v",
            "fc2.weight", "fc2.bias",
            "fc2.dendrites.0.weight", "fc2.dendrites.0.bias", "fc2.dendrites.0.u",
            "fc2.dendrites.1.weight", "fc2.dendrites.1.bias", "fc2.dendrites.1.u", "fc2.dendrites.1.v");
    }

    [Test]
    public void StateDict_HookedLayers_KeepHostKeysAndPutDendritesInContainer()
    {
        var model = new ConcreteFieldModel();
        var original = model.state_dict().Keys.ToList();

        Dendrites.Wrap(model);

        var keys = model.state_dict().Keys.ToList();
        keys.Should().StartWith(original);
        keys.Except(original).Should().BeEquivalentTo(
            "dendrites.fc1.0.weight", "dendrites.fc1.0.bias", "dendrites.fc1.0.u",
            "dendrites.fc2.0.weight", "dendrites.fc2.0.bias", "dendrites.fc2.0.u");
    }

    [Test]
    public void BaseStateDict_AnyModel_HasExactlyTheOriginalKeys()
    {
        foreach (var model in new nn.Module[] { TestModels.Mlp(), new ConcreteFieldModel(), new ContainerModel(), TestModels.Cnn() })
        {
            var original = model.state_dict().Keys.ToList();
            var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });

            handle.BaseStateDict().Keys.Should().Equal(original, model.GetType().Name);
        }
    }

    [Test]
    public void Unwrap_AfterTraining_RestoresStructureWithTrainedHostWeights()
    {
        foreach (var model in new nn.Module[] { TestModels.Mlp(), new ConcreteFieldModel(), new ContainerModel() })
        {
            var structure = model.named_modules().Select(m => (m.Item1, m.Item2.GetType())).ToList();
            var layers = model.named_modules().Select(m => m.Item2).ToList();
            var handle = Dendrites.Wrap(model);
            using (no_grad())
            {
                handle.Layers[0].HostWeight.add_(1.0);
            }

            var trained = handle.Layers[0].HostWeight.detach().clone();

            var unwrapped = handle.Unwrap();

            unwrapped.named_modules().Select(m => (m.Item1, m.Item2.GetType())).Should().Equal(structure, model.GetType().Name);
            unwrapped.named_modules().Select(m => m.Item2).Should().Equal(layers, (a, b) => ReferenceEquals(a, b), "the original layer objects are back");
            TensorAssert.Identical(unwrapped.state_dict()[handle.Layers[0].Name + ".weight"], trained);
            var typed = (nn.Module<Tensor, Tensor>)unwrapped;
            using var output = typed.call(randn(2, 4));
            output.shape[0].Should().Be(2);
        }
    }

    [Test]
    public void Unwrap_ThenWrapAgain_Works()
    {
        var model = new ConcreteFieldModel();
        Dendrites.Wrap(model).Unwrap();

        var again = Dendrites.Wrap(model, sampleInput: randn(1, 4));

        again.Layers.Should().HaveCount(2);
    }

    [Test]
    public void SetTrainable_HostAndDendrites_FlipsRequiresGrad()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp());

        handle.SetBaseTrainable(false);

        handle.TrainableParameters().Should().BeEquivalentTo(handle.DendriteParameters());
        handle.SetBaseTrainable(true);
        handle.SetDendritesTrainable(false);
        handle.TrainableParameters().Should().BeEquivalentTo(handle.BaseParameters());
        handle.Report().Layers.Should().OnlyContain(l => l.TrainableDendriteParameters == 0);
    }

    [Test]
    public void AddDendrites_ReturnsNewParametersOnly_AndKeepsOutput()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model);
        using var input = randn(3, 4);
        using (no_grad())
        {
            foreach (var parameter in handle.DendriteParameters())
            {
                parameter.normal_();
            }
        }

        using var before = model.call(input);
        var existing = handle.Parameters().Count;

        var added = handle.AddDendrites(2);

        handle.DendriteCount.Should().Be(3);
        added.Should().HaveCount(handle.Parameters().Count - existing);
        using var after = model.call(input);
        TensorAssert.Close(after, before, 1e-6);
    }

    [Test]
    public void RemoveLastDendrites_MoreThanALayerHas_ThrowsNamingThatLayerAndRemovesNothing()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        handle.Layers[0].Branch.Add(1, CPU, ScalarType.Float32);

        var act = () => handle.RemoveLastDendrites(3);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*layer 'fc2' has only 2*Remove at most 2*");
        handle.Layers.Select(l => l.DendriteCount).Should().Equal(3, 2);
    }

    [Test]
    public void RestoreWeights_AfterGrowthAndTraining_GivesSavedOutputs()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model);
        using var input = randn(3, 4);
        using var snapshot = handle.CaptureWeights();
        using var saved = model.call(input);

        handle.AddDendrites(2);
        using (no_grad())
        {
            foreach (var parameter in handle.Parameters())
            {
                parameter.add_(0.3);
            }
        }

        handle.RestoreWeights(snapshot);

        handle.DendriteCount.Should().Be(1);
        using var restored = model.call(input);
        TensorAssert.Identical(restored, saved);
    }

    [Test]
    public void Report_Mlp_CountsParametersAndFlops()
    {
        var model = TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, randn(1, 4));

        var report = handle.Report();

        report.BaseParameters.Should().Be(4 * 8 + 8 + 8 * 3 + 3);
        // fc1 sets: (32 + 8 + 8) and (32 + 8 + 8 + 8 for v); fc2: (24 + 3 + 3) and (24 + 3 + 3 + 3).
        report.Layers[0].DendriteParameters.Should().Be(48 + 56);
        report.Layers[1].DendriteParameters.Should().Be(30 + 33);
        report.Layers[0].HostFlopsPerSample.Should().Be(2 * 4 * 8 + 8);
        report.Layers[0].DendriteFlopsPerSample.Should().Be(2 * (2 * 4 * 8 + 8) + 3 * 8 + 5 * 8);
        report.ToMarkdown().Should().Contain("| fc1 |").And.Contain("**total**");
    }

    [Test]
    public void Report_LayerSwitchedOff_MarksIt()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3), new WrapOptions { InitialDendrites = 1 }, randn(1, 4));
        var on = handle.Report();

        ModelCostReport off;
        using (handle.Disable())
        {
            off = handle.Report();
        }

        off.Layers.Should().OnlyContain(l => !l.Enabled);
        on.Layers.Should().OnlyContain(l => l.Enabled);
        // What they cost, switched off and on, is tested in SwitchedOffCostTests.
        off.ToMarkdown().Should().Contain("| fc1 | Linear(4→8) | 1 (switched off) |").And.Contain("run the host alone while they are");
        on.ToMarkdown().Should().NotContain("switched off");
    }

    [Test]
    public void ToString_LayerSwitchedOff_SaysSwitchedOffAsTheReportDoes()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3), new WrapOptions { InitialDendrites = 1 }, randn(1, 4));

        handle.Layers[0].Enabled = false;

        handle.Layers[0].ToString().Should().EndWith("1 dendrite sets (switched off)").And.NotContain("disabled");
        handle.Layers[1].ToString().Should().EndWith("1 dendrite sets");
        handle.Report().ToMarkdown().Should().Contain("| fc1 | Linear(4→8) | 1 (switched off) |");
    }

    [Test]
    public void ToMarkdown_TotalRow_SumsEachParameterColumn()
    {
        var model = TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, randn(1, 4));

        var report = handle.Report();
        var total = report.ToMarkdown().Split('\n').Single(l => l.StartsWith("| **total**", StringComparison.Ordinal)).Split('|');

        // Cells: "", layer, host, sets, host params, dendrite params, ...: the totals sit under their own headers.
        total[4].Trim().Should().Be(report.BaseParameters.ToString("N0", CultureInfo.InvariantCulture));
        total[5].Trim().Should().Be(report.DendriteParameters.ToString("N0", CultureInfo.InvariantCulture));
    }

    [Test]
    public void To_Float64AfterWrap_MovesHookedDendritesAndGrowsInFloat64()
    {
        var model = new ConcreteFieldModel();
        var handle = Dendrites.Wrap(model);

        model.to(float64);
        handle.AddDendrites();

        handle.DendriteParameters().Should().OnlyContain(p => p.dtype == ScalarType.Float64);
        using var output = model.call(randn(2, 4, dtype: float64));
        output.dtype.Should().Be(ScalarType.Float64);
    }

    [Test]
    public void Unwrap_AfterMoveToFloat64_HostsRunInFloat64()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model);
        model.to(float64);

        handle.Unwrap();

        using var output = model.call(randn(2, 4, dtype: float64));
        output.dtype.Should().Be(ScalarType.Float64);
        model.named_children().Select(c => c.Item2).Should().AllSatisfy(m => m.GetType().Name.Should().NotBe("DendriteLayer"));
    }
}
