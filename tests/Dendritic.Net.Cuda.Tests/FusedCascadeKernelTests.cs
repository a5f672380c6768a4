using System;
using System.Collections.Generic;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// The fused cascade's algorithm and wiring on the CPU: <see cref="FusedCascadeKernel"/> with the C# mirror of
/// cascade.cu (<see cref="CascadeMirror"/>) against the library's reference path, forward and every gradient, for
/// Linear and Conv1d/2d/3d layers, D = 1..4, each projection path, float32 and bfloat16.
/// </summary>
public class FusedCascadeKernelTests
{
    private static readonly (string Name, Func<nn.Module> Make, long[] Input)[] Hosts =
    {
        ("Linear", () => nn.Linear(16, 12), new long[] { 5, 16 }),
        ("Linear with leading axes", () => nn.Linear(6, 9), new long[] { 2, 3, 6 }),
        ("Conv1d k3 s2 p1 d2", () => nn.Conv1d(4, 6, 3, stride: 2, padding: 1, dilation: 2), new long[] { 3, 4, 11 }),
        ("Conv2d k3 p1 groups 2", () => nn.Conv2d(4, 6, 3, padding: 1, groups: 2), new long[] { 2, 4, 7, 7 }),
        ("Conv3d k3 p1", () => nn.Conv3d(2, 4, 3, padding: 1), new long[] { 2, 2, 4, 5, 5 }),
    };

    [TearDown]
    public void ResetKernel() => CascadeKernels.Current = null;

    public static IEnumerable<TestCaseData> Cases() =>
        from host in Hosts
        from sets in new[] { 1, 2, 3, 4 }
        from projection in new[] { DendriteProjection.Separate, DendriteProjection.Fused, DendriteProjection.FusedWithHost }
        select new TestCaseData(host.Name, sets, projection).SetName($"Mirror_{host.Name.Replace(' ', '_')}_D{sets}_{projection}_MatchesReference");

    [TestCaseSource(nameof(Cases))]
    public void Mirror_Float32_MatchesReferenceForwardAndGradientsWithin1e5(string host, int sets, DendriteProjection projection)
    {
        Compare(host, sets, projection, DendriteActivation.Sigmoid, ScalarType.Float32, 1e-5);
    }

    [TestCase(DendriteActivation.Tanh)]
    [TestCase(DendriteActivation.HardSigmoid)]
    public void Mirror_OtherActivations_MatchReference(DendriteActivation activation)
    {
        Compare("Conv2d k3 p1 groups 2", 3, DendriteProjection.Fused, activation, ScalarType.Float32, 1e-5);
        Compare("Linear", 4, DendriteProjection.Separate, activation, ScalarType.Float32, 1e-5);
    }

    [TestCase("Linear", 4)]
    [TestCase("Conv3d k3 p1", 3)]
    public void Mirror_BFloat16_MatchesReferenceToBFloat16Rounding(string host, int sets)
    {
        // The reference rounds to bfloat16 after every operation, the kernel once per stored value: a few bf16 ulps.
        Compare(host, sets, DendriteProjection.Fused, DendriteActivation.Sigmoid, ScalarType.BFloat16, 3e-2);
    }

    [Test]
    public void Mirror_FrozenFirstSet_OthersMatchReferenceAndFrozenGetNoGradient()
    {
        manual_seed(8);
        var layer = new DendriteLayer(nn.Linear(6, 5), dendrites: 3);
        Randomise(layer);
        layer.Branch.Sets[0].Frozen = true;
        var input = randn(4, 6);
        var (expected, expectedGrads) = Step(layer, input);
        CascadeKernels.Current = new FusedCascadeKernel(new CascadeMirror());
        var (actual, actualGrads) = Step(layer, input);

        RelativeError(actual, expected).Should().BeLessThanOrEqualTo(1e-5);
        actualGrads.Keys.Should().BeEquivalentTo(expectedGrads.Keys);
        foreach (var (name, grad) in expectedGrads)
        {
            RelativeError(actualGrads[name], grad).Should().BeLessThanOrEqualTo(1e-5, name);
        }

        layer.Branch.Sets[0].parameters().Select(p => p.grad).Should().AllSatisfy(g => g.Should().BeNull());
    }

