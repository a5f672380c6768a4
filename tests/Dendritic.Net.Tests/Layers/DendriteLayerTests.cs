using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Layers;

[TestFixture]
public sealed class DendriteLayerTests
{
    [SetUp]
    public void Seed() => manual_seed(1234);

    public static IEnumerable<TestCaseData> Hosts()
    {
        yield return new TestCaseData("Linear", (Func<nn.Module>)(() => nn.Linear(6, 5)), new long[] { 4, 6 }).SetName("Linear");
        yield return new TestCaseData("LinearNoBias", (Func<nn.Module>)(() => nn.Linear(6, 5, hasBias: false)), new long[] { 4, 6 }).SetName("LinearNoBias");
        yield return new TestCaseData("LinearSequence", (Func<nn.Module>)(() => nn.Linear(6, 5)), new long[] { 2, 3, 6 }).SetName("LinearSequence");
        yield return new TestCaseData("Conv1d", (Func<nn.Module>)(() => nn.Conv1d(4, 6, 3, stride: 2, padding: 1, dilation: 2)), new long[] { 2, 4, 11 }).SetName("Conv1d");
        yield return new TestCaseData("Conv2dGroups", (Func<nn.Module>)(() => nn.Conv2d(4, 6, 3, padding: 1, groups: 2)), new long[] { 2, 4, 7, 7 }).SetName("Conv2dGroups");
        yield return new TestCaseData("Conv2dStride", (Func<nn.Module>)(() => nn.Conv2d(3, 4, (3, 2), stride: (2, 1), padding: (1, 0), bias: false)), new long[] { 2, 3, 8, 6 }).SetName("Conv2dStrideNoBias");
        yield return new TestCaseData("Conv2dReflect", (Func<nn.Module>)(() => nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect)), new long[] { 2, 3, 6, 6 }).SetName("Conv2dReflect");
        yield return new TestCaseData("Conv3d", (Func<nn.Module>)(() => nn.Conv3d(2, 4, 3, padding: 1)), new long[] { 2, 2, 4, 5, 5 }).SetName("Conv3d");
        yield return new TestCaseData("Conv2dSame", (Func<nn.Module>)(() => nn.Conv2d(3, 4, 3, padding: Padding.Same)), new long[] { 2, 3, 6, 6 }).SetName("Conv2dSame");
        yield return new TestCaseData("Conv1dSameReflectDilated", (Func<nn.Module>)(() => nn.Conv1d(3, 4, 3, padding: Padding.Same, dilation: 2, padding_mode: PaddingModes.Reflect)), new long[] { 2, 3, 9 }).SetName("Conv1dSameReflectDilated");
        yield return new TestCaseData("Conv2dCircularGroupsStride", (Func<nn.Module>)(() => nn.Conv2d(4, 4, (3, 3), stride: (2L, 1L), padding: (2L, 1L), padding_mode: PaddingModes.Circular, groups: 2)), new long[] { 2, 4, 6, 7 }).SetName("Conv2dCircularGroupsStride");
        yield return new TestCaseData("Conv3dReplicate", (Func<nn.Module>)(() => nn.Conv3d(2, 4, 3, padding: 1, padding_mode: PaddingModes.Replicate)), new long[] { 2, 2, 4, 5, 5 }).SetName("Conv3dReplicate");
        yield return new TestCaseData("Conv2dUnbatched", (Func<nn.Module>)(() => nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect)), new long[] { 3, 6, 6 }).SetName("Conv2dUnbatched");
        yield return new TestCaseData("Linear4dNoBias", (Func<nn.Module>)(() => nn.Linear(6, 5, hasBias: false)), new long[] { 2, 3, 4, 6 }).SetName("Linear4dNoBias");
    }

    [TestCaseSource(nameof(Hosts))]
    public void Forward_NoDendrites_EqualsHostExactly(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        var host = (nn.Module<Tensor, Tensor>)makeHost();
        using var input = randn(inputShape);
        using var expected = host.call(input);
        var layer = new DendriteLayer(host);

        using var actual = layer.call(input);

        TensorAssert.Identical(actual, expected, name);
    }

    [TestCaseSource(nameof(Hosts))]
    public void AddDendrites_FirstSets_LeaveOutputBitwiseIdentical(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        var layer = new DendriteLayer(makeHost());
        using var input = randn(inputShape);
        using var before = layer.call(input);

        layer.AddDendrites(2);
        using var after = layer.call(input);

        TensorAssert.Identical(after, before, name);
    }

    [TestCaseSource(nameof(Hosts))]
    public void AddDendrites_ToTrainedSets_LeavesOutputUnchanged(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        var layer = new DendriteLayer(makeHost(), dendrites: 2);
        ReferenceDendrites.Randomise(layer, 7);
        using var input = randn(inputShape);
        using var before = layer.call(input);

        layer.AddDendrites(3);
        using var after = layer.call(input);

        layer.DendriteCount.Should().Be(5);
        // New sets add exactly zero; the earlier sets' fused call may round differently in the last bit once it is wider.
        TensorAssert.Close(after, before, 1e-6, name);
    }

    [TestCaseSource(nameof(Hosts))]
    public void Forward_EachProjectionAndActivation_MatchesReferenceForwardAndGradients(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        foreach (var projection in Enum.GetValues<DendriteProjection>())
        {
            foreach (var activation in Enum.GetValues<DendriteActivation>())
            {
                var label = $"{name}, {projection}, {activation}";
                var layer = new DendriteLayer(makeHost(), new DendriteOptions { Projection = projection, Activation = activation }, dendrites: 3);
                ReferenceDendrites.Randomise(layer, 11);
                using var input = randn(inputShape).requires_grad_(true);
                var parameters = layer.parameters().Select(p => (Tensor)p).Append(input).ToList();

                // The separate path runs the cascade in place under autograd: its gradients, the input's included,
                // must be those of the plain out-of-place formulation.
                var actual = layer.call(input);
                var actualGrads = Gradients(actual, parameters);
                var reference = ReferenceDendrites.Forward(layer, input);
                var referenceGrads = Gradients(reference, parameters);

                // float32 sums over many positions: compare relative to the magnitude (gradients reach the hundreds here).
                TensorAssert.CloseRelative(actual, reference, 1e-5, label);
                for (var i = 0; i < parameters.Count; i++)
                {
                    TensorAssert.CloseRelative(actualGrads[i], referenceGrads[i], 1e-5, $"{label}: gradient of parameter {i}");
                }
            }
        }
    }

    [TestCaseSource(nameof(Hosts))]
    public void Forward_SeparateAndFusedProjections_AgreeToRounding(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        using var input = randn(inputShape);
        foreach (var count in new[] { 1, 2, 4 })
        {
            var layer = new DendriteLayer(makeHost(), dendrites: count);
            ReferenceDendrites.Randomise(layer, 13);
            using var scope = NewDisposeScope();
            var separate = layer.Branch.PreActivations(input, DendriteProjection.Separate);
            var fused = layer.Branch.PreActivations(input, DendriteProjection.Fused);

            separate.Should().HaveCount(count);
            for (var k = 0; k < count; k++)
            {
                separate[k].is_contiguous().Should().BeTrue($"{name}: set {k} of {count} is a fresh tensor the cascade may overwrite");
                TensorAssert.CloseRelative(separate[k], fused[k], 1e-6, $"{name}: set {k} of {count}");
            }
        }
    }

    [Test]
    public void Projection_Auto_IsSeparateOnCpuAndInLinearInferenceAndFusedElsewhere()
    {
        var cuda = new Device(DeviceType.CUDA, 0);
        HostProjection.Resolve(DendriteProjection.Auto, CPU, 4, HostKind.Conv2d, inference: false).Should().Be(DendriteProjection.Separate);
        HostProjection.Resolve(DendriteProjection.Auto, cuda, 4, HostKind.Linear, inference: false).Should().Be(DendriteProjection.Fused);
        HostProjection.Resolve(DendriteProjection.Auto, cuda, 4, HostKind.Conv2d, inference: true).Should().Be(DendriteProjection.Fused);
        HostProjection.Resolve(DendriteProjection.Auto, cuda, 4, HostKind.Linear, inference: true).Should().Be(DendriteProjection.Separate, "the fused call would copy every set's weights on each call");
        HostProjection.Resolve(DendriteProjection.Fused, cuda, 4, HostKind.Linear, inference: true).Should().Be(DendriteProjection.Fused, "asked for");
        HostProjection.Resolve(DendriteProjection.Fused, CPU, 4, HostKind.Linear, inference: false).Should().Be(DendriteProjection.Fused);
        HostProjection.Resolve(DendriteProjection.Fused, CPU, 1, HostKind.Linear, inference: false).Should().Be(DendriteProjection.Separate, "one set needs no concatenation");
        HostProjection.Resolve(DendriteProjection.FusedWithHost, CPU, 1, HostKind.Linear, inference: false).Should().Be(DendriteProjection.FusedWithHost, "the host joins even one set");
    }

    [TestCaseSource(nameof(Hosts))]
    public void Enabled_False_WithHostFusedProjection_GivesHostOutputExactly(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        var host = (nn.Module<Tensor, Tensor>)makeHost();
        using var input = randn(inputShape);
        using var hostOutput = host.call(input);
        var layer = new DendriteLayer(host, new DendriteOptions { Projection = DendriteProjection.FusedWithHost }, dendrites: 2);
        ReferenceDendrites.Randomise(layer, 5);

        layer.Enabled = false;
        using var off = layer.call(input);
        layer.Enabled = true;
        using var on = layer.call(input);

        // Off runs the host alone, bit for bit; on, the host's share of the wider product agrees to rounding only.
        TensorAssert.Identical(off, hostOutput, name);
        TensorAssert.CloseRelative(on, ReferenceDendrites.Forward(layer, input), 1e-5, name);
    }

    [Test]
    public void Forward_HookedLayerInTraining_LeavesTheHostOutputOtherHooksSawUnchanged()
    {
        var model = new ConcreteFieldModel();
        using var input = randn(3, 4);
        Tensor? seen = null;
        model.First.register_forward_hook((_, _, output) =>
        {
            seen = output;
            return output;
        });
        using var expected = nn.functional.linear(input, model.First.weight!, model.First.bias);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);
        using (no_grad())
        {
            foreach (var parameter in handle.DendriteParameters())
            {
                parameter.copy_(randn_like(parameter)); // non-zero u and v: the dendrites change the output
            }
        }

        model.call(input).sum().backward();

        // The in-place training cascade works on a copy: an earlier hook may have kept (and built on) the host output.
        TensorAssert.Identical(seen!.detach(), expected.detach());
    }

    [Test]
    public void Forward_HookedLayerWithHostFusedProjection_FallsBackToFusedSets()
    {
        var model = new ConcreteFieldModel();
        using var input = randn(3, 4);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2, Dendrite = new DendriteOptions { Projection = DendriteProjection.FusedWithHost } });
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);

        using var hooked = model.call(input);

        hooked.shape.Should().Equal(3, 2);
        hooked.isnan().any().item<bool>().Should().BeFalse();
        hooked.sum().backward();
        handle.DendriteParameters().Should().OnlyContain(p => !ReferenceEquals(p.grad, null), "every set takes part in the hooked forward");
    }

    [Test]
    public void DendriteOptions_UnknownProjection_ThrowsNamingTheOption()
    {
        var act = () => new DendriteLayer(nn.Linear(2, 2), new DendriteOptions { Projection = (DendriteProjection)7 });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Projection");
    }

    [TestCaseSource(nameof(Hosts))]
    public void Backward_DoubleInputs_PassesNumericalGradientCheck(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        var layer = new DendriteLayer(makeHost(), dendrites: 2);
        layer.to(float64);
        ReferenceDendrites.Randomise(layer, 3);
        using var input = randn(inputShape, dtype: float64);
        using var probe = randn_like(layer.call(input));
        var parameters = layer.parameters().Select(p => (Tensor)p).ToList();
        var output = (layer.call(input) * probe).sum();
        var analytic = torch.autograd.grad(new[] { output }, parameters).ToList();

        const double step = 1e-6;
        using (no_grad())
        {
            for (var p = 0; p < parameters.Count; p++)
            {
                var flat = parameters[p].view(-1);
                var gradient = analytic[p].reshape(-1);
                // Central differences on a few entries of each parameter keep the test fast.
                foreach (var index in new long[] { 0, flat.shape[0] / 2, flat.shape[0] - 1 })
                {
                    var original = flat[index].item<double>();
                    flat[index] = original + step;
                    var plus = (layer.call(input) * probe).sum().item<double>();
                    flat[index] = original - step;
                    var minus = (layer.call(input) * probe).sum().item<double>();
                    flat[index] = original;
                    var numeric = (plus - minus) / (2 * step);
                    gradient[index].item<double>().Should().BeApproximately(numeric, 1e-6 + 1e-5 * Math.Abs(numeric), $"{name}: parameter {p}, entry {index}");
                }
            }
        }
    }

    [TestCaseSource(nameof(Hosts))]
    public void Forward_WithoutGrad_InPlaceCascadeComputesTheSameNumbers(string name, Func<nn.Module> makeHost, long[] inputShape)
    {
        foreach (var activation in Enum.GetValues<DendriteActivation>())
        {
            var layer = new DendriteLayer(makeHost(), new DendriteOptions { Activation = activation }, dendrites: 3);
            ReferenceDendrites.Randomise(layer, 5);
            using var input = randn(inputShape);
            using var withGrad = layer.call(input);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var host = HostProjection.Single(layer.Spec, input, layer.Weight, layer.Bias);
            var pre = layer.Branch.PreActivations(input);

            var outOfPlace = layer.Branch.Combine(host.clone(), pre.Select(p => p.clone()).ToArray());
            var inPlace = layer.Branch.CombineInPlace(host.clone(), pre.Select(p => p.clone()).ToArray());
            var viaForward = layer.call(input);

            // Inference overwrites its own buffers instead of allocating; the arithmetic, and so every bit, is the same.
            TensorAssert.Identical(inPlace, outOfPlace, $"{name}, {activation}");
            // Convolutions may pick other kernels without autograd, so the whole layer is compared to rounding only.
            TensorAssert.CloseRelative(viaForward, withGrad.detach(), 1e-6, $"{name}, {activation}");
        }
    }

    [Test]
    public void Enabled_False_GivesHostOutputWithSameWeights()
    {
        var host = nn.Linear(4, 3);
        using var input = randn(5, 4);
        using var hostOutput = host.call(input);
        var layer = new DendriteLayer(host, dendrites: 2);
        ReferenceDendrites.Randomise(layer, 5);

        using var on = layer.call(input);
        layer.Enabled = false;
        using var off = layer.call(input);
        layer.Enabled = true;
        using var onAgain = layer.call(input);

        TensorAssert.Identical(off, hostOutput);
        TensorAssert.MaxAbs(on - off).Should().BeGreaterThan(1e-4);
        TensorAssert.Identical(onAgain, on);
    }

    [Test]
    public void StateDict_Keys_KeepHostNamesAndPrefixDendrites()
    {
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);

        var keys = layer.state_dict().Keys.ToList();

        keys.Should().Equal("weight", "bias", "dendrites.0.weight", "dendrites.0.bias", "dendrites.0.u", "dendrites.1.weight", "dendrites.1.bias", "dendrites.1.u", "dendrites.1.v");
        layer.Branch.Sets[1].CascadeWeights!.shape.Should().Equal(1, 3);
    }

    [Test]
    public void To_Float64ThenAddDendrites_NewSetsFollowTheHostDtype()
    {
        var layer = new DendriteLayer(nn.Conv2d(2, 3, 3), dendrites: 1);

        layer.to(float64);
        var added = layer.AddDendrites();

        layer.Weight.dtype.Should().Be(float64);
        layer.Branch.Sets[0].Weight.dtype.Should().Be(float64);
        layer.Branch.Sets[1].Weight.dtype.Should().Be(float64);
        added.Should().OnlyContain(p => p.dtype == float64);
        using var output = layer.call(randn(1, 2, 5, 5, dtype: float64));
        output.dtype.Should().Be(float64);
    }

    [TestCase(ScalarType.BFloat16)]
    [TestCase(ScalarType.Float16)]
    public void Forward_HalfPrecision_RunsAndStaysClose(ScalarType dtype)
    {
        var layer = new DendriteLayer(nn.Linear(8, 4), dendrites: 2);
        ReferenceDendrites.Randomise(layer, 9);
        using var input = randn(3, 8);
        using var full = layer.call(input);

        layer.to(dtype);
        using var half = layer.call(input.to(dtype));

        half.dtype.Should().Be(dtype);
        TensorAssert.Close(half, full, 0.1);
    }

    [Test]
    public void DetachHost_AfterTraining_HostHasTrainedWeights()
    {
        var host = nn.Linear(3, 2);
        var layer = new DendriteLayer(host, dendrites: 1);
        using (no_grad())
        {
            layer.Weight.add_(1.0);
        }

        var detached = (TorchSharp.Modules.Linear)layer.DetachHost();

        detached.Should().BeSameAs(host);
        TensorAssert.Identical(detached.weight!, layer.Weight);
    }

    [Test]
    public void Constructor_UnsupportedHost_ThrowsNamingTheType()
    {
        var act = () => new DendriteLayer(nn.ReLU());

        act.Should().Throw<UnsupportedHostException>().WithMessage("*ReLU*Linear, Conv1d, Conv2d, Conv3d*");
    }

    [Test]
    public void RemoveAt_MovedSetWithFrozenInputs_KeepsEachParameterTrainability()
    {
        // Cascade-correlation freezes a trained set's weights and leaves its u to train; pruning an earlier set rebuilds
        // the later ones, which must keep that split rather than freeze the whole set.
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 3);
        var third = layer.Branch.Sets[2];
        third.Frozen = true;
        third.OutputScale.requires_grad = true;

        layer.Branch.RemoveAt(new[] { 0 });

        var moved = layer.Branch.Sets[1];
        moved.Weight.requires_grad.Should().BeFalse();
        moved.Bias!.requires_grad.Should().BeFalse();
        moved.CascadeWeights!.requires_grad.Should().BeFalse();
        moved.OutputScale.requires_grad.Should().BeTrue("u was trainable before the set moved");
        layer.Branch.Sets[0].Frozen.Should().BeFalse();
    }

    [Test]
    public void AddDendrites_ZeroCount_Throws()
    {
        var layer = new DendriteLayer(nn.Linear(2, 2));

        var act = () => layer.AddDendrites(0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("count");
    }

    private static List<Tensor> Gradients(Tensor output, IList<Tensor> parameters)
    {
        using var probe = ones_like(output);
        return torch.autograd.grad(new[] { (output * probe.cumsum(-1)).sum() }, parameters).ToList();
    }
}
