using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A detached copy of every named weight and buffer of a model plus its dendrite counts per layer, kept in memory or
/// written to disk as a safetensors file (the checkpoints' weights format, read with the same bounds and checks; the
/// dendrite counts go in its metadata). The scheduler's storage for best weights of models wrapped by hand and for
/// the best-weights file saved next to a checkpoint.
/// </summary>
internal sealed class StoredWeights : IDisposable
{
    private const string FormatKey = "format";
    private const string FormatValue = "dendritic-best-weights";
    private const string CountPrefix = "dendrites.";

    public StoredWeights(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, int> dendriteCounts)
    {
        Tensors = tensors;
        DendriteCounts = dendriteCounts;
    }

    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    public IReadOnlyDictionary<string, int> DendriteCounts { get; }

    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, int> counts, string path)
    {
        var metadata = counts.ToDictionary(c => CountPrefix + c.Key, c => c.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
        metadata[FormatKey] = FormatValue;
        var list = tensors.Select(kv => (kv.Key, kv.Value)).ToList();
        var target = AtomicFileWriter.ResolveTarget(path, "best weights");
        AtomicFileWriter.Write(target, "best weights", stream => SafeTensorsFormat.Write(stream, list, metadata));
    }

    public void Save(string path) => Write(Tensors, DendriteCounts, path);

    /// <exception cref="CheckpointCorruptedException">The file is not an intact best-weights file.</exception>
    public static StoredWeights Load(string path, Device device)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Best-weights file '{path}' does not exist.", path);
        }

        Dictionary<string, Tensor> cpu;
        SafeTensorsHeader header;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            try
            {
                header = SafeTensorsFormat.ReadHeader(stream, stream.Length, CheckpointLoadOptions.Default, path);
                cpu = SafeTensorsFormat.ReadTensors(stream, header);
            }
            catch (EndOfStreamException e)
            {
                throw new CheckpointCorruptedException($"Best-weights file '{path}' is truncated.", e);
            }
        }

        var tensors = new Dictionary<string, Tensor>(cpu.Count, StringComparer.Ordinal);
        try
        {
            if (!header.Metadata.TryGetValue(FormatKey, out var format) || format != FormatValue)
            {
                throw SafeTensorsFormat.Corrupted(path, $"it is not a Dendritic.Net best-weights file (its metadata has no '{FormatKey}': '{FormatValue}')");
            }

            if (SafeTensorsFormat.FirstNonFinite(cpu) is { } bad)
            {
                throw SafeTensorsFormat.Corrupted(path, $"tensor '{bad}' holds NaN or infinite values");
            }

            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (key, value) in header.Metadata.Where(m => m.Key.StartsWith(CountPrefix, StringComparison.Ordinal)))
            {
                // Every set holds at least its u, so no honest count exceeds the file's tensor count.
                counts[key[CountPrefix.Length..]] = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= cpu.Count
                    ? count
                    : throw SafeTensorsFormat.Corrupted(path, $"the metadata field '{key}' is '{(value.Length > 40 ? value[..40] + "..." : value)}', not a dendrite count its {cpu.Count} tensors can hold");
            }

            foreach (var key in cpu.Keys.ToList())
            {
                // to() may return the same object when the device matches; the reader's tensor is freed only if not.
                var moved = cpu[key].to(device).DetachFromDisposeScope();
                if (!ReferenceEquals(moved, cpu[key]))
                {
                    cpu[key].Dispose();
                }

                cpu.Remove(key);
                tensors[key] = moved;
            }

            return new StoredWeights(tensors, counts);
        }
        catch
        {
            SafeTensorsFormat.Dispose(tensors);
            SafeTensorsFormat.Dispose(cpu);
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
