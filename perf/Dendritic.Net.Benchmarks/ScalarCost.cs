using System;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "scalar-cost" mode, a TorchSharp-only reproduction: what one TorchSharp <see cref="Scalar"/> made by an implicit
/// conversion (<c>t.mul_(0.9)</c>, <c>a.add(b)</c>, every number an optimizer passes) costs until its finalizer runs.
/// Dispose scopes do not track Scalars, so this is memory held until the next .NET garbage collection, per Scalar.
/// </summary>
internal static class ScalarCost
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        using var t = ones(4);
        var kept = new Scalar[count];
        var heapBefore = ProcessMemory.NativeHeapInUseMiB();
        var managedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            // What t.mul_(0.999) does inside: the double becomes a Scalar that nobody disposes. Kept here so that no
            // collection frees them while we measure.
            Scalar s = 0.999;
            t.mul_(s);
            kept[i] = s;
        }

        var managed = (GC.GetAllocatedBytesForCurrentThread() - managedBefore) / (double)count;
        var native = (ProcessMemory.NativeHeapInUseMiB() - heapBefore) * 1024 * 1024 / count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} undisposed Scalars: {native:0} bytes of native heap and {managed:0} managed bytes each, held until a .NET collection runs their finalizers"));
        GC.KeepAlive(kept);
        return 0;
    }
}
