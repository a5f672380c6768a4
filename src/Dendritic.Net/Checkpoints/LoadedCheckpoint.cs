namespace Dendritic;

/// <summary>
/// What <see cref="DendriteCheckpoint.Load"/> returns: the loaded model's handle, the checkpoint's manifest and the file
/// it was read from. Only <see cref="DendriteCheckpoint.Load"/> makes one, so that what
/// <see cref="GrowthScheduler.Resume"/> and <see cref="DendriteCheckpoint.LoadOptimizerState"/> read next to it (the
/// best weights, the optimizer state) is always the file the model came from.
/// </summary>
public sealed record LoadedCheckpoint
{
    internal LoadedCheckpoint(DendriticModel handle, CheckpointManifest manifest, string path, CheckpointLoadOptions loadOptions)
    {
        Handle = handle;
        Manifest = manifest;
        Path = path;
        LoadOptions = loadOptions;
    }

    /// <summary>The handle of the loaded, wrapped model (<c>Handle.Model</c> is the model itself).</summary>
    public DendriticModel Handle { get; }

    /// <summary>The manifest, with the extra state saved alongside (see <see cref="CheckpointManifest.Extras"/>).</summary>
    public CheckpointManifest Manifest { get; }

    /// <summary>
    /// The full path of the file <see cref="DendriteCheckpoint.Load"/> read (<see cref="System.IO.Path.GetFullPath(string)"/>
    /// of the path it was given; a symbolic link is not resolved). <see cref="GrowthScheduler.Resume"/> looks for the
    /// best weights beside it, and both it and <see cref="DendriteCheckpoint.LoadOptimizerState"/> read it again, refusing
    /// a file replaced since the load.
    /// </summary>
    public string Path { get; }

    /// <summary>
    /// The bounds and module hosts <see cref="DendriteCheckpoint.Load"/> read the file with (validated):
    /// <see cref="GrowthScheduler.Resume"/> reads the best weights, a checkpoint of the same model, with them, since a
    /// run whose checkpoint needed them (non-finite weights, larger caps, a module host) saved its best model with
    /// the same needs.
    /// </summary>
    internal CheckpointLoadOptions LoadOptions { get; }

    /// <summary>
    /// The options to read <see cref="Path"/> again with (its manifest at <see cref="GrowthScheduler.Resume"/>, its
    /// optimizer state): the load's (<see cref="LoadOptions"/>), so that caps raised for the
    /// load, non-finite weights and module hosts hold for the reads after it too, with room in
    /// <see cref="CheckpointLoadOptions.MaxManifestBytes"/> for the loaded manifest's extras (the scheduler's history
    /// most of it).
    /// </summary>
    internal CheckpointLoadOptions RereadOptions
    {
        get
        {
            var room = GrowthScheduler.ManifestBounds(Manifest.ExtrasChars).MaxManifestBytes;
            return LoadOptions.MaxManifestBytes >= room ? LoadOptions : LoadOptions with { MaxManifestBytes = room };
        }
    }
}
