using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Writes the parameter-free activations. GELU, SiLU and Mish have no opset-17 operator and are composed; ReLU6 and
/// Hardtanh are a Clip.
/// </summary>
internal static class ActivationExport
{
    /// <summary>The module's output name, or null when this converter does not know the module's type.</summary>
    public static string? TryEmit(OnnxGraphBuilder builder, nn.Module module, string input, Tensor? sample)
    {
        return module switch
        {
            ReLU => builder.AddNode("Relu", new[] { input }),
            Sigmoid => builder.AddNode("Sigmoid", new[] { input }),
            Tanh => builder.AddNode("Tanh", new[] { input }),
            SiLU => builder.AddNode("Mul", new[] { input, builder.AddNode("Sigmoid", new[] { input }) }),
            GELU gelu => Gelu(builder, gelu, input),
            ReLU6 => Clip(builder, input, 0, 6),
            Hardtanh hardtanh => Hardtanh(builder, hardtanh, input, sample),
            Hardswish => builder.AddNode("HardSwish", new[] { input }),
            // PyTorch's hardsigmoid is relu6(x + 3) / 6, i.e. ONNX HardSigmoid with alpha 1/6 and beta 1/2.
            Hardsigmoid => builder.AddNode("HardSigmoid", new[] { input }, new Dictionary<string, object> { ["alpha"] = 1.0 / 6.0, ["beta"] = 0.5 }),
            LeakyReLU leaky => builder.AddNode("LeakyRelu", new[] { input }, new Dictionary<string, object> { ["alpha"] = leaky.negative_slope }),
            ELU elu => builder.AddNode("Elu", new[] { input }, new Dictionary<string, object> { ["alpha"] = elu.alpha }),
            // x tanh(softplus(x)); Mish is an operator only from opset 18.
            Mish => builder.AddNode("Mul", new[] { input, builder.AddNode("Tanh", new[] { builder.AddNode("Softplus", new[] { input }) }) }),
            Softmax softmax => builder.AddNode("Softmax", new[] { input }, new Dictionary<string, object> { ["axis"] = softmax.dim }),
            LogSoftmax logSoftmax => builder.AddNode("LogSoftmax", new[] { input }, new Dictionary<string, object> { ["axis"] = logSoftmax.dim }),
            _ => null,
        };
    }

    /// <summary>Clip with its bounds as scalar inputs (opset 11 and later), in the graph's float type.</summary>
    private static string Clip(OnnxGraphBuilder builder, string input, double min, double max) =>
        builder.AddNode("Clip", new[] { input, builder.AddScalar("min", min), builder.AddScalar("max", max) });

    private static string Hardtanh(OnnxGraphBuilder builder, Hardtanh hardtanh, string input, Tensor? sample)
    {
        if (sample is not null)
        {
            // TorchSharp 0.107's Hardtanh(inplace: false) returns its input unclipped; the file would then disagree
            // with the model it came from, so say so instead of writing it.
            using var clipped = sample.clamp(hardtanh.min_val, hardtanh.max_val);
            using var copy = sample.clone();
            using var actual = hardtanh.forward(copy);
            if (!actual.allclose(clipped))
            {
                throw builder.Error(hardtanh, "this Hardtanh does not clip its input (TorchSharp 0.107's Hardtanh with inplace: false returns the input unchanged), so no ONNX Clip would reproduce it. Build it with inplace: true, which clips.");
            }
        }

        return Clip(builder, input, hardtanh.min_val, hardtanh.max_val);
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
