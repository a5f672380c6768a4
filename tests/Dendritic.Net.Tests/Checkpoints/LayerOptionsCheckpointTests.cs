using System.Linq;
using System.Text.Json.Nodes;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// A model built with <see cref="DendriteLayer"/>s of different options and adopted: its checkpoint records each
/// layer's own options where they differ from the handle's (format 4), and a load gives them back. Before, the manifest
/// held the first layer's only, and a load onto a plain model gave every layer those: another model, silently.
/// </summary>
[TestFixture]
public sealed class LayerOptionsCheckpointTests : ForgedCheckpointFixture
{
    // fc2 differs from fc1 in what it computes (the activation) and in how sets added later are drawn.
    private static readonly DendriteOptions Fc1Options = DendriteOptions.Default;
    private static readonly DendriteOptions Fc2Options = new() { Activation = DendriteActivation.Tanh, Initialization = DendriteInitialization.HostUniform, InitScale = 0.5 };

    [Test]
    public void Save_AdoptedLayersWithDifferentOptions_RecordsTheSecondLayersOwnOnly()
    {
        var (path, _) = SaveMixed();

        var manifest = DendriteCheckpoint.ReadManifest(path);

        manifest.FormatVersion.Should().Be(5);
        manifest.Dendrite.Should().Be(Fc1Options, "the handle records the first layer's options");
        manifest.Layers[0].Dendrite.Should().BeNull("the first layer has the manifest's options");
        manifest.Layers[1].Dendrite.Should().Be(Fc2Options);
    }

    [Test]
    public void Save_LayersWithTheHandlesOptions_WritesNoLayerOptions()
    {
        var path = SaveMlp();

        var (manifest, _) = CheckpointForge.Read(path);

        manifest["layers"]!.AsArray().Should().OnlyContain(l => !l!.AsObject().ContainsKey("dendrite"));
    }

    [Test]
    public void Load_PlainModelFromMixedOptions_GivesEachLayerItsSavedOptionsAndTheSameOutput()
    {
        var (path, saved) = SaveMixed();

        var loaded = DendriteCheckpoint.Load(Plain(), path);

        loaded.Handle.Layers.Select(l => l.Branch.Options).Should().Equal(Fc1Options, Fc2Options);
        loaded.Handle.Options.Dendrite.Should().Be(Fc1Options);
        SameOutput(saved, (Sequential)loaded.Handle.Model);
    }

    [Test]
    public void Load_HandBuiltModelWithTheSavedOptions_GivesTheSameOutput()
    {
        var (path, saved) = SaveMixed();
        var fresh = HandBuilt(Fc2Options, sets: 0);

        DendriteCheckpoint.Load(fresh, path);

        SameOutput(saved, fresh);
    }

    [Test]
    public void Load_HandBuiltModelWhoseLayerHasAnotherActivation_ThrowsMismatchNamingTheLayerBothActivationsAndTheFix()
    {
        var (path, _) = SaveMixed();
        var fresh = HandBuilt(Fc1Options, sets: 0);

        var act = () => DendriteCheckpoint.Load(fresh, path);

        act.Should().Throw<CheckpointMismatchException>()
            .WithMessage($"Layer 'fc2' computes its dendrites with activation Sigmoid, but checkpoint '{path}' was saved with Tanh on it*DendriteActivation.Tanh*DendriteCheckpoint.Load*")
            .Which.LayerName.Should().Be("fc2");
        fresh.modules().OfType<DendriteLayer>().Should().OnlyContain(l => l.DendriteCount == 0, "a refused load leaves the model as it was");
        Dendrites.Adopt(fresh).Layers.Should().HaveCount(2, "a refused load leaves no handle behind");
    }

