using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// A sequence classifier: an LSTM or GRU, then a Linear head on the last time step. It describes its graph: the
/// recurrent module through AddModule (its sequence output), the last step as a Gather.
/// </summary>
internal sealed class RecurrentClassifier : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly nn.Module rnn;
    private readonly Linear head;
    private readonly bool batchFirst;

    public RecurrentClassifier(bool gru, long inputs, long hidden, long layers, bool bidirectional, bool batchFirst, long classes)
        : base(nameof(RecurrentClassifier))
    {
        rnn = gru
            ? nn.GRU(inputs, hidden, layers, batchFirst: batchFirst, bidirectional: bidirectional)
            : nn.LSTM(inputs, hidden, layers, batchFirst: batchFirst, bidirectional: bidirectional);
        head = nn.Linear(hidden * (bidirectional ? 2 : 1), classes);
        this.batchFirst = batchFirst;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var output = rnn is GRU gru ? gru.call(input, null).Item1 : ((LSTM)rnn).call(input, null).Item1;
        return head.call(output.select(batchFirst ? 1 : 0, -1));
    }

    public string ExportOnnx(OnnxGraphBuilder builder, string input)
    {
        var output = builder.AddModule(rnn, input, nameof(rnn));
        using var last = torch.tensor(-1L);
        var step = builder.AddNode("Gather", new[] { output, builder.AddInitializer(last, "last_step") }, new Dictionary<string, object> { ["axis"] = batchFirst ? 1L : 0L });
        return builder.AddModule(head, step, nameof(head));
    }
}

/// <summary>A block that returns a pair (its output and the same scaled), with weights: tanh(fc(x)), 2 tanh(fc(x)).</summary>
internal sealed class PairBlock : nn.Module<Tensor, (Tensor, Tensor)>
{
    private readonly Linear fc;

    public PairBlock(long features)
        : base(nameof(PairBlock))
    {
        fc = nn.Linear(features, features);
        RegisterComponents();
    }

    public long Features => fc.out_features;

    public override (Tensor, Tensor) forward(Tensor input)
    {
        var output = fc.call(input).tanh();
        return (output, output * 2);
    }
}

/// <summary>Holds a <see cref="PairBlock"/> and uses its first output; describes its graph through AddModule.</summary>
internal sealed class PairParent : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly PairBlock block;

    public PairParent(long features)
        : base(nameof(PairParent))
    {
        block = new PairBlock(features);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => block.call(input).Item1;

    public string ExportOnnx(OnnxGraphBuilder builder, string input) => builder.AddModule(block, input, nameof(block));
}

/// <summary>The pair's first element carries the neurons; the second passes through.</summary>
internal sealed class FirstOfPair : IOutputProcessor<(Tensor, Tensor)>
{
    public Tensor Extract((Tensor, Tensor) output) => output.Item1;

    public (Tensor, Tensor) Rebuild((Tensor, Tensor) output, Tensor selected) => (selected, output.Item2);
}
