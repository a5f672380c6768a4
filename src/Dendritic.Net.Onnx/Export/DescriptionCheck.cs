using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Checks a graph description (a user's <see cref="IOnnxExportable.ExportOnnx"/>, a built-in one from
/// <see cref="BuiltInGraphs"/>) against the module's own forward pass on the sample input: the output the described
/// graph computes (<see cref="SampleEvaluator"/> for its nodes, the modules' own runs for what it adds with
/// <c>AddModule</c>) must equal forward's, or the export fails naming the module, instead of writing a file that
/// computes something else. A description whose output cannot be computed on the sample is logged (event 8000) and
/// written unchecked.
/// </summary>
internal static class DescriptionCheck
{
    /// <summary>Each element may differ by this share of itself...</summary>
    public const double RelativeTolerance = 1e-4;

    /// <summary>...plus this share of the output's largest finite magnitude, for elements near zero.</summary>
    /// <remarks>
    /// Both sides run the same TorchSharp kernels on the same device, so a faithful description differs from forward
    /// only by the rounding of an equivalent formulation (a composed GELU, another summation order), orders of magnitude
    /// below these bounds; a missing activation or a wrong axis is off by a share of the output's scale.
    /// </remarks>
    public const double FloorTolerance = 1e-5;

    /// <summary>
    /// Throws when the description's output (<paramref name="output"/>) differs from <paramref name="expected"/>,
    /// forward's; logs when it is unknown on the sample.
    /// </summary>
    /// <param name="builder">The graph, which holds the sample values.</param>
    /// <param name="module">The described module, named in the exception or the log.</param>
    /// <param name="output">The value the description returned.</param>
    /// <param name="expected">The module's own output on the same sample.</param>
    /// <param name="description">What is being checked, as the message's subject ("its ExportOnnx description").</param>
    /// <param name="fix">The last sentence of the message: what to do about a mismatch.</param>
    /// <exception cref="OnnxExportException">The outputs differ in element type (forward's floating type read as the graph's), in shape, or an element by more than the tolerance.</exception>
    public static void Verify(OnnxGraphBuilder builder, nn.Module module, string output, Tensor expected, string description, string fix)
    {
        if (builder.Sample(output) is not { } described)
        {
            NotChecked(builder, module, builder.WhyUnknown(output));
            return;
        }

        // Forward's floating type is written as the graph's own (the file's output and every initializer take it); any
        // other type is a file that ONNX Runtime refuses at load, or a value the modules after this one cannot take.
        var type = expected.is_floating_point() ? builder.DType : expected.dtype;
        if (described.dtype != type)
        {
            throw builder.Error(module, $"{description} does not compute what the module's forward computes on the sample input: the description's output is of element type {described.dtype}, where forward's is {type} in this file (a Cast to another type, or one left out?). {fix}");
        }

        if (Mismatch(described, expected) is { } difference)
        {
            throw builder.Error(module, $"{description} does not compute what the module's forward computes on the sample input: {difference}. {fix}");
        }
    }

    /// <summary>Logs that a description could not be checked (event 8000), and why.</summary>
    public static void NotChecked(OnnxGraphBuilder builder, nn.Module module, string reason)
    {
        if (builder.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Warning))
        {
            ExportLog.DescriptionNotChecked(builder.Logger, OnnxExportException.Describe(builder.Path, module.GetType().Name), reason);
        }
    }

    /// <summary>
    /// Null when every element of <paramref name="described"/> is within the tolerance of <paramref name="expected"/>
    /// (or equal: the same infinity, both NaN); otherwise where and by how much they differ most.
    /// </summary>
    public static string? Mismatch(Tensor described, Tensor expected)
    {
        if (!described.shape.SequenceEqual(expected.shape))
        {
            return $"the description's output has shape [{string.Join(", ", described.shape)}], forward's [{string.Join(", ", expected.shape)}]";
        }

        if (expected.numel() == 0)
        {
            return null;
        }

        using var scope = torch.NewDisposeScope();
        var actual = described.detach().to(float64);
        var reference = expected.detach().to(float64);
        var magnitude = reference.abs();
        var scale = magnitude.masked_fill(reference.isfinite().logical_not(), 0.0).max().item<double>();
        var difference = (actual - reference).abs();
        var allowed = (magnitude * RelativeTolerance) + (FloorTolerance * scale);
        var agrees = difference.le(allowed).logical_or(actual.eq(reference)).logical_or(actual.isnan().logical_and(reference.isnan()));
        if (agrees.all().item<bool>())
        {
            return null;
        }

        // The largest difference among the elements that disagree; a NaN on one side only counts as the largest.
        var ranked = difference.masked_fill(difference.isnan(), double.PositiveInfinity).masked_fill(agrees, -1.0).flatten();
        var worst = ranked.argmax().item<long>();
        var at = Unravel(worst, expected.shape);
        var flatActual = actual.flatten();
        var flatReference = reference.flatten();
        return string.Create(CultureInfo.InvariantCulture, $"the largest difference is {difference.flatten()[worst].item<double>():G4} at output index [{string.Join(", ", at)}] (described {flatActual[worst].item<double>():G6}, forward {flatReference[worst].item<double>():G6}), where {RelativeTolerance:0e0} of the value plus {FloorTolerance:0e0} of the output's largest magnitude ({scale:G4}) is allowed");
    }

    /// <summary>The index along each axis of element <paramref name="flat"/> of a tensor of <paramref name="shape"/> (row-major).</summary>
    private static long[] Unravel(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (var axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }

        return index;
    }
}
