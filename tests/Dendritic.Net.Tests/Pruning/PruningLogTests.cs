using System.Linq;
using Dendritic.Tests.Growth;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Pruning;

/// <summary>
/// Pruning's log (events 6001 and 6003): the summary printed "largest output change (null)" when nothing was measured,
/// and both printed FLOPs per output position as "per sample" when no validation batch was given.
/// </summary>
public class PruningLogTests
{
    [Test]
    public void Prune_WithoutValidationInput_LogsThatTheOutputChangeWasNotMeasured()
    {
        torch.manual_seed(32);
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), new WrapOptions { InitialDendrites = 1, Logger = logger });

        DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.OutputScale, MaxOutputScale = 0 });

        logger.Entries.Single(e => e.EventId == 6003).Message.Should().EndWith("largest output change not measured (no validation input given)");
    }

    [Test]
    public void Prune_WithValidationInput_LogsTheMeasuredChange()
    {
        torch.manual_seed(33);
        var logger = new RecordingLogger();
        using var input = randn(8, 4);
        var handle = Dendrites.Wrap(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), new WrapOptions { InitialDendrites = 1, Logger = logger });

        var report = DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 0 }, input);

        report.MaxOutputChange.Should().NotBeNull();
        logger.Entries.Single(e => e.EventId == 6003).Message.Should().EndWith($"largest output change {report.MaxOutputChange!.Value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    [Test]
    public void Prune_Conv1dWithoutValidationInput_LogsFlopsPerSampleAtTheCheckPassPositions()
    {
        torch.manual_seed(34);
        var logger = new RecordingLogger();
        using var sample = randn(4, 784);
        var handle = Dendrites.Wrap(new PruningFlopsTests.ConvOverRows(), new WrapOptions { InitialDendrites = 1, Logger = logger }, sample);
        var before = handle.Report().DendriteFlopsPerSample;

        var report = DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 1e-3 });

        // One set on convB: 688 parameters and 1376 FLOPs per position, over 28 positions per sample.
        report.Layers[0].FlopsSaved.Should().Be(28 * 1376);
        report.FlopsSaved.Should().Be(before);
        logger.Entries.Where(e => e.EventId == 6001).Select(e => e.Message).Should().Contain("Pruned layer convB: removed sets [0] of 1, zeroed 0 neurons' dendrites, removed 688 parameters, FLOPs saved per sample 38528");
        logger.Entries.Single(e => e.EventId == 6003).Message.Should().Contain($"FLOPs saved per sample {before};");
    }

    [Test]
    public void Prune_WithoutCheckPass_LogsTheFlopsAsUnknown()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), new WrapOptions { InitialDendrites = 1, Logger = logger });

        DendritePruner.Prune(handle);

        logger.Entries.Where(e => e.EventId == 6001).Should().OnlyContain(e => e.Message.EndsWith("FLOPs saved per sample unknown (no check pass)", System.StringComparison.Ordinal));
        logger.Entries.Single(e => e.EventId == 6003).Message.Should().Contain("FLOPs saved per sample unknown (no check pass measured the output positions of '0', '2'; call handle.Verify");
    }
}
