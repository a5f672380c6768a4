using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>Writes the parameter-free activations. GELU and SiLU have no opset-17 operator and are composed.</summary>
internal static class ActivationExport
{
    /// <summary>The module's output name, or null when this converter does not know the module's type.</summary>
    public static string? TryEmit(OnnxGraphBuilder builder, nn.Module module, string input, Tensor? sample)
    {
        _ = sample;
        return module switch
        {
            ReLU => builder.AddNode("Relu", new[] { input }),
            Sigmoid => builder.AddNode("Sigmoid", new[] { input }),
            Tanh => builder.AddNode("Tanh", new[] { input }),
            SiLU => builder.AddNode("Mul", new[] { input, builder.AddNode("Sigmoid", new[] { input }) }),
            GELU gelu => Gelu(builder, gelu, input),
            Softmax softmax => builder.AddNode("Softmax", new[] { input }, new Dictionary<string, object> { ["axis"] = softmax.dim }),
            LogSoftmax logSoftmax => builder.AddNode("LogSoftmax", new[] { input }, new Dictionary<string, object> { ["axis"] = logSoftmax.dim }),
            _ => null,
        };
    }

    private static string Gelu(OnnxGraphBuilder builder, GELU gelu, string input)
    {
        string inner;
        if (gelu.approximate == GELU.Approximate.tanh)
        {
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            var cube = builder.AddNode("Mul", new[] { input, builder.AddNode("Mul", new[] { input, input }) });
            var sum = builder.AddNode("Add", new[] { input, builder.AddNode("Mul", new[] { cube, builder.AddScalar("c", 0.044715) }) });
            inner = builder.AddNode("Tanh", new[] { builder.AddNode("Mul", new[] { sum, builder.AddScalar("k", Math.Sqrt(2 / Math.PI)) }) });
        }
        else
        {
            // 0.5 x (1 + erf(x / sqrt 2))
            inner = builder.AddNode("Erf", new[] { builder.AddNode("Div", new[] { input, builder.AddScalar("sqrt2", Math.Sqrt(2)) }) });
        }

        var onePlus = builder.AddNode("Add", new[] { inner, builder.AddScalar("one", 1) });
        return builder.AddNode("Mul", new[] { builder.AddNode("Mul", new[] { input, onePlus }), builder.AddScalar("half", 0.5) });
    }
}
