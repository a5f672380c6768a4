using System;

namespace Dendritic;

/// <summary>
/// Thrown by the forward pass of a wrapped convolution whose stride, padding, dilation, groups or padding mode was
/// changed after its dendrites were added: the dendrites compute with the settings they copied then (recorded in
/// <see cref="HostLayerSpec"/> and in checkpoints), so host and dendrites would disagree, in shape or, worse, silently
/// in value. The message names the layer, the setting, both values and the fix: set it back, or unwrap, change it and
/// wrap again.
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

    internal HostSettingsChangedException(string layerName, string setting, string wrappedValue, string currentValue, string message)
        : base(message)
    {
        LayerName = layerName;
        Setting = setting;
        WrappedValue = wrappedValue;
        CurrentValue = currentValue;
    }

    /// <summary>The layer's path in its model; empty for a <see cref="DendriteLayer"/> built directly.</summary>
    public string LayerName { get; } = string.Empty;

    /// <summary>The setting that changed: <c>stride</c>, <c>padding</c>, <c>dilation</c>, <c>groups</c> or <c>padding_mode</c>.</summary>
    public string Setting { get; } = string.Empty;

    /// <summary>Its value when the dendrites were added, e.g. <c>1x1</c>.</summary>
    public string WrappedValue { get; } = string.Empty;

    /// <summary>Its value now, e.g. <c>2x2</c>, or <c>same</c> / <c>valid</c> for a padding given by name.</summary>
    public string CurrentValue { get; } = string.Empty;
}
