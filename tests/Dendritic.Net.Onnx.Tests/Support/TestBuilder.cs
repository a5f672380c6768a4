using System;
using Dendritic.Onnx.Proto;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// A graph builder made by a test, outside an export. Its sample values belong to it, outside every dispose scope, so
/// disposing this frees them, as the export does when it ends.
/// </summary>
internal sealed class TestBuilder : IDisposable
{
    public TestBuilder(ScalarType dtype = ScalarType.Float32) => Builder = new OnnxGraphBuilder(Graph, dtype);

    public GraphProto Graph { get; } = new();

    public OnnxGraphBuilder Builder { get; }

    public void Dispose() => Builder.ReleaseSamples();
}
