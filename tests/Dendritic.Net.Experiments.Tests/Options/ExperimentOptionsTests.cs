using System.Collections.Generic;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Options;

[TestFixture]
public sealed class ExperimentOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = ExperimentOptions.Default.Validate();

        options.Seeds.Should().Equal(1, 2, 3);
        options.Width.Should().Be(8);
        options.Arms.Should().Equal(ArmKind.Baseline, ArmKind.Dendritic, ArmKind.CapacityMatched, ArmKind.TrainAsLong);
        options.Device.Should().Be("cpu");
        options.LatencyBatchSize.Should().Be(256);
        options.LatencyRepeats.Should().Be(20);
        options.GridIntensityGramsPerKwh.Should().BeNull();
        options.MetricName.Should().Be("accuracy");
        options.Logger.Should().BeSameAs(NullLogger.Instance);
        options.Recipe.Should().BeSameAs(TrainingRecipe.Default);
        options.Should().Be(new ExperimentOptions());
    }

    [Test]
    public void TrainingRecipeDefault_IsValidAndMatchesDocumentedValues()
    {
        TrainingRecipe.Default.Validate().Should().Be(new TrainingRecipe { Epochs = 10, BatchSize = 64, LearningRate = 1e-3, WeightDecay = 0, EvaluationBatchSize = 1024 });
    }

    [Test]
    public void Validate_BadValuesHereAndInTheRecipe_ReportsEveryOneAtOnce()
    {
        var options = new ExperimentOptions
        {
            Seeds = new[] { 1, 1 },
            Width = 0,
            LatencyRepeats = 0,
            GridIntensityGramsPerKwh = double.NaN,
            Recipe = new TrainingRecipe { Epochs = 0, LearningRate = double.NaN },
        };

        var act = () => options.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(
            "Seeds", "Width", "Recipe.Epochs", "Recipe.LearningRate", "LatencyRepeats", "GridIntensityGramsPerKwh");
    }

    [TestCase(-1.0)]
    [TestCase(10_001.0)]
    [TestCase(1e300)]
    [TestCase(double.PositiveInfinity)]
    public void Validate_GridIntensityOutsideItsRange_IsRefusedBeforeAnyRun(double intensity)
    {
        // 1e300 is finite, but a run's joules times it overflows: the CO2 figure would be infinite and the report,
        // written at the end of the run, could not hold it.
        var act = () => new ExperimentOptions { GridIntensityGramsPerKwh = intensity }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("GridIntensityGramsPerKwh");
    }

    // The upper bound is a property, not a constant (a constant is compiled into its callers), so not an attribute argument.
    private static readonly double[] GridIntensityBounds = { 0.0, ExperimentOptions.MaxGridIntensityGramsPerKwh };

    [TestCaseSource(nameof(GridIntensityBounds))]
    public void Validate_GridIntensityAtItsBounds_IsAccepted(double intensity)
    {
        var act = () => new ExperimentOptions { GridIntensityGramsPerKwh = intensity }.Validate();

        act.Should().NotThrow();
    }

    [Test]
    public void Validate_TrainingRecipeAlone_ReportsEveryBadValueWithDefaults()
    {
        var act = () => new TrainingRecipe { Epochs = 0, BatchSize = 0, LearningRate = 0, WeightDecay = -1, EvaluationBatchSize = 0 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Epochs", "BatchSize", "LearningRate", "WeightDecay", "EvaluationBatchSize");
        thrown.Message.Should().Contain("(default 10)").And.Contain("(default 64)").And.Contain("(default 0.001)").And.Contain("(default 1024)");
    }

    [TestCase("gpu")]
    [TestCase("cuda:")]
    [TestCase("cuda:x")]
    [TestCase("cuda:-1")]
    [TestCase(" ")]
    public void Validate_UnknownDevice_ReportsDeviceWithTheNamesItTakes(string device)
    {
        var act = () => new ExperimentOptions { Device = device }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Device");
        thrown.Message.Should().Contain("must be \"cpu\", \"cuda\" or \"cuda:N\"");
    }

    [TestCase("cpu")]
    [TestCase("CUDA")]
    [TestCase("cuda:1")]
    public void Validate_KnownDevice_Passes(string device) =>
        new ExperimentOptions { Device = device }.Invoking(o => o.Validate()).Should().NotThrow();

    [Test]
    public void Validate_MaxWidthBelowOne_ReportsMaxWidthNotWidth()
    {
        var act = () => new ExperimentOptions { MaxWidth = 0 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("MaxWidth");
        thrown.Message.Should().Contain("MaxWidth = 0: must be at least 1 (default 65536)");
    }

    [Test]
    public void Validate_WidthAboveMaxWidth_ReportsWidth()
    {
        var act = () => new ExperimentOptions { Width = 9, MaxWidth = 8 }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Width");
    }

    [Test]
    public void Validate_OwnMetricUnderTheDefaultName_ReportsMetricName()
    {
        // Reported as "Test accuracy (%)", multiplied by 100, its differences in pp: an R² of 0.66 read "65.96 %".
        var act = () => new ExperimentOptions { Metric = (outputs, targets) => 0.5 }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("MetricName");
    }

    [Test]
    public void Validate_OwnMetricWithItsOwnName_IsValid()
    {
        var act = () => new ExperimentOptions { Metric = (outputs, targets) => 0.5, MetricName = "R²" }.Validate();

        act.Should().NotThrow();
    }

    [Test]
    public void SeedsAndArms_ListsClearedAfterValidation_KeepTheValuesTheOptionsWereBuiltWith()
    {
        // Validated once, read when the runner starts: the options keep copies, so the caller's lists are theirs.
        var seeds = new List<int> { 4, 5 };
        var arms = new List<ArmKind> { ArmKind.Baseline, ArmKind.Dendritic };
        var options = new ExperimentOptions { Seeds = seeds, Arms = arms }.Validate();
        seeds.Clear();
        arms.Clear();

        options.Seeds.Should().Equal(4, 5);
        options.Arms.Should().Equal(ArmKind.Baseline, ArmKind.Dendritic);
        options.Seeds.Should().NotBeAssignableTo<ICollection<int>>("a cast must not reach a writable list");
        options.Should().Be(options with { Seeds = [4, 5], Arms = new[] { ArmKind.Baseline, ArmKind.Dendritic } }, "the copies compare by their elements");
        new ExperimentOptions().Should().Be(new ExperimentOptions(), "the defaults are equal too");
    }
}
