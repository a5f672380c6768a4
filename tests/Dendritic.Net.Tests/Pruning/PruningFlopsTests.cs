using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Docs;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Pruning;

/// <summary>
/// The FLOPs pruning reports are per sample, at the output positions of the check pass, as <c>handle.Report()</c>
/// counts them; without a check pass they are unknown. They were counted per output position when no validation batch
/// was given (a Conv1d over 28 positions reported 1376 FLOPs "per sample" where 38,528 was true) and summed with
/// per-sample ones.
/// </summary>
public class PruningFlopsTests
{
    /// <summary>
    /// Models whose layers have 1, 28, 64/16 output positions per sample, and one whose layers run once per time step;
    /// with the sample input's shape and each wrapped layer's positions per sample.
    /// </summary>
    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData((Func<nn.Module<Tensor, Tensor>>)(() => TestModels.Mlp()), new long[] { 3, 4 }, new long[] { 1, 1 }).SetArgDisplayNames("Linear");
        yield return new TestCaseData((Func<nn.Module<Tensor, Tensor>>)(() => new ConvOverRows()), new long[] { 4, 784 }, new long[] { 28, 1, 1 }).SetArgDisplayNames("Conv1d");
        yield return new TestCaseData((Func<nn.Module<Tensor, Tensor>>)(() => TestModels.Cnn()), new long[] { 3, 1, 8, 8 }, new long[] { 64, 16, 1 }).SetArgDisplayNames("Conv2d");
        yield return new TestCaseData((Func<nn.Module<Tensor, Tensor>>)(() => new NativeModuleAlternativesTests.LinearGru(inputs: 8, hidden: 16)), new long[] { 2, 5, 8 }, new long[] { 5, 5 }).SetArgDisplayNames("CalledPerTimeStep");
    }

    [TestCaseSource(nameof(Models))]
    public void Prune_LastSetOfEveryLayerWithoutBatch_SavesTheDropInReportsDendriteFlops(Func<nn.Module<Tensor, Tensor>> build, long[] inputShape, long[] positions)
    {
        torch.manual_seed(40);
        using var sample = randn(inputShape);
        var handle = Dendrites.Wrap(build(), new WrapOptions { InitialDendrites = 2 }, sample);
        handle.Layers.Select(l => l.PositionsPerSample).Should().Equal(positions.Select(p => (long?)p));
        RandomiseAndSilenceLastSets(handle);
        var before = handle.Report();
        var perPosition = handle.Layers.Select(l => FlopCounter.DendriteFlopsPerPosition(l.Spec, 2) - FlopCounter.DendriteFlopsPerPosition(l.Spec, 1)).ToList();

        var report = DendritePruner.Prune(handle);

        var after = handle.Report();
        report.SetsRemoved.Should().Be(handle.Layers.Count);
        report.FlopsSaved.Should().Be(before.DendriteFlopsPerSample - after.DendriteFlopsPerSample);
        report.Layers.Select(l => l.FlopsSaved).Should().Equal(before.Layers.Zip(after.Layers, (b, a) => b.DendriteFlopsPerSample - a.DendriteFlopsPerSample));
        report.Layers.Select(l => l.FlopsSaved).Should().Equal(perPosition.Zip(positions, (f, p) => (long?)(f * p)), "each layer saves its last set's cost per position times its positions per sample");
    }

    [Test]
    public void Prune_WithValidationBatch_CountsTheCheckPassPositions()
    {
        // The check pass runs 5 time steps per sample and the validation batch 9 (and 7 samples, not 2): both layers
        // run once per time step, so FLOPs counted on the batch would be 9/5 of the check pass's.
        torch.manual_seed(41);
        using var sample = randn(2, 5, 8);
        var handle = Dendrites.Wrap(new NativeModuleAlternativesTests.LinearGru(inputs: 8, hidden: 16), new WrapOptions { InitialDendrites = 2 }, sample);
        RandomiseAndSilenceLastSets(handle);
        var before = handle.Report().DendriteFlopsPerSample;
        var lastSetPerPosition = handle.Layers.Sum(l => FlopCounter.DendriteFlopsPerPosition(l.Spec, 2) - FlopCounter.DendriteFlopsPerPosition(l.Spec, 1));
        using var batch = randn(7, 9, 8);

        var report = DendritePruner.Prune(handle, validationInput: batch);

        report.MaxOutputChange.Should().NotBeNull();
        report.SetsRemoved.Should().Be(handle.Layers.Count);
        report.FlopsSaved.Should().Be(5 * lastSetPerPosition, "one count: the check pass's 5 time steps, whatever batch measures the output change")
            .And.Be(before - handle.Report().DendriteFlopsPerSample);
        handle.Layers.Select(l => l.PositionsPerSample).Should().Equal(new long?[] { 5, 5 }, "running the batch does not change the counted positions");
    }

    [Test]
    public void Prune_WrappedWithoutCheckPass_ReportsTheFlopsAsUnknown()
    {
        var handle = Dendrites.Wrap(new ConvOverRows(), new WrapOptions { InitialDendrites = 1 });

        // Fresh sets have zero output scales: every one goes.
        var report = DendritePruner.Prune(handle);

        report.SetsRemoved.Should().Be(3);
        handle.Report().DendriteFlopsPerSample.Should().BeNull("the report does not know them either");
        report.FlopsSaved.Should().BeNull();
        report.Layers.Should().OnlyContain(l => l.FlopsSaved == null && l.FlopsCounted);
        report.Layers[0].ToString().Should().EndWith("FLOPs saved per sample unknown (no check pass)");
        report.ToString().Should().Contain("FLOPs saved per sample unknown (no check pass measured the output positions of 'convB', 'fc1', 'fc2'; call handle.Verify");
    }

    [Test]
    public void Prune_NothingRemovedWithoutCheckPass_SavesZero()
    {
        var layer = new DendriteLayer(nn.Conv2d(2, 3, 3, padding: 1), dendrites: 2);
        ReferenceDendrites.Randomise(layer, 42);

        var report = DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { MaxOutputScale = 0 });

        report.SetsRemoved.Should().Be(0);
        report.FlopsSaved.Should().Be(0, "no set went, so nothing was saved at any number of positions");
    }

    [Test]
    public void Prune_UnmeasuredLayerLostNoSet_SavesTheMeasuredLayersDropThoughTheReportsTotalIsUnknown()
    {
        // 'conv' ran in a check pass and 'fc' never did (the pass stopped short of it), so the cost report's total is
        // unknown before and after. fc keeps its set and saves 0 at any number of positions, so the savings are
        // known: conv's, which is the drop in conv's own row of the cost report.
        var conv = new DendriteLayer(nn.Conv1d(3, 4, 3, padding: 1), dendrites: 1);
        var fc = new DendriteLayer(nn.Linear(9, 2), dendrites: 1);
        ReferenceDendrites.Randomise(fc, 44);
        var handle = Dendrites.Adopt(nn.Sequential(("conv", conv), ("fc", fc)));
        using var input = randn(2, 3, 9);
        handle.Invoking(h => h.Verify(() => conv.call(input))).Should().Throw<LayerNotInvokedException>("fc did not run");
        handle.Layers.Select(l => l.PositionsPerSample).Should().Equal(new long?[] { 9, null });
        var before = handle.Report();

        // conv's fresh set has a zero output scale and goes; fc's random one stays.
        var report = DendritePruner.Prune(handle);

        var after = handle.Report();
        report.Layers.Select(l => l.RemovedSets.Count).Should().Equal(1, 0);
        before.DendriteFlopsPerSample.Should().BeNull("fc's positions are unknown");
        after.DendriteFlopsPerSample.Should().BeNull();
        report.Layers.Select(l => l.FlopsSaved).Should().Equal(9 * FlopCounter.DendriteFlopsPerPosition(conv.Spec, 1), 0L);
        report.FlopsSaved.Should().Be(9 * FlopCounter.DendriteFlopsPerPosition(conv.Spec, 1))
            .And.Be(before.Layers[0].DendriteFlopsPerSample - after.Layers[0].DendriteFlopsPerSample);
        report.ToString().Should().Contain(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"FLOPs saved per sample {report.FlopsSaved},"));
    }

    [Test]
    public void Prune_AdoptedThenVerified_CountsTheVerifiedPositions()
    {
        var layer = new DendriteLayer(nn.Conv1d(3, 4, 3, padding: 1), dendrites: 1);
        var handle = Dendrites.Adopt(layer);
        using var input = randn(2, 3, 9);
        handle.Verify(() => layer.call(input));

        var report = DendritePruner.Prune(handle);

        report.FlopsSaved.Should().Be(9 * FlopCounter.DendriteFlopsPerPosition(layer.Spec, 1));
    }

    [Test]
    public void Prune_TwoInputModelWithoutCheckPass_ReportsTheFlopsAsUnknown()
    {
        var handle = Dendrites.Wrap(new TwoInputConv(), new WrapOptions { InitialDendrites = 1 });

        var report = DendritePruner.Prune(handle);

        report.SetsRemoved.Should().Be(2);
        report.FlopsSaved.Should().BeNull();
        report.Layers.Should().OnlyContain(l => l.FlopsSaved == null);
    }

    [Test]
    public void Prune_TwoInputModelAfterVerify_SavesThePerSampleFlopsOfTheVerifiedPass()
    {
        var model = new TwoInputConv();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var a = randn(3, 4, TwoInputConv.Steps);
        using var b = randn(3, 4, TwoInputConv.Steps);
        handle.Verify(() => model.call(a, b));
        var before = handle.Report().DendriteFlopsPerSample;

        var report = DendritePruner.Prune(handle);

        report.FlopsSaved.Should().Be(before).And.Be(handle.Layers.Sum(l => l.PositionsPerSample * FlopCounter.DendriteFlopsPerPosition(l.Spec, 1)));
        report.Layers[0].FlopsSaved.Should().Be(TwoInputConv.Steps * FlopCounter.DendriteFlopsPerPosition(handle.Layers[0].Spec, 1));
    }

    [Test]
    public void Prune_ModuleHost_LeavesItsFlopsOutAsTheReportDoes()
    {
        // The head's set: 2 * 12 * 3 + 3 for the projection plus 3 * 3 per sample; the GRU's cost is not modelled.
        var handle = Dendrites.Wrap(new SequenceClassifier(gru: true), new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), InitialDendrites = 1 }, sampleInput: randn(2, 5, 7));
        var before = handle.Report().DendriteFlopsPerSample;

        var report = DendritePruner.Prune(handle);

        report.SetsRemoved.Should().Be(2);
        report.Layers.Select(l => l.FlopsCounted).Should().Equal(false, true);
        report.Layers.Select(l => l.FlopsSaved).Should().Equal(null, 84L);
        report.FlopsSaved.Should().Be(84).And.Be(before - handle.Report().DendriteFlopsPerSample);
        report.Layers[0].ToString().Should().EndWith("FLOPs saved per sample unknown (module host)");
        report.ToString().Should().Contain("FLOPs saved per sample 84 (leaves out module host 'rnn', whose FLOPs are unknown)");
    }

    /// <summary>Gives every set a random u and v, then zeroes the last set's u in every layer, which nothing reads.</summary>
    private static void RandomiseAndSilenceLastSets(DendriticModel handle)
    {
        using var generator = new Generator(43);
        using var noGrad = no_grad();
        foreach (var set in handle.Layers.SelectMany(l => l.Branch.Sets))
        {
            set.OutputScale.copy_(randn(set.OutputScale.shape, generator: generator));
            set.CascadeWeights?.copy_(randn(set.CascadeWeights.shape, generator: generator));
        }

        foreach (var layer in handle.Layers)
        {
            layer.Branch.Sets[^1].OutputScale.zero_();
        }
    }

    /// <summary>
    /// The newcomer's shape: a flat 784 input read as 28 rows of 28, a Conv1d 28 -> 8 (kernel 3, padding 1) over the 28
    /// positions (688 parameters and 1376 FLOPs per position for one set), then two Linear layers.
    /// </summary>
    internal sealed class ConvOverRows : nn.Module<Tensor, Tensor>
    {
        private readonly Conv1d convB = nn.Conv1d(28, 8, 3, padding: 1);
        private readonly Linear fc1 = nn.Linear(8 * 28, 16);
        private readonly Linear fc2 = nn.Linear(16, 10);

        public ConvOverRows()
            : base(nameof(ConvOverRows)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = nn.functional.relu(convB.call(input.view(-1, 28, 28)));
            x = nn.functional.relu(fc1.call(x.flatten(1)));
            return fc2.call(x).MoveToOuterDisposeScope();
        }
    }

    /// <summary>A model of two inputs (so pruning runs by OutputScale, without a batch): conv over their sum, then a Linear.</summary>
    private sealed class TwoInputConv : nn.Module<Tensor, Tensor, Tensor>
    {
        public const long Steps = 10;

        private readonly Conv1d conv = nn.Conv1d(4, 6, 3, padding: 1);
        private readonly Linear fc = nn.Linear(6 * Steps, 2);

        public TwoInputConv()
            : base(nameof(TwoInputConv)) => RegisterComponents();

        public override Tensor forward(Tensor a, Tensor b)
        {
            using var scope = NewDisposeScope();
            return fc.call(nn.functional.relu(conv.call(a + b)).flatten(1)).MoveToOuterDisposeScope();
        }
    }
}
