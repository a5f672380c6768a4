using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Layers;

/// <summary>
/// The built-in CPU cascade (<see cref="DendriteCascade.Auto"/>) against the reference path
/// (<see cref="DendriteCascade.Reference"/>): the same outputs, and gradients to float rounding, for every host type,
/// activation and set count, and the reference path wherever the kernel declines.
/// </summary>
public class CpuCascadeTests
{
    /// <summary>Hosts with outputs above the kernel's threshold, neuron counts and spatial sizes that leave a vector tail.</summary>
    private static IEnumerable<TestCaseData> Hosts()
    {
        yield return new TestCaseData("Linear, leading axes", (Func<nn.Module>)(() => nn.Linear(6, 43)), new long[] { 9, 90, 6 }).SetArgDisplayNames("Linear");
        yield return new TestCaseData("Conv1d", (Func<nn.Module>)(() => nn.Conv1d(3, 5, 3, padding: 1)), new long[] { 9, 3, 731 }).SetArgDisplayNames("Conv1d");
        yield return new TestCaseData("Conv2d", (Func<nn.Module>)(() => nn.Conv2d(3, 5, 3, padding: 1)), new long[] { 4, 3, 41, 45 }).SetArgDisplayNames("Conv2d");
        yield return new TestCaseData("Conv3d", (Func<nn.Module>)(() => nn.Conv3d(2, 3, 3, padding: 1)), new long[] { 3, 2, 13, 17, 19 }).SetArgDisplayNames("Conv3d");
    }

    [TestCaseSource(nameof(Hosts))]
    public void Step_AutoAgainstReference_SameOutputAndGradientsToRounding(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        foreach (var activation in Enum.GetValues<DendriteActivation>())
        {
            foreach (var sets in new[] { 2, 3, CpuCascadeShape.MaxSets })
            {
                var because = $"{name}, {activation}, D = {sets}";
                var (fast, reference) = Pair(makeHost, activation, sets);
                manual_seed(sets);
                using var input = randn(inputShape);
                Takes(fast, input).Should().BeTrue($"{because}: the case must reach the kernel");

                var (fastOutput, fastGrads) = Step(fast, input);
                var (referenceOutput, referenceGrads) = Step(reference, input);
                var exactGrads = ExactGradients(makeHost, activation, reference, input);

                TensorAssert.Identical(fastOutput, referenceOutput, $"{because}: forward runs the reference path's operations");
                GradientsShouldBeAsAccurateAsReference(fastGrads, referenceGrads, exactGrads, Float32Run(fast, fastOutput), because);
            }
        }
    }

