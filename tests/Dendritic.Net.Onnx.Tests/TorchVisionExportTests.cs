using System.Linq;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// TorchVision 0.107's models, whose blocks are private nested classes, export through the built-in descriptions:
/// with and without dendrites, frozen BatchNorm included, checked in ONNX Runtime at another batch size than the
/// sample's (dynamic batch). Inputs are 32x32 so the tests stay cheap on two CPU cores.
/// </summary>
public class TorchVisionExportTests
{
    private const double Tolerance = 1e-4;

    [TestCase(0)]
    [TestCase(1)]
    public void Export_ResNet18_MatchesTorchSharp(int sets)
    {
        torch.manual_seed(300 + sets);
        using var model = torchvision.models.resnet18(num_classes: 10);
        using var sample = randn(2, 3, 32, 32);
        Calibrate(model);
        var handle = sets == 0 ? null : Dendrites.Wrap(model, new WrapOptions { InitialDendrites = sets }, sample);
        if (handle is not null)
        {
            handle.Layers.Should().HaveCount(21);
            Cascades.Randomise(handle, 310, scale: 0.1);
        }

        AssertParity(model, handle, sample);
    }

    [Test]
    public void Export_ResNet18WithFrozenBatchNorm_MatchesAndKeepsEveryModulesMode()
    {
        torch.manual_seed(320);
        using var model = torchvision.models.resnet18(num_classes: 10);
        using var sample = randn(2, 3, 32, 32);
        Calibrate(model);
        model.train();
        foreach (var norm in model.modules().OfType<BatchNorm2d>())
        {
            norm.eval();
        }

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2, Targets = LayerSelector.NameLike("layer4.**").Or(LayerSelector.Named("fc")) }, sample);
        AssertFrozen(model);
        Cascades.Randomise(handle, 321, scale: 0.1);
        DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 1e-3 }, sample);
        AssertFrozen(model);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        AssertFrozen(model);
        using var input = randn(3, 3, 32, 32);
        AssertClose(bytes, model, input);
    }

    [Test]
    public void Export_ResNet50Bottleneck_WithAndWithoutDendrites_MatchesTorchSharp()
    {
        torch.manual_seed(330);
        using var model = torchvision.models.resnet50(num_classes: 10);
        using var sample = randn(2, 3, 32, 32);
        Calibrate(model);

        // Dendrites on one Bottleneck, its downsample path and the head; the other blocks stay plain.
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.NameLike("layer4.0.**").Or(LayerSelector.Named("fc")) }, sample);
        handle.Layers.Select(l => l.Name).Should().Contain(new[] { "layer4.0.conv2", "layer4.0.downsample.0", "fc" });
        Cascades.Randomise(handle, 331, scale: 0.1);

        AssertParity(model, handle, sample);
    }

    [TestCase(0)]
    [TestCase(1)]
    public void Export_MobileNetV2_MatchesTorchSharp(int sets)
    {
        torch.manual_seed(340 + sets);
        using var model = torchvision.models.mobilenet_v2(num_classes: 10, width_mult: 0.5);
        using var sample = randn(2, 3, 32, 32);
        Calibrate(model);

        // Every layer, the depthwise (grouped) convolutions included.
        var handle = sets == 0 ? null : Dendrites.Wrap(model, new WrapOptions { InitialDendrites = sets }, sample);
        if (handle is not null)
        {
            Cascades.Randomise(handle, 350, scale: 0.1);
        }

        AssertParity(model, handle, sample);
    }

    [Test]
    public void Export_Vgg11_WithAndWithoutDendrites_MatchesTorchSharp()
    {
        // VGG's classifier is fixed at 512x7x7 -> 4096 -> 4096: 129 M parameters, a 0.5 GB file. One test only.
        torch.manual_seed(360);
        using var model = torchvision.models.vgg11(num_classes: 10);
        using var sample = randn(2, 3, 32, 32);

        // At 32x32 the features end at 1x1, so avgpool (adaptive, to 7x7) copies each value into 49 cells.
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("features.0", "features.3", "classifier.6") }, sample);
        Cascades.Randomise(handle, 361, scale: 0.1);

        AssertParity(model, handle, sample);
    }

    /// <summary>Exports (through the handle when there is one) and compares ONNX Runtime at batch 3 with TorchSharp.</summary>
    private static void AssertParity(nn.Module<Tensor, Tensor> model, DendriticModel? handle, Tensor sample)
    {
        var bytes = handle is null ? TestHandles.Export(model, sample) : OnnxExporter.ExportToBytes(handle, sample);
        using var input = randn(3, 3, 32, 32);
        AssertClose(bytes, model, input);
    }

    /// <summary>Within 1e-4 of the output's scale (float32 sums over thousands of terms round at about 1e-7 of it).</summary>
    private static void AssertClose(byte[] bytes, nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using var scope = NewDisposeScope();
        var (actual, expected) = Parity.Outputs(bytes, model, input);
        actual.shape.Should().Equal(expected.shape);
        var scale = System.Math.Max(1.0, expected.abs().max().item<float>());
        OnnxRun.MaxDifference(actual, expected).Should().BeLessThanOrEqualTo(Tolerance * scale, $"the outputs reach {scale}");
    }

    /// <summary>
    /// Gives every BatchNorm the statistics of one batch (momentum 1 for one training pass), so activations stay
    /// normalised through the depth as in a trained model; fresh statistics (mean 0, variance 1) let them grow.
    /// </summary>
    private static void Calibrate(nn.Module<Tensor, Tensor> model)
    {
        using var batch = randn(16, 3, 32, 32);
        var norms = model.modules().OfType<BatchNorm2d>().ToList();
        norms.ForEach(n => n.momentum = 1.0);
        model.train();
        using (no_grad())
        {
            model.call(batch).Dispose();
        }

        norms.ForEach(n => n.momentum = 0.1);
        model.eval();
    }

    private static void AssertFrozen(nn.Module model)
    {
        model.training.Should().BeTrue();
        model.modules().OfType<BatchNorm2d>().Should().HaveCount(20).And.OnlyContain(n => !n.training);
        model.modules().Where(m => m is not BatchNorm2d).Should().OnlyContain(m => m.training);
    }
}
