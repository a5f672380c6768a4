using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Metrics;

/// <summary>
/// The report's scope with only some layers wrapped: its FLOPs cover every Linear and convolution, as the harness's
/// do, and the whole model's overhead is printed, so that a wrapped head does not read as doubling the model's cost.
/// </summary>
[TestFixture]
public sealed class ModelCostReportTests
{
    // ConcreteFieldCnn on 8x8 images, per sample: conv1 64 pixels x (2 * 9 * 4 + 4), conv2 16 x (2 * 36 * 8 + 8),
    // fc1 2 * 32 * 16 + 16, fc2 2 * 16 * 10 + 10; one dendrite set on fc2 adds fc2's projection plus 3 * 10.
    private const long Conv1Flops = 64 * 76;
    private const long Conv2Flops = 16 * 584;
    private const long Fc1Flops = 1040;
    private const long Fc2Flops = 330;
    private const long Fc2DendriteFlops = 330 + 30;

    [SetUp]
    public void Seed() => manual_seed(11);

    [Test]
    public void Report_OnlyTheHeadOfACnnWrapped_CountsTheUnwrappedLayersFlopsToo()
    {
        using var images = randn(3, 1, 8, 8);
        var handle = Dendrites.Wrap(new ConcreteFieldCnn(), new WrapOptions { Targets = LayerSelector.Named("fc2"), InitialDendrites = 1 }, images);

        var report = handle.Report();

        report.WrappedHostFlopsPerSample.Should().Be(Fc2Flops);
        report.OtherBaseFlopsPerSample.Should().Be(Conv1Flops + Conv2Flops + Fc1Flops);
        report.BaseFlopsPerSample.Should().Be(Conv1Flops + Conv2Flops + Fc1Flops + Fc2Flops);
        report.DendriteFlopsPerSample.Should().Be(Fc2DendriteFlops);
        report.TotalFlopsPerSample.Should().Be(Conv1Flops + Conv2Flops + Fc1Flops + Fc2Flops + Fc2DendriteFlops);
    }

    [Test]
    public void ToMarkdown_OnlyTheHeadOfACnnWrapped_LabelsEachTotalAndPrintsTheWholeModelsOverhead()
    {
        using var images = randn(3, 1, 8, 8);
        var handle = Dendrites.Wrap(new ConcreteFieldCnn(), new WrapOptions { Targets = LayerSelector.Named("fc2"), InitialDendrites = 1 }, images);

        var markdown = handle.Report().ToMarkdown();

        // Base parameters: conv1 40, conv2 296, fc1 528 (the other layers' 864) and fc2 170; fc2's set: 160 + 10 + 10.
        markdown.Should().Contain("| fc2 | Linear(16→10) | 1 | 170 | 180 | 330 | 360 |")
            .And.Contain("| other layers (no dendrites) | | | 864 | | 15,248 | |")
            .And.Contain("| **total** | base model: all parameters, Linear/Conv FLOPs | | 1,034 | 180 | 15,578 | 360 |")
            .And.Contain("Whole model with dendrites: 1,214 parameters (+17.41 % for the dendrites), 15,938 FLOPs/sample (+2.31 % for the dendrites).")
            .And.Contain("pooling, activations, normalisation, transposed convolutions (ConvTranspose1d/2d/3d) and module hosts are not counted");
    }

    [Test]
    public void Report_WrappedWithoutCheckPass_SaysTheFlopsAreUnknown()
    {
        var handle = Dendrites.Wrap(new ConcreteFieldCnn(), new WrapOptions { Targets = LayerSelector.Named("fc2"), InitialDendrites = 1 });

        var report = handle.Report();

        report.OtherBaseFlopsPerSample.Should().BeNull();
        report.TotalFlopsPerSample.Should().BeNull();
        report.ToMarkdown().Should().Contain("| other layers (no dendrites) | | | 864 | | unknown (no check pass) | |")
            .And.Contain("Whole model with dendrites: 1,214 parameters (+17.41 % for the dendrites), FLOPs/sample unknown (no check pass).");
    }

