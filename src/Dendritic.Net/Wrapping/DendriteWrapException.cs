using System;

namespace Dendritic;

/// <summary>
/// Thrown when a model cannot be wrapped as asked: a name that matches no layer, an unsupported layer type, a model
/// that is already wrapped. The message names the layer and the fix. Nothing is half-applied when it is thrown. A
/// selection that takes one of TorchSharp's native modules throws the derived <see cref="NativeModuleException"/>.
/// </summary>
public class DendriteWrapException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public DendriteWrapException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public DendriteWrapException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public DendriteWrapException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
