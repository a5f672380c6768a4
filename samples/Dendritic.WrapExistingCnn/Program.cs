using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dendritic;
using Dendritic.Experiments;
using Dendritic.WrapExistingCnn;
using static TorchSharp.torch;

// Wrap an existing CNN, train only its dendrites, compare with dendrites on and off on the same weights, then save the
// result and load it onto a fresh copy of the CNN.
// Usage: dotnet run -c Release --project samples/Dendritic.WrapExistingCnn [-- <MNIST-layout data folder> [<checkpoint path>]]
var folder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "data");
var checkpoint = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "wrap-existing-cnn.dndt");
ExperimentData data;
try
{
    data = IdxImageFolder.Load(folder);
}
catch (Exception ex) when (ex is IOException or IdxFormatException)
{
    Console.Error.WriteLine("error: " + ex.Message);
    return 3;
}

manual_seed(1);
var model = new SmallCnn();
Console.WriteLine($"Data: {data.Train.Count} train, {data.Test.Count} test digits from {folder}");

// 1. Train the plain CNN as usual.
Train(model, model.parameters().ToList(), data.Train, epochs: 1);
var plain = Accuracy(model, data.Test);
Console.WriteLine(Line("plain CNN, 1 epoch", plain));

// 2. Wrap it. The sample input runs one check pass: every wrapped layer's dendrites must run.
var sample = data.Train.Inputs.narrow(0, 0, 4);
var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sample);
foreach (var layer in handle.Layers)
{
    Console.WriteLine($"  wrapped {layer}");
}

// 3. Train only the dendrites (the host weights stay exactly as they were).
handle.SetBaseTrainable(false);
Train(model, handle.TrainableParameters(), data.Train, epochs: 1);

// 4. A/B on the same weights: dendrites on, then off.
var on = Accuracy(model, data.Test);
double off;
using (handle.Disable())
{
    off = Accuracy(model, data.Test);
}

Console.WriteLine(Line("with dendrites (+1 epoch, host frozen)", on));
Console.WriteLine(Line("same weights, dendrites off", off) + (off == plain ? "  (identical to the plain CNN, as it must be)" : "  (DIFFERS from the plain CNN!)"));
Console.WriteLine("(This shows the mechanics, not a fair comparison: the plain CNN did not get the extra epoch. For that,");
Console.WriteLine(" run the pilot, whose harness adds a capacity-matched and a train-as-long control.)");
Console.WriteLine();
Console.WriteLine(handle.Report().ToMarkdown());

// 5. Save, then load onto a fresh, unwrapped CNN: the structure is rebuilt from the checkpoint's manifest.
DendriteCheckpoint.Save(handle, checkpoint, new Dictionary<string, string> { ["test-accuracy"] = on.ToString("R", CultureInfo.InvariantCulture) });
var loaded = DendriteCheckpoint.Load(new SmallCnn(), checkpoint, sampleInput: sample);
var reloaded = Accuracy((SmallCnn)loaded.Handle.Model, data.Test);
Console.WriteLine(Line($"loaded from {checkpoint}", reloaded) + (reloaded == on ? "  (identical)" : "  (DIFFERS!)"));
return reloaded == on && off == plain ? 0 : 1;

static void Train(nn.Module<Tensor, Tensor> model, IEnumerable<TorchSharp.Modules.Parameter> parameters, DataSplit train, int epochs)
{
    using var optimizer = optim.Adam(parameters, 3e-3);
    model.train();
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        using var order = randperm(train.Count);
        for (long start = 0; start < train.Count; start += 64)
        {
            using var scope = NewDisposeScope();
            var index = order.narrow(0, start, Math.Min(64, train.Count - start));
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(train.Inputs.index_select(0, index)), train.Targets.index_select(0, index)).backward();
            optimizer.step();
        }
    }
}

static double Accuracy(nn.Module<Tensor, Tensor> model, DataSplit split)
{
    model.eval();
    using var noGrad = no_grad();
    using var scope = NewDisposeScope();
    var accuracy = Metrics.Accuracy(model.call(split.Inputs), split.Targets);
    model.train();
    return accuracy;
}

static string Line(string what, double accuracy) => string.Create(CultureInfo.InvariantCulture, $"{what,-42} test accuracy {accuracy * 100:F2} %");
