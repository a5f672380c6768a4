using System;

namespace Dendritic;

/// <summary>
/// Thrown by <see cref="Dendrites.Wrap"/> when the selection takes one of TorchSharp's native modules
/// (<c>MultiheadAttention</c>, <c>TransformerEncoderLayer</c>, <c>TransformerEncoder</c>, ...) that no
/// <see cref="ModuleHost"/> covers, or a layer inside one, or when a rule that takes no module hosts (a glob, a regex)
/// matches a native module (LSTM and GRU are module hosts when taken by name, type or predicate): their inner layers
/// live inside libtorch, are not submodules, and can be neither replaced nor hooked. The message names the module's
/// path and type and says what to do instead: build the block (attention from Linear query, key, value and output
/// projections), select it as a module host where one applies, or exclude the module. The model is left unwrapped.
/// </summary>
public sealed class NativeModuleException : DendriteWrapException
{
    /// <summary>Creates the exception.</summary>
    public NativeModuleException()
    {
        ModulePath = string.Empty;
        ModuleType = string.Empty;
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public NativeModuleException(string message)
        : base(message)
    {
        ModulePath = string.Empty;
        ModuleType = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public NativeModuleException(string message, Exception innerException)
        : base(message, innerException)
    {
        ModulePath = string.Empty;
        ModuleType = string.Empty;
    }

    /// <summary>Creates the exception for one native module.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="modulePath">The native module's path in the model; empty for the model itself.</param>
    /// <param name="moduleType">Its TorchSharp type name, such as <c>MultiheadAttention</c>.</param>
    public NativeModuleException(string message, string modulePath, string moduleType)
        : base(message)
    {
        ModulePath = modulePath;
        ModuleType = moduleType;
    }

    /// <summary>The native module's path in the model (<c>blocks.0.attn</c>); empty for the model itself.</summary>
    public string ModulePath { get; }

    /// <summary>The native module's TorchSharp type name (<c>MultiheadAttention</c>, <c>TransformerEncoderLayer</c>, ...).</summary>
    public string ModuleType { get; }
}