    [Test]
    public void Step_TwoThreadsAndOne_AgreeWithEachOtherAndRepeatExactly()
    {
        // Large enough for two threads (2 x 32 Ki elements per thread), with a frozen first set.
        var (fast, reference) = Pair(() => nn.Linear(6, 43), DendriteActivation.Sigmoid, sets: 3);
        fast.Branch.Sets[0].Frozen = true;
        reference.Branch.Sets[0].Frozen = true;
        using var input = randn(20, 90, 6);
        var threads = get_num_threads();
        try
        {
            set_num_threads(2);
            var (output, two) = Step(fast, input);
            var (_, twoAgain) = Step(fast, input);
            set_num_threads(1);
            var (_, one) = Step(fast, input);
            var (_, expected) = Step(reference, input);
            var exact = ExactGradients(() => nn.Linear(6, 43), DendriteActivation.Sigmoid, reference, input);

            two.Keys.Should().BeEquivalentTo(expected.Keys, "a frozen set has no gradients on either path");
            foreach (var (parameter, _) in expected)
            {
                TensorAssert.Identical(twoAgain[parameter], two[parameter], $"{parameter}: the chunks are summed in a fixed order");
            }

            // One thread splits the rows into other chunks than two, so the sums round differently: each is held to
            // the float64 gradient, not to the other or to a fixed tolerance.
            GradientsShouldBeAsAccurateAsReference(two, expected, exact, Float32Run(fast, output), "two threads");
            GradientsShouldBeAsAccurateAsReference(one, expected, exact, Float32Run(fast, output), "one thread");
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Test]
    public void Forward_Inference_RunsTheReferencePathBitExact()
    {
        var (fast, reference) = Pair(() => nn.Conv2d(3, 5, 3, padding: 1), DendriteActivation.Sigmoid, sets: 3);
        using var input = randn(4, 3, 41, 45);
        using var noGrad = no_grad();

        using var fastOutput = fast.call(input);
        using var referenceOutput = reference.call(input);

        TensorAssert.Identical(fastOutput, referenceOutput);
    }

    [Test]
    public void Backward_RetainedGraphTwice_GradientsAccumulateTwice()
    {
        var (fast, _) = Pair(() => nn.Linear(6, 43), DendriteActivation.Sigmoid, sets: 2);
        using var input = randn(9, 90, 6);
        using var gradOutput = randn(9, 90, 43);
        var output = fast.call(input);

        output.backward(new[] { gradOutput }, retain_graph: true);
        using var once = fast.Branch.Sets[1].CascadeWeights!.grad!.clone();
        output.backward(new[] { gradOutput });

        TensorAssert.CloseRelative(fast.Branch.Sets[1].CascadeWeights!.grad!, once * 2, 1e-6, "the saved activations survive the first backward");
    }

    [TestCase(64, 2, TestName = "Forward_OutputBelowThreshold_IsBitExactWithReference")]
    [TestCase(900, 1, TestName = "Forward_OneSet_IsBitExactWithReference")]
    public void Forward_DeclinedCase_IsBitExactWithReference(int rows, int sets)
    {
        var (fast, reference) = Pair(() => nn.Linear(6, 43), DendriteActivation.Sigmoid, sets);
        using var input = randn(rows, 6);

        var (fastOutput, fastGrads) = Step(fast, input);
        var (referenceOutput, referenceGrads) = Step(reference, input);

        TensorAssert.Identical(fastOutput, referenceOutput, "small outputs keep the reference path");
        foreach (var (parameter, grad) in referenceGrads)
        {
            TensorAssert.Identical(fastGrads[parameter], grad, parameter);
        }
    }

    [Test]
    public void TryCombine_UnsupportedRequests_Decline()
    {
        var layer = new DendriteLayer(nn.Linear(6, 43), dendrites: 2);
        using var input = randn(900, 6);
        using var host = layer.call(input).detach();
        var pre = layer.Branch.PreActivations(input, DendriteProjection.Separate);

        CpuCascadeKernel.TryCombine(Inputs(layer, host, pre), preActivationsOwned: false).Should().BeNull("the activations are kept in the place of pre-activations the layer alone holds");
        CpuCascadeKernel.TryCombine(Inputs(layer, host.to(float64), pre.Select(p => p.to(float64)).ToArray()), preActivationsOwned: true).Should().BeNull("float64 is not taken");
        CpuCascadeKernel.TryCombine(Inputs(layer, host.t(), pre), preActivationsOwned: true).Should().BeNull("a transposed host output is not contiguous");
        CpuCascadeKernel.TryCombine(Inputs(layer, host.narrow(0, 0, 10), pre.Select(p => p.narrow(0, 0, 10)).ToArray()), preActivationsOwned: true).Should().BeNull("430 elements are below the threshold");
        var nine = new DendriteLayer(nn.Linear(6, 43), dendrites: CpuCascadeShape.MaxSets + 1);
        Takes(nine, input).Should().BeFalse("more sets than the kernel's stack buffers hold");
        using (no_grad())
        {
            CpuCascadeKernel.TryCombine(Inputs(layer, host, pre), preActivationsOwned: true).Should().BeNull("inference runs the reference path");
        }

        CpuCascadeKernel.TryCombine(Inputs(layer, host, pre), preActivationsOwned: true).Should().NotBeNull("this request is one the kernel takes");
    }

    [Test]
    public void Options_DefaultCascade_IsAuto()
    {
        DendriteOptions.Default.Cascade.Should().Be(DendriteCascade.Auto);
        var invalid = () => new DendriteOptions { Cascade = (DendriteCascade)7 }.Validate();
        invalid.Should().Throw<InvalidOptionsException>().WithMessage("*Cascade*");
    }

    /// <summary>Whether the kernel takes this layer's training cascade for <paramref name="input"/>.</summary>
    private static bool Takes(DendriteLayer layer, Tensor input)
    {
        using var scope = NewDisposeScope();
        var host = HostProjection.Single(layer.Spec, input, layer.Weight, layer.Bias);
        var pre = layer.Branch.PreActivations(input, DendriteProjection.Separate);
        return CpuCascadeKernel.TryCombine(layer.Branch.CascadeInputsFor(host, pre, mayOverwriteHostOutput: false), preActivationsOwned: true) is not null;
    }

    private static CascadeInputs Inputs(DendriteLayer layer, Tensor host, Tensor[] pre) =>
        layer.Branch.CascadeInputsFor(host, pre, mayOverwriteHostOutput: false);

    /// <summary>Two layers with the same weights, one on each cascade path.</summary>
    private static (DendriteLayer Fast, DendriteLayer Reference) Pair(Func<nn.Module> makeHost, DendriteActivation activation, int sets)
    {
        var fast = new DendriteLayer(makeHost(), new DendriteOptions { Activation = activation }, sets);
        ReferenceDendrites.Randomise(fast, 5);
        var reference = new DendriteLayer(makeHost(), new DendriteOptions { Activation = activation, Cascade = DendriteCascade.Reference }, sets);
        reference.load_state_dict(fast.state_dict());
        return (fast, reference);
    }

    /// <summary>
    /// Each gradient of the kernel is within float32 rounding of the exact (float64) one:
    /// <see cref="ReferenceErrorFactor"/> times the reference path's own distance from it, plus one float32 epsilon of
    /// the gradient's size per term the kernel adds in float32 before it moves to float64. How far such a sum rounds depends on its order, which the CPU chooses: the kernel's
    /// <see cref="System.Numerics.Vector{T}"/> lanes (4, 8 or 16 floats: SSE, AVX2, AVX-512) split a convolution's
    /// positions into runs of <c>Inner / lanes</c>, and libtorch's reductions on the reference path follow its own
    /// vector width and thread count. A fixed 1e-5 of the largest entry was used to 0.3 to 0.7 here, depending on those
    /// (measured with ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS, DOTNET_EnableAVX2=0, DOTNET_MaxVectorTBitWidth=512
    /// and one or two threads), so another CPU could fail it; held to float64 this way, the worst was 0.25 of the bound
    /// in each of those settings (the kernel's own sums reached 8 times the reference path's error). A wrong term is
    /// off by about the gradient's size.
    /// </summary>
    private static void GradientsShouldBeAsAccurateAsReference(Dictionary<string, Tensor> actual, Dictionary<string, Tensor> reference, Dictionary<string, Tensor> exact, long float32Run, string because)
    {
        foreach (var (parameter, grad) in reference)
        {
            var exactGrad = exact[parameter];
            using var referenceError = (grad.to(float64) - exactGrad).abs().max();
            var tolerance = (ReferenceErrorFactor * referenceError.item<double>()) + (float32Run * Float32Epsilon * TensorAssert.MaxAbs(exactGrad));
            TensorAssert.Close(actual[parameter], exactGrad, tolerance, $"{because}, gradient of {parameter} (the reference path is {referenceError.item<double>():E2} from float64)");
        }
    }

    /// <summary>
    /// The gradients libtorch reduces on both paths (biases, weights, the input's) sum the same float32 terms in other
    /// orders, so the kernel's may land on either side of the reference path's error: measured up to 1.1 times it.
    /// </summary>
    private const double ReferenceErrorFactor = 3;

    private const double Float32Epsilon = 1.1920929e-7;

    /// <summary>
    /// The most terms the kernel adds in float32 before moving a gradient's sum to float64: 64 rows at a time when the
    /// neurons are the last axis (CpuCascadeMath.RowsPerFlush), otherwise one lane's share of the positions behind
    /// each neuron and the lanes' sum.
    /// </summary>
    private static long Float32Run(DendriteLayer layer, Tensor output)
    {
        // A Linear host's neurons are the last axis; a convolution's are axis 1, its positions the axes after it.
        var inner = layer.Host is TorchSharp.Modules.Linear ? 1 : output.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        var lanes = System.Numerics.Vector<float>.Count;
        return inner == 1 ? 64 : ((inner + lanes - 1) / lanes) + lanes;
    }

    /// <summary>
    /// <see cref="Step"/>'s gradients on a float64 copy of <paramref name="reference"/> (reference path, same input and
    /// output gradient, both widened from float32): the exact values float32 gradients are measured against.
    /// </summary>
    private static Dictionary<string, Tensor> ExactGradients(Func<nn.Module> makeHost, DendriteActivation activation, DendriteLayer reference, Tensor input)
    {
        var exact = new DendriteLayer(makeHost(), new DendriteOptions { Activation = activation, Cascade = DendriteCascade.Reference }, reference.DendriteCount);
        exact.load_state_dict(reference.state_dict());
        exact.to(float64);
        using var wide = input.to(float64);
        return Step(exact, wide).Grads;
    }

    /// <summary>One forward and backward with a fixed output gradient; the output and every gradient, the input's included.</summary>
    private static (Tensor Output, Dictionary<string, Tensor> Grads) Step(DendriteLayer layer, Tensor input)
    {
        layer.zero_grad();
        var leaf = input.detach().requires_grad_(true);
        var output = layer.call(leaf);
        manual_seed(11);
        using var drawn = randn_like(output, dtype: float32);
        using var gradOutput = drawn.to(output.dtype);
        output.backward(new[] { gradOutput });
        var grads = layer.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        grads["input"] = leaf.grad!.clone();
        return (output.detach(), grads);
    }
}
