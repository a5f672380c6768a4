using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Reads a checkpoint archive as untrusted input, in bounded time and memory: the entry count and central directory
/// size checked from the zip's end records before the directory is read, unique entries, sizes checked against
/// the caps and the file's real size before anything is allocated, every entry's CRC-32 checked, the manifest covered
/// by the SHA-256 in <c>checksums.sha256</c>, the weights by the SHA-256 in the manifest. Nothing is extracted to
/// disk. Every problem raises <see cref="CheckpointCorruptedException"/> naming the entry or field.
/// </summary>
internal sealed partial class CheckpointArchive : IDisposable
{
    internal const string ChecksumsEntry = "checksums.sha256";
    private const int MaxEntries = 64;
    private const int MaxChecksumsBytes = 4096;

    // A checkpoint's central directory takes a few hundred bytes; this leaves 16 KiB of name and extra fields per entry
    // at the entry cap.
    private const long MaxCentralDirectoryBytes = 1L << 20;

    // Deflate cannot expand data by more than 1032 to 1; a larger declared size cannot be true.
    private const long MaxDeflateRatio = 1032;

    private static readonly JsonSerializerOptions ReadJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new ExactEnumNameConverter() },
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 16,
    };

    private readonly Stream _file;
    private readonly bool _ownsFile;
    private readonly ZipArchive _zip;
    private readonly string _path;
    private readonly CheckpointLoadOptions _options;
    private Stream? _weightsEntry;
    private DigestStream? _weights;
    private ZipArchiveEntry? _weightsZipEntry;

    private CheckpointArchive(string path, CheckpointLoadOptions options, Stream file, bool ownsFile, ZipArchive zip)
    {
        _path = path;
        _options = options;
        _file = file;
        _ownsFile = ownsFile;
        _zip = zip;
        Manifest = ReadManifest();
    }

    public CheckpointManifest Manifest { get; }

    /// <summary>Opens the file and reads and verifies the manifest only.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointCorruptedException">The file is not a complete, intact checkpoint.</exception>
    /// <exception cref="CheckpointException">The file was written by a newer format version, or is a pre-release best-weights file.</exception>
    public static CheckpointArchive Open(string path, CheckpointLoadOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options = (options ?? CheckpointLoadOptions.Default).Validate();
        if (FileSizeBeforeOpen.Of(path) is not { } size)
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist{(Directory.Exists(path) ? " as a file: it is a directory" : string.Empty)}.", path);
        }

        if (size == 0)
        {
            // Not opened: a FIFO would block the open until a writer came, a device read without end.
            throw new CheckpointCorruptedException($"'{path}' is 0 bytes long, too short to be a Dendritic.Net checkpoint (an empty file, or not a file: a FIFO or a device). Restore it from a backup or save it again.");
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return Open(file, path, options, ownsFile: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads and verifies the manifest of the checkpoint in <paramref name="file"/>, a file the caller opened (the best
    /// weights are loaded from the very file that was hashed) and keeps: it stays open when the archive is disposed.
    /// </summary>
    /// <param name="file">Readable and seekable; the checkpoint starts at position 0.</param>
    /// <param name="path">The file's path, for messages.</param>
    /// <param name="options">Bounds; <see cref="CheckpointLoadOptions.Default"/> when null.</param>
    /// <exception cref="CheckpointCorruptedException">The file is not a complete, intact checkpoint.</exception>
    /// <exception cref="CheckpointException">The file was written by a newer format version, or is a pre-release best-weights file.</exception>
    public static CheckpointArchive Open(Stream file, string path, CheckpointLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(file);
        file.Position = 0;
        return Open(file, path, (options ?? CheckpointLoadOptions.Default).Validate(), ownsFile: false);
    }

    private static CheckpointArchive Open(Stream file, string path, CheckpointLoadOptions options, bool ownsFile)
    {
        CheckpointFileKind.ThrowIfNotAZip(path, file);
        ZipCentralDirectory.ThrowIfOverCaps(file, path, MaxEntries, MaxCentralDirectoryBytes);
        var zip = Guard(path, () => new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true));
        try
        {
            return Guard(path, () => new CheckpointArchive(path, options, file, ownsFile, zip));
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>Opens the weights entry and reads and validates its header; the data follows with <see cref="ReadTensors"/>.</summary>
    public SafeTensorsHeader ReadWeightsHeader() => Guard(_path, () =>
    {
        var entry = StoredEntry(Manifest.WeightsFile, _options.MaxWeightsBytes, nameof(CheckpointLoadOptions.MaxWeightsBytes));
        if (entry.Length != Manifest.WeightsBytes)
        {
            throw Corrupted($"the manifest field 'weightsBytes' says {Manifest.WeightsBytes} but entry '{UntrustedText.Name(entry.FullName)}' holds {entry.Length}");
        }

        _weightsZipEntry = entry;
        _weightsEntry = entry.Open();
        _weights = new DigestStream(_weightsEntry, writing: false, entry.Length, crc: true);
        var header = SafeTensorsFormat.ReadHeader(_weights, entry.Length, _options, _path);
        if (header.Entries.Count != Manifest.TensorCount)
        {
            throw Corrupted($"the manifest field 'tensorCount' says {Manifest.TensorCount} tensors but the weights hold {header.Entries.Count}");
        }

        return header;
    });

    /// <summary>
    /// Reads every tensor (CPU), then checks that the entry ended where declared, its CRC-32 and SHA-256, and that
    /// every weight is finite (unless allowed). The caller owns the tensors.
    /// </summary>
    public Dictionary<string, Tensor> ReadTensors(SafeTensorsHeader header) => Guard(_path, () =>
    {
        var stream = _weights ?? throw new InvalidOperationException("Read the weights header first.");
        var tensors = SafeTensorsFormat.ReadTensors(stream, header);
        try
        {
            Span<byte> probe = stackalloc byte[1];
            if (stream.Count != _weightsZipEntry!.Length || _weightsEntry!.Read(probe) != 0)
            {
                throw Corrupted($"entry '{UntrustedText.Name(_weightsZipEntry.FullName)}' does not end where its declared size of {_weightsZipEntry.Length} bytes says");
            }

            if (stream.Crc != _weightsZipEntry.Crc32)
            {
                throw Corrupted($"entry '{UntrustedText.Name(_weightsZipEntry.FullName)}' fails its CRC-32 check");
            }

            if (stream.Sha256Hex() != Manifest.WeightsSha256)
            {
                throw Corrupted("the weights do not match the SHA-256 recorded in the manifest field 'weightsSha256'");
            }

            if (!_options.AllowNonFiniteWeights && SafeTensorsFormat.FirstNonFinite(tensors) is { } bad)
            {
                throw new CheckpointCorruptedException($"Checkpoint '{_path}' holds NaN or infinite values in tensor '{bad}': a model with them computes only NaN. Load it with CheckpointLoadOptions.AllowNonFiniteWeights = true to inspect it anyway.");
            }

            return tensors;
        }
        catch
        {
            SafeTensorsFormat.Dispose(tensors);
            throw;
        }
    });

    public void Dispose()
    {
        _weights?.Dispose();
        _weightsEntry?.Dispose();
        _zip.Dispose();
        if (_ownsFile)
        {
            _file.Dispose();
        }
    }

    // The zip and JSON readers signal bad input with several exception types; all of them mean a corrupted file here.
    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or NotSupportedException or OverflowException or ArgumentException or FormatException)
        {
            throw new CheckpointCorruptedException($"'{path}' is not a complete Dendritic.Net checkpoint (truncated or corrupted): {UntrustedText.Message(e.Message)} Restore it from a backup or save it again.", e);
        }
    }

    private CheckpointManifest ReadManifest()
    {
        if (_zip.Entries.Count > MaxEntries)
        {
            throw Corrupted($"it has {_zip.Entries.Count} entries; a checkpoint has 3");
        }

        var duplicate = _zip.Entries.GroupBy(e => e.FullName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw Corrupted($"entry '{UntrustedText.Name(duplicate.Key)}' appears {duplicate.Count()} times");
        }

        if (_zip.GetEntry(DendriteCheckpoint.ManifestEntry) is null)
        {
            throw new CheckpointCorruptedException($"'{_path}' has no {DendriteCheckpoint.ManifestEntry}: it is not a Dendritic.Net checkpoint.");
        }

        var manifestBytes = ReadSmall(DendriteCheckpoint.ManifestEntry, _options.MaxManifestBytes, nameof(CheckpointLoadOptions.MaxManifestBytes));

        // Nothing in the manifest is believed before its SHA-256 matches, its format version included: a damaged
        // digit is corruption, not another format. A file without checksums.sha256 may be of format 1, which had
        // none: it is named by its version, and any other is refused as incomplete (ReadSmall names the entry).
        if (_zip.GetEntry(ChecksumsEntry) is null)
        {
            _ = ThrowIfOtherFormat(manifestBytes);
        }

        var checksums = ParseChecksums(ReadSmall(ChecksumsEntry, MaxChecksumsBytes, null));
        if (!checksums.TryGetValue(DendriteCheckpoint.ManifestEntry, out var manifestSha) || manifestSha != Convert.ToHexStringLower(SHA256.HashData(manifestBytes)))
        {
            throw Corrupted($"the manifest does not match the SHA-256 recorded in {ChecksumsEntry}");
        }

        var version = ThrowIfOtherFormat(manifestBytes);
        CheckpointManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(manifestBytes, ReadJson) ?? throw Corrupted("the manifest is 'null'");
        }
        catch (JsonException e)
        {
            // The reader's message names the property (one the format does not define, a null, a wrong type); the
            // path says where it is.
            var at = e.Path is ['$', '.', .. var field] ? $" at '{UntrustedText.Name(field)}'" : string.Empty;
            throw new CheckpointCorruptedException($"Checkpoint '{_path}' is corrupted: its manifest does not fit checkpoint format {version}{at}: {UntrustedText.Message(e.Message)} Restore it from a backup or save it again.", e);
        }

        ManifestValidation.Check(manifest, _options, _path);
        if (!checksums.TryGetValue(manifest.WeightsFile, out var weightsSha) || weightsSha != manifest.WeightsSha256)
        {
            throw Corrupted($"{ChecksumsEntry} and the manifest field 'weightsSha256' disagree about the weights");
        }

        // The optimizer state is read only when asked for (LoadOptimizerState), but its record is checked with the rest.
        if (checksums.GetValueOrDefault(OptimizerStateEntry.EntryName) != manifest.Optimizer?.Sha256)
        {
            throw Corrupted($"{ChecksumsEntry} and the manifest field 'optimizer.sha256' disagree about the optimizer state");
        }

        return manifest;
    }

    /// <summary>
    /// Checks <c>format</c> and <c>formatVersion</c> before the manifest is bound to its type, which refuses properties it
    /// does not define: a manifest of a newer version is named as such, not as one with unknown properties. Either field
    /// missing or of the wrong type is corruption (the type's defaults would otherwise read it as the current format). A
    /// root that is not an object is left to the binding, which reports it.
    /// </summary>
    /// <returns>The file's format version (<see cref="DendriteCheckpoint.OldestFormatVersion"/> to <see cref="DendriteCheckpoint.FormatVersion"/>).</returns>
    private int ThrowIfOtherFormat(byte[] manifestBytes)
    {
        using var document = UntrustedText.ParseJson(manifestBytes, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = ReadJson.MaxDepth });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return DendriteCheckpoint.FormatVersion;
        }

        var formatName = JsonNamingPolicy.CamelCase.ConvertName(nameof(CheckpointManifest.Format));
        var versionName = JsonNamingPolicy.CamelCase.ConvertName(nameof(CheckpointManifest.FormatVersion));
        if (!root.TryGetProperty(formatName, out var formatField) || UntrustedText.TryGetString(formatField) is not { } format)
        {
            throw Corrupted(Missing(formatName, formatField, $"the string '{DendriteCheckpoint.FormatName}'"));
        }

        if (format != DendriteCheckpoint.FormatName)
        {
            throw new CheckpointCorruptedException($"'{_path}' is a '{UntrustedText.Excerpt(format)}' file, not a Dendritic.Net checkpoint.");
        }

        if (!root.TryGetProperty(versionName, out var versionField) || versionField.ValueKind != JsonValueKind.Number || !versionField.TryGetInt32(out var version))
        {
            throw Corrupted(Missing(versionName, versionField, $"a format version (this library writes {DendriteCheckpoint.FormatVersion})"));
        }

        var library = root.TryGetProperty(JsonNamingPolicy.CamelCase.ConvertName(nameof(CheckpointManifest.LibraryVersion)), out var libraryField) && UntrustedText.TryGetString(libraryField) is { } recorded
            ? UntrustedText.Excerpt(recorded)
            : "(version not recorded)";
        if (version > DendriteCheckpoint.FormatVersion)
        {
            throw new CheckpointException($"'{_path}' uses checkpoint format {version}, written by Dendritic.Net {library}; this version ({DendriteCheckpoint.LibraryVersion}) reads up to format {DendriteCheckpoint.FormatVersion}. Upgrade Dendritic.Net.");
        }

        if (version < DendriteCheckpoint.OldestFormatVersion)
        {
            throw new CheckpointException($"'{_path}' uses checkpoint format {version} of a pre-release Dendritic.Net ({library}), which has no checksum of its manifest. Load it with that version and save it again.");
        }

        return version;

        // What is wrong with a field that must be there: its absence, or its JSON (UntrustedText.Excerpt).
        static string Missing(string name, JsonElement value, string expected)
        {
            if (value.ValueKind == JsonValueKind.Undefined)
            {
                return $"its manifest has no field '{name}' ({expected}), which every checkpoint records";
            }

            var text = value.GetRawText();
            return $"the manifest field '{name}' is {UntrustedText.Excerpt(text)}, not {expected}";
        }
    }

    // sha256sum's format, so `sha256sum -c checksums.sha256` checks an extracted checkpoint.
    private Dictionary<string, string> ParseChecksums(byte[] bytes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split("  ", 2);
            if (parts.Length != 2 || !FileDigest.IsSha256(parts[0]) || !result.TryAdd(parts[1], parts[0]))
            {
                throw Corrupted($"{ChecksumsEntry} has a malformed or repeated line");
            }
        }

        return result;
    }

    private CheckpointCorruptedException Corrupted(string what) => SafeTensorsFormat.Corrupted(_path, what);
}
