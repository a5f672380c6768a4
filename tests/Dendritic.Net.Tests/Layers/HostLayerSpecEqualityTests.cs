using System.Collections.Generic;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Layers;

/// <summary>
/// <see cref="HostLayerSpec"/>'s one equality: its lists compare by their elements, so two specs read from the same
/// layer are equal (a record's generated equality compared the list objects and called them different).
/// </summary>
[TestFixture]
public sealed class HostLayerSpecEqualityTests
{
    [Test]
    public void Equals_TwoSpecsReadFromTheSameConv_AreEqualWithEqualHashes()
    {
        using var conv = nn.Conv2d(3, 8, 3, stride: 2, padding: 1);

        var first = HostLayerSpec.From(conv);
        var second = HostLayerSpec.From(conv);

        first.KernelSize.Should().NotBeSameAs(second.KernelSize, "each read builds its own lists");
        (first == second).Should().BeTrue();
        first.Equals(second).Should().BeTrue();
        first.Equals((object)second).Should().BeTrue();
        first.GetHashCode().Should().Be(second.GetHashCode());
    }

    [Test]
    public void Equals_SpecsDifferingInOneListElement_AreNotEqual()
    {
        using var conv = nn.Conv2d(3, 8, 3, stride: 2, padding: 1);
        var spec = HostLayerSpec.From(conv);

        var other = spec with { Stride = new long[] { 2, 1 } };

        (spec == other).Should().BeFalse();
        (spec != other).Should().BeTrue();
    }

    [Test]
    public void Equals_Null_IsFalse()
    {
        using var linear = nn.Linear(4, 2);
        var spec = HostLayerSpec.From(linear);

        spec.Equals(null).Should().BeFalse();
        (spec == null).Should().BeFalse();
    }

    [Test]
    public void GetHashCode_EqualSpecs_FindEachOtherInAHashSet()
    {
        using var linear = nn.Linear(4, 2);
        var set = new HashSet<HostLayerSpec> { HostLayerSpec.From(linear) };

        set.Should().Contain(HostLayerSpec.From(linear));
    }

    [Test]
    public void KernelSize_CallersArrayChangedAfterInit_LeavesTheSpecAndItsHashAlone()
    {
        // The lists are copied when set: a spec in a HashSet must not change its hash under the set's feet.
        var kernel = new long[] { 3, 3 };
        var spec = new HostLayerSpec { Kind = HostKind.Conv2d, InFeatures = 3, OutFeatures = 8, HasBias = true, KernelSize = kernel, Stride = new long[] { 1, 1 }, Padding = new long[] { 1, 1 }, Dilation = new long[] { 1, 1 } };
        var same = spec with { KernelSize = new long[] { 3, 3 } };
        var set = new HashSet<HostLayerSpec> { spec };
        var hash = spec.GetHashCode();

        kernel[0] = 5;

        spec.KernelSize.Should().Equal(3L, 3L);
        spec.GetHashCode().Should().Be(hash);
        set.Should().Contain(same);
        (spec == same).Should().BeTrue();
    }

    [Test]
    public void Stride_SetToNull_ThrowsArgumentNullException()
    {
        var act = () => new HostLayerSpec { Kind = HostKind.Linear, InFeatures = 4, OutFeatures = 2, HasBias = true, Stride = null! };

        act.Should().Throw<System.ArgumentNullException>().WithParameterName("Stride");
    }

    [Test]
    public void WeightShape_GroupedConv_IsOutThenInPerGroupThenKernel()
    {
        using var conv = nn.Conv2d(4, 6, 3, groups: 2);

        HostLayerSpec.From(conv).WeightShape.Should().Equal(6L, 2L, 3L, 3L);
    }

    [Test]
    public void WeightShape_ChangedByTheCaller_LeavesTheSpecAlone()
    {
        using var linear = nn.Linear(4, 2);
        var spec = HostLayerSpec.From(linear);

        // Each read is a new list, so a caller that casts it and writes to it cannot change the layer's shape.
        if (spec.WeightShape is long[] shape)
        {
            shape[0] = 99;
        }

        spec.WeightShape.Should().Equal(2L, 4L);
    }
}
