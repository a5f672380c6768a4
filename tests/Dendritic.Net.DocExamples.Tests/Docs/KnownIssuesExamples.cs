using System;
using System.Runtime;
using TorchSharp;

namespace DocExamples.InKnownIssues;

/// <summary>docs/known-issues.md's example: an optimizer step where no garbage collection can start.</summary>
public static class KnownIssuesExamples
{
    public static void StepWithoutCollections(torch.optim.Optimizer optimizer)
    {
        // doc-example: docs/known-issues.md
        if (GC.TryStartNoGCRegion(64L << 20))   // room for the step's own allocations
        {
            try { optimizer.step(); }
            finally { if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion(); }
        }
        else
        {
            optimizer.step();
        }
        // end doc-example
    }
}
