namespace Dendritic.Onnx;

/// <summary>
/// Implemented by a user module (a residual block, a custom head, ...) that the exporter cannot know, to describe its
/// own ONNX graph. The exporter calls <see cref="ExportOnnx"/> in place of walking the module, with the name of the
/// value that holds the module's input; the module adds its nodes through the builder and returns the
/// name of the value that holds its output.
/// </summary>
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
