using System;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>The scheduler with dendrites switched off by the A/B switch (found in a newcomer's trial).</summary>
[TestFixture]
public sealed class GrowthSchedulerSwitchedOffTests
{
    [SetUp]
    public void SetUp() => manual_seed(5);

    [Test]
    public void Step_InsideDisable_ThrowsAndDecidesNothing()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 0 });
        scheduler.Step(0.5);

        using (handle.Disable())
        {
            var act = () => scheduler.Step(0.5);

            act.Should().Throw<InvalidOperationException>().WithMessage("*every wrapped layer are switched off*handle.Enabled = true, or end the Disable() scope*");
        }

        scheduler.History.Entries.Should().HaveCount(1, "the refused score was not counted");
        scheduler.Step(0.5).Action.Should().Be(GrowthAction.DendritesAdded, "switched on again, the same score grows as it would have");
    }

    [Test]
    public void Step_GrowthIntoALayerSwitchedOff_WarnsNamingIt()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 0 });
        var off = handle.Layers[0];
        off.Enabled = false;
        scheduler.Step(0.5);

        var grown = scheduler.Step(0.5);

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.Message.Should().Contain($"the layers '{off.Name}' have their dendrites switched off");
        logger.Entries.Should().ContainSingle(e => e.EventId == 3021).Which.Message.Should().Contain($"'{off.Name}'").And.NotContain($"'{handle.Layers[1].Name}'");
        handle.Layers.Skip(1).Should().OnlyContain(l => l.Enabled, "only the layer switched off by hand is off");
    }
}
