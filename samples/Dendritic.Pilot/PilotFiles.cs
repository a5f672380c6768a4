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

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: a new temporary file beside it, flushed to
    /// disk, then renamed over it. If anything fails, the file is as it was and the temporary file is gone.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the file may not be written.</exception>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);

        // A name no one can guess, created only if absent: a fixed one (path.tmp-PID) could be left over from a crash, or
        // be a link planted to make the write land elsewhere. Not built from the file's name, so it fits whenever that fits.
        var temporary = Path.Combine(folder, $".pilot-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);

                // On disk before the rename: after a crash the file is the old one or the new one, never a short one.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark, atomically.</summary>
    public static void WriteAtomically(string path, string text) => WriteAtomically(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Deletes a temporary file after a failed write; a failure here must not hide the write's own.</summary>
    private static void Delete(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The write's exception says what went wrong; a leftover .pilot-*.tmp is only clutter.
        }
    }
}
