using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Layers;

/// <summary>The cascade kernel extension point: who is asked, with what, and that declining leaves the reference path.</summary>
public class CascadeKernelTests
{
    [TearDown]
    public void ResetKernel() => CascadeKernels.Current = null;

    [Test]
    public void Current_ByDefault_IsNull()
    {
        CascadeKernels.Current.Should().BeNull();
    }

    [Test]
    public void CompareExchange_ComparandRegistered_ReplacesAndReturnsIt()
    {
        var first = new RecordingKernel(result: null);
        var second = new RecordingKernel(result: null);

        CascadeKernels.CompareExchange(first, null).Should().BeNull();
        CascadeKernels.CompareExchange(second, first).Should().BeSameAs(first);

        CascadeKernels.Current.Should().BeSameAs(second);
    }

    [Test]
    public void CompareExchange_OtherKernelRegistered_KeepsItAndReturnsIt()
    {
        var theirs = new RecordingKernel(result: null);
        var mine = new RecordingKernel(result: null);
        CascadeKernels.Current = theirs;

        CascadeKernels.CompareExchange(mine, null).Should().BeSameAs(theirs, "registering never replaces another kernel");
        CascadeKernels.CompareExchange(null, mine).Should().BeSameAs(theirs, "unregistering never removes another kernel");

        CascadeKernels.Current.Should().BeSameAs(theirs);
    }

    [TestCase(DendriteProjection.Separate)]
    [TestCase(DendriteProjection.Fused)]
    [TestCase(DendriteProjection.FusedWithHost)]
    public void Forward_KernelDeclines_IsBitExactWithReferencePathInTrainingAndInference(DendriteProjection projection)
    {
        manual_seed(3);
        var layer = new DendriteLayer(nn.Conv2d(3, 4, 3, padding: 1), new DendriteOptions { Projection = projection }, dendrites: 3);
        ReferenceDendrites.Randomise(layer, 5);
        var input = randn(2, 3, 5, 5);
        var (expected, expectedGrads) = Step(layer, input);
        using var expectedInference = Infer(layer, input);

        var kernel = new RecordingKernel(result: null);
        CascadeKernels.Current = kernel;
        var (actual, actualGrads) = Step(layer, input);
        using var actualInference = Infer(layer, input);

        TensorAssert.Identical(actual, expected);
        TensorAssert.Identical(actualInference, expectedInference);
        foreach (var (name, grad) in expectedGrads)
        {
            TensorAssert.Identical(actualGrads[name], grad, name);
        }

        kernel.Calls.Should().HaveCount(2);
        kernel.Calls.Should().OnlyContain(c => c.Sets == 3 && c.NeuronAxis == 1 && c.Activation == DendriteActivation.Sigmoid);
        kernel.Calls[0].MayOverwriteHostOutput.Should().BeFalse("training never overwrites the host output");
        kernel.Calls[1].MayOverwriteHostOutput.Should().Be(projection != DendriteProjection.FusedWithHost, "inference owns the host output unless it is a view of the wide output");
    }

    [Test]
    public void Forward_LinearWithLeadingAxes_PassesTheLastAxisAsNeuronAxisAndPerSetWeights()
    {
        manual_seed(4);
        var layer = new DendriteLayer(nn.Linear(6, 5), dendrites: 2);
        var kernel = new RecordingKernel(result: null);
        CascadeKernels.Current = kernel;
        using (no_grad())
        {
            layer.call(randn(2, 3, 6)).Dispose();
        }

        var call = kernel.Calls.Single();
        call.NeuronAxis.Should().Be(2);
        call.PreShapes.Should().AllSatisfy(s => s.Should().Equal(2, 3, 5));
        call.OutputScaleShapes.Should().AllSatisfy(s => s.Should().Equal(5));
        call.CascadeWeightShapes.Should().Equal(new long[]?[] { null, new long[] { 1, 5 } }, (a, b) => a == null ? b == null : b != null && a.SequenceEqual(b));
    }

    [Test]
    public void Forward_KernelAnswers_ItsResultIsTheLayerOutput()
    {
        manual_seed(5);
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var marker = full(7, 3, 42f);
        CascadeKernels.Current = new RecordingKernel(result: marker);
        using var output = layer.call(randn(7, 4));

        TensorAssert.Identical(output, marker);
    }

    [Test]
    public void Forward_DendritesOffOrNone_NeverAsksTheKernel()
    {
        manual_seed(6);
        var kernel = new RecordingKernel(result: null);
        CascadeKernels.Current = kernel;
        var none = new DendriteLayer(nn.Linear(4, 3));
        var off = new DendriteLayer(nn.Linear(4, 3), dendrites: 2) { Enabled = false };
        none.call(randn(2, 4)).Dispose();
        off.call(randn(2, 4)).Dispose();

        kernel.Calls.Should().BeEmpty();
    }

