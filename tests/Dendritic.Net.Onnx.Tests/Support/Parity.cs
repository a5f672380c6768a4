using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// The parity check the export tests share: an exported model run in ONNX Runtime against the same model's forward in
/// TorchSharp (eval mode, no gradients), within <see cref="OnnxRun.ShouldMatch"/>'s tolerance.
/// </summary>
internal static class Parity
{
    /// <summary>Exports <paramref name="model"/> (through its handle when it holds dendrite layers) and checks the file on <paramref name="input"/>.</summary>
    public static void ExportShouldMatch(nn.Module<Tensor, Tensor> model, Tensor sample, Tensor input, OnnxExportOptions? options = null) =>
        ShouldRunLike(TestHandles.Export(model, sample, options), model, input, options?.InputName ?? "input", options?.OutputName ?? "output");

    /// <summary>Checks that <paramref name="bytes"/>, run in ONNX Runtime on <paramref name="input"/>, gives <paramref name="model"/>'s output.</summary>
    public static void ShouldRunLike(byte[] bytes, nn.Module<Tensor, Tensor> model, Tensor input, string inputName = "input", string outputName = "output")
    {
        using var scope = torch.NewDisposeScope();
        var (actual, expected) = Outputs(bytes, model, input, inputName, outputName);
        OnnxRun.ShouldMatch(actual, expected);
    }

    /// <summary>
    /// ONNX Runtime's output of <paramref name="bytes"/> and <paramref name="model"/>'s forward (in eval mode, without
    /// gradients) on <paramref name="input"/>, for a check of another tolerance; both belong to the caller's dispose scope.
    /// </summary>
    public static (Tensor Actual, Tensor Expected) Outputs(byte[] bytes, nn.Module<Tensor, Tensor> model, Tensor input, string inputName = "input", string outputName = "output")
    {
        model.eval();
        Tensor expected;
        using (torch.no_grad())
        {
            expected = model.call(input);
        }

        return (OnnxRun.Run(bytes, input, inputName, outputName), expected);
    }
}
