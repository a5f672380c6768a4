using System;
using System.Collections.Generic;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Monitoring;

[TestFixture]
public sealed class ActivationHistoryTests
{
    [SetUp]
    public void Seed() => manual_seed(5);

    [Test]
    public void Step_WithAMonitor_RecordsTheWindowInTheHistory()
    {
        var (model, handle) = ActivationMonitorTests.OneLayer(DendriteActivation.Sigmoid);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Mode = ScoreMode.Maximize });
        using var monitor = handle.MonitorActivations();
        model.call(randn(8, 4));
        var collected = monitor.Collect();

        scheduler.Step(0.5);
        model.call(randn(8, 4));
        scheduler.Step(0.6);
        scheduler.Step(0.7);

        var entries = scheduler.History.Entries;
        entries[0].Activations.Should().BeEquivalentTo(collected, "Step takes the last collection");
        entries[1].Activations!.Single().Activations.Should().Be(8 * 3, "without a collection, Step collects");
        entries[2].Activations.Should().BeNull("nothing ran since the previous step");
    }

    [Test]
    public void History_ListsCastBackToLists_CannotChangeTheRunsRows()
    {
        // Found in review: the read-only state's History shared its rows' activation lists with the live history, so
        // a cast could empty them, and History.Entries was the scheduler's own List.
        var (model, handle) = ActivationMonitorTests.OneLayer(DendriteActivation.Sigmoid);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Mode = ScoreMode.Maximize });
        using var monitor = handle.MonitorActivations();
        model.call(randn(8, 4));
        var collected = monitor.Collect();
        scheduler.Step(0.5);

        var clearCollected = () => ((IList<LayerActivationStats>)collected).Clear();
        var clearExported = () => ((IList<LayerActivationStats>)scheduler.ExportState().History[0].Activations!).Clear();
        var addEntry = () => ((IList<GrowthHistoryEntry>)scheduler.History.Entries).Add(scheduler.History.Entries[0]);

        clearCollected.Should().Throw<NotSupportedException>();
        clearExported.Should().Throw<NotSupportedException>();
        addEntry.Should().Throw<NotSupportedException>();
        scheduler.History.Entries.Should().ContainSingle().Which.Activations.Should().ContainSingle();
    }

    [Test]
    public void ToCsv_MonitoredAndUnmonitoredRows_HaveEveryColumn()
    {
        var (model, handle) = ActivationMonitorTests.OneLayer(DendriteActivation.Sigmoid);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Mode = ScoreMode.Maximize });
        scheduler.Step(0.5);
        using var monitor = handle.MonitorActivations();
        model.call(randn(8, 4));
        scheduler.Step(0.6);

        var rows = scheduler.History.ToCsv().TrimEnd('\n').Split('\n').Select(r => r.Split(',')).ToList();
        var detail = scheduler.History.ToActivationCsv().TrimEnd('\n').Split('\n');

        var columns = GrowthHistory.CsvHeader.Split(',').Length;
        rows.Should().OnlyContain(r => r.Length == columns);
        rows[1][^4..].Should().OnlyContain(c => c.Length == 0, "the first validation had no monitor");
        rows[2][^4].Should().NotBeEmpty();
        detail.Should().HaveCount(2);
        detail[0].Should().Be(GrowthHistory.ActivationCsvHeader);
        detail[1].Should().StartWith("2,fc,1,24,");
    }

    [Test]
    public void ExportState_WithActivations_RoundTripsThroughJson()
    {
        var (model, handle) = ActivationMonitorTests.OneLayer(DendriteActivation.Sigmoid);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Mode = ScoreMode.Maximize });
        using var monitor = handle.MonitorActivations();
        model.call(randn(8, 4));
        scheduler.Step(0.5);

        var state = GrowthSchedulerState.FromJson(scheduler.ExportState().ToJson());

        state.History.Single().Activations.Should().BeEquivalentTo(scheduler.History.Entries.Single().Activations);
    }
}
