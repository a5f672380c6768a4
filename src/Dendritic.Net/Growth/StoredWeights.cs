using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A detached copy of every named weight and buffer of a model plus its dendrite counts per layer, kept in memory or
/// written to disk as a safetensors file (the checkpoints' weights format, read with the same bounds and checks; the
/// dendrite counts, the format version and a SHA-256 of the whole file go in its metadata). The scheduler's storage
/// for best weights of models wrapped by hand and for the best-weights file saved next to a checkpoint.
/// </summary>
internal sealed class StoredWeights : IDisposable
{
    /// <summary>The best-weights format this library writes and reads: 2 added the SHA-256.</summary>
    internal const int FormatVersion = 2;

    private const string FormatKey = "format";
    private const string FormatValue = "dendritic-best-weights";
    private const string VersionKey = "formatVersion";
    private const string CountPrefix = "dendrites.";

    // The digest covers every byte of the file, with its own 64 hex digits read as '0' (they cannot cover themselves).
    // It stays in the safetensors metadata, so the file remains one that Python's safetensors reads.
    private const string DigestKey = "sha256";
    private static readonly byte[] DigestMarker = Encoding.UTF8.GetBytes($"\"{DigestKey}\":\"");
    private static readonly string Unsigned = new('0', 64);

    public StoredWeights(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, int> dendriteCounts)
    {
        Tensors = tensors;
        DendriteCounts = dendriteCounts;
    }

    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    public IReadOnlyDictionary<string, int> DendriteCounts { get; }

