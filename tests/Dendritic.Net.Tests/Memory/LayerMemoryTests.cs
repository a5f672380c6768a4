using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Memory;

/// <summary>
/// The per-step paths leave nothing for the finalizer: no tensor outside the output (counted with TorchSharp's
/// per-thread statistics) and no <see cref="Scalar"/> (found in the library's IL).
/// </summary>
[TestFixture]
public sealed class LayerMemoryTests
{
    [SetUp]
    public void SetUp() => manual_seed(3);

    [Test]
    public void Library_AnyMethod_CreatesNoUndisposedScalar()
    {
        var calls = ScalarConversions.In(typeof(DendriteLayer).Assembly);

        calls.Should().BeEmpty("every number passed to libtorch per step must be a cached Scalar (see CachedScalars), not an implicit conversion that only a finalizer frees");
    }

    [Test]
    public void ScalarConversions_ImplicitConversion_IsFound()
    {
        // The scan itself must see what it looks for, or the test above proves nothing.
        var calls = ScalarConversions.In(typeof(LayerMemoryTests).Assembly);

        calls.Should().Contain(c => c.Contains(nameof(ConvertsImplicitly), System.StringComparison.Ordinal) && c.Contains("op_Implicit", System.StringComparison.Ordinal));
        calls.Should().Contain(c => c.Contains(nameof(AddsWithoutAlpha), System.StringComparison.Ordinal));
    }

    [TestCase(1, true, DendriteProjection.Auto)]
    [TestCase(3, true, DendriteProjection.Auto)]
    [TestCase(1, false, DendriteProjection.Auto)]
    [TestCase(3, false, DendriteProjection.Auto)]
    [TestCase(3, true, DendriteProjection.Fused)]
    [TestCase(3, false, DendriteProjection.Fused)]
    [TestCase(3, true, DendriteProjection.FusedWithHost)]
    [TestCase(3, false, DendriteProjection.FusedWithHost)]
    public void Forward_LinearOutsideAnyScope_LeavesOnlyTheOutput(int dendrites, bool grad, DendriteProjection projection)
    {
        using var layer = new DendriteLayer(nn.Linear(6, 5), new DendriteOptions { Projection = projection }, dendrites);
        using var input = randn(4, 6);

        var added = LiveTensors.Added(() =>
        {
            using var mode = grad ? enable_grad() : no_grad();
            using var output = layer.call(input);
        });

        added.Should().Be(0);
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Forward_Conv2dOutsideAnyScope_LeavesOnlyTheOutput(int dendrites)
    {
        using var layer = new DendriteLayer(nn.Conv2d(2, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect), dendrites: dendrites);
        using var input = randn(2, 2, 5, 5);

        var added = LiveTensors.Added(() =>
        {
            using var output = layer.call(input);
        });

        added.Should().Be(0);
    }

    [TestCase(1)]
    [TestCase(3)]
    public void ForwardBackward_OutsideAnyScope_LeavesNothing(int dendrites)
    {
        using var layer = new DendriteLayer(nn.Linear(6, 5), dendrites: dendrites);
        using var input = randn(4, 6);
        layer.call(input).Dispose();

        var added = LiveTensors.Added(() =>
        {
            using var output = layer.call(input);
            using var squared = output.square();
            using var loss = squared.sum();
            loss.backward();
        });

        added.Should().Be(0);
    }

    [Test]
    public void ForwardBackward_InsideAScope_LeavesNothingAfterIt()
    {
        using var layer = new DendriteLayer(nn.Linear(6, 5), dendrites: 2);
        using var input = randn(4, 6);

        var added = LiveTensors.Added(() =>
        {
            using var scope = NewDisposeScope();
            layer.call(input).square().sum().backward();
        });

        added.Should().Be(0);
    }

    [Test]
    public void Forward_HookedLayer_AddsNoTensorToThePlainModel()
    {
        using var input = randn(3, 4);
        var model = new ConcreteFieldModel();
        var plain = LiveTensors.Added(() => model.call(input).Dispose());
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2, AllowHooks = true });

        var wrapped = LiveTensors.Added(() => model.call(input).Dispose());

        // The hook's own intermediates are freed at once. The host output it replaces stays with the caller (its dispose
        // scope, if any): other hooks may hold it, so the library cannot free it.
        wrapped.Should().Be(plain + 2);
    }

    [Test]
    public void Forward_WhileDisabledAndAfter_AddsNoTensorToThePlainModel()
    {
        using var input = randn(3, 4);
        var model = TestModels.Mlp();
        var plain = LiveTensors.Added(() => model.call(input).Dispose());
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });

        var added = Enumerable.Range(0, 3).Select(_ => LiveTensors.Added(() =>
        {
            using (handle.Disable())
            {
                model.call(input).Dispose();
            }

            model.call(input).Dispose();
        })).ToList();

        added.Should().AllBeEquivalentTo(2 * plain);
    }

    internal static Scalar ConvertsImplicitly() => 2.5;

    internal static Tensor AddsWithoutAlpha(Tensor a, Tensor b) => a.add(b);
}
