using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;

namespace Dendritic.Distributed;

/// <summary>
/// How the processes of one job find each other, torchrun-style: <c>RANK</c>, <c>WORLD_SIZE</c> and <c>LOCAL_RANK</c>
/// in the environment, and NCCL's unique id either in <see cref="IdVariable"/> (base64, made by a launcher with
/// <see cref="CreateUniqueId"/>) or in the file named by <see cref="IdFileVariable"/> (rank 0 writes it atomically, the
/// others wait for it). Use a fresh file path per job: an old file left behind would hand the other ranks a stale id.
/// </summary>
public sealed record NcclRendezvous
{
    /// <summary>The environment variable with the base64 unique id.</summary>
    public static string IdVariable => "DENDRITIC_NCCL_ID";

    /// <summary>The environment variable naming the unique-id file.</summary>
    public static string IdFileVariable => "DENDRITIC_NCCL_ID_FILE";

    /// <summary>The environment variable with the collective timeout in seconds (default 300).</summary>
    public static string TimeoutVariable => "DENDRITIC_NCCL_TIMEOUT_S";

    // A rank's note is cut to this many characters; its file is read only as far as they can reach (4 UTF-8 bytes each).
    private const int MaxNoteChars = 2000;
    private const int MaxNoteBytes = 4 * MaxNoteChars;

    // The id is 172 base64 characters; the file may add whitespace around them, not kilobytes.
    private const int MaxIdFileBytes = 1024;

    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> - 1. Default 0.</summary>
    public int Rank { get; init; }

    /// <summary>The number of processes; at least 1. Default 1.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>The GPU of this process on its host; the communicator uses <c>cuda:LocalRank</c> when the process sees several GPUs, else <c>cuda:0</c>. Default 0.</summary>
    public int LocalRank { get; init; }

    /// <summary>The unique id in base64, or null to use <see cref="IdFile"/>.</summary>
    public string? UniqueId { get; init; }

    /// <summary>The unique-id file, or null to use <see cref="UniqueId"/>; failure notes of ranks go next to it (<c>{IdFile}.failed.{rank}</c>).</summary>
    public string? IdFile { get; init; }

    /// <summary>How long creating the communicator or one collective may take before the job is aborted; default 300 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Reads RANK, WORLD_SIZE, LOCAL_RANK, the id variables and the timeout from the environment.</summary>
    /// <returns>The rendezvous; a single process (rank 0 of 1, an id made here) when none is set.</returns>
    /// <exception cref="InvalidOptionsException">
    /// Variables that are not integers (every one listed), or values that do not fit together.
    /// </exception>
    public static NcclRendezvous FromEnvironment()
    {
        // Every variable is read before any error is thrown, so that one message lists all the bad ones.
        var check = new OptionsValidator(nameof(NcclRendezvous) + " (environment variables)");
        var rank = Number("RANK", 0, check);
        var rendezvous = new NcclRendezvous
        {
            Rank = rank,
            WorldSize = Number("WORLD_SIZE", 1, check),
            LocalRank = Number("LOCAL_RANK", rank, check),
            UniqueId = Environment.GetEnvironmentVariable(IdVariable) is { Length: > 0 } id ? id : null,
            IdFile = Environment.GetEnvironmentVariable(IdFileVariable) is { Length: > 0 } file ? file : null,
            Timeout = TimeSpan.FromSeconds(Number(TimeoutVariable, 300, check)),
        };
        check.ThrowIfInvalid();
        return rendezvous.Validate();
    }

    /// <summary>A new NCCL unique id in base64, for a launcher to pass in <see cref="IdVariable"/> to every rank.</summary>
    /// <returns>The id.</returns>
    /// <exception cref="NcclException">NCCL did not load or failed.</exception>
    public static unsafe string CreateUniqueId()
    {
        NcclNative.EnsureResolver();
        NcclLibrary.Load();
        NcclCommunicator.Check(NcclNative.ncclGetUniqueId(out var id), "ncclGetUniqueId");
        return Convert.ToBase64String(new ReadOnlySpan<byte>(id.Internal, 128));
    }

