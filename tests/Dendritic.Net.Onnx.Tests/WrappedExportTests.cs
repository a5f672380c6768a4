using System.Linq;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>Models with a handle: wrapped by Dendrites.Wrap (replacement and forward-hook mode) or adopted by Dendrites.Adopt.</summary>
public class WrappedExportTests
{
    [Test]
    public void Export_HookedLayers_MatchesTorchSharp()
    {
        torch.manual_seed(200);
        using var model = new ConcreteFieldMlp();
        using var sample = randn(2, 6);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 3 }, sample);
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);
        Cascades.Randomise(handle, 201);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var input = randn(5, 6);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_HookedModelWithoutHandle_ThrowsPointingToHandleExport()
    {
        torch.manual_seed(202);
        using var model = new ConcreteFieldMlp();
        using var sample = randn(2, 6);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sample);
        Cascades.Randomise(handle, 203);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "fc1" && e.Message.Contains("OnnxExporter.Export(handle", System.StringComparison.Ordinal))
            .WithMessage("Module 'fc1' (*) has dendrites attached by a forward hook*");
    }

    [Test]
    public void Export_SequentialHoldingAHookedBlockWithoutHandle_ThrowsNamingTheLayer()
    {
        // A Sequential root lists only its own items, so the wrapper keeps the block's hooked dendrites on the block.
        torch.manual_seed(204);
        using var model = nn.Sequential(("block", new ConcreteFieldMlp()), ("act", nn.Tanh()));
        using var sample = randn(2, 6);
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1, AllowHooks = true }, sample);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "block.fc1")
            .WithMessage("*has dendrites attached by a forward hook*OnnxExporter.Export(handle*");
    }

    [Test]
    public void Export_SequentialHoldingAHookedBlock_MatchesTorchSharp()
    {
        torch.manual_seed(205);
        using var model = nn.Sequential(("block", new ConcreteFieldMlp()), ("act", nn.Tanh()));
        using var sample = randn(2, 6);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2, AllowHooks = true }, sample);
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);
        Cascades.Randomise(handle, 206);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var input = randn(5, 6);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_HookedModelWithoutHandleAndFreshSets_ThrowsAlthoughTheHooksChangeNothingYet()
    {
        torch.manual_seed(202);
        using var model = new ConcreteFieldMlp();
        using var sample = randn(2, 6);
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sample);   // u = 0: the output is the host's

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "fc1" && e.Message.Contains("OnnxExporter.Export(handle", System.StringComparison.Ordinal));
    }

    [Test]
    public void Export_ReplacedLayersInSequential_MatchesTorchSharp()
    {
        torch.manual_seed(204);
        using var model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3));
        using var sample = randn(2, 2, 6, 6);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, sample);
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Replaced);
        Cascades.Randomise(handle, 205);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);
        using var input = randn(3, 2, 6, 6);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_AdoptedHandBuiltModel_MatchesTorchSharp()
    {
        torch.manual_seed(206);
        using var model = nn.Sequential(("fc1", new DendriteLayer(nn.Linear(6, 5), dendrites: 2)), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(5, 3), dendrites: 2)));
        var handle = Dendrites.Adopt(model);
        Cascades.Randomise(handle, 207);
        using var sample = randn(2, 6);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var input = randn(4, 6);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_LoadedCheckpointOfAdoptedLayersWithDifferentActivations_RunsLikeTheSavedModel()
    {
        // The checkpoint records fc2's own options; a load that gave it fc1's would export, and run, Sigmoid dendrites.
        torch.manual_seed(208);
        using var saved = nn.Sequential(
            ("fc1", new DendriteLayer(nn.Linear(6, 5), DendriteOptions.Default, 2)),
            ("act", nn.Tanh()),
            ("fc2", new DendriteLayer(nn.Linear(5, 3), new DendriteOptions { Activation = DendriteActivation.Tanh }, 2)));
        var handle = Dendrites.Adopt(saved);
        Cascades.Randomise(handle, 209);
        using var folder = new Dendritic.Testing.TempFolder();
        DendriteCheckpoint.Save(handle, folder.File("mixed.dndt"));
        using var fresh = nn.Sequential(("fc1", nn.Linear(6, 5)), ("act", nn.Tanh()), ("fc2", nn.Linear(5, 3)));
        var loaded = DendriteCheckpoint.Load(fresh, folder.File("mixed.dndt"));
        using var sample = randn(2, 6);

        var bytes = OnnxExporter.ExportToBytes(loaded.Handle, sample);

        using var input = randn(4, 6);
        Parity.ShouldRunLike(bytes, saved, input);
    }

    [Test]
    public void Export_ModuleHoldingDendriteLayers_ThrowsPointingToTheHandle()
    {
        using var model = nn.Sequential(("fc1", new DendriteLayer(nn.Linear(6, 5), dendrites: 1)), ("act", nn.Tanh()));
        using var sample = randn(2, 6);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "fc1" && e.Message.Contains("Dendrites.Adopt", System.StringComparison.Ordinal))
            .WithMessage("Module 'fc1' (DendriteLayer) is a dendrite layer (1 dendrite set(s));*");
    }

    [Test]
    public void Export_ModuleHoldingADendriteLayerWithoutSets_ThrowsCountingNoSets()
    {
        using var model = nn.Sequential(("fc1", new DendriteLayer(nn.Linear(6, 5))), ("act", nn.Tanh()));
        using var sample = randn(2, 6);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().WithMessage("Module 'fc1' (DendriteLayer) is a dendrite layer (0 dendrite set(s)); export the model through its handle*");
    }
}