    /// <summary>Writes the tensors and dendrite counts to <paramref name="path"/>, atomically.</summary>
    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, int> counts, string path) =>
        AtomicFileWriter.Write(AtomicFileWriter.ResolveTarget(path, "best weights"), "best weights", stream => Write(tensors, counts, stream));

    /// <summary>
    /// Writes the file to <paramref name="destination"/>, serialising each tensor once: the 8-byte length, the header
    /// with the digest's 64 digits as zeros, then the data, all hashed on their way (which is the digest, as the format
    /// defines it), and then the digits filled in where they go. The SHA-256 of the whole file, which a checkpoint
    /// records, covers those digits, so a caller that needs it hashes the finished file (reads it back).
    /// </summary>
    /// <param name="tensors">The weights and buffers, by name.</param>
    /// <param name="counts">The dendrite sets of each wrapped layer, by layer name.</param>
    /// <param name="destination">Seekable and positioned where the file starts (a new file); left at its end.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> cannot seek.</exception>
    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, int> counts, Stream destination)
    {
        if (!destination.CanSeek || !destination.CanWrite)
        {
            throw new ArgumentException("A best-weights file is written to a seekable stream: its digest is filled in after the data.", nameof(destination));
        }

        var metadata = counts.ToDictionary(c => CountPrefix + c.Key, c => c.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
        metadata[FormatKey] = FormatValue;
        metadata[VersionKey] = FormatVersion.ToString(CultureInfo.InvariantCulture);
        metadata[DigestKey] = Unsigned;
        var list = tensors.Select(kv => (kv.Key, kv.Value)).ToList();
        var header = SafeTensorsFormat.Header(list, metadata, out var dataBytes);
        var digestAt = DigestAt(header);
        if (digestAt < 0)
        {
            // Cannot happen while the JSON writer escapes quotes inside strings; writing the digits blind would corrupt the file.
            throw new InvalidOperationException($"The best-weights header has no '{DigestKey}' field where the digest goes.");
        }

        // The digest sits in the header but covers the data after it. Rather than serialise every tensor twice (once
        // into the digest, once into the file), the file is written once with the digits as zeros, exactly the bytes
        // the digest covers, and the 64 digits are then written over the zeros.
        var start = destination.Position;
        byte[] digits;
        using (var hashed = new DigestStream(destination, writing: true))
        {
            SafeTensorsFormat.Write(hashed, list, header, dataBytes);
            digits = Encoding.ASCII.GetBytes(hashed.Sha256Hex());
        }

        var end = destination.Position;
        destination.Position = start + 8 + digestAt;
        destination.Write(digits);
        destination.Position = end;
    }

    /// <exception cref="CheckpointCorruptedException">The file is not an intact best-weights file (its SHA-256 included).</exception>
    /// <exception cref="CheckpointException">The file was written in another best-weights format version.</exception>
    public static StoredWeights Load(string path, Device device)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Best-weights file '{path}' does not exist.", path);
        }

        using var stream = SequentialFile.Open(path);
        return Load(stream, stream.Length, path, device);
    }

    /// <summary>
    /// Reads a best-weights file of <paramref name="length"/> bytes from <paramref name="source"/>, front to back and
    /// once (a caller can hash the file as it passes), with every check of <see cref="Load(string, Device)"/>.
    /// </summary>
    /// <param name="source">At the file's first byte; need not seek.</param>
    /// <param name="length">The file's size.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="device">Where the tensors go.</param>
    /// <exception cref="CheckpointCorruptedException">The file is not an intact best-weights file (its SHA-256 included).</exception>
    /// <exception cref="CheckpointException">The file was written in another best-weights format version.</exception>
    public static StoredWeights Load(Stream source, long length, string path, Device device)
    {
        Dictionary<string, Tensor> cpu;
        SafeTensorsHeader header;
        try
        {
            var headerBytes = SafeTensorsFormat.ReadHeaderBytes(source, length, CheckpointLoadOptions.Default, path);
            header = SafeTensorsFormat.ParseHeader(headerBytes, length, CheckpointLoadOptions.Default, path);
            CheckKind(header, path);
            cpu = ReadChecked(source, length, headerBytes, header, path);
        }
        catch (EndOfStreamException e)
        {
            throw new CheckpointCorruptedException($"Best-weights file '{path}' is truncated.", e);
        }

        var tensors = new Dictionary<string, Tensor>(cpu.Count, StringComparer.Ordinal);
        try
        {
            if (SafeTensorsFormat.FirstNonFinite(cpu) is { } bad)
            {
                throw SafeTensorsFormat.Corrupted(path, $"tensor '{bad}' holds NaN or infinite values");
            }

            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (key, value) in header.Metadata.Where(m => m.Key.StartsWith(CountPrefix, StringComparison.Ordinal)))
            {
                // Every set holds at least its u, so no honest count exceeds the file's tensor count.
                counts[key[CountPrefix.Length..]] = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= cpu.Count
                    ? count
                    : throw SafeTensorsFormat.Corrupted(path, $"the metadata field '{key}' is '{UntrustedText.Excerpt(value)}', not a dendrite count its {cpu.Count} tensors can hold");
            }

            foreach (var key in cpu.Keys.ToList())
            {
                // to() may return the same object when the device matches; the reader's tensor is freed only if not.
                var moved = cpu[key].to(device).DetachFromDisposeScope();
                if (!ReferenceEquals(moved, cpu[key]))
                {
                    cpu[key].Dispose();
                }

                cpu.Remove(key);
                tensors[key] = moved;
            }

            return new StoredWeights(tensors, counts);
        }
        catch
        {
            SafeTensorsFormat.Dispose(tensors);
            SafeTensorsFormat.Dispose(cpu);
            throw;
        }
    }

    /// <exception cref="CheckpointCorruptedException">The metadata does not name the best-weights format.</exception>
    private static void CheckKind(SafeTensorsHeader header, string path)
    {
        if (!header.Metadata.TryGetValue(FormatKey, out var format) || format != FormatValue)
        {
            throw SafeTensorsFormat.Corrupted(path, $"it is not a Dendritic.Net best-weights file (its metadata has no '{FormatKey}': '{FormatValue}')");
        }
    }

    /// <summary>
    /// Reads the tensors of a file whose metadata names the best-weights format. A file that records a digest is
    /// verified against it before its version is believed, so a damaged version digit is corruption, not another
    /// format; a file without one is named by its version (format 1 wrote none), and one of this version without one is
    /// corrupted.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The file is not intact: its digest is missing, malformed or does not match.</exception>
    /// <exception cref="CheckpointException">An intact file of another best-weights format version.</exception>
    private static Dictionary<string, Tensor> ReadChecked(Stream stream, long length, byte[] headerBytes, SafeTensorsHeader header, string path)
    {
        if (!header.Metadata.TryGetValue(DigestKey, out var sha))
        {
            CheckVersion(header, path);
            throw SafeTensorsFormat.Corrupted(path, $"the metadata field '{DigestKey}' is missing");
        }

        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower) || sha == Unsigned)
        {
            throw SafeTensorsFormat.Corrupted(path, $"the metadata field '{DigestKey}' is not 64 lower-case hex digits");
        }

        var tensors = ReadVerified(stream, length, headerBytes, header, sha, path);
        try
        {
            CheckVersion(header, path);
            return tensors;
        }
        catch
        {
            SafeTensorsFormat.Dispose(tensors);
            throw;
        }
    }

    /// <exception cref="CheckpointCorruptedException">The version is not a number.</exception>
    /// <exception cref="CheckpointException">It is another best-weights format version.</exception>
    private static void CheckVersion(SafeTensorsHeader header, string path)
    {
        // Format 1 (pre-release) wrote no version and no digest.
        var versionText = header.Metadata.GetValueOrDefault(VersionKey, "1");
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw SafeTensorsFormat.Corrupted(path, $"the metadata field '{VersionKey}' is '{UntrustedText.Excerpt(versionText)}', not a format version");
        }

        if (version > FormatVersion)
        {
            throw new CheckpointException($"Best-weights file '{path}' uses best-weights format {version}; this version of Dendritic.Net ({DendriteCheckpoint.LibraryVersion}) reads up to format {FormatVersion}. Upgrade Dendritic.Net.");
        }

        if (version < FormatVersion)
        {
            throw new CheckpointException($"Best-weights file '{path}' uses best-weights format {version} of a pre-release Dendritic.Net, which has no checksum; this version reads format {FormatVersion}. Finish the run with the version that wrote it, or start a new GrowthScheduler on the model that DendriteCheckpoint.Load returns from the checkpoint beside it (the scheduler's history then starts over).");
        }
    }

    /// <summary>
    /// Reads every tensor while hashing the whole file (the header with the digest's digits read as zeros, then the
    /// data) and compares the hash with <paramref name="sha"/>. The stream is positioned after the header, whose bytes
    /// are <paramref name="headerBytes"/> (changed here: the digits become zeros).
    /// </summary>
    private static Dictionary<string, Tensor> ReadVerified(Stream stream, long length, byte[] headerBytes, SafeTensorsHeader header, string sha, string path)
    {
        var at = DigestAt(headerBytes);
        if (at < 0 || !headerBytes.AsSpan(at, 64).SequenceEqual(Encoding.ASCII.GetBytes(sha)))
        {
            throw SafeTensorsFormat.Corrupted(path, $"the metadata field '{DigestKey}' is not written where this library writes it");
        }

        headerBytes.AsSpan(at, 64).Fill((byte)'0');
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)headerBytes.LongLength);
        using var digest = new DigestStream(stream, writing: false, length);
        digest.Include(lengthBytes);
        digest.Include(headerBytes);
        var tensors = SafeTensorsFormat.ReadTensors(digest, header);
        if (digest.Sha256Hex() != sha)
        {
            SafeTensorsFormat.Dispose(tensors);
            throw new CheckpointCorruptedException($"Best-weights file '{path}' is corrupted: its contents do not match the SHA-256 in its metadata field '{DigestKey}' (a changed or damaged byte). Restore it from a backup together with its checkpoint, or save the checkpoint again (GrowthScheduler.SaveCheckpoint).");
        }

        return tensors;
    }

    // Where the digest's 64 digits start in a header: after the first '"sha256":"'. JSON escapes every quote inside a
    // string, so that sequence can only be a property named sha256 with a string value; the writer puts the metadata
    // first. -1 when absent.
    private static int DigestAt(ReadOnlySpan<byte> header)
    {
        var at = header.IndexOf(DigestMarker);
        return at < 0 || at + DigestMarker.Length + 64 >= header.Length ? -1 : at + DigestMarker.Length;
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
