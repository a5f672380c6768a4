namespace Dendritic;

/// <summary>What <see cref="DendriteCheckpoint.Load"/> returns: the loaded model's handle and the checkpoint's manifest.</summary>
/// <param name="Handle">The handle of the loaded, wrapped model (<c>Handle.Model</c> is the model itself).</param>
/// <param name="Manifest">The manifest, with the extra state saved alongside (see <see cref="CheckpointManifest.Extras"/>).</param>
public sealed record LoadedCheckpoint(DendriticModel Handle, CheckpointManifest Manifest);
