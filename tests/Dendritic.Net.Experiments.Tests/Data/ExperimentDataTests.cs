using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Experiments.Tests.Data;

[TestFixture]
public sealed class ExperimentDataTests
{
    [Test]
    public void To_EverySplitAlreadyThere_ReturnsTheSameData()
    {
        var data = new ExperimentData("tiny", Split(CPU), Split(CPU), Split(CPU));

        data.To(CPU).Should().BeSameAs(data);
    }

    [Test]
    public void To_TrainingSplitAlreadyThere_MovesTheOtherSplits()
    {
        // The meta device (shapes only, no storage) stands in for a GPU on a machine without one.
        var meta = new Device(DeviceType.META);
        var data = new ExperimentData("tiny", Split(meta), Split(CPU), Split(CPU));

        var moved = data.To(meta);

        moved.Should().NotBeSameAs(data);
        moved.Train.Should().BeSameAs(data.Train);
        moved.Validation.Inputs.device.type.Should().Be(DeviceType.META);
        moved.Test.Targets.device.type.Should().Be(DeviceType.META);
    }

    private static DataSplit Split(Device device) => new(zeros(4, 3, device: device), zeros(4, dtype: int64, device: device));
}
