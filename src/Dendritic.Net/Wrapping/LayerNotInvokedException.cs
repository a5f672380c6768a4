using System;
using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// Thrown by the check pass after wrapping when a wrapped layer's forward hook or replacement did not run (so neither
/// did its dendrites, if it has any yet): its parent calls it in a way that bypasses both the replacement and the forward hook (for example <c>fc1.forward(x)</c> on a field typed as the
/// concrete layer), or the input does not reach it. Thrown by the check pass of <see cref="Dendrites.Wrap"/> (with a
/// sample input) and of a checkpoint load, which then undo the wrapping; by <see cref="DendriticModel.Verify"/>; and
/// by the model's first forward pass after a wrap without a check pass that left layers hooked (these two leave the
/// model wrapped). <see cref="ModelUnwrapped"/> and the message say which.
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

    internal LayerNotInvokedException(IReadOnlyList<string> layerNames, DendriticModel handle, bool firstForward = false)
        : base(DescribeLayers(layerNames, firstForward))
    {
        LayerNames = layerNames;
        _handle = handle;
    }

    /// <summary>The paths of the layers whose forward hook or replacement did not run.</summary>
    public IReadOnlyList<string> LayerNames { get; }

    /// <summary>
    /// Whether the model is unwrapped now: true after <see cref="Dendrites.Wrap"/>'s or a checkpoint load's check
    /// pass failed (they undo the wrapping); false after <see cref="DendriticModel.Verify"/> or the first forward pass
    /// found the problem, which leave the model wrapped (fix the forward, or call <see cref="DendriticModel.Unwrap"/>).
    /// </summary>
    public bool ModelUnwrapped => _handle?.IsUnwrapped ?? false;

    /// <inheritdoc/>
    // Read when the exception is reported, not when it is thrown: Wrap and DendriteCheckpoint.Load unwrap the model
    // after Verify throws, and the message must say what state the model is in then.
    public override string Message => _handle is null
        ? base.Message
        : base.Message + " " + (ModelUnwrapped
            ? "The model has been left unwrapped."
            : $"The model is still wrapped: {(LayerNames.Count == 1 ? "that layer's" : "those layers'")} dendrites, now or once grown, do not run, yet DendriticModel.Report() counts them. Fix the forward and call Verify again, or Unwrap the model.");

    private readonly DendriticModel? _handle;

    private static string DescribeLayers(IReadOnlyList<string> layerNames, bool firstForward)
    {
        var one = layerNames.Count == 1;
        // Said of the hook or replacement, not of the dendrites: with InitialDendrites = 0 a layer has none, yet the
        // check still finds a parent that bypasses the hook.
        var names = string.Join(", ", layerNames);
        return (one
                ? $"The wrapper of {names} (its forward hook, or the DendriteLayer that replaced it)"
                : $"The wrappers of {names} (their forward hooks, or the DendriteLayers that replaced them)") +
            $" did not run during {(firstForward ? "the model's first forward pass after wrapping" : "the check pass")}. " +
            (one
                ? "The layer's parent probably calls it with .forward(x), which bypasses forward hooks. "
                : "Their parents probably call them with .forward(x), which bypasses forward hooks. ") +
            // A module host is always hooked, so retyping its field cannot help; a Linear or convolution held in a
            // field typed as the concrete layer is hooked because it cannot be replaced, and retyping lets it be.
            (one
                ? "Fix: call it with .call(x) (a Linear or convolution in a field typed as the concrete layer can instead have the field typed as Module<Tensor, Tensor>, so that it is replaced); or exclude the layer "
                : "Fix: call them with .call(x) (a Linear or convolution in a field typed as the concrete layer can instead have the field typed as Module<Tensor, Tensor>, so that it is replaced); or exclude the layers ") +
            $"if {(firstForward ? "the model's input" : "the input")} does not reach {(one ? "it" : "them")}.";
    }
}
