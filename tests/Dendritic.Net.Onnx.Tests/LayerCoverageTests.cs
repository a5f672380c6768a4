using System.Linq;
using Dendritic.Onnx.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>The other supported layers and settings, each checked against TorchSharp in ONNX Runtime.</summary>
public class LayerCoverageTests
{
    [Test]
    public void Export_Conv1dFamily_MatchesTorchSharp()
    {
        torch.manual_seed(50);
        using var model = nn.Sequential(
            Models.Dendritic(nn.Conv1d(2, 6, 3, padding: 1, padding_mode: PaddingModes.Reflect), 2, 51),
            nn.BatchNorm1d(6),
            nn.MaxPool1d(2),
            Models.Dendritic(nn.Conv1d(6, 6, 3, stride: 2, dilation: 2, padding: 2, groups: 3), 3, 52),
            nn.AvgPool1d(3, stride: 1, padding: 1),
            nn.AdaptiveAvgPool1d(2),
            nn.Flatten(),
            nn.BatchNorm1d(12));
        TrainBatchNorm(model, randn(4, 2, 16));
        Parity.ExportShouldMatch(model, randn(2, 2, 16), randn(3, 2, 16));
    }

    [Test]
    public void Export_Conv3dFamily_MatchesTorchSharp()
    {
        torch.manual_seed(60);
        using var model = nn.Sequential(
            Models.Dendritic(nn.Conv3d(2, 4, 3, padding: 1, padding_mode: PaddingModes.Replicate), 2, 61),
            nn.BatchNorm3d(4),
            nn.ReLU(),
            nn.MaxPool3d(2),
            Models.Dendritic(nn.Conv3d(4, 4, 1, bias: false), 1, 62),
            nn.AvgPool3d(2),
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten());
        TrainBatchNorm(model, randn(new long[] { 3, 2, 8, 8, 8 }));
        Parity.ExportShouldMatch(model, randn(new long[] { 2, 2, 8, 8, 8 }), randn(new long[] { 3, 2, 8, 8, 8 }));
    }

    [Test]
    public void Export_PoolingAndFlattenVariants_MatchTorchSharp()
    {
        torch.manual_seed(70);
        using var model = nn.Sequential(
            Models.Dendritic(nn.Conv2d(3, 4, 3), 1, 71),
            nn.AvgPool2d(3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false),
            nn.AdaptiveAvgPool2d(new long[] { 2, 2 }),
            nn.Flatten(2),
            nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh),
            nn.Flatten(),
            Models.Dendritic(nn.Linear(16, 3, hasBias: false), 2, 72),
            nn.Identity());
        Parity.ExportShouldMatch(model, randn(2, 3, 12, 12), randn(4, 3, 12, 12));
    }

    [TestCase(DendriteActivation.Tanh)]
    [TestCase(DendriteActivation.HardSigmoid)]
    public void Export_OtherDendriteActivations_MatchTorchSharp(DendriteActivation activation)
    {
        torch.manual_seed(80);
        var options = new DendriteOptions { Activation = activation };
        using var model = nn.Sequential(
            Models.Dendritic(nn.Linear(6, 8), 3, 81, options),
            nn.LogSoftmax(-1));
        Parity.ExportShouldMatch(model, randn(2, 6), randn(5, 6) * 4);
    }

    [Test]
    public void Export_ResidualUserModule_MatchesTorchSharp()
    {
        torch.manual_seed(90);
        using var model = nn.Sequential(
            Models.Dendritic(nn.Conv2d(3, 4, 3, padding: 1), 1, 91),
            new ResidualBlock(4, 3),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten());
        Parity.ExportShouldMatch(model, randn(2, 3, 6, 6), randn(3, 3, 6, 6));
    }

    [Test]
    public void Export_PlainModelWithoutDendrites_MatchesTorchSharp()
    {
        torch.manual_seed(95);
        using var model = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8, elementwise_affine: false), nn.SiLU(), nn.Linear(8, 2), nn.Softmax(-1));
        Parity.ExportShouldMatch(model, randn(1, 4), randn(9, 4));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Export_SamePaddingWithEvenKernel_MatchesTorchSharp(int spatialDims)
    {
        torch.manual_seed(96 + spatialDims);

        // Both convolutions pad one more after than before on every axis: kernel 4, and kernel 2 with dilation 3 (with
        // reflect padding, written as a Pad node before the Conv).
        using var model = nn.Sequential(
            SameConvolution(spatialDims, 3, 4, kernel: 4, dilation: 1, PaddingModes.Zeros),
            nn.ReLU(),
            SameConvolution(spatialDims, 4, 2, kernel: 2, dilation: 3, PaddingModes.Reflect));
        long[] Shape(long batch) => new[] { batch, 3L }.Concat(Enumerable.Repeat(7L, spatialDims)).ToArray();

        Parity.ExportShouldMatch(model, randn(Shape(2)), randn(Shape(3)));
    }

    private static nn.Module<Tensor, Tensor> SameConvolution(int spatialDims, long inputs, long outputs, long kernel, long dilation, PaddingModes mode) => spatialDims switch
    {
        1 => nn.Conv1d(inputs, outputs, kernel, Padding.Same, dilation: dilation, padding_mode: mode),
        2 => nn.Conv2d(inputs, outputs, kernel, Padding.Same, dilation: dilation, padding_mode: mode),
        _ => nn.Conv3d(inputs, outputs, kernel, Padding.Same, dilation: dilation, padding_mode: mode),
    };

    private static void TrainBatchNorm(nn.Module<Tensor, Tensor> model, Tensor batch)
    {
        model.train();
        using (no_grad())
        {
            model.call(batch).Dispose();
            model.call(batch * 2 + 1).Dispose();
        }

        model.eval();
    }
}
