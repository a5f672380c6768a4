using System;
using System.Collections.Generic;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Options;

/// <summary>
/// <see cref="InvalidOptionsException"/>'s public constructor for options of the caller's own: the same message,
/// <see cref="InvalidOptionsException.Problems"/> and <see cref="InvalidOptionsException.OptionNames"/> as the library's
/// records give.
/// </summary>
[TestFixture]
public sealed class InvalidOptionsExceptionTests
{
    [Test]
    public void Constructor_OwnOptions_ReportsLikeTheLibrarysRecords()
    {
        var problems = new List<InvalidOption> { new("Seeds", 0, "must be at least 1 (default 10)"), new("Name", null, "must be set (default \"run\")") };

        var thrown = new InvalidOptionsException("MyOptions", problems);
        problems.Clear();

        thrown.OptionsType.Should().Be("MyOptions");
        thrown.OptionNames.Should().Equal("Seeds", "Name");
        thrown.Problems.Should().HaveCount(2, "the list is copied");
        thrown.Message.Should().Be("MyOptions has 2 invalid values: Seeds = 0: must be at least 1 (default 10); Name = null: must be set (default \"run\").");
    }

    [Test]
    public void Constructor_SameProblemsAsALibraryRecord_GivesTheSameMessage()
    {
        var library = FluentActions.Invoking(() => new DendriteOptions { InitScale = -1 }.Validate()).Should().Throw<InvalidOptionsException>().Which;

        new InvalidOptionsException(library.OptionsType, library.Problems).Message.Should().Be(library.Message);
    }

    [Test]
    public void Constructor_NoProblemOrNulls_Throws()
    {
        FluentActions.Invoking(() => new InvalidOptionsException("MyOptions", Array.Empty<InvalidOption>())).Should().Throw<ArgumentException>().WithParameterName("problems");
        FluentActions.Invoking(() => new InvalidOptionsException("MyOptions", (IReadOnlyList<InvalidOption>)null!)).Should().Throw<ArgumentNullException>().WithParameterName("problems");
        FluentActions.Invoking(() => new InvalidOptionsException("MyOptions", new InvalidOption[] { null! })).Should().Throw<ArgumentNullException>().WithParameterName("problems");
        FluentActions.Invoking(() => new InvalidOptionsException(string.Empty, new[] { new InvalidOption("Seeds", 0, "rule") })).Should().Throw<ArgumentException>().WithParameterName("optionsType");
    }
}
