using System.Collections.Generic;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Internals;

[TestFixture]
public sealed class ValueListTests
{
    [Test]
    public void CopyOf_CallerChangesTheirList_CopyKeepsTheElementsItWasGiven()
    {
        var list = new List<int> { 1, 2, 3 };

        var copy = ValueList<int>.CopyOf(list);
        list.Clear();

        copy.Should().Equal(1, 2, 3);
        copy.Count.Should().Be(3);
        copy[2].Should().Be(3);
    }

    [Test]
    public void CopyOf_ACopy_ReturnsItAndNullForNull()
    {
        var copy = ValueList<int>.CopyOf([1]);

        ValueList<int>.CopyOf(copy).Should().BeSameAs(copy);
        ValueList<int>.CopyOf(null).Should().BeNull();
    }

    [Test]
    public void Equals_SameElementsInOrder_EqualWithEqualHashCodes()
    {
        var a = ValueList<string?>.CopyOf(["x", null]);
        var b = ValueList<string?>.CopyOf(new List<string?> { "x", null });

        a.Equals(b).Should().BeTrue();
        a.GetHashCode().Should().Be(b.GetHashCode());
        a.Equals(ValueList<string?>.CopyOf([null, "x"])).Should().BeFalse("order counts");
        a.Equals(ValueList<string?>.CopyOf(["x"])).Should().BeFalse();
        a.Equals(new List<string?> { "x", null }).Should().BeFalse("only another copy compares by elements, so equality stays symmetric");
        ValueList<string?>.Empty.Equals(ValueList<string?>.CopyOf([])).Should().BeTrue();
    }

    [Test]
    public void ToString_ListsTheElementsInvariantly()
    {
        ValueList<double>.CopyOf([1e-3, 0.5]).ToString().Should().Be("[0.001, 0.5]");
    }
}