    [TestCase(DendriteProjection.Fused, 3 * 12, "the fused projection's own layout: rows of 3 sets x 12 neurons")]
    [TestCase(DendriteProjection.Separate, 12, "one contiguous [sets, rows, 12] buffer")]
    public void Backward_ByProjection_WritesPreActivationGradientsWhereAutogradWantsThem(DendriteProjection projection, long rowStride, string because)
    {
        manual_seed(5);
        var layer = new DendriteLayer(nn.Linear(16, 12), new DendriteOptions { Projection = projection }, 3);
        Randomise(layer);
        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror);

        layer.call(randn(5, 16)).sum().backward();

        mirror.LastGradPreLayout.Should().Be(new StridedLayout(rowStride, 1), because);
    }

    [Test]
    public void TakeWhole_OnOrOff_GivesTheSameGradients()
    {
        manual_seed(6);
        var layer = new DendriteLayer(nn.Conv2d(3, 4, 3, padding: 1), new DendriteOptions { Projection = DendriteProjection.Fused }, 3);
        Randomise(layer);
        var input = randn(2, 3, 6, 6);
        CascadeKernels.Current = new FusedCascadeKernel(new CascadeMirror(), takeWhole: false);
        var (chunked, chunkedGrads) = Step(layer, input);
        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror, takeWhole: true);
        var (whole, wholeGrads) = Step(layer, input);

        mirror.LastGradPreLayout.Should().Be(new StridedLayout(3 * 4 * 36, 36), "the node took the fused output");
        whole.equal(chunked).all().item<bool>().Should().BeTrue();
        foreach (var (name, grad) in chunkedGrads)
        {
            wholeGrads[name].equal(grad).all().item<bool>().Should().BeTrue(name);
        }
    }

    [Test]
    public void TakeWhole_LinearWithLeadingAxes_GivesTheSameOutputAndGradients()
    {
        manual_seed(7);
        var layer = new DendriteLayer(nn.Linear(6, 10), new DendriteOptions { Projection = DendriteProjection.Fused }, 4);
        Randomise(layer);
        var input = randn(2, 3, 6);
        CascadeKernels.Current = new FusedCascadeKernel(new CascadeMirror(), takeWhole: false);
        var (chunked, chunkedGrads) = Step(layer, input);
        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror, takeWhole: true);
        var (whole, wholeGrads) = Step(layer, input);

        mirror.LastGradPreLayout.Should().Be(new StridedLayout(4 * 10, 1), "the node took the fused output");
        whole.equal(chunked).all().item<bool>().Should().BeTrue();
        foreach (var (name, grad) in chunkedGrads)
        {
            wholeGrads[name].equal(grad).all().item<bool>().Should().BeTrue(name);
        }
    }

    [Test]
    public void IsWholeOf_ChunksOrNot_TellsThemApart()
    {
        using var whole = randn(5, 36);
        using var other = randn(5, 36);
        var chunks = whole.chunk(3, 1);
        var foreign = other.chunk(3, 1);

        FusedCascadeKernel.IsWholeOf(whole, chunks, 1).Should().BeTrue();
        FusedCascadeKernel.IsWholeOf(whole, new[] { chunks[0], foreign[1], chunks[2] }, 1).Should().BeFalse("a part from another tensor");
        FusedCascadeKernel.IsWholeOf(whole, new[] { chunks[1], chunks[0], chunks[2] }, 1).Should().BeFalse("parts out of order");
        FusedCascadeKernel.IsWholeOf(whole, chunks.Take(2).ToArray(), 1).Should().BeFalse("fewer parts than the whole holds");
        FusedCascadeKernel.IsWholeOf(whole.to(ScalarType.Float64), chunks, 1).Should().BeFalse("another dtype");
        FusedCascadeKernel.IsWholeOf(whole, chunks.Select(c => c.contiguous()).ToArray(), 1).Should().BeFalse("copies, not views");
    }

    [Test]
    public void Backward_IncomingGradientAtAnOddOffset_IsHandedToPairKernelsAligned()
    {
        manual_seed(9);
        var layer = new DendriteLayer(nn.Linear(6, 12), new DendriteOptions { Projection = DendriteProjection.Fused }, 2);
        Randomise(layer);
        var input = randn(5, 6);
        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror);
        using var storage = randn(61);
        // A contiguous gradient one float past an 8-byte boundary: the pair kernels need two-element alignment.
        var upstream = storage.narrow(0, 1, 60).view(5, 12);
        var (expected, expectedGrads) = StepWith(layer, input, upstream, kernel: null);
        var (actual, actualGrads) = StepWith(layer, input, upstream, kernel: new FusedCascadeKernel(mirror));

        mirror.LastBackward.Should().NotBeNull();
        var (problem, grad) = mirror.LastBackward!.Value;
        problem.Pairs.Should().BeTrue("even neurons, fresh aligned tensors");
        CascadeProblem.IsPairAligned(grad, 4).Should().BeTrue("a misaligned gradient is copied first");
        RelativeError(actual, expected).Should().BeLessThanOrEqualTo(1e-5);
        foreach (var (name, g) in expectedGrads)
        {
            RelativeError(actualGrads[name], g).Should().BeLessThanOrEqualTo(1e-5, name);
        }
    }

    [TestCase(1, 12, 4, 24, 1, 8, true, "Linear layout, even neurons and strides, aligned addresses")]
    [TestCase(1, 13, 4, 26, 1, 8, false, "an odd neuron count")]
    [TestCase(9, 12, 4, 24, 1, 8, false, "a convolution's positions (the positions kernels have no pairs)")]
    [TestCase(1, 12, 4, 25, 1, 8, false, "an odd row stride")]
    [TestCase(1, 12, 4, 24, 2, 8, false, "neurons not adjacent")]
    [TestCase(1, 12, 4, 24, 1, 12, false, "an address aligned to one float32 but not two")]
    [TestCase(1, 12, 2, 24, 1, 4, true, "bfloat16: two elements are four bytes")]
    public void TakesPairs_ByShapeLayoutAndAddress_Decides(long inner, long neurons, long elementSize, long rowStride, long neuronStride, long address, bool expected, string because)
    {
        var layouts = new[] { new StridedLayout(neurons, 1), new StridedLayout(rowStride, neuronStride) };
        var addresses = new[] { new IntPtr(4096), new IntPtr(4096 + address) };

        CascadeProblem.TakesPairs(inner, neurons, elementSize, layouts, addresses).Should().Be(expected, because);
    }

    [Test]
    public void TryCombine_CpuTensorsWithTheCudaLauncher_DeclinesWithoutTouchingNativeLibraries()
    {
        var kernel = new FusedCascadeKernel(new CudaLauncher(new CudaModuleCache()));
        CascadeKernels.Current = kernel;
        manual_seed(1);
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);
        Randomise(layer);
        var input = randn(2, 4);
        var fused = layer.call(input);
        CascadeKernels.Current = null;
        var reference = layer.call(input);

        fused.equal(reference).all().item<bool>().Should().BeTrue("a declined call runs the reference path");
    }

    [Test]
    public void TryCombine_Float64OrTooManySets_Declines()
    {
        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror);
        var wide = new DendriteLayer(nn.Linear(4, 3), dendrites: CascadeProblem.MaxSets + 1);
        var float64 = new DendriteLayer(nn.Linear(4, 3).to(ScalarType.Float64), dendrites: 2);
        wide.call(randn(2, 4)).Dispose();
        float64.call(randn(2, 4, dtype: ScalarType.Float64)).Dispose();

        mirror.Launches.Should().Be(0);
    }

    [Test]
    public void TryCombine_OneSetTrainingBelowThreshold_DeclinesButRunsInferenceAndTwoSets()
    {
        var mirror = new CascadeMirror();
        // A [2, 3] float32 output is 24 bytes: under a 25-byte threshold, and equal to a 24-byte one.
        CascadeKernels.Current = new FusedCascadeKernel(mirror, oneSetTrainingMinBytes: 25);
        var one = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        var two = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);
        var input = randn(2, 4);

        one.call(input).sum().backward();
        mirror.Launches.Should().Be(0, "a one-set training step on a small output keeps the reference path");
        using (no_grad())
        {
            one.call(input).Dispose();
        }

        mirror.Launches.Should().Be(1, "inference has no autograd node to pay for");
        two.call(input).sum().backward();
        mirror.Launches.Should().Be(4, "two sets run fused: forward, then backward and its reduction");
        CascadeKernels.Current = new FusedCascadeKernel(mirror, oneSetTrainingMinBytes: 24);
        one.call(input).sum().backward();
        mirror.Launches.Should().Be(7, "an output of the threshold's size is fused");
    }

    [Test]
    public void Enable_WithoutGpuOrNvrtc_ThrowsTypedErrorNamingTheFix()
    {
        try
        {
            CudaCascade.Enable();
        }
        catch (CudaKernelException e)
        {
            e.Message.Should().MatchRegex("DENDRITIC_(NVRTC|CUDA_DRIVER)_PATH|cuInit");
            CudaCascade.IsEnabled.Should().BeFalse();
            return;
        }

        // A machine with a GPU and NVRTC: enabled, and Disable returns to the reference path.
        CudaCascade.IsEnabled.Should().BeTrue();
        CudaCascade.Disable();
        CascadeKernels.Current.Should().BeNull();
    }

    [TestCase("DENDRITIC_CUDA_DRIVER_PATH", "the CUDA driver", "cuInit")]
    [TestCase("DENDRITIC_NVRTC_PATH", "NVRTC", "nvrtcVersion")]
    public void Enable_PathVariableNamingAnotherLibrary_ThrowsTypedErrorNamingTheVariableAndTheMissingEntryPoint(string variable, string what, string entryPoint)
    {
        // A library every Linux has and that is neither: it loads, but lacks the entry point. (On Windows, kernel32.)
        var other = OperatingSystem.IsWindows() ? "kernel32.dll" : "libm.so.6";
        var before = Environment.GetEnvironmentVariable(variable);
        Environment.SetEnvironmentVariable(variable, other);
        try
        {
            // With the driver variable wrong, the driver fails first; with NVRTC's wrong, the driver may be missing
            // here (no GPU), so NvrtcVersion, which loads NVRTC alone, shows the NVRTC error.
            Action act = variable == "DENDRITIC_NVRTC_PATH" ? () => CudaCascade.NvrtcVersion() : CudaCascade.Enable;

            act.Should().Throw<CudaKernelException>().WithMessage($"{variable} names '{other}', which loads but is not {what}*it has no '{entryPoint}'*");
            CudaCascade.IsEnabled.Should().BeFalse();
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, before);
        }
    }

    [TestCase(true, true)]
    [TestCase(false, false)]
    public void TryCombine_TrainingLayer_SumsTheBiasGradientsInTheKernelWhenTheHostHasABias(bool hostBias, bool expected)
    {
        manual_seed(12);
        var layer = new DendriteLayer(nn.Linear(6, 5, hasBias: hostBias), dendrites: 2);
        Randomise(layer);
        var input = randn(4, 6);
        var (reference, referenceGrads) = Step(layer, input);
        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror);

        var (actual, actualGrads) = Step(layer, input);

        mirror.LastBackward!.Value.Problem.BiasGradients.Should().Be(expected);
        RelativeError(actual, reference).Should().BeLessThanOrEqualTo(1e-5, "the kernel's cascade against the reference path's");
        actualGrads.Keys.Should().BeEquivalentTo(referenceGrads.Keys);
        foreach (var (name, grad) in referenceGrads)
        {
            RelativeError(actualGrads[name], grad).Should().BeLessThanOrEqualTo(1e-5, name);
        }
    }

    [Test]
    public void TryCombine_OneSetOutsideACaptureWithTheOneSetRule_LeavesBiasGradientsToAutograd()
    {
        var kernel = new FusedCascadeKernel(new CascadeMirror(), FusedCascadeKernel.OneSetTrainingMinBytes);

        kernel.TakesBiasGradients(CPU, ScalarType.Float32, 1, 5, DendriteActivation.Sigmoid).Should().BeFalse("the one-set rule may decline once the output's size is known");
        kernel.TakesBiasGradients(CPU, ScalarType.Float32, 2, 5, DendriteActivation.Sigmoid).Should().BeTrue();
        kernel.TakesBiasGradients(CPU, ScalarType.Float64, 2, 5, DendriteActivation.Sigmoid).Should().BeFalse("the kernel takes float32 and bfloat16");
        kernel.TakesBiasGradients(CPU, ScalarType.Float32, CascadeProblem.MaxSets + 1, 5, DendriteActivation.Sigmoid).Should().BeFalse();
    }

    [Test]
    public void KernelSource_IsEmbeddedAndDefinesEveryEntryPoint()
    {
        var source = CudaModuleCache.KernelSource;
        foreach (var entry in new[] { "cascade_forward_rows", "cascade_forward_rows_pairs", "cascade_forward_positions", "cascade_backward_rows", "cascade_backward_rows_pairs", "cascade_backward_positions", "cascade_reduce" })
        {
            source.Should().Contain($"extern \"C\" __global__ void {entry}(");
        }
    }

    private static void Compare(string hostName, int sets, DendriteProjection projection, DendriteActivation activation, ScalarType dtype, double tolerance)
    {
        var host = Hosts.Single(h => h.Name == hostName);
        manual_seed(11 + sets);
        var layer = new DendriteLayer(host.Make(), new DendriteOptions { Projection = projection, Activation = activation }, sets);
        Randomise(layer);
        layer.to(dtype);
        var input = randn(host.Input).to(dtype);

        CascadeKernels.Current = null;
        var (expected, expectedGrads) = Step(layer, input);
        using var expectedInference = Infer(layer, input);

        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror);
        var (actual, actualGrads) = Step(layer, input);
        using var actualInference = Infer(layer, input);
        CascadeKernels.Current = null;

        mirror.Launches.Should().Be(4, "one forward and one backward (kernel plus reduction) in training, one forward in inference");
        RelativeError(actual, expected).Should().BeLessThanOrEqualTo(tolerance, "the output");
        RelativeError(actualInference, expectedInference).Should().BeLessThanOrEqualTo(tolerance, "the inference output");
        foreach (var (name, grad) in expectedGrads)
        {
            RelativeError(actualGrads[name], grad).Should().BeLessThanOrEqualTo(tolerance, $"the gradient of {name}");
        }
    }

    /// <summary>Random non-zero u and v, so that every term of the cascade counts.</summary>
    private static void Randomise(DendriteLayer layer)
    {
        using (no_grad())
        {
            foreach (var set in layer.Branch.Sets)
            {
                set.OutputScale.uniform_(-1, 1);
                set.CascadeWeights?.uniform_(-1, 1);
            }
        }
    }

    private static (Tensor Output, Dictionary<string, Tensor> Grads) Step(DendriteLayer layer, Tensor input)
    {
        layer.zero_grad();
        var x = input.detach().requires_grad_(true);
        var output = layer.call(x);
        using var upstream = linspace(-1, 1, output.numel()).reshape(output.shape).to(output.dtype);
        output.backward(new[] { upstream });
        var grads = layer.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        grads["input"] = x.grad!.clone();
        return (output.detach(), grads);
    }

    /// <summary>A training step with <paramref name="kernel"/> registered and the given upstream gradient.</summary>
    private static (Tensor Output, Dictionary<string, Tensor> Grads) StepWith(DendriteLayer layer, Tensor input, Tensor upstream, ICascadeKernel? kernel)
    {
        CascadeKernels.Current = kernel;
        layer.zero_grad();
        var x = input.detach().requires_grad_(true);
        var output = layer.call(x);
        output.backward(new[] { upstream });
        var grads = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        grads["input"] = x.grad!.clone();
        return (output.detach(), grads);
    }

    private static Tensor Infer(DendriteLayer layer, Tensor input)
    {
        using var noGrad = no_grad();
        return layer.call(input);
    }

    /// <summary>max |actual - expected| / max |expected| in float64.</summary>
    private static double RelativeError(Tensor actual, Tensor expected)
    {
        actual.shape.Should().Equal(expected.shape);
        using var a = actual.to(ScalarType.Float64);
        using var e = expected.to(ScalarType.Float64);
        var scale = Math.Max(e.abs().max().item<double>(), 1e-12);
        return (a - e).abs().max().item<double>() / scale;
    }
}
