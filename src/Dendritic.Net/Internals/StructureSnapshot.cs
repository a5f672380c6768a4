using System.Collections.Generic;

namespace Dendritic;

/// <summary>The layers a <see cref="StructureWatch"/> recording saw run, each with its structure at the time.</summary>
internal sealed class StructureSnapshot
{
    private readonly IReadOnlyList<(IStructureSource Source, LayerStructure Structure)> _recorded;

    internal StructureSnapshot(IReadOnlyList<(IStructureSource Source, LayerStructure Structure)> recorded) => _recorded = recorded;

    /// <summary>Number of layers recorded.</summary>
    public int Layers => _recorded.Count;

    /// <summary>The first change since the recording (see <see cref="LayerStructure.Change"/>); null when no layer changed.</summary>
    public string? FirstChange()
    {
        foreach (var (source, then) in _recorded)
        {
            if (LayerStructure.Change(source.StructureName, then, source.CurrentStructure()) is { } change)
            {
                return change;
            }
        }

        return null;
    }
}
