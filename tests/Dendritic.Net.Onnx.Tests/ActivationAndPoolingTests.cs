using System.Collections.Generic;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>The activations and pooling layers that TorchVision-style CNNs use, each checked in ONNX Runtime.</summary>
public class ActivationAndPoolingTests
{
    public static IEnumerable<TestCaseData> Activations()
    {
        yield return new TestCaseData("ReLU6", (System.Func<nn.Module<Tensor, Tensor>>)(() => nn.ReLU6()));
        yield return new TestCaseData("Hardtanh", (System.Func<nn.Module<Tensor, Tensor>>)(() => nn.Hardtanh(-0.5, 2.0, inplace: true)));
        yield return new TestCaseData("Hardswish", (System.Func<nn.Module<Tensor, Tensor>>)(() => nn.Hardswish()));
        yield return new TestCaseData("Hardsigmoid", (System.Func<nn.Module<Tensor, Tensor>>)(() => nn.Hardsigmoid()));
        yield return new TestCaseData("LeakyReLU", (System.Func<nn.Module<Tensor, Tensor>>)(() => nn.LeakyReLU(0.2)));
        yield return new TestCaseData("ELU", (System.Func<nn.Module<Tensor, Tensor>>)(() => nn.ELU(0.7)));
        yield return new TestCaseData("Mish", (System.Func<nn.Module<Tensor, Tensor>>)(() => nn.Mish()));
    }

    [TestCaseSource(nameof(Activations))]
    public void Export_Activation_MatchesTorchSharp(string name, System.Func<nn.Module<Tensor, Tensor>> activation)
    {
        _ = name;
        torch.manual_seed(400);

        // Inputs up to about +-25 cover every piece of the piecewise activations and Mish's softplus for large x.
        using var model = nn.Sequential(Models.Dendritic(nn.Linear(6, 8), 2, 401), activation(), nn.Linear(8, 3));
        Parity.ExportShouldMatch(model, randn(2, 6) * 4, randn(5, 6) * 6);
    }

    [Test]
    public void Export_NonClippingHardtanh_ThrowsNamingTheModule()
    {
        // TorchSharp 0.107's Hardtanh(inplace: false) returns its input unchanged; no Clip reproduces that.
        torch.manual_seed(405);
        using var model = nn.Sequential(nn.Linear(4, 4), nn.Hardtanh(-0.1, 0.1));
        using var sample = randn(2, 4) * 3;

        var act = () => TestHandles.Export(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "1" && e.Message.Contains("inplace: true"));
    }

    [Test]
    public void Export_CnnPoolingAtInference_MatchesTorchSharp()
    {
        torch.manual_seed(410);
        using var model = nn.Sequential(
            Models.Dendritic(nn.Conv2d(3, 4, 3, padding: 1), 1, 411),
            nn.ReLU6(),
            nn.MaxPool2d(3, stride: 2, padding: 1),
            nn.AvgPool2d(2),
            nn.Dropout(0.5),
            nn.Dropout2d(0.3),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(4, 2));

        // The dropouts are the identity at inference; a training-mode model is exported in eval mode.
        model.train();
        Parity.ExportShouldMatch(model, randn(2, 3, 16, 16), randn(3, 3, 16, 16));
    }

    [TestCase(5, 3)]
    [TestCase(1, 7)]
    [TestCase(7, 4)]
    public void Export_AdaptiveAvgPool2dUnevenWindows_MatchesTorchSharp(int input, int output)
    {
        torch.manual_seed(420);
        using var model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.AdaptiveAvgPool2d(new long[] { output, output + 1 }), nn.Flatten());
        Parity.ExportShouldMatch(model, randn(2, 2, input, input + 2), randn(4, 2, input, input + 2));
    }

    [Test]
    public void Export_AdaptiveAvgPool1dUnevenWindows_MatchesTorchSharp()
    {
        torch.manual_seed(430);
        using var model = nn.Sequential(nn.Conv1d(2, 3, 1), nn.AdaptiveAvgPool1d(4), nn.Flatten());
        Parity.ExportShouldMatch(model, randn(2, 2, 10), randn(3, 2, 10));
    }
}
