using System;
using System.Collections.Generic;
using Dendritic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DocExamples.InWrapping;

/// <summary>docs/wrapping.md's examples that list no usings.</summary>
public sealed partial class WrappingExamples
{
    public static void RecurrentHost(nn.Module<Tensor, Tensor> model, Tensor tokens)
    {
        // doc-example: docs/wrapping.md
        // An LSTM text classifier written without dendrites in mind: fields Embedding embedding, LSTM rnn, Linear head.
        var handle = Dendrites.Wrap(model, new WrapOptions
        {
            Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported),   // the LSTM by name, plus every Linear
            InitialDendrites = 1,
        }, sampleInput: tokens);
        // end doc-example
    }

    public static void TupleHost(nn.Module<Tensor, Tensor> model)
    {
        // doc-example: docs/wrapping.md
        var host = ModuleHost.For<MyAttention, (Tensor, Tensor)>(m => new MyAttention(m.Dim, m.Heads), m => m.Dim, new FirstOfPair());
        Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.OfType<MyAttention>(), ModuleHosts = new[] { host } });
        // end doc-example
    }

    public static void Adopt()
    {
        // doc-example: docs/wrapping.md
        var model = nn.Sequential(("fc1", new DendriteLayer(nn.Linear(4, 6))), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(6, 2))));
        var handle = Dendrites.Adopt(model, new AdoptOptions { Logger = logger });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Mode = ScoreMode.Minimize });
        // end doc-example
    }

    public static void WatchActivations(DendriticModel handle, nn.Module<Tensor, Tensor> model, IEnumerable<(Tensor, Tensor)> batches,
        optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> loss, int epochs)
    {
        // doc-example: docs/wrapping.md
        using var monitor = handle.MonitorActivations();       // ActivationMonitorOptions { SaturationWarningLevel = 0.5 }
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var (x, y) in batches)
            {
                optimizer.zero_grad();
                loss(model.call(x), y).backward();
                monitor.RecordGradients();                     // optional: the dendrite gradient norm
                optimizer.step();
            }

            foreach (var layer in monitor.Collect())           // one host read; then a new window starts
                Console.WriteLine($"{layer.Layer}: |a| {layer.MeanAbsActivation:F3}, saturated {layer.SaturatedFraction:P1}, |u| {layer.MeanAbsOutputScale:F3}, grad {layer.GradientNorm:G3}");
        }
        // end doc-example
    }
}

// doc-example: docs/wrapping.md
public sealed class EncoderBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> qkv, outProj, ff1, ff2;   // Linear layers: Wrap can reach them
    private readonly LayerNorm norm1, norm2;
    private readonly long heads;

    public EncoderBlock(long dim, long heads, long hidden) : base(nameof(EncoderBlock))
    {
        qkv = nn.Linear(dim, 3 * dim); outProj = nn.Linear(dim, dim);
        ff1 = nn.Linear(dim, hidden); ff2 = nn.Linear(hidden, dim);
        norm1 = nn.LayerNorm(dim); norm2 = nn.LayerNorm(dim);
        this.heads = heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                  // [batch, time, dim]
    {
        long batch = x.shape[0], time = x.shape[1], dim = x.shape[2];
        var qkvHeads = qkv.call(norm1.call(x)).view(batch, time, 3, heads, dim / heads).permute(2, 0, 3, 1, 4);
        var attended = nn.functional.scaled_dot_product_attention(qkvHeads[0], qkvHeads[1], qkvHeads[2]);
        x = x + outProj.call(attended.transpose(1, 2).reshape(batch, time, dim));
        return x + ff2.call(nn.functional.relu(ff1.call(norm2.call(x))));
    }
}
// end doc-example

// doc-example: docs/wrapping.md
sealed class FirstOfPair : IOutputProcessor<(Tensor, Tensor)>
{
    public Tensor Extract((Tensor, Tensor) output) => output.Item1;
    public (Tensor, Tensor) Rebuild((Tensor, Tensor) output, Tensor selected) => (selected, output.Item2);
}
// end doc-example

/// <summary>The reader's attention block that docs/wrapping.md's tuple example names: returns (output, attention weights).</summary>
public sealed class MyAttention : nn.Module<Tensor, (Tensor, Tensor)>
{
    public MyAttention(long dim, long heads) : base(nameof(MyAttention))
    {
        Dim = dim;
        Heads = heads;
    }

    public long Dim { get; }

    public long Heads { get; }

    public override (Tensor, Tensor) forward(Tensor input) => throw new NotSupportedException(DocExample.NeverRun);
}
