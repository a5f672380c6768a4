using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>One tensor of a safetensors header: its key, dtype, shape and byte range within the data section.</summary>
internal sealed record SafeTensorEntry(string Key, ScalarType DType, long[] Shape, long Begin, long End)
{
    public long Bytes => End - Begin;
}

/// <summary>
/// A validated safetensors header: entries sorted by offset, contiguous from byte 0 of the data section to its end
/// with no gap or overlap, plus the free-form string metadata.
/// </summary>
internal sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataBytes);
