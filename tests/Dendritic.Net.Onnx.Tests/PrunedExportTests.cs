using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>Pruning then exporting: the file carries the pruned cascade and still matches TorchSharp.</summary>
public class PrunedExportTests
{
    [Test]
    public void Export_AfterPruningMiddleSets_MatchesTorchSharp()
    {
        torch.manual_seed(100);
        using var model = Models.Cnn(3);
        foreach (var layer in new[] { (DendriteLayer)model[0], (DendriteLayer)model[4] })
        {
            using (no_grad())
            {
                // Set 1 barely matters: tiny u, and set 2 barely reads it.
                layer.Branch.Sets[1].OutputScale.mul_(1e-6);
                layer.Branch.Sets[2].CascadeWeights![1].mul_(1e-6);
            }
        }

        using var validation = randn(8, 3, 8, 8);
        var handle = TestHandles.Of(model);
        var report = DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 1e-3 }, validation);

        report.SetsRemoved.Should().BeGreaterThanOrEqualTo(2);
        ((DendriteLayer)model[0]).DendriteCount.Should().BeLessThan(3);
        Parity.ExportShouldMatch(model, randn(2, 3, 8, 8), randn(3, 3, 8, 8));
    }
}