    [Test]
    public void Report_VerifyAfterAWrapWithoutSample_CountsEveryLayer()
    {
        var model = new ConcreteFieldCnn();
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("fc2"), InitialDendrites = 1 });
        using var images = randn(2, 1, 8, 8);

        handle.Verify(() => model.call(images));

        handle.Report().TotalFlopsPerSample.Should().Be(Conv1Flops + Conv2Flops + Fc1Flops + Fc2Flops + Fc2DendriteFlops);
    }

    [Test]
    public void Report_GruModuleHostBesideALinearHead_CountsTheHeadAndReadsTheHostAsUnknown()
    {
        // The GRU's cost is not modelled; the head's is known: 2 * 12 * 3 + 3 per sample, its set that plus 3 * 3.
        const long headFlops = 75;
        const long headDendriteFlops = 75 + 9;
        var model = new SequenceClassifier(gru: true);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), InitialDendrites = 1 }, sampleInput: randn(2, 5, 7));

        var report = handle.Report();

        report.Layers.Select(l => l.FlopsCounted).Should().Equal(false, true);
        report.WrappedHostFlopsPerSample.Should().Be(headFlops, "the module host is left out, as native modules are");
        report.DendriteFlopsPerSample.Should().Be(headDendriteFlops);
        report.BaseFlopsPerSample.Should().Be(headFlops);
        report.TotalFlopsPerSample.Should().Be(headFlops + headDendriteFlops);
        report.Layers[0].HostFlopsPerPosition.Should().BeNull("a module host's FLOPs are not modelled, so they are unknown, not 0");
        report.Layers[0].DendriteFlopsPerPosition.Should().BeNull();
        report.Layers[0].HostFlopsPerSample.Should().BeNull();
        report.Layers[0].DendriteFlopsPerSample.Should().BeNull();
        report.ToMarkdown().Should().Contain("| rnn | GRU").And.Contain("| unknown (module host) | unknown (module host) |")
            .And.Contain($"| **total** | base model: all parameters, Linear/Conv FLOPs | | {report.BaseParameters:N0} | {report.DendriteParameters:N0} | 75 | 84 |")
            .And.Contain("159 FLOPs/sample (+112.00 % for the dendrites)")
            .And.Contain("The FLOPs of the module host 'rnn' and its dendrites are unknown (not modelled) and left out");
    }

    [Test]
    public void Report_UnwrappedConvWithAsymmetricSamePadding_IsCountedAndDoesNotStopTheWrap()
    {
        // A layer that cannot carry dendrites ("same" padding with an even kernel) is still counted when left out.
        var model = nn.Sequential(("conv", nn.Conv2d(1, 2, 2, padding: TorchSharp.Padding.Same)), ("flat", nn.Flatten()), ("fc", nn.Linear(2 * 4 * 4, 3)));
        using var images = randn(2, 1, 4, 4);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("fc"), InitialDendrites = 1 }, images);

        handle.Report().OtherBaseFlopsPerSample.Should().Be(16 * ((2 * 4 * 2) + 2));
    }

    [Test]
    public void ToMarkdown_UnwrappedLayerCalledThroughForward_NamesItAsNotSeenInTheCheckPass()
    {
        using var x = randn(3, 4);
        var handle = Dendrites.Wrap(new ForwardCallingMlp(), new WrapOptions { Targets = LayerSelector.Named("fc2"), InitialDendrites = 1 }, x);

        var report = handle.Report();

        report.OtherBaseFlopsPerSample.Should().Be(0, "fc1's hook never fired");
        report.LayersNotSeen.Should().Equal("fc1");
        report.ToMarkdown().Should().Contain("not seen in the check pass (called with .forward()?): fc1")
            .And.Contain("ConvTranspose");
    }

    [Test]
    public void ToMarkdown_EveryLayerCalledThroughCall_SaysNothingAboutUnseenLayers()
    {
        using var images = randn(3, 1, 8, 8);
        var handle = Dendrites.Wrap(new ConcreteFieldCnn(), new WrapOptions { Targets = LayerSelector.Named("fc2"), InitialDendrites = 1 }, images);

        handle.Report().ToMarkdown().Should().NotContain("not seen in the check pass");
    }

    /// <summary>fc1 is called with .forward(), which skips its forward hooks; fc2 with .call().</summary>
    private sealed class ForwardCallingMlp : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc1 = nn.Linear(4, 6);
        private readonly TorchSharp.Modules.Linear fc2 = nn.Linear(6, 3);

        public ForwardCallingMlp()
            : base(nameof(ForwardCallingMlp)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            using var hidden = fc1.forward(input);
            return fc2.call(hidden);
        }
    }
}
