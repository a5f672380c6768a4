using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// Candidates that cannot learn any correlation are reported (event 3020), found in a newcomer's trial: a model with
/// dead ReLUs logged "S = 8.52E-15 (per layer: 0, 0, 8.521E-15)" at Information and nothing else.
/// </summary>
[TestFixture]
public sealed class CascadeCorrelationWarningTests
{
    [SetUp]
    public void SetUp() => manual_seed(13);

    [TestCase(1)]
    [TestCase(3)]
    public void Step_OneLayersInputIsAllZeros_WarnsNamingOnlyThatLayerAndStillConnects(int poolSize)
    {
        var model = new TwoBranches();
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, Logger = logger });
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, Options(poolSize) with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);

        var grown = scheduler.Step(1);

        var warning = logger.Entries.Should().ContainSingle(e => e.EventId == 3020).Which;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().StartWith("Cascade-correlation candidates of 1 of 2 layer(s) learned no correlation with their layer's error: 'dead' (S = ")
            .And.Contain("inputs are constant").And.Contain("no error reaches its output").And.Contain("connected anyway");
        warning.Message.Should().NotContain("'live'");
        grown.Message.Should().Contain("Warning: the candidates of 'dead' (S = ");
        grown.Action.Should().Be(GrowthAction.DendritesAdded, "the warning does not change what growth does");
        handle.Layers.Should().AllSatisfy(l => l.DendriteCount.Should().Be(1));
    }

    [TestCase(0.0)]
    [TestCase(10.0)]
    [TestCase(100.0)]
    [TestCase(1000.0)]
    public void Step_ConstantNonzeroInputAndAnErrorWithALargeMean_WarnsOnEveryMachine(double targetOffset)
    {
        // A constant input centred in float32 leaves a rounding residual that cancels out of S / bound, so the ratio
        // then followed the error's mean against its spread and how the sums rounded (found in review: no warning at an
        // offset of 100). Centred in float64 the bound is exactly 0.
        var model = new TwoBranches(deadInput: 0.37);
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, Logger = logger });
        using var x = randn(64, 3);
        using var y = randn(64, 2) + targetOffset;
        var scheduler = new GrowthScheduler(handle, Options(1) with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);

        scheduler.Step(1);

        logger.Entries.Should().ContainSingle(e => e.EventId == 3020)
            .Which.Message.Should().Contain("learned no correlation with their layer's error: 'dead' (S = ").And.NotContain("'live'");
    }

    [Test]
    public void Step_DeadReluBetweenTheLayers_WarnsForBothLayers()
    {
        // fc1's ReLU outputs 0 for every sample: fc2's input is constant, and no gradient reaches fc1's output.
        var model = nn.Sequential(("fc1", nn.Linear(3, 4)), ("relu", nn.ReLU()), ("fc2", nn.Linear(4, 2)));
        using (no_grad())
        {
            model.named_parameters().Single(p => p.name == "fc1.weight").parameter.zero_();
            model.named_parameters().Single(p => p.name == "fc1.bias").parameter.fill_(-1);
        }

        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, Logger = logger });
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, Options(1) with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);

        scheduler.Step(1);

        logger.Entries.Should().ContainSingle(e => e.EventId == 3020)
            .Which.Message.Should().Contain("of 2 of 2 layer(s)").And.Contain("'fc1' (S = 0)").And.Contain("'fc2' (S = ");
    }

    [Test]
    public void Step_CandidatesThatLearn_DoNotWarn()
    {
        var model = TestModels.TanhMlp();
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, Logger = logger });
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, Options(3) with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);

        var grown = scheduler.Step(1);

        logger.Entries.Should().Contain(e => e.EventId == 3012).And.NotContain(e => e.EventId == 3020);
        grown.Message.Should().NotContain("Warning");
    }

    private static GrowthOptions Options(int poolSize) => ClassicRules.Options with
    {
        Patience = 0,
        Training = DendriteTrainingMode.CascadeCorrelation,
        CascadeCorrelation = new CascadeCorrelationOptions { PoolSize = poolSize, MaxEpochs = 3, Patience = 3 },
    };

    /// <summary>Two layers side by side; <c>dead</c> sees the same constant for every sample (zeros by default).</summary>
    private sealed class TwoBranches : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> live = nn.Linear(3, 2);
        private readonly nn.Module<Tensor, Tensor> dead = nn.Linear(3, 2);
        private readonly double _deadInput;

        public TwoBranches(double deadInput = 0)
            : base(nameof(TwoBranches))
        {
            _deadInput = deadInput;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => live.call(input) + dead.call(full_like(input, _deadInput));
    }
}
