using System;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// Launches cascade.cu's kernels through the CUDA driver API, in libtorch's primary context and on libtorch's current
/// stream of the device (<see cref="LibTorchCuda.CurrentStream"/>: the legacy default stream unless something, such as
/// a <see cref="CudaGraphStep"/> capture, set another), so every kernel here runs after the libtorch work queued before
/// it and before the work queued after it, with no synchronisation, and is captured with it. The context is made
/// current for each call only: the launching thread's own current context (or none) is current again afterwards.
/// </summary>
internal sealed unsafe class CudaLauncher : ICascadeLauncher
{
    private const int RowsBlock = 128;
    private const int PositionsBlock = 256; // POSITIONS_BLOCK in cascade.cu
    private const int ReduceBlock = 256;
    private const int MaxGridY = 65535;

    /// <summary>Resident blocks aimed for per multiprocessor by default: enough to hide memory latency, few partial sums.</summary>
    internal const int DefaultBlocksPerMultiprocessor = 8;

    private readonly CudaModuleCache _modules;
    private readonly int _blocksPerMultiprocessor;

    /// <param name="modules">The compiled kernels.</param>
    /// <param name="blocksPerMultiprocessor">Blocks aimed for per multiprocessor (the benchmarks' A/B; default 8).</param>
    public CudaLauncher(CudaModuleCache modules, int blocksPerMultiprocessor = DefaultBlocksPerMultiprocessor)
    {
        _modules = modules;
        _blocksPerMultiprocessor = blocksPerMultiprocessor;
    }

    public bool Supports(Device device) => device.type == DeviceType.CUDA;

    public int Slices(CascadeProblem problem) => Grid(problem).Y;

    public void Forward(CascadeForwardLaunch launch)
    {
        var device = Device(launch.Problem.DeviceIndex);
        device.InContext((Launcher: this, Device: device, Launch: launch), static s => s.Launcher.ForwardInContext(s.Device, s.Launch));
    }

    public void Backward(CascadeBackwardLaunch launch)
    {
        var device = Device(launch.Problem.DeviceIndex);
        device.InContext((Launcher: this, Device: device, Launch: launch), static s => s.Launcher.BackwardInContext(s.Device, s.Launch));
    }

    /// <summary>
    /// Opens <paramref name="problem"/>'s device and compiles and loads its module in the device's primary context
    /// (what the first launch would do), so that a driver or compiler problem shows now. The thread's current context
    /// is left as it was.
    /// </summary>
    /// <exception cref="CudaKernelException">The device, NVRTC or the driver fails; the message names the call and the fix.</exception>
    public void Preload(CascadeProblem problem)
    {
        var device = Device(problem.DeviceIndex);
        device.InContext((Modules: _modules, Device: device, Problem: problem), static s => s.Modules.Get(s.Problem, s.Device));
    }

    private static CudaDevice Device(int index) => CudaDevice.Get(index);

    // With the device's primary context current (InContext).
    private void ForwardInContext(CudaDevice device, CascadeForwardLaunch launch)
    {
        var problem = launch.Problem;
        var module = _modules.Get(problem, device);
        var output = launch.Output;
        var outputLayout = launch.OutputLayout;
        var host = launch.Host;
        var hostLayout = launch.HostLayout;
        var pre = Table(launch.Pre);
        var preLayout = launch.PreLayout;
        var weights = Weights(launch.U, launch.V);
        var shape = Shape(problem, 0);
        void** args = stackalloc void*[8];
        args[0] = &output;
        args[1] = &outputLayout;
        args[2] = &host;
        args[3] = &hostLayout;
        args[4] = &pre;
        args[5] = &preLayout;
        args[6] = &weights;
        args[7] = &shape;
        Launch(module.ForwardFor(problem), problem, args, LibTorchCuda.CurrentStream(problem.DeviceIndex), "cascade_forward");
    }

