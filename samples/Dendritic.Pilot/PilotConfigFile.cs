using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Dendritic.Experiments;

namespace Dendritic.Pilot;

/// <summary>
/// Writes and reads <see cref="PilotConfig"/> files. Reading treats the file as untrusted: at most
/// <see cref="MaxBytes"/>, strict JSON (no comments, trailing commas or numbers in strings), no unknown keys, no key twice, every
/// value of its declared type; errors name the file and the key.
/// </summary>
public static partial class PilotConfigFile
{
    /// <summary>The largest config file read, bytes (1 MiB; a real one is about 3 KB).</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        MaxDepth = 16,

        // A key given twice is a mistake in a file for people to edit; reading would otherwise keep the last silently.
        AllowDuplicateProperties = false,

        // A file for people to read: '+' in versions and non-ASCII folder names stay as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        NumberHandling = JsonNumberHandling.Strict,
        // Names, not numbers; several names in one string only for a [Flags] setting (GrowthRules).
        Converters = { new SingleNameEnumConverter(), new JsonStringEnumConverter(allowIntegerValues: false) },

        // Settings are the settable properties; computed ones (PilotOptions.SeedList) are neither written nor accepted.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SettableOnly } },
    };

    /// <summary>The file's text for a run with <paramref name="options"/> that read <paramref name="dataFiles"/>.</summary>
    /// <param name="options">The run's settings.</param>
    /// <param name="dataFiles">The data files read (paths).</param>
    /// <param name="recorded">What the run was (any JSON-serialisable object); null for none.</param>
    /// <returns>Indented JSON.</returns>
    public static string ToJson(PilotOptions options, IEnumerable<string> dataFiles, object? recorded)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataFiles);
        var config = new PilotConfig
        {
            Options = options,
            Data = dataFiles.Select(Hash).ToList(),
            Recorded = recorded is null ? null : JsonSerializer.SerializeToElement(recorded, Json),
        };
        return JsonSerializer.Serialize(config, Json) + "\n";
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="json">Its text.</param>
    public static void Write(string path, string json) => PilotFiles.WriteAtomically(path, json);

    /// <summary>Reads and checks a config file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The config, or the error (naming the file and the key).</returns>
    public static (PilotConfig? Config, string? Error) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (Directory.Exists(path))
        {
            return (null, $"--config '{path}' is a folder; give the config.json file in a report's folder (a merged report's folder has none: its sources.json names each part's folder, whose config.json reruns that part).");
        }

        if (!info.Exists)
        {
            return (null, $"--config '{path}' does not exist.");
        }

        if (info.Length > MaxBytes)
        {
            return (null, $"--config '{path}' is {info.Length:N0} bytes; a config file is at most {MaxBytes:N0}.");
        }

        PilotConfig? config;
        var bytes = Array.Empty<byte>();
        try
        {
            if (PilotFiles.Read(path, MaxBytes) is not { } read)
            {
                return (null, $"--config '{path}' is larger than {MaxBytes:N0} bytes, the most a config file may be.");
            }

            if (read.Length == 0)
            {
                return (null, $"--config '{path}' has 0 bytes (an empty file, or a pipe or device under the name, which is not read); give a config file the pilot wrote (config.json of a report).");
            }

            bytes = read;
            config = JsonSerializer.Deserialize<PilotConfig>(bytes, Json);
        }
        catch (JsonException ex)
        {
            return (null, $"--config '{path}': {PilotConfigErrors.Describe(ex, bytes, Json)}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file without read permission is UnauthorizedAccessException, not IOException; it escaped the parse
            // (which runs outside the pilot's error handling) as a stack trace.
            return (null, $"--config '{path}' cannot be read: {ex.Message}");
        }

        return Check(config) is { } problem ? (null, $"--config '{path}': {problem}") : (config, null);
    }

    /// <summary>The data files that differ from the config's record, one message each; empty when all match.</summary>
    /// <param name="config">The config.</param>
    /// <param name="dataFiles">The files this run reads.</param>
    /// <returns>The differences.</returns>
    public static IReadOnlyList<string> DataDifferences(PilotConfig config, IEnumerable<string> dataFiles)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(dataFiles);
        if (config.Data.Count == 0)
        {
            return Array.Empty<string>();
        }

        var actual = dataFiles.Select(Hash).ToDictionary(f => f.File, StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var expected in config.Data)
        {
            if (!actual.TryGetValue(expected.File, out var found))
            {
                differences.Add($"{expected.File}: recorded in the config, not read by this run");
            }
            else if (!string.Equals(found.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                differences.Add($"{expected.File}: SHA-256 {found.Sha256}, the config has {expected.Sha256}");
            }
        }

        differences.AddRange(actual.Keys.Except(config.Data.Select(d => d.File), StringComparer.Ordinal).Select(f => $"{f}: read by this run, not in the config"));
        return differences;
    }

    private static PilotDataFile Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return new PilotDataFile { File = Path.GetFileName(path), Sha256 = Convert.ToHexStringLower(SHA256.HashData(stream)), Bytes = stream.Length };
    }

    private static string? Check(PilotConfig? config)
    {
        if (config is null)
        {
            return "the file holds no config (it is 'null').";
        }

        if (config.Format != PilotConfig.CurrentFormat)
        {
            return $"key 'Format' is '{config.Format}'; this program reads '{PilotConfig.CurrentFormat}'.";
        }

        if (config.Data.Count > IdxImageFolder.FileNames.Count)
        {
            return $"key 'Data' lists {config.Data.Count} files; the pilot reads {IdxImageFolder.FileNames.Count}.";
        }

        foreach (var file in config.Data)
        {
            // The reader refuses null for the Data key itself and for a file's fields, but not for an item of the list.
            if (file is null)
            {
                return "key 'Data' lists null where a data file (File, Sha256, Bytes) belongs.";
            }

            if (file.File.Length is 0 or > 255 || file.File.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || file.File.Contains('/', StringComparison.Ordinal) || file.File.Contains('\\', StringComparison.Ordinal))
            {
                return $"key 'Data.File' must be a plain file name, not '{ConsoleText.Shorten(file.File, 80)}'.";
            }

            if (!Sha256Text().IsMatch(file.Sha256))
            {
                return $"key 'Data.Sha256' of {file.File} must be 64 hex digits, not '{ConsoleText.Shorten(file.Sha256, 80)}'.";
            }

            if (file.Bytes < 0)
            {
                return $"key 'Data.Bytes' of {file.File} cannot be negative.";
            }
        }

        return null;
    }

    private static void SettableOnly(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || info.Type != typeof(PilotOptions))
        {
            return;
        }

        foreach (var property in info.Properties.Where(p => p.Set is null).ToList())
        {
            info.Properties.Remove(property);
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Text();
}
