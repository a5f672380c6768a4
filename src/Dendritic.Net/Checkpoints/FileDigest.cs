using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;

namespace Dendritic;

/// <summary>The SHA-256 and size of a whole file, as <c>sha256sum</c> and <c>ls -l</c> show them.</summary>
internal static class FileDigest
{
    /// <summary>Streams <paramref name="path"/> once (never held in memory) and returns its SHA-256 and size.</summary>
    /// <returns>The lower-case hex SHA-256 of every byte of the file, and the number of bytes hashed.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static (string Sha256, long Bytes) Of(string path)
    {
        using var file = SequentialFile.Open(path);
        return Of(file);
    }

    /// <summary>
    /// Reads <paramref name="stream"/> from where it is to its end, or for at most <paramref name="limit"/> bytes, in
    /// 1 MiB reads (never held in memory), and returns the SHA-256 and number of the bytes read.
    /// </summary>
    /// <param name="stream">Readable; left at the end of what was hashed.</param>
    /// <param name="limit">The most bytes read (a file's recorded size, so that a file growing meanwhile is not read on and on).</param>
    /// <returns>The lower-case hex SHA-256 of the bytes read, and how many there were.</returns>
    public static (string Sha256, long Bytes) Of(Stream stream, long limit = long.MaxValue)
    {
        using var digest = new DigestStream(stream, writing: false, limit);
        digest.CopyTo(Stream.Null, 1 << 20);
        return (digest.Sha256Hex(), digest.Count);
    }

    /// <summary>Whether <paramref name="text"/> reads as a SHA-256 this library writes: 64 lower-case hex digits.</summary>
    public static bool IsSha256(string? text) =>
        text is { Length: 64 } && text.All(char.IsAsciiHexDigitLower);
}
