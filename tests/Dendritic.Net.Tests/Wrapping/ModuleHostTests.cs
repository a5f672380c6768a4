using System;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Dendritic.Testing;
using static Dendritic.Tests.Support.Perturbation;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// Dendrites on modules other than Linear and convolutions (issue 16): an LSTM sequence classifier, an Embedding + GRU
/// model, a LayerNorm and user blocks, each dendrite a re-initialised copy of the module.
/// </summary>
[TestFixture]
public sealed class ModuleHostTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(7);

    [TestCase(false)]
    [TestCase(true)]
    public void AddDendrites_RecurrentHost_LeavesOutputAndStatesBitForBit(bool gru)
    {
        var model = new SequenceClassifier(gru, tokens: gru);
        var x = Input(gru);
        var before = model.RecurrentResult(x).Select(t => t.detach().clone()).ToArray();
        var logits = model.call(x).detach().clone();

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn"), InitialDendrites = 0 }, sampleInput: x);
        handle.AddDendrites(2);

        handle.Layers.Should().ContainSingle().Which.Spec.Should().Match<HostLayerSpec>(s => s.Kind == HostKind.Module && s.ModuleType == (gru ? "GRU" : "LSTM") && s.OutFeatures == 12);
        var after = model.RecurrentResult(x);
        for (var i = 0; i < before.Length; i++)
        {
            TensorAssert.Identical(after[i], before[i], $"result {i} of the recurrent module");
        }

        TensorAssert.Identical(model.call(x), logits);
    }

    [Test]
    public void Train_LstmHost_GradientsReachEveryCopyAndStatesPassThrough()
    {
        var model = new SequenceClassifier(gru: false);
        var x = Input(false);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.OfType<LSTM>(), InitialDendrites = 2 }, sampleInput: x);

        Train(model, handle, x, steps: 1);
        Backward(model, x);

        foreach (var set in handle.Layers[0].Branch.Sets)
        {
            set.Module.Should().BeOfType<LSTM>();
            set.OutputScale.grad!.abs().sum().item<float>().Should().BePositive("u gets a gradient from the first step");
            set.Module!.parameters().Sum(p => p.grad?.abs().sum().item<float>() ?? 0).Should().BePositive("once u is not zero, the copy learns");
        }

        var withDendrites = model.RecurrentResult(x);
        Tensor[] hostOnly;
        using (handle.Disable())
        {
            hostOnly = model.RecurrentResult(x);
        }

        TensorAssert.Identical(withDendrites[1], hostOnly[1], "h_n passes through from the host");
        TensorAssert.Identical(withDendrites[2], hostOnly[2], "c_n passes through from the host");
        (withDendrites[0] - hostOnly[0]).abs().max().item<float>().Should().BePositive("trained dendrites change the sequence output");
    }

    [Test]
    public void Disable_TrainedHosts_IsBitForBitTheUnwrappedModel()
    {
        var model = new SequenceClassifier(gru: true, tokens: true);
        var x = Input(true);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("embedding", "rnn").Or(LayerSelector.AllSupported), InitialDendrites = 1 }, sampleInput: x);
        handle.Layers.Select(l => l.Name).Should().Equal("embedding", "rnn", "head");
        Train(model, handle, x, steps: 3);

        Tensor disabled;
        using (handle.Disable())
        {
            disabled = model.call(x).detach().clone();
        }

        var keys = handle.BaseStateDict().Keys.ToList();
        var recurrent = model.Recurrent;
        handle.Unwrap();

        TensorAssert.Identical(model.call(x), disabled);
        model.state_dict().Keys.Should().Equal(keys, "unwrapping leaves exactly the original keys");
        model.named_modules().Select(m => m.name).Should().NotContain("dendrites");
        model.Recurrent.Should().BeSameAs(recurrent);
    }

    [Test]
    public void RestoreWeights_AfterGrowthAndTraining_RevertsStructureAndOutput()
    {
        var model = ModuleHostModels.NormMlp();
        var x = randn(5, 6);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.OfType<LayerNorm>(), InitialDendrites = 1 }, sampleInput: x);
        handle.TrainableParameters().Select(p => p.Handle).Should().Contain(handle.DendriteParameters().Select(p => p.Handle), "a Sequential root lists only its items, so the dendrites live on the host");
        handle.Layers[0].DendriteKeyPrefix.Should().Be("norm.dendrites.");
        Train(model, handle, x, steps: 2);
        var expected = model.call(x).detach().clone();
        using var snapshot = handle.CaptureWeights();

        handle.AddDendrites(2);
        TensorAssert.Identical(model.call(x), expected, "new sets add nothing");
        Train(model, handle, x, steps: 2);
        handle.RestoreWeights(snapshot);

        handle.DendriteCount.Should().Be(1);
        TensorAssert.Identical(model.call(x), expected);
        handle.AddDendrites(1);
        handle.RemoveLastDendrites(1);
        TensorAssert.Identical(model.call(x), expected, "a retry adds and reverts again");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Checkpoint_RecurrentHost_RoundTripsOntoAFreshModel(bool gru)
    {
        var model = new SequenceClassifier(gru, tokens: gru);
        var x = Input(gru);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), InitialDendrites = 2 }, sampleInput: x);
        Train(model, handle, x, steps: 2);
        var path = Path.Combine(Folder, "model.dendrites");
        DendriteCheckpoint.Save(handle, path);

        var fresh = new SequenceClassifier(gru, tokens: gru);
        var loaded = DendriteCheckpoint.Load(fresh, path, sampleInput: x);

        loaded.Handle.Layers.Select(l => (l.Name, l.DendriteCount)).Should().Equal(("rnn", 2), ("head", 2));
        TensorAssert.Identical(fresh.call(x), model.call(x));
    }

    [Test]
    public void Checkpoint_OtherHiddenSize_ThrowsMismatchNamingTheLayer()
    {
        var model = new SequenceClassifier(gru: false);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn") });
        var path = Path.Combine(Folder, "model.dendrites");
        DendriteCheckpoint.Save(handle, path);

        var act = () => DendriteCheckpoint.Load(new SequenceClassifier(gru: false, hidden: 16), path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*Layer 'rnn' differs*LSTM*12 neurons*16 neurons*");
    }

    [Test]
    public void Wrap_UserBlockThroughFactory_WrapsTheBlockNotItsLayers()
    {
        var model = ModuleHostModels.BlockMlp();
        var x = randn(4, 6);
        var expected = model.call(x).detach().clone();
        var options = new WrapOptions { Targets = LayerSelector.AllSupported.Or(LayerSelector.Named("block")), ModuleHosts = new[] { ModuleHostModels.BlockHost }, InitialDendrites = 2 };

        var handle = Dendrites.Wrap(model, options, sampleInput: x);

        handle.Layers.Select(l => l.Name).Should().Equal("block", "head");
        handle.Layers[0].Branch.Sets.Should().AllSatisfy(s => s.Module.Should().BeOfType<Block>());
        TensorAssert.Identical(model.call(x), expected);
        Train(model, handle, x, steps: 2);
        var path = Path.Combine(Folder, "block.dendrites");
        DendriteCheckpoint.Save(handle, path);
        var fresh = ModuleHostModels.BlockMlp();
        DendriteCheckpoint.Load(fresh, path, options: new CheckpointLoadOptions { ModuleHosts = new[] { ModuleHostModels.BlockHost } });
        TensorAssert.Identical(fresh.call(x), model.call(x));
    }

    [Test]
    public void Wrap_BlockImplementingIDendriteHost_NeedsNoFactory()
    {
        var model = nn.Sequential(("block", new SelfCopyingBlock(5, 4)), ("head", nn.Linear(4, 2)));
        var x = randn(3, 5);
        var expected = model.call(x).detach().clone();

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.OfType<SelfCopyingBlock>(), InitialDendrites = 3 }, sampleInput: x);

        handle.Layers.Should().ContainSingle().Which.Branch.Sets.Should().HaveCount(3);
        TensorAssert.Identical(model.call(x), expected);
    }

    [Test]
    public void Report_RecurrentHost_CountsParametersExactlyAndSaysFlopsAreUnknown()
    {
        var model = new SequenceClassifier(gru: false);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported), InitialDendrites = 2 }, sampleInput: Input(false));

        var report = handle.Report();

        var rnn = report.Layers[0];
        rnn.HostParameters.Should().Be(model.RecurrentParameters);
        rnn.DendriteParameters.Should().Be((2 * model.RecurrentParameters) + (2 * 12) + 12, "two copies, two u and one v row");
        rnn.FlopsCounted.Should().BeFalse();
        report.NativeModules.Should().BeEmpty("the LSTM is counted in its own row");
        report.OtherBaseParameters.Should().Be(0);
        report.TotalParameters.Should().Be(model.parameters().Sum(p => p.numel()));
        report.ToMarkdown().Should().Contain("| rnn | LSTM (copies; 12 neurons on axis -1").And.Contain("| unknown (module host) | unknown (module host) |");
    }

    [Test]
    public void Prune_ModuleHostWithSilentSet_RemovesIt()
    {
        var model = ModuleHostModels.NormMlp();
        var x = randn(5, 6);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 3 }, sampleInput: x);
        Train(model, handle, x, steps: 2);
        using (no_grad())
        {
            handle.Layers[0].Branch.Sets[1].OutputScale.zero_();
            handle.Layers[0].Branch.Sets[2].CascadeWeights![1].zero_();
        }

        var copies = handle.Layers[0].Branch.Sets.Select(s => s.Module).ToArray();
        var expected = model.call(x).detach().clone();

        var report = DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 1e-12 });

        report.SetsRemoved.Should().Be(1);
        handle.Layers[0].Branch.Sets.Select(s => s.Module).Should().Equal(copies[0], copies[2]);
        TensorAssert.CloseRelative(model.call(x), expected, 1e-6, "the removed set contributed nothing");
    }

    [Test]
    public void Wrap_TupleModuleWithoutProcessor_ThrowsNamingTheModuleAndTheProcessor()
    {
        var act = () => Dendrites.Wrap(new PairModel(), new WrapOptions { Targets = LayerSelector.Named("pair") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*Layer 'pair' (PairBlock) returns (Tensor, Tensor), not one tensor*IOutputProcessor<(Tensor, Tensor)>*");
    }

    [Test]
    public void Wrap_TupleModuleWithProcessor_AddsDendritesToTheExtractedTensorOnly()
    {
        var model = new PairModel();
        var x = randn(3, 4);
        var expected = model.call(x).detach().clone();
        var host = ModuleHost.For<PairBlock, (Tensor, Tensor)>(_ => new PairBlock(), _ => 4, new FirstOfPair());

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("pair"), ModuleHosts = new[] { host }, InitialDendrites = 2 }, sampleInput: x);

        TensorAssert.Identical(model.call(x), expected);
        Train(model, handle, x, steps: 2);
        handle.Layers[0].Branch.Sets.Should().AllSatisfy(s => s.OutputScale.abs().sum().item<float>().Should().BePositive());
    }

    [Test]
    public void Wrap_ChannelsFirstBlockWithNeuronAxis1_Trains()
    {
        var model = nn.Sequential(("block", new ConvBlock()), ("flatten", nn.Flatten()), ("head", nn.Linear(5 * 8, 2)));
        var x = randn(4, 3, 8);
        var expected = model.call(x).detach().clone();
        var host = ModuleHost.For<ConvBlock>(_ => new ConvBlock(), _ => 5).WithNeuronAxis(1);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = new[] { host }, InitialDendrites = 1 }, sampleInput: x);

        handle.Layers[0].Spec.NeuronAxis.Should().Be(1);
        TensorAssert.Identical(model.call(x), expected);
        Train(model, handle, x, steps: 2);
        handle.Layers[0].Branch.Sets[0].OutputScale.abs().sum().item<float>().Should().BePositive();
    }

    [Test]
    public void Forward_WrongNeuronAxis_ThrowsNamingTheAxisAndTheFix()
    {
        var model = nn.Sequential(("block", new ConvBlock()), ("flatten", nn.Flatten()));
        var host = ModuleHost.For<ConvBlock>(_ => new ConvBlock(), _ => 5);

        var act = () => Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = new[] { host } }, sampleInput: randn(2, 3, 8));

        act.Should().Throw<DendriteWrapException>().WithMessage("*The output of 'block' (ConvBlock) has shape [2, 5, 8]; its ModuleHost(ConvBlock, neuron axis -1) counts 5 neurons on axis -1, which holds 8 there. Fix whichever is wrong*WithNeuronAxis*");
    }

    [Test]
    public void GrowthScheduler_LstmHost_GrowsThenRevertsToTheBestWeights()
    {
        var model = new SequenceClassifier(gru: false);
        var x = Input(false);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn"), InitialDendrites = 0 }, sampleInput: x);
        var scheduler = new GrowthScheduler(handle, Growth.ClassicRules.Options with { Patience = 0, MaxRetries = 0 });
        scheduler.Step(1.0);
        var atBest = model.call(x).detach().clone();

        Perturb(model);
        var grown = scheduler.Step(0.5);
        var afterGrowth = model.call(x).detach().clone();
        Perturb(model);
        var done = scheduler.Step(0.4);

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        handle.DendriteCount.Should().Be(0, "the step without improvement reverted the growth");
        TensorAssert.Identical(afterGrowth, atBest, "growth restores the best weights and a new copy adds zero");
        done.Reason.Should().Be(GrowthReason.RetriesExhausted);
        TensorAssert.Identical(model.call(x), atBest, "the revert restores the best weights exactly");
    }

    [Test]
    public void GrowthScheduler_CascadeCorrelationWithModuleHost_ThrowsNamingTheLayer()
    {
        var handle = Dendrites.Wrap(ModuleHostModels.NormMlp(), new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 0 });

        var act = () => new GrowthScheduler(handle, new GrowthOptions { Training = DendriteTrainingMode.CascadeCorrelation });

        act.Should().Throw<UnsupportedHostException>().WithMessage("*Layer 'norm' is a module host (LayerNorm)*GradientDescent*");
    }

    [Test]
    public void Wrap_ModuleWithoutHost_ThrowsSayingWhatToGive()
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 4)), ("bn", nn.BatchNorm1d(4)));

        var act = () => Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("bn") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*Layer 'bn' is a BatchNorm1d*no ModuleHost applies to a BatchNorm1d*ModuleHost.For<BatchNorm1d>*IDendriteHost*");
    }

    [Test]
    public void To_EmbeddingHostInSequential_MovesItsDendrites()
    {
        var model = nn.Sequential(("embedding", nn.Embedding(10, 4)), ("head", nn.Linear(4, 2)));
        var tokens = randint(0, 10, new long[] { 3, 5 });
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("embedding"), InitialDendrites = 2 }, sampleInput: tokens);

        model.to(float64);

        handle.DendriteParameters().Should().AllSatisfy(p => p.dtype.Should().Be(ScalarType.Float64));
        model.call(tokens).dtype.Should().Be(ScalarType.Float64);
    }

    [Test]
    public void Forward_LayerNormHostInSequentialMovedAfterWrapping_ThrowsSayingWhy()
    {
        var model = ModuleHostModels.NormMlp();
        Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm") });

        model.to(float64);
        var act = () => model.call(randn(2, 6, dtype: float64));

        act.Should().Throw<DendriteWrapException>().WithMessage("*dendrites of 'norm' (LayerNorm) are on cpu as Float32, but its output is on cpu as Float64*Move the model before wrapping it*");
    }

    [Test]
    public void Wrap_DefaultTargets_TakeNoModuleHosts()
    {
        var handle = Dendrites.Wrap(ModuleHostModels.NormMlp());

        handle.Layers.Select(l => l.Name).Should().Equal("fc", "out");
    }

    private static Tensor Input(bool tokens) => tokens ? randint(0, 20, new long[] { 4, 6 }) : randn(4, 6, 7);

    private static void Backward(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        foreach (var parameter in model.parameters())
        {
            parameter.grad?.zero_();
        }

        model.call(x).square().mean().backward();
    }

    private static void Train(nn.Module<Tensor, Tensor> model, DendriticModel handle, Tensor x, int steps)
    {
        var optimizer = optim.SGD(handle.TrainableParameters(), 0.1);
        for (var step = 0; step < steps; step++)
        {
            optimizer.zero_grad();
            model.call(x).square().mean().backward();
            optimizer.step();
        }
    }
}
