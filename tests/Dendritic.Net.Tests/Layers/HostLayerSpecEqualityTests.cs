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
