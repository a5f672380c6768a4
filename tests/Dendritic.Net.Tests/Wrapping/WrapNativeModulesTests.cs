using System.Linq;
using Dendritic.Tests.Growth;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// Models built from TorchSharp's native modules (Transformer*, MultiheadAttention, LSTM, GRU), whose inner layers
/// live inside libtorch: Wrap must say so, in the report, the log and every error (issue 20).
/// </summary>
[TestFixture]
public sealed class WrapNativeModulesTests
{
    private const int NativeModulesSkippedEvent = 1006;

    [Test]
    public void Wrap_EncoderWithDefaultTargets_WrapsHeadAndReportsTheEncoder()
    {
        var model = new EncoderClassifier();
        var logger = new RecordingLogger();

        var handle = Dendrites.Wrap(model, new WrapOptions { Logger = logger });
        var report = handle.Report();

        handle.Layers.Select(l => l.Name).Should().Equal("head");
        var encoderParameters = EncoderClassifier.EncoderParameters;
        report.NativeModules.Should().ContainSingle().Which.Should().Be(new NativeModuleCost { Name = "encoder", Type = "TransformerEncoder", Parameters = encoderParameters });
        report.OtherBaseParameters.Should().Be(100 * 32, "only the embedding is neither wrapped nor native");
        (report.Layers.Sum(l => l.HostParameters) + report.NativeParameters + report.OtherBaseParameters).Should().Be(report.BaseParameters);
        report.ToMarkdown().Should().Contain("| native modules (no dendrites, cannot be searched) | encoder (TransformerEncoder, 275,008) |")
            .And.Contain("| other layers (no dendrites) | | | 3,200 |");
        var warnings = logger.Entries.Where(e => e.EventId == NativeModulesSkippedEvent).ToList();
        warnings.Should().ContainSingle().Which.Level.Should().Be(LogLevel.Warning);
        warnings[0].Message.Should().Contain("encoder (TransformerEncoder, 275,008 parameters)").And.Contain("Linear layers");
    }

