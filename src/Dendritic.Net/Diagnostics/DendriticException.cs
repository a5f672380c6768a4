using System;

namespace Dendritic;

/// <summary>
/// The base of every exception this library and its companion packages throw for a problem they detect themselves
/// (wrapping, checkpoints, options, export, data). Catch it to handle all of them; the derived types say which
/// part failed, and every message names the layer, file or option, the value, and the fix.
/// </summary>
public abstract class DendriticException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected DendriticException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    protected DendriticException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    protected DendriticException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