    [Test]
    public void Restore_WrappedModelWithAnotherActivation_ThrowsMismatchAndLeavesTheModel()
    {
        var path = SaveMlp();
        var handle = Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { Dendrite = Fc1Options with { Activation = DendriteActivation.Tanh } });

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("Layer 'fc1' computes its dendrites with activation Tanh, but*saved with Sigmoid*").Which.LayerName.Should().Be("fc1");
        handle.DendriteCount.Should().Be(1);
    }

    [Test]
    public void Restore_OnlyTheInitialisationDiffers_RestoresAndKeepsTheModelsOptions()
    {
        var path = SaveMlp();
        var own = Fc1Options with { Initialization = DendriteInitialization.HostUniform, InitScale = 1 };
        var handle = Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { Dendrite = own, InitialDendrites = 0 });

        DendriteCheckpoint.Restore(handle, path);

        handle.DendriteCount.Should().Be(1);
        handle.Layers.Should().OnlyContain(l => l.Branch.Options == own, "the initialisation draws sets added later, not the saved ones");
    }

    [Test]
    public void Load_FormatThreeFile_LoadsAsBefore()
    {
        var saved = TestModels.Mlp();
        var handle = Dendrites.Wrap(saved);
        ScaleOutputs(saved);
        var path = Temp.File("format3.dndt");
        DendriteCheckpoint.Save(handle, path);
        CheckpointForge.Rewrite(path, m => m["formatVersion"] = 3);

        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), path);

        loaded.Manifest.FormatVersion.Should().Be(3);
        loaded.Handle.Layers.Should().OnlyContain(l => l.Branch.Options == DendriteOptions.Default);
        SameOutput(saved, (Sequential)loaded.Handle.Model);
    }

    [Test]
    public void Load_FormatThreeFileOfMixedLayersIntoTheHandBuiltModel_ChecksOnlyTheFirstLayer()
    {
        // A format-3 writer recorded the first layer's options only; the hand-built model knows the others.
        var (path, saved) = SaveMixed();
        CheckpointForge.Rewrite(path, m =>
        {
            m["formatVersion"] = 3;
            m["layers"]![1]!.AsObject().Remove("dendrite");
        });
        var fresh = HandBuilt(Fc2Options, sets: 0);

        DendriteCheckpoint.Load(fresh, path);

        SameOutput(saved, fresh);
    }

    [TestCase("layers[1].dendrite.initScale", "-1.0", "the manifest field 'layers[1].dendrite.initScale' is invalid (*")]
    [TestCase("layers[1].dendrite.activation", "\"Sigmoid, Tanh\"", "format 5 at 'layers[1].dendrite.activation'*not exactly one of the names of DendriteActivation*")]
    [TestCase("layers[1].dendrite.temperature", "2.0", "format 5 at 'layers[1].dendrite.temperature'*could not be mapped*")]
    [TestCase("formatVersion", "3", "the manifest field 'layers[1].dendrite' is recorded from format 4 on, but the file says format 3*")]
    public void ReadManifest_LayerOptionsNoWriterWrites_ThrowsCorruptedNamingTheFileAndTheField(string field, string json, string problem)
    {
        var (path, _) = SaveMixed();
        CheckpointForge.Rewrite(path, m => CheckpointForge.Set(m, field, JsonNode.Parse(json)));

        var read = () => DendriteCheckpoint.ReadManifest(path);
        var load = () => DendriteCheckpoint.Load(Plain(), path);

        read.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*{problem}");
        load.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*{problem}");
    }

    [Test]
    public void SaveCheckpoint_AdoptedLayersWithDifferentOptions_ResumeAndItsBestWeightsKeepEachLayersOptions()
    {
        var model = HandBuilt(Fc2Options, sets: 0);
        var options = ClassicRules.Options with { Patience = 0 };
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model), options);
        scheduler.Step(1);
        scheduler.Step(1);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);

        var loaded = DendriteCheckpoint.Load(Plain(), path);
        var resumed = GrowthScheduler.Resume(loaded, options);
        var best = DendriteCheckpoint.Load(Plain(), path + ".best");

        resumed.DendriteCount.Should().Be(scheduler.DendriteCount);
        loaded.Handle.Layers.Select(l => l.Branch.Options).Should().Equal(Fc1Options, Fc2Options);
        best.Handle.Layers.Select(l => l.Branch.Options).Should().Equal(Fc1Options, Fc2Options);
        SameOutput(model, (Sequential)loaded.Handle.Model);
    }

    /// <summary>fc1 (Sigmoid) and fc2 (<paramref name="fc2"/>), with <paramref name="sets"/> dendrite sets each.</summary>
    private static Sequential HandBuilt(DendriteOptions fc2, int sets) => nn.Sequential(
        ("fc1", new DendriteLayer(nn.Linear(4, 6), Fc1Options, sets)),
        ("act", nn.Tanh()),
        ("fc2", new DendriteLayer(nn.Linear(6, 3), fc2, sets)));

    private static Sequential Plain() => nn.Sequential(("fc1", nn.Linear(4, 6)), ("act", nn.Tanh()), ("fc2", nn.Linear(6, 3)));

    /// <summary>The output of <paramref name="loaded"/> is bit for bit <paramref name="saved"/>'s: the same computation on the same weights.</summary>
    private static void SameOutput(Sequential saved, Sequential loaded)
    {
        using var x = randn(5, 4);
        using var expected = saved.call(x).detach();
        using var actual = loaded.call(x).detach();
        actual.equal(expected).all().item<bool>().Should().BeTrue("the loaded model computes what the saved one did");
    }

    /// <summary>
    /// Saves <see cref="HandBuilt"/> with two sets per layer and output scales away from 0, where a set's activation
    /// shows in the output (fresh sets start at 0, where no activation would).
    /// </summary>
    private (string Path, Sequential Model) SaveMixed()
    {
        var model = HandBuilt(Fc2Options, sets: 2);
        ScaleOutputs(model);
        var path = Temp.File("mixed.dndt");
        DendriteCheckpoint.Save(Dendrites.Adopt(model), path);
        return (path, model);
    }

    private static void ScaleOutputs(Sequential model)
    {
        using (no_grad())
        {
            foreach (var set in model.modules().OfType<DendriteSet>())
            {
                set.OutputScale.uniform_(0.5, 1.5);
            }
        }
    }
}
