using System;

namespace Dendritic;

/// <summary>
/// The CRC-32 of zip and gzip (IEEE 802.3, reflected, polynomial 0xEDB88320), computed incrementally. The zip reader
/// of .NET does not check stored entries' CRCs, and the core package may not depend on System.IO.Hashing.
/// </summary>
internal sealed class Crc32
{
    private static readonly uint[] Table = BuildTable();
    private uint _state = 0xFFFFFFFFu;

    /// <summary>The CRC of everything appended so far.</summary>
    public uint Value => ~_state;

    /// <summary>Computes the CRC of <paramref name="data"/> in one call.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }

    /// <summary>Adds bytes to the running CRC.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        var state = _state;
        foreach (var b in data)
        {
            state = Table[(state ^ b) & 0xFF] ^ (state >> 8);
        }

        _state = state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
