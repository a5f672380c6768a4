using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// Runs cascade.cu's kernels on tensor memory. <see cref="CudaLauncher"/> launches them on the GPU; the tests run a
/// C# mirror of the same loops on CPU memory, so the autograd wiring and the algorithm are checked without a GPU.
/// </summary>
internal interface ICascadeLauncher
{
    /// <summary>Whether tensors on <paramref name="device"/> can be handed to this launcher.</summary>
    bool Supports(Device device);

    /// <summary>How many slices (blocks along rows) the backward kernel of <paramref name="problem"/> uses: the partial sums' first axis.</summary>
    int Slices(CascadeProblem problem);

    /// <summary>Queues the forward kernel.</summary>
    void Forward(CascadeForwardLaunch launch);

    /// <summary>Queues the backward kernel and the reduction of its partial sums.</summary>
    void Backward(CascadeBackwardLaunch launch);
}
