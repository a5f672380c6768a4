using System;
using System.IO;
using System.Text;

namespace Dendritic.Pilot;

/// <summary>
/// The pilot's file reads and writes: a user's file is read with a bound on what is read, not on what the file claims
/// (a device or a growing file reports no reliable length); the pilot's own files are written atomically, by the library's
/// writer compiled into the pilot (see the project file).
/// </summary>
internal static class PilotFiles
{
    /// <summary>
    /// The bytes of <paramref name="path"/>, or null when it holds more than <paramref name="maxBytes"/> (at most one byte
    /// past the bound is read). A name whose size is 0 is not opened and reads as no bytes: a FIFO there would block the
    /// open until a writer came, and a device would read without end (both have the size 0).
    /// </summary>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/>: there is none).</exception>
    public static byte[]? Read(string path, long maxBytes)
    {
        var size = FileSizeBeforeOpen.Of(path) ?? throw new FileNotFoundException($"'{path}' does not exist.", path);
        if (size == 0)
        {
            return Array.Empty<byte>();
        }

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

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically, creating its folder when missing: with the
    /// library's own writer (a hidden temporary file beside the target, flushed to disk, renamed over it, the folder
    /// synced; a symlink is written through and the file's Unix mode kept). If anything fails, the file is as it was and
    /// the temporary file is deleted; one that cannot be deleted either is left hidden beside the file, and the next
    /// write of the same file removes it.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written (the message names it).</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the file may not be written (the message names it).</exception>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        // The report's optional subfolders (onnx/) are made here; the library's writer expects an existing folder.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFileWriter.WriteAllBytes(path, "report file", bytes);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark, atomically.</summary>
    public static void WriteAtomically(string path, string text) => WriteAtomically(path, new UTF8Encoding(false).GetBytes(text));
}
