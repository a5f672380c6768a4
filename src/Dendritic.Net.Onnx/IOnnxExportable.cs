namespace Dendritic.Onnx;

/// <summary>
/// Implemented by a user module (a residual block, a custom head, ...) that the exporter cannot know, to describe its
/// own ONNX graph. The exporter calls <see cref="ExportOnnx"/> in place of walking the module, with the name of the
/// value that holds the module's input; the module adds its nodes through the builder and returns the
/// name of the value that holds its output.
/// </summary>
/// <remarks>
/// The export checks the description against the module's own forward pass on the sample input: it computes the
/// described graph on the sample (the modules added with <see cref="OnnxGraphBuilder.AddModule"/> through their own
/// runs, each node by its ONNX definition) and compares the output with the module's, each element within 1e-4 of
/// itself plus 1e-5 of the output's largest magnitude. A description that computes something else (a left-out
/// activation, another reshape, layers in another order) fails the export with an <see cref="OnnxExportException"/>
/// naming the module, the largest difference and where. When a node's operator is not one the exporter computes on
/// the sample, the file is written unchecked and the export logs a warning (event 8000, to
/// <see cref="OnnxExportOptions.Logger"/> or the handle's logger). docs/export.md lists the operators.
/// </remarks>
/// <example>
/// A residual block <c>y = relu(x + conv2(relu(conv1(x))))</c>:
/// <code>
/// public string ExportOnnx(OnnxGraphBuilder builder, string input)
/// {
///     var h = builder.AddModule(conv1, input, "conv1");
///     h = builder.AddNode("Relu", new[] { h });
///     h = builder.AddModule(conv2, h, "conv2");
///     return builder.AddNode("Relu", new[] { builder.AddNode("Add", new[] { h, input }) });
/// }
/// </code>
/// </example>
public interface IOnnxExportable
{
    /// <summary>Adds this module's computation to the graph.</summary>
    /// <param name="builder">The graph being written; its <see cref="OnnxGraphBuilder.Path"/> is this module's path.</param>
    /// <param name="input">Name of the graph value that holds this module's input.</param>
    /// <returns>Name of the graph value that holds this module's output.</returns>
    string ExportOnnx(OnnxGraphBuilder builder, string input);
}
