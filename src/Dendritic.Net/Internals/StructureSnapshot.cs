using System;
using System.Collections.Generic;

namespace Dendritic;

/// <summary>The layers a <see cref="StructureWatch"/> recording saw run, each with its structure at the time.</summary>
internal sealed class StructureSnapshot
{
    private readonly IReadOnlyList<(IStructureSource Source, LayerStructure Structure)> _recorded;

    internal StructureSnapshot(IReadOnlyList<(IStructureSource Source, LayerStructure Structure)> recorded) => _recorded = recorded;

    /// <summary>Number of layers recorded.</summary>
    public int Layers => _recorded.Count;

    /// <summary>
    /// The name of the first layer recorded while an activation monitor or cascade-correlation's candidate phase watched
    /// it (a graph cannot replay what they record on the host); null when none was.
    /// </summary>
    public string? FirstWatched()
    {
        foreach (var (source, structure) in _recorded)
        {
            if (structure.Watched)
            {
                return source.StructureName;
            }
        }

        return null;
    }

    /// <summary>
    /// The first change since the recording (see <see cref="LayerStructure.Change"/>); null when no layer changed. Never
    /// throws: a layer that can no longer be read (its module disposed) is a change too.
    /// </summary>
    public string? FirstChange()
    {
        foreach (var (source, then) in _recorded)
        {
            string? change;
            try
            {
                change = LayerStructure.Change(source, then, source.CurrentStructure(trained: false));
            }
#pragma warning disable CA1031 // Whatever keeps the layer from being read (a disposed module) makes the graph stale; the message says what.
            catch (Exception e)
#pragma warning restore CA1031
            {
                change = $"layer '{source.StructureName}' can no longer be read ({e.GetType().Name}: {e.Message})";
            }

            if (change is not null)
            {
                return change;
            }
        }

        return null;
    }
}
