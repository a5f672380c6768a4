using System.Collections.Generic;
using Dendritic;
using TorchSharp;
using static TorchSharp.torch;

namespace DocExamples.InCheckpoints;

/// <summary>docs/checkpoints.md's examples.</summary>
public sealed class CheckpointsExamples : DocExample
{
    public static void SaveAndLoad(DendriticModel handle, Tensor x)
    {
        // doc-example: docs/checkpoints.md
        DendriteCheckpoint.Save(handle, "model.dndt", extras: new Dictionary<string, string> { ["epoch"] = "12" });

        var fresh = BuildMyModel();                                // the same architecture, unwrapped
        var loaded = DendriteCheckpoint.Load(fresh, "model.dndt", sampleInput: x);  // wraps it as saved, loads every weight
        var restored = loaded.Handle;                              // (the sample: a check pass, and FLOPs in restored.Report())
        var epoch = loaded.Manifest.Extras["epoch"];
        // end doc-example
    }

    public static void SaveOptimizerState(DendriticModel handle, Dictionary<string, string> extras, optim.Optimizer optimizer)
    {
        // doc-example: docs/checkpoints.md
        DendriteCheckpoint.Save(handle, "run.dndt", extras, optimizer);         // the optimizer's state in the same file
        // end doc-example
    }

    public static void LoadOptimizerState(nn.Module<Tensor, Tensor> fresh)
    {
        // doc-example: docs/checkpoints.md
        var loaded = DendriteCheckpoint.Load(fresh, "run.dndt");
        var optimizer = optim.Adam(loaded.Handle.TrainableParameters(), 1e-3); // the saved type, over what trains now
        DendriteCheckpoint.LoadOptimizerState(loaded, optimizer);               // moments, step counts, learning rates
        // end doc-example
    }

    public static void LoadWithCaps(nn.Module<Tensor, Tensor> fresh)
    {
        // doc-example: docs/checkpoints.md
        var strict = new CheckpointLoadOptions { MaxWeightsBytes = 2L << 30, Logger = logger };  // refuse anything over 2 GiB
        var loaded = DendriteCheckpoint.Load(fresh, "shared.dndt", strict);
        // end doc-example
    }
}
