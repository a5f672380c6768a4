using System;

namespace Dendritic.Onnx;

/// <summary>
/// A module of the model cannot be written to ONNX: an unsupported type, an unsupported setting of a supported type
/// (say, circular padding), or a forward hook that changes the module's output. The message names the module's path
/// and type and says what to do.
/// </summary>
public sealed class OnnxExportException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public OnnxExportException()
        : this(string.Empty, string.Empty, "The module cannot be exported to ONNX.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public OnnxExportException(string message)
        : this(string.Empty, string.Empty, message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxExportException(string message, Exception innerException)
        : base(message, innerException)
    {
        ModulePath = string.Empty;
        ModuleType = string.Empty;
    }

    /// <summary>Creates the exception for one module.</summary>
    /// <param name="modulePath">The module's path in the model, e.g. <c>0.block.conv1</c>; empty for the root.</param>
    /// <param name="moduleType">The module's .NET type name.</param>
    /// <param name="message">What went wrong and how to fix it.</param>
    public OnnxExportException(string modulePath, string moduleType, string message)
        : base(message)
    {
        ModulePath = modulePath;
        ModuleType = moduleType;
    }

    /// <summary>The failing module's path in the model (dot-separated child names); empty for the root.</summary>
    public string ModulePath { get; }

    /// <summary>The failing module's .NET type name.</summary>
    public string ModuleType { get; }

    /// <summary>How every export message names a module: <c>Module 'block.fc' (Linear)</c>, or <c>The model (Net)</c> for the root.</summary>
    internal static string Describe(string modulePath, string moduleType) =>
        modulePath.Length == 0 ? $"The model ({moduleType})" : $"Module '{modulePath}' ({moduleType})";
}
