using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Metrics;

/// <summary>
/// Switched-off dendrites do not run, so the cost report of a switched-off model gives them no FLOPs in its totals and
/// says apart what they would add switched on. The report used to count them in the totals "as the structure's", so a
/// switched-off model read as costing what the dendrites cost.
/// </summary>
[TestFixture]
public sealed class SwitchedOffCostTests
{
    // Mlp(4, 8, 3) with one set per layer, per sample: fc1 2 * 4 * 8 + 8 = 72 and its set 72 + 3 * 8 = 96; fc2
    // 2 * 8 * 3 + 3 = 51 and its set 51 + 3 * 3 = 60.
    private const long Fc1Flops = 72;
    private const long Fc2Flops = 51;
    private const long Fc1DendriteFlops = 96;
    private const long Fc2DendriteFlops = 60;

    [SetUp]
    public void Seed() => manual_seed(51);

    [Test]
    public void Report_ModelSwitchedOff_DendritesAddNoFlopsAndWhatTheyWouldAddIsApart()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3), new WrapOptions { InitialDendrites = 1 }, randn(2, 4));
        var on = handle.Report();

        ModelCostReport off;
        using (handle.Disable())
        {
            off = handle.Report();
        }

        on.DendriteFlopsPerSample.Should().Be(Fc1DendriteFlops + Fc2DendriteFlops);
        on.SwitchedOffDendriteFlopsPerSample.Should().Be(0);
        off.Layers.Select(l => l.DendriteFlopsPerSample).Should().Equal(0L, 0L);
        off.Layers.Select(l => l.DendriteFlopsPerSampleWhenOn).Should().Equal(Fc1DendriteFlops, Fc2DendriteFlops);
        off.DendriteFlopsPerSample.Should().Be(0);
        off.TotalFlopsPerSample.Should().Be(Fc1Flops + Fc2Flops).And.Be(off.BaseFlopsPerSample);
        off.SwitchedOffDendriteFlopsPerSample.Should().Be(on.DendriteFlopsPerSample);
        off.DendriteParameters.Should().Be(on.DendriteParameters, "switched off, the dendrites' parameters stay in the model");
    }

    [Test]
    public void ToMarkdown_ModelSwitchedOff_ShowsZeroFlopsWithTheSwitchedOnFigureBeside()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3), new WrapOptions { InitialDendrites = 1 }, randn(2, 4));

        string markdown;
        using (handle.Disable())
        {
            markdown = handle.Report().ToMarkdown();
        }

        markdown.Should().Contain("| fc1 | Linear(4→8) | 1 (switched off) | 40 | 48 | 72 | 0 (switched off; 96 when on) |")
            .And.Contain("| fc2 | Linear(8→3) | 1 (switched off) | 27 | 30 | 51 | 0 (switched off; 60 when on) |")
            .And.Contain("| **total** | base model: all parameters, Linear/Conv FLOPs | | 67 | 78 | 123 | 0 |")
            .And.Contain("Whole model with dendrites: 145 parameters (+116.42 % for the dendrites), 123 FLOPs/sample (+0.00 % for the dendrites).")
            .And.Contain("their FLOPs/sample once switched on: 156");
    }

    [Test]
    public void Report_OneLayerSwitchedOff_TotalsCountTheDendritesThatRun()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3), new WrapOptions { InitialDendrites = 1 }, randn(2, 4));

        handle.Layers[0].Enabled = false;
        var report = handle.Report();

        report.DendriteFlopsPerSample.Should().Be(Fc2DendriteFlops);
        report.SwitchedOffDendriteFlopsPerSample.Should().Be(Fc1DendriteFlops);
        report.TotalFlopsPerSample.Should().Be(Fc1Flops + Fc2Flops + Fc2DendriteFlops);
    }

    [Test]
    public void Report_SwitchedOffWithoutCheckPass_DendritesAddZeroAndTheirSwitchedOnCostIsUnknown()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3), new WrapOptions { InitialDendrites = 1 });

        ModelCostReport off;
        using (handle.Disable())
        {
            off = handle.Report();
        }

        off.DendriteFlopsPerSample.Should().Be(0, "dendrites that do not run cost nothing, whatever their positions");
        off.SwitchedOffDendriteFlopsPerSample.Should().BeNull("no check pass measured their positions");
        off.ToMarkdown().Should().Contain("| 0 (switched off; unknown (no check pass) when on) |");
    }

    [Test]
    public void Report_ModuleHostSwitchedOff_ItsDendritesAddZeroAndItsFlopsStayUnknown()
    {
        var handle = Dendrites.Wrap(new SequenceClassifier(gru: true), new WrapOptions { Targets = LayerSelector.Named("rnn"), InitialDendrites = 1 }, sampleInput: randn(2, 5, 7));

        LayerCost rnn;
        using (handle.Disable())
        {
            rnn = handle.Report().Layers.Single();
        }

        rnn.FlopsCounted.Should().BeFalse();
        rnn.DendriteFlopsPerSample.Should().Be(0, "switched off, its copies do not run");
        rnn.DendriteFlopsPerSampleWhenOn.Should().BeNull("a module host's FLOPs are not modelled");
        rnn.HostFlopsPerSample.Should().BeNull();
    }

    [Test]
    public void Prune_ModelSwitchedOff_SavesWhatTheRemovedSetsCostSwitchedOn()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(inputs: 4, hidden: 8, outputs: 3), new WrapOptions { InitialDendrites = 1 }, randn(2, 4));

        // Fresh sets have zero output scales, so pruning by scale (allowed while switched off) removes them all.
        ModelCostReport before, after;
        PruningReport pruned;
        using (handle.Disable())
        {
            before = handle.Report();
            pruned = DendritePruner.Prune(handle);
            after = handle.Report();
        }

        pruned.SetsRemoved.Should().Be(2);
        pruned.Layers.Select(l => l.FlopsSaved).Should().Equal(Fc1DendriteFlops, Fc2DendriteFlops);
        pruned.FlopsSaved.Should().Be(Fc1DendriteFlops + Fc2DendriteFlops)
            .And.Be(before.DendriteFlopsPerSample + before.SwitchedOffDendriteFlopsPerSample - after.DendriteFlopsPerSample - after.SwitchedOffDendriteFlopsPerSample);
    }
}
