using System;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The check pass on a sample input (<see cref="DendriticModel.Verify"/>) for <see cref="Dendrites.Wrap"/> and
/// <see cref="DendriteCheckpoint.Load"/>, with a refusal of the sample turned into a <see cref="DendriteWrapException"/>
/// that says the sample check raised it, gives the refusal's reason and what the caller's outcome is.
/// </summary>
internal static class SampleCheck
{
    /// <summary>Runs the check pass on <paramref name="sample"/>.</summary>
    /// <param name="handle">The handle whose layers must run.</param>
    /// <param name="model">The wrapped model.</param>
    /// <param name="sample">The sample input.</param>
    /// <param name="outcome">What the caller does on failure, for the message ("the model is left unwrapped").</param>
    /// <exception cref="DendriteWrapException">
    /// The sample's forward pass threw: libtorch refused it, or an <see cref="ArgumentException"/> other than
    /// <see cref="ArgumentNullException"/> (such as TorchSharp's Conv2d on an input of the wrong rank, or the model's own
    /// check). The message says the forward pass threw, in which module (the innermost one running, by
    /// <see cref="ForwardTrail"/>), that a wrong sample is one cause and the model's forward the other; the cause
    /// inside. An <see cref="ArgumentNullException"/> (almost always a bug in the forward pass) and any other exception
    /// pass through unchanged.
    /// </exception>
    /// <exception cref="LayerNotInvokedException">A wrapped layer's forward hook or replacement did not run.</exception>
    public static void Run(DendriticModel handle, nn.Module<Tensor, Tensor> model, Tensor sample, string outcome)
    {
        ArgumentException? refused = null;
        using var trail = ForwardTrail.Follow(model);
        try
        {
            handle.Verify(() =>
            {
                try
                {
                    model.call(sample);
                }
                catch (ArgumentException e) when (e is not ArgumentNullException)
                {
                    // TorchSharp checks some inputs in .NET before libtorch sees them (a hooked Conv2d its input's rank
                    // and channels). Remembered so that only the forward pass's refusals become a wrap error.
                    refused = e;
                    throw;
                }
            });
        }
        catch (ExternalException e) when (LibTorchErrors.IsLibTorch(e))
        {
            throw Refusal(sample, "a libtorch error", LibTorchErrors.Reason(e), trail.Innermost, outcome, e);
        }
        catch (ArgumentException e) when (ReferenceEquals(e, refused))
        {
            throw Refusal(sample, e.GetType().Name, e.Message.Split('\n', 2)[0].Trim().TrimEnd('.'), trail.Innermost, outcome, e);
        }
    }

    private static DendriteWrapException Refusal(Tensor sample, string kind, string reason, string? module, string outcome, Exception cause)
    {
        var shape = sample.dim() == 0 ? "a scalar" : string.Join('x', sample.shape);
        var where = module is null ? "" : $" in module {module}";
        return new DendriteWrapException($"In the check pass, the model's forward pass threw {kind}{where} on the sample input ({shape}, {sample.dtype}, {sample.device}): {reason}. If the sample's shape, dtype or device is wrong (it must be shaped like the model's training input, batch axis first, of its dtype and on its device), give one that is; otherwise the error is in the model's forward pass, and the exception is inside. On this failure {outcome}.", cause);
    }
}
