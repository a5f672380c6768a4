using System.IO;

namespace Dendritic;

/// <summary>Opening a file that is read once, front to back (hashing, loading or copying best weights and snapshots).</summary>
internal static class SequentialFile
{
    /// <summary>Opens <paramref name="path"/> for reading, shared for reading, with a 64 KiB buffer and the sequential-scan hint.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}
