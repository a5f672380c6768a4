using System;
using System.Linq;
using Dendritic.Onnx.Export;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>Module hosts (dendrites by copy) written to ONNX: the host and each copy by their own converters, then the cascade.</summary>
public class ModuleHostExportTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void Export_LayerNormHostInSequential_MatchesTorchSharp(int sets)
    {
        torch.manual_seed(300 + sets);
        var model = nn.Sequential(("fc", nn.Linear(5, 6)), ("norm", nn.LayerNorm(6)), ("act", nn.Tanh()), ("head", nn.Linear(6, 3)));
        using var sample = randn(2, 4, 5);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = sets }, sample);
        handle.Layers.Should().ContainSingle().Which.Spec.Kind.Should().Be(HostKind.Module);
        Cascades.Randomise(handle, 310 + sets);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var input = randn(3, 4, 5);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_LayerNormHostWithLinearHosts_MatchesTorchSharp()
    {
        torch.manual_seed(320);
        var model = nn.Sequential(("fc", nn.Linear(5, 6)), ("norm", nn.LayerNorm(6)), ("head", nn.Linear(6, 3)));
        using var sample = randn(2, 5);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm").Or(LayerSelector.AllSupported), InitialDendrites = 2 }, sample);
        handle.Layers.Should().HaveCount(3);
        Cascades.Randomise(handle, 321);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var input = randn(4, 5);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_DisabledLayerNormHost_WritesTheHostAlone()
    {
        torch.manual_seed(322);
        var model = nn.Sequential(("fc", nn.Linear(5, 6)), ("norm", nn.LayerNorm(6)));
        using var sample = randn(2, 5);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 2 }, sample);
        Cascades.Randomise(handle, 323);
        handle.Layers[0].Enabled = false;

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var input = randn(4, 5);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Emit_LayerNormHost_GivesTheOutputTheHooksValueWithoutComputingTheCascadeNodes(bool enabled)
    {
        // The host's and the copies' runs give the cascade its inputs: it is computed once, as the hook computes it,
        // and its Mul and Add nodes are not computed on the sample too.
        torch.manual_seed(324);
        using var scope = torch.NewDisposeScope();
        using var noGrad = no_grad();
        var model = nn.Sequential(("fc", nn.Linear(5, 6)), ("norm", nn.LayerNorm(6)));
        var sample = randn(2, 5);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 2 }, sample);
        Cascades.Randomise(handle, 325);
        handle.Layers[0].Enabled = enabled;
        using var owner = new TestBuilder();
        owner.Builder.AddHookedLayers(handle);
        owner.Builder.SetSample("x", sample);

        var output = ModuleExport.Emit(owner.Builder, model, "x");

        var expected = model.call(sample);
        owner.Builder.Sample(output).Should().NotBeNull(owner.Builder.WhyUnknown(output));
        owner.Builder.Sample(output)!.allclose(expected, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        var cascade = owner.Graph.Node.Where(n => n.OpType is "Mul" or "Add").ToList();
        cascade.Should().HaveCount(enabled ? 6 : 0);
        cascade.Count(n => n.Output[0] != output && owner.Builder.Sample(n.Output[0]) is not null).Should().Be(0, "only the output's value is computed");
    }

    [TestCase(0)]
    [TestCase(2)]
    public void Export_EmbeddingHost_MatchesTorchSharp(int sets)
    {
        torch.manual_seed(330 + sets);
        var model = nn.Sequential(("embed", nn.Embedding(12, 6)), ("act", nn.Tanh()), ("head", nn.Linear(6, 3)));
        using var sample = randint(0, 12, new long[] { 2, 5 });
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("embed"), InitialDendrites = sets }, sample);
        Cascades.Randomise(handle, 340 + sets);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var tokens = randint(0, 12, new long[] { 3, 5 });
        using var expected = model.call(tokens).detach();
        OnnxRun.ShouldMatch(OnnxRun.RunIndices(bytes, tokens), expected);
    }

    [Test]
    public void Export_EmbeddingWithoutDendritesInFloat64_MatchesTorchSharp()
    {
        torch.manual_seed(345);
        using var model = nn.Sequential(("embed", nn.Embedding(9, 4)), ("head", nn.Linear(4, 2)));
        model.to(float64);
        using var sample = randint(0, 9, new long[] { 2, 3 });

        var bytes = OnnxExporter.ExportToBytes(model, sample);

        using var tokens = randint(0, 9, new long[] { 5, 3 });
        using var expected = model.call(tokens).detach();
        using var actual = OnnxRun.RunIndices(bytes, tokens);
        actual.dtype.Should().Be(float64);
        OnnxRun.MaxDifference(actual, expected).Should().BeLessThanOrEqualTo(1e-10);
    }

    [Test]
    public void Export_EmbeddingWithFloatSample_ThrowsAskingForTokenIndices()
    {
        using var model = nn.Sequential(("embed", nn.Embedding(9, 4)));
        using var sample = randn(2, 3);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "embed" && e.Message.Contains("int64", StringComparison.Ordinal));
    }

    [Test]
    public void Export_UserBlockHostThatDescribesItsGraph_MatchesTorchSharp()
    {
        torch.manual_seed(350);
        var model = nn.Sequential(("block", new ExportableBlock(4, 5)), ("head", nn.Linear(5, 2)));
        using var sample = randn(2, 4);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("block"), InitialDendrites = 2 }, sample);
        handle.Layers.Should().ContainSingle().Which.Spec.Kind.Should().Be(HostKind.Module);
        Cascades.Randomise(handle, 351);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        using var input = randn(3, 4);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_UserBlockHostWithoutGraph_ThrowsNamingTheLayer()
    {
        torch.manual_seed(352);
        var host = ModuleHost.For<OpaqueBlock>(b => new OpaqueBlock(b.Features), b => b.Features);
        var model = nn.Sequential(("block", new OpaqueBlock(3)), ("head", nn.Linear(3, 2)));
        using var sample = randn(2, 3);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = new[] { host }, InitialDendrites = 1 }, sample);

        var act = () => OnnxExporter.ExportToBytes(handle, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "block" && e.ModuleType == nameof(OpaqueBlock) && e.Message.Contains(nameof(IOnnxExportable), StringComparison.Ordinal));
    }

    [TestCase(false, true, 1, false, 2)]
    [TestCase(false, false, 2, true, 1)]
    [TestCase(false, true, 1, false, 0)]
    [TestCase(true, true, 2, true, 2)]
    [TestCase(true, false, 1, false, 1)]
    public void Export_RecurrentHost_MatchesTorchSharp(bool gru, bool batchFirst, int layers, bool bidirectional, int sets)
    {
        torch.manual_seed(360 + sets);
        var model = new RecurrentClassifier(gru, 4, 5, layers, bidirectional, batchFirst, 3);
        using var sample = batchFirst ? randn(2, 6, 4) : randn(6, 2, 4);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), InitialDendrites = sets }, sample);
        handle.Layers.Should().Contain(l => l.Name == "rnn" && l.Spec.Kind == HostKind.Module);
        Cascades.Randomise(handle, 370 + sets);

        var bytes = OnnxExporter.ExportToBytes(handle, sample, new OnnxExportOptions { InputBatchAxis = batchFirst ? 0 : 1 });

        using var input = batchFirst ? randn(3, 6, 4) : randn(6, 3, 4);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Export_RecurrentWithoutDendrites_MatchesTorchSharp(bool gru)
    {
        torch.manual_seed(380);
        using var model = new RecurrentClassifier(gru, 4, 5, 2, true, true, 3);
        using var sample = randn(2, 6, 4);

        var bytes = OnnxExporter.ExportToBytes(model, sample);

        using var input = randn(3, 6, 4);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void QuantizeDynamic_LstmHostModel_KeepsTheLstmFloatAndStaysClose()
    {
        torch.manual_seed(390);
        var model = new RecurrentClassifier(false, 4, 8, 1, false, true, 3);
        using var sample = randn(2, 6, 4);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), InitialDendrites = 1 }, sample);
        Cascades.Randomise(handle, 391);
        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        var result = Quantization.OnnxQuantizer.QuantizeDynamic(bytes);

        var nodes = Proto.ModelProto.Parser.ParseFrom(result.Model).Graph.Node;
        nodes.Count(n => n.OpType == "LSTM").Should().Be(2);
        nodes.Should().Contain(n => n.OpType == "MatMulInteger");
        using var input = randn(16, 6, 4);
        using var expected = OnnxRun.Run(bytes, input);
        using var actual = OnnxRun.Run(result.Model, input);
        using var scale = expected.abs().max();
        (OnnxRun.MaxDifference(actual, expected) / scale.item<float>()).Should().BeLessThanOrEqualTo(0.1);
    }

    [Test]
    public void Export_ModuleHostModelWithoutHandle_ThrowsPointingToTheHandle()
    {
        torch.manual_seed(395);
        var model = nn.Sequential(("fc", nn.Linear(3, 4)), ("norm", nn.LayerNorm(4)));
        using var sample = randn(2, 3);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 1 }, sample);
        Cascades.Randomise(handle, 396);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "norm" && e.Message.Contains("OnnxExporter.Export(handle", StringComparison.Ordinal));
    }

    [Test]
    public void Export_TupleReturningBlockHost_ThrowsNamingTheLayer()
    {
        var host = ModuleHost.For<PairBlock, (Tensor, Tensor)>(b => new PairBlock(b.Features), b => b.Features, new FirstOfPair());
        var model = new PairParent(3);
        using var sample = randn(2, 3);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = new[] { host }, InitialDendrites = 1 }, sample);

        var act = () => OnnxExporter.ExportToBytes(handle, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "block" && e.ModuleType == nameof(PairBlock) && e.Message.Contains("not one tensor", StringComparison.Ordinal));
    }
}