    [Test]
    public void Wrap_EncoderWithLinearType_AlsoWarns()
    {
        var logger = new RecordingLogger();

        Dendrites.Wrap(new EncoderClassifier(), new WrapOptions { Targets = LayerSelector.OfType<Linear>(), Logger = logger });

        logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent);
    }

    [TestCase("linear1", "encoder.layers.0.linear1")]
    [TestCase("layers.1.self_attn.out_proj", "encoder.layers.1.self_attn.out_proj")]
    [TestCase("linear2.weight", "encoder.layers.0.linear2.weight")]
    public void Wrap_NameInsideEncoder_ThrowsSayingTheEncoderIsNative(string name, string matched)
    {
        var act = () => Dendrites.Wrap(new EncoderClassifier(), new WrapOptions { Targets = LayerSelector.Named(name) });

        act.Should().Throw<NativeModuleException>()
            .WithMessage($"*name '{name}' matches '{matched}', a path inside a native module. 'encoder' (TransformerEncoder) is a native TorchSharp module*libtorch*build the block from Linear layers*")
            .Which.ModulePath.Should().Be("encoder");
    }

    [Test]
    public void Wrap_GlobInsideEncoder_ThrowsSayingTheEncoderIsNative()
    {
        var act = () => Dendrites.Wrap(new EncoderClassifier(), new WrapOptions { Targets = LayerSelector.NameLike("encoder.layers.*.linear?") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*matches 'encoder.layers.0.linear1'*native*");
    }

    [Test]
    public void Wrap_EncoderByName_ThrowsSayingItIsNative()
    {
        var act = () => Dendrites.Wrap(new EncoderClassifier(), new WrapOptions { Targets = LayerSelector.Named("encoder") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*name 'encoder' selects a native module. 'encoder' (TransformerEncoder) is a native*Linear layers*")
            .Which.Message.Should().NotContain("narrow the selector");
    }

    [Test]
    public void Wrap_EncoderByType_ThrowsSayingItIsNative()
    {
        var act = () => Dendrites.Wrap(new EncoderClassifier(), new WrapOptions { Targets = LayerSelector.OfType<TransformerEncoder>() });

        act.Should().Throw<DendriteWrapException>().WithMessage("*type TransformerEncoder selects a native module*");
    }

    [Test]
    public void Wrap_NameMatchingNothingInNativeModel_ListsTheNativeModules()
    {
        var act = () => Dendrites.Wrap(new EncoderClassifier(), new WrapOptions { Targets = LayerSelector.Named("decoder") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*matches no layer*Layers that can carry dendrites: embedding (Embedding, as a whole), head.*Native modules*encoder (TransformerEncoder, 275,008 parameters)*");
    }

    [TestCase(false, "LSTM")]
    [TestCase(true, "GRU")]
    public void Wrap_NameMatchingNothingNextToRecurrentModule_ListsItAsCarryingDendritesAsAWhole(bool gru, string type)
    {
        var act = () => Dendrites.Wrap(new RecurrentClassifier(gru), new WrapOptions { Targets = LayerSelector.Named("rnnn") });

        act.Should().Throw<DendriteWrapException>().Which.Message.Should().Contain($"Layers that can carry dendrites: rnn ({type}, as a whole), head.")
            .And.NotContain("cannot carry dendrites: rnn", "a built-in module host can carry dendrites as a whole");
    }

    [Test]
    public void Wrap_BareEncoder_ThrowsSayingTheModelIsNative()
    {
        var act = () => Dendrites.Wrap(nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4), 2));

        act.Should().Throw<DendriteWrapException>().WithMessage("*Layers that can: (none). The model itself (TransformerEncoder) is a native TorchSharp module*Linear layers*");
    }

    [Test]
    public void Wrap_BareLstm_ThrowsSayingTheModelIsNative()
    {
        var act = () => Dendrites.Wrap(nn.LSTM(8, 16));

        act.Should().Throw<DendriteWrapException>().WithMessage("*The model itself (LSTM) is a native TorchSharp module*");
    }

    [Test]
    public void Wrap_AttentionWithDefaultTargets_WrapsHeadAndReportsTheAttention()
    {
        var logger = new RecordingLogger();

        var handle = Dendrites.Wrap(new AttentionModel(), new WrapOptions { Logger = logger });

        handle.Layers.Select(l => l.Name).Should().Equal("head");
        handle.Report().NativeModules.Should().ContainSingle().Which.Should().Be(new NativeModuleCost { Name = "attn", Type = "MultiheadAttention", Parameters = (3 * 32 * 32) + (3 * 32) + (32 * 32) + 32 });
        logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent);
    }

    [TestCase("attn.out_proj")]
    [TestCase("in_proj_weight")]
    public void Wrap_NameInsideAttention_ThrowsSayingItIsNative(string name)
    {
        var act = () => Dendrites.Wrap(new AttentionModel(), new WrapOptions { Targets = LayerSelector.Named(name) });

        act.Should().Throw<DendriteWrapException>().WithMessage("*inside a native module. 'attn' (MultiheadAttention) is a native*");
    }

    [Test]
    public void Wrap_BareMultiheadAttention_ThrowsNativeModuleExceptionSayingBuildAttentionFromLinear()
    {
        var act = () => Dendrites.Wrap(nn.MultiheadAttention(32, 4));

        var error = act.Should().Throw<NativeModuleException>().WithMessage("*The model itself (MultiheadAttention) is a native TorchSharp module*attention, build the block from Linear layers (query, key, value and output projections*").Which;
        error.ModulePath.Should().BeEmpty();
        error.ModuleType.Should().Be("MultiheadAttention");
    }

    [Test]
    public void Wrap_BareTransformerEncoderLayer_ThrowsNativeModuleException()
    {
        var act = () => Dendrites.Wrap(nn.TransformerEncoderLayer(32, 4));

        act.Should().Throw<NativeModuleException>().WithMessage("*(TransformerEncoderLayer) is a native TorchSharp module*Linear layers*")
            .Which.ModuleType.Should().Be("TransformerEncoderLayer");
    }

    [Test]
    public void Wrap_AttentionByType_ThrowsNamingItsPath()
    {
        var act = () => Dendrites.Wrap(new AttentionModel(), new WrapOptions { Targets = LayerSelector.OfType<MultiheadAttention>() });

        var error = act.Should().Throw<NativeModuleException>().WithMessage("The type MultiheadAttention selects a native module. 'attn' (MultiheadAttention)*build the block from Linear layers*").Which;
        error.ModulePath.Should().Be("attn");
        error.ModuleType.Should().Be("MultiheadAttention");
    }

    [Test]
    public void Wrap_GlobTakingAttentionAmongLinearLayers_ThrowsNamingItsPath()
    {
        var act = () => Dendrites.Wrap(new AttentionModel(), new WrapOptions { Targets = LayerSelector.NameLike("**") });

        act.Should().Throw<NativeModuleException>().WithMessage("The glob '**' selects a native module. 'attn' (MultiheadAttention)*exclude the module*")
            .Which.ModulePath.Should().Be("attn");
    }

    [Test]
    public void Wrap_PredicateTakingEncoderLayerInsideModel_ThrowsNamingItsPath()
    {
        var targets = LayerSelector.Where((_, module) => module is TransformerEncoderLayer or Linear, "encoder layers and Linear layers");

        var act = () => Dendrites.Wrap(new EncoderLayerModel(), new WrapOptions { Targets = targets });

        act.Should().Throw<NativeModuleException>().WithMessage("The encoder layers and Linear layers selects a native module. 'layer' (TransformerEncoderLayer)*")
            .Which.ModulePath.Should().Be("layer");
    }

    [Test]
    public void Wrap_NativeModuleExcludedFromBroadSelection_WrapsTheRest()
    {
        var model = new AttentionModel();

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.NameLike("**").Except(LayerSelector.Named("attn")) });

        handle.Layers.Select(l => l.Name).Should().Equal("head");
    }

    [TestCase(false, "LSTM")]
    [TestCase(true, "GRU")]
    public void Wrap_RecurrentWithDefaultTargets_WrapsHeadAndReportsTheRecurrentModule(bool gru, string type)
    {
        var logger = new RecordingLogger();
        var model = new RecurrentClassifier(gru);

        var handle = Dendrites.Wrap(model, new WrapOptions { Logger = logger }, sampleInput: randn(2, 5, 8));

        handle.Layers.Select(l => l.Name).Should().Equal("head");
        var native = handle.Report().NativeModules.Should().ContainSingle().Subject;
        native.Name.Should().Be("rnn");
        native.Type.Should().Be(type);
        native.Parameters.Should().Be(model.RecurrentParameters);
        logger.Entries.Where(e => e.EventId == NativeModulesSkippedEvent).Should().ContainSingle().Which.Message.Should().Contain($"rnn ({type}");
    }

    [TestCase(false, "weight_ih_l0", "LSTM")]
    [TestCase(true, "rnn.weight_hh_l1", "GRU")]
    public void Wrap_RecurrentWeightByName_ThrowsSayingItIsNative(bool gru, string name, string type)
    {
        var act = () => Dendrites.Wrap(new RecurrentClassifier(gru), new WrapOptions { Targets = LayerSelector.Named(name) });

        act.Should().Throw<DendriteWrapException>().WithMessage($"*'rnn' ({type}) is a native TorchSharp module*Linear layers*");
    }

    [Test]
    public void Wrap_SmallNativeShare_DoesNotWarn()
    {
        var logger = new RecordingLogger();
        var model = new RecurrentClassifier(gru: true, hidden: 2, headInputs: 512);

        Dendrites.Wrap(model, new WrapOptions { Logger = logger });

        var nativeShare = (double)model.RecurrentParameters / model.parameters().Sum(p => p.numel());
        nativeShare.Should().BeLessThan(Dendrites.NativeShareWarningThreshold);
        logger.Entries.Should().NotContain(e => e.EventId == NativeModulesSkippedEvent);
    }

    [Test]
    public void Report_ModelWithoutNativeModules_HasNoNativeRow()
    {
        var handle = Dendrites.Wrap(Support.TestModels.Mlp());

        var report = handle.Report();

        report.NativeModules.Should().BeEmpty();
        report.OtherBaseParameters.Should().Be(0);
        report.ToMarkdown().Should().NotContain("native modules");
    }

    /// <summary>Embedding, a two-layer Transformer encoder (d = 32, 4 heads, feed-forward 2048), a Linear classifier.</summary>
    private sealed class EncoderClassifier : nn.Module<Tensor, Tensor>
    {
        // Per layer: in_proj 96 x 32 + 96, out_proj 32 x 32 + 32, linear1 2048 x 32 + 2048, linear2 32 x 2048 + 32, two norms 4 x 32.
        public const long EncoderParameters = 2 * ((96 * 32) + 96 + (32 * 32) + 32 + (2048 * 32) + 2048 + (32 * 2048) + 32 + (4 * 32));

        private readonly Embedding embedding = nn.Embedding(100, 32);
        private readonly TransformerEncoder encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4), 2);
        private readonly Linear head = nn.Linear(32, 5);

        public EncoderClassifier()
            : base(nameof(EncoderClassifier)) => RegisterComponents();

        public override Tensor forward(Tensor tokens) => head.call(encoder.call(embedding.call(tokens), null, null).mean(new long[] { 0 }));
    }

    /// <summary>Self-attention over [time, batch, 32] and a Linear head.</summary>
    private sealed class AttentionModel : nn.Module<Tensor, Tensor>
    {
        private readonly MultiheadAttention attn = nn.MultiheadAttention(32, 4);
        private readonly Linear head = nn.Linear(32, 3);

        public AttentionModel()
            : base(nameof(AttentionModel)) => RegisterComponents();

        public override Tensor forward(Tensor x) => head.call(attn.call(x, x, x, null, false, null).Item1);
    }

    /// <summary>One TransformerEncoderLayer over [time, batch, 32] and a Linear head.</summary>
    private sealed class EncoderLayerModel : nn.Module<Tensor, Tensor>
    {
        private readonly TransformerEncoderLayer layer = nn.TransformerEncoderLayer(32, 4);
        private readonly Linear head = nn.Linear(32, 3);

        public EncoderLayerModel()
            : base(nameof(EncoderLayerModel)) => RegisterComponents();

        public override Tensor forward(Tensor x) => head.call(layer.call(x, null, null));
    }

    /// <summary>A two-layer LSTM or GRU over [batch, time, 8] and a Linear head on the last step.</summary>
    private sealed class RecurrentClassifier : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module rnn;
        private readonly Linear head;

        public RecurrentClassifier(bool gru, long hidden = 16, long headInputs = 0)
            : base(nameof(RecurrentClassifier))
        {
            rnn = gru ? nn.GRU(8, hidden, 2, batchFirst: true) : nn.LSTM(8, hidden, 2, batchFirst: true);
            head = nn.Linear(headInputs > 0 ? headInputs : hidden, 3);
            RegisterComponents();
        }

        public long RecurrentParameters => rnn.parameters().Sum(p => p.numel());

        public override Tensor forward(Tensor x)
        {
            var output = rnn is GRU gru ? gru.call(x, null).Item1 : ((LSTM)rnn).call(x, null).Item1;
            return head.call(output.select(1, -1));
        }
    }
}
