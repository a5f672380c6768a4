using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dendritic;
using Dendritic.Experiments;
using Dendritic.Onnx;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

// A TorchVision model end to end: fine-tune ResNet-18 with frozen BatchNorm and dendrites on the pilot's digits
// (resized to 3x32x32), prune the dendrites that do not matter, export to ONNX and run the file in ONNX Runtime.
// Usage: dotnet run -c Release --project samples/Dendritic.TorchVisionExport [-- <MNIST-layout data folder> [<ONNX path>]]
var folder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "data");
var onnxPath = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "resnet18-dendrites.onnx");
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

// Small subsets keep the sample to about a minute of CPU time; the mechanics are the point, not the accuracy.
manual_seed(1);
var train = Resized(data.Train, 1024);
var test = Resized(data.Test, 256);
Console.WriteLine($"Data: {train.Count} train, {test.Count} test digits from {folder}, resized to 3x32x32");

// 1. The base model: TorchVision's ResNet-18 (in practice a pre-trained one, loaded with weights_file), trained briefly.
var model = torchvision.models.resnet18(num_classes: 10);
Train(model, model.parameters(), train);
Console.WriteLine(Line("ResNet-18, 1 epoch", Accuracy(model, test)));

// 2. Fine-tuning setup: training mode, every BatchNorm frozen (eval: running statistics fixed). Every library
//    operation below that runs a check pass in eval mode gives each module its own mode back afterwards.
model.train();
var norms = model.modules().OfType<BatchNorm2d>().ToList();
norms.ForEach(n => n.eval());

// 3. Dendrites on the last stage and the head; the sample runs the wrapper's check pass.
var sample = train.Inputs.narrow(0, 0, 2);
var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.NameLike("layer4.**").Or(LayerSelector.Named("fc")) }, sample);
Console.WriteLine($"Wrapped {handle.Layers.Count} layers; BatchNorm still frozen: {norms.All(n => !n.training)}");

// 4. Train the dendrites only (host weights frozen), BatchNorm still frozen.
handle.SetBaseTrainable(false);
Train(model, handle.TrainableParameters(), train);
Console.WriteLine(Line("with dendrites (+1 epoch, host frozen)", Accuracy(model, test)));

// 5. Prune: drop every dendrite set whose removal changes no logit by more than 0.05 on a validation batch.
var validation = test.Inputs.narrow(0, 0, 128);
var report = DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 0.05 }, validation);
Console.WriteLine($"Pruned {report.SetsRemoved} of {report.Layers.Sum(l => l.SetsBefore)} dendrite sets ({report.ParametersRemoved} parameters); max logit change {report.MaxOutputChange:G3}");
var torchAccuracy = Accuracy(model, test);
Console.WriteLine(Line("pruned, TorchSharp", torchAccuracy));

// 6. Export (dynamic batch) and run the file in ONNX Runtime.
OnnxExporter.Export(handle, sample, onnxPath);
Console.WriteLine($"Exported {onnxPath} ({new FileInfo(onnxPath).Length / 1e6:F1} MB); BatchNorm still frozen: {norms.All(n => !n.training)}");
using var session = new InferenceSession(onnxPath);
var onnxLogits = RunOnnx(session, test.Inputs);
var torchLogits = Logits(model, test.Inputs);
var onnxAccuracy = Metrics.Accuracy(onnxLogits, test.Targets);
var difference = (onnxLogits - torchLogits).abs().max().item<float>();
Console.WriteLine(Line("pruned, ONNX Runtime", onnxAccuracy) + string.Create(CultureInfo.InvariantCulture, $"  (max logit difference to TorchSharp {difference:G3})"));
return onnxAccuracy == torchAccuracy && difference <= 1e-3 ? 0 : 1;

static DataSplit Resized(DataSplit split, long count)
{
    var n = Math.Min(count, split.Count);
    var images = nn.functional.interpolate(split.Inputs.narrow(0, 0, n), new long[] { 32, 32 }, mode: InterpolationMode.Bilinear, align_corners: false);
    return new DataSplit(images.expand(-1, 3, -1, -1).contiguous(), split.Targets.narrow(0, 0, n).contiguous());
}

static void Train(nn.Module<Tensor, Tensor> model, IEnumerable<Parameter> parameters, DataSplit train)
{
    using var optimizer = optim.Adam(parameters, 1e-3);
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

static double Accuracy(nn.Module<Tensor, Tensor> model, DataSplit split)
{
    using var logits = Logits(model, split.Inputs);
    return Metrics.Accuracy(logits, split.Targets);
}

// Inference in eval mode; EvalModeScope gives every module (the frozen BatchNorm included) its own mode back.
static Tensor Logits(nn.Module<Tensor, Tensor> model, Tensor inputs)
{
    using var modes = EvalModeScope.Enter(model);
    using var noGrad = no_grad();
    return model.call(inputs).detach();
}

static Tensor RunOnnx(InferenceSession session, Tensor inputs)
{
    var values = inputs.contiguous().data<float>().ToArray();
    using var input = OrtValue.CreateTensorValueFromMemory(values, inputs.shape);
    using var runOptions = new RunOptions();
    using var outputs = session.Run(runOptions, new[] { "input" }, new[] { input }, new[] { "output" });
    return tensor(outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
}

static string Line(string what, double accuracy) => string.Create(CultureInfo.InvariantCulture, $"{what,-42} test accuracy {accuracy * 100:F2} %");
