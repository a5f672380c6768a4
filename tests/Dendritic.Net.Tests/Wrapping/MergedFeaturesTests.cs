using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>Features that meet: module hosts with selection rules, the activation monitor with a cascade kernel, the cost report with native modules inside a module host.</summary>
[TestFixture]
public sealed class MergedFeaturesTests
{
    [TearDown]
    public void ResetKernel() => CascadeKernels.Current = null;

    [TestCase(true)]
    [TestCase(false)]
    public void Wrap_GlobOrNameRuleInEitherOrder_TakesTheLstmAsAModuleHost(bool nameFirst)
    {
        manual_seed(3);
        var model = new SequenceClassifier(gru: false);
        var byName = LayerSelector.Named("rnn");
        var glob = LayerSelector.NameLike("**");
        var targets = nameFirst ? byName.Or(glob) : glob.Or(byName);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = targets, InitialDendrites = 1 }, sampleInput: randn(4, 6, 7));

        handle.Layers.Should().Contain(l => l.Spec.Kind == HostKind.Module && l.Spec.ModuleType == "LSTM");
        handle.Layers.Should().Contain(l => l.Spec.Kind == HostKind.Linear);
    }

    [Test]
    public void Collect_WhileAKernelIsRegistered_StillSeesTheActivations()
    {
        manual_seed(3);
        var model = nn.Sequential(("fc", nn.Linear(5, 4)), ("head", nn.Linear(4, 2)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        var kernel = new CountingKernel();
        CascadeKernels.Current = kernel;
        using var monitor = handle.MonitorActivations();

        model.call(randn(8, 5));
        var stats = monitor.Collect();

        kernel.Calls.Should().Be(0, "a recording monitor observes the reference path");
        stats.Should().OnlyContain(s => s.Activations > 0);
    }

    [Test]
    public void Report_NativeModuleInsideAModuleHost_IsCountedInTheHostsRow()
    {
        manual_seed(3);
        var model = nn.Sequential(("block", new RecurrentBlock()), ("head", nn.Linear(4, 2)));
        var host = ModuleHost.For<RecurrentBlock>(_ => new RecurrentBlock(), _ => 4);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = new[] { host }, InitialDendrites = 1 }, sampleInput: randn(2, 3, 5));
        var report = handle.Report();

        report.NativeModules.Should().BeEmpty("the LSTM lies inside the hosted block");
        report.ToMarkdown().Should().Contain("| other layers (no dendrites) | | | 10 |", "the head alone; the LSTM is in the block's row");
    }

    /// <summary>A user block holding an LSTM, hosted as a whole.</summary>
    private sealed class RecurrentBlock : nn.Module<Tensor, Tensor>
    {
        private readonly LSTM rnn;

        public RecurrentBlock()
            : base(nameof(RecurrentBlock))
        {
            rnn = nn.LSTM(5, 4, 1, batchFirst: true);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => rnn.call(input, null).Item1[.., -1];
    }

    private sealed class CountingKernel : ICascadeKernel
    {
        public int Calls { get; private set; }

        public Tensor? TryCombine(CascadeInputs inputs)
        {
            Calls++;
            return inputs.HostOutput.clone();
        }
    }
}
