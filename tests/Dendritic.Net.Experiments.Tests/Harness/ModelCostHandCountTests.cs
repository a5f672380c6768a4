using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Experiments.Tests.Harness;

/// <summary>
/// FLOPs and parameters against counts done by hand (docs/concepts.md, "FLOP convention"): per output position a host
/// costs 2 · fan-in · out, plus out for a bias; dendrite set k adds the same (its own weight and bias) plus (2k + 3) · out.
/// </summary>
[TestFixture]
public sealed class ModelCostHandCountTests
{
    // Conv1d 4→6, kernel 3, stride 2, padding 1, on length 11: (11 + 2 - 3) / 2 + 1 = 6 positions; fan-in 4 · 3 = 12.
    [TestCase(true, 0, 6 * ((2 * 12 * 6) + 6))]
    [TestCase(false, 0, 6 * (2 * 12 * 6))]
    [TestCase(true, 2, 6 * (((2 * 12 * 6) + 6) + (((2 * 12 * 6) + 6) + (3 * 6)) + (((2 * 12 * 6) + 6) + (5 * 6))))]
    [TestCase(false, 2, 6 * ((2 * 12 * 6) + ((2 * 12 * 6) + (3 * 6)) + ((2 * 12 * 6) + (5 * 6))))]
    public void FlopsPerSample_Conv1dStrided_MatchesHandCount(bool bias, int sets, double expected)
    {
        using var model = new DendriteLayer(nn.Conv1d(4, 6, 3, stride: 2, padding: 1, bias: bias), dendrites: sets);
        using var x = randn(2, 4, 11);

        ModelCost.FlopsPerSample(model, x).Should().Be(expected);
    }

    // Conv2d 4→6, kernel 3, groups 2, dilation 2, on 7x7: 7 - 2 · 2 = 3, so 9 positions; fan-in 4 / 2 · 9 = 18.
    [TestCase(true, 1, 9 * (((2 * 18 * 6) + 6) + ((2 * 18 * 6) + 6 + (3 * 6))))]
    [TestCase(false, 1, 9 * ((2 * 18 * 6) + ((2 * 18 * 6) + (3 * 6))))]
    public void FlopsPerSample_Conv2dGroupedDilated_MatchesHandCount(bool bias, int sets, double expected)
    {
        using var model = new DendriteLayer(nn.Conv2d(4, 6, 3, dilation: 2, groups: 2, bias: bias), dendrites: sets);
        using var x = randn(3, 4, 7, 7);

        ModelCost.FlopsPerSample(model, x).Should().Be(expected);
    }

    // Conv3d 2→4, kernel 2x3x3, padding 0x1x1, on 3x4x4: 2 · 4 · 4 = 32 positions; fan-in 2 · 18 = 36.
    [TestCase(true, 0, 32 * ((2 * 36 * 4) + 4))]
    [TestCase(false, 3, 32 * ((2 * 36 * 4) + ((2 * 36 * 4) + (3 * 4)) + ((2 * 36 * 4) + (5 * 4)) + ((2 * 36 * 4) + (7 * 4))))]
    public void FlopsPerSample_Conv3d_MatchesHandCount(bool bias, int sets, double expected)
    {
        using var model = new DendriteLayer(nn.Conv3d(2, 4, (2, 3, 3), padding: (0, 1, 1), bias: bias), dendrites: sets);
        using var x = randn(new long[] { 1, 2, 3, 4, 4 });

        ModelCost.FlopsPerSample(model, x).Should().Be(expected);
    }

    [TestCase(true, 2, (2 * 10 * 5) + 5 + (((2 * 10 * 5) + 5) + (3 * 5)) + (((2 * 10 * 5) + 5) + (5 * 5)))]
    [TestCase(false, 2, (2 * 10 * 5) + ((2 * 10 * 5) + (3 * 5)) + ((2 * 10 * 5) + (5 * 5)))]
    public void FlopsPerSample_LinearOnSequence_CountsEveryTimeStep(bool bias, int sets, double perStep)
    {
        using var model = new DendriteLayer(nn.Linear(10, 5, hasBias: bias), dendrites: sets);
        using var x = randn(2, 7, 10);

        ModelCost.FlopsPerSample(model, x).Should().Be(7 * perStep);
    }

    // Host 6 · 4 · 3 (+ 6); each set as many, plus u (6) and, for set k, v (k · 6).
    [TestCase(true, 2, 78 + (78 + 6) + (78 + 6 + 6))]
    [TestCase(false, 2, 72 + (72 + 6) + (72 + 6 + 6))]
    public void Parameters_Conv1dWithSets_MatchesHandCount(bool bias, int sets, long expected)
    {
        using var model = new DendriteLayer(nn.Conv1d(4, 6, 3, bias: bias), dendrites: sets);

        ModelCost.Parameters(model).Should().Be(expected);
    }

    [Test]
    public void FlopsPerSample_DendritesDisabled_CountsTheHostOnly()
    {
        using var model = new DendriteLayer(nn.Linear(10, 5), dendrites: 2) { Enabled = false };
        using var x = randn(4, 10);

        ModelCost.FlopsPerSample(model, x).Should().Be((2 * 10 * 5) + 5);
    }
}
