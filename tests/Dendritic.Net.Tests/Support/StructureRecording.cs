using System;

namespace Dendritic.Tests.Support;

/// <summary>Records the dendrite layers a forward runs, as a captured CUDA graph step does (<see cref="StructureWatch"/>).</summary>
internal static class StructureRecording
{
    /// <summary>Records while <paramref name="forward"/> runs (a failing one leaves its recording to the fixture's TearDown).</summary>
    public static StructureSnapshot Record(Action forward)
    {
        var outer = StructureWatch.Begin();
        forward();
        return StructureWatch.End(outer);
    }
}
