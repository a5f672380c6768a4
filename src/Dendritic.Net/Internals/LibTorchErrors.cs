using System;
using System.Runtime.InteropServices;

namespace Dendritic;

/// <summary>
/// libtorch's errors as TorchSharp raises them: exactly <see cref="ExternalException"/> (its subclasses are the
/// operating system's), the operation's complaint on the first line of the message and a native stack after it.
/// </summary>
internal static class LibTorchErrors
{
    /// <summary>Whether <paramref name="exception"/> is an error libtorch raised through TorchSharp.</summary>
    public static bool IsLibTorch(Exception exception) => exception.GetType() == typeof(ExternalException);

    /// <summary>The first line of the message, without its closing period: what libtorch refused, and why.</summary>
    public static string Reason(ExternalException exception)
    {
        var reason = exception.Message.Split('\n', 2)[0].Trim().TrimEnd('.');
        return reason.Length == 0 ? "libtorch gave no reason" : reason;
    }
}
