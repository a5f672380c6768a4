using System;

namespace Dendritic;

/// <summary>
/// Thrown when a module cannot carry dendrites: a <see cref="DendriteLayer"/> built on an Embedding, a transposed
/// convolution or any type other than Linear, Conv1d, Conv2d and Conv3d, or a convolution whose "same" padding would
/// pad asymmetrically; or a member a module host's dendrite set lacks (<see cref="DendriteSet.Weight"/>: its weights are
/// the parameters of <see cref="DendriteSet.Module"/>). The message names the layer (when it has a path), its type, the
/// supported types or members, and the fix.
/// </summary>
public sealed class UnsupportedHostException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedHostException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public UnsupportedHostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public UnsupportedHostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal UnsupportedHostException(string layerName, string hostType, string message)
        : base(message)
    {
        LayerName = layerName;
        HostType = hostType;
    }

    /// <summary>The layer's path in its model; empty for a layer built directly.</summary>
    public string LayerName { get; } = string.Empty;

    /// <summary>The name of the host module's type, e.g. <c>Embedding</c>; empty when not known.</summary>
    public string HostType { get; } = string.Empty;
}
