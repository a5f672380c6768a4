using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Growth;

/// <summary>
/// The scheduler state is a read-only snapshot (found in an API review: it was a mutable class with a public
/// constructor and <c>List</c> properties, so <c>ExportState().LayerDendrites.Add(99)</c> changed nothing a run used,
/// and its public <c>ToJson</c> then wrote a state that its own <c>FromJson</c> refused).
/// </summary>
[TestFixture]
public sealed class GrowthSchedulerStateReadOnlyTests : TempFolderTest
{
    [Test]
    public void PublicSurface_HasNoConstructorSetterOrJsonMethod()
    {
        var type = typeof(GrowthSchedulerState);

        type.GetConstructors().Should().BeEmpty("only the library makes a state");
        type.GetProperties().Where(p => p.SetMethod is { IsPublic: true }).Select(p => p.Name).Should().BeEmpty();
        type.GetProperties().Where(p => p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>)).Should().BeEmpty();
        type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance).Select(m => m.Name).Should().NotContain(["ToJson", "FromJson"], "checkpoints are the one way a state is written and read");
    }

    [Test]
    public void ExportState_ListsCastBackToLists_CannotBeChanged()
    {
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0 }, null);
        scheduler.Step(1, 0.1);
        scheduler.Step(1, 0.1);
        var state = scheduler.ExportState();

        ShouldBeUnchangeable(state);
    }

    [Test]
    public void FromCheckpoint_ListsCastBackToLists_CannotBeChanged()
    {
        var path = SteppedRun.Save(Temp.File("run.dndt"));

        var state = GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path))!;

        state.LayerDendrites.Should().NotBeEmpty();
        ShouldBeUnchangeable(state);
    }

    [Test]
    public void ExportState_FurtherSteps_LeaveTheSnapshotAsItWas()
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, ClassicRules.Options with { Patience = 0 }, null);
        scheduler.Step(1, 0.1);
        var state = scheduler.ExportState();

        scheduler.Step(1, 0.1);

        state.History.Should().HaveCount(1);
        state.Validations.Should().Be(1);
        scheduler.ExportState().History.Should().HaveCount(2);
    }

    private static void ShouldBeUnchangeable(GrowthSchedulerState state)
    {
        var add = () => ((IList)state.LayerDendrites).Add(99);
        add.Should().Throw<NotSupportedException>();
        ((IList)state.LayerDendrites).IsReadOnly.Should().BeTrue();
        ((IList)state.FrozenSets).IsReadOnly.Should().BeTrue();
        state.FrozenSets.Should().AllSatisfy(flags => ((IList)flags).IsReadOnly.Should().BeTrue());
        ((IList)state.History).IsReadOnly.Should().BeTrue();
    }
}
