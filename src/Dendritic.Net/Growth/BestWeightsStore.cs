using System;
using System.IO;

namespace Dendritic;

/// <summary>
/// Where the <see cref="GrowthScheduler"/> keeps the weights of its best score: a snapshot in memory, or a checkpoint in
/// <see cref="GrowthOptions.BestWeightsDirectory"/> when that is set. The scheduler only captures, restores, exports and
/// imports; which storage it is stays in here. Either way the exported file is a checkpoint.
/// </summary>
internal abstract class BestWeightsStore
{
    // What the atomic writer's messages call the file.
    private const string What = "best weights";

    protected BestWeightsStore(IGrowthModel model) => Model = model;

    protected IGrowthModel Model { get; }

    /// <summary>The store <paramref name="options"/> ask for (creating the disk directory if missing).</summary>
    public static BestWeightsStore For(GrowthOptions options, IGrowthModel model) =>
        options.BestWeightsDirectory is { } directory ? new OnDisk(model, directory) : new InMemory(model);

    /// <summary>
    /// Whether weights were captured or imported, so that <see cref="Restore"/> has something to copy back and a
    /// checkpoint carries them in a file of its own (<see cref="Export"/>): in memory they would be lost, and on disk
    /// later improvements overwrite them.
    /// </summary>
    public abstract bool HasWeights { get; }

    /// <summary>Keeps the model's current weights as the best, replacing any kept before.</summary>
    public abstract void Capture();

    /// <summary>Copies the kept weights back into the model (same structure as when captured).</summary>
    /// <exception cref="InvalidOperationException">Nothing was captured or imported.</exception>
    public abstract void Restore();

    /// <summary>
    /// Writes the kept weights to <paramref name="path"/> (atomically), for <see cref="Import"/> on resume, and returns
    /// the file's SHA-256 and size: on disk hashed from the bytes on their way (a copy), in memory from the finished
    /// temporary read back once before it replaces the target (the zip writer goes back into what it wrote, and the
    /// weights are serialised once).
    /// </summary>
    /// <returns>The SHA-256 of the whole file (as <c>sha256sum</c> prints it) and its size in bytes.</returns>
    /// <exception cref="InvalidOperationException">Nothing was captured yet.</exception>
    public abstract (string Sha256, long Bytes) Export(string path);

    /// <summary>Takes the weights written by <see cref="Export"/> as the kept ones.</summary>
    public abstract void Import(string path);

