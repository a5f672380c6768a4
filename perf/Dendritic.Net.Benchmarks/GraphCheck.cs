using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "graph-check" mode (issue 10, docs/cuda.md): a DendriteLayer's training step and inference captured as a CUDA
/// graph (<see cref="CudaGraphStep"/>) and replayed on a new batch must give what the same step run eagerly on that
/// batch gives: output, input gradient and every parameter gradient, bit for bit (the same kernels on the same data),
/// with the reference path and with the fused cascade, Linear and Conv2d, float32 and bfloat16, D = 1, 2, 4; and the
/// training loop of docs/cuda.md against the same loop run eagerly (<see cref="GraphTrainingCheck"/>). Then a
/// capture that reads a value on the host must fail with <see cref="CudaGraphException"/> and leave the process able
/// to run and capture again. Returns the number of failed rows.
/// </summary>
internal static class GraphCheck
{
    private static readonly (string Name, Func<nn.Module<Tensor, Tensor>> Make, long[] Input)[] Hosts =
    {
        ("Linear 64->48", () => nn.Linear(64, 48), new long[] { 37, 64 }),
        ("Linear 1024->1024 b4096", () => nn.Linear(1024, 1024), new long[] { 4096, 1024 }),
        ("Conv2d 64->64 k3 p1 32x32 b64", () => nn.Conv2d(64, 64, 3, padding: 1), new long[] { 64, 64, 32, 32 }),
    };

    public static int Run()
    {
        TorchEnv.EnsureCuda();
        var device = TorchEnv.Device("cuda");
        Console.WriteLine($"# graph-check on cuda: NVRTC {CudaCascade.NvrtcVersion()}, TorchSharp {typeof(torch).Assembly.GetName().Version}");
        var failed = 0;
        foreach (var kernel in new[] { "reference", "cuda" })
        {
            if (kernel == "cuda")
            {
                CudaCascade.Enable();
            }
            else
            {
                CudaCascade.Disable();
            }

            foreach (var (name, make, shape) in Hosts)
            {
                foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
                {
                    foreach (var sets in new[] { 1, 2, 4 })
                    {
                        failed += Case($"{name} {dtype} D={sets} kernel:{kernel}", make, shape, dtype, sets, device);
                    }
                }
            }

            failed += GraphTrainingCheck.Run(device, kernel);
        }

        CudaCascade.Disable();
        failed += InvalidCapture(device);
        failed += StaleGraph(device);
        failed += MonitoredCapture(device);
        failed += HookedBiasReplaced(device);
        Console.WriteLine($"graph-check: {failed} failed");
        return failed;
    }

    private static int Case(string label, Func<nn.Module<Tensor, Tensor>> make, long[] shape, ScalarType dtype, int sets, Device device)
    {
        manual_seed(7);
        var host = make();
        host.to(device).to(dtype);
        using var layer = new DendriteLayer(host, new DendriteOptions(), sets);
        using (no_grad())
        {
            // Nonzero u and v, so that every set and every cascade weight shows in the output.
            foreach (var (key, p) in layer.named_parameters())
            {
                if (key.EndsWith(".u", StringComparison.Ordinal) || key.EndsWith(".v", StringComparison.Ordinal))
                {
                    p.normal_(0, 0.3);
                }
            }
        }

        using var input = randn(shape, dtype: dtype, device: device);
        Tensor? trainOutput = null;
        Tensor? inferOutput = null;
        using (var probe = no_grad())
        {
            using var o = layer.call(input);
            trainOutput = zeros_like(o);
            inferOutput = zeros_like(o);
        }

        using var gradOutput = randn_like(trainOutput);
        input.requires_grad_(true);
        void TrainStep()
        {
            // Gradients set to none first (no kernel): each run, and so each replay, writes them afresh.
            layer.zero_grad();
            input.grad = null;
            using var scope = NewDisposeScope();
            var output = layer.call(input);
            output.backward(new[] { gradOutput });
            using (no_grad())
            {
                trainOutput.copy_(output);
            }
        }

        void InferStep()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            inferOutput.copy_(layer.call(input));
        }

        using var trainGraph = CudaGraphStep.Capture(TrainStep, device);
        using var inferGraph = CudaGraphStep.Capture(InferStep, device);

        // A new batch: the replay must read it, as an eager step does.
        using (no_grad())
        {
            input.copy_(randn(shape, dtype: dtype, device: device));
        }

        trainGraph.Replay();
        inferGraph.Replay();
        cuda.synchronize(device);
        var replayed = Snapshot(layer, input, trainOutput, inferOutput);

