using System;
using System.IO;
using System.Text;

namespace Dendritic.Pilot;

/// <summary>
/// The pilot's file reads and writes: a user's file is read with a bound on what is read, not on what the file claims
/// (a device or a growing file reports no reliable length); the pilot's own files are written atomically.
/// </summary>
internal static class PilotFiles
{
    /// <summary>The bytes of <paramref name="path"/>, or null when it holds more than <paramref name="maxBytes"/> (at most one byte past the bound is read).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static byte[]? Read(string path, long maxBytes)
    {
        using var stream = File.OpenRead(path);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, maxBytes + 1 - copy.Length))) > 0)
        {
            copy.Write(buffer, 0, read);
            if (copy.Length > maxBytes)
            {
                return null;
            }
        }

        return copy.ToArray();
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: a temporary file beside it, then a rename.</summary>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark, atomically.</summary>
    public static void WriteAtomically(string path, string text) => WriteAtomically(path, new UTF8Encoding(false).GetBytes(text));
}
