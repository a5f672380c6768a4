using System;
using System.Buffers.Binary;
using System.IO;

namespace Dendritic;

/// <summary>
/// Tells a file that is no checkpoint from a damaged one, before the zip reader sees it: a checkpoint is a zip
/// archive, which starts with a local file header ("PK\x03\x04"), and a file that does not is some other kind of file,
/// which the message names where it can (a TorchSharp <c>Module.save</c> file; the best-weights file of a pre-release
/// Dendritic.Net, whose <c>{checkpoint}.best</c> was a safetensors file of its own format).
/// </summary>
internal static class CheckpointFileKind
{
    /// <summary>The best-weights format of pre-release versions, named in its safetensors metadata.</summary>
    internal const string OldBestWeightsFormat = "dendritic-best-weights";

    // How much of a safetensors header is searched for the old format's name: its metadata came first, one short entry
    // per wrapped layer before the name, so this covers thousands of layers and bounds the read of any file.
    private const int MaxHeaderSearched = 1 << 16;

    private static readonly byte[] OldBestWeightsMarker = System.Text.Encoding.UTF8.GetBytes($"\"format\":\"{OldBestWeightsFormat}\"");

    /// <summary>Throws unless <paramref name="file"/> starts like a zip archive; the position is put back to 0.</summary>
    /// <exception cref="CheckpointCorruptedException">The file is too short, or another kind of file.</exception>
    /// <exception cref="CheckpointException">The file is an intact best-weights file of a pre-release Dendritic.Net: the message says what to do.</exception>
    public static void ThrowIfNotAZip(string path, Stream file)
    {
        Span<byte> magic = stackalloc byte[4];
        file.Position = 0;
        var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        file.Position = 0;
        if (read == magic.Length && magic.SequenceEqual("PK\u0003\u0004"u8))
        {
            return;
        }

        if (read < magic.Length)
        {
            throw new CheckpointCorruptedException($"'{path}' is {read} bytes long, too short to be a Dendritic.Net checkpoint (an empty or cut-off file). Restore it from a backup or save it again.");
        }

        if (IsOldBestWeights(file))
        {
            // Not corrupted, and not to be read as weights of unknown shape: named, with the way on.
            throw new CheckpointException($"'{path}' is a best-weights file of a pre-release Dendritic.Net (format '{OldBestWeightsFormat}'), not a checkpoint. GrowthScheduler.SaveCheckpoint now writes '{{checkpoint}}{BestWeightsSidecar.Suffix}' as a checkpoint, which DendriteCheckpoint.Load deploys and GrowthScheduler.Resume reads; this version reads the older file neither way. Finish the run with the version that wrote it (its scheduler.Finish() puts the best model back; then DendriteCheckpoint.Save), or load the checkpoint beside it with DendriteCheckpoint.Load (its last epoch's weights) and start a new GrowthScheduler on that model (the scheduler's history then starts over).");
        }

        throw new CheckpointCorruptedException($"'{path}' is not a Dendritic.Net checkpoint: a checkpoint is a zip archive, and this file does not start like one. A file written by TorchSharp's Module.save loads with Module.load; a checkpoint is written by DendriteCheckpoint.Save.");
    }

    /// <summary>
    /// Whether the file is a safetensors file whose header names the old best-weights format: an 8-byte little-endian
    /// header size, then the header's JSON, of which at most <see cref="MaxHeaderSearched"/> bytes are read. The position
    /// is put back to 0.
    /// </summary>
    private static bool IsOldBestWeights(Stream file)
    {
        try
        {
            Span<byte> size = stackalloc byte[8];
            if (file.ReadAtLeast(size, size.Length, throwOnEndOfStream: false) < size.Length)
            {
                return false;
            }

            var declared = BinaryPrimitives.ReadUInt64LittleEndian(size);
            var header = new byte[(int)Math.Min(declared, (ulong)MaxHeaderSearched)];
            var got = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            return got > 0 && header[0] == (byte)'{' && header.AsSpan(0, got).IndexOf(OldBestWeightsMarker) >= 0;
        }
        finally
        {
            file.Position = 0;
        }
    }
}
