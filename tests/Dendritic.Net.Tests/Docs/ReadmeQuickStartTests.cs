using System;
using System.IO;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Docs;

/// <summary>The README's quick start, kept here line for line so that it cannot rot.</summary>
[TestFixture]
public sealed class ReadmeQuickStartTests
{
    [Test]
    public void QuickStart_AsWritten_Runs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"readme-{Guid.NewGuid():N}.dndt");
        try
        {
            var model = nn.Sequential(("fc1", nn.Linear(784, 32)), ("act", nn.ReLU()), ("fc2", nn.Linear(32, 10)));
            var x = randn(64, 784);

            var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sampleInput: x);
            var optimizer = optim.Adam(handle.TrainableParameters(), lr: 1e-3);

            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(x), randint(0, 10, 64));
            loss.backward(); optimizer.step();

            using (handle.Disable()) { var baseline = model.call(x); }
            Console.WriteLine(handle.Report().ToMarkdown());
            DendriteCheckpoint.Save(handle, path);

            File.Exists(path).Should().BeTrue();
            handle.Report().Layers.Should().HaveCount(2);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
