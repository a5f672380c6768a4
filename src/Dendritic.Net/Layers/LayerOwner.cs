using System;

namespace Dendritic;

/// <summary>
/// The handle that holds a <see cref="DendriteLayer"/> and the layer's path in its model. A reference type, so that
/// setting and reading a layer's owner is one atomic reference write or read, never a torn pair; the handle is weak,
/// so that a layer kept after its model is gone keeps neither alive.
/// </summary>
/// <param name="Handle">The holding handle.</param>
/// <param name="Path">The layer's path in the handle's model ("" for the model itself).</param>
internal sealed record LayerOwner(WeakReference<DendriticModel> Handle, string Path);
