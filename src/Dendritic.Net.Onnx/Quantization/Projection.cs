using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>A Gemm, MatMul or Conv whose weight is a float constant: what quantization turns into an integer kernel.</summary>
/// <param name="Node">The node.</param>
/// <param name="Label">Its name for messages and results.</param>
/// <param name="Weight">The weight initializer (Gemm/MatMul input B, Conv input W).</param>
/// <param name="ChannelAxis">The weight's output-channel axis: 0 for Conv and Gemm with transB, 1 for MatMul and Gemm without.</param>
/// <param name="Bias">The 1-D bias initializer (Gemm C, Conv B); null when there is none.</param>
internal sealed record Projection(NodeProto Node, string Label, TensorProto Weight, int ChannelAxis, TensorProto? Bias)
{
    public string Input => Node.Input[0];

    public string Output => Node.Output[0];

    public long Channels => Weight.Dims[ChannelAxis];
}
