namespace Dendritic;

/// <summary>What <see cref="DendriteCheckpoint.Load"/> returns: the wrapped model and the checkpoint's manifest.</summary>
/// <param name="Model">The handle of the loaded, wrapped model.</param>
/// <param name="Manifest">The manifest, with the extra state saved alongside (see <see cref="CheckpointManifest.Extras"/>).</param>
public sealed record LoadedCheckpoint(DendriticModel Model, CheckpointManifest Manifest);