    [Test]
    public void Forward_BiasKernelSaysYesThenDeclines_LayerComputesAgainWithAutogradsBiasGradients()
    {
        manual_seed(7);
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);
        using var input = randn(5, 4);
        var (expected, expectedGrads) = Step(layer, input);
        var kernel = new YesThenNoBiasKernel();
        CascadeKernels.Current = kernel;

        var (actual, actualGrads) = Step(layer, input);

        kernel.OfferedBiases.Should().Equal(new[] { 3, 0 }, "it was offered the biases once (host and two sets), then the call without them");
        ShouldBeIdentical((actual, actualGrads), (expected, expectedGrads));
    }

    [Test]
    public void Forward_KernelReplacedAfterSayingYes_UsesTheKernelThatSaidYesAndNoBiasGradientIsLost()
    {
        // Another thread may replace the registered kernel at any time: the forward must not detach the biases for
        // one kernel and hand the call to another, which would not return their gradients.
        manual_seed(9);
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);
        using var input = randn(5, 4);
        var (expected, expectedGrads) = Step(layer, input);
        var replacement = new RecordingKernel(result: null);
        CascadeKernels.Current = new ReplacingBiasKernel(replacement);

        var (actual, actualGrads) = Step(layer, input);

        replacement.Calls.Should().ContainSingle("the layer computed again as usual, with the kernel now registered");
        actualGrads.Keys.Should().BeEquivalentTo(expectedGrads.Keys);
        ShouldBeIdentical((actual, actualGrads), (expected, expectedGrads));
    }

    /// <summary>The output and every parameter's gradient of <paramref name="actual"/> bit for bit those of <paramref name="expected"/>.</summary>
    private static void ShouldBeIdentical((Tensor Output, Dictionary<string, Tensor> Grads) actual, (Tensor Output, Dictionary<string, Tensor> Grads) expected)
    {
        TensorAssert.Identical(actual.Output, expected.Output);
        foreach (var (name, grad) in expected.Grads)
        {
            TensorAssert.Identical(actual.Grads[name], grad, name);
        }
    }

    private static (Tensor Output, Dictionary<string, Tensor> Grads) Step(DendriteLayer layer, Tensor input)
    {
        layer.zero_grad();
        var output = layer.call(input);
        output.backward(new[] { ones_like(output) });
        var grads = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (output.detach(), grads);
    }

    private static Tensor Infer(DendriteLayer layer, Tensor input)
    {
        using var noGrad = no_grad();
        return layer.call(input);
    }

    /// <summary>Records what the layer hands over and returns a fixed answer (null: decline).</summary>
    private sealed class RecordingKernel : ICascadeKernel
    {
        private readonly Tensor? _result;

        public RecordingKernel(Tensor? result) => _result = result;

        public List<Call> Calls { get; } = new();

        public Tensor? TryCombine(CascadeInputs inputs)
        {
            Calls.Add(new Call(
                inputs.Sets,
                inputs.NeuronAxis,
                inputs.Activation,
                inputs.MayOverwriteHostOutput,
                inputs.PreActivations.Select(p => p.shape).ToList(),
                inputs.OutputScales.Select(u => u.shape).ToList(),
                inputs.CascadeWeights.Select(v => v?.shape).ToList()));
            return _result?.alias();
        }
    }

    /// <summary>Says it takes the bias gradients, then declines every call: the layer must fall back on its own.</summary>
    private sealed class YesThenNoBiasKernel : IBiasGradientKernel
    {
        public List<int> OfferedBiases { get; } = new();

        public bool TakesBiasGradients(Device device, ScalarType dtype, int sets, long neurons, DendriteActivation activation) => true;

        public Tensor? TryCombine(CascadeInputs inputs)
        {
            OfferedBiases.Add(inputs.BiasParameters?.Count ?? 0);
            return null;
        }
    }

    /// <summary>Says it takes the bias gradients and, meanwhile, registers another kernel (as another thread could); then declines.</summary>
    private sealed class ReplacingBiasKernel : IBiasGradientKernel
    {
        private readonly ICascadeKernel _next;

        public ReplacingBiasKernel(ICascadeKernel next) => _next = next;

        public bool TakesBiasGradients(Device device, ScalarType dtype, int sets, long neurons, DendriteActivation activation)
        {
            CascadeKernels.Current = _next;
            return true;
        }

        public Tensor? TryCombine(CascadeInputs inputs) => null;
    }

    private sealed record Call(int Sets, int NeuronAxis, DendriteActivation Activation, bool MayOverwriteHostOutput, List<long[]> PreShapes, List<long[]> OutputScaleShapes, List<long[]?> CascadeWeightShapes);
}
