using System;
using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// Records, on one thread and only while asked to, which dendrite layers ran and what they computed with. Dendritic.Net.Cuda's
/// <c>CudaGraphStep</c> records while it captures a step, and refuses to replay the graph once one of those layers has
/// changed (growth, a revert, pruning, switching dendrites, a move): the graph would go on computing the old model, on
/// memory that may have been freed. Layers call <see cref="Record"/> on every forward; outside a recording that is one
/// thread-static read.
/// </summary>
internal static class StructureWatch
{
    [ThreadStatic]
    private static List<(IStructureSource Source, LayerStructure Structure)>? _recorded;

    /// <summary>Starts recording on this thread, afresh (a recording already under way is dropped).</summary>
    public static void Begin() => _recorded = new List<(IStructureSource, LayerStructure)>();

    /// <summary>Stops recording on this thread and returns what was recorded (empty when nothing was).</summary>
    public static StructureSnapshot End()
    {
        var recorded = _recorded ?? new List<(IStructureSource, LayerStructure)>();
        _recorded = null;
        return new StructureSnapshot(recorded);
    }

    /// <summary>Records <paramref name="source"/>'s structure, once per layer, while this thread records.</summary>
    public static void Record(IStructureSource source)
    {
        if (_recorded is not { } recorded)
        {
            return;
        }

        foreach (var (known, _) in recorded)
        {
            if (ReferenceEquals(known, source))
            {
                return;
            }
        }

        recorded.Add((source, source.CurrentStructure()));
    }
}
