using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A detached copy of every named weight and buffer of a model plus its dendrite counts per layer, kept in memory or
/// written to a small self-describing binary file (per tensor: name, dtype, shape, raw bytes). The scheduler's own
/// format for best weights of models wrapped by hand and for the best-weights file saved next to a checkpoint.
/// </summary>
internal sealed class StoredWeights : IDisposable
{
    private const int Magic = 0x44475753;

    public StoredWeights(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, int> dendriteCounts)
    {
        Tensors = tensors;
        DendriteCounts = dendriteCounts;
    }

    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    public IReadOnlyDictionary<string, int> DendriteCounts { get; }

    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, int> counts, string path)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(Magic);
        writer.Write(counts.Count);
        foreach (var (name, count) in counts)
        {
            writer.Write(name);
            writer.Write(count);
        }

        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            // The scope frees the detach() and cpu() intermediates too, not only the contiguous copy.
            using var scope = NewDisposeScope();
            var cpu = tensor.detach().cpu().contiguous();
            writer.Write(name);
            writer.Write((int)cpu.dtype);
            writer.Write(cpu.shape.Length);
            foreach (var dim in cpu.shape)
            {
                writer.Write(dim);
            }

            var bytes = cpu.bytes;
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    public void Save(string path) => Write(Tensors, DendriteCounts, path);

    public static StoredWeights Load(string path, Device device)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadInt32() != Magic)
        {
            throw new InvalidDataException($"'{path}' is not a Dendritic.Net best-weights file.");
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = reader.ReadInt32(); i > 0; i--)
        {
            var name = reader.ReadString();
            counts[name] = reader.ReadInt32();
        }

        var tensorCount = reader.ReadInt32();
        var tensors = new Dictionary<string, Tensor>(tensorCount, StringComparer.Ordinal);
        for (var i = 0; i < tensorCount; i++)
        {
            var name = reader.ReadString();
            var dtype = (ScalarType)reader.ReadInt32();
            var shape = new long[reader.ReadInt32()];
            for (var d = 0; d < shape.Length; d++)
            {
                shape[d] = reader.ReadInt64();
            }

            var bytes = reader.ReadBytes(reader.ReadInt32());
            using var cpu = empty(shape, dtype);
            cpu.bytes = bytes;
            tensors[name] = cpu.to(device).DetachFromDisposeScope();
        }

        return new StoredWeights(tensors, counts);
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
