using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;

namespace Dendritic;

/// <summary>
/// The best-weights file that <see cref="GrowthScheduler.SaveCheckpoint"/> writes beside a checkpoint
/// (<c>{checkpoint}.best</c>), and how <see cref="GrowthScheduler.Resume"/> finds and imports the one that belongs to a checkpoint.
/// A checkpoint records the SHA-256 and size of its file (in its scheduler state), so the pair is bound by content,
/// not by name: a copy of the checkpoint finds its own copy of the file, and a file that a later save overwrote is
/// refused instead of restoring that save's best weights at the next growth.
/// </summary>
internal static class BestWeightsSidecar
{
    /// <summary>What <see cref="GrowthScheduler.SaveCheckpoint"/> appends to the checkpoint's file name.</summary>
    public const string Suffix = ".best";

    /// <summary>
    /// Appended to <see cref="Suffix"/> while a save is under way: <see cref="GrowthScheduler.SaveCheckpoint"/> writes
    /// <c>{checkpoint}.best.new</c>, then the checkpoint, then renames the file to <c>{checkpoint}.best</c>.
    /// </summary>
    public const string PendingSuffix = ".new";

    /// <summary>The file of the checkpoint at <paramref name="checkpointPath"/> under the name that follows the checkpoint's own.</summary>
    public static string OwnName(string checkpointPath) => Path.GetFullPath(checkpointPath) + Suffix;

    /// <summary>
    /// Imports into <paramref name="store"/> the best-weights file that belongs to the checkpoint at
    /// <paramref name="checkpointPath"/>: beside it, named after it (<c>{checkpoint}.best</c>), as it was saved
    /// (<paramref name="recordedName"/>, from the checkpoint's extras) or as a save interrupted before its rename left it
    /// (<c>{checkpoint}.best.new</c>), the first whose size and SHA-256 are those <paramref name="state"/> records. Each
    /// file of the recorded size is hashed first, and only one whose digest matches is imported (read again, its digest
    /// checked again on the way: <see cref="BestWeightsStore.ImportIfDigest"/>): a file whose digest differs, another
    /// save's or a damaged one, is never loaded or copied, and counts as not the recorded file. Nothing is renamed or written beside the checkpoint:
    /// a <c>.best.new</c> is read where it is, and the next save to the same path finishes its rename
    /// (<see cref="FinishInterruptedSave"/>). A state from before the digest was recorded gets the recorded name
    /// unchecked, as then.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint file given to Resume.</param>
    /// <param name="recordedName">The file name in the checkpoint's extras (untrusted: checked to be a plain name).</param>
    /// <param name="state">The checkpoint's scheduler state, with the recorded digest and size.</param>
    /// <param name="store">Where the weights go.</param>
    /// <exception cref="CheckpointCorruptedException">The recorded name is not a plain file name, or the recorded digest or size is malformed; or the file with the recorded digest does not read as a checkpoint.</exception>
    /// <exception cref="CheckpointException">The file with the recorded digest is of another format: a checkpoint of a later Dendritic.Net, or the best-weights file of a pre-release one.</exception>
    /// <exception cref="CheckpointMismatchException">In memory, the file with the recorded digest does not fit the model.</exception>
    /// <exception cref="IOException">The file with the recorded digest could not be copied into the store's directory (on disk), for example on a full disk.</exception>
    /// <exception cref="FileNotFoundException">No file under either name.</exception>
    /// <exception cref="CheckpointMismatchException">Files are there, but none has the SHA-256 and size saved with the checkpoint (another save's file, or a damaged one: a changed byte keeps the size).</exception>
    public static void Import(string checkpointPath, string recordedName, GrowthSchedulerState state, BestWeightsStore store)
    {
        var recorded = CheckpointSidecar.Resolve(checkpointPath, recordedName, GrowthScheduler.BestWeightsExtrasKey);
        var expected = Expected(checkpointPath, state);
        if (expected is null)
        {
            // Unchecked as then, but a file: a FIFO or a device (0 bytes) would block the open or read without end.
            if (FileSizeBeforeOpen.Of(recorded) is not > 0)
            {
                throw Missing(checkpointPath, recordedName, [recorded]);
            }

            store.Import(recorded);
            return;
        }

        var names = new[] { OwnName(checkpointPath), recorded }.Distinct(StringComparer.Ordinal).ToList();
        var pending = OwnName(checkpointPath) + PendingSuffix;
        var seen = new List<(string File, long Bytes, string? Sha256)>();
        ExceptionDispatchInfo? unreadable = null;
        foreach (var file in names.Append(pending).Distinct(StringComparer.Ordinal))
        {
            // The size first: a file of another size is not read (a later save of a grown model usually differs).
            // Resume only reads: the staged file is taken where it is (ranks resuming together read the same files,
            // and the next save to this path finishes the rename). A file that is not there is skipped, also one
            // renamed meanwhile by a save finishing in another process; its new name is the checkpoint's own, looked
            // at first.
            (long Bytes, string? Sha256)? measured;
            try
            {
                measured = store.ImportIfDigest(file, expected.Value.Sha256, expected.Value.Bytes);
            }
            catch (CheckpointException e)
            {
                // The recorded digest, yet not readable here (a checkpoint of a later format, a pre-release best-weights
                // file): reported as such, unless a file further on is the recorded one and reads.
                unreadable ??= ExceptionDispatchInfo.Capture(e);
                continue;
            }

            if (measured is not { } found)
            {
                continue;
            }

            if (found.Sha256 == expected.Value.Sha256)
            {
                return;
            }

            seen.Add((file, found.Bytes, found.Sha256));
        }

        unreadable?.Throw();
        if (seen.Count == 0)
        {
            throw Missing(checkpointPath, recordedName, names);
        }

        throw Mismatch(checkpointPath, recordedName, state, expected.Value, seen);
    }