    /// <summary>Checks the values together.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="InvalidOptionsException">Every bad value, listed.</exception>
    public NcclRendezvous Validate()
    {
        var check = new OptionsValidator(nameof(NcclRendezvous));
        check.AtLeast(WorldSize, 1, nameof(WorldSize), 1);
        check.Require(Rank >= 0 && Rank < WorldSize, nameof(Rank), Rank, "must be 0 to WORLD_SIZE - 1 (default 0)");
        check.AtLeast(LocalRank, 0, nameof(LocalRank), 0);
        check.Require(WorldSize == 1 || UniqueId is not null || IdFile is not null, nameof(UniqueId), "null", $"with several ranks, set {IdVariable} (from NcclRendezvous.CreateUniqueId) or {IdFileVariable} (a fresh file path shared by all ranks)");
        check.Require(UniqueId is null || IsId(UniqueId), nameof(UniqueId), UniqueId, "must be the base64 of 128 bytes, as CreateUniqueId makes it");
        check.Require(Timeout > TimeSpan.Zero, nameof(Timeout), Timeout, "must be positive (default 300 s)");
        check.ThrowIfInvalid();
        return this;
    }

    /// <summary>The unique id: given, made here (single rank or rank 0 with a file), or read from the file rank 0 wrote.</summary>
    internal byte[] ResolveId()
    {
        if (UniqueId is not null)
        {
            return Convert.FromBase64String(UniqueId);
        }

        if (IdFile is null || Rank == 0)
        {
            var made = Convert.FromBase64String(CreateUniqueId());
            if (IdFile is not null)
            {
                // Notes of an earlier job at the same path would stop this one at its first collective.
                for (var r = 0; r < WorldSize; r++)
                {
                    File.Delete(FailurePath(r));
                }

                var temp = IdFile + ".tmp." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
                File.WriteAllText(temp, Convert.ToBase64String(made));
                File.Move(temp, IdFile, overwrite: true);
            }

            return made;
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(IdFile) && ReadStart(IdFile, MaxIdFileBytes).Trim() is { } text && IsId(text))
            {
                return Convert.FromBase64String(text);
            }

            Thread.Sleep(50);
        }

        throw new CollectiveTimeoutException($"Rank {Rank} waited {Timeout.TotalSeconds:G4} s for rank 0 to write the NCCL unique id to '{IdFile}'. Start rank 0, or check that every rank was given the same {IdFileVariable}.");
    }

    /// <summary>The failure notes other ranks left next to the id file.</summary>
    internal IEnumerable<(int Rank, string Reason)> Failures()
    {
        if (IdFile is null)
        {
            yield break;
        }

        for (var r = 0; r < WorldSize; r++)
        {
            var note = FailurePath(r);
            if (r != Rank && File.Exists(note))
            {
                string reason;
                try
                {
                    reason = ReadStart(note, MaxNoteBytes);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    reason = "(its note could not be read)";
                }

                yield return (r, reason.Length > MaxNoteChars ? reason[..MaxNoteChars] : reason);
            }
        }
    }

    /// <summary>Leaves a note that this rank failed, for the others' waits to find (atomic: temp file and rename).</summary>
    internal void WriteFailure(string reason)
    {
        if (IdFile is null)
        {
            return;
        }

        try
        {
            var temp = FailurePath(Rank) + ".tmp";
            File.WriteAllText(temp, reason);
            File.Move(temp, FailurePath(Rank), overwrite: true);
        }
        catch (IOException)
        {
            // Best effort: the others still stop at their timeout.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The text of the first <paramref name="maxBytes"/> bytes of <paramref name="path"/>: the id file and the notes
    /// sit in a shared folder, and a file there of any size (a mistaken path, another job's output) was read whole,
    /// the id file every 50 ms, to keep at most 2,000 characters of it.
    /// </summary>
    private static string ReadStart(string path, int maxBytes)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[maxBytes];
        var read = stream.ReadAtLeast(buffer, maxBytes, throwOnEndOfStream: false);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    private string FailurePath(int rank) => string.Create(CultureInfo.InvariantCulture, $"{IdFile}.failed.{rank}");

    private static bool IsId(string text)
    {
        Span<byte> bytes = stackalloc byte[200];
        return Convert.TryFromBase64String(text.Trim(), bytes, out var written) && written == 128;
    }

    /// <summary>The variable's integer, or <paramref name="fallback"/> when it is unset or (recorded in <paramref name="check"/>) not an integer.</summary>
    private static int Number(string name, int fallback, OptionsValidator check)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        var parsed = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value);
        check.Require(parsed, name, $"'{text}'", string.Create(CultureInfo.InvariantCulture, $"must be an integer; unset it or give a number (default {fallback})"));
        return parsed ? value : fallback;
    }
}
