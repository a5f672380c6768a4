using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Dendritic;
using Dendritic.Experiments;
using Dendritic.SequenceDigits;
using static TorchSharp.torch;

// Dendrites on a recurrent model (issue 16): an LSTM (or GRU) reads each shipped digit row by row (28 steps of 28
// pixels) and a Linear head classifies it. The harness trains four arms per seed on the same data: the baseline, the
// dendritic model (the LSTM gets dendrites as a module host, each dendrite a re-initialised copy of the LSTM, and so
// does the head), a capacity-matched control (a wider LSTM with as many parameters) and a train-as-long control.
// Usage: dotnet run -c Release --project samples/Dendritic.SequenceDigits -- [--cell lstm|gru] [--hidden 32]
//        [--epochs 4] [--growth-epochs 2] [--seeds 1,2,3] [--train-samples 0] [--output sequence-results] [--data folder]
var settings = new (string Name, string Value)[]
{
    ("cell", "lstm"), ("hidden", "32"), ("epochs", "4"), ("growth-epochs", "2"), ("seeds", "1,2,3"),
    ("train-samples", "0"), ("output", "sequence-results"), ("data", Path.Combine(AppContext.BaseDirectory, "data")),
}.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
for (var i = 0; i < args.Length; i += 2)
{
    var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : string.Empty;
    if (!settings.ContainsKey(name) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"error: unknown option or missing value at '{args[i]}'. Options: {string.Join(", ", settings.Keys.Select(k => "--" + k))}.");
        return 2;
    }

    settings[name] = args[i + 1];
}

static int Count(string text, string option, int minimum) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum
        ? value
        : throw new ArgumentException($"--{option} must be a whole number of at least {minimum}; got '{text}'.");

int hidden, epochs, growthEpochs, trainSamples;
int[] seeds;
try
{
    if (settings["cell"] is not ("lstm" or "gru"))
    {
        throw new ArgumentException($"--cell must be lstm or gru; got '{settings["cell"]}'.");
    }

    hidden = Count(settings["hidden"], "hidden", 1);
    epochs = Count(settings["epochs"], "epochs", 1);
    growthEpochs = Count(settings["growth-epochs"], "growth-epochs", 1);
    trainSamples = Count(settings["train-samples"], "train-samples", 0);
    seeds = settings["seeds"].Split(',').Select(s => Count(s.Trim(), "seeds", 0)).ToArray();
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("error: " + ex.Message);
    return 2;
}

ExperimentData data;
try
{
    data = IdxImageFolder.Load(settings["data"], name: "shipped digits as row sequences");
}
catch (Exception ex) when (ex is IOException or IdxFormatException)
{
    Console.Error.WriteLine("error: " + ex.Message);
    return 3;
}

if (trainSamples > 0 && trainSamples < data.Train.Count)
{
    var subset = new DataSplit(data.Train.Inputs.narrow(0, 0, trainSamples).contiguous(), data.Train.Targets.narrow(0, 0, trainSamples).contiguous());
    data = new ExperimentData(data.Name, subset, data.Validation, data.Test);
}

var gru = settings["cell"] == "gru";
var classes = data.Train.Targets.max().item<long>() + 1;
ModelFactory factory = width => new RowSequenceClassifier(gru, width, classes);

// The recurrent module by name (a module host: copies of it, its sequence output gets the dendrites, its states pass
// through) and the Linear head (the fast path).
var growth = new FixedEpochGrowth(new FixedEpochGrowthOptions
{
    GrowAfterEpochs = new[] { epochs },
    MaxEpochs = epochs + growthEpochs,
    Wrap = new HarnessWrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported) },
});
var experiment = new ExperimentOptions
{
    Seeds = seeds,
    Width = hidden,
    Recipe = new TrainingRecipe { Epochs = epochs, BatchSize = 64, LearningRate = 3e-3 },
    Arms = new[] { ArmKind.Baseline, ArmKind.Dendritic, ArmKind.CapacityMatched, ArmKind.TrainAsLong },
};

Console.WriteLine($"Dendritic.SequenceDigits: {(gru ? "GRU" : "LSTM")} hidden {hidden}, {data.Train.Count:N0} train / {data.Validation.Count:N0} validation / {data.Test.Count:N0} test digits, seeds {string.Join(", ", seeds)}, {epochs} + {growthEpochs} epochs");
var report = new ExperimentRunner(factory, data, growth, experiment).Run(new Progress<ExperimentProgress>(p => Console.Error.Write('.')));
Console.Error.WriteLine();
var files = ReportWriter.WriteAll(report, settings["output"]);
Console.WriteLine(ReportWriter.ToMarkdown(report));
Console.WriteLine("FLOPs in this report cover the Linear head only: the cost of a module host (the LSTM or GRU and its copies) is not counted.");
Console.WriteLine($"Wrote {string.Join(", ", files)}");
return 0;
