using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// Part of "graph-check": the training loop docs/cuda.md shows (forward, loss and backward captured once; each batch
/// copied into the step's input, the graph replayed, Adam's step run eagerly, no zero_grad between replays) must
/// train a small model with a DendriteLayer exactly as the same loop run eagerly does: every parameter and the last
/// loss equal bit for bit after the same batches, from the same initial weights.
/// </summary>
internal static class GraphTrainingCheck
{
    private const int Steps = 30;
    private const int Batch = 256;

    public static int Run(Device device, string kernel)
    {
        var eager = Train(device, graph: false);
        var replayed = Train(device, graph: true);
        var worst = eager.Zip(replayed, (a, b) => (a.Name, Diff: (a.Value - b.Value).abs().max().item<float>())).MaxBy(t => t.Diff);
        var ok = eager.Count == replayed.Count && worst.Diff == 0;
        Console.WriteLine(FormattableString.Invariant($"{(ok ? "PASS" : "FAIL")} a training loop of {Steps} Adam steps, graph against eager, kernel:{kernel}: {eager.Count} tensors, largest difference {worst.Diff:G3} ({worst.Name}), last loss {eager[0].Value.item<float>():G6}"));
        foreach (var (_, t) in eager.Concat(replayed))
        {
            t.Dispose();
        }

        return ok ? 0 : 1;
    }

    private static List<(string Name, Tensor Value)> Train(Device device, bool graph)
    {
        manual_seed(11);
        using var model = nn.Sequential(
            ("hidden", new DendriteLayer(nn.Linear(64, 32), new DendriteOptions(), 2)),
            ("act", nn.ReLU()),
            ("head", new DendriteLayer(nn.Linear(32, 10), new DendriteOptions(), 1)));
        model.to(device);
        using (no_grad())
        {
            foreach (var (key, p) in model.named_parameters().Where(p => p.name.EndsWith(".u", StringComparison.Ordinal) || p.name.EndsWith(".v", StringComparison.Ordinal)))
            {
                // Drawn on the CPU: TorchSharp's manual_seed does not reset the CUDA generator, so CUDA draws would
                // differ between the two runs.
                p.copy_(randn(p.shape) * 0.3);
            }
        }

        using var optimizer = optim.Adam(model.parameters(), lr: 1e-2);
        manual_seed(12);
        var batches = Enumerable.Range(0, Steps).Select(_ => (X: randn(Batch, 64).to(device), Y: randint(10, new long[] { Batch }).to(device))).ToList();
        using var input = zeros(Batch, 64, device: device);
        using var target = zeros(new long[] { Batch }, ScalarType.Int64, device: device);
        var loss = zeros(1, device: device);
        void Step()
        {
            model.zero_grad();
            using var scope = NewDisposeScope();
            var l = nn.functional.cross_entropy(model.call(input), target);
            l.backward();
            using (no_grad())
            {
                loss.copy_(l);
            }
        }

        input.copy_(batches[0].X);
        target.copy_(batches[0].Y);
        using var captured = graph ? CudaGraphStep.Capture(Step, device) : null;
        foreach (var (x, y) in batches)
        {
            input.copy_(x);
            target.copy_(y);
            if (captured is null)
            {
                // The path a capture takes: the fused cascade takes the one-set head layer's step then too.
                GraphCaptureState.During(Step);
            }
            else
            {
                captured.Replay();
            }

            optimizer.step();
        }

        cuda.synchronize(device);
        var result = new List<(string, Tensor)> { ("last loss", loss) };
        result.AddRange(model.named_parameters().Select(p => (p.name, p.parameter.detach().clone())));
        foreach (var (x, y) in batches)
        {
            x.Dispose();
            y.Dispose();
        }

        // The graph's gradient tensors go with it: none is left on the parameters for an eager step to add to.
        model.zero_grad();
        return result;
    }
}
