using Dendritic.Cuda;

namespace DocExamples.InCuda;

/// <summary>docs/cuda.md's examples; this file has exactly the usings of the fused-cascade example.</summary>
public static partial class CudaExamples
{
    public static void FusedCascade()
    {
        // doc-example: docs/cuda.md
        CudaCascade.Enable();    // from now on every DendriteLayer on CUDA uses the fused cascade
        // ... train, evaluate ...
        CudaCascade.Disable();   // back to the reference path
        // end doc-example
    }
}
