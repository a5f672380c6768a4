using System;
using System.IO;

namespace Dendritic.Experiments;

/// <summary>An IDX file (the MNIST format) is malformed: wrong magic number, wrong type, or truncated.</summary>
public sealed class IdxFormatException : DendriticException
{
    /// <summary>Creates the exception with a message naming the file and the problem.</summary>
    /// <param name="path">The file that was read.</param>
    /// <param name="problem">What is wrong and, where possible, how to fix it.</param>
    public IdxFormatException(string path, string problem)
        : base($"'{path}' is not a valid IDX file: {problem}")
    {
        FilePath = path;
    }

    /// <summary>Creates the exception with a message naming the file and the problem, and the error that revealed it.</summary>
    /// <param name="path">The file that was read.</param>
    /// <param name="problem">What is wrong and, where possible, how to fix it.</param>
    /// <param name="innerException">The cause (for example the gzip reader's error).</param>
    public IdxFormatException(string path, string problem, Exception innerException)
        : base($"'{path}' is not a valid IDX file: {problem}", innerException)
    {
        FilePath = path;
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public IdxFormatException()
        : base("Not a valid IDX file.")
    {
        FilePath = string.Empty;
    }

    /// <summary>Creates the exception with a plain message.</summary>
    /// <param name="message">The message.</param>
    public IdxFormatException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    /// <summary>Creates the exception with a plain message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public IdxFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
    }

    /// <summary>The file that was read; empty when not known.</summary>
    public string FilePath { get; }
}
