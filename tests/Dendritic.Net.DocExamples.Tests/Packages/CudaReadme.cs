using Dendritic.Cuda;
using TorchSharp;

namespace DocExamples.InPackageReadmes;

/// <summary>src/Dendritic.Net.Cuda/README.md's examples; the first lists its usings: this file has exactly those.</summary>
public static class CudaReadme
{
    public static void FusedKernel()
    {
        // doc-example: src/Dendritic.Net.Cuda/README.md
        CudaCascade.Enable();   // DendriteLayers on a CUDA device, float32 or bfloat16, use the fused kernel (exceptions below)
        // ... train ...
        CudaCascade.Disable();  // back to the reference path
        // end doc-example
    }

    public static void GraphStep(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.Tensor input, torch.Tensor gradOutput, torch.Tensor nextBatch)
    {
        // doc-example: src/Dendritic.Net.Cuda/README.md
        using var graph = CudaGraphStep.Capture(() =>
        {
            model.zero_grad();                      // gradients to none: each replay writes them afresh
            using var scope = torch.NewDisposeScope();
            model.call(input).backward(new[] { gradOutput });
        }, new torch.Device("cuda"));
        input.copy_(nextBatch);                     // a replay reads the same tensors: copy new data into them
        graph.Replay();                             // the whole step, one launch; then optimizer.step() eagerly
        // end doc-example
    }
}
