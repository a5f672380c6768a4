using System;
using Dendritic;
using Dendritic.Experiments;
using Dendritic.Reporting;
using static TorchSharp.torch;

namespace DocExamples.InPilot;

/// <summary>docs/pilot.md's examples. The harness example lists its usings: this file has exactly those.</summary>
public static class PilotExamples
{
    public static void HarnessOnYourModel()
    {
        // doc-example: docs/pilot.md
        ModelFactory factory = width => nn.Sequential(
            ("flatten", nn.Flatten()), ("hidden", nn.Linear(784, width)), ("relu", nn.ReLU()), ("output", nn.Linear(width, 10)));
        var data = IdxImageFolder.Load("path/to/mnist");          // images [N, 1, 28, 28] float32 in [0, 1]; or new ExperimentData(...)
        var growth = new SchedulerGrowth(new SchedulerGrowthOptions
        {
            Growth = new GrowthOptions { Patience = 3, MaxDendrites = 2 },
            MaxEpochs = 45,                                        // at least Recipe.Epochs
        });
        var options = new ExperimentOptions
        {
            Width = 8,
            Seeds = new[] { 1, 2, 3, 4, 5 },
            Recipe = new TrainingRecipe { Epochs = 15, LearningRate = 3e-3 },
        };

        var report = new ExperimentRunner(factory, data, growth, options).Run();
        ReportWriter.WriteAll(report, "out/my-experiment");       // JSON, CSV, Markdown
        ExperimentCharts.WriteAll(report, "out/my-experiment");   // PNG charts
        Console.WriteLine(ReportWriter.ToMarkdown(report));
        // end doc-example
    }

    public static void YourOwnData(float[] trainX, long[] trainY, float[] validX, long[] validY, float[] testX, long[] testY)
    {
        // doc-example: docs/pilot.md
        DataSplit Split(float[] rows, long[] labels, int features) =>
            new(tensor(rows).reshape(labels.Length, features), tensor(labels));   // [n, features] float32, [n] int64
        var data = new ExperimentData("my-data", Split(trainX, trainY, 20), Split(validX, validY, 20), Split(testX, testY, 20));
        // end doc-example
    }
}
