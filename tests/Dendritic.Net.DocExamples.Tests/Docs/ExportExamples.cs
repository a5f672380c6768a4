using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic;
using Dendritic.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DocExamples.InExport;

/// <summary>docs/export.md's examples that list no usings. Those that do are in ExportExamples.*.cs, one file per set of usings.</summary>
public sealed partial class ExportExamples
{
    public static void FrozenBatchNorm(Tensor sample, Tensor validation)
    {
        // doc-example: docs/export.md
        var model = torchvision.models.resnet18(num_classes: 10);
        // ... train ...
        model.train();
        foreach (var norm in model.modules().OfType<BatchNorm2d>()) norm.eval();          // frozen BatchNorm
        var handle = Dendrites.Wrap(model, new WrapOptions
        {
            Targets = LayerSelector.NameLike("layer4.**").Or(LayerSelector.Named("fc")),
        }, sample);
        handle.SetBaseTrainable(false);
        // ... train handle.TrainableParameters() ...
        DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 0.05 }, validation);
        OnnxExporter.Export(handle, sample, "resnet18-dendrites.onnx");
        // end doc-example
    }

    public static void Pruning(DendriticModel handle, Tensor validationBatch)
    {
        // doc-example: docs/export.md
        // By weight: remove every set whose |u| and outgoing |v| are all <= 1e-3.
        // The pruner takes the handle (Dendrites.Wrap, or Dendrites.Adopt for DendriteLayers built by hand), replaced and
        // hooked layers alike.
        PruningReport report = DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 1e-3 }, validationInput: validationBatch);

        // By measured effect: remove sets while the largest output change on the batch stays <= 0.01.
        report = DendritePruner.Prune(handle, new PruningOptions
        {
            Criterion = PruningCriterion.MeasuredEffect,
            MaxOutputChange = 0.01,
        }, validationInput: validationBatch);

        Console.WriteLine(report);   // "... FLOPs saved per sample 38528, largest output change ..."
        long? saved = report.FlopsSaved;   // null (unknown) when no check pass measured a pruned layer's output positions
        // end doc-example
    }
}

/// <summary>The classifier docs/export.md's recurrent example belongs to: an LSTM <c>rnn</c> and a Linear <c>head</c>.</summary>
public sealed class Classifier : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly LSTM rnn = nn.LSTM(16, 32, batchFirst: true);
    private readonly Linear head = nn.Linear(32, 10);

    public Classifier() : base(nameof(Classifier)) => RegisterComponents();

    public override Tensor forward(Tensor input) => throw new NotSupportedException(DocExample.NeverRun);

    // doc-example: docs/export.md
    public string ExportOnnx(OnnxGraphBuilder builder, string input)
    {
        var output = builder.AddModule(rnn, input, "rnn");                              // [batch, time, hidden]
        using var last = torch.tensor(-1L);
        var step = builder.AddNode("Gather", new[] { output, builder.AddInitializer(last, "last_step") },
            new Dictionary<string, object> { ["axis"] = 1L });                           // [batch, hidden]
        return builder.AddModule(head, step, "head");
    }
    // end doc-example
}

// doc-example: docs/export.md
// using static TorchSharp.torch; using static TorchSharp.torch.nn.functional;
sealed class ResidualBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> conv1, conv2;   // may be DendriteLayers

    public ResidualBlock(nn.Module<Tensor, Tensor> conv1, nn.Module<Tensor, Tensor> conv2) : base(nameof(ResidualBlock))
    {
        this.conv1 = conv1;
        this.conv2 = conv2;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => relu(x + conv2.call(relu(conv1.call(x))));

    public string ExportOnnx(OnnxGraphBuilder builder, string input)
    {
        var h = builder.AddModule(conv1, input, "conv1");          // any supported module, dendrites included
        h = builder.AddNode("Relu", new[] { h });                  // any ONNX operator of opset 17
        h = builder.AddModule(conv2, h, "conv2");
        return builder.AddNode("Relu", new[] { builder.AddNode("Add", new[] { h, input }) });
    }
}
// end doc-example
