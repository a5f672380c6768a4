using System;
using Dendritic;
using TorchSharp;
using static TorchSharp.torch;

namespace DocExamples.InReadme;

/// <summary>README.md's examples. The quick start lists its usings: this file has exactly those.</summary>
public sealed class ReadmeExamples : DocExample
{
    public static void QuickStart()
    {
        // doc-example: README.md
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

    public static void GrowingWhileYouTrain(nn.Module<Tensor, Tensor> model, Tensor xValidation, double lr, int maxEpochs)
    {
        // doc-example: README.md
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }, sampleInput: xValidation);  // the sample: check pass, FLOPs
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Mode = ScoreMode.Minimize, Patience = 5 });
        var optimizer = optim.Adam(handle.TrainableParameters(), lr);
        for (var epoch = 0; epoch < maxEpochs; epoch++)
        {
            TrainOneEpoch(model, optimizer);
            var decision = scheduler.Step(ValidationLoss(model), learningRate: lr);
            if (decision.RebuildOptimizer) { optimizer.Dispose(); lr = decision.LearningRate ?? lr; optimizer = optim.Adam(decision.TrainableParameters, lr); }
            if (decision.IsCompleted) break;                       // the best model is already restored
        }
        scheduler.Finish();   // maxEpochs ran out first: put the best model back (does nothing once completed)
        DendriteCheckpoint.Save(handle, "model.dndt");   // the best model, to deploy (or OnnxExporter.Export)
        // end doc-example
    }
}
