using System;
using System.Collections.Generic;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// For each operator the quantizer accepts, the oldest default-domain opset from which its definition carries over
/// unchanged to opset 13 — the opset a model below 13 is raised to (see <see cref="OpsetCheck"/>). Raising the import
/// redefines every node of the model at once, so a model may be raised only when each of its operators means at 13
/// what it meant at the model's own opset.
/// </summary>
/// <remarks>
/// Read off ONNX's own version converter (onnx/version_converter/convert.h, ONNX 1.22.0): it upgrades a node by one
/// opset at a time, and where it takes the node unchanged it registers a CompatibleAdapter. A step with any other
/// adapter (attributes removed or moved to inputs, new broadcasting, a new axis rule) or with none (it cannot convert)
/// changes the node, so the operator's entry is the version that step introduced. Versions that only added element
/// types (bfloat16 at 13, integers at 12) are compatible steps. The steps that set an entry:
/// <para>4: Concat's axis became required. 5: Reshape's shape became an input.</para>
/// <para>
/// 6: the consumed_inputs attribute went (Abs, Elu, Exp, HardSigmoid, InstanceNormalization, LeakyRelu, Log, Max, Min,
/// Neg, PRelu, Relu, Sigmoid, Sqrt, Tanh); Cast's 'to' became an int.
/// </para>
/// <para>
/// 7: numpy broadcasting replaced the broadcast and axis attributes (Add, Div, Mul, Pow, Sub; Gemm's C); GRU and LSTM
/// transposed their recurrence weights.
/// </para>
/// <para>8 and 9: Expand and Erf first defined; BatchNormalization lost 'spatial' at 9.</para>
/// <para>
/// 10: Slice took starts and ends as inputs. 11: Clip took min and max as inputs, Pad its pads. 12: Dropout took
/// ratio as an input.
/// </para>
/// <para>
/// 13: Squeeze, Unsqueeze and ReduceSum took axes as an input, Split its sizes; Softmax and LogSoftmax work along one
/// axis instead of flattening the input to 2-D at it.
/// </para>
/// <para>
/// Above 13, first defined later (no model below 13 holds them validly): HardSwish 14, LayerNormalization 17, Gelu 20.
/// </para>
/// <para>
/// The rest (AveragePool, Constant, Conv, Flatten, Gather, GlobalAveragePool, GlobalMaxPool, Identity, MatMul, MaxPool,
/// ReduceMean, Shape, Softplus, Transpose) keep their meaning from opset 1.
/// </para>
/// </remarks>
internal static class OperatorHistory
{
    private static readonly Dictionary<string, int> UnchangedSince = new(StringComparer.Ordinal)
    {
        ["Abs"] = 6, ["Add"] = 7, ["AveragePool"] = 1, ["BatchNormalization"] = 9, ["Cast"] = 6, ["Clip"] = 11,
        ["Concat"] = 4, ["Constant"] = 1, ["Conv"] = 1, ["Div"] = 7, ["Dropout"] = 12, ["Elu"] = 6, ["Erf"] = 9,
        ["Exp"] = 6, ["Expand"] = 8, ["Flatten"] = 1, ["Gather"] = 1, ["Gelu"] = 20, ["Gemm"] = 7,
        ["GlobalAveragePool"] = 1, ["GlobalMaxPool"] = 1, ["GRU"] = 7, ["HardSigmoid"] = 6, ["HardSwish"] = 14,
        ["Identity"] = 1, ["InstanceNormalization"] = 6, ["LayerNormalization"] = 17, ["LeakyRelu"] = 6, ["Log"] = 6,
        ["LogSoftmax"] = 13, ["LSTM"] = 7, ["MatMul"] = 1, ["Max"] = 6, ["MaxPool"] = 1, ["Min"] = 6, ["Mul"] = 7,
        ["Neg"] = 6, ["Pad"] = 11, ["Pow"] = 7, ["PRelu"] = 6, ["ReduceMean"] = 1, ["ReduceSum"] = 13, ["Relu"] = 6,
        ["Reshape"] = 5, ["Shape"] = 1, ["Sigmoid"] = 6, ["Slice"] = 10, ["Softmax"] = 13, ["Softplus"] = 1,
        ["Split"] = 13, ["Sqrt"] = 6, ["Squeeze"] = 13, ["Sub"] = 7, ["Tanh"] = 6, ["Transpose"] = 1, ["Unsqueeze"] = 13,
    };

    /// <summary>The operators with an entry: every operator the quantizer accepts (<see cref="ProjectionFinder"/>).</summary>
    public static IReadOnlyCollection<string> Operators => UnchangedSince.Keys;

    /// <summary>
    /// The oldest opset from which <paramref name="opType"/> means at opset 13 what it meant there (above 13 for an
    /// operator first defined later). Only for accepted operators: <see cref="ProjectionFinder"/> refuses the others first.
    /// </summary>
    public static int Since(string opType) => UnchangedSince[opType];
}
