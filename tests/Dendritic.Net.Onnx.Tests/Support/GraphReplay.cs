using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Dendritic.Onnx.Export;
using Dendritic.Onnx.Proto;
using FluentAssertions;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// Computes a written graph node by node with the evaluator, from its initializers and the given inputs: what the
/// check would compute of the exporter's own nodes, which it leaves to the module's run while exporting.
/// </summary>
internal static class GraphReplay
{
    /// <summary>The value of <paramref name="output"/>; fails the test, with the evaluator's reason, at a node it does not compute.</summary>
    public static Tensor Value(GraphProto graph, IReadOnlyDictionary<string, Tensor> inputs, string output)
    {
        var values = new Dictionary<string, Tensor>(inputs, StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer)
        {
            values[initializer.Name] = Decode(initializer);
        }

        foreach (var node in graph.Node)
        {
            var samples = node.Input.Select(i => i.Length == 0 ? null : values[i]).ToArray();
            var attributes = node.Attribute.ToDictionary(a => a.Name, Decode, StringComparer.Ordinal);
            var computed = SampleEvaluator.TryEvaluate(node.OpType, samples, attributes, node.Output.Count, out var reason);
            computed.Should().NotBeNull($"node {node.Name} ({node.OpType}) is computed: {reason}");
            for (var i = 0; i < node.Output.Count; i++)
            {
                values[node.Output[i]] = computed![i];
            }
        }

        return values[output];
    }

    private static Tensor Decode(TensorProto proto)
    {
        var bytes = proto.RawData.ToByteArray();
        var shape = proto.Dims.ToArray();
        return (TensorProto.Types.DataType)proto.DataType switch
        {
            TensorProto.Types.DataType.Float => tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
            TensorProto.Types.DataType.Double => tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
            TensorProto.Types.DataType.Int32 => tensor(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), shape),
            _ => tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
        };
    }

    private static object Decode(AttributeProto attribute) => attribute.Type switch
    {
        AttributeProto.Types.AttributeType.Int => attribute.I,
        AttributeProto.Types.AttributeType.Ints => attribute.Ints.ToArray(),
        AttributeProto.Types.AttributeType.Float => attribute.F,
        AttributeProto.Types.AttributeType.Floats => attribute.Floats.ToArray(),
        AttributeProto.Types.AttributeType.String => attribute.S.ToStringUtf8(),
        _ => throw new NotSupportedException($"attribute {attribute.Name} of type {attribute.Type}"),
    };
}