    /// <summary>
    /// Before a save to <paramref name="checkpointPath"/>: where a previous save there stopped after writing its
    /// checkpoint and before renaming its staged file (<c>.best.new</c>), renames it to <c>.best</c>, so that the new
    /// save's staging does not overwrite the only copy of that checkpoint's best weights. Best effort: a checkpoint or
    /// staged file that cannot be read, or does not match, is left as it is.
    /// </summary>
    /// <param name="checkpointPath">The path about to be saved to.</param>
    /// <param name="stateChars">The length of the scheduler state about to be saved (the previous one is no longer); asked only when a staged file is there, since it costs a serialisation of the state.</param>
    public static void FinishInterruptedSave(string checkpointPath, Func<long> stateChars)
    {
        var own = OwnName(checkpointPath);
        var pending = own + PendingSuffix;
        if (!File.Exists(pending) || !File.Exists(checkpointPath))
        {
            return;
        }

        // The previous state is no longer than the one about to be saved (its history is a prefix of it).
        if (RecordedState(checkpointPath, GrowthScheduler.ManifestBounds(stateChars())) is not { } previous)
        {
            return;
        }

        try
        {
            if (Expected(checkpointPath, previous) is { } expected
                && Measure(pending, expected.Bytes) is { } measured && measured.Sha256 == expected.Sha256)
            {
                File.Move(pending, own, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CheckpointException)
        {
            // A malformed digest, or a file that cannot be read or renamed: the save goes on, as it would have without this step.
        }
    }

    /// <summary>
    /// The scheduler state the checkpoint at <paramref name="checkpointPath"/> records, best effort: null when there is
    /// none or the file cannot be read (the callers only help a save along or word a message).
    /// </summary>
    private static GrowthSchedulerState? RecordedState(string checkpointPath, CheckpointLoadOptions? bounds = null)
    {
        try
        {
            return GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(checkpointPath, bounds), checkpointPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CheckpointException)
        {
            return null;
        }
    }

    /// <summary>
    /// The last step of a save: renames the staged file to <paramref name="best"/>. Where the staged file is gone and
    /// <paramref name="best"/> is the file just staged (a process resuming meanwhile cannot have renamed it, but a save
    /// in another process finishing an interrupted one can), the save is complete all the same.
    /// </summary>
    public static void Publish(string pending, string best, string sha256, long bytes)
    {
        try
        {
            File.Move(pending, best, overwrite: true);
        }
        catch (FileNotFoundException) when (Measure(best, bytes) is { } measured && measured.Sha256 == sha256)
        {
            // Already in place.
        }
    }

    /// <summary>The size of <paramref name="file"/> and, when it is <paramref name="expectedBytes"/>, its SHA-256; null when the file is gone.</summary>
    private static (long Bytes, string? Sha256)? Measure(string file, long expectedBytes)
    {
        try
        {
            // Sized before it is opened, links followed as the hash follows them (FileInfo.Length is a link's own size).
            if (FileSizeBeforeOpen.Of(file) is not { } bytes)
            {
                return null;
            }

            return (bytes, bytes == expectedBytes ? FileDigest.Of(file).Sha256 : null);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The recorded digest and size; null for a state written before they were recorded.</summary>
    /// <exception cref="CheckpointCorruptedException">Only one of the two is there, or either is malformed.</exception>
    private static (string Sha256, long Bytes)? Expected(string checkpointPath, GrowthSchedulerState state)
    {
        if (state.BestWeightsSha256 is null && state.BestWeightsBytes is null)
        {
            return null;
        }

        if (!FileDigest.IsSha256(state.BestWeightsSha256) || state.BestWeightsBytes is not > 0)
        {
            throw new CheckpointCorruptedException(FormattableString.Invariant(
                $"Checkpoint '{checkpointPath}' is corrupted: its scheduler state records the best-weights file as SHA-256 '{UntrustedText.Excerpt(state.BestWeightsSha256 ?? "(none)")}' and {state.BestWeightsBytes?.ToString(CultureInfo.InvariantCulture) ?? "no"} bytes, not 64 lower-case hex digits and a positive size. Restore it from a backup or save it again."));
        }

        return (state.BestWeightsSha256!, state.BestWeightsBytes.Value);
    }

    private static FileNotFoundException Missing(string checkpointPath, string recordedName, IReadOnlyList<string> names)
    {
        // The usual cause: the checkpoint was copied or moved without the file SaveCheckpoint wrote beside it.
        var where = string.Join(" or ", names.Select(n => $"'{n}'"));
        return new FileNotFoundException(
            $"Checkpoint '{checkpointPath}' keeps the run's best weights in '{UntrustedText.Name(recordedName)}' beside it, and there is no such file ({where}). Copy or move that file together with the checkpoint (as '{Path.GetFileName(checkpointPath)}{Suffix}' beside a renamed copy).",
            names[^1]);
    }

    private static CheckpointMismatchException Mismatch(string checkpointPath, string recordedName, GrowthSchedulerState state, (string Sha256, long Bytes) expected, IReadOnlyList<(string File, long Bytes, string? Sha256)> seen)
    {
        var found = string.Join("; ", seen.Select(s => Described(s.File, s.Bytes, s.Sha256, checkpointPath)));
        var fix = $"A checkpoint and its best-weights file belong together: copy both right after SaveCheckpoint (before the next save to the same path overwrites '{UntrustedText.Name(recordedName)}'), naming the copies '{{name}}' and '{{name}}{Suffix}'. Resume this checkpoint with its own file put back beside it, or resume the checkpoint the file belongs to.";
        return new CheckpointMismatchException(string.Create(
            CultureInfo.InvariantCulture,
            $"Checkpoint '{checkpointPath}' (validation {state.Validations}) was saved with a best-weights file of {expected.Bytes} bytes and SHA-256 {expected.Sha256}, written as '{UntrustedText.Name(recordedName)}' beside it, and no file beside it is that one: {found}. Resuming with another save's best weights would restore them at the next growth and change every decision from there, so nothing was loaded (a file damaged by a changed byte looks the same; restore it from a backup then). {fix}"));
    }

    /// <summary>
    /// For the message: "'F' has N bytes, SHA-256 D (it belongs to checkpoint X, saved at validation V)", the digest when
    /// it is known and the owner when it can be told, best effort: the file is named after a checkpoint beside it that
    /// records its size and digest. A file of another size than the recorded one was not hashed; it is hashed here, in
    /// this error path only, when such a checkpoint records its size (checkpoints of one model differ in size by a byte
    /// or two, as their manifests do).
    /// </summary>
    private static string Described(string file, long bytes, string? sha256, string checkpointPath)
    {
        var owner = file.EndsWith(Suffix, StringComparison.Ordinal) ? file[..^Suffix.Length] : null;
        var state = owner is null || string.Equals(Path.GetFullPath(owner), Path.GetFullPath(checkpointPath), StringComparison.Ordinal) || !File.Exists(owner)
            ? null
            : RecordedState(owner);
        if (sha256 is null && state?.BestWeightsBytes == bytes)
        {
            try
            {
                sha256 = FileDigest.Of(file).Sha256;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another file that cannot be read does not change what is wrong here.
            }
        }

        var digest = sha256 is null ? string.Empty : ", SHA-256 " + sha256;
        var belongs = sha256 is not null && state is { } recorded && recorded.BestWeightsSha256 == sha256
            ? FormattableString.Invariant($" (it belongs to checkpoint '{owner}', saved at validation {recorded.Validations})")
            : string.Empty;
        return FormattableString.Invariant($"'{file}' has {bytes} bytes{digest}{belongs}");
    }
}
