using System;
using System.Collections.Generic;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Layers;

/// <summary><see cref="HostLayerSpec.OutputElements"/>, which sizes an output before it is computed, against the host's real output.</summary>
public class HostLayerSpecOutputTests
{
    private static IEnumerable<TestCaseData> Hosts()
    {
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Linear(6, 43)), new long[] { 9, 90, 6 }).SetArgDisplayNames("Linear, leading axes");
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Linear(6, 43)), new long[] { 6 }).SetArgDisplayNames("Linear, unbatched");
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Conv1d(3, 5, 4, stride: 3, padding: 2, dilation: 2)), new long[] { 2, 3, 31 }).SetArgDisplayNames("Conv1d, stride, padding, dilation");
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Conv1d(3, 5, 3)), new long[] { 3, 31 }).SetArgDisplayNames("Conv1d, unbatched");
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Conv2d(4, 6, 3, stride: 2, padding: 1, groups: 2)), new long[] { 2, 4, 17, 10 }).SetArgDisplayNames("Conv2d, grouped, strided");
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Conv2d(3, 5, 3, padding: 1, padding_mode: PaddingModes.Reflect)), new long[] { 2, 3, 9, 11 }).SetArgDisplayNames("Conv2d, reflect padding");
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Conv2d(3, 5, 5, padding: Padding.Same)), new long[] { 2, 3, 9, 11 }).SetArgDisplayNames("Conv2d, padding same");
        yield return new TestCaseData((Func<nn.Module>)(() => nn.Conv3d(2, 3, 3, stride: 2)), new long[] { 1, 2, 7, 8, 9 }).SetArgDisplayNames("Conv3d, strided");
    }

    [TestCaseSource(nameof(Hosts))]
    public void OutputElements_SupportedHost_EqualsTheHostsOutput(Func<nn.Module> makeHost, long[] inputShape)
    {
        using var host = (nn.Module<Tensor, Tensor>)makeHost();
        using var input = randn(inputShape);
        using var output = host.call(input);

        HostLayerSpec.From(host).OutputElements(input).Should().Be(output.numel());
    }

    [Test]
    public void OutputElements_InputThatDoesNotFit_IsMinusOne()
    {
        using var wrongFeatures = randn(4, 7);
        using var tooSmall = randn(1, 3, 2, 2);

        HostLayerSpec.From(nn.Linear(6, 43)).OutputElements(wrongFeatures).Should().Be(-1);
        HostLayerSpec.From(nn.Conv2d(3, 5, 3)).OutputElements(tooSmall).Should().Be(-1, "a 3 x 3 kernel does not fit a 2 x 2 input without padding");
        HostLayerSpec.From(nn.Conv2d(4, 5, 3)).OutputElements(tooSmall).Should().Be(-1, "the input has 3 channels, the layer takes 4");
    }
}
