using System;
using System.IO;

namespace Dendritic;

/// <content>The optimizer-state entry, read only when asked for (<see cref="DendriteCheckpoint.LoadOptimizerState"/>).</content>
internal sealed partial class CheckpointArchive
{
    /// <summary>
    /// Checks the <c>optimizer.bin</c> entry against <paramref name="recorded"/> (this archive's own manifest record):
    /// present, of the recorded size (and within <see cref="CheckpointLoadOptions.MaxOptimizerBytes"/>), and, streamed
    /// through once without keeping anything, of the recorded SHA-256 and of its zip CRC-32.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The entry is missing or fails one of the checks.</exception>
    public void VerifyOptimizerState(CheckpointOptimizer recorded) => _ = Guard(_path, () =>
    {
        var entry = OptimizerZipEntry(recorded);
        using var digest = new DigestStream(entry.Open(), writing: false, entry.Length, crc: true, ownsInner: true);
        digest.CopyTo(Stream.Null, 1 << 20);
        if (digest.Count != entry.Length)
        {
            throw Corrupted($"entry '{UntrustedText.Name(entry.FullName)}' ends before its declared size of {entry.Length} bytes");
        }

        if (digest.Crc != entry.Crc32)
        {
            throw Corrupted($"entry '{UntrustedText.Name(entry.FullName)}' fails its CRC-32 check");
        }

        if (digest.Sha256Hex() != recorded.Sha256)
        {
            throw Corrupted("the optimizer state does not match the SHA-256 recorded in the manifest field 'optimizer.sha256'");
        }

        return true;
    });

    /// <summary>
    /// Opens the <c>optimizer.bin</c> entry for reading (after <see cref="VerifyOptimizerState"/>), limited to its
    /// recorded size; the stream counts what was read.
    /// </summary>
    public DigestStream OpenOptimizerState(CheckpointOptimizer recorded) => Guard(_path, () =>
    {
        var entry = OptimizerZipEntry(recorded);
        return new DigestStream(entry.Open(), writing: false, entry.Length, ownsInner: true);
    });

    private System.IO.Compression.ZipArchiveEntry OptimizerZipEntry(CheckpointOptimizer recorded)
    {
        var entry = StoredEntry(OptimizerStateEntry.EntryName, _options.MaxOptimizerBytes, nameof(CheckpointLoadOptions.MaxOptimizerBytes));
        if (entry.Length != recorded.Bytes)
        {
            throw Corrupted(FormattableString.Invariant($"the manifest field 'optimizer.bytes' says {recorded.Bytes} but entry '{UntrustedText.Name(entry.FullName)}' holds {entry.Length}"));
        }

        return entry;
    }
}
