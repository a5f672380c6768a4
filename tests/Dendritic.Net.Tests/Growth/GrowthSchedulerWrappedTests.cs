using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using Dendritic.Testing;
using static Dendritic.Tests.Support.Perturbation;

namespace Dendritic.Tests.Growth;

/// <summary>The scheduler on models wrapped by <see cref="Dendrites.Wrap"/>, checkpoints included.</summary>
[TestFixture]
public sealed class GrowthSchedulerWrappedTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(42);

    private static DendriticModel Wrap(nn.Module model, bool hooks = false) =>
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, AllowHooks = hooks });

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Step_GrowthThenRevert_RestoresTheWeightsOfTheBestScore(BestWeightsKept storage)
    {
        var model = TestModels.TanhMlp();
        var handle = Wrap(model);
        var options = ClassicRules.Options with { Patience = 0, MaxRetries = 0, BestWeightsDirectory = storage == BestWeightsKept.Disk ? Path.Combine(Folder, "best") : null };
        var scheduler = new GrowthScheduler(handle, options);
        using var input = randn(5, 3);
        scheduler.Step(1.0);
        using var atBest = model.call(input).detach();

        Perturb(model);
        var grown = scheduler.Step(0.5);
        using var afterGrowth = model.call(input).detach();
        Perturb(model);
        var done = scheduler.Step(0.4);
        using var afterRevert = model.call(input).detach();

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.DendriteCount.Should().Be(1);
        handle.Layers.Should().AllSatisfy(l => l.DendriteCount.Should().Be(0));
        TensorAssert.Close(afterGrowth, atBest, 1e-6);
        done.Reason.Should().Be(GrowthReason.RetriesExhausted);
        TensorAssert.Identical(afterRevert, atBest, "the revert restores the best weights exactly");
    }

    [Test]
    public void Constructor_OneWrappedLayer_GrowsOnlyThatLayer()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Targets = LayerSelector.Where((p, _) => p == "fc1", "fc1") });

        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 0 });

        scheduler.Step(1);
        var grown = scheduler.Step(1);

        grown.DendriteCount.Should().Be(1);
        handle.Layers.Should().ContainSingle().Which.DendriteCount.Should().Be(1);
    }

    [Test]
    public void CascadeCorrelation_CandidateLossesThrow_LeavesTheModelAsBeforeGrowth()
    {
        var model = TestModels.TanhMlp();
        var handle = Wrap(model);
        using var x = randn(16, 3);
        using var before = model.call(x);
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with
        {
            Patience = 0,
            Training = DendriteTrainingMode.CascadeCorrelation,
            CandidateLosses = () => throw new InvalidOperationException("data loader failed"),
        });
        scheduler.Step(1);

        var act = () => scheduler.Step(1);

        act.Should().Throw<InvalidOperationException>().WithMessage("data loader failed");
        handle.DendriteCount.Should().Be(0, "the half-trained candidates are removed");
        handle.TrainableParameters().Should().HaveCount(handle.Parameters().Count, "trainability is restored");
        using var after = model.call(x);
        TensorAssert.Identical(after, before);
    }

    [Test]
    public void CascadeCorrelation_HookedLayers_TrainCandidatesLikeReplacedOnes()
    {
        var model = new HookOnly();
        var handle = Wrap(model, hooks: true);
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked, "this model keeps its layers in a list the wrapper cannot replace into");
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with
        {
            Patience = 0,
            Training = DendriteTrainingMode.CascadeCorrelation,
            CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) },
        });

        scheduler.Step(1);
        var grown = scheduler.Step(1);

        grown.CandidateCorrelation.Should().BeGreaterThan(0);
        grown.NewParameters.Should().OnlyContain(p => p.requires_grad);
        handle.Layers.Should().AllSatisfy(l => l.Branch.Sets[0].Frozen.Should().BeTrue());
        grown.NewParameters.Should().HaveCount(handle.Layers.Count, "only u of each new set trains after connection");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Resume_FromCheckpoint_MakesTheSameDecisionsAsAnUninterruptedRun(bool passOptions)
    {
        var straight = Train(stopAfter: null, out var straightCsv);
        var resumed = Train(stopAfter: 9, out var resumedCsv, passOptions);

        resumed.Should().Equal(straight);
        resumedCsv.Should().Be(straightCsv);
        straight.Should().Contain(s => s.Contains("DendritesAdded", StringComparison.Ordinal));
    }

    [Test]
    public void Resume_CheckpointWithoutState_ThrowsCheckpointExceptionSayingWhatWroteIt()
    {
        var handle = Wrap(TestModels.TanhMlp());
        var path = Path.Combine(Folder, "plain.ckpt");
        DendriteCheckpoint.Save(handle, path);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => GrowthScheduler.Resume(loaded);

        act.Should().Throw<CheckpointException>().WithMessage($"'{path}' holds no growth scheduler state ('dendritic.growth.state')*DendriteCheckpoint.Save writes a model only*");
    }

    [Test]
    public void Resume_TheBestModelBesideAResumePoint_NamesTheResumePoint()
    {
        // The likeliest mistake: SaveCheckpoint wrote both files, and the .best is the one the docs say to deploy.
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), ClassicRules.Options);
        scheduler.Step(0.5);
        var path = Path.Combine(Folder, "run.dndt");
        scheduler.SaveCheckpoint(path);
        var best = DendriteCheckpoint.Load(TestModels.TanhMlp(), path + ".best");

        var act = () => GrowthScheduler.Resume(best);

        act.Should().Throw<CheckpointException>().WithMessage($"*it is the best model that GrowthScheduler.SaveCheckpoint writes beside its resume point*load the resume point, '{path}', and pass that to GrowthScheduler.Resume.");
    }

    [Test]
    public void Resume_WithoutOptions_UsesTheRecordedOptions()
    {
        var options = ClassicRules.Options with { Mode = ScoreMode.Minimize, Patience = 4, MaxDendrites = 2 };
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), options);
        scheduler.Step(2);
        scheduler.Step(1);
        var path = Path.Combine(Folder, "minimize.ckpt");
        scheduler.SaveCheckpoint(path);

        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path));

        resumed.Options.Mode.Should().Be(ScoreMode.Minimize, "Resume without options once fell back to the defaults (Maximize)");
        resumed.Options.Should().Be(options);
        resumed.Step(0.5).Reason.Should().Be(GrowthReason.Improved, "a lower score is better under Minimize");
    }

    [Test]
    public void Resume_WithDifferentOptions_ThrowsNamingEachDifference()
    {
        var options = ClassicRules.Options with { Mode = ScoreMode.Minimize, Patience = 4, RelativeThresholdByDendrites = new[] { 0.1, 0.01 } };
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), options);
        scheduler.Step(1);
        var path = Path.Combine(Folder, "different.ckpt");
        scheduler.SaveCheckpoint(path);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => GrowthScheduler.Resume(loaded, options with { Mode = ScoreMode.Maximize, Patience = 5 });

        act.Should().Throw<ArgumentException>().WithParameterName("options")
            .WithMessage("*Mode (saved Minimize, given Maximize)*")
            .WithMessage("*Patience (saved 4, given 5)*")
            .Which.Message.Should().NotContain("RelativeThresholdByDendrites", "equal lists are equal settings");
    }

    [Test]
    public void Resume_DiskStorageWithoutOptions_ThrowsAskingForTheDirectory()
    {
        var options = ClassicRules.Options with { BestWeightsDirectory = Path.Combine(Folder, "best") };
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), options);
        scheduler.Step(1);
        var path = Path.Combine(Folder, "disk.ckpt");
        scheduler.SaveCheckpoint(path);

        var withoutOptions = () => GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path));
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path), options);

        withoutOptions.Should().Throw<ArgumentException>().WithMessage("*BestWeightsDirectory*");
        resumed.History.Entries.Should().HaveCount(1);
    }

    [Test]
    public void Resume_StateWithoutRecordedOptions_LoadsWithExplicitOptionsOnly()
    {
        var options = ClassicRules.Options with { Mode = ScoreMode.Minimize };
        var handle = Wrap(TestModels.TanhMlp());
        var scheduler = new GrowthScheduler(handle, options);
        scheduler.Step(1);
        var state = System.Text.Json.Nodes.JsonNode.Parse(scheduler.ExportState().ToJson())!.AsObject();
        state.Remove(nameof(GrowthSchedulerState.Options)); // as written before the options were recorded
        var path = Path.Combine(Folder, "old.ckpt");
        DendriteCheckpoint.Save(handle, path, new Dictionary<string, string> { [GrowthScheduler.StateExtrasKey] = state.ToJsonString() });

        var withoutOptions = () => GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path));
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path), options);

        withoutOptions.Should().Throw<ArgumentException>().WithMessage("*records no options*");
        resumed.Options.Mode.Should().Be(ScoreMode.Minimize);
        resumed.History.Entries.Should().HaveCount(1);
    }

    private List<string> Train(int? stopAfter, out string csv, bool passOptions = true)
    {
        manual_seed(7);
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var options = ClassicRules.Options with { Mode = ScoreMode.Minimize, Patience = 1, RelativeThreshold = 0.01, Cooldown = 1 };
        var model = TestModels.TanhMlp();
        var scheduler = new GrowthScheduler(Wrap(model), options);
        var decisions = new List<string>();
        for (var epoch = 0; epoch < 24 && !scheduler.IsCompleted; epoch++)
        {
            if (epoch == stopAfter)
            {
                var path = Path.Combine(Folder, "run.ckpt");
                scheduler.SaveCheckpoint(path);
                using var rng = get_rng_state();
                model = TestModels.TanhMlp();
                var loaded = DendriteCheckpoint.Load(model, path);
                scheduler = GrowthScheduler.Resume(loaded, passOptions ? options : null);

                // New dendrites are random: a resumed run continues the generator too.
                set_rng_state(rng);
            }

            // SGD without momentum keeps no optimizer state: weights + scheduler state are the whole run.
            var loss = QuickTraining.SgdStepsThenLoss(model, x, y);

            var d = scheduler.Step(loss);
            decisions.Add($"{d.Validation}:{d.Action}:{d.Reason}:{d.DendriteCount}:{d.Score:R}");
        }

        csv = scheduler.History.ToCsv();
        return decisions;
    }

    /// <summary>Fields typed as the concrete layer: the wrapper attaches forward hooks instead of replacing them.</summary>
    private sealed class HookOnly : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc1 = nn.Linear(3, 4);
        private readonly TorchSharp.Modules.Linear fc2 = nn.Linear(4, 2);

        public HookOnly()
            : base(nameof(HookOnly)) => RegisterComponents();

        public override Tensor forward(Tensor input) => fc2.call(fc1.call(input).tanh());
    }
}
