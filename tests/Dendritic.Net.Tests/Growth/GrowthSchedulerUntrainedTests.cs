using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// The scheduler's warning when the dendrites it added do not train: a manual loop that keeps the optimizer it built
/// before a growth updates the old parameters only (event 3016, and a warning in the next decision's message).
/// </summary>
[TestFixture]
public sealed class GrowthSchedulerUntrainedTests
{
    [SetUp]
    public void SetUp() => manual_seed(7);

    [Test]
    public void Step_OptimizerKeptFromBeforeGrowth_WarnsOnceWithStableEventId()
    {
        var (model, handle, scheduler, logger) = Build();
        using var input = randn(8, 3);
        var optimizer = optim.Adam(handle.TrainableParameters(), lr: 0.01);
        scheduler.Step(1.0);
        scheduler.Step(1.0).Action.Should().Be(GrowthAction.DendritesAdded);

        Train(model, optimizer, input); // the old optimizer: the hosts move, the new dendrites do not
        var next = scheduler.Step(1.1);
        Train(model, optimizer, input);
        var after = scheduler.Step(1.2);

        next.Message.Should().Contain("have not changed since").And.Contain("TrainableParameters");
        logger.Entries.Where(e => e.EventId == 3016).Should().ContainSingle("the growth is checked once, at the next validation")
            .Which.Level.Should().Be(LogLevel.Warning);
        after.Message.Should().NotContain("have not changed since");
    }

    [Test]
    public void Step_OptimizerRebuiltAfterGrowth_DoesNotWarn()
    {
        var (model, _, scheduler, logger) = Build();
        using var input = randn(8, 3);
        scheduler.Step(1.0);
        var grown = scheduler.Step(1.0);

        var optimizer = optim.Adam(grown.TrainableParameters, lr: 0.01);
        Train(model, optimizer, input);
        var next = scheduler.Step(1.1);

        next.Message.Should().NotContain("have not changed since");
        logger.Entries.Should().NotContain(e => e.EventId == 3016);
    }

    [Test]
    public void Step_NoTrainingBetweenGrowthAndNextScore_Warns()
    {
        // Two validations in a row with no step between them look the same as a stale optimizer; the message says what
        // was seen, and the log id lets a caller that does this on purpose filter it.
        var (_, _, scheduler, logger) = Build();
        scheduler.Step(1.0);
        scheduler.Step(1.0);

        scheduler.Step(1.1);

        logger.Entries.Should().ContainSingle(e => e.EventId == 3016);
    }

    [Test]
    public void Watch_UpdateThatKeepsTheSum_CountsAsChanged()
    {
        // After one Adam step u's elements are about +-lr: an even layer can sum to its starting zero again.
        using var u = new TorchSharp.Modules.Parameter(zeros(2));
        var watch = new UntrainedDendritesWatch();
        watch.Start(new[] { u }, validation: 3);
        using (no_grad())
        {
            u.copy_(tensor(new[] { 0.01f, -0.01f }));
        }

        watch.Check().Untrained.Should().BeFalse("the absolute values changed");
    }

    [Test]
    public void Watch_NothingChanged_ReportsTheCountAndTheGrowth()
    {
        using var u = new TorchSharp.Modules.Parameter(zeros(2));
        using var frozen = new TorchSharp.Modules.Parameter(ones(2), requires_grad: false);
        var watch = new UntrainedDendritesWatch();
        watch.Start(new[] { u, frozen }, validation: 3);

        watch.Check().Should().Be((true, 1, 3), "only trainable parameters are watched");
        watch.Check().Untrained.Should().BeFalse("one check per growth");
    }

    private static (nn.Module<Tensor, Tensor> Model, DendriticModel Handle, GrowthScheduler Scheduler, RecordingLogger Logger) Build()
    {
        var logger = new RecordingLogger();
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 0, KeepOnlyImprovements = false });
        return (model, handle, scheduler, logger);
    }

    private static void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor input)
    {
        for (var i = 0; i < 3; i++)
        {
            optimizer.zero_grad();
            using var scope = NewDisposeScope();
            model.call(input).pow(2).mean().backward();
            optimizer.step();
        }
    }
}
