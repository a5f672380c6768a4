using System;
using System.Collections.Generic;
using System.IO;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using Dendritic.Testing;
using static Dendritic.Tests.Support.Perturbation;

namespace Dendritic.Tests.Growth;

/// <summary>
/// A <see cref="GrowthScheduler.SaveCheckpoint"/> stopped at any point leaves a checkpoint that resumes. It wrote
/// <c>{path}.best</c> first, then the checkpoint: stopped between the two, the previous checkpoint sat beside a newer
/// <c>.best</c>, which Resume refused, and the previous <c>.best</c> was gone. And a failed Resume leaves no
/// half-resumed scheduler on the handle.
/// </summary>
[TestFixture]
public sealed class InterruptedCheckpointSaveTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(11);

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void SaveCheckpoint_FailsWritingTheCheckpoint_LeavesThePreviousCheckpointResumable(BestWeightsKept storage)
    {
        var options = Options(storage);
        var run = Run(options);
        run.Model.FailStateDict = true;

        var save = () => run.Scheduler.SaveCheckpoint(run.Path);

        save.Should().Throw<IOException>().WithMessage("injected*");
        File.Exists(run.Path + ".best.new").Should().BeFalse("the staged copy belongs to no checkpoint once the save failed");
        using var resumed = ResumeAndFinish(run.Path, options);
        TensorAssert.Identical(resumed, run.EarlyBest, "the previous checkpoint still has its own best weights beside it");
    }

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void SaveCheckpoint_AfterASaveStoppedBeforeItsRename_FinishesThatRenameBeforeStagingItsOwn(BestWeightsKept storage)
    {
        var options = Options(storage);
        var run = Run(options);
        SaveStoppingBeforeTheRename(run);

        // The next save to the same path stops too, this time before its checkpoint: staging its own file must not
        // have overwritten the only copy of the interrupted checkpoint's best weights.
        run.Model.FailStateDict = true;
        var save = () => run.Scheduler.SaveCheckpoint(run.Path);
        save.Should().Throw<IOException>().WithMessage("injected*");
        run.Model.FailStateDict = false;

        using var resumed = ResumeAndFinish(run.Path, options);
        TensorAssert.Identical(resumed, run.LaterBest, "the interrupted save's checkpoint still resumes with its own best weights");
    }

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Resume_SaveStoppedBeforeRenamingItsBestWeights_ResumesTheNewCheckpointReadingTheStagedFileInPlace(BestWeightsKept storage)
    {
        var options = Options(storage);
        var run = Run(options);
        var previousBest = SaveStoppingBeforeTheRename(run);

        using var resumed = ResumeAndFinish(run.Path, options);
        TensorAssert.Identical(resumed, run.LaterBest, "the new checkpoint's best weights come back");
        File.Exists(run.Path + ".best.new").Should().BeTrue("Resume only reads (ranks resuming together read the same files); the next save finishes the rename");
        File.ReadAllBytes(run.Path + ".best").Should().Equal(File.ReadAllBytes(previousBest));
    }

    [Test]
    public void Resume_StaleBestNewBesideACompletePair_TakesTheCheckpointsOwnFileAndLeavesTheOther()
    {
        var options = Options(BestWeightsKept.Memory);
        var run = Run(options);
        var stale = new byte[] { 1, 2, 3 };
        File.WriteAllBytes(run.Path + ".best.new", stale);

        using var resumed = ResumeAndFinish(run.Path, options);
        TensorAssert.Identical(resumed, run.EarlyBest, "the pair saved together comes back");
        File.ReadAllBytes(run.Path + ".best.new").Should().Equal(stale);
    }

    [Test]
    public void SaveCheckpoint_Completed_LeavesNoBestNewBehind()
    {
        var run = Run(Options(BestWeightsKept.Memory));

        run.Scheduler.SaveCheckpoint(run.Path);

        File.Exists(run.Path + ".best.new").Should().BeFalse();
        File.Exists(run.Path + ".best").Should().BeTrue();
    }

    [Test]
    public void Resume_FailsOnTheBestWeightsFile_LeavesNoSchedulerOnTheHandleAndARetryDoesNotWarn()
    {
        var options = Options(BestWeightsKept.Memory);
        var run = Run(options);
        var good = File.ReadAllBytes(run.Path + ".best");
        File.WriteAllBytes(run.Path + ".best", new byte[] { 1, 2, 3 });
        var logger = new RecordingLogger();
        var loaded = DendriteCheckpoint.Load(new Failable(), run.Path, new CheckpointLoadOptions { Logger = logger });

        var first = () => GrowthScheduler.Resume(loaded, options);

        first.Should().Throw<CheckpointMismatchException>();
        loaded.Handle.Scheduler.Should().BeNull("the half-resumed scheduler is not left registered");
        File.WriteAllBytes(run.Path + ".best", good);
        GrowthScheduler.Resume(loaded, options).Step(0.5);
        _ = new GrowthScheduler(loaded.Handle);
        logger.Entries.Should().ContainSingle(e => e.EventId == 3018, "only the scheduler built beside the resumed one is in its way");
    }

    private GrowthOptions Options(BestWeightsKept storage) => ClassicRules.Options with
    {
        Patience = 50,
        BestWeightsDirectory = storage == BestWeightsKept.Disk ? Temp.File("best") : null,
    };

    private static Tensor Input()
    {
        using var generator = new Generator(5);
        return randn(5, 3, generator: generator);
    }

    /// <summary>A best score, a save, then a better score with other weights (not saved yet).</summary>
    private RunState Run(GrowthOptions options)
    {
        var model = new Failable();
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }), options);
        using var input = Input();
        var path = Temp.File("grow.dndt");
        scheduler.Step(1.0);
        var earlyBest = model.call(input).detach();
        scheduler.SaveCheckpoint(path);
        Perturb(model);
        scheduler.Step(2.0).IsNewBest.Should().BeTrue();
        var laterBest = model.call(input).detach();
        return new RunState(model, scheduler, path, earlyBest, laterBest);
    }

    /// <summary>
    /// Saves <paramref name="run"/> again and leaves the files as a save leaves them when it stops after the checkpoint,
    /// before its last step (the rename): the new checkpoint, its file as <c>.best.new</c>, the previous <c>.best</c>.
    /// </summary>
    /// <returns>A copy of the previous save's best-weights file.</returns>
    private string SaveStoppingBeforeTheRename(RunState run)
    {
        var previousBest = Temp.File("previous.best");
        File.Copy(run.Path + ".best", previousBest);
        run.Scheduler.SaveCheckpoint(run.Path);
        File.Move(run.Path + ".best", run.Path + ".best.new");
        File.Copy(previousBest, run.Path + ".best");
        return previousBest;
    }

    /// <summary>Resumes <paramref name="path"/> into a fresh model, perturbs it and finishes.</summary>
    /// <returns>The model's output: that of the restored best weights.</returns>
    private static Tensor ResumeAndFinish(string path, GrowthOptions options)
    {
        var model = new Failable();
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(model, path), options);
        Perturb(model);
        resumed.Finish();
        using var input = Input();
        return model.call(input).detach();
    }

    private sealed record RunState(Failable Model, GrowthScheduler Scheduler, string Path, Tensor EarlyBest, Tensor LaterBest);

    /// <summary>The test's MLP, whose state_dict can be made to fail: a save that stops before its checkpoint is written.</summary>
    private sealed class Failable : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> net = TestModels.TanhMlp();

        public Failable()
            : base(nameof(Failable))
        {
            RegisterComponents();
        }

        public bool FailStateDict { get; set; }

        public override Tensor forward(Tensor input) => net.call(input);

        public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null) =>
            FailStateDict ? throw new IOException("injected: the process stops before the checkpoint is written") : base.state_dict(destination, prefix);
    }
}
