using System.Linq;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// The advice of the wrap warning about native modules without dendrites (event 1006), per module kind. Found in a
/// newcomer's trial: it told a GRU user to build the GRU from Linear layers, although GRU is a built-in module host
/// that <c>LayerSelector.Named("rnn")</c> takes.
/// </summary>
[TestFixture]
public sealed class NativeModuleWarningTests
{
    private const int NativeModulesSkippedEvent = 1006;

    [SetUp]
    public void SetUp() => manual_seed(3);

    [TestCase(true, "GRU")]
    [TestCase(false, "LSTM")]
    public void Wrap_BuiltInModuleHostNotSelected_AdvisesSelectingItByName(bool gru, string type)
    {
        var logger = new RecordingLogger();
        var model = new SequenceClassifier(gru);

        Dendrites.Wrap(model, new WrapOptions { Logger = logger }, sampleInput: randn(2, 5, 7));

        var message = logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent).Which.Message;
        message.Should().Contain($"rnn ({type}, ")
            .And.Contain($"'rnn' ({type}) can carry dendrites as a whole (a module host")
            .And.Contain("add LayerSelector.Named(\"rnn\") to WrapOptions.Targets, e.g. Targets = LayerSelector.Named(\"rnn\").Or(LayerSelector.AllSupported)")
            .And.Contain("\"Dendrites on any module\"")
            .And.NotContain("Linear layers", "the module needs no rebuilding")
            .And.NotContain("cannot carry");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Wrap_FollowingTheAdvice_PutsDendritesOnTheModuleAndDoesNotWarn(bool gru)
    {
        var logger = new RecordingLogger();
        var model = new SequenceClassifier(gru);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), Logger = logger }, sampleInput: randn(2, 5, 7));

        handle.Layers.Select(l => l.Name).Should().Equal("rnn", "head");
        logger.Entries.Should().NotContain(e => e.EventId == NativeModulesSkippedEvent);
    }

    [Test]
    public void Wrap_Attention_KeepsTheAdviceToBuildItFromLinearLayers()
    {
        var logger = new RecordingLogger();

        Dendrites.Wrap(new AttentionAndRecurrent(withRecurrent: false), new WrapOptions { Logger = logger });

        logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent)
            .Which.Message.Should().Contain("'attn' (MultiheadAttention): its layers live inside libtorch, out of the wrapper's reach; to put dendrites there, build the block from Linear layers")
            .And.NotContain("LayerSelector.Named");
    }

    [Test]
    public void Wrap_AttentionAndGru_GivesEachItsOwnAdvice()
    {
        var logger = new RecordingLogger();

        Dendrites.Wrap(new AttentionAndRecurrent(withRecurrent: true), new WrapOptions { Logger = logger });

        var message = logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent).Which.Message;
        message.Should().Contain("'rnn' (GRU) can carry dendrites as a whole (a module host").And.Contain("LayerSelector.Named(\"rnn\")")
            .And.Contain("'attn' (MultiheadAttention): its layers live inside libtorch").And.Contain("build the block from Linear layers");
        message.Should().NotContain("LayerSelector.Named(\"attn\")", "attention cannot be a module host");
    }

    [Test]
    public void Wrap_RnnWithoutAHost_AdvisesGivingOneOrBuildingItFromLinearLayers()
    {
        var logger = new RecordingLogger();

        Dendrites.Wrap(new PlainRnn(), new WrapOptions { Logger = logger });

        logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent)
            .Which.Message.Should().Contain("'rnn' (RNN) has no built-in module host: give WrapOptions.ModuleHosts one").And.Contain("Linear layers")
            .And.NotContain("LayerSelector.Named");
    }

    [Test]
    public void Wrap_RnnWithAHostInTheOptions_AdvisesSelectingItByName()
    {
        var logger = new RecordingLogger();
        var host = ModuleHost.For<RNN, (Tensor, Tensor)>(_ => nn.RNN(8, 16, batchFirst: true), _ => 16, new FirstOfPair());

        Dendrites.Wrap(new PlainRnn(), new WrapOptions { Logger = logger, ModuleHosts = new[] { host } });

        logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent)
            .Which.Message.Should().Contain("'rnn' (RNN) can carry dendrites as a whole (a module host").And.Contain("LayerSelector.Named(\"rnn\")");
    }

    [Test]
    public void Wrap_TwoModuleHostsNotSelected_NamesBothInOneSelector()
    {
        var logger = new RecordingLogger();

        Dendrites.Wrap(new TwoRecurrent(), new WrapOptions { Logger = logger });

        logger.Entries.Should().ContainSingle(e => e.EventId == NativeModulesSkippedEvent)
            .Which.Message.Should().Contain("'encoder' (LSTM) and 'decoder' (GRU) can carry dendrites as whole modules")
            .And.Contain("Targets = LayerSelector.Named(\"encoder\", \"decoder\").Or(LayerSelector.AllSupported)");
    }

    /// <summary>A MultiheadAttention over [time, batch, 32] and, optionally, a GRU after it; a Linear head.</summary>
    private sealed class AttentionAndRecurrent : nn.Module<Tensor, Tensor>
    {
        private readonly MultiheadAttention attn = nn.MultiheadAttention(32, 4);
        private readonly GRU? rnn;
        private readonly Linear head = nn.Linear(32, 3);

        public AttentionAndRecurrent(bool withRecurrent)
            : base(nameof(AttentionAndRecurrent))
        {
            rnn = withRecurrent ? nn.GRU(32, 32) : null;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var attended = attn.call(x, x, x, null, false, null).Item1;
            return head.call((rnn is null ? attended : rnn.call(attended, null).Item1)[-1]);
        }
    }

    /// <summary>TorchSharp's plain RNN (no built-in module host) and a Linear head.</summary>
    private sealed class PlainRnn : nn.Module<Tensor, Tensor>
    {
        private readonly RNN rnn = nn.RNN(8, 16, batchFirst: true);
        private readonly Linear head = nn.Linear(16, 3);

        public PlainRnn()
            : base(nameof(PlainRnn))
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => head.call(rnn.call(x, null).Item1.select(1, -1));
    }

    /// <summary>An LSTM, then a GRU, then a Linear head.</summary>
    private sealed class TwoRecurrent : nn.Module<Tensor, Tensor>
    {
        private readonly LSTM encoder = nn.LSTM(8, 16, batchFirst: true);
        private readonly GRU decoder = nn.GRU(16, 16, batchFirst: true);
        private readonly Linear head = nn.Linear(16, 3);

        public TwoRecurrent()
            : base(nameof(TwoRecurrent))
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => head.call(decoder.call(encoder.call(x, null).Item1, null).Item1.select(1, -1));
    }

    private sealed class FirstOfPair : IOutputProcessor<(Tensor, Tensor)>
    {
        public Tensor Extract((Tensor, Tensor) output) => output.Item1;

        public (Tensor, Tensor) Rebuild((Tensor, Tensor) output, Tensor selected) => (selected, output.Item2);
    }
}
