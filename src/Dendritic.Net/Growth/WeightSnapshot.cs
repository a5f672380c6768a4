using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A detached copy of every named weight and buffer of a model, with the dendrite count it was taken at. Kept in
/// memory or written to a small self-describing binary file (name, dtype, shape, raw little-endian bytes per tensor).
/// </summary>
internal sealed class WeightSnapshot : IDisposable
{
    private const int Magic = 0x44475753; // "SWGD"

    public WeightSnapshot(IReadOnlyDictionary<string, Tensor> tensors, int dendriteCount)
    {
        Tensors = tensors;
        DendriteCount = dendriteCount;
    }

    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    public int DendriteCount { get; }

    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(Magic);
        writer.Write(DendriteCount);
        writer.Write(Tensors.Count);
        foreach (var (name, tensor) in Tensors)
        {
            using var cpu = tensor.detach().cpu().contiguous();
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

    public static WeightSnapshot Load(string path, Device device)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadInt32() != Magic)
        {
            throw new InvalidDataException($"{path} is not a Dendritic.Net best-weights file.");
        }

        var dendrites = reader.ReadInt32();
        var count = reader.ReadInt32();
        var tensors = new Dictionary<string, Tensor>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var dtype = (ScalarType)reader.ReadInt32();
            var shape = new long[reader.ReadInt32()];
            for (var d = 0; d < shape.Length; d++)
            {
                shape[d] = reader.ReadInt64();
            }

            var bytes = reader.ReadBytes(reader.ReadInt32());
            var tensor = empty(shape, dtype);
            tensor.bytes = bytes;
            tensors[name] = tensor.to(device).DetachFromDisposeScope();
        }

        return new WeightSnapshot(tensors, dendrites);
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