    // With the device's primary context current (InContext).
    private void BackwardInContext(CudaDevice device, CascadeBackwardLaunch launch)
    {
        var problem = launch.Problem;
        var module = _modules.Get(problem, device);
        var gradPre = Table(launch.GradPre);
        var gradPreLayout = launch.GradPreLayout;
        var grad = launch.Grad;
        var pre = Table(launch.Pre);
        var preLayout = launch.PreLayout;
        var weights = Weights(launch.U, launch.V);
        var partials = launch.Partials;
        var gradParams = launch.GradParams;
        var shape = Shape(problem, launch.Slices);
        void** args = stackalloc void*[8];
        args[0] = &gradPre;
        args[1] = &gradPreLayout;
        args[2] = &grad;
        args[3] = &pre;
        args[4] = &preLayout;
        args[5] = &weights;
        args[6] = &partials;
        args[7] = &shape;
        // One lookup for both kernels: the reduction runs on the stream the backward kernel wrote its partials on.
        var stream = LibTorchCuda.CurrentStream(problem.DeviceIndex);
        Launch(module.BackwardFor(problem), problem, args, stream, "cascade_backward");

        void** reduceArgs = stackalloc void*[3];
        reduceArgs[0] = &partials;
        reduceArgs[1] = &gradParams;
        reduceArgs[2] = &shape;
        var count = (long)problem.GradientRows * problem.Neurons;
        var blocks = (uint)((count + ReduceBlock - 1) / ReduceBlock);
        CudaDriver.Check(CudaDriver.LaunchKernel(module.Reduce, blocks, 1, 1, ReduceBlock, 1, 1, 0, stream, reduceArgs, null), "cuLaunchKernel(cascade_reduce)");
    }

    private void Launch(IntPtr function, CascadeProblem problem, void** args, IntPtr stream, string name)
    {
        var (x, y, block) = Grid(problem);
        CudaDriver.Check(CudaDriver.LaunchKernel(function, (uint)x, (uint)y, 1, (uint)block, 1, 1, 0, stream, args, null), $"cuLaunchKernel({name})");
    }

    /// <summary>
    /// Rows: a thread per neuron (per two with <see cref="CascadeProblem.Pairs"/>), blocks of 128 along neurons;
    /// positions: a block of 256 per neuron. Either way as many slices along the rest as fill the GPU about
    /// <see cref="DefaultBlocksPerMultiprocessor"/> (or the number given) blocks per multiprocessor. The rows' slice
    /// count depends on the shape alone (an even neuron count is counted in pairs whether or not the tensors allow
    /// them), so u's and v's gradients, summed slice by slice, come out bit for bit the same on either mapping.
    /// </summary>
    private (int X, int Y, int Block) Grid(CascadeProblem problem)
    {
        var multiprocessors = Device(problem.DeviceIndex).Multiprocessors;
        var target = (long)multiprocessors * _blocksPerMultiprocessor;
        if (problem.ByRows)
        {
            var single = (problem.Neurons + RowsBlock - 1) / RowsBlock;
            var paired = (problem.Neurons + (2 * RowsBlock) - 1) / (2 * RowsBlock);
            var sliceBlocks = problem.Neurons % 2 == 0 ? paired : single;
            var y = Math.Clamp((target + sliceBlocks - 1) / sliceBlocks, 1, Math.Min(problem.Outer, MaxGridY));
            return (problem.Pairs ? paired : single, (int)y, RowsBlock);
        }

        var work = (problem.Outer * problem.Inner + PositionsBlock - 1) / PositionsBlock;
        var slices = Math.Clamp((target + problem.Neurons - 1) / problem.Neurons, 1, Math.Min(work, MaxGridY));
        return (problem.Neurons, (int)slices, PositionsBlock);
    }

    private static KernelShape Shape(CascadeProblem problem, int slices) => new()
    {
        Outer = problem.Outer,
        Inner = problem.Inner,
        Neurons = problem.Neurons,
        Slices = slices,
    };

    private static PointerTable Table(IntPtr[] pointers)
    {
        var table = default(PointerTable);
        for (var k = 0; k < pointers.Length; k++)
        {
            table.P[k] = pointers[k].ToInt64();
        }

        return table;
    }

    private static KernelWeights Weights(IntPtr[] u, IntPtr[] v)
    {
        var weights = default(KernelWeights);
        for (var k = 0; k < u.Length; k++)
        {
            weights.U[k] = u[k].ToInt64();
            weights.V[k] = v[k].ToInt64();
        }

        return weights;
    }

    /// <summary>struct Sets (and GradSets) of cascade.cu: MAX_SETS device pointers.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PointerTable
    {
        public fixed long P[CascadeProblem.MaxSets];
    }

    /// <summary>struct Weights of cascade.cu: u pointers, then v pointers.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct KernelWeights
    {
        public fixed long U[CascadeProblem.MaxSets];
        public fixed long V[CascadeProblem.MaxSets];
    }

    /// <summary>struct Shape of cascade.cu.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct KernelShape
    {
        public long Outer;
        public long Inner;
        public int Neurons;
        public int Slices;
    }
}
