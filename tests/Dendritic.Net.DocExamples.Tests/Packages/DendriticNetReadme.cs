using System;
using Dendritic;
using TorchSharp;
using static TorchSharp.torch;

namespace DocExamples.InPackageReadmes;

/// <summary>src/Dendritic.Net/README.md (the package's page): the quick start, with exactly its usings.</summary>
public static class DendriticNetReadme
{
    public static void QuickStart()
    {
        // doc-example: src/Dendritic.Net/README.md
        var model = nn.Sequential(("fc1", nn.Linear(784, 32)), ("act", nn.ReLU()), ("fc2", nn.Linear(32, 10)));
        var x = randn(64, 784);

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sampleInput: x);
        var optimizer = optim.Adam(handle.TrainableParameters(), lr: 1e-3);   // a materialised list: rebuild after growth

        optimizer.zero_grad();                                                          // your own loop, as before
        var loss = nn.functional.cross_entropy(model.call(x), randint(0, 10, 64));
        loss.backward(); optimizer.step();

        using (handle.Disable()) { var baseline = model.call(x); }   // the same weights without dendrites
        Console.WriteLine(handle.Report().ToMarkdown());              // parameters and FLOPs, base vs dendrites
        DendriteCheckpoint.Save(handle, "model.dndt");
        // end doc-example
    }
}
