using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Support;

/// <summary>Models whose hosts are not Linear or convolutions: recurrent classifiers, an embedding, a LayerNorm, user blocks.</summary>
internal static class ModuleHostModels
{
    /// <summary>Linear, LayerNorm, Tanh, Linear in a Sequential: the norm is the module host.</summary>
    public static Sequential NormMlp() => nn.Sequential(("fc", nn.Linear(6, 8)), ("norm", nn.LayerNorm(8)), ("act", nn.Tanh()), ("out", nn.Linear(8, 3)));

    /// <summary>A user block (two Linear layers) followed by a Linear head.</summary>
    public static Sequential BlockMlp() => nn.Sequential(("block", new Block(6, 8)), ("head", nn.Linear(8, 3)));

    /// <summary>The factory for <see cref="Block"/>: a fresh block of the same sizes; neurons are its outputs.</summary>
    public static ModuleHost BlockHost { get; } = ModuleHost.For<Block>(b => new Block(b.In, b.Out), b => b.Out);
}

/// <summary>An LSTM (or GRU) over [batch, time, features] and a Linear head on the last step; with tokens, an Embedding first.</summary>
internal sealed class SequenceClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Embedding? embedding;
    private readonly nn.Module rnn;
    private readonly Linear head;

    public SequenceClassifier(bool gru, bool tokens = false, long hidden = 12, long inputs = 7)
        : base(nameof(SequenceClassifier))
    {
        embedding = tokens ? nn.Embedding(20, inputs) : null;
        rnn = gru ? nn.GRU(inputs, hidden, 1, batchFirst: true) : nn.LSTM(inputs, hidden, 2, batchFirst: true);
        head = nn.Linear(hidden, 3);
        RegisterComponents();
    }

    public nn.Module Recurrent => rnn;

    public long RecurrentParameters => rnn.parameters().Sum(p => p.numel());

    /// <summary>The recurrent module's full result (output and states) for <paramref name="x"/>, through <c>call()</c>.</summary>
    public Tensor[] RecurrentResult(Tensor x)
    {
        var features = embedding is null ? x : embedding.call(x);
        if (rnn is GRU gru)
        {
            var (output, h) = gru.call(features, null);
            return new[] { output, h };
        }

        var (o, hn, cn) = ((LSTM)rnn).call(features, null);
        return new[] { o, hn, cn };
    }

    public override Tensor forward(Tensor x) => head.call(RecurrentResult(x)[0].select(1, -1));
}

/// <summary>A block of the user's own: tanh(fc2(tanh(fc1 x))).</summary>
internal sealed class Block : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public Block(long inputs, long outputs)
        : base(nameof(Block))
    {
        In = inputs;
        Out = outputs;
        fc1 = nn.Linear(inputs, 10);
        fc2 = nn.Linear(10, outputs);
        RegisterComponents();
    }

    public long In { get; }

    public long Out { get; }

    public override Tensor forward(Tensor x) => fc2.call(fc1.call(x).tanh()).tanh();
}

/// <summary>A block that says itself how to copy it.</summary>
internal sealed class SelfCopyingBlock : nn.Module<Tensor, Tensor>, IDendriteHost
{
    private readonly Linear fc;

    public SelfCopyingBlock(long inputs, long outputs)
        : base(nameof(SelfCopyingBlock))
    {
        fc = nn.Linear(inputs, outputs);
        Neurons = outputs;
        RegisterComponents();
    }

    public long Neurons { get; }

    public nn.Module CreateFreshCopy() => new SelfCopyingBlock(fc.in_features, Neurons);

    public override Tensor forward(Tensor x) => fc.call(x).relu();
}

/// <summary>A channels-first block: ReLU(Conv1d(3 → 5, kernel 3, padding 1)) on [batch, 3, length].</summary>
internal sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d conv = nn.Conv1d(3, 5, 3, padding: 1);

    public ConvBlock()
        : base(nameof(ConvBlock)) => RegisterComponents();

    public override Tensor forward(Tensor x) => conv.call(x).relu();
}

/// <summary>The pair's first tensor carries the neurons; the second passes through.</summary>
internal sealed class FirstOfPair : IOutputProcessor<(Tensor, Tensor)>
{
    public Tensor Extract((Tensor, Tensor) output) => output.Item1;

    public (Tensor, Tensor) Rebuild((Tensor, Tensor) output, Tensor selected) => (selected, output.Item2);
}

/// <summary>A module that returns a pair and can copy itself, but gives no processor.</summary>
internal sealed class PairBlock : nn.Module<Tensor, (Tensor, Tensor)>, IDendriteHost
{
    public long Neurons => 4;

    public nn.Module CreateFreshCopy() => new PairBlock();

    private readonly Linear fc = nn.Linear(4, 4);

    public PairBlock()
        : base(nameof(PairBlock)) => RegisterComponents();

    public override (Tensor, Tensor) forward(Tensor x) => (fc.call(x), x);
}

/// <summary>Holds a <see cref="PairBlock"/> and adds its two results.</summary>
internal sealed class PairModel : nn.Module<Tensor, Tensor>
{
    private readonly PairBlock pair = new();

    public PairModel()
        : base(nameof(PairModel)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var (a, b) = pair.call(x);
        return a + b;
    }
}