    /// <summary>
    /// Takes the weights in <paramref name="path"/> as the kept ones if the file is the one a checkpoint recorded: of
    /// <paramref name="bytes"/> bytes and SHA-256 <paramref name="sha256"/>. A file of another size is not read at all;
    /// one of that size is hashed first, in a read of its own (1 MiB at a time), and only if that digest matches is it
    /// read again to be loaded (in memory) or copied (on disk), hashed again on the way, and kept only if it still
    /// matches (in memory, the file is loaded from the same open file and hashed again after). A file that is not the
    /// recorded one is thus never loaded or copied: it cannot fail a load, allocate its weights or fill a disk, and so
    /// hide that it is the wrong file. Its size is read before it is opened (<see cref="FileSizeBeforeOpen"/>), so a FIFO
    /// or a device under the name is never opened, and a directory counts as no file.
    /// </summary>
    /// <returns>
    /// Null when there is no file; otherwise its size and, when that is <paramref name="bytes"/>, its SHA-256. The weights
    /// were taken exactly when the SHA-256 returned is <paramref name="sha256"/>.
    /// </returns>
    /// <exception cref="CheckpointCorruptedException">The file has the recorded size and SHA-256 but does not read as a checkpoint; nothing was taken.</exception>
    /// <exception cref="CheckpointException">The file has the recorded size and SHA-256 but is of another format (a newer checkpoint, or a pre-release best-weights file); nothing was taken.</exception>
    /// <exception cref="CheckpointMismatchException">In memory: the file has the recorded size and SHA-256 but does not fit the model; nothing was taken.</exception>
    /// <exception cref="IOException">The file has the recorded size and SHA-256, and copying it (on disk) failed, for example on a full disk; nothing was replaced.</exception>
    public (long Bytes, string? Sha256)? ImportIfDigest(string path, string sha256, long bytes)
    {
        // Sized before it is opened: a FIFO or a device under the name (0 bytes) is never the recorded file, and
        // opening it could block for ever or read without end.
        if (FileSizeBeforeOpen.Of(path) is not { } size)
        {
            return null;
        }

        if (size != bytes)
        {
            return (size, null);
        }

        FileStream file;
        try
        {
            file = SequentialFile.Open(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        using (file)
        {
            var length = file.Length;
            if (length != bytes)
            {
                return (length, null);
            }

            var (actual, _) = FileDigest.Of(file, length);
            if (actual != sha256)
            {
                return (length, actual);
            }

            // The same open file from its start (a save renaming another file over the name meanwhile does not reach
            // it), hashed again as it is taken, so that bytes changed in place between the two reads are refused too.
            file.Position = 0;
            return (length, ImportVerified(file, length, path, sha256));
        }
    }

    /// <summary>
    /// Reads <paramref name="file"/> (open at its start, <paramref name="length"/> bytes, whose SHA-256 was
    /// <paramref name="sha256"/> when it was hashed just before), taking its weights only if its SHA-256, computed
    /// again, is still <paramref name="sha256"/>.
    /// </summary>
    /// <returns>The file's SHA-256.</returns>
    protected abstract string ImportVerified(FileStream file, long length, string path, string sha256);

    /// <summary>The SHA-256 of the whole file behind <paramref name="source"/>, after reading whatever the reader left.</summary>
    protected static string FileSha256(DigestStream source)
    {
        source.CopyTo(Stream.Null, 1 << 16);
        return source.Sha256Hex();
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically through <paramref name="write"/> and returns the SHA-256 and size of
    /// the whole file, the one way for both stores. A writer that only appends (a copy) is hashed on its way to the
    /// file. A writer that goes back into what it wrote (<paramref name="rewrites"/>: a zip writer fills in each entry's
    /// sizes after its data) gets the temporary itself, which is then read back once, before it replaces the target.
    /// </summary>
    protected static (string Sha256, long Bytes) WriteHashed(string path, Action<Stream> write, bool rewrites = false)
    {
        (string Sha256, long Bytes) written = default;
        AtomicFileWriter.Write(AtomicFileWriter.ResolveTarget(path, What), What, file =>
        {
            if (rewrites)
            {
                write(file);
                file.Position = 0;
                written = FileDigest.Of(file);
                return;
            }

            using var digest = new DigestStream(file, writing: true);
            write(digest);
            written = (digest.Sha256Hex(), digest.Count);
        });
        return written;
    }

    private sealed class InMemory(IGrowthModel model) : BestWeightsStore(model)
    {
        private IDisposable? _snapshot;

        public override bool HasWeights => _snapshot is not null;

        public override void Capture() => Replace(Model.CaptureWeights());

        public override void Restore() =>
            Model.RestoreWeights(_snapshot ?? throw new InvalidOperationException("No best weights were captured or imported."));

        public override (string Sha256, long Bytes) Export(string path)
        {
            var snapshot = _snapshot ?? throw new InvalidOperationException("No best weights yet: call Step at least once first.");
            // Read back rather than serialised twice: the zip writer fills in each entry's sizes after its data.
            return WriteHashed(path, destination => Model.SaveSnapshot(snapshot, destination), rewrites: true);
        }

        public override void Import(string path)
        {
            using var file = SequentialFile.Open(path);
            Replace(Model.LoadSnapshot(file, path));
        }

        // Only a file whose digest was the recorded one a moment ago gets here. A checkpoint is read where its zip
        // directory points, not front to back, so it cannot be hashed as it loads: it is loaded from the open file just
        // hashed (checked as any checkpoint, its weights against its manifest's SHA-256), then hashed once more, and held
        // only if that digest is still the recorded one. One byte over the recorded size is hashed, so that a file grown
        // or cut in place meanwhile differs too.
        protected override string ImportVerified(FileStream file, long length, string path, string sha256)
        {
            var snapshot = Model.LoadSnapshot(file, path);
            string actual;
            try
            {
                file.Position = 0;
                actual = FileDigest.Of(file, length + 1).Sha256;
            }
            catch
            {
                snapshot.Dispose();
                throw;
            }

            if (actual == sha256)
            {
                Replace(snapshot);
            }
            else
            {
                snapshot.Dispose();
            }

            return actual;
        }

        // The replaced snapshot is freed at once: the scheduler keeps one best, not a history.
        private void Replace(IDisposable snapshot)
        {
            _snapshot?.Dispose();
            _snapshot = snapshot;
        }
    }

    private sealed class OnDisk : BestWeightsStore
    {
        private const string FileName = "best.dendrites";
        private readonly string _path;

        public OnDisk(IGrowthModel model, string directory)
            : base(model)
        {
            Directory.CreateDirectory(directory);
            _path = Path.Combine(directory, FileName);
        }

        public override bool HasWeights => File.Exists(_path);

        public override void Capture() => Model.SaveWeights(_path);

        public override void Restore() => Model.LoadWeights(_path);

        // Copies through a temporary and a rename, as every save: a copy that fails (a full disk) leaves the file it
        // would have replaced as it was.
        public override (string Sha256, long Bytes) Export(string path)
        {
            if (SamePath(_path, path))
            {
                // Exporting onto the store's own file: nothing to copy, so nothing was hashed on the way.
                return FileDigest.Of(path);
            }

            using var source = SequentialFile.Open(_path);
            return WriteHashed(path, source.CopyTo);
        }

        public override void Import(string path) => Copy(path, _path);

        // Only a file whose digest was the recorded one a moment ago gets here, so a copy that fails (a full disk) is
        // the error to report. Copied into a temporary beside the store's file while hashed again, and renamed over it
        // only if the digest still matches: the store's file is never replaced by one that is not the recorded one. Its
        // weights are checked (as a checkpoint) when they are restored.
        protected override string ImportVerified(FileStream file, long length, string path, string sha256)
        {
            using var source = new DigestStream(file, writing: false, length);
            if (SamePath(path, _path))
            {
                // The store's own file: nothing to copy.
                return FileSha256(source);
            }

            var actual = string.Empty;
            _ = AtomicFileWriter.TryWrite(AtomicFileWriter.ResolveTarget(_path, What), What, copy =>
            {
                source.CopyTo(copy, 1 << 20);
                actual = FileSha256(source);
                return actual == sha256;
            });
            return actual;
        }

        private static bool SamePath(string a, string b) =>
            string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

        private static void Copy(string from, string to)
        {
            if (SamePath(from, to))
            {
                // Importing the store's own file: nothing to copy (and Windows would refuse to replace an open file).
                return;
            }

            using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read);
            AtomicFileWriter.Write(AtomicFileWriter.ResolveTarget(to, What), What, source.CopyTo);
        }
    }
}
