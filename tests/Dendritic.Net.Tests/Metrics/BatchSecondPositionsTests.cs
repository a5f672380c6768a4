using System;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Metrics;

/// <summary>
/// Output positions per sample are a layer's output elements per neuron divided by the samples in the batch
/// (docs/concepts.md, "FLOP convention"). The check pass took each layer output's first dimension as the batch, so a
/// batch-second (T, B, F) layer, as after a recurrent module with batch_first false, counted B positions per sample
/// instead of T. It now divides by the model input's batch (its first dimension, as the sample input's), or by the
/// samples given to Verify. B and T differ in every test, so that the one cannot pass for the other.
/// </summary>
[TestFixture]
public sealed class BatchSecondPositionsTests
{
    private const long Samples = 2;
    private const long Steps = 5;

    [SetUp]
    public void Seed() => manual_seed(61);

    [Test]
    public void Wrap_LinearOnTimeMajorActivations_CountsTimeStepsPerSample()
    {
        var model = new TimeMajorInside(lstm: false);

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, randn(Samples, Steps, 3));

        handle.Layers.Select(l => l.Name).Should().Equal("fc", "head");
        handle.Layers.Select(l => l.PositionsPerSample).Should().Equal(Steps, 1L);
        handle.Report().Layers[0].HostFlopsPerSample.Should().Be(Steps * ((2 * 3 * 4) + 4));
    }

    [Test]
    public void Report_UnwrappedLinearOnTimeMajorActivations_CountsTimeStepsPerSample()
    {
        var model = new TimeMajorInside(lstm: false);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("head"), InitialDendrites = 1 }, randn(Samples, Steps, 3));

        handle.Report().OtherBaseFlopsPerSample.Should().Be(Steps * ((2 * 3 * 4) + 4), "the layer without dendrites is counted by the same batch");
    }

    [Test]
    public void Wrap_LstmModuleHostWithBatchFirstFalse_CountsTimeStepsPerSample()
    {
        var model = new TimeMajorInside(lstm: true);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), InitialDendrites = 1 }, randn(Samples, Steps, 3));

        handle.Layers.Select(l => l.Name).Should().Equal("rnn", "head");
        handle.Layers.Select(l => l.PositionsPerSample).Should().Equal(Steps, 1L);
    }

    [Test]
    public void Verify_TimeMajorModelInputWithSamplesGiven_CountsTimeStepsPerSample()
    {
        // The model's own input is (T, B, F): its first dimension is not the batch, so the caller says how many samples.
        var model = nn.Sequential(("fc", nn.Linear(3, 4)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var x = randn(Steps, Samples, 3);

        handle.Verify(() => model.call(x), samples: Samples);

        handle.Layers.Single().PositionsPerSample.Should().Be(Steps);
    }

    [TestCase(0L)]
    [TestCase(-3L)]
    public void Verify_SamplesBelowOne_ThrowsNamingTheArgument(long samples)
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var x = randn(2, 4);

        handle.Invoking(h => h.Verify(() => model.call(x), samples)).Should().Throw<ArgumentOutOfRangeException>()
            .Which.ParamName.Should().Be("samples");
        handle.Layers.Should().OnlyContain(l => l.PositionsPerSample == null, "nothing ran");
    }

    /// <summary>
    /// Takes a batch-first (B, T, 3) input, goes time-major (T, B, 3) as a recurrent module with batch_first false
    /// wants, runs fc (Linear 3 -> 4) or rnn (LSTM 3 -> 4, batch_first false) over every step, and classifies the last
    /// step with head (Linear 4 -> 2).
    /// </summary>
    private sealed class TimeMajorInside : nn.Module<Tensor, Tensor>
    {
        private readonly Linear? fc;
        private readonly LSTM? rnn;
        private readonly Linear head = nn.Linear(4, 2);

        public TimeMajorInside(bool lstm)
            : base(nameof(TimeMajorInside))
        {
            if (lstm)
            {
                rnn = nn.LSTM(3, 4, batchFirst: false);
            }
            else
            {
                fc = nn.Linear(3, 4);
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var steps = input.transpose(0, 1);
            var hidden = rnn is null ? fc!.call(steps).tanh() : rnn.call(steps, null).Item1;
            return head.call(hidden.select(0, -1)).MoveToOuterDisposeScope();
        }
    }
}
