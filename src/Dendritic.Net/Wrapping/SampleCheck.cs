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
    /// The sample's forward pass failed: libtorch refused it, or a module's own .NET check did (an
    /// <see cref="ArgumentException"/>, such as TorchSharp's Conv2d on an input of the wrong rank); the cause inside.
    /// </exception>
    /// <exception cref="LayerNotInvokedException">A wrapped layer's forward hook or replacement did not run.</exception>
    public static void Run(DendriticModel handle, nn.Module<Tensor, Tensor> model, Tensor sample, string outcome)
    {
        ArgumentException? refused = null;
        try
        {
            handle.Verify(() =>
            {
                try
                {
                    model.call(sample);
                }
                catch (ArgumentException e)
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
            throw Refusal(sample, LibTorchErrors.Reason(e), outcome, e);
        }
        catch (ArgumentException e) when (ReferenceEquals(e, refused))
        {
            throw Refusal(sample, e.Message.Split('\n', 2)[0].Trim().TrimEnd('.'), outcome, e);
        }
    }

    private static DendriteWrapException Refusal(Tensor sample, string reason, string outcome, Exception cause)
    {
        var shape = sample.dim() == 0 ? "a scalar" : string.Join('x', sample.shape);
        return new DendriteWrapException($"The check pass could not run the sample input ({shape}, {sample.dtype}, {sample.device}) through the model: {reason}. If the sample is not shaped like the model's training input (batch axis first), of its dtype and on its device, give one that is; {outcome}.", cause);
    }
}
