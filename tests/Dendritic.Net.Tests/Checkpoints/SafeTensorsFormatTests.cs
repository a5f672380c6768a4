using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

[TestFixture]
public sealed class SafeTensorsFormatTests
{
    [Test]
    public void WriteThenRead_EveryDtypeAndShape_GivesIdenticalTensors()
    {
        manual_seed(1);
        var tensors = new List<(string, Tensor)>
        {
            ("f64", randn(3, 2, dtype: ScalarType.Float64)),
            ("f32", randn(4, 5)),
            ("f16", randn(7, dtype: ScalarType.Float16)),
            ("bf16", randn(2, 3, dtype: ScalarType.BFloat16)),
            ("i64", randint(-100, 100, new long[] { 6 }, dtype: ScalarType.Int64)),
            ("i32", randint(-100, 100, new long[] { 2, 2 }, dtype: ScalarType.Int32)),
            ("i16", randint(-100, 100, new long[] { 3 }, dtype: ScalarType.Int16)),
            ("i8", randint(-100, 100, new long[] { 3 }, dtype: ScalarType.Int8)),
            ("u8", randint(0, 255, new long[] { 5 }, dtype: ScalarType.Byte)),
            ("bool", randint(0, 2, new long[] { 4 }).to(ScalarType.Bool)),
            ("scalar", tensor(3.5f)),
            ("empty", zeros(0, 3)),
            ("transposed", randn(3, 4).t()),
        };

        var read = RoundTrip(tensors, out var header);

        read.Keys.Should().BeEquivalentTo(tensors.Select(t => t.Item1));
        foreach (var (key, expected) in tensors)
        {
            read[key].dtype.Should().Be(expected.dtype, key);
            read[key].shape.Should().Equal(expected.shape, key);
            using var contiguous = expected.contiguous();
            read[key].bytes.ToArray().Should().Equal(contiguous.bytes.ToArray(), key);
        }

        header.Entries.Should().HaveCount(tensors.Count);
        SafeTensorsFormat.Dispose(read);
        tensors.ForEach(t => t.Item2.Dispose());
    }

    [Test]
    public void Write_HeaderIsPaddedAndReadableJson()
    {
        using var stream = new MemoryStream();
        using var t = ones(2);
        SafeTensorsFormat.Write(stream, new[] { ("a", t) }, new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = stream.ToArray();
        var length = BitConverter.ToInt64(bytes, 0);
        (length % 8).Should().Be(0);
        var json = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)length).TrimEnd();
        json.Should().Be("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        bytes.Length.Should().Be((int)(8 + length + 8));
    }

    [Test]
    public void Write_LeavesNoLiveTensors()
    {
        using var a = randn(40, 30);
        using var b = randn(30, 40).t();
        using var scope = NewDisposeScope();

        SafeTensorsFormat.Write(Stream.Null, new[] { ("a", a), ("b", b) });

        scope.DisposablesCount.Should().Be(0);
    }

    [Test]
    public void ReadHeader_FileShorterThanHeaderLength_ThrowsCorrupted()
    {
        using var stream = new MemoryStream(new byte[] { 200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' });

        var act = () => SafeTensorsFormat.ReadHeader(stream, stream.Length, CheckpointLoadOptions.Default, "x");

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*runs past the end*");
    }

    /// <summary>
    /// A 2.5 GiB tensor (a broadcast view, so it costs no memory) goes through the whole archive writer into a stream
    /// that only counts: the save path has no MemoryStream, no 2 GiB span and no full-size copy.
    /// </summary>
    [Test]
    [Category(TestCategories.Slow)]
    public void WriteArchive_TensorOverTwoGibibytes_StreamsEveryByte()
    {
        const long elements = 671_088_640; // 2.5 GiB of float32
        using var one = ones(1);
        using var huge = one.expand(elements);
        using var counter = new CountingStream();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var manifest = DendriteCheckpoint.WriteArchive(counter, new[] { ("huge", huge) }, null, (sha, bytes, _) => new CheckpointManifest
        {
            LibraryVersion = "test",
            Dendrite = DendriteOptions.Default,
            Layers = Array.Empty<CheckpointLayer>(),
            WeightsSha256 = sha,
            WeightsBytes = bytes,
            TensorCount = 1,
        });

        manifest.WeightsBytes.Should().BeGreaterThan(elements * 4);
        counter.Written.Should().BeGreaterThan(elements * 4);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(256L << 20, "no managed copy of the tensor is made");
    }

    private static Dictionary<string, Tensor> RoundTrip(IReadOnlyList<(string, Tensor)> tensors, out SafeTensorsHeader header)
    {
        using var stream = new MemoryStream();
        SafeTensorsFormat.Write(stream, tensors);
        stream.Position = 0;
        header = SafeTensorsFormat.ReadHeader(stream, stream.Length, CheckpointLoadOptions.Default, "memory");
        return SafeTensorsFormat.ReadTensors(stream, header);
    }

    /// <summary>A write-only, non-seekable stream that keeps nothing.</summary>
    private sealed class CountingStream : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => Written;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written += count;

        public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;
    }
}
