using System;
using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// Thrown by the check pass after wrapping when a wrapped layer did not run its dendrites: its parent calls it in a way
/// that bypasses both the replacement and the forward hook (for example <c>fc1.forward(x)</c> on a field typed as the
/// concrete layer), or the sample input does not reach it. The wrapping has been undone.
/// </summary>
public sealed class LayerNotInvokedException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public LayerNotInvokedException()
    {
        LayerNames = Array.Empty<string>();
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public LayerNotInvokedException(string message)
        : base(message)
    {
        LayerNames = Array.Empty<string>();
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public LayerNotInvokedException(string message, Exception innerException)
        : base(message, innerException)
    {
        LayerNames = Array.Empty<string>();
    }

    internal LayerNotInvokedException(IReadOnlyList<string> layerNames)
        : base(BuildMessage(layerNames))
    {
        LayerNames = layerNames;
    }

    /// <summary>The paths of the layers whose dendrites did not run.</summary>
    public IReadOnlyList<string> LayerNames { get; }

    private static string BuildMessage(IReadOnlyList<string> layerNames) =>
        $"The dendrites of {string.Join(", ", layerNames)} did not run during the check pass on the sample input. " +
        "Its parent probably calls it with .forward(x) on a field typed as the concrete layer, which bypasses forward hooks. " +
        "Fix: call it with .call(x), or type the field as Module<Tensor, Tensor> so that it can be replaced; or exclude the layer " +
        "if the sample input does not reach it. The model has been left unwrapped.";
}
