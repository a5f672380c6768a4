using System.Linq;
using Dendritic.Tests.Growth;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Pruning;

/// <summary>Pruning's summary (event 6003), which printed "largest output change (null)" when nothing was measured.</summary>
public class PruningLogTests
{
    [Test]
    public void Prune_WithoutValidationInput_LogsThatTheOutputChangeWasNotMeasured()
    {
        torch.manual_seed(32);
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), new WrapOptions { InitialDendrites = 1, Logger = logger });

        DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.OutputScale, Threshold = 0 });

        logger.Entries.Single(e => e.EventId == 6003).Message.Should().EndWith("largest output change not measured (no validation input given)");
    }

    [Test]
    public void Prune_WithValidationInput_LogsTheMeasuredChange()
    {
        torch.manual_seed(33);
        var logger = new RecordingLogger();
        using var input = randn(8, 4);
        var handle = Dendrites.Wrap(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), new WrapOptions { InitialDendrites = 1, Logger = logger });

        var report = DendritePruner.Prune(handle, new PruningOptions { Threshold = 0 }, input);

        report.MaxOutputChange.Should().NotBeNull();
        logger.Entries.Single(e => e.EventId == 6003).Message.Should().EndWith($"largest output change {report.MaxOutputChange!.Value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}");
    }
}
