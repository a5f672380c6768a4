using Dendritic.Cuda;
using static TorchSharp.torch;

namespace DocExamples.InCuda;

/// <summary>docs/cuda.md's CUDA graph example, in a file with exactly its usings.</summary>
public static partial class CudaExamples
{
    public static void GraphStep(nn.Module<Tensor, Tensor> model, System.Collections.Generic.IEnumerable<(Tensor, Tensor)> batches, optim.Optimizer optimizer)
    {
        // doc-example: docs/cuda.md
        var cuda = new Device("cuda");
        var input = zeros(new long[] { 4096, 1024 }, device: cuda);   // the step reads its batch from here
        var target = zeros(new long[] { 4096 }, ScalarType.Int64, device: cuda);
        var loss = zeros(1, device: cuda);                              // and writes its loss here
        CudaCascade.Enable();                                           // optional: the fused cascade is captured too

        using var graph = CudaGraphStep.Capture(() =>
        {
            model.zero_grad();                                          // gradients to none: each replay writes them afresh
            using var scope = NewDisposeScope();
            var l = nn.functional.cross_entropy(model.call(input), target);
            l.backward();
            using (no_grad()) { loss.copy_(l); }
        }, cuda);

        foreach (var (x, y) in batches)                                // every batch of the captured shape
        {
            input.copy_(x); target.copy_(y);
            graph.Replay();                                             // forward and backward, one launch (throws if stale)
            optimizer.step();                                           // eagerly: see below; no zero_grad between replays
            // loss.item<float>() reads the loss when you need it (it waits for the GPU)
        }
        // end doc-example
    }
}
