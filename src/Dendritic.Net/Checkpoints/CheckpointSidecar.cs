using System;
using System.IO;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Files saved next to a checkpoint and named in its extras (for example the scheduler's best weights). The name
/// comes from the file, so it must be a plain file name: an absolute path or <c>..</c> would read any file.
/// </summary>
internal static class CheckpointSidecar
{
    /// <summary>The full path of <paramref name="fileName"/> in the folder of <paramref name="checkpointPath"/>.</summary>
    /// <exception cref="CheckpointCorruptedException">The name is empty, a path, or not a valid file name.</exception>
    public static string Resolve(string checkpointPath, string? fileName, string extrasKey)
    {
        var plain = !string.IsNullOrEmpty(fileName)
            && fileName is not ("." or "..")
            && fileName.IndexOfAny(Path.GetInvalidFileNameChars()) < 0
            && fileName.IndexOfAny(['/', '\\', ':']) < 0
            && !Path.IsPathRooted(fileName)
            && !fileName.Any(char.IsControl);
        if (!plain)
        {
            throw new CheckpointCorruptedException($"Checkpoint '{checkpointPath}' is corrupted: its extras field '{extrasKey}' is '{UntrustedText.Name(fileName ?? "(none)")}', which is not a plain file name next to the checkpoint. Restore it from a backup or save it again.");
        }

        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!, fileName!);
    }
}
