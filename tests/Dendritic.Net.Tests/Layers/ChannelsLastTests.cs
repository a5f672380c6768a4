using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Layers;

/// <summary>
/// A convolution layer fed a channels-last (NHWC) input, as a model converted to that memory format feeds it: the same
/// output and gradients as for the same values in the default layout, to float rounding, in training and in inference.
/// The output is large enough for the CPU cascade, which takes the default layout from two sets and is meant to decline
/// the channels-last one (its tensors are not contiguous; <see cref="CpuCascadeTests"/> covers the declining), so that
/// two paths are compared; which path ran is not asserted here.
/// </summary>
[TestFixture]
public sealed class ChannelsLastTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void Call_ChannelsLastInput_MatchesDefaultLayoutInTrainingAndInference(int sets)
    {
        manual_seed(sets);
        using var layer = new DendriteLayer(nn.Conv2d(3, 5, 3, padding: 1), new DendriteOptions(), sets);
        using (no_grad())
        {
            foreach (var set in layer.Branch.Sets)
            {
                set.OutputScale.normal_(0, 0.5);
                set.CascadeWeights?.normal_(0, 0.5);
            }
        }

        using var input = randn(4, 3, 41, 45);
        // TorchSharp 0.107's contiguous() takes no memory format; NHWC strides on an NCHW shape are what channels_last is.
        using var channelsLast = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        channelsLast.is_contiguous().Should().BeFalse("the input must really be in the other layout");

        var (expected, expectedGrads) = Step(layer, input);
        var (actual, actualGrads) = Step(layer, channelsLast);

        TensorAssert.CloseRelative(actual, expected, 1e-5, $"D = {sets}, output");
        foreach (var (name, grad) in expectedGrads)
        {
            TensorAssert.CloseRelative(actualGrads[name], grad, 1e-5, $"D = {sets}, gradient of {name}");
        }

        using (no_grad())
        {
            TensorAssert.CloseRelative(layer.call(channelsLast), layer.call(input), 1e-5, $"D = {sets}, inference");
        }
    }

    private static (Tensor Output, Dictionary<string, Tensor> Grads) Step(DendriteLayer layer, Tensor input)
    {
        foreach (var p in layer.parameters())
        {
            p.grad = null;
        }

        var output = layer.call(input);
        output.square().sum().backward();
        return (output.detach().contiguous(), layer.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }
}
