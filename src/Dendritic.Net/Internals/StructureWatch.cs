using System;
using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// Records, on one thread and only while asked to, which dendrite layers ran and what they computed with. Dendritic.Net.Cuda's
/// <c>CudaGraphStep</c> records while it captures a step, and refuses to replay the graph once one of those layers has
/// changed (growth, a revert, pruning, switching dendrites, a move, freezing, unwrapping, disposal): the graph would go on
/// computing the old model. Layers call <see cref="Record"/> on every forward; outside a recording that is one
/// thread-static read. Layers that run on other threads than the recording one are not recorded.
/// </summary>
internal static class StructureWatch
{
    [ThreadStatic]
    private static List<(IStructureSource Source, LayerStructure Structure)>? _recorded;

    /// <summary>Starts recording on this thread; returns the recording under way, if any, for <see cref="End"/> to resume.</summary>
    public static object? Begin()
    {
        var outer = _recorded;
        _recorded = new List<(IStructureSource, LayerStructure)>();
        return outer;
    }

    /// <summary>
    /// Stops recording on this thread, resumes <paramref name="outer"/> (what <see cref="Begin"/> returned) and returns what
    /// was recorded since that <see cref="Begin"/>.
    /// </summary>
    public static StructureSnapshot End(object? outer)
    {
        var recorded = _recorded ?? new List<(IStructureSource, LayerStructure)>();
        _recorded = outer as List<(IStructureSource, LayerStructure)>;
        return new StructureSnapshot(recorded);
    }

    /// <summary>
    /// Records <paramref name="source"/>'s structure, once per layer, while this thread records, and whether autograd
    /// recorded any of its runs (<see cref="LayerStructure.Trained"/>).
    /// </summary>
    public static void Record(IStructureSource source)
    {
        if (_recorded is not { } recorded)
        {
            return;
        }

        var trained = TorchSharp.torch.is_grad_enabled();
        for (var i = 0; i < recorded.Count; i++)
        {
            var (known, structure) = recorded[i];
            if (ReferenceEquals(known, source))
            {
                if (trained && !structure.Trained)
                {
                    // Run without gradients before: the same structure, now with the parameters' trainability.
                    recorded[i] = (known, source.CurrentStructure(trained: true));
                }

                return;
            }
        }

        recorded.Add((source, source.CurrentStructure(trained)));
    }
}
