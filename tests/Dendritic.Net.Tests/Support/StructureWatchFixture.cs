using System;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Support;

/// <summary>
/// Base of the fixtures that record the dendrite layers a forward runs, as a captured CUDA graph step does
/// (<see cref="StructureWatch"/>): seeds each test and ends a recording that a failing test left open.
/// </summary>
public abstract class StructureWatchFixture
{
    [SetUp]
    public void Seed() => manual_seed(5);

    [TearDown]
    public void StopRecording() => StructureWatch.End(null);

    /// <summary>Records while <paramref name="forward"/> runs (a failing one leaves its recording to TearDown).</summary>
    internal static StructureSnapshot Record(Action forward)
    {
        var outer = StructureWatch.Begin();
        forward();
        return StructureWatch.End(outer);
    }
}
