namespace Dendritic.Experiments;

/// <summary>Reports cannot be merged: they ran different experiments, or their seeds overlap.</summary>
public sealed class ReportMergeException : DendriticException
{
    /// <summary>Creates the exception with a message naming the setting that differs and the fix.</summary>
    /// <param name="message">The message.</param>
    public ReportMergeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public ReportMergeException()
        : base("The reports cannot be merged.")
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ReportMergeException(string message, System.Exception innerException)
        : base(message, innerException)
    {
    }
}