        // The eager step takes the path the capture took: a one-set training step goes to the fused kernel while a
        // capture is prepared (GraphCaptureState), and to the reference path otherwise.
        GraphCaptureState.During(() =>
        {
            TrainStep();
            InferStep();
        });

        cuda.synchronize(device);
        var eager = Snapshot(layer, input, trainOutput, inferOutput);

        var worst = replayed.Zip(eager, (a, b) => (a.Name, Diff: (a.Value.to_type(ScalarType.Float64) - b.Value.to_type(ScalarType.Float64)).abs().max().item<double>())).MaxBy(t => t.Diff);
        var missing = replayed.Count != eager.Count;
        var ok = !missing && worst.Diff == 0;
        Console.WriteLine(FormattableString.Invariant($"{(ok ? "PASS" : "FAIL")} {label}: {replayed.Count} tensors, largest difference {worst.Diff:G3} ({worst.Name})"));
        foreach (var (_, t) in replayed.Concat(eager))
        {
            t.Dispose();
        }

        trainOutput.Dispose();
        inferOutput.Dispose();
        return ok ? 0 : 1;
    }

    private static List<(string Name, Tensor Value)> Snapshot(DendriteLayer layer, Tensor input, Tensor trainOutput, Tensor inferOutput)
    {
        var list = new List<(string, Tensor)> { ("output", trainOutput.clone()), ("inference output", inferOutput.clone()), ("input grad", input.grad!.clone()) };
        foreach (var (key, p) in layer.named_parameters())
        {
            if (p.grad is { } g)
            {
                list.Add(($"{key} grad", g.clone()));
            }
        }

        return list;
    }

    private static int InvalidCapture(Device device)
    {
        using var x = randn(1000, device: device);
        var failed = 0;
        try
        {
            using var bad = CudaGraphStep.Capture(() => _ = x.sum().item<float>(), device, warmupRuns: 1);
            Console.WriteLine("FAIL a capture that reads a value on the host: no exception");
            failed++;
        }
        catch (CudaGraphException e)
        {
            Console.WriteLine($"PASS a capture that reads a value on the host: CudaGraphException: {e.Message} (inner: {e.InnerException?.GetType().Name})");
        }

        // A capture that something invalidates (here a synchronisation of the capturing stream through the driver,
        // which returns an error instead of throwing) is ended without libtorch's capture_end throwing.
        try
        {
            using var target = zeros(1000, device: device);
            using var bad = CudaGraphStep.Capture(
                () =>
                {
                    target.copy_(x * 2);
                    _ = CudaDriver.StreamSynchronize(LibTorchCuda.CurrentStream(device.index < 0 ? 0 : device.index));
                },
                device,
                warmupRuns: 1);
            Console.WriteLine("FAIL an invalidated capture: no exception");
            failed++;
        }
        catch (CudaGraphException e)
        {
            Console.WriteLine($"PASS an invalidated capture: CudaGraphException: {e.Message}");
        }

        // The process goes on: eager work and a new capture still run.
        try
        {
            using var y = x * 2;
            var eager = y.sum().item<float>();
            using var target = zeros(1000, device: device);
            using var good = CudaGraphStep.Capture(() => target.copy_(x * 2), device, warmupRuns: 1);
            target.zero_();
            good.Replay();
            cuda.synchronize(device);
            var replayed = target.sum().item<float>();
            var ok = Math.Abs(replayed - eager) <= 1e-3 * Math.Abs(eager) + 1e-3;
            Console.WriteLine(FormattableString.Invariant($"{(ok ? "PASS" : "FAIL")} after the failed capture: eager sum {eager:G6}, replayed capture {replayed:G6}"));
            failed += ok ? 0 : 1;
        }
        catch (Exception e)
        {
            Console.WriteLine($"FAIL after the failed capture: {e.GetType().Name}: {e.Message}");
            failed++;
        }

        return failed;
    }

    /// <summary>
    /// A graph whose dendrite layer changed after the capture (growth, switched off) is refused with the layer named,
    /// replays again once the change is undone, and a capture of the grown layer replays what it computes eagerly.
    /// </summary>
    private static int StaleGraph(Device device)
    {
        var failed = 0;
        void Report(bool ok, string what)
        {
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} {what}");
            failed += ok ? 0 : 1;
        }

        manual_seed(3);
        using var layer = new DendriteLayer(nn.Linear(64, 48), dendrites: 1);
        layer.to(device);
        using var input = randn(37, 64, device: device);
        using var output = zeros(37, 48, device: device);
        var step = InferenceInto(layer, input, output);

        using (var graph = CudaGraphStep.Capture(step, device, warmupRuns: 1))
        {
            layer.Enabled = false;
            Report(graph.IsStale && Throws(graph), "a graph whose layer's dendrites were switched off is stale and refused");
            layer.Enabled = true;
            Report(!graph.IsStale && !Throws(graph), "the same graph replays once they are switched on again");
            layer.Branch.Sets[0].Frozen = true;
            Report(!graph.IsStale && !Throws(graph), "an inference graph replays after a set was frozen (it computes no gradients)");
            layer.Branch.Sets[0].Frozen = false;
            layer.AddDendrites();
            Report(graph.IsStale && Throws(graph), "a graph whose layer grew a set is stale and refused");
        }

        // Freezing matters to a graph that computes gradients.
        void TrainStep()
        {
            layer.zero_grad();
            using var scope = NewDisposeScope();
            layer.call(input).sum().backward();
        }

        using (var training = CudaGraphStep.Capture(TrainStep, device, warmupRuns: 1))
        {
            layer.Branch.Sets[0].Frozen = true;
            Report(training.IsStale && Throws(training), "a training graph whose layer's set was frozen is stale and refused");
            layer.Branch.Sets[0].Frozen = false;
            Report(!training.IsStale && !Throws(training), "the same training graph replays once the set trains again");
        }

        layer.zero_grad();
        using (no_grad())
        {
            layer.Branch.Sets[1].OutputScale.fill_(0.5);
        }

        using var regrown = CudaGraphStep.Capture(step, device, warmupRuns: 1);
        output.zero_();
        regrown.Replay();
        using var noGrad = no_grad();
        using var eager = layer.call(input);
        Report(output.allclose(eager, rtol: 0, atol: 0), "a capture of the grown layer replays its eager output bit for bit");
        return failed;

        static bool Throws(CudaGraphStep graph)
        {
            try
            {
                graph.Replay();
                return false;
            }
            catch (CudaGraphException e)
            {
                Console.WriteLine($"  CudaGraphException: {e.Message}");
                return true;
            }
        }
    }

    /// <summary>A step that runs <paramref name="module"/> on <paramref name="input"/> without autograd and copies its output into <paramref name="output"/>.</summary>
    private static Action InferenceInto(nn.Module<Tensor, Tensor> module, Tensor input, Tensor output) => () =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        output.copy_(module.call(input));
    };

    /// <summary>A capture during which an activation monitor watches a layer is refused; once it is disposed, the capture replays.</summary>
    private static int MonitoredCapture(Device device)
    {
        manual_seed(4);
        var model = nn.Sequential(("fc", nn.Linear(64, 48)));
        model.to(device);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(37, 64, device: device);
        using var output = zeros(37, 48, device: device);
        var step = InferenceInto(model, input, output);

        var failed = 0;
        var monitor = handle.MonitorActivations();
        try
        {
            using var refused = CudaGraphStep.Capture(step, device, warmupRuns: 1);
            Console.WriteLine("FAIL a capture while an activation monitor watches: no exception");
            failed++;
        }
        catch (CudaGraphException e)
        {
            Console.WriteLine($"PASS a capture while an activation monitor watches: CudaGraphException: {e.Message}");
        }

        monitor.Dispose();
        using var graph = CudaGraphStep.Capture(step, device, warmupRuns: 1);
        output.zero_();
        graph.Replay();
        using (no_grad())
        {
            using var eager = model.call(input);
            var ok = output.allclose(eager, rtol: 0, atol: 0) && !graph.IsStale;
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} the same capture once the monitor is disposed replays its eager output bit for bit");
            failed += ok ? 0 : 1;
        }

        return failed;
    }

    /// <summary>A hooked host whose bias alone is replaced makes a graph stale (the check compared only the weight, and a replay read the old bias).</summary>
    private static int HookedBiasReplaced(Device device)
    {
        manual_seed(5);
        var model = new HookedLinear();
        model.to(device);
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(37, 64, device: device);
        using var output = zeros(37, 48, device: device);
        using var graph = CudaGraphStep.Capture(InferenceInto(model, input, output), device, warmupRuns: 1);
        var replays = !graph.IsStale;
        model.Fc.bias = new TorchSharp.Modules.Parameter(zeros(48, device: device));
        var ok = replays && graph.IsStale;
        Console.WriteLine($"{(ok ? "PASS" : "FAIL")} a graph whose hooked host's bias was replaced (its weight kept) is stale");
        return ok ? 0 : 1;
    }

    /// <summary>A Linear in a field typed as the concrete layer, which the wrapper hooks instead of replacing.</summary>
    private sealed class HookedLinear : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(64, 48);

        public HookedLinear()
            : base(nameof(HookedLinear)) => RegisterComponents();

        public TorchSharp.Modules.Linear Fc => fc;

        public override Tensor forward(Tensor input) => fc.call(input);
    }
}
