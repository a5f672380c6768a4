using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// Every use of a handle after <see cref="DendriticModel.Unwrap"/> that would act on the model fails at once, with
/// AddDendrites' exception and wording (found in a newcomer's trial: a scheduler stepped on until it grew, and a
/// checkpoint of the unwrapped model was written that still listed its layers as replaced).
/// </summary>
[TestFixture]
public sealed class UnwrappedHandleTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(5);

    [Test]
    public void Save_UnwrappedHandle_ThrowsLikeAddDendritesAndWritesNothing()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp());
        handle.Unwrap();
        var path = Temp.File("unwrapped.ckpt");

        var act = () => DendriteCheckpoint.Save(handle, path);

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Be(AddDendritesMessage(handle));
        File.Exists(path).Should().BeFalse("a checkpoint of an unwrapped model would list layers it no longer has");
    }

    [Test]
    public void DendriteParameters_AfterUnwrap_IsEmptyTheCountZeroAndTheBaseEveryParameter()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 1 });
        handle.DendriteParameters().Should().NotBeEmpty();

        handle.Unwrap();

        handle.DendriteParameters().Should().BeEmpty("Unwrap removed the dendrites");
        handle.DendriteCount.Should().Be(0);
        handle.BaseParameters().Should().HaveCount(handle.Parameters().Count);
    }

    [Test]
    public void Step_SchedulerBuiltBeforeUnwrap_ThrowsAtTheFirstStepNotAtTheFirstGrowth()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 0 });
        scheduler.Step(0.5);
        handle.Unwrap();

        var act = () => scheduler.Step(0.6);

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Be(AddDendritesMessage(handle));
        scheduler.History.Entries.Should().HaveCount(1, "the score after the unwrap was not taken");
    }

    private static IEnumerable<TestCaseData> UsesOfTheHandle()
    {
        yield return Use("GrowthScheduler constructor", (h, _, _) => _ = new GrowthScheduler(h));
        yield return Use("GrowthScheduler.Fit", (_, s, _) => s.Fit(1, d => optim.SGD(d.TrainableParameters, 0.1), (_, _) => { }, _ => 1.0));
        yield return Use("GrowthScheduler.Finish", (_, s, _) => s.Finish());
        yield return Use("GrowthScheduler.SaveCheckpoint", (_, s, folder) => s.SaveCheckpoint(Path.Combine(folder, "run.ckpt")));
        yield return Use("GrowthScheduler.ImportState", (_, s, _) => s.ImportState(s.ExportState()));
        yield return Use("DendritePruner.Prune", (h, _, _) => DendritePruner.Prune(h));
        yield return Use("Report", (h, _, _) => h.Report());
        yield return Use("Disable", (h, _, _) => h.Disable());
        yield return Use("SetDendritesTrainable", (h, _, _) => h.SetDendritesTrainable(false));
    }

    [TestCaseSource(nameof(UsesOfTheHandle))]
    public void Use_UnwrappedHandle_ThrowsLikeAddDendrites(Action<DendriticModel, GrowthScheduler, string> use)
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(0.5);
        handle.Unwrap();

        var act = () => use(handle, scheduler, Temp.Path);

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Be(AddDendritesMessage(handle));
        Directory.EnumerateFileSystemEntries(Temp.Path).Should().BeEmpty("nothing is written for an unwrapped handle");
        scheduler.History.Entries.Should().HaveCount(1);
    }

    [Test]
    public void Restore_UnwrappedHandle_ThrowsLikeAddDendritesAndLeavesTheModelAlone()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp());
        var path = Temp.File("wrapped.ckpt");
        DendriteCheckpoint.Save(handle, path);
        var model = handle.Unwrap();
        var before = model.state_dict().Keys.ToList();

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Be(AddDendritesMessage(handle));
        model.state_dict().Keys.Should().Equal(before, "no dendrite set was put back into the unwrapped model");
    }

    [Test]
    public void Finish_CompletedSchedulerAfterUnwrap_DoesNothingAsDocumented()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle);
        scheduler.Step(0.5);
        scheduler.Finish().Should().BeTrue();
        handle.Unwrap();

        scheduler.Finish().Should().BeFalse("a completed scheduler does not touch the model, so training, Finish and Unwrap in that order stay valid");
    }

    private static TestCaseData Use(string name, Action<DendriticModel, GrowthScheduler, string> use) =>
        new TestCaseData(use).SetArgDisplayNames(name);

    private static string AddDendritesMessage(DendriticModel handle)
    {
        var act = () => handle.AddDendrites();
        return act.Should().Throw<InvalidOperationException>().Which.Message;
    }
}
