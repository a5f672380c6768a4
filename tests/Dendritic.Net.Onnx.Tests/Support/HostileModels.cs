using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Quantization;
using FluentAssertions;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>Hand-built ONNX models for the hostile-input tests of the quantizer, and what both quantizers make of them.</summary>
internal static class HostileModels
{
    public static readonly CalibrationRunner Calibration = (_, names) =>
        new[] { (IReadOnlyList<float[]>)names.Select(_ => new[] { -1f, 0.5f, 1f }).ToArray() };

    public static OnnxQuantizationException[] Refusals(ModelProto model) => Refusals(model.ToByteArray());

    /// <summary>What each quantizer throws for the bytes; each must be an <see cref="OnnxQuantizationException"/>.</summary>
    public static OnnxQuantizationException[] Refusals(byte[] bytes)
    {
        var quantizers = new Func<OnnxQuantizationResult>[]
        {
            () => OnnxQuantizer.QuantizeDynamic(bytes),
            () => OnnxQuantizer.QuantizeStatic(bytes, Calibration),
        };
        return quantizers.Select(q => q.Should().Throw<OnnxQuantizationException>().Which).ToArray();
    }

    /// <summary>x [2, 4] → Gemm 'fc' (w [2, 4] with transB = 1, b [2]) → y: a valid model both quantizers accept.</summary>
    public static ModelProto Linear(float[]? weight = null, float[]? bias = null) =>
        Model(new[] { Gemm("fc", "x", "w", "b", "y") }, Floats("w", weight ?? Values(8), 2, 4), Floats("b", bias ?? new[] { 0.5f, -0.5f }, 2));

    public static ModelProto Model(IEnumerable<NodeProto> nodes, params TensorProto[] initializers)
    {
        var graph = new GraphProto { Name = "hostile" };
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(initializers);
        graph.Input.Add(new ValueInfoProto { Name = "x", Type = FloatType(2, 4) });
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = FloatType() });
        var model = new ModelProto { IrVersion = 8, ProducerName = "hostile-test", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    /// <summary>Gemm with transB = 1: output = input · weightᵀ + bias.</summary>
    public static NodeProto Gemm(string name, string input, string weight, string bias, string output)
    {
        var gemm = Node("Gemm", name, new[] { input, weight, bias }, new[] { output });
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        return gemm;
    }

    public static float[] Run(byte[] model, OrtValue input)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { "x" }, new[] { input }, new[] { "y" });
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public static NodeProto Node(string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    public static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static TypeProto FloatType(params long[] dims)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
        if (dims.Length > 0)
        {
            tensor.Shape = new TensorShapeProto();
            tensor.Shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        }

        return new TypeProto { TensorType = tensor };
    }

    /// <summary>0.1, -0.2, 0.3, ...: distinct weights of both signs.</summary>
    public static float[] Values(int count) => Enumerable.Range(1, count).Select(i => (i % 2 == 0 ? -0.1f : 0.1f) * i).ToArray();
}
