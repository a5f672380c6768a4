using System;
using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// Thrown by the forward pass of a wrapped convolution whose stride, padding, dilation, groups or padding mode was
/// changed after its dendrites were added, or of a wrapped Linear or convolution given a weight of another shape: the
/// dendrites compute with the settings and shape they copied then (recorded in <see cref="HostLayerSpec"/> and in
/// checkpoints), so host and dendrites would disagree, in shape or, worse, silently in value. The message names the
/// layer, every setting that changed with both values, and the fix: set them back, or unwrap, change them and wrap
/// again. <see cref="Changes"/> lists the same settings.
/// </summary>
public sealed class HostSettingsChangedException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public HostSettingsChangedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public HostSettingsChangedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public HostSettingsChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal HostSettingsChangedException(string layerName, IReadOnlyList<HostSettingChange> changes, string message)
        : base(message)
    {
        LayerName = layerName;
        Changes = changes;
    }

    /// <summary>The layer's path in its model; empty for a <see cref="DendriteLayer"/> built directly.</summary>
    public string LayerName { get; } = string.Empty;

    /// <summary>
    /// Every setting that changed, in the order stride, dilation, padding, groups, padding_mode, then <c>weight shape</c>;
    /// empty for an exception made with a message only. A dilation changed under a padding given as <c>same</c> is
    /// listed as the dilation alone: the padding setting itself did not change.
    /// </summary>
    public IReadOnlyList<HostSettingChange> Changes { get; } = Array.Empty<HostSettingChange>();
}
