using System;
using System.IO;

namespace Dendritic;

/// <summary>
/// Where the <see cref="GrowthScheduler"/> keeps the weights of its best score: a snapshot in memory or a file in
/// <see cref="GrowthOptions.BestWeightsDirectory"/> (<see cref="GrowthOptions.BestWeights"/>). The scheduler only
/// captures, restores, exports and imports; which storage it is stays in here.
/// </summary>
internal abstract class BestWeightsStore
{
    protected BestWeightsStore(IGrowthModel model) => Model = model;

    protected IGrowthModel Model { get; }

    /// <summary>The store <paramref name="options"/> ask for (creating the disk directory if missing).</summary>
    public static BestWeightsStore For(GrowthOptions options, IGrowthModel model) =>
        options.BestWeights == BestWeightsStorage.Disk ? new OnDisk(model, options.BestWeightsDirectory!) : new InMemory(model);

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

    /// <summary>Writes the kept weights to <paramref name="path"/>, for <see cref="Import"/> on resume.</summary>
    /// <exception cref="InvalidOperationException">Nothing was captured yet.</exception>
    public abstract void Export(string path);

    /// <summary>Takes the weights written by <see cref="Export"/> as the kept ones.</summary>
    public abstract void Import(string path);

    /// <summary>
    /// Reads a file written by <see cref="Export"/> to tell a damaged one (its own checksum fails) from an intact file of
    /// another save, without keeping it or changing anything; for an error message, so it may cost a full read.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The file is damaged.</exception>
    public abstract void CheckIntact(string path);

    private sealed class InMemory(IGrowthModel model) : BestWeightsStore(model)
    {
        private IDisposable? _snapshot;

        public override bool HasWeights => _snapshot is not null;

        public override void Capture() => Replace(Model.CaptureWeights());

        public override void Restore() =>
            Model.RestoreWeights(_snapshot ?? throw new InvalidOperationException("No best weights were captured; import them with LoadBestWeights after ImportState."));

        public override void Export(string path) =>
            Model.SaveSnapshot(_snapshot ?? throw new InvalidOperationException("No best weights yet: call Step at least once first."), path);

        public override void Import(string path) => Replace(Model.LoadSnapshot(path));

        // On resume, before Import: the snapshot read here is the one Import would have held.
        public override void CheckIntact(string path) => Model.LoadSnapshot(path).Dispose();

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
        public override void Export(string path) => Copy(_path, path);

        public override void Import(string path) => Copy(path, _path);

        // A checkpoint file's weights are verified only by a full load into the model, which would change it; the
        // caller's message names a changed byte as one of the causes instead.
        public override void CheckIntact(string path)
        {
        }

        private static void Copy(string from, string to)
        {
            if (string.Equals(Path.GetFullPath(from), Path.GetFullPath(to), StringComparison.Ordinal))
            {
                // Importing the store's own file: nothing to copy (and Windows would refuse to replace an open file).
                return;
            }

            using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read);
            AtomicFileWriter.Write(AtomicFileWriter.ResolveTarget(to, "best weights"), "best weights", source.CopyTo);
        }
    }
}
