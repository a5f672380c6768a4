using System;
using System.Diagnostics;
using System.IO;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// Every single-byte change (two XOR masks per byte) of a small checkpoint either loads a model whose outputs equal
/// the original's or throws the library's typed exception, each within a time and memory bound.
/// </summary>
[TestFixture]
public sealed class CheckpointFuzzTests
{
    // Guards against hangs and blow-ups, not speed targets: an intact load of this file takes milliseconds.
    private static readonly TimeSpan MaxTimePerLoad = TimeSpan.FromSeconds(10);
    private const long MaxBytesPerLoad = 64L << 20;

    [Test]
    public void Load_EverySingleByteChange_LoadsIdenticallyOrThrowsTyped()
    {
        manual_seed(11);
        using var temp = new TempFolder();
        var folder = temp.Path;
        var model = Small();
        var handle = Dendrites.Wrap(model);
        using (no_grad())
        {
            foreach (var p in handle.DendriteParameters())
            {
                p.normal_();
            }
        }

        using var input = randn(3, 2);
        using var expected = model.call(input);
        var path = Path.Combine(folder, "small.dndt");
        DendriteCheckpoint.Save(handle, path);
        var original = File.ReadAllBytes(path);
        var outcomes = new int[3];

        for (var i = 0; i < original.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0xFF })
            {
                var bytes = (byte[])original.Clone();
                bytes[i] ^= mask;
                File.WriteAllBytes(path, bytes);
                outcomes[Trial(path, input, expected, $"byte {i} ^ 0x{mask:X2}")]++;
            }
        }

        TestContext.Out.WriteLine($"{original.Length} bytes, {2 * original.Length} changes: {outcomes[0]} loaded identically, {outcomes[1]} corrupted, {outcomes[2]} other typed errors");
        outcomes[0].Should().BeGreaterThan(0, "changes to fields nobody reads (zip timestamps) load");
        outcomes[1].Should().BeGreaterThan(original.Length, "most changes are caught as corruption");
    }

    private static TorchSharp.Modules.Sequential Small() => nn.Sequential(("fc", nn.Linear(2, 2)));

    private static int Trial(string path, Tensor input, Tensor expected, string change)
    {
        var clock = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        int outcome;
        using (var scope = NewDisposeScope())
        {
            try
            {
                var fresh = Small();
                DendriteCheckpoint.Load(fresh, path);
                using var actual = fresh.call(input);
                TensorAssert.Identical(actual, expected, change + " loaded but changed the outputs");
                outcome = 0;
            }
            catch (CheckpointCorruptedException)
            {
                outcome = 1;
            }
            catch (CheckpointException)
            {
                outcome = 2;
            }
            catch (Exception e) when (e is not AssertionException)
            {
                Assert.Fail($"{change}: untyped {e.GetType().Name}: {e.Message}");
                throw;
            }
        }

        clock.Elapsed.Should().BeLessThan(MaxTimePerLoad, change);
        (GC.GetAllocatedBytesForCurrentThread() - allocated).Should().BeLessThan(MaxBytesPerLoad, change);
        return outcome;
    }
}
