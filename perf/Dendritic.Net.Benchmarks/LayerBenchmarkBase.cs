using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// Shared parameters and setup of the layer suites: one undecorated host (the baseline) and one DendriteLayer of
/// the same shape with <see cref="Dendrites"/> sets, both on <see cref="Device"/> in <see cref="DType"/>.
/// </summary>
public abstract class LayerBenchmarkBase
{
    private nn.Module<Tensor, Tensor>? _host;
    private DendriteLayer? _layer;
    private Tensor? _input;
    private Tensor? _gradOutput;
    private Device? _device;
    private Dendritic.Cuda.CudaGraphStep? _plainGraph;
    private Dendritic.Cuda.CudaGraphStep? _layerGraph;
    private bool _capturing;

    /// <summary>Device name: cpu or cuda (chosen by --device).</summary>
    [ParamsSource(nameof(DeviceValues))]
    public string Device { get; set; } = "cpu";

    /// <summary>Element type (chosen by --dtype; float32 on CPU, float32 and bfloat16 on CUDA by default).</summary>
    [ParamsSource(nameof(DTypeValues))]
    public string DType { get; set; } = "float32";

    /// <summary>Host layer kind.</summary>
    [Params("Linear", "Conv2d")]
    public string Host { get; set; } = "Linear";

    /// <summary>Shape class; see <see cref="LayerCase"/>.</summary>
    [ParamsSource(nameof(SizeValues))]
    public string Size { get; set; } = "small";

    /// <summary>Dendrite sets in the decorated layer.</summary>
    [ParamsSource(nameof(DendriteValues))]
    public int Dendrites { get; set; } = 1;

    /// <summary>How the dendrite projections run (chosen by --projection; default Auto).</summary>
    [ParamsSource(nameof(ProjectionValues))]
    public string Projection { get; set; } = nameof(DendriteProjection.Auto);

    /// <summary>Cascade implementation (chosen by --kernel; default reference): reference or cuda (the fused kernel).</summary>
    [ParamsSource(nameof(KernelValues))]
    public string Kernel { get; set; } = "reference";

    /// <summary>How a step runs (chosen by --capture; default eager): eager, or graph (captured once as a CUDA graph in setup, then replayed).</summary>
    [ParamsSource(nameof(CaptureValues))]
    public string Capture { get; set; } = "eager";

    public static IEnumerable<string> CaptureValues => BenchSettings.Captures;

    public static IEnumerable<string> KernelValues => BenchSettings.Kernels;

    public static IEnumerable<string> ProjectionValues => BenchSettings.Projections;

    public static IEnumerable<string> DeviceValues => BenchSettings.Devices;

    public static IEnumerable<string> DTypeValues => BenchSettings.DTypes;

    public static IEnumerable<string> SizeValues => BenchSettings.Sizes;

    public static IEnumerable<int> DendriteValues => BenchSettings.DendriteCounts;

    /// <summary>The undecorated host module.</summary>
    protected nn.Module<Tensor, Tensor> HostModule => _host!;

    /// <summary>The decorated layer.</summary>
    protected DendriteLayer Layer => _layer!;

    /// <summary>The input batch (no gradient: the layer stands first in its model).</summary>
    protected Tensor Input => _input!;

    /// <summary>A fixed upstream gradient shaped like the output.</summary>
    protected Tensor GradOutput => _gradOutput!;

    /// <summary>Builds both modules and the tensors once per parameter combination.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _device = TorchEnv.Device(Device);
        // Process-wide, and set for every case: BenchmarkDotNet runs the cases one after another in this process.
        if (Kernel == "cuda")
        {
            Dendritic.Cuda.CudaCascade.Enable();
        }
        else
        {
            Dendritic.Cuda.CudaCascade.Disable();
        }

        var dtype = TorchEnv.DType(DType);
        var layerCase = new LayerCase(Host, Size, Device);
        manual_seed(42);
        _host = layerCase.CreateHost();
        _host.to(_device).to(dtype);
        var decoratedHost = layerCase.CreateHost();
        decoratedHost.to(_device).to(dtype);
        var options = new DendriteOptions { Projection = System.Enum.Parse<DendriteProjection>(Projection) };
        _layer = new DendriteLayer(decoratedHost, options, Dendrites);
        _input = randn(layerCase.InputShape(), dtype: dtype, device: _device);
        using (no_grad())
        {
            using var probe = _host.call(_input);
            _gradOutput = randn_like(probe);
        }

        if (Capture == "graph")
        {
            // Both layers alike, so that the ratio compares the GPU's work and not the CPU's dispatch of it. The step
            // does not synchronise while it is prepared and captured (a capture cannot hold that); Measure does.
            _host.zero_grad();
            _layer.zero_grad();
            _capturing = true;
            try
            {
                _plainGraph = Dendritic.Cuda.CudaGraphStep.Capture(() => RunStep(_host), _device);
                _layerGraph = Dendritic.Cuda.CudaGraphStep.Capture(() => RunStep(_layer), _device);
            }
            finally
            {
                _capturing = false;
            }
        }

        TorchEnv.Sync(_device);
    }

    /// <summary>Frees the modules and tensors, so that the next combination starts from an empty device.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _plainGraph?.Dispose();
        _layerGraph?.Dispose();
        _plainGraph = null;
        _layerGraph = null;
        _input?.Dispose();
        _gradOutput?.Dispose();
        _host?.Dispose();
        _layer?.Dispose();
        _host = null;
        _layer = null;
        System.GC.Collect();
        System.GC.WaitForPendingFinalizers();
    }

    /// <summary>One step of the suite on <paramref name="module"/>, waiting for the device at the end unless it is being captured.</summary>
    protected abstract void RunStep(nn.Module<Tensor, Tensor> module);

    /// <summary>
    /// One measured step on <paramref name="module"/>: <see cref="RunStep"/>, or, with <see cref="Capture"/> "graph",
    /// the replay of its graph followed by a wait for the device.
    /// </summary>
    protected void Measure(nn.Module<Tensor, Tensor> module)
    {
        var graph = ReferenceEquals(module, _host) ? _plainGraph : _layerGraph;
        if (graph is null)
        {
            RunStep(module);
        }
        else
        {
            graph.Replay();
            TorchEnv.Sync(_device!);
        }
    }

    /// <summary>Forward of <paramref name="module"/> with autograd recording (as in training).</summary>
    protected void Forward(nn.Module<Tensor, Tensor> module)
    {
        using var scope = NewDisposeScope();
        module.call(Input);
        SyncUnlessCapturing();
    }

    /// <summary>Forward and backward (a training step without the optimizer); gradients are dropped afterwards.</summary>
    protected void ForwardBackward(nn.Module<Tensor, Tensor> module)
    {
        using (var scope = NewDisposeScope())
        {
            var output = module.call(Input);
            output.backward(new[] { GradOutput });
        }

        module.zero_grad();
        SyncUnlessCapturing();
    }

    /// <summary>Forward under no_grad (inference).</summary>
    protected void Inference(nn.Module<Tensor, Tensor> module)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        module.call(Input);
        SyncUnlessCapturing();
    }

    // Inside the dispose scope, as before graphs existed, so that eager rows stay comparable with earlier runs.
    private void SyncUnlessCapturing()
    {
        if (!_capturing)
        {
            TorchEnv.Sync(_device!);
        }
    }
}
