using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Dendritic;

/// <summary>
/// Writes a file atomically: into a hidden temporary file in the target's folder, flushed to disk, then renamed over
/// the target, and on Linux the folder is synced so the rename survives a power cut. A symlink target is followed
/// (the link stays a link), the existing file's Unix mode is kept, and temporaries left by killed saves of the same
/// target are removed. Streams straight to the file: the size is limited only by the disk.
/// </summary>
internal static class AtomicFileWriter
{
    // A temporary's name: "." + the target's name (cut to fit) + "~" + a hash of the full name + "." + random + ".tmp",
    // at most 255 bytes, the common limit of a file name, whatever the target's own length.
    private const int MaxNameBytes = 200;

    /// <summary>The full path that a write to <paramref name="path"/> replaces: symlinks resolved to their final target.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static string ResolveTarget(string path, string what)
    {
        var full = Path.GetFullPath(path);
        var link = new FileInfo(full).LinkTarget is null ? null : File.ResolveLinkTarget(full, returnFinalTarget: true);
        var target = link?.FullName ?? full;
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot save {what} '{path}': folder '{folder}' does not exist.");
        }

        return target;
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> (its symlinks resolved, <see cref="ResolveTarget"/>), atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the message names the target.</exception>
    /// <exception cref="IOException">The folder cannot take a new file (for example a read-only file system).</exception>
    public static void WriteAllBytes(string path, string what, byte[] bytes) =>
        Write(ResolveTarget(path, what), what, stream => stream.Write(bytes));

    /// <summary>Writes <paramref name="target"/> (from <see cref="ResolveTarget"/>) through <paramref name="write"/>, atomically.</summary>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the message names the target.</exception>
    /// <exception cref="IOException">The folder cannot take a new file (for example a read-only file system).</exception>
    public static void Write(string target, string what, Action<Stream> write) =>
        TryWrite(target, what, stream =>
        {
            write(stream);
            return true;
        });

    /// <summary>
    /// As <see cref="Write(string, string, Action{Stream})"/>, except that <paramref name="write"/> decides, once it has
    /// written everything, whether the file replaces <paramref name="target"/>: when it returns false the target is left
    /// as it was and the temporary deleted (if even that fails, it is left, hidden, for the next save of the same target
    /// to remove, and false is still returned). <paramref name="write"/> gets the temporary itself, open for reading and
    /// writing and seekable, so that a format can go back to fill in a field and the caller can hash the finished file.
    /// </summary>
    /// <returns>Whether the target was replaced.</returns>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the message names the target.</exception>
    /// <exception cref="IOException">The folder cannot take a new file (for example a read-only file system).</exception>
    public static bool TryWrite(string target, string what, Func<Stream, bool> write)
    {
        var folder = Path.GetDirectoryName(target)!;
        var prefix = TemporaryPrefix(Path.GetFileName(target));
        RemoveStale(folder, prefix);
        UnixFileMode? mode = !OperatingSystem.IsWindows() && File.Exists(target) ? File.GetUnixFileMode(target) : null;
        var temporary = Path.Combine(folder, prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) + ".tmp");
        FileStream file;
        try
        {
            // Readable too: a writer may read back what it wrote (the best weights' SHA-256, once their own digest is filled in).
            file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"Cannot save {what} '{target}': its folder '{folder}' is not writable. Choose another folder or fix its permissions.", e);
        }
        catch (IOException e)
        {
            throw new IOException($"Cannot save {what} '{target}': creating a file in its folder '{folder}' failed ({e.Message}).", e);
        }

        try
        {
            bool replace;
            using (file)
            {
                replace = write(file);
                if (replace)
                {
                    file.Flush(flushToDisk: true);
                    if (mode is { } keep && !OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(file.SafeFileHandle, keep);
                    }

                    // On Unix the temporary stays open (and locked) through the rename, so another process cleaning
                    // stale temporaries cannot take it; Windows cannot rename an open file, and deletes nothing open anyway.
                    if (!OperatingSystem.IsWindows())
                    {
                        File.Move(temporary, target, overwrite: true);
                    }
                }
            }

            if (!replace)
            {
                // Declining is an answer, not a failure: a temporary that cannot be deleted must not turn it into an
                // IOException (an import's digest mismatch reported as a file error).
                TryDelete(temporary);
                return false;
            }

            if (OperatingSystem.IsWindows())
            {
                File.Move(temporary, target, overwrite: true);
            }
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        SyncFolder(folder);
        return true;
    }

    /// <summary>
    /// Deletes <paramref name="path"/> if it can; a file that stays is only disk space. A failure to delete a temporary
    /// must not replace the write's own exception, which says what went wrong, nor the writer's "do not replace"; a
    /// temporary left behind is removed by the next save of the same target (RemoveStale).
    /// </summary>
    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind, for the next save to remove or overwrite.
        }
    }

    internal static string TemporaryPrefix(string name)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 4));
        var cut = name;
        while (Encoding.UTF8.GetByteCount(cut) > MaxNameBytes || (cut.Length > 0 && char.IsHighSurrogate(cut[^1])))
        {
            cut = cut[..^1];
        }

        return "." + cut + "~" + hash + ".";
    }

    // A temporary nobody holds open is left over from a killed save; one that is open belongs to a save in progress.
    private static void RemoveStale(string folder, string prefix)
    {
        foreach (var candidate in Directory.EnumerateFiles(folder, "*.tmp"))
        {
            var name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length != prefix.Length + 12)
            {
                continue;
            }

            try
            {
                using var probe = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                File.Delete(candidate);
            }
            catch (IOException)
            {
                // In use by a running save, or already gone.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to remove.
            }
        }
    }

    private static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            var fd = NativeMethods.Open(Encoding.UTF8.GetBytes(folder + "\0"), 0);
            if (fd >= 0)
            {
                _ = NativeMethods.Fsync(fd);
                _ = NativeMethods.Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Best effort: a libc we cannot call leaves the rename to the file system's own ordering.
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Open(byte[] path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int fd);
    }
}
