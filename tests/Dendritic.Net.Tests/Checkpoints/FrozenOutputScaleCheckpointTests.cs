using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Dendritic.Testing;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// A checkpoint records which sets' output scale u trains apart from which sets are frozen (format 5): cascade-correlation
/// freezes a connected set's weights and trains its u, <see cref="DendriteSet.Frozen"/> freezes both. Format 4 had one
/// flag per set, so a plain load froze a cascade-correlation set's u, and a growth run resumed on such a model failed
/// on its optimizer state (found in a newcomer's trial); the scheduler's best weights on disk froze them at each revert.
/// </summary>
[TestFixture]
public sealed class FrozenOutputScaleCheckpointTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(23);

    [Test]
    public void Load_SetFrozenAsCascadeCorrelationConnectsIt_TrainsItsOutputScaleOnly()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = 1 });
        foreach (var set in handle.Layers.SelectMany(l => l.Branch.Sets))
        {
            set.Frozen = true;
            set.OutputScale.requires_grad = true;
        }

        var path = Temp.File("connected.dndt");
        DendriteCheckpoint.Save(handle, path);

        var manifest = DendriteCheckpoint.ReadManifest(path);
        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), path).Handle;

        manifest.Layers.Should().AllSatisfy(l =>
        {
            l.FrozenSets.Should().Equal(0);
            l.FrozenOutputScales.Should().BeEmpty();
        });
        loaded.Layers.SelectMany(l => l.Branch.Sets).Should().AllSatisfy(set =>
        {
            set.Frozen.Should().BeTrue();
            set.OutputScale.requires_grad.Should().BeTrue("cascade-correlation trains a connected set's u");
            set.Weight.requires_grad.Should().BeFalse();
        });
        loaded.TrainableParameters().Count.Should().Be(handle.TrainableParameters().Count);
    }

    [Test]
    public void Load_SetFrozenWhole_KeepsItsOutputScaleFrozen()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = 2 });
        handle.Layers[0].Branch.Sets[1].Frozen = true;
        var path = Temp.File("frozen.dndt");
        DendriteCheckpoint.Save(handle, path);

        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), path).Handle;

        DendriteCheckpoint.ReadManifest(path).Layers[0].FrozenOutputScales.Should().Equal(1);
        var sets = loaded.Layers[0].Branch.Sets;
        sets[1].OutputScale.requires_grad.Should().BeFalse();
        sets[0].OutputScale.requires_grad.Should().BeTrue();
        loaded.Layers[1].Branch.Sets.Should().AllSatisfy(s => s.OutputScale.requires_grad.Should().BeTrue());
    }

    [Test]
    public void Load_FormatFourFileWithAFrozenSet_FreezesItsOutputScaleWithItAsFormatFourDid()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = 1 });
        var set = handle.Layers[0].Branch.Sets[0];
        set.Frozen = true;
        set.OutputScale.requires_grad = true;
        var path = Temp.File("format4.dndt");
        DendriteCheckpoint.Save(handle, path);
        CheckpointForge.Rewrite(path, m =>
        {
            m["formatVersion"] = 4;
            foreach (var layer in m["layers"]!.AsArray())
            {
                layer!.AsObject().Remove("frozenOutputScales");
            }
        });

        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), path).Handle;

        loaded.Layers[0].Branch.Sets[0].OutputScale.requires_grad.Should().BeFalse("a format-4 file has one flag per set");
    }

    [TestCase(4, "[0]", "*layers[0].frozenOutputScales' is recorded from format 5 on, but the file says format 4*")]
    [TestCase(5, "[1]", "*layers[0].frozenOutputScales' must list distinct set indices below 1*")]
    [TestCase(5, "[0, 0]", "*layers[0].frozenOutputScales' must list distinct set indices below 1*")]
    [TestCase(5, "[-1]", "*layers[0].frozenOutputScales' must list distinct set indices below 1*")]
    public void ReadManifest_FrozenOutputScalesNoWriterWrites_ThrowsCorruptedNamingTheField(int format, string json, string expected)
    {
        var path = Temp.File("forged.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = 1 }), path);
        CheckpointForge.Rewrite(path, m =>
        {
            m["formatVersion"] = format;
            m["layers"]![0]!["frozenOutputScales"] = JsonNode.Parse(json);
        });

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage(expected);
    }

    [Test]
    public void Step_CascadeCorrelationRetryRestoringTheBestFromDisk_KeepsTheConnectedSetsOutputScalesTraining()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, CascadeOnDisk(model, x, y));
        scheduler.Step(1);
        scheduler.Step(1).Action.Should().Be(GrowthAction.DendritesAdded);
        scheduler.Step(2);
        scheduler.Step(2).Action.Should().Be(GrowthAction.DendritesAdded);

        var retry = scheduler.Step(1);

        retry.Action.Should().Be(GrowthAction.DendritesAdded);
        retry.Retries.Should().Be(1, "the new set did not beat the best: the best weights came back, and a new set was added");
        handle.Layers.Should().AllSatisfy(l =>
        {
            l.Branch.Sets[0].Frozen.Should().BeTrue();
            l.Branch.Sets[0].OutputScale.requires_grad.Should().BeTrue("the best weights came back from disk with the set's u training, as it did when they were saved");
        });
        retry.TrainableParameters.Should().Contain(handle.Layers.Select(l => l.Branch.Sets[0].OutputScale));
    }

    [Test]
    public void Step_RunResumedFromFormatFourFilesRevertsToItsBestOnDisk_KeepsTheConnectedSetsOutputScalesTraining()
    {
        // Resume imports the format-4 best-weights file, whose one flag per set froze u at every revert (found in review).
        var model = TestModels.TanhMlp();
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }), CascadeOnDisk(model, x, y));
        scheduler.Step(1);
        scheduler.Step(1);
        scheduler.Step(2);
        scheduler.Step(2).Action.Should().Be(GrowthAction.DendritesAdded);
        var path = Path.Combine(Folder, "run.dndt");
        scheduler.SaveCheckpoint(path);
        AsFormatFour(path + ".best");
        var best = File.ReadAllBytes(path + ".best");
        AsFormatFour(path, m =>
        {
            var state = JsonNode.Parse(m["extras"]![GrowthScheduler.StateExtrasKey]!.GetValue<string>())!;
            state["BestWeightsSha256"] = CheckpointForge.Sha(best);
            state["BestWeightsBytes"] = best.LongLength;
            m["extras"]![GrowthScheduler.StateExtrasKey] = state.ToJsonString();
        });
        var fresh = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(fresh, path);
        var resumed = GrowthScheduler.Resume(loaded, CascadeOnDisk(fresh, x, y));

        var retry = resumed.Step(1);

        retry.Retries.Should().Be(1, "the best weights came back from the format-4 file on disk");
        loaded.Handle.Layers.Should().AllSatisfy(l => l.Branch.Sets[0].OutputScale.requires_grad.Should().BeTrue());
    }

    private GrowthOptions CascadeOnDisk(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) => ClassicRules.Options with
    {
        Patience = 0,
        MaxRetries = 1,
        Training = DendriteTrainingMode.CascadeCorrelation,
        CascadeCorrelation = new CascadeCorrelationOptions { MaxEpochs = 2, Patience = 2 },
        CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) },
        BestWeightsDirectory = Path.Combine(Folder, "best"),
    };

    // The file as format 4 wrote it: no frozenOutputScales.
    private static void AsFormatFour(string path, System.Action<JsonObject>? more = null) => CheckpointForge.Rewrite(path, m =>
    {
        m["formatVersion"] = 4;
        foreach (var layer in m["layers"]!.AsArray())
        {
            layer!.AsObject().Remove("frozenOutputScales");
        }

        more?.Invoke(m);
    });
}
